// Two queue-worker scenarios about load: a burst drained under maximum concurrency (the queue absorbs it; the
// price is the age of the oldest message), and a transient downstream outage (failed records come back one
// visibility timeout later and succeed after recovery, unless the outage outlasts the redrive policy).
import { recommendedVisibilityTimeout, retryBudgetSeconds } from "../../patterns/config";
import { conservation, Effects } from "../harness";
import { Scenario } from "../scenario";
import { INITIAL_CONCURRENCY } from "../sim/esm";
import { bodiesOf, consumerQueues, countingStep, DLQ_ALARM_SLACK_SECONDS, mapping, orderLocator, queueGauges, queueWorker, seconds } from "./common";

export const BURST_BACKPRESSURE: Scenario<"queueWorker"> = {
    name: "burst-backpressure",
    title: "A burst against maximum concurrency",
    pattern: "queueWorker",
    awsRule: "The SQS event source mapping starts with five concurrent batches when messages appear and adds up to 300 concurrent invocations a minute, "
        + "never more than the mapping's MaximumConcurrency (Lambda developer guide, services-sqs-scaling). The queue holds what the function cannot take yet: "
        + "downstream load is bounded, and ApproximateAgeOfOldestMessage grows instead.",
    params: {
        messages: { default: 20_000, min: 1, max: 1_000_000, description: "messages sent at once" },
        processingMs: { default: 2000, min: 0, max: 900_000, description: "virtual time one order takes (records of a batch run in parallel)" },
    },
    horizonSeconds: (s, p) => Math.ceil((Number(p.messages) / (s.batchSize * s.maximumConcurrency)) * (Number(p.processingMs) + 20) / 1000 * 1.5) + 60,
    faultStartSeconds: () => 0, // the burst arrives at once
    async run(run, settings, params, go) {
        const messages = Number(params.messages);
        const effects = new Effects();
        const queues = consumerQueues(run, "queue-worker", settings);
        const step = countingStep(run, effects, { processingMs: Number(params.processingMs) });
        const esm = mapping(run, "queue-worker-fn", queues.queue, () => queueWorker(run, "queue-worker-fn", queues, settings, step), settings);
        queueGauges(run, queues, esm);
        run.timeline.gauge("oldest message age", () => Math.round(queues.queue.oldestAgeMs / 1000), "seconds");
        let maxAgeMs = 0;
        let drainedAt: number | undefined;
        let concurrencyAt1s: number | undefined;
        const watch = () => {
            const age = queues.queue.oldestAgeMs;
            maxAgeMs = Math.max(maxAgeMs, age);
            if (drainedAt === undefined && queues.queue.size === 0 && run.clock.now > 0) drainedAt = run.clock.now;
        };
        run.clock.after(1000, () => { concurrencyAt1s = esm.concurrent; });
        const orderIds = Array.from({ length: messages }, (_, i) => `order-${String(i + 1).padStart(7, "0")}`);
        orderIds.forEach((orderId, i) => queues.queue.send(JSON.stringify({ orderId, amount: 10 + (i % 90) })));
        // Watch the age and the drain at every step of virtual time, not only on the timeline's grid.
        const every = Math.max(1000, Math.floor(run.timeline.stepMs / 4));
        const tick = () => { watch(); if (queues.queue.size > 0) run.clock.after(every, tick); };
        run.clock.after(0, tick);
        await go();
        watch();
        const c = conservation(orderIds, orderLocator(effects, [queues.dlq], [bodiesOf(queues.queue)]));
        const limit = settings.maximumConcurrency;
        return {
            conservation: c,
            measures: {
                "messages sent": messages,
                "maximum concurrency": limit,
                "concurrent invocations after 1 s": concurrencyAt1s ?? 0,
                "peak concurrent invocations": esm.stats.maxConcurrent,
                invocations: esm.stats.invocations,
                "seconds to drain": seconds(drainedAt),
                "max age of oldest message (s)": seconds(maxAgeMs),
                "duplicates processed": effects.duplicates,
                "messages in the DLQ": queues.dlq.size,
            },
            expectations: [
                { claim: `concurrency never exceeds maximumConcurrency (${limit})`, holds: esm.stats.maxConcurrent <= limit },
                { claim: `the pollers start at ${Math.min(INITIAL_CONCURRENCY, limit)} concurrent batches and scale up to the limit`, holds: (concurrencyAt1s ?? 0) <= Math.min(INITIAL_CONCURRENCY, limit) && esm.stats.maxConcurrent === Math.min(limit, Math.ceil(messages / settings.batchSize)) },
                { claim: "every message is processed exactly once, none reaches the DLQ", holds: effects.units === messages && effects.duplicates === 0 && queues.dlq.size === 0 },
            ],
            explanation: `${messages} messages arrived at once. The pollers started ${concurrencyAt1s ?? 0} concurrent batches and scaled to ${esm.stats.maxConcurrent}, the mapping's maximumConcurrency, `
                + `so the downstream never saw more than ${esm.stats.maxConcurrent * settings.batchSize} orders at a time. The queue absorbed the rest: it drained in ${seconds(drainedAt)} s and `
                + `the oldest message waited ${seconds(maxAgeMs)} s (the stack's age alarm is at ${settings.oldestMessageAgeAlarmSeconds} s: see detection). `
                + "Raising maximumConcurrency trades that latency for downstream load; reserved concurrency below it would throttle and burn receives instead.",
        };
    },
};

