// npm run lab -- <scenario ...|--all> [--seed N] [--set key=value ...] [--json F] [--svg F|DIR] [--html F [--sweeps]] [--write-docs]
// npm run lab -- sweep <scenario> --vary key=from..to[:steps] [--seeds N] [--set ...] [--json F] [--svg F] [--html F]
// npm run lab -- sweep --curated [name ...] [--json F] [--svg DIR] [--html F] [--write-docs]        (--help)
import "../scripts/node-version"; // first: SDK clients made while the modules below load must not print the Node 20 notice
import * as fs from "fs";
import * as path from "path";
import { ToggleKey } from "../patterns/config";
import { timelineChart, sweepChart } from "./charts";
import { htmlReport, ReportSweep } from "./html";
import { fixedCostMarkdown, fixedMonthlyCost } from "./cost/deployed";
import { attachFaultCost } from "./cost/report";
import { docsTable, formatReport } from "./report";
import { checkSweep, movingMeasures, parseVary, runSweep, sweepTable, sweepTableMarkdown, sweepValues } from "./sweep";
import { CURATED_SWEEPS, CuratedSweep, SweepReference } from "./sweeps";
import { Command, integerOption, runCommand, UsageError, Values } from "../scripts/cli";
import { DEFAULT_SEED, runScenario } from "./runner";
import { allowedKeys, LabInputError, resolve, Scenario, ScenarioResult } from "./scenario";
import { SCENARIOS } from "./scenarios";

const ROOT = path.resolve(__dirname, "..");
/** Where `--all` writes its SVGs unless --svg names a folder. */
export const DEFAULT_OUTPUT = "lab-output";

export const README_OF: Record<ToggleKey, string> = {
    queueWorker: "patterns/queue-worker/README.md",
    fanOut: "patterns/fan-out/README.md",
    eventRouting: "patterns/event-routing/README.md",
    idempotentConsumer: "patterns/idempotent-consumer/README.md",
};
export const COST_START = "<!-- lab:fixed-cost:start -->";
export const COST_END = "<!-- lab:fixed-cost:end -->";
export const DOCS_START = "<!-- lab:measured:start -->";
export const DOCS_END = "<!-- lab:measured:end -->";
export const SWEEPS_START = "<!-- lab:sweeps:start -->";
export const SWEEPS_END = "<!-- lab:sweeps:end -->";
/** Where --write-docs puts the curated sweeps' charts, linked from the READMEs. */
const SWEEP_IMAGES = "docs/img/sweeps";

interface Args {
    mode: "scenarios";
    scenarios: Scenario[];
    seed: number;
    sets: Record<string, string>;
    json?: string;
    svg?: string;
    html?: string;
    sweeps: boolean;
    writeDocs: boolean;
}

/** One sweep to run: a curated one, or the one the command line describes. */
interface SweepJob {
    name: string;
    title: string;
    paragraph: string;
    scenario: Scenario;
    key: string;
    values: number[];
    seeds: number;
    sets: Record<string, string>;
    measures?: string[];
    pattern?: ToggleKey;
    references?: readonly SweepReference[];
}

interface SweepArgs {
    mode: "sweep";
    jobs: SweepJob[];
    curated: boolean;
    json?: string;
    svg?: string;
    html?: string;
    writeDocs: boolean;
}

const USAGE = `usage: npm run lab -- <scenario ...|--all> [--seed N] [--set key=value ...] [--json FILE] [--svg FILE|FOLDER] [--html FILE [--sweeps]] [--write-docs] [--verbose]
       npm run lab -- sweep <scenario> --vary key=from..to[:steps] [--seeds N] [--set key=value ...] [--json FILE] [--svg FILE] [--html FILE]
       npm run lab -- sweep --curated [name ...] [--json FILE] [--svg FOLDER] [--html FILE] [--write-docs]
Replays AWS's delivery semantics in virtual time against the project's real handlers and reports what happened.
  --all                 every scenario
  --seed N              the random source (an integer ≥ 0, default ${DEFAULT_SEED}): same seed, byte-identical JSON
  --set key=value       a scenario parameter or a field of the pattern's settings (as pulumi config set --path
                        <pattern>Settings.<field>); repeatable; with --all it must apply to every scenario
  --json FILE           write the results as JSON
  --svg FILE|FOLDER     write each scenario's chart (a folder for several; --all writes to ${DEFAULT_OUTPUT}/)
  --html FILE           write one self-contained HTML report (works offline)
  --sweeps              with --html: add the curated sweeps to the report
  --write-docs          with --all: regenerate each pattern README's measured-behaviour table;
                        with sweep --curated: each pattern README's sweeps and their charts (${SWEEP_IMAGES}/)
Sweeps: run a scenario across a range of one key (any key --set takes), over seeds 1…N (default 1, at most 20),
and report every measure per value as median (min–max); JSON { scenario, key, points: [{ value, seeds, measures }] }.
  --vary key=from..to[:steps]   the knob and its range (steps 2–50; default every whole number up to 11, else 5)
  --seeds N                     seeds per value
  --curated [name ...]          the curated sweeps: ${CURATED_SWEEPS.map((c) => c.name).join(", ")}
Exit status: 0 every documented outcome shown and nothing lost, 1 otherwise or a failure, 2 a wrong argument.
Scenarios and the keys --set takes:
${SCENARIOS.map((sc) => `  ${sc.name.padEnd(30)} ${sc.title}\n  ${"".padEnd(30)} keys: ${allowedKeys(sc).join(", ")}`).join("\n")}`;

