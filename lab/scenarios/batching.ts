// The cost/latency tradeoff of batching: steady traffic through the queue worker, the event source mapping's batch
// size and batching window as the knobs. Fewer, fuller batches mean fewer ReceiveMessage, DeleteMessageBatch and Lambda
// requests (and less duration overhead per record); the price is the time a message waits for its batch to fill.
import { conservation, Effects } from "../harness";
import { Scenario } from "../scenario";
import { bodiesOf, consumerQueues, countingStep, mapping, orderLocator, queueGauges, queueWorker } from "./common";

export const BATCHING_TRADEOFF: Scenario<"queueWorker"> = {
    name: "batching-tradeoff",
    title: "Batch size and batching window: what a fuller batch saves, and what it costs in latency",
    pattern: "queueWorker",
    awsRule: "The event source mapping gathers up to batchSize records, waiting up to maximumBatchingWindowSeconds for a full batch (a batch size above 10 "
        + "needs a window of at least 1 s) (AWS Lambda developer guide, \"Using Lambda with Amazon SQS\": batching behavior). SQS bills every action as a "
        + "request and Lambda every invocation (\"Amazon SQS pricing\", \"AWS Lambda pricing\").",
    params: {
        ratePerSecond: { default: 10, min: 1, max: 1000, description: "orders a second, evenly spaced" },
        minutes: { default: 5, min: 1, max: 24 * 60, description: "how long the traffic lasts" },
        processingMs: { default: 20, min: 0, max: 900_000, description: "virtual time one order takes (records of a batch run in parallel)" },
    },
    faultStartSeconds: () => null,
    horizonSeconds: (s, p) => Number(p.minutes) * 60 + s.maximumBatchingWindowSeconds + 120,
    async run(run, settings, params, go) {
        const effects = new Effects();
        const queues = consumerQueues(run, "queue-worker", settings);
        const sentAt = new Map<string, number>();
        const latencies: number[] = [];
        const counted = countingStep(run, effects, { processingMs: Number(params.processingMs) });
        const step: typeof counted = async (order, logger) => {
            await counted(order, logger);
            latencies.push(run.clock.now - sentAt.get(order.orderId)!);
        };
        const esm = mapping(run, "queue-worker-fn", queues.queue, () => queueWorker(run, "queue-worker-fn", queues, settings, step), settings);
        queueGauges(run, queues, esm);
        const rate = Number(params.ratePerSecond);
        const ids = Array.from({ length: Math.round(rate * Number(params.minutes) * 60) }, (_, i) => {
            const id = `order-${String(i + 1).padStart(7, "0")}`;
            const at = Math.round((i * 1000) / rate);
            sentAt.set(id, at);
            run.clock.at(at, () => { queues.queue.send(JSON.stringify({ orderId: id, amount: 10 + (i % 300) })); });
            return id;
        });
        await go();
        const sorted = [...latencies].sort((a, b) => a - b);
        const pct = (q: number) => (sorted.length === 0 ? NaN : Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 100) / 10);
        // Latency: from the send to the order's business step done.
        const mean = sorted.length === 0 ? NaN : Math.round(sorted.reduce((a, b) => a + b, 0) / sorted.length / 100) / 10;
        const perInvocation = esm.stats.invocations === 0 ? 0 : Math.round((esm.stats.recordsDelivered / esm.stats.invocations) * 10) / 10;
        return {
            conservation: conservation(ids, orderLocator(effects, [queues.dlq], [bodiesOf(queues.queue)])),
            measures: {
                "orders sent": ids.length,
                processed: effects.units,
                invocations: esm.stats.invocations,
                "records per invocation": perInvocation,
                "mean latency (s)": mean,
                "p99 latency (s)": pct(0.99),
                "max latency (s)": pct(1),
            },
            expectations: [
                { claim: "every order is processed, none reaches the DLQ", holds: effects.units === ids.length && queues.dlq.size === 0 },
                { claim: `no batch holds more than batchSize (${settings.batchSize}) records`, holds: perInvocation <= settings.batchSize },
            ],
            explanation: `${ids.length} orders at ${rate} a second, batch size ${settings.batchSize}, batching window ${settings.maximumBatchingWindowSeconds} s: `
                + `${esm.stats.invocations} invocations of ${perInvocation} records on average; an order waited ${mean} s on average (p99 ${pct(0.99)} s) from its send to its side effect.`,
        };
    },
};
