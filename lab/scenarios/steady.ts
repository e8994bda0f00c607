// Healthy baselines, one per pattern: steady traffic with nothing broken, through the same simulated resources and
// alarms as the fault scenarios. No alarm of the stack may fire here (the runner checks it): this is the
// false-positive check for every alarm threshold, and each one's traffic carries the normal oddities of its pattern
// (at-least-once duplicates, filtered-out messages, test traffic, orders without optional fields).
import { createHandler as createEventConsumer } from "../../functions/event-consumer";
import { createHandler as createEventProducer } from "../../functions/event-producer";
import { createHandler as createFanOutProducer } from "../../functions/fan-out-producer";
import { Order } from "../../functions/shared/order";
import { DLQ_RETENTION_SECONDS, redeliveryHorizonSeconds } from "../../patterns/config";
import { EU_ORDERS_PATTERN, HIGH_VALUE_ORDERS_PATTERN } from "../../patterns/event-routing/rules";
import { DEFAULT_SUBSCRIBERS } from "../../patterns/fan-out/subscribers";
import { STRATEGY_WIRING } from "../../patterns/idempotent-consumer/strategies";
import { conservation, Effects, Location } from "../harness";
import { ParamSpec, Scenario } from "../scenario";
import { AsyncHandler, AsyncLambda } from "../sim/async-lambda";
import { simulatedEventBridgeClient, simulatedSnsClient } from "../sim/clients";
import { lambdaContext } from "../sim/esm";
import { SimEventBus } from "../sim/eventbridge";
import { SimTopic } from "../sim/sns";
import { SimQueue } from "../sim/sqs";
import { bodiesOf, consumerQueues, countingStep, idempotentConsumer, mapping, orderLocator, queueGauges, queueWorker, subscribedQueues } from "./common";

const steadyParams = (ratePerSecond: number, processingMs: number): Record<string, ParamSpec> => ({
    ratePerSecond: { default: ratePerSecond, min: 1, max: 1000, description: "orders a second, evenly spaced" },
    minutes: { default: 10, min: 1, max: 24 * 60, description: "how long the traffic lasts (at least the longest alarm window, 10 minutes)" },
    processingMs: { default: processingMs, min: 0, max: 900_000, description: "virtual time one order takes" },
});

/** Ten minutes past the traffic: long enough for every alarm's evaluation window to see the tail. */
const steadyHorizon = (_s: unknown, p: Record<string, unknown>) => Number(p.minutes) * 60 + 600;

/** The order times: `ratePerSecond` a second for `minutes`, in milliseconds. */
function schedule(p: Record<string, unknown>): number[] {
    const rate = Number(p.ratePerSecond);
    return Array.from({ length: Math.round(rate * Number(p.minutes) * 60) }, (_, i) => Math.round((i * 1000) / rate));
}

const orderId = (i: number) => `order-${String(i + 1).padStart(7, "0")}`;

/** The steady queues' at-least-once duplicates: a rate AWS does not publish. */
const DUPLICATES_ASSUMED = [{ name: "duplicateRate", value: "standard queues hand 0.1 % of receives out twice (AWS: \"occasionally\", no rate)", figures: "the SQS duplicate deliveries" }];

const STEADY_RULE = "Nothing is broken: the stack's alarms must stay OK. An alarm that fires here is a false positive (CloudWatch alarm evaluation: "
    + "\"Using Amazon CloudWatch alarms\"; each alarm's metric and its source are listed in docs/observability.md and docs/fidelity.md).";

