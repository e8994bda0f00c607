// The simulator's speed: deliveries per second with a trivial handler, and a 1,000,000-message run.
// Targets (issue 7): ≥ 200,000 simulated deliveries/s; 1,000,000 messages in ≤ 10 s on 2 cores.
import { recommendedVisibilityTimeout, CONSUMER_DEFAULTS } from "../patterns/config";
import { LabRun } from "../lab/harness";
import { EventSourceMapping } from "../lab/sim/esm";
import { SimQueue } from "../lab/sim/sqs";

export interface LabBench {
    messages: number;
    deliveries: number;
    invocations: number;
    seconds: number;
    deliveriesPerSecond: number;
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
    for (let i = 0; i < messages; i++) queue.send(`{"orderId":"o-${i}","amount":1}`);
    await lab.run();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return {
        messages,
        deliveries: esm.stats.recordsDelivered,
        invocations: esm.stats.invocations,
        seconds,
        deliveriesPerSecond: esm.stats.recordsDelivered / seconds,
        conserved: queue.counts.deleted === messages && queue.size === 0 && dlq.size === 0,
    };
}

export async function labBench(): Promise<LabBench[]> {
    await simulate(10_000); // warm-up
    return [await simulate(100_000), await simulate(1_000_000)];
}

export function printLabBench(results: LabBench[]): void {
    console.log("\nlab simulator (trivial handler, batch 10, maximumConcurrency 10; targets ≥ 200,000 deliveries/s, 1,000,000 messages ≤ 10 s)");
    console.log("| messages | deliveries | invocations | wall s | deliveries/s | conserved |");
    console.log("|---:|---:|---:|---:|---:|---|");
    for (const r of results) {
        console.log(`| ${r.messages.toLocaleString("en")} | ${r.deliveries.toLocaleString("en")} | ${r.invocations.toLocaleString("en")} | ${r.seconds.toFixed(2)} | ${Math.round(r.deliveriesPerSecond).toLocaleString("en")} | ${r.conserved ? "yes" : "NO"} |`);
    }
}

if (require.main === module) {
    labBench().then(printLabBench, (error) => {
        console.error(error);
        process.exit(1);
    });
}
