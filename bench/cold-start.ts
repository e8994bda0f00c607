// Cold init of every handler: a fresh `node` process of the functions' Lambda runtime major (tools/lambda-node), started
// with the functions' NODE_OPTIONS, importing the bundle Lambda deploys, next to bare node and to node importing an
// empty ES module; each judged against its target (COLD_START_TARGETS) with a printed verdict. Lambda's Node.js runtime is itself an
// ES module and imports the handler, so its module loader is up before the handler loads: the second baseline is
// the handler's own cost. The SDK clients alone, bundled the same way, show the floor under handlers that need one.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import { BUILD_DIR, bundleEntry, bundleHandler, HANDLER_FILE, handlerNames } from "../patterns/shared/bundle";
import { FUNCTION_NODE_OPTIONS, LAMBDA_RUNTIME } from "../patterns/shared/runtime";
import { lambdaNode } from "./lambda-node";
import { median, verdict } from "./verdict";

const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const FIXTURES = path.join(__dirname, "fixtures");

/**
 * The speed targets, each a handler against a baseline: a handler that needs an SDK client on every request within
 * 1.1× of that client alone (what it adds on top of the floor the SDK sets), one that needs none within 1.5× of bare node.
 */
export const COLD_START_TARGETS: readonly { handler: string; against: string; max: number }[] = [
    { handler: "event-producer", against: "sdk-eventbridge", max: 1.1 },
    { handler: "fan-out-producer", against: "sdk-sns", max: 1.1 },
    { handler: "idempotent-consumer", against: "sdk-dynamodb", max: 1.1 },
    { handler: "queue-worker", against: "bare node", max: 1.5 },
    { handler: "event-consumer", against: "bare node", max: 1.5 },
];

/** What the child prints once the import resolved: the CPU time (user + system, all threads) it used since it started. */
const REPORT_CPU = "{const u=process.cpuUsage();process.stdout.write(String((u.user+u.system)/1000))}";

/**
 * One fresh node process importing `file` (nothing, for bare node): its CPU time until the import resolved, and its
 * wall time to exit. CPU time is the figure judged: on these shared 2-core machines it varies far less than wall time
 * with other work, and a Lambda init at a few hundred MB, which gets a fraction of a vCPU, is CPU-bound.
 */
function timeNode(node: string, file: string | undefined, nodeOptions: string[] = []): { cpuMs: number; wallMs: number } {
    const script = file ? `import(${JSON.stringify(pathToFileURL(file).href)}).then(()=>${REPORT_CPU})` : REPORT_CPU;
    const start = process.hrtime.bigint();
    // PATH only: no NODE_OPTIONS or extra CA certificates from this shell, which would slow every process alike.
    const result = spawnSync(node, [...nodeOptions, "-e", script], { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH } });
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`node -e ${script} exited ${result.status}: ${result.stderr}`);
    return { cpuMs: Number(result.stdout.toString()), wallMs };
}

export interface ColdStartRow {
    name: string;
    /** A deployed handler, or an SDK client alone (the floor). */
    kind: "handler" | "sdk-floor";
    coldStartKb: number;
    totalKb: number;
    /** Median CPU time until the import resolved. */
    initMs: number;
    /** Median wall time of the process, for reference. */
    wallMs: number;
    /** initMs over `node -e ''`. */
    vsBare: number;
    /** initMs over node importing an empty ES module. */
    vsEsmLoader: number;
}

export interface ColdStartVerdict {
    handler: string;
    against: string;
    ratio: number;
    max: number;
    met: boolean;
}

export interface ColdStart {
    /** The Node.js version measured on: the major of the functions' runtime. */
    nodeVersion: string;
    runs: number;
    nodeOptions: string;
    bareMs: number;
    esmLoaderMs: number;
    rows: ColdStartRow[];
    verdicts: ColdStartVerdict[];
}

