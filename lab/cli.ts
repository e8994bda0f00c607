// npm run lab -- <scenario ...|--all> [--seed N] [--set key=value ...] [--json out.json] [--svg out.svg|dir] [--write-docs] (--help)
import "../scripts/node-version"; // first: SDK clients made while the modules below load must not print the Node 20 notice
import * as fs from "fs";
import * as path from "path";
import { ToggleKey } from "../patterns/config";
import { docsTable, formatReport, timelineSvg } from "./report";
import { Command, integerOption, runCommand, UsageError, Values } from "../scripts/cli";
import { DEFAULT_SEED, runScenario } from "./runner";
import { allowedKeys, LabInputError, resolve, Scenario, ScenarioResult } from "./scenario";
import { SCENARIOS } from "./scenarios";

const ROOT = path.resolve(__dirname, "..");
/** Where `--all` writes its SVGs unless --svg names a folder. */
export const DEFAULT_OUTPUT = "lab-output";

const README_OF: Record<ToggleKey, string> = {
    queueWorker: "patterns/queue-worker/README.md",
    fanOut: "patterns/fan-out/README.md",
    eventRouting: "patterns/event-routing/README.md",
    idempotentConsumer: "patterns/idempotent-consumer/README.md",
};
export const DOCS_START = "<!-- lab:measured:start -->";
export const DOCS_END = "<!-- lab:measured:end -->";

interface Args {
    scenarios: Scenario[];
    seed: number;
    sets: Record<string, string>;
    json?: string;
    svg?: string;
    writeDocs: boolean;
}

const USAGE = `usage: npm run lab -- <scenario ...|--all> [--seed N] [--set key=value ...] [--json FILE] [--svg FILE|FOLDER] [--write-docs] [--verbose]
Replays AWS's delivery semantics in virtual time against the project's real handlers and reports what happened.
  --all                 every scenario
  --seed N              the random source (an integer ≥ 0, default ${DEFAULT_SEED}): same seed, byte-identical JSON
  --set key=value       a scenario parameter or a field of the pattern's settings (as pulumi config set --path
                        <pattern>Settings.<field>); repeatable; with --all it must apply to every scenario
  --json FILE           write the results as JSON
  --svg FILE|FOLDER     write each scenario's timeline (a folder for several; --all writes to ${DEFAULT_OUTPUT}/)
  --write-docs          with --all: regenerate each pattern README's measured-behaviour table
Exit status: 0 every documented outcome shown and nothing lost, 1 otherwise or a failure, 2 a wrong argument.
Scenarios and the keys --set takes:
${SCENARIOS.map((sc) => `  ${sc.name.padEnd(30)} ${sc.title}\n  ${"".padEnd(30)} keys: ${allowedKeys(sc).join(", ")}`).join("\n")}`;

/** A file the lab will write: its folder must exist and be writable, checked before anything runs. */
function checkWritable(option: string, file: string, folder = false): void {
    const dir = folder ? file : path.dirname(path.resolve(file));
    const parent = folder && !fs.existsSync(dir) ? path.dirname(path.resolve(dir)) : dir;
    try {
        if (!fs.statSync(parent).isDirectory()) throw new UsageError(`${option} ${file}: ${parent} is not a folder`);
        fs.accessSync(parent, fs.constants.W_OK);
    } catch (error) {
        if (error instanceof UsageError) throw error;
        const code = (error as NodeJS.ErrnoException).code;
        throw new UsageError(`${option} ${file}: ${code === "ENOENT" ? `the folder ${parent} does not exist` : `cannot write in ${parent} (${code})`}`);
    }
}