/**
 * A file the lab will write: its folder must exist and be writable, checked before anything runs. `said` is how the
 * message names what asked for it (default: the option and the path).
 */
function checkWritable(option: string, file: string, folder = false, said = `${option} ${file}`): void {
    const dir = folder ? path.resolve(file) : path.dirname(path.resolve(file));
    const parent = folder && !fs.existsSync(dir) ? path.dirname(dir) : dir;
    try {
        if (!fs.statSync(parent).isDirectory()) throw new UsageError(`${said}: ${parent} is not a folder`);
        fs.accessSync(parent, fs.constants.W_OK);
    } catch (error) {
        if (error instanceof UsageError) throw error;
        const code = (error as NodeJS.ErrnoException).code;
        throw new UsageError(`${said}: ${code === "ENOENT" ? `the folder ${parent} does not exist` : `cannot write in ${parent} (${code})`}`);
    }
}

/** --svg for `count` charts: a FILE.svg takes one chart only; several need a folder. */
function checkSvg(svg: string, count: number, what: string): void {
    if (count > 1 && svg.endsWith(".svg") && !(fs.existsSync(svg) && fs.statSync(svg).isDirectory())) {
        throw new UsageError(`--svg ${svg}: names one file, but ${count} ${what} write ${count} charts; allowed a folder`);
    }
    checkWritable("--svg", svg, count > 1 || !svg.endsWith(".svg"));
}

/** Reads and checks every argument before anything runs: scenario names, --seed, each --set against each scenario, output paths. */
function parseLabArgs(values: Values, positionals: string[]): Args | SweepArgs {
    if (positionals[0] === "sweep") return parseSweepArgs(values, positionals.slice(1));
    for (const option of ["vary", "seeds", "curated"]) if (values[option] !== undefined) throw new UsageError(`--${option} belongs to sweeps: npm run lab -- sweep …`);
    const all = values.all === true;
    if (!all && positionals.length === 0) throw new UsageError("name a scenario or use --all");
    if (all && positionals.length > 0) throw new UsageError(`--all runs every scenario: drop ${positionals.join(", ")}`);
    const scenarios = all ? SCENARIOS : positionals.map((name) => {
        const scenario = SCENARIOS.find((sc) => sc.name === name);
        if (!scenario) throw new UsageError(`no scenario ${JSON.stringify(name)}; allowed ${SCENARIOS.map((sc) => sc.name).join(", ")}`);
        return scenario;
    });
    const seed = values.seed === undefined ? DEFAULT_SEED : integerOption("seed", values.seed as string, 0, 2 ** 32 - 1);
    if (values["write-docs"] === true && values.seed !== undefined) throw new UsageError(`--write-docs documents the default seed (${DEFAULT_SEED}): drop --seed ${values.seed}`);
    const sets = parseSets(values);
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
    const html = values.html as string | undefined;
    const sweeps = values.sweeps === true;
    if (sweeps && !html) throw new UsageError("--sweeps adds the curated sweeps to the HTML report: use it with --html FILE");
    if (json) checkWritable("--json", json);
    if (svg) checkSvg(svg, scenarios.length, "scenarios");
    // Without --svg, --all writes its charts to the default folder: checked like an explicit one.
    else if (all) checkWritable("--svg", DEFAULT_OUTPUT, true, `--all writes its charts to ${DEFAULT_OUTPUT}/ (no --svg given)`);
    if (html) checkWritable("--html", html);
    return { mode: "scenarios", scenarios, seed, sets, json, svg, html, sweeps, writeDocs };
}

