// `npm run bench -- [part ...]`: the lab's speed figures, every part or the ones named. Targets live here, never in
// test assertions.
import { Command, runCommand, UsageError } from "../scripts/cli";
import { quietNodeVersionNotice } from "../scripts/node-version";
import { coldStart, printColdStart } from "./cold-start";
import { idempotencyOverhead, printIdempotency } from "./idempotency";
import { labBench, printLabBench } from "./lab";
import { policyBench, printPolicyBench } from "./policy";

const PARTS: Record<string, { what: string; run(): Promise<void> }> = {
    "cold-start": { what: "each handler's bundle size and cold init next to bare node", run: async () => printColdStart(await coldStart()) },
    idempotency: { what: "records/s of a consumer with and without idempotency on dynalite", run: async () => printIdempotency(await idempotencyOverhead()) },
    policy: { what: "the 16-combination offline preview and AnalyzeStack on 10,000 resources", run: async () => printPolicyBench(await policyBench()) },
    lab: { what: "the simulator's deliveries/s and a 1,000,000-message run", run: async () => printLabBench(await labBench()) },
};

const command: Command = {
    name: "npm run bench --",
    usage: `usage: npm run bench -- [part ...] [--verbose]
Runs every part, or only the ones named:
${Object.entries(PARTS).map(([name, p]) => `  ${name.padEnd(12)} ${p.what}`).join("\n")}
Environment: BENCH_RUNS (cold-start processes per bundle, default 21), BENCH_RECORDS (idempotency, default 2000),
BENCH_POLICY_RESOURCES (policy, default 10000).`,
    options: {},
    positionals: true,
    async run(_values, positionals) {
        const unknown = positionals.filter((p) => !(p in PARTS));
        if (unknown.length > 0) throw new UsageError(`unknown part ${unknown.join(", ")}; allowed ${Object.keys(PARTS).join(", ")}`);
        quietNodeVersionNotice();
        for (const name of positionals.length > 0 ? positionals : Object.keys(PARTS)) await PARTS[name].run();
        return 0;
    },
};

runCommand(command);