/** Reads and checks every argument before anything runs: scenario names, --seed, each --set against each scenario, output paths. */
function parseLabArgs(values: Values, positionals: string[]): Args {
    const all = values.all === true;
    if (!all && positionals.length === 0) throw new UsageError("name a scenario or use --all");
    if (all && positionals.length > 0) throw new UsageError(`--all runs every scenario: drop ${positionals.join(", ")}`);
    const scenarios = all ? SCENARIOS : positionals.map((name) => {
        const scenario = SCENARIOS.find((sc) => sc.name === name);
        if (!scenario) throw new UsageError(`no scenario ${JSON.stringify(name)}; allowed ${SCENARIOS.map((sc) => sc.name).join(", ")}`);
        return scenario;
    });
    const seed = values.seed === undefined ? DEFAULT_SEED : integerOption("seed", values.seed as string, 0, 2 ** 32 - 1);
    const sets: Record<string, string> = {};
    for (const pair of (values.set as string[] | undefined) ?? []) {
        const eq = pair.indexOf("=");
        if (eq <= 0) throw new UsageError(`--set ${pair}: allowed key=value, e.g. --set maxReceiveCount=3`);
        sets[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    // Every scenario that will run takes every --set, or nothing runs.
    for (const scenario of scenarios) {
        try {
            resolve(scenario, sets);
        } catch (error) {
            if (error instanceof LabInputError) throw new UsageError(error.message);
            throw error;
        }
    }
    const writeDocs = values["write-docs"] === true;
    if (writeDocs && !all) throw new UsageError("--write-docs regenerates every pattern README's table: use it with --all");
    if (writeDocs && Object.keys(sets).length > 0) throw new UsageError("--write-docs documents the default settings: drop --set");
    const json = values.json as string | undefined;
    const svg = values.svg as string | undefined;
    if (json) checkWritable("--json", json);
    if (svg) checkWritable("--svg", svg, scenarios.length > 1 || !svg.endsWith(".svg"));
    return { scenarios, seed, sets, json, svg, writeDocs };
}

/** A progress bar on a terminal; in CI or a pipe, nothing until the report. */
function progress(label: string): { update(fraction: number): void; done(): void } {
    if (!process.stderr.isTTY || process.env.CI) return { update: () => undefined, done: () => undefined };
    let last = -1;
    return {
        update(fraction) {
            const pct = Math.floor(fraction * 100);
            if (pct === last) return;
            last = pct;
            const filled = Math.round(fraction * 30);
            process.stderr.write(`\r${label.padEnd(32)} [${"#".repeat(filled)}${"-".repeat(30 - filled)}] ${String(pct).padStart(3)}%`);
        },
        done() {
            process.stderr.write("\r\x1b[2K");
        },
    };
}

/** Replaces the generated block of a README (or appends it under a "Measured behaviour" heading). */
export function writeDocsBlock(text: string, table: string): string {
    const block = `${DOCS_START}\n${table}\n${DOCS_END}`;
    const start = text.indexOf(DOCS_START);
    const end = text.indexOf(DOCS_END);
    if (start >= 0 && end > start) return text.slice(0, start) + block + text.slice(end + DOCS_END.length);
    return `${text.trimEnd()}\n\n## Measured behaviour (\`npm run lab\`)\n\n${block}\n`;
}

async function main(args: Args): Promise<number> {
    const results: ScenarioResult[] = [];
    const started = Date.now();
    for (const scenario of args.scenarios) {
        const bar = progress(scenario.name);
        const result = await runScenario(scenario, { seed: args.seed, sets: args.sets, onProgress: bar.update });
        bar.done();
        results.push(result);
        console.log(formatReport(result));
        console.log("");
    }
    const all = args.scenarios === SCENARIOS;
    const svgTarget = args.svg ?? (all ? DEFAULT_OUTPUT : undefined);
    if (svgTarget) {
        const asFolder = results.length > 1 || !svgTarget.endsWith(".svg");
        if (asFolder) fs.mkdirSync(svgTarget, { recursive: true });
        for (const r of results) {
            const file = asFolder ? path.join(svgTarget, `${r.scenario}.svg`) : svgTarget;
            fs.writeFileSync(file, timelineSvg(r));
            console.log(`timeline: ${file}`);
        }
    }
    if (args.json) {
        fs.writeFileSync(args.json, JSON.stringify(results.length === 1 && !all ? results[0] : results, null, 2) + "\n");
        console.log(`json: ${args.json}`);
    }
    if (args.writeDocs) {
        for (const [pattern, readme] of Object.entries(README_OF)) {
            const mine = results.filter((r) => r.pattern === pattern);
            if (mine.length === 0) continue;
            const file = path.join(ROOT, readme);
            fs.writeFileSync(file, writeDocsBlock(fs.readFileSync(file, "utf8"), docsTable(mine)));
            console.log(`measured behaviour table: ${readme}`);
        }
    }
    const lost = results.filter((r) => !r.conservation.holds);
    const wrong = results.filter((r) => r.expectations.some((e) => !e.holds));
    console.log(`${results.length} scenario${results.length === 1 ? "" : "s"} in ${((Date.now() - started) / 1000).toFixed(1)} s: conservation ${lost.length === 0 ? "held in every run" : `FAILED in ${lost.map((r) => r.scenario).join(", ")}`}; `
        + `documented outcomes ${wrong.length === 0 ? "all shown" : `NOT shown in ${wrong.map((r) => r.scenario).join(", ")}`}`);
    return lost.length > 0 || wrong.length > 0 ? 1 : 0;
}

export const LAB_COMMAND: Command = {
    name: "npm run lab --",
    usage: USAGE,
    options: {
        all: { type: "boolean" },
        seed: { type: "string" },
        set: { type: "string", multiple: true },
        json: { type: "string" },
        svg: { type: "string" },
        "write-docs": { type: "boolean" },
    },
    positionals: true,
    run: (values, positionals) => main(parseLabArgs(values, positionals)),
};

if (require.main === module) runCommand(LAB_COMMAND);
