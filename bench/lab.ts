// The simulator's speed: deliveries per second with a trivial handler, at 100,000, 1,000,000 and 10,000,000 messages.
// Targets (issue 21): ≥ 300,000 simulated deliveries/s; 1,000,000 messages in ≤ 4 s on 2 cores; 10,000,000 messages
// complete within memory (the peak RSS is printed beside it).
import { recommendedVisibilityTimeout, CONSUMER_DEFAULTS } from "../patterns/config";
import { LabRun } from "../lab/harness";
import { EventSourceMapping } from "../lab/sim/esm";
import { SimQueue } from "../lab/sim/sqs";
import { verdict } from "./verdict";

export const LAB_TARGETS = { deliveriesPerSecond: 300_000, millionSeconds: 4 };
/** The runs, in messages (BENCH_LAB_MESSAGES, comma-separated, overrides them). */
const SIZES = (process.env.BENCH_LAB_MESSAGES ?? "100000,1000000,10000000").split(",").map(Number);

export interface LabBench {
    messages: number;
    deliveries: number;
    invocations: number;
    seconds: number;
    /** user + system CPU seconds of the run (the garbage collector's threads included). */
    cpuSeconds: number;
    deliveriesPerSecond: number;
    /** The process's peak resident set size so far, in MiB: after the largest run, that run's peak. */
    peakRssMiB: number;
    conserved: boolean;
}

/** `messages` sent at once through a queue + event source mapping (batch 10, concurrency 10) to a handler that returns. */
export async function simulate(messages: number): Promise<LabBench> {
    const lab = new LabRun(1, 3600 * 24);
    const settings = { ...CONSUMER_DEFAULTS };
    // The run's bill on, as every scenario has it: the meters are part of the hot path.
    const dlq = new SimQueue(lab.clock, { name: "bench-dlq", visibilityTimeoutSeconds: 30, billing: lab.billing });
    const queue = new SimQueue(lab.clock, {
        name: "bench", visibilityTimeoutSeconds: recommendedVisibilityTimeout(settings), redrive: { deadLetter: dlq, maxReceiveCount: settings.maxReceiveCount }, billing: lab.billing,
    });
    const esm = new EventSourceMapping(lab.clock, queue, () => async () => ({ batchItemFailures: [] }), {
        functionName: "bench", batchSize: 10, maximumBatchingWindowSeconds: 0, maximumConcurrency: 10, functionTimeoutSeconds: 30, reportBatchItemFailures: true, overheadMs: 20, billing: lab.billing,
    });
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    for (let i = 0; i < messages; i++) queue.send(`{"orderId":"o-${i}","amount":1}`);
    await lab.run();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const used = process.cpuUsage(cpu);
    return {
        messages,
        deliveries: esm.stats.recordsDelivered,
        invocations: esm.stats.invocations,
        seconds,
        cpuSeconds: (used.user + used.system) / 1e6,
        deliveriesPerSecond: esm.stats.recordsDelivered / seconds,
        peakRssMiB: process.resourceUsage().maxRSS / 1024,
        conserved: queue.counts.deleted === messages && queue.size === 0 && dlq.size === 0,
    };
}

export async function labBench(): Promise<LabBench[]> {
    await simulate(10_000); // warm-up
    const out: LabBench[] = [];
    for (const n of [...SIZES].sort((a, b) => a - b)) out.push(await simulate(n));
    return out;
}

export function printLabBench(results: LabBench[]): void {
    console.log(`\nlab simulator (trivial handler, batch 10, maximumConcurrency 10; targets ≥ ${LAB_TARGETS.deliveriesPerSecond.toLocaleString("en")} deliveries/s, 1,000,000 messages ≤ ${LAB_TARGETS.millionSeconds} s, 10,000,000 within memory)`);
    console.log("| messages | deliveries | invocations | wall s | CPU s | deliveries/s | peak RSS MiB | conserved |");
    console.log("|---:|---:|---:|---:|---:|---:|---:|---|");
    for (const r of results) {
        console.log(`| ${r.messages.toLocaleString("en")} | ${r.deliveries.toLocaleString("en")} | ${r.invocations.toLocaleString("en")} | ${r.seconds.toFixed(2)} | ${r.cpuSeconds.toFixed(2)} | ${Math.round(r.deliveriesPerSecond).toLocaleString("en")} | ${Math.round(r.peakRssMiB).toLocaleString("en")} | ${r.conserved ? "yes" : "NO"} |`);
    }
    const perSecond = (n: number) => `${Math.round(n).toLocaleString("en")} deliveries/s`;
    const million = results.find((r) => r.messages === 1_000_000);
    // Throughput is judged on the largest run of at most 1,000,000 messages (the 10M run is judged on memory).
    const rate = [...results].reverse().find((r) => r.messages <= 1_000_000);
    if (rate) console.log(verdict(`throughput (${rate.messages.toLocaleString("en")} messages)`, rate.deliveriesPerSecond, LAB_TARGETS.deliveriesPerSecond, true, perSecond));
    if (million) console.log(verdict("1,000,000 messages", million.seconds, LAB_TARGETS.millionSeconds, false, (s) => `${s.toFixed(2)} s`));
    const ten = results.find((r) => r.messages === 10_000_000);
    if (ten) console.log(`target 10,000,000 messages within memory: ${ten.conserved ? "met" : "missed (not conserved)"} (peak RSS ${Math.round(ten.peakRssMiB).toLocaleString("en")} MiB, ${ten.seconds.toFixed(1)} s)`);
    for (const r of results) if (!r.conserved) console.log(`the ${r.messages.toLocaleString("en")}-message run lost messages: its figures do not count`);
}

if (require.main === module) {
    labBench().then(printLabBench, (error) => {
        console.error(error);
        process.exit(1);
    });
}