/** --set pairs as a record; each must be key=value. */
function parseSets(values: Values): Record<string, string> {
    const sets: Record<string, string> = {};
    for (const pair of (values.set as string[] | undefined) ?? []) {
        const eq = pair.indexOf("=");
        if (eq <= 0) throw new UsageError(`--set ${pair}: allowed key=value, e.g. --set maxReceiveCount=3`);
        const key = pair.slice(0, eq);
        if (key in sets) throw new UsageError(`--set ${key} given twice (${sets[key]}, then ${pair.slice(eq + 1)}): give it once`);
        sets[key] = pair.slice(eq + 1);
    }
    return sets;
}

/** A curated sweep as a job: its scenario, its knob's values, checked like a command-line sweep. */
export function curatedJob(c: CuratedSweep): SweepJob {
    const scenario = SCENARIOS.find((sc) => sc.name === c.scenario)!;
    const vary = sweepValues(scenario, parseVary(c.vary));
    return { name: c.name, title: c.title, paragraph: c.paragraph, scenario, key: vary.key, values: vary.values, seeds: c.seeds, sets: c.sets, measures: c.measures, pattern: c.pattern, references: c.references };
}

/** `sweep …`: every point of every sweep is validated before anything runs. */
function parseSweepArgs(values: Values, positionals: string[]): SweepArgs {
    if (values.all === true || values.seed !== undefined || values.sweeps === true) throw new UsageError("a sweep takes --seeds N (seeds 1…N), not --all, --seed or --sweeps");
    const curated = values.curated === true;
    const json = values.json as string | undefined;
    const svg = values.svg as string | undefined;
    const html = values.html as string | undefined;
    const writeDocs = values["write-docs"] === true;
    let jobs: SweepJob[];
    try {
        if (curated) {
            if (values.vary !== undefined || values.seeds !== undefined || values.set !== undefined) throw new UsageError("--curated sweeps carry their own --vary, --seeds and --set: drop them");
            for (const name of positionals) if (!CURATED_SWEEPS.some((c) => c.name === name)) throw new UsageError(`no curated sweep ${JSON.stringify(name)}; allowed ${CURATED_SWEEPS.map((c) => c.name).join(", ")}`);
            if (writeDocs && positionals.length > 0) throw new UsageError("--write-docs regenerates every curated sweep: drop the names");
            jobs = CURATED_SWEEPS.filter((c) => positionals.length === 0 || positionals.includes(c.name)).map(curatedJob);
        } else {
            if (writeDocs) throw new UsageError("--write-docs documents the curated sweeps: use sweep --curated --write-docs");
            if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? "name the scenario to sweep, or use --curated" : `a sweep runs one scenario: got ${positionals.join(", ")}`);
            const scenario = SCENARIOS.find((sc) => sc.name === positionals[0]);
            if (!scenario) throw new UsageError(`no scenario ${JSON.stringify(positionals[0])}; allowed ${SCENARIOS.map((sc) => sc.name).join(", ")}`);
            if (values.vary === undefined) throw new UsageError("--vary key=from..to[:steps] is required, e.g. --vary maxReceiveCount=1..10");
            const seeds = values.seeds === undefined ? 1 : integerOption("seeds", values.seeds as string, 1, 20);
            const vary = sweepValues(scenario, parseVary(values.vary as string));
            const sets = parseSets(values);
            jobs = [{ name: `${scenario.name}-${vary.key}`, title: `${scenario.title}: ${vary.key} from ${vary.from} to ${vary.to}`, paragraph: "", scenario, key: vary.key, values: vary.values, seeds, sets }];
        }
        for (const job of jobs) checkSweep(job.scenario, job.key, job.values, job.sets);
    } catch (error) {
        if (error instanceof LabInputError) throw new UsageError(error.message);
        throw error;
    }
    if (json) checkWritable("--json", json);
    if (svg) checkSvg(svg, jobs.length, "sweeps");
    if (html) checkWritable("--html", html);
    return { mode: "sweep", jobs, curated, json, svg, html, writeDocs };
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
    return replaceBlock(text, DOCS_START, DOCS_END, table, "## Measured behaviour (`npm run lab`)");
}