export const STEADY_QUEUE_WORKER: Scenario<"queueWorker"> = {
    name: "steady-queue-worker",
    title: "Healthy baseline: steady traffic through the queue worker",
    pattern: "queueWorker",
    awsRule: STEADY_RULE,
    baseline: true,
    assumes: DUPLICATES_ASSUMED,
    params: steadyParams(2, 200),
    horizonSeconds: steadyHorizon,
    faultStartSeconds: () => null,
    async run(run, settings, params, go) {
        const effects = new Effects();
        const queues = consumerQueues(run, "queue-worker", settings, { duplicateRate: 0.001 });
        const step = countingStep(run, effects, { processingMs: Number(params.processingMs) });
        const esm = mapping(run, "queue-worker-fn", queues.queue, () => queueWorker(run, "queue-worker-fn", queues, settings, step), settings);
        queueGauges(run, queues, esm);
        const ids = schedule(params).map((at, i) => {
            run.clock.at(at, () => { queues.queue.send(JSON.stringify({ orderId: orderId(i), amount: 10 + (i % 300) })); });
            return orderId(i);
        });
        await go();
        return {
            conservation: conservation(ids, orderLocator(effects, [queues.dlq], [bodiesOf(queues.queue)])),
            measures: {
                "orders sent": ids.length,
                processed: effects.units,
                "SQS duplicate deliveries (assumed rate)": queues.queue.counts.duplicatesDelivered,
                "peak concurrent invocations": esm.stats.maxConcurrent,
                "messages in the DLQ": queues.dlq.size,
            },
            expectations: [
                { claim: "every order is processed, none reaches the DLQ", holds: effects.units === ids.length && queues.dlq.size === 0 },
            ],
            explanation: `${ids.length} orders at ${params.ratePerSecond} a second, ${params.processingMs} ms each: ${esm.stats.maxConcurrent} concurrent invocations at most, `
                + `${queues.queue.counts.duplicatesDelivered} at-least-once duplicate deliveries (the lab's 0.1 %, an assumption: AWS publishes no rate), nothing failed. `
                + "The age, DLQ, Errors, Throttles and RecordsRetried alarms stay OK.",
        };
    },
};

export const STEADY_FAN_OUT: Scenario<"fanOut"> = {
    name: "steady-fan-out",
    title: "Healthy baseline: steady publishing to the three subscribers",
    pattern: "fanOut",
    awsRule: STEADY_RULE,
    baseline: true,
    params: steadyParams(1, 100),
    horizonSeconds: steadyHorizon,
    faultStartSeconds: () => null,
    async run(run, settings, params, go) {
        const topic = new SimTopic(run.clock, "fan-out-topic", { cloudwatch: run.cloudwatch, billing: run.billing });
        run.alarms.topic("fan-out-topic", topic);
        const subscribers = DEFAULT_SUBSCRIBERS.map((s) => {
            const effects = new Effects();
            const queues = subscribedQueues(run, topic, s.name, settings, {
                filterPolicy: s.filterPolicy, filterPolicyScope: s.filterPolicyScope, rawMessageDelivery: s.rawMessageDelivery ?? settings.rawMessageDelivery,
            });
            const { deliveryDlq, subscription } = queues;
            const fn = `${s.name}-fn`;
            mapping(run, fn, queues.queue, () => queueWorker(run, fn, queues, settings, countingStep(run, effects, { processingMs: Number(params.processingMs) })), settings);
            run.timeline.gauge(`${s.name} processed`, () => effects.units);
            run.timeline.gauge(`${s.name} delivery DLQ depth`, () => deliveryDlq.size);
            return { name: s.name, effects, queues, subscription, deliveryDlq };
        });
        // Regions as in sns-filtering, some orders without one: every subscriber sees matches and non-matches.
        const regions = ["eu-west-1", "us-east-1", "eu-central-1", "ap-south-1", undefined];
        const producer = createFanOutProducer({ client: simulatedSnsClient(topic), topicArn: topic.arn, logger: run.logger("fan-out-producer"), metrics: run.metrics("fan-out-producer") });
        const list: Order[] = schedule(params).map((at, i) => {
            const region = regions[i % regions.length];
            const order: Order = { orderId: orderId(i), amount: 20 + ((i * 37) % 200), ...(region ? { region } : {}) };
            run.clock.at(at, async () => {
                await producer({ orders: [order], correlationId: `lab-publish-${i + 1}` }, lambdaContext("fan-out-producer", `publish-${i}`, () => 30_000));
            });
            return order;
        });
        await go();
        const units = subscribers.flatMap((s) => list.map((o) => `${s.name}/${o.orderId}`));
        const filtered = new Map(subscribers.map((s) => [s.name, s.subscription.counts.filteredOut]));
        const locators = new Map(subscribers.map((s) => [s.name, orderLocator(s.effects, [s.queues.dlq, s.deliveryDlq], [bodiesOf(s.queues.queue)], () => true)]));
        const measures: Record<string, number> = { "orders published": topic.counts.published };
        for (const s of subscribers) {
            measures[`${s.name}: delivered`] = s.subscription.counts.delivered;
            measures[`${s.name}: filtered out`] = s.subscription.counts.filteredOut;
            measures[`${s.name}: processed`] = s.effects.units;
        }
        return {
            conservation: conservation(units, (u) => locators.get(u.slice(0, u.indexOf("/")))!(u.slice(u.indexOf("/") + 1)) as Location),
            messages: topic.counts.published,
            measures,
            expectations: [
                { claim: "every message is delivered or filtered out, per subscriber, and every delivery processed", holds: subscribers.every((s) => s.subscription.counts.delivered + s.subscription.counts.filteredOut === list.length && s.effects.units === s.subscription.counts.delivered) },
                { claim: "nothing reaches a DLQ", holds: subscribers.every((s) => s.queues.dlq.size === 0 && s.deliveryDlq.size === 0) },
            ],
            explanation: `${list.length} orders published at ${params.ratePerSecond} a second. ${subscribers.map((s) => `${s.name} processed ${s.effects.units} (${filtered.get(s.name)} filtered out)`).join(", ")}. `
                + "Filtered-out messages count as handled in the deliveries-lagging alarm's arithmetic, so filtering alone never raises it.",
        };
    },
};