export const TRANSIENT_OUTAGE: Scenario<"queueWorker"> = {
    name: "transient-outage",
    healthy: { outageSeconds: "0" },
    title: "A transient downstream outage and recovery",
    pattern: "queueWorker",
    awsRule: "A record reported as a batch item failure becomes visible again when its visibility timeout ends and is retried; SQS moves it to the DLQ "
        + "only after maxReceiveCount receives (Lambda developer guide, services-sqs-errorhandling; SQS developer guide, dead-letter queues). An outage shorter "
        + "than (maxReceiveCount − 1) × visibility timeout therefore costs latency, not messages.",
    params: {
        ratePerSecond: { default: 10, min: 1, max: 1000, description: "steady arrival rate" },
        durationSeconds: { default: 600, min: 1, max: 86_400, description: "how long messages keep arriving" },
        outageStartSeconds: { default: 60, min: 0, max: 86_400, description: "when the downstream goes down" },
        outageSeconds: { default: 180, min: 0, max: 86_400, description: "how long it stays down" },
        processingMs: { default: 100, min: 0, max: 900_000, description: "virtual time one order takes" },
    },
    horizonSeconds: (s, p) => Number(p.durationSeconds) + (s.maxReceiveCount + 1) * (s.visibilityTimeoutSeconds ?? recommendedVisibilityTimeout(s)) + DLQ_ALARM_SLACK_SECONDS,
    faultStartSeconds: (_s, p) => (Number(p.outageSeconds) > 0 ? Number(p.outageStartSeconds) : null),
    faultEndSeconds: (_s, p) => (Number(p.outageSeconds) > 0 ? Number(p.outageStartSeconds) + Number(p.outageSeconds) : null),
    async run(run, settings, params, go) {
        const rate = Number(params.ratePerSecond);
        const total = Math.round(rate * Number(params.durationSeconds));
        const down = { from: Number(params.outageStartSeconds) * 1000, until: (Number(params.outageStartSeconds) + Number(params.outageSeconds)) * 1000 };
        const effects = new Effects();
        const queues = consumerQueues(run, "queue-worker", settings);
        const step = countingStep(run, effects, { processingMs: Number(params.processingMs), downstreamDown: () => run.clock.now >= down.from && run.clock.now < down.until });
        const esm = mapping(run, "queue-worker-fn", queues.queue, () => queueWorker(run, "queue-worker-fn", queues, settings, step), settings);
        queueGauges(run, queues, esm);
        run.timeline.gauge("oldest message age", () => Math.round(queues.queue.oldestAgeMs / 1000), "seconds");
        const orderIds: string[] = [];
        let maxAgeMs = 0;
        for (let i = 0; i < total; i++) {
            const orderId = `order-${String(i + 1).padStart(7, "0")}`;
            orderIds.push(orderId);
            run.clock.at(Math.round((i * 1000) / rate), () => {
                maxAgeMs = Math.max(maxAgeMs, queues.queue.oldestAgeMs);
                queues.queue.send(JSON.stringify({ orderId, amount: 10 + (i % 90) }));
            });
        }
        const receivesOf = new Map<string, number>();
        const receive = queues.queue.receive.bind(queues.queue);
        queues.queue.receive = (max) => {
            maxAgeMs = Math.max(maxAgeMs, queues.queue.oldestAgeMs);
            const got = receive(max);
            for (const m of got) receivesOf.set(m.messageId, m.receiveCount);
            return got;
        };
        await go();
        const histogram: Record<string, number> = {};
        for (const n of receivesOf.values()) histogram[n] = (histogram[n] ?? 0) + 1;
        const retried = [...receivesOf.values()].filter((n) => n > 1).length;
        const visibility = queues.queue.options.visibilityTimeoutSeconds;
        const budgetSeconds = retryBudgetSeconds({ ...settings, visibilityTimeoutSeconds: visibility });
        const c = conservation(orderIds, orderLocator(effects, [queues.dlq], [bodiesOf(queues.queue)]));
        const outage = Number(params.outageSeconds);
        return {
            conservation: c,
            measures: {
                "messages sent": total,
                "outage (s)": outage,
                "retry budget (s)": budgetSeconds,
                "messages retried": retried,
                "max receives of a message": Math.max(0, ...receivesOf.values()),
                "receives per message (histogram)": Object.entries(histogram).map(([k, v]) => `${k}×: ${v}`).join(", "),
                "max age of oldest message (s)": seconds(maxAgeMs),
                processed: effects.units,
                "duplicates processed": effects.duplicates,
                "messages in the DLQ": queues.dlq.size,
            },
            expectations: outage < budgetSeconds ? [
                { claim: "messages that failed during the outage are retried one visibility timeout later", holds: retried > 0 || outage === 0 },
                { claim: `an outage shorter than the retry budget (${budgetSeconds} s) sends nothing to the DLQ and every message is processed`, holds: queues.dlq.size === 0 && effects.units === total },
            ] : [
                { claim: "messages that failed during the outage are retried one visibility timeout later", holds: retried > 0 },
                { claim: `an outage longer than the retry budget (${budgetSeconds} s) sends messages to the DLQ after maxReceiveCount receives`, holds: queues.dlq.size > 0 },
            ],
            explanation: `The downstream was down from ${params.outageStartSeconds} s for ${outage} s. Records that failed were reported as batch item failures and came back `
                + `${visibility} s later (the visibility timeout, 6 × the function timeout); ${retried} messages needed more than one receive. `
                + (queues.dlq.size === 0
                    ? `The retry budget, (maxReceiveCount − 1) × visibility timeout = ${budgetSeconds} s, outlasted the outage: nothing reached the DLQ and the cost was latency (oldest message ${seconds(maxAgeMs)} s).`
                    : `The outage outlasted the retry budget, (maxReceiveCount − 1) × visibility timeout = ${budgetSeconds} s: ${queues.dlq.size} messages reached the DLQ and wait for a redrive (npm run redrive).`),
        };
    },
};
