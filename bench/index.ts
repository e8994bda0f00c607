// `npm run bench -- [part ...]`: the lab's speed figures, every part or the ones named. Targets live here, never in
// test assertions.
import "../scripts/node-version"; // first: SDK clients made while the modules below load must not print the Node 20 notice
import { Command, runCommand, UsageError } from "../scripts/cli";
// Each part loads its modules when it runs: --help and a wrong argument answer at once.
/* eslint-disable @typescript-eslint/no-var-requires */
const part = <T>(file: string): T => require(file);

const PARTS: Record<string, { what: string; run(): Promise<void> }> = {
    "cold-start": {
        what: "each handler's bundle size and cold init next to bare node",
        run: async () => { const m = part<typeof import("./cold-start")>("./cold-start"); m.printColdStart(await m.coldStart()); },
    },
    idempotency: {
        what: "records/s of a consumer with and without idempotency on dynalite",
        run: async () => { const m = part<typeof import("./idempotency")>("./idempotency"); m.printIdempotency(await m.idempotencyOverhead()); },
    },
    policy: {
        what: "the 16-combination offline preview and AnalyzeStack on 10,000 resources",
        run: async () => { const m = part<typeof import("./policy")>("./policy"); m.printPolicyBench(await m.policyBench()); },
    },
    lab: {
        what: "the simulator's deliveries/s and a 1,000,000-message run",
        run: async () => { const m = part<typeof import("./lab")>("./lab"); m.printLabBench(await m.labBench()); },
    },
    test: {
        what: "npm test's wall time and peak memory (the process tree summed and the largest process)",
        run: async () => { const m = part<typeof import("./npm-test")>("./npm-test"); m.printNpmTestBench(await m.npmTestBench()); },
    },
    "pulumi-start": {
        what: "language host start to the last resource registered, per pattern and mode",
        run: async () => { const m = part<typeof import("./pulumi-start")>("./pulumi-start"); m.printPulumiStart(await m.pulumiStart()); },
    },
};

export const BENCH_COMMAND: Command = {
    name: "npm run bench --",
    usage: `usage: npm run bench -- [part ...] [--verbose]
Runs every part, or only the ones named:
${Object.entries(PARTS).map(([name, p]) => `  ${name.padEnd(12)} ${p.what}`).join("\n")}
Environment: BENCH_RUNS (cold-start processes per bundle, default 21), BENCH_RECORDS (idempotency, default 2000),
BENCH_POLICY_RESOURCES (policy, default 10000), BENCH_START_RUNS (pulumi-start, runs per configured row, default 5),
BENCH_TEST_RUNS (test, npm test runs, default 3).
Exit status: 0 measured, 1 a failure, 2 a wrong argument.`,
    options: {},
    positionals: true,
    async run(_values, positionals) {
        const unknown = positionals.filter((p) => !(p in PARTS));
        if (unknown.length > 0) throw new UsageError(`unknown part ${unknown.join(", ")}; allowed ${Object.keys(PARTS).join(", ")}`);
        for (const name of positionals.length > 0 ? positionals : Object.keys(PARTS)) await PARTS[name].run();
        return 0;
    },
};

if (require.main === module) runCommand(BENCH_COMMAND);