/** Runs the sweeps in turn, printing each table; returns each with its chart. */
async function runSweeps(jobs: SweepJob[]): Promise<ReportSweep[]> {
    const done: ReportSweep[] = [];
    for (const job of jobs) {
        const bar = progress(job.name);
        const started = Date.now();
        const result = await runSweep(job.scenario, job.key, job.values, { seeds: job.seeds, sets: job.sets, onProgress: bar.update });
        bar.done();
        const measures = job.measures ?? movingMeasures(result);
        const missing = measures.filter((m) => !result.points.some((p) => m in p.measures));
        if (missing.length > 0) throw new Error(`sweep ${job.name}: ${job.scenario.name} reports no measure ${missing.map((m) => JSON.stringify(m)).join(", ")}`);
        const fixed = Object.entries(job.sets).map(([k, v]) => ` ${k}=${v}`).join("");
        console.log(`━━ sweep ${job.name} — ${job.title}`);
        console.log(`   ${job.scenario.name}: ${job.key} over ${job.values.length} values × ${job.seeds} seed(s)${fixed ? `, with${fixed}` : ""} · ${((Date.now() - started) / 1000).toFixed(1)} s`);
        console.log(`   median (min–max) across seeds`);
        console.log(sweepTable(result, measures).split("\n").map((l) => `   ${l}`).join("\n"));
        if (job.paragraph) console.log(`\n   ${job.paragraph}`);
        console.log("");
        done.push({ name: job.name, title: job.title, paragraph: job.paragraph, result, measures, svg: await sweepChart({ title: job.title, scenario: job.scenario.name, key: job.key, points: result.points, references: job.references }, measures) });
    }
    return done;
}

/** Replaces a generated block of a README between `startMark` and `endMark`, or appends it under `heading`. */
export function replaceBlock(text: string, startMark: string, endMark: string, content: string, heading: string): string {
    const block = `${startMark}\n${content}\n${endMark}`;
    const start = text.indexOf(startMark);
    const end = text.indexOf(endMark);
    if (start >= 0 && end > start) return text.slice(0, start) + block + text.slice(end + endMark.length);
    return `${text.trimEnd()}\n\n${heading}\n\n${block}\n`;
}