export const STEADY_EVENT_ROUTING: Scenario<"eventRouting"> = {
    name: "steady-event-routing",
    title: "Healthy baseline: steady orders through both rules",
    pattern: "eventRouting",
    awsRule: STEADY_RULE,
    baseline: true,
    params: steadyParams(2, 100),
    horizonSeconds: steadyHorizon,
    faultStartSeconds: () => null,
    async run(run, settings, params, go) {
        const bus = new SimEventBus(run.clock, run.random, "lab-orders", { cloudwatch: run.cloudwatch, billing: run.billing });
        // High value → the SQS target and its consumer.
        const effects = new Effects();
        const highValue = consumerQueues(run, "event-routing-high-value", settings);
        const targetDlq = new SimQueue(run.clock, { name: "event-routing-high-value-target-dlq", visibilityTimeoutSeconds: 30, retentionSeconds: DLQ_RETENTION_SECONDS, cloudwatch: run.cloudwatch, billing: run.billing });
        run.alarms.deadLetterQueue(targetDlq.options.name, targetDlq);
        const step = countingStep(run, effects, { processingMs: Number(params.processingMs) });
        mapping(run, "event-routing-high-value-fn", highValue.queue, () => queueWorker(run, "event-routing-high-value-fn", highValue, settings, step), settings);
        const hv = bus.addRule("high-value", HIGH_VALUE_ORDERS_PATTERN, [{
            id: highValue.queue.arn, maximumRetryAttempts: settings.targetMaximumRetryAttempts, maximumEventAgeSeconds: settings.targetMaximumEventAgeSeconds,
            deadLetter: targetDlq, deliver: (event) => { highValue.queue.send(JSON.stringify(event)); return "ok"; },
        }]);
        run.alarms.rule("event-routing-high-value", bus, hv);
        // EU orders → the asynchronously invoked function.
        const euEffects = new Effects();
        const onFailure = new SimQueue(run.clock, { name: "event-routing-eu-orders-on-failure", visibilityTimeoutSeconds: 30, retentionSeconds: DLQ_RETENTION_SECONDS, cloudwatch: run.cloudwatch, billing: run.billing });
        run.alarms.deadLetterQueue(onFailure.options.name, onFailure);
        const euStep = countingStep(run, euEffects, { processingMs: Number(params.processingMs) });
        const fn = new AsyncLambda(run.clock, () => createEventConsumer({ processOrder: euStep, logger: run.logger("eu-orders-fn"), metrics: run.metrics("eu-orders-fn") }) as AsyncHandler, {
            functionName: "eu-orders-fn", functionTimeoutSeconds: settings.functionTimeoutSeconds, maximumRetryAttempts: settings.asyncMaximumRetryAttempts,
            maximumEventAgeSeconds: settings.asyncMaximumEventAgeSeconds, onFailure, overheadMs: 20, cloudwatch: run.cloudwatch, billing: run.billing, memoryMb: settings.memorySizeMb,
        });
        run.alarms.function("event-routing-eu-orders-fn", fn);
        const eu = bus.addRule("eu-orders", EU_ORDERS_PATTERN, [{
            id: fn.arn, maximumRetryAttempts: settings.targetMaximumRetryAttempts, maximumEventAgeSeconds: settings.targetMaximumEventAgeSeconds,
            deliver: (event) => { fn.invoke(event); return "ok"; },
        }]);
        run.alarms.rule("event-routing-eu-orders", bus, eu);
        queueGauges(run, highValue, undefined, "high-value ");
        run.timeline.gauge("target DLQ depth", () => targetDlq.size, "events");
        run.timeline.gauge("EU orders processed", () => euEffects.units, "events");
        run.timeline.gauge("on-failure queue depth", () => onFailure.size, "events");
        // Web, mobile, test traffic and orders without a channel; EU and not.
        const channels = ["web", "mobile", "test", undefined];
        const regions = ["eu-west-1", "us-east-1", "eu-central-1"];
        const producer = createEventProducer({ client: simulatedEventBridgeClient(bus), busName: "lab-orders", logger: run.logger("event-producer"), metrics: run.metrics("event-producer") });
        const list = schedule(params).map((at, i) => {
            const channel = channels[i % channels.length];
            const order = { orderId: orderId(i), amount: i % 3 === 0 ? 150 + (i % 500) : 20 + (i % 80), region: regions[i % regions.length], ...(channel ? { channel } : {}) };
            run.clock.at(at, async () => {
                await producer({ orders: [order], correlationId: `lab-put-${i + 1}` }, lambdaContext("event-producer", `put-${i}`, () => 30_000));
            });
            return order;
        });
        await go();
        const wantsHv = list.filter((o) => o.amount >= 100);
        const wantsEu = list.filter((o) => o.region.startsWith("eu-") && o.channel !== "test");
        const units = [...list.map((o) => `high-value/${o.orderId}`), ...list.map((o) => `eu-orders/${o.orderId}`)];
        const hvIds = new Set(wantsHv.map((o) => o.orderId));
        const euIds = new Set(wantsEu.map((o) => o.orderId));
        const locateHv = orderLocator(effects, [highValue.dlq, targetDlq], [bodiesOf(highValue.queue)], (id) => !hvIds.has(id));
        const locateEu = orderLocator(euEffects, [onFailure], [{ bodies: () => fn.waiting.map((e) => JSON.stringify(e)) }], (id) => !euIds.has(id));
        return {
            conservation: conservation(units, (u) => (u.startsWith("high-value/") ? locateHv(u.slice(11)) : locateEu(u.slice(10)))),
            messages: bus.counts.put,
            measures: {
                "events put": bus.counts.put,
                "high-value: matched": hv.matched,
                "high-value: processed": effects.units,
                "eu-orders: matched": eu.matched,
                "eu-orders: without a channel": wantsEu.filter((o) => o.channel === undefined).length,
                "eu-orders: processed": euEffects.units,
                "in a DLQ": highValue.dlq.size + targetDlq.size + onFailure.size,
            },
            expectations: [
                { claim: "each rule matches exactly its orders (EU orders without a channel included, test traffic excluded) and each is processed once", holds: hv.matched === wantsHv.length && eu.matched === wantsEu.length && effects.units === wantsHv.length && euEffects.units === wantsEu.length && effects.duplicates + euEffects.duplicates === 0 },
                { claim: "nothing reaches a DLQ or the on-failure destination", holds: highValue.dlq.size + targetDlq.size + onFailure.size === 0 },
            ],
            explanation: `${list.length} orders put at ${params.ratePerSecond} a second: the high-value rule matched ${hv.matched} and its queue consumer processed them; `
                + `the eu-orders rule matched ${eu.matched}, ${wantsEu.filter((o) => o.channel === undefined).length} of them without a channel, and its function processed them. Test traffic matched no rule, as meant.`,
        };
    },
};