export async function coldStart(): Promise<ColdStart> {
    const node = lambdaNode();
    const nodeVersion = spawnSync(node, ["--version"]).stdout.toString().trim();
    const handlers = handlerNames();
    const floors = fs.readdirSync(FIXTURES).filter((f) => f.startsWith("sdk-") && f.endsWith(".ts")).map((f) => f.slice(0, -3)).sort();
    const built = await Promise.all([
        ...handlers.map(async (name) => ({ name, kind: "handler" as const, bundle: await bundleHandler(name) })),
        ...floors.map(async (name) => ({ name, kind: "sdk-floor" as const, bundle: await bundleEntry(path.join(FIXTURES, `${name}.ts`), path.join(BUILD_DIR, "..", "bench", name)) })),
    ]);
    const empty = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cold-start-")), "empty.mjs");
    fs.writeFileSync(empty, "");
    const nodeOptions = FUNCTION_NODE_OPTIONS.split(/\s+/).filter(Boolean);
    // Interleaved, so machine load drifts over the baselines and the bundles alike.
    const bare: number[] = [];
    const esmLoader: number[] = [];
    const init = built.map(() => [] as { cpuMs: number; wallMs: number }[]);
    for (let i = 0; i < RUNS; i++) {
        bare.push(timeNode(node, undefined).cpuMs);
        esmLoader.push(timeNode(node, empty).cpuMs);
        built.forEach((b, j) => init[j].push(timeNode(node, path.join(b.bundle.dir, HANDLER_FILE), nodeOptions)));
    }
    fs.rmSync(path.dirname(empty), { recursive: true, force: true });
    const bareMs = median(bare);
    const esmLoaderMs = median(esmLoader);
    const rows: ColdStartRow[] = built.map((b, j) => {
        const initMs = median(init[j].map((t) => t.cpuMs));
        return {
            name: b.name, kind: b.kind, coldStartKb: b.bundle.coldStartBytes / 1024, totalKb: b.bundle.totalBytes / 1024,
            initMs, wallMs: median(init[j].map((t) => t.wallMs)), vsBare: initMs / bareMs, vsEsmLoader: initMs / esmLoaderMs,
        };
    });
    const initOf = (name: string) => (name === "bare node" ? bareMs : rows.find((r) => r.name === name)?.initMs);
    const verdicts = COLD_START_TARGETS.flatMap(({ handler, against, max }) => {
        const [h, a] = [initOf(handler), initOf(against)];
        if (h === undefined || a === undefined) return []; // a handler or floor that no longer exists: nothing to judge
        return [{ handler, against, max, ratio: h / a, met: h / a <= max }];
    });
    return { nodeVersion, runs: RUNS, nodeOptions: FUNCTION_NODE_OPTIONS, bareMs, esmLoaderMs, rows, verdicts };
}

export function printColdStart(c: ColdStart): void {
    console.log(`\nCold init: median of ${c.runs} fresh node ${c.nodeVersion} processes (the major of ${LAMBDA_RUNTIME}) importing the bundle`
        + ` with NODE_OPTIONS=${c.nodeOptions ? JSON.stringify(c.nodeOptions) : "unset"} (as deployed); init = CPU time until the import resolved;`
        + ` bare node ${c.bareMs.toFixed(1)} ms, node importing an empty ES module ${c.esmLoaderMs.toFixed(1)} ms.`);
    console.log("| bundle | loaded at cold start KB | total KB | init CPU ms | wall ms | × bare node | × node + ES module loader |");
    console.log("|---|---:|---:|---:|---:|---:|---:|");
    for (const r of c.rows) {
        const name = r.kind === "handler" ? r.name : `${r.name} (the client alone)`;
        console.log(`| ${name} | ${r.coldStartKb.toFixed(1)} | ${r.totalKb.toFixed(1)} | ${r.initMs.toFixed(1)} | ${r.wallMs.toFixed(1)} | ${r.vsBare.toFixed(2)}× | ${r.vsEsmLoader.toFixed(2)}× |`);
    }
    for (const v of c.verdicts) {
        const what = `${v.handler} cold init × ${v.against === "bare node" ? "bare node" : `its floor ${v.against}`}`;
        console.log(verdict(what, v.ratio, v.max, false, (x) => `${x.toFixed(2)}×`));
    }
}
