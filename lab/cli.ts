// npm run lab -- <scenario ...|--all> [--seed N] [--set key=value ...] [--json out.json] [--svg out.svg|dir] [--write-docs]
import * as fs from "fs";
import * as path from "path";
import { ToggleKey } from "../patterns/config";
import { docsTable, formatReport, timelineSvg } from "./report";
import { DEFAULT_SEED, findScenario, runScenario } from "./runner";
import { LabInputError, ScenarioResult } from "./scenario";
import { SCENARIOS } from "./scenarios";
import { quietNodeVersionNotice } from "../scripts/node-version";

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
    names: string[];
    all: boolean;
    seed: number;
    sets: Record<string, string>;
    json?: string;
    svg?: string;
    writeDocs: boolean;
}

const USAGE = `usage: npm run lab -- <scenario ...|--all> [--seed N] [--set key=value ...] [--json out.json] [--svg out.svg|folder] [--write-docs]
scenarios:
${SCENARIOS.map((s) => `  ${s.name.padEnd(32)} ${s.title}`).join("\n")}`;

function parseArgs(argv: string[]): Args {
    const args: Args = { names: [], all: false, seed: DEFAULT_SEED, sets: {}, writeDocs: false };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined) throw new LabInputError(`${a} needs a value\n${USAGE}`);
            return v;
        };
        if (a === "--all") args.all = true;
        else if (a === "--seed") {
            const raw = value();
            args.seed = Number(raw);
            if (!Number.isInteger(args.seed) || args.seed < 0) throw new LabInputError(`--seed ${raw}: allowed a non-negative integer`);
        } else if (a === "--set") {
            const pair = value();
            const eq = pair.indexOf("=");
            if (eq <= 0) throw new LabInputError(`--set ${pair}: allowed key=value, e.g. --set maxReceiveCount=3`);
            args.sets[pair.slice(0, eq)] = pair.slice(eq + 1);
        } else if (a === "--json") args.json = value();
        else if (a === "--svg") args.svg = value();
        else if (a === "--write-docs") args.writeDocs = true;
        else if (a === "--help" || a === "-h") throw new LabInputError(USAGE);
        else if (a.startsWith("--")) throw new LabInputError(`unknown option ${a}\n${USAGE}`);
        else args.names.push(a);
    }
    if (!args.all && args.names.length === 0) throw new LabInputError(USAGE);
    if (args.writeDocs && !args.all) throw new LabInputError("--write-docs regenerates every pattern README's table: use it with --all");
    if (args.writeDocs && Object.keys(args.sets).length > 0) throw new LabInputError("--write-docs documents the default settings: drop --set");
    return args;
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

async function main(): Promise<number> {
    quietNodeVersionNotice();
    const args = parseArgs(process.argv.slice(2));
    const scenarios = args.all ? SCENARIOS : args.names.map(findScenario);
    const results: ScenarioResult[] = [];
    const started = Date.now();
    for (const scenario of scenarios) {
        const bar = progress(scenario.name);
        const result = await runScenario(scenario, { seed: args.seed, sets: args.sets, onProgress: bar.update });
        bar.done();
        results.push(result);
        console.log(formatReport(result));
        console.log("");
    }
    const svgTarget = args.svg ?? (args.all ? DEFAULT_OUTPUT : undefined);
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
        fs.writeFileSync(args.json, JSON.stringify(results.length === 1 && !args.all ? results[0] : results, null, 2) + "\n");
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
    console.log(`${results.length} scenarios in ${((Date.now() - started) / 1000).toFixed(1)} s: conservation ${lost.length === 0 ? "held in every run" : `FAILED in ${lost.map((r) => r.scenario).join(", ")}`}; `
        + `documented outcomes ${wrong.length === 0 ? "all shown" : `NOT shown in ${wrong.map((r) => r.scenario).join(", ")}`}`);
    return lost.length > 0 || wrong.length > 0 ? 1 : 0;
}

if (require.main === module) {
    main().then((code) => process.exit(code), (error) => {
        console.error(error instanceof LabInputError ? error.message : error);
        process.exit(2);
    });
}