export const STEADY_IDEMPOTENT_CONSUMER: Scenario<"idempotentConsumer"> = {
    name: "steady-idempotent-consumer",
    title: "Healthy baseline: steady traffic through the business-key consumer, with duplicates",
    pattern: "idempotentConsumer",
    awsRule: STEADY_RULE,
    baseline: true,
    assumes: DUPLICATES_ASSUMED,
    params: {
        ...steadyParams(2, 200),
        producerRetryRate: { default: 0.01, min: 0, max: 1, fraction: true, description: "share of orders the producer sends twice, 20 s apart" },
    },
    horizonSeconds: steadyHorizon,
    faultStartSeconds: () => null,
    async run(run, settings, params, go) {
        const effects = new Effects();
        const queues = consumerQueues(run, "idempotent-business-key", settings, { duplicateRate: 0.001 });
        const step = countingStep(run, effects, { processingMs: Number(params.processingMs) });
        const { handler } = idempotentConsumer(run, "idempotent-business-key-fn", queues, settings, STRATEGY_WIRING["business-key"].keyStrategy, step,
            settings.expiresAfterSeconds ?? redeliveryHorizonSeconds(settings));
        const esm = mapping(run, "idempotent-business-key-fn", queues.queue, handler, settings);
        queueGauges(run, queues, esm);
        let retries = 0;
        const ids = schedule(params).map((at, i) => {
            const body = JSON.stringify({ orderId: orderId(i), amount: 10 + (i % 200) });
            run.clock.at(at, () => { queues.queue.send(body); });
            if (run.random() < Number(params.producerRetryRate)) {
                retries++;
                run.clock.at(at + 20_000, () => { queues.queue.send(body); });
            }
            return orderId(i);
        });
        await go();
        return {
            conservation: conservation(ids, orderLocator(effects, [queues.dlq], [bodiesOf(queues.queue)])),
            measures: {
                "orders sent": ids.length,
                "producer retries": retries,
                "SQS duplicate deliveries (assumed rate)": queues.queue.counts.duplicatesDelivered,
                processed: effects.units,
                "duplicates processed": effects.duplicates,
                "messages in the DLQ": queues.dlq.size,
            },
            expectations: [
                { claim: "every order is processed once: producer retries and duplicate deliveries are suppressed", holds: effects.units === ids.length && effects.duplicates === 0 },
                { claim: "nothing reaches the DLQ", holds: queues.dlq.size === 0 },
            ],
            explanation: `${ids.length} orders at ${params.ratePerSecond} a second, ${retries} sent twice by the producer and ${queues.queue.counts.duplicatesDelivered} delivered twice by SQS: `
                + "the business key suppressed every duplicate. A suppressed duplicate is a success, not a retry, so no alarm sees it.",
        };
    },
};
