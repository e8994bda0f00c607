// Bundle size and cold init of every handler: a fresh `node` process requiring the bundle, next to bare `node -e ''`.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { bundleHandler } from "../patterns/shared/bundle";
import { handlerNames } from "../scripts/build-functions";

const RUNS = Number(process.env.BENCH_RUNS ?? 21);

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

/** Wall time (ms) of one fresh node process evaluating `script`. */
function timeNode(script: string): number {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, ["-e", script], { stdio: "ignore", env: { PATH: process.env.PATH } });
    if (result.status !== 0) throw new Error(`node -e ${script} exited ${result.status}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
}

export interface ColdStartRow { handler: string; bundleKb: number; initMs: number; bareMs: number; ratio: number }

export function coldStart(): ColdStartRow[] {
    const bundles = handlerNames().map((handler) => ({ handler, bundle: path.join(bundleHandler(handler), "index.js") }));
    // Interleaved, so machine load drifts over bare node and the handlers alike.
    const bare: number[] = [];
    const init = bundles.map(() => [] as number[]);
    for (let i = 0; i < RUNS; i++) {
        bare.push(timeNode(""));
        bundles.forEach((b, j) => init[j].push(timeNode(`require(${JSON.stringify(b.bundle)})`)));
    }
    const bareMs = median(bare);
    return bundles.map((b, j) => {
        const initMs = median(init[j]);
        return { handler: b.handler, bundleKb: fs.statSync(b.bundle).size / 1024, initMs, bareMs, ratio: initMs / bareMs };
    });
}

export function printColdStart(rows: ColdStartRow[]): void {
    console.log(`\nCold init (median of ${RUNS} fresh node ${process.version} processes). Goal ≤ 1.3× bare node for handlers`
        + " without an AWS SDK client; the ones with a client load it at init on purpose (Lambda's init phase runs at full CPU).");
    console.log("| handler | bundle KB | init ms | bare node ms | ratio |");
    console.log("|---|---:|---:|---:|---:|");
    for (const r of rows) {
        console.log(`| ${r.handler} | ${r.bundleKb.toFixed(1)} | ${r.initMs.toFixed(1)} | ${r.bareMs.toFixed(1)} | ${r.ratio.toFixed(2)}× |`);
    }
}
