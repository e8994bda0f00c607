// Two queue-worker scenarios about load: a burst drained under maximum concurrency (the queue absorbs it; the
// price is the age of the oldest message), beside the default scaling and provisioned pollers, and a transient downstream outage (failed records come back one
// visibility timeout later and succeed after recovery, unless the outage outlasts the redrive policy).
import { CONSUMER_DEFAULTS, PROVISIONED_POLLERS_LIMITS, ProvisionedPollers, QueueWorkerSettings, recommendedVisibilityTimeout, retryBudgetSeconds } from "../../patterns/config";
import { Billing, costReport } from "../cost/billing";
import { usd } from "../cost/prices";
import { idleEpuHoursPerMonth } from "../cost/rules";
import { conservation, Effects } from "../harness";
import { Scenario } from "../scenario";
import { INITIAL_CONCURRENCY, MAX_SQS_CONCURRENCY, PROVISIONED_MODE, SCALE_UP_PER_MINUTE } from "../sim/esm";
import { bodiesOf, consumerQueues, countingStep, DLQ_ALARM_SLACK_SECONDS, mapping, orderLocator, queueGauges, queueWorker, seconds } from "./common";

/** The three ways an SQS event source mapping scales (services-sqs-scaling), as burst-backpressure compares them. */
type ScalingMode = "default mode" | "maximumConcurrency" | "provisioned mode";
const MODES: readonly ScalingMode[] = ["default mode", "maximumConcurrency", "provisioned mode"];
/** Provisioned mode at AWS's defaults (ProvisionedPollerConfig for SQS), when the settings do not choose it. */
const AWS_DEFAULT_POLLERS: ProvisionedPollers = {
    minimumPollers: PROVISIONED_POLLERS_LIMITS.minimumPollers.default, maximumPollers: PROVISIONED_POLLERS_LIMITS.maximumPollers.default,
};

/** The settings of each mode: the stack's own for its mode, the defaults (or AWS's) for the other two. */
function modeSettings(settings: QueueWorkerSettings): Record<ScalingMode, QueueWorkerSettings> {
    const base = { ...settings, maximumConcurrency: undefined, provisionedPollers: undefined };
    return {
        "default mode": base,
        maximumConcurrency: { ...base, maximumConcurrency: settings.maximumConcurrency ?? CONSUMER_DEFAULTS.maximumConcurrency },
        "provisioned mode": { ...base, provisionedPollers: settings.provisionedPollers ?? AWS_DEFAULT_POLLERS },
    };
}

const stackMode = (settings: QueueWorkerSettings): ScalingMode => (settings.provisionedPollers ? "provisioned mode" : "maximumConcurrency");

/** Seconds a burst of `batches` takes to drain at concurrency min(cap, start + rate × t), one batch per `batchMs` (the horizon's estimate). */
function drainEstimateSeconds(batches: number, batchMs: number, start: number, ratePerMinute: number, cap: number): number {
    let done = 0;
    let t = 0;
    while (done < batches && t < 10_000_000) {
        done += (Math.min(cap, start + (ratePerMinute * t) / 60) * 1000) / batchMs;
        t++;
    }
    return t;
}

function modeLabel(s: QueueWorkerSettings): string {
    if (s.provisionedPollers) return `${s.provisionedPollers.minimumPollers}–${s.provisionedPollers.maximumPollers} pollers`;
    return s.maximumConcurrency === undefined ? `no cap (the mapping's ${MAX_SQS_CONCURRENCY.toLocaleString("en-US")})` : `cap ${s.maximumConcurrency}`;
}