/** The curated sweeps of one pattern as README Markdown: per sweep its question, paragraph, chart and table. */
function sweepsMarkdown(sweeps: ReportSweep[], readme: string): string {
    const intro = "Generated by `npm run lab -- sweep --curated --write-docs`; rerun it to refresh. Each point is the single run `npm run lab -- <scenario> --set <key>=<value> --seed N` reports, summarised over seeds 1…N as median (min–max).";
    return [intro, ...sweeps.map((s) => {
        const image = path.relative(path.dirname(path.join(ROOT, readme)), path.join(ROOT, SWEEP_IMAGES, `${s.name}.svg`)).split(path.sep).join("/");
        const fixed = Object.entries(s.result.sets).map(([k, v]) => `--set ${k}=${v}`).join(" ");
        return `### ${s.title}\n\n${s.paragraph}\n\n![${s.title}](${image})\n\n\`${s.result.scenario}\`${fixed ? ` with \`${fixed}\`` : ""}, ${s.result.points[0].seeds.length} seed(s) a point:\n\n${sweepTableMarkdown(s.result, s.measures)}`;
    })].join("\n\n");
}

function writeHtml(file: string, results: ScenarioResult[], svgs: Map<string, string>, sweeps: ReportSweep[]): void {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, htmlReport(results, svgs, sweeps));
    console.log(`html report: ${file}`);
}

async function sweepMain(args: SweepArgs): Promise<number> {
    const started = Date.now();
    const sweeps = await runSweeps(args.jobs);
    if (args.svg) {
        const asFolder = sweeps.length > 1 || !args.svg.endsWith(".svg");
        if (asFolder) fs.mkdirSync(args.svg, { recursive: true });
        for (const s of sweeps) {
            const file = asFolder ? path.join(args.svg, `${s.name}.svg`) : args.svg;
            fs.writeFileSync(file, s.svg);
            console.log(`chart: ${file}`);
        }
    }
    if (args.json) {
        const data = sweeps.map((s) => ({ scenario: s.result.scenario, key: s.result.key, sets: s.result.sets, points: s.result.points }));
        fs.writeFileSync(args.json, JSON.stringify(data.length === 1 && !args.curated ? data[0] : data, null, 2) + "\n");
        console.log(`json: ${args.json}`);
    }
    if (args.html) writeHtml(args.html, [], new Map(), sweeps);
    if (args.writeDocs) {
        fs.mkdirSync(path.join(ROOT, SWEEP_IMAGES), { recursive: true });
        for (const s of sweeps) fs.writeFileSync(path.join(ROOT, SWEEP_IMAGES, `${s.name}.svg`), s.svg);
        for (const [pattern, readme] of Object.entries(README_OF)) {
            const mine = sweeps.filter((s) => args.jobs.find((j) => j.name === s.name)?.pattern === pattern);
            if (mine.length === 0) continue;
            const file = path.join(ROOT, readme);
            fs.writeFileSync(file, replaceBlock(fs.readFileSync(file, "utf8"), SWEEPS_START, SWEEPS_END, sweepsMarkdown(mine, readme), "## Sweeps (`npm run lab -- sweep`)"));
            console.log(`sweeps: ${readme}`);
        }
    }
    console.log(`${sweeps.length} sweep${sweeps.length === 1 ? "" : "s"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
}

async function main(args: Args | SweepArgs): Promise<number> {
    if (args.mode === "sweep") return sweepMain(args);
    const results: ScenarioResult[] = [];
    const started = Date.now();
    for (const scenario of args.scenarios) {
        const bar = progress(scenario.name);
        const result = await runScenario(scenario, { seed: args.seed, sets: args.sets, onProgress: bar.update });
        bar.done();
        // The fault's extra cost: the same run with the fault turned off (unless --set already turned it off).
        const healthy = scenario.healthy;
        if (healthy && Object.entries(healthy).some(([k, v]) => args.sets[k] !== v)) {
            const twin = progress(`${scenario.name} (fault off)`);
            attachFaultCost(result, await runScenario(scenario, { seed: args.seed, sets: { ...args.sets, ...healthy }, onProgress: twin.update }), healthy);
            twin.done();
        }
        results.push(result);
        console.log(formatReport(result));
        console.log("");
    }
    const all = args.scenarios === SCENARIOS;
    const svgTarget = args.svg ?? (all ? DEFAULT_OUTPUT : undefined);
    const svgs = new Map<string, string>();
    if (svgTarget || args.html) for (const r of results) svgs.set(r.scenario, await timelineChart(r));
    if (svgTarget) {
        const asFolder = results.length > 1 || !svgTarget.endsWith(".svg");
        if (asFolder) fs.mkdirSync(svgTarget, { recursive: true });
        for (const r of results) {
            const file = asFolder ? path.join(svgTarget, `${r.scenario}.svg`) : svgTarget;
            fs.writeFileSync(file, svgs.get(r.scenario)!);
            console.log(`timeline: ${file}`);
        }
    }
    if (args.json) {
        fs.writeFileSync(args.json, JSON.stringify(results.length === 1 && !all ? results[0] : results, null, 2) + "\n");
        console.log(`json: ${args.json}`);
    }
    if (args.html) writeHtml(args.html, results, svgs, args.sweeps ? await runSweeps(CURATED_SWEEPS.map(curatedJob)) : []);
    if (args.writeDocs) {
        for (const [pattern, readme] of Object.entries(README_OF)) {
            const mine = results.filter((r) => r.pattern === pattern);
            if (mine.length === 0) continue;
            const file = path.join(ROOT, readme);
            fs.writeFileSync(file, writeDocsBlock(fs.readFileSync(file, "utf8"), docsTable(mine)));
            console.log(`measured behaviour table: ${readme}`);
        }
        // The fixed monthly cost of each pattern, from the resources the program registers (run under mocks).
        const costs = fixedMonthlyCost(await (require("./cost/program") as typeof import("./cost/program")).deployedResources());
        for (const [pattern, readme] of Object.entries(README_OF) as [ToggleKey, string][]) {
            const file = path.join(ROOT, readme);
            fs.writeFileSync(file, replaceBlock(fs.readFileSync(file, "utf8"), COST_START, COST_END, fixedCostMarkdown(pattern, costs), "## Cost"));
            console.log(`fixed monthly cost: ${readme}`);
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
        html: { type: "string" },
        sweeps: { type: "boolean" },
        vary: { type: "string" },
        seeds: { type: "string" },
        curated: { type: "boolean" },
    },
    positionals: true,
    run: (values, positionals) => main(parseLabArgs(values, positionals)),
};

if (require.main === module) runCommand(LAB_COMMAND);
