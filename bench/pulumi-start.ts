// How long `pulumi preview` waits for the program: from the language host starting node to the last resource the
// program registers, through @pulumi/pulumi/cmd/run against the tests' in-process engine (test/language-host.ts), in
// the mode Pulumi.yaml configures and in ts-node's two modes for comparison. Target (issue 22): ≤ 2 s for every
// pattern in the configured mode, each alone and all four together, with the handler bundles already built (every
// preview after the first); the first preview after a handler change also bundles, and is shown beside it.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BUILD_DIR } from "../patterns/shared/bundle";
import { TOGGLES } from "../patterns/config";
import { configuredRuntimeOptions, HostRunOptions, runThroughLanguageHost } from "../test/language-host";
import { median, verdict } from "./verdict";

const RUNS = Number(process.env.BENCH_START_RUNS ?? 5);
const TARGET_SECONDS = 2;

export interface StartRow {
    mode: string; patterns: string; runs: number; medianSeconds: number; minSeconds: number; maxSeconds: number; resources: number;
    /** CPU seconds (user + system) of the program's process, median: steadier than wall time on a shared machine. */
    cpuSeconds: number;
    target?: number;
}

/** A preload that prints the process's CPU time as it exits, so a run reports it without changing what it does. */
const CPU_REPORTER = path.join(os.tmpdir(), "pulumi-start-cpu.js");
fs.writeFileSync(CPU_REPORTER, 'process.on("exit", () => { const u = process.cpuUsage(); process.stderr.write(`\\nCPU_MS ${(u.user + u.system) / 1000}\\n`); });\n');

/** `options` with the CPU reporter loaded before whatever nodeargs the mode has. */
function withCpuReport(options: HostRunOptions): HostRunOptions {
    const runtime = options.runtimeOptions ?? configuredRuntimeOptions();
    return { ...options, runtimeOptions: { ...runtime, nodeargs: `--require ${CPU_REPORTER} ${runtime.nodeargs ?? ""}`.trim() } };
}

interface StartCase { mode: string; patterns: string[]; runs: number; options?: HostRunOptions; before?: () => void; target?: number }

/** One run of a case: its time to the last registration, its CPU seconds and how many resources it registered. */
async function runOnce(c: StartCase): Promise<{ seconds: number; cpu: number; resources: number }> {
    c.before?.();
    const run = await runThroughLanguageHost({ ...withCpuReport(c.options ?? {}), config: Object.fromEntries(c.patterns.map((p) => [p, true])), preview: true });
    if (run.exitCode !== 0) throw new Error(`${c.mode} (${c.patterns.join(", ")}) exited ${run.exitCode}:\n${run.stderr}`);
    return { seconds: run.lastRegistrationMs / 1000, cpu: Number(/CPU_MS (\S+)/.exec(run.stderr)?.[1] ?? NaN) / 1000, resources: run.registrations.length };
}

/**
 * Every case's runs interleaved, round by round (each case once per round while it has runs left), so load that
 * drifts over the minutes a bench takes weighs on every row alike instead of on whichever ran last.
 */
async function measureInterleaved(cases: StartCase[]): Promise<StartRow[]> {
    const samples = cases.map(() => [] as { seconds: number; cpu: number; resources: number }[]);
    for (let round = 0; round < Math.max(...cases.map((c) => c.runs)); round++) {
        for (const [i, c] of cases.entries()) if (round < c.runs) samples[i].push(await runOnce(c));
    }
    return cases.map((c, i) => {
        const seconds = samples[i].map((x) => x.seconds);
        return {
            mode: c.mode, patterns: c.patterns.length === TOGGLES.length ? "all four" : c.patterns.join(", "), runs: c.runs, resources: samples[i][0].resources,
            medianSeconds: median(seconds), minSeconds: Math.min(...seconds), maxSeconds: Math.max(...seconds), cpuSeconds: median(samples[i].map((x) => x.cpu)),
            ...(c.target === undefined ? {} : { target: c.target }),
        };
    });
}

/** Forgets the bundle records, so the next run bundles every handler again (as after a handler change). */
const forgetBundles = () => {
    for (const file of fs.existsSync(BUILD_DIR) ? fs.readdirSync(BUILD_DIR) : []) if (file.endsWith(".build.json")) fs.rmSync(path.join(BUILD_DIR, file));
};

export async function pulumiStart(): Promise<StartRow[]> {
    await runOnce({ mode: "warm-up", patterns: [...TOGGLES], runs: 1 }); // builds the bundles and fills the OS file cache
    return measureInterleaved([
        ...TOGGLES.map((pattern): StartCase => ({ mode: "Pulumi.yaml (configured)", patterns: [pattern], runs: RUNS, target: TARGET_SECONDS })),
        { mode: "Pulumi.yaml (configured)", patterns: [...TOGGLES], runs: RUNS, target: TARGET_SECONDS },
        { mode: "Pulumi.yaml, handlers changed (bundles rebuilt)", patterns: [...TOGGLES], runs: 1, before: forgetBundles },
        { mode: "ts-node transpile-only (typescript: true, PULUMI_NODEJS_TRANSPILE_ONLY=true)", patterns: [...TOGGLES], runs: 1, options: { runtimeOptions: { typescript: true }, env: { PULUMI_NODEJS_TRANSPILE_ONLY: "true" } } },
        { mode: "ts-node type-check (typescript: true: Pulumi's default)", patterns: [...TOGGLES], runs: 1, options: { runtimeOptions: { typescript: true } } },
    ]);
}

export function printPulumiStart(rows: StartRow[]): void {
    console.log(`\nPulumi language host start → last resource registered (pulumi preview of a new stack; in-process engine; ${RUNS} runs per configured row)`);
    console.log("| mode | patterns | resources | runs | median s | min–max s | CPU s (whole run) |");
    console.log("|---|---|---:|---:|---:|---|---:|");
    for (const r of rows) console.log(`| ${r.mode} | ${r.patterns} | ${r.resources} | ${r.runs} | ${r.medianSeconds.toFixed(2)} | ${r.minSeconds.toFixed(2)}–${r.maxSeconds.toFixed(2)} | ${r.cpuSeconds.toFixed(2)} |`);
    for (const r of rows.filter((row) => row.target !== undefined)) {
        console.log(verdict(`start (${r.patterns}, configured, median)`, r.medianSeconds, r.target!, false, (x) => `${x.toFixed(2)} s`));
    }
}

if (require.main === module) {
    pulumiStart().then(printPulumiStart, (error) => {
        console.error(error);
        process.exit(1);
    });
}