export const BURST_BACKPRESSURE: Scenario<"queueWorker"> = {
    name: "burst-backpressure",
    title: "A burst against maximum concurrency, the default scaling and provisioned pollers",
    pattern: "queueWorker",
    awsRule: "The SQS event source mapping starts with five concurrent batches when messages appear and adds up to 300 concurrent invocations a minute, "
        + `up to ${MAX_SQS_CONCURRENCY.toLocaleString("en-US")} for the mapping, never more than its MaximumConcurrency (Lambda developer guide, services-sqs-scaling). Provisioned mode instead keeps minimumPollers dedicated event pollers ready, `
        + "scales \"3 times faster\" (up to 1,000 concurrent executions a minute) to at most maximumPollers, and is billed per poller while idle; it is exclusive with maximum concurrency "
        + "(same page; AWS News Blog, provisioned mode for SQS event-source mapping). The queue holds what the function cannot take yet: the cap bounds downstream load, and ApproximateAgeOfOldestMessage grows instead.",
    params: {
        messages: { default: 20_000, min: 1, max: 1_000_000, description: "messages sent at once (to each mode's queue)" },
        processingMs: { default: 2000, min: 0, max: 900_000, description: "virtual time one order takes (records of a batch run in parallel)" },
    },
    assumes: [{
        name: "PROVISIONED_MODE", value: `${PROVISIONED_MODE.invocationsPerPoller} concurrent invocations per event poller (AWS publishes ~5 MBps per poller, no invocation count); pollers return to the minimum once the queue is empty`,
        figures: "provisioned mode's concurrency after 1 s, peak concurrency, seconds to drain, peak event pollers and event poller-hours",
    }, {
        name: "ESM_EPU_BILLING", value: "one event poller unit per SQS event poller, billed by the second (AWS Lambda pricing); the 1-minute minimum applied to the minimum pollers, not to each poller autoscaling adds",
        figures: "provisioned mode's cost per million messages (its minimum pollers' idle monthly cost is AWS's rule: minimumPollers EPUs for 730 hours)",
    }],
    horizonSeconds: (s, p) => {
        const messages = Number(p.messages);
        const batchMs = Number(p.processingMs) + 20;
        const batches = Math.ceil(messages / s.batchSize);
        const modes = modeSettings(s);
        const capped = modes.maximumConcurrency.maximumConcurrency!;
        const pollers = modes["provisioned mode"].provisionedPollers!;
        const per = PROVISIONED_MODE.invocationsPerPoller;
        const estimates = [
            drainEstimateSeconds(batches, batchMs, INITIAL_CONCURRENCY, SCALE_UP_PER_MINUTE, MAX_SQS_CONCURRENCY),
            drainEstimateSeconds(batches, batchMs, pollers.minimumPollers * per, PROVISIONED_MODE.scaleUpPerMinute, Math.min(pollers.maximumPollers * per, PROVISIONED_MODE.maxConcurrency)),
        ];
        // The capped mode's own horizon, as before the comparison: it is the slowest at the defaults.
        const cappedHorizon = Math.ceil((messages / (s.batchSize * capped)) * batchMs / 1000 * 1.5) + 60;
        return Math.max(cappedHorizon, ...estimates.map((e) => Math.ceil(e * 1.5) + 60));
    },
    faultStartSeconds: () => 0, // the burst arrives at once
    async run(run, settings, params, go) {
        const messages = Number(params.messages);
        const own = stackMode(settings);
        const configs = modeSettings(settings);
        // The stack's mapping keeps the stack's names, queues and alarms; the other two modes run beside it on their own queues.
        const lanes = MODES.map((mode) => {
            const s = configs[mode];
            const stack = mode === own;
            const prefix = stack ? "queue-worker" : `queue-worker-${mode === "default mode" ? "default" : mode === "maximumConcurrency" ? "capped" : "provisioned"}`;
            const effects = new Effects();
            const queues = consumerQueues(run, prefix, s, { alarms: stack });
            const step = countingStep(run, effects, { processingMs: Number(params.processingMs) });
            const esm = mapping(run, `${prefix}-fn`, queues.queue, () => queueWorker(run, `${prefix}-fn`, queues, s, step), s, { alarms: stack });
            const idPrefix = stack ? "order" : `${prefix.slice("queue-worker-".length)}-order`;
            const orderIds = Array.from({ length: messages }, (_, i) => `${idPrefix}-${String(i + 1).padStart(7, "0")}`);
            return { mode, settings: s, stack, effects, queues, esm, orderIds, maxAgeMs: 0, drainedAt: undefined as number | undefined, concurrencyAt1s: undefined as number | undefined };
        });
        const main = lanes.find((l) => l.stack)!;
        queueGauges(run, main.queues, main.esm);
        run.timeline.gauge("oldest message age", () => Math.round(main.queues.queue.oldestAgeMs / 1000), "seconds");
        for (const l of lanes.filter((x) => !x.stack)) run.timeline.gauge(`concurrent invocations (${l.mode})`, () => l.esm.concurrent, "invocations");
        const watch = () => {
            for (const l of lanes) {
                l.maxAgeMs = Math.max(l.maxAgeMs, l.queues.queue.oldestAgeMs);
                if (l.drainedAt === undefined && l.queues.queue.size === 0 && run.clock.now > 0) l.drainedAt = run.clock.now;
            }
        };
        run.clock.after(1000, () => { for (const l of lanes) l.concurrencyAt1s = l.esm.concurrent; });
        for (const l of lanes) l.orderIds.forEach((orderId, i) => l.queues.queue.send(JSON.stringify({ orderId, amount: 10 + (i % 90) })));
        // Watch the age and the drain at every step of virtual time, not only on the timeline's grid.
        const every = Math.max(1000, Math.floor(run.timeline.stepMs / 4));
        const tick = () => { watch(); if (lanes.some((l) => l.queues.queue.size > 0)) run.clock.after(every, tick); };
        run.clock.after(0, tick);
        await go();
        watch();
        const end = run.clock.now;
        const locators = lanes.map((l) => orderLocator(l.effects, [l.queues.dlq], [bodiesOf(l.queues.queue)]));
        const c = conservation(lanes.flatMap((l) => l.orderIds), (id) => {
            for (const locate of locators) {
                const where = locate(id);
                if (where !== undefined) return where;
            }
            return undefined;
        });
        const limit = main.settings.maximumConcurrency;
        const per = PROVISIONED_MODE.invocationsPerPoller;
        // Each mode's own bill: its queue, DLQ, function and mapping (the run's custom metrics are shared, left out).
        const laneCost = (l: (typeof lanes)[number]) => {
            const own = new Set([l.queues.queue.options.name, l.queues.dlq.options.name, l.esm.options.functionName]);
            const bill = new Billing();
            for (const m of run.billing.meters) if (own.has(m.resource)) bill.add(m);
            return costReport(bill, end, messages);
        };
        const byMode = (l: (typeof lanes)[number]) => ({
            [`${l.mode}: scaling`]: modeLabel(l.settings),
            [`${l.mode}: seconds to drain`]: seconds(l.drainedAt),
            [`${l.mode}: peak concurrent invocations`]: l.esm.stats.maxConcurrent,
            [`${l.mode}: max age of oldest message (s)`]: seconds(l.maxAgeMs),
            ...(l.settings.provisionedPollers ? {
                [`${l.mode}: peak event pollers`]: l.esm.stats.peakPollers ?? 0,
                [`${l.mode}: event poller-hours`]: Math.round((l.esm.eventPollerSeconds(end) / 3600) * 1000) / 1000,
            } : {}),
            [`${l.mode}: cost per million messages ($)`]: Math.round(laneCost(l).perMillionMessagesUsd * 1000) / 1000,
            ...(l.settings.provisionedPollers ? {
                [`${l.mode}: minimum pollers idle, per month ($)`]: Math.round(usd("lambda.sqs-esm.epu", idleEpuHoursPerMonth(l.settings.provisionedPollers.minimumPollers)) * 100) / 100,
            } : {}),
        });
        const provisioned = lanes.find((l) => l.mode === "provisioned mode")!;
        const pollers = provisioned.settings.provisionedPollers!;
        const dflt = lanes.find((l) => l.mode === "default mode")!;
        const capped = lanes.find((l) => l.mode === "maximumConcurrency")!;
        const batches = Math.ceil(messages / settings.batchSize);
        return {
            conservation: c,
            measures: {
                "messages sent": messages,
                ...(limit === undefined ? { "provisioned pollers": modeLabel(main.settings) } : { "maximum concurrency": limit }),
                "concurrent invocations after 1 s": main.concurrencyAt1s ?? 0,
                "peak concurrent invocations": main.esm.stats.maxConcurrent,
                invocations: main.esm.stats.invocations,
                "seconds to drain": seconds(main.drainedAt),
                "max age of oldest message (s)": seconds(main.maxAgeMs),
                "duplicates processed": main.effects.duplicates,
                "messages in the DLQ": main.queues.dlq.size,
                ...Object.assign({}, ...lanes.map(byMode)),
            },
            expectations: [
                ...(limit === undefined ? [] : [
                    { claim: `concurrency never exceeds maximumConcurrency (${limit})`, holds: main.esm.stats.maxConcurrent <= limit },
                    { claim: `the pollers start at ${Math.min(INITIAL_CONCURRENCY, limit)} concurrent batches and scale up to the limit`, holds: (main.concurrencyAt1s ?? 0) <= Math.min(INITIAL_CONCURRENCY, limit) && main.esm.stats.maxConcurrent === Math.min(limit, batches) },
                ]),
                { claim: `default mode starts at ${INITIAL_CONCURRENCY} concurrent batches and never exceeds the mapping's ${MAX_SQS_CONCURRENCY.toLocaleString("en-US")}`, holds: (dflt.concurrencyAt1s ?? 0) <= INITIAL_CONCURRENCY && dflt.esm.stats.maxConcurrent <= MAX_SQS_CONCURRENCY },
                {
                    claim: `provisioned mode (${modeLabel(provisioned.settings)}) has its minimum's invocations at once, ${Math.min(pollers.minimumPollers * per, batches)} at 1 s (assuming ${per} per poller), and never more than maximumPollers' worth or ${PROVISIONED_MODE.maxConcurrency.toLocaleString("en-US")}`,
                    holds: (provisioned.concurrencyAt1s ?? 0) === Math.min(pollers.minimumPollers * per, batches)
                        && provisioned.esm.stats.maxConcurrent <= Math.min(pollers.maximumPollers * per, PROVISIONED_MODE.maxConcurrency)
                        && (provisioned.esm.stats.peakPollers ?? 0) <= pollers.maximumPollers,
                },
                { claim: `provisioned pollers are billed while idle: at least minimumPollers (${pollers.minimumPollers}) × the run's ${end / 1000} s`, holds: provisioned.esm.eventPollerSeconds(end) >= pollers.minimumPollers * (end / 1000) },
                { claim: "in every mode every message is processed exactly once, none reaches the DLQ", holds: lanes.every((l) => l.effects.units === messages && l.effects.duplicates === 0 && l.queues.dlq.size === 0) },
            ],
            explanation: `${messages} messages arrived at once on each of three queues, one per way the mapping scales. `
                + (limit === undefined
                    ? `The stack runs provisioned mode (${modeLabel(main.settings)}): it started ${main.concurrencyAt1s ?? 0} concurrent batches and peaked at ${main.esm.stats.maxConcurrent}, draining in ${seconds(main.drainedAt)} s. `
                    : `With the stack's maximumConcurrency the pollers started ${main.concurrencyAt1s ?? 0} concurrent batches and scaled to ${main.esm.stats.maxConcurrent}, so the downstream never saw more than ${main.esm.stats.maxConcurrent * settings.batchSize} orders at a time; `
                        + `the queue absorbed the rest: it drained in ${seconds(main.drainedAt)} s and the oldest message waited ${seconds(main.maxAgeMs)} s (the stack's age alarm is at ${settings.oldestMessageAgeAlarmSeconds} s: see detection). `)
                + `Without a cap (default mode) the mapping grew from ${INITIAL_CONCURRENCY} by 300 a minute to ${dflt.esm.stats.maxConcurrent} and drained in ${seconds(dflt.drainedAt)} s; `
                + `provisioned mode (${modeLabel(provisioned.settings)}) had ${provisioned.concurrencyAt1s ?? 0} invocations at once, grew by up to 1,000 a minute to ${provisioned.esm.stats.maxConcurrent} and drained in ${seconds(provisioned.drainedAt)} s, `
                + `for ${Math.round((provisioned.esm.eventPollerSeconds(end) / 3600) * 1000) / 1000} event poller-hours, the minimum billed even while the queue is empty (the per-poller figures assume PROVISIONED_MODE). `
                + `maximumConcurrency (${capped.settings.maximumConcurrency}) took ${seconds(capped.drainedAt)} s at ${capped.esm.stats.maxConcurrent} concurrent invocations: the cap trades latency for downstream load; the other two modes trade load (and, provisioned, pollers paid for) for latency. `
                + "Reserved concurrency below the cap would throttle and burn receives instead.",
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
