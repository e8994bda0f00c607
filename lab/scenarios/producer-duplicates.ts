// Duplicates of two kinds against each idempotency-key strategy: a producer that retries a send whose response it
// lost (a new message with a new message ID and the same body), and SQS standard queues' at-least-once delivery
// (the same message handed out twice). The same orders go to four consumers: the plain queue worker and the
// pattern's three idempotent consumers (message-id, business-key, FIFO with content-based deduplication).
import { redeliveryHorizonSeconds } from "../../patterns/config";
import { Strategy, STRATEGIES, STRATEGY_WIRING } from "../../patterns/idempotent-consumer/strategies";
import { conservation, Effects } from "../harness";
import { Scenario } from "../scenario";
import { bodiesOf, consumerQueues, countingStep, idempotentConsumer, mapping, orderLocator, queueWorker } from "./common";

export const PRODUCER_DUPLICATES: Scenario<"idempotentConsumer"> = {
    name: "producer-duplicates",
    healthy: { producerRetryRate: "0" },
    title: "Producer retries and at-least-once delivery under each idempotency-key strategy",
    pattern: "idempotentConsumer",
    awsRule: "Standard queues deliver at least once: occasionally a message is delivered twice (SQS developer guide, at-least-once delivery). A producer that "
        + "retries after a lost response sends a second message with a new message ID. FIFO queues drop a send whose deduplication ID (with content-based "
        + "deduplication, the body's SHA-256) was seen in the last 5 minutes (SQS developer guide, exactly-once processing). Powertools idempotency suppresses "
        + "a record whose key it has completed (Powertools for AWS Lambda, idempotency).",
    params: {
        orders: { default: 500, min: 1, max: 100_000, description: "distinct orders" },
        producerRetryRate: { default: 0.1, min: 0, max: 1, fraction: true, description: "share of orders the producer sends twice (a retry after a lost response)" },
        producerRetryDelaySeconds: { default: 20, min: 0, max: 86_400, description: "how long after the first send the retry comes" },
        sqsDuplicateRate: { default: 0.02, min: 0, max: 1, fraction: true, description: "share of receives a standard queue hands out twice" },
        processingMs: { default: 300, min: 0, max: 900_000, description: "virtual time one order takes" },
    },
    assumes: [{ name: "sqsDuplicateRate", value: "standard queues hand 2 % of receives out twice (AWS: \"occasionally\", no rate)", figures: "the SQS duplicate deliveries, and the duplicates the queue worker and the message-id consumer processed" }],
    faultStartSeconds: () => null, // duplicates are at-least-once delivery, not a failure
    horizonSeconds: (s, p) => Number(p.producerRetryDelaySeconds) + 2 * (s.visibilityTimeoutSeconds ?? 6 * s.functionTimeoutSeconds) + Math.ceil(Number(p.orders) / 20) + 60,
    async run(run, settings, params, go) {
        const n = Number(params.orders);
        const expiry = settings.expiresAfterSeconds ?? redeliveryHorizonSeconds(settings);
        const consumers = (["none", ...STRATEGIES] as ("none" | Strategy)[]).map((strategy) => {
            const effects = new Effects();
            const fifo = strategy !== "none" && STRATEGY_WIRING[strategy].fifo;
            const name = strategy === "none" ? "queue-worker" : `idempotent-${strategy}`;
            const queues = consumerQueues(run, name, settings, { fifo, duplicateRate: fifo ? 0 : Number(params.sqsDuplicateRate) });
            const step = countingStep(run, effects, { processingMs: Number(params.processingMs) });
            const handler = strategy === "none"
                ? () => queueWorker(run, `${name}-fn`, queues, settings, step)
                : idempotentConsumer(run, `${name}-fn`, queues, settings, STRATEGY_WIRING[strategy].keyStrategy, step, expiry).handler;
            const esm = mapping(run, `${name}-fn`, queues.queue, handler, settings);
            run.timeline.gauge(`${name} side effects`, () => effects.total, "side effects");
            return { strategy, name, effects, queues, esm };
        });
        const orderIds: string[] = [];
        let retried = 0;
        const retryDelayMs = Number(params.producerRetryDelaySeconds) * 1000;
        for (let i = 0; i < n; i++) {
            const orderId = `order-${String(i + 1).padStart(6, "0")}`;
            orderIds.push(orderId);
            const body = JSON.stringify({ orderId, amount: 10 + (i % 200) });
            const at = i * 50; // 20 orders a second
            const retry = run.random() < Number(params.producerRetryRate);
            if (retry) retried++;
            for (const c of consumers) {
                const send = () => { c.queues.queue.send(body, c.queues.queue.fifo ? { messageGroupId: orderId } : {}); };
                run.clock.at(at, send);
                if (retry) run.clock.at(at + retryDelayMs, send);
            }
        }
        await go();
        const measures: Record<string, number | string> = { orders: n, "producer retries": retried };
        for (const c of consumers) {
            measures[`${c.name}: duplicates processed`] = c.effects.duplicates;
            if (!c.queues.queue.fifo) measures[`${c.name}: SQS duplicate deliveries (assumed rate)`] = c.queues.queue.counts.duplicatesDelivered;
            else measures[`${c.name}: sends the queue deduplicated`] = c.queues.queue.counts.deduplicated;
        }
        const by = Object.fromEntries(consumers.map((c) => [c.strategy, c]));
        const all = consumers.map((c) => conservation(orderIds.map((id) => `${c.name}/${id}`), (u) => orderLocator(c.effects, [c.queues.dlq], [bodiesOf(c.queues.queue)])(u.slice(u.indexOf("/") + 1))));
        const c = all.reduce((a, b) => ({
            units: a.units + b.units, processed: a.processed + b.processed, deadLettered: a.deadLettered + b.deadLettered, inFlight: a.inFlight + b.inFlight,
            filteredOut: a.filteredOut + b.filteredOut, lost: [...a.lost, ...b.lost], holds: a.holds && b.holds,
        }));
        const none = by.none.effects.duplicates;
        const messageId = by["message-id"].effects.duplicates;
        return {
            conservation: c,
            measures,
            expectations: [
                { claim: "without idempotency, producer retries and SQS duplicates are both processed again", holds: none >= retried && (none > retried || by.none.queues.queue.counts.duplicatesDelivered === 0) },
                { claim: "the message-id key catches SQS duplicates but not producer retries", holds: messageId === retried },
                { claim: "the business key catches both", holds: by["business-key"].effects.duplicates === 0 && by["business-key"].effects.units === n },
                { claim: "the FIFO queue drops retries inside its 5-minute deduplication window", holds: by.fifo.effects.duplicates === 0 && (retryDelayMs >= 300_000 || by.fifo.queues.queue.counts.deduplicated === retried) },
            ],
            explanation: `${n} orders, ${retried} of them sent twice by the producer ${params.producerRetryDelaySeconds} s apart, and standard queues handing out about ${Number(params.sqsDuplicateRate) * 100} % of receives twice. `
                + `Without idempotency ${none} side effects ran twice. Keyed on the SQS message ID, the consumer suppressed the redeliveries but processed every producer retry (${messageId} duplicates): `
                + `a retry is a new message. Keyed on the business key (${settings.businessKeyPath}), it suppressed both (${by["business-key"].effects.duplicates}). The FIFO queue dropped ${by.fifo.queues.queue.counts.deduplicated} `
                + "identical sends inside its 5-minute window before any consumer saw them; past that window only the business key still helps.",
        };
    },
};
