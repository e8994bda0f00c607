// SNS filter policies deciding which subscriber gets what: the real fan-out producer publishes random orders, the
// stack's subscribers (their filter policies and scopes) receive them in their queues, raw or enveloped, and the
// real queue worker consumes each queue.
import { createHandler as createFanOutProducer } from "../../functions/fan-out-producer";
import { DEFAULT_SUBSCRIBERS } from "../../patterns/fan-out/subscribers";
import { conservation, Effects, Location, orderIdsIn } from "../harness";
import { Scenario } from "../scenario";
import { simulatedSnsClient } from "../sim/clients";
import { lambdaContext } from "../sim/esm";
import { SimTopic, SNS_RETRY_JITTER } from "../sim/sns";
import { bodiesOf, mapping, queueWorker, countingStep, orderLocator, subscribedQueues } from "./common";
import { Order } from "../../functions/shared/order";

const REGIONS = ["eu-west-1", "eu-central-1", "us-east-1", "ap-south-1", undefined];

export const SNS_FILTERING: Scenario<"fanOut"> = {
    name: "sns-filtering",
    title: "SNS filter policies deciding which subscriber gets what",
    pattern: "fanOut",
    awsRule: "SNS offers every published message to every subscription; a subscription with a filter policy receives only messages that match it, on the "
        + "message attributes (default scope) or on the JSON body (FilterPolicyScope MessageBody). With raw message delivery the SQS body is the message and "
        + "its attributes become SQS attributes; otherwise the body is the JSON notification envelope (SNS developer guide, sns-message-filtering, sns-large-payload-raw-message-delivery).",
    params: {
        orders: { default: 200, min: 1, max: 100_000, description: "orders published" },
    },
    horizonSeconds: () => 120,
    faultStartSeconds: () => null, // filtering is not a failure
    async run(run, settings, params, go) {
        const n = Number(params.orders);
        const topic = new SimTopic(run.clock, "fan-out-topic", { cloudwatch: run.cloudwatch, billing: run.billing });
        run.alarms.topic("fan-out-topic", topic);
        const subscribers = DEFAULT_SUBSCRIBERS.map((s) => {
            const effects = new Effects();
            const queues = subscribedQueues(run, topic, s.name, settings, {
                filterPolicy: s.filterPolicy, filterPolicyScope: s.filterPolicyScope, rawMessageDelivery: s.rawMessageDelivery ?? settings.rawMessageDelivery,
            });
            const { subscription } = queues;
            const filtered = new Set<string>();
            subscription.onFiltered = (message) => orderIdsIn([message]).forEach((id) => filtered.add(id));
            const correlationIds = new Set<string>();
            const step = countingStep(run, effects, { processingMs: 50 });
            const fn = `${s.name}-fn`;
            const handler = () => queueWorker(run, fn, queues, settings, async (order, logger) => {
                // The correlation ID the handler's child logger carries, read back from its persistent keys.
                const id = (logger as unknown as { getPersistentLogAttributes(): Record<string, unknown> }).getPersistentLogAttributes().correlation_id;
                if (typeof id === "string") correlationIds.add(id);
                await step(order, logger);
            });
            mapping(run, fn, queues.queue, handler, settings);
            run.timeline.gauge(`${s.name} received`, () => queues.queue.counts.sent);
            return { subscriber: s, effects, queues, subscription, correlationIds, filtered };
        });
        const list: Order[] = Array.from({ length: n }, (_, i) => {
            const region = REGIONS[Math.floor(run.random() * REGIONS.length)];
            return { orderId: `order-${String(i + 1).padStart(5, "0")}`, amount: 1 + Math.floor(run.random() * 300), ...(region ? { region } : {}) };
        });
        const producer = createFanOutProducer({ client: simulatedSnsClient(topic), topicArn: topic.arn, logger: run.logger("fan-out-producer"), metrics: run.metrics("fan-out-producer") });
        run.clock.at(0, async () => {
            for (let i = 0; i < list.length; i += 10) {
                await producer({ orders: list.slice(i, i + 10), correlationId: `lab-publish-${i / 10 + 1}` }, lambdaContext("fan-out-producer", `publish-${i}`, () => 30_000));
            }
        });
        await go();
        // What each subscriber should get, computed without the filter-policy evaluator.
        const wants: Record<string, (o: Order) => boolean> = {
            "high-value": (o) => o.amount >= 100,
            "eu-orders": (o) => (o.region ?? "").startsWith("eu-"),
            audit: () => true,
        };
        const units: string[] = [];
        const locators = new Map<string, (orderId: string) => Location | undefined>();
        const measures: Record<string, number | string> = { "orders published": topic.counts.published };
        const expectations: { claim: string; holds: boolean }[] = [];
        for (const s of subscribers) {
            const deadLetters = [s.queues.dlq, ...(s.subscription.options.deadLetter ? [s.subscription.options.deadLetter] : [])];
            locators.set(s.subscriber.name, orderLocator(s.effects, deadLetters, [bodiesOf(s.queues.queue)], (id) => s.filtered.has(id)));
            units.push(...list.map((o) => `${s.subscriber.name}/${o.orderId}`));
            const expected = list.filter(wants[s.subscriber.name] ?? (() => false)).map((o) => o.orderId);
            const got = list.filter((o) => s.effects.of(o.orderId) > 0).map((o) => o.orderId);
            measures[`${s.subscriber.name}: delivered`] = s.subscription.counts.delivered;
            measures[`${s.subscriber.name}: filtered out`] = s.subscription.counts.filteredOut;
            measures[`${s.subscriber.name}: delivery`] = s.subscription.options.rawMessageDelivery ? "raw" : "enveloped";
            expectations.push({
                claim: `${s.subscriber.name} (${s.subscriber.filterPolicy ? `${s.subscriber.filterPolicyScope ?? "MessageAttributes"} ${JSON.stringify(s.subscriber.filterPolicy)}` : "no filter policy"}) processes exactly the orders it should`,
                holds: got.length === expected.length && got.every((id, i) => id === expected[i]),
            });
        }
        expectations.push({
            claim: "each consumer logs with the producer's correlation ID, raw or enveloped",
            holds: subscribers.every((s) => [...s.correlationIds].every((id) => id.startsWith("lab-publish-")) && s.correlationIds.size > 0),
        });
        const c = conservation(units, (u) => locators.get(u.slice(0, u.indexOf("/")))!(u.slice(u.indexOf("/") + 1)));
        return {
            conservation: c,
            messages: topic.counts.published,
            measures,
            expectations,
            explanation: `${topic.counts.published} orders were published once each. ${subscribers.map((s) => `${s.subscriber.name} received ${s.subscription.counts.delivered}`).join(", ")}: `
                + "the high-value subscriber's policy matched the JSON body (type and a numeric amount ≥ 100), the eu-orders policy matched message attributes "
                + "(an eu- prefix on region and the event type), and audit, with no policy, got everything. Filtering happens in SNS, so a consumer never pays for a message it does not want; "
                + "a message matching no policy is simply not delivered to that subscriber, which is not a failure and raises no alarm.",
        };
    },
};

export const SNS_DELIVERY_FAILURE: Scenario<"fanOut"> = {
    name: "sns-delivery-failure",
    healthy: { outageMinutes: "0" },
    title: "A subscriber queue SNS cannot deliver to",
    pattern: "fanOut",
    awsRule: "SNS retries a delivery that fails with a server-side error by the delivery policy for AWS managed endpoints (3 immediate retries, 2 at 1 s, "
        + "10 backing off from 1 s to 20 s, 100,000 at 20 s: 100,015 over 23 days, jittered), but \"doesn't retry the message delivery that fails as a result "
        + "of a client-side error\" (the endpoint is gone or its policy refuses SNS); past that, or at once for a client-side error, the message goes to the "
        + "subscription's DLQ, or is discarded without one (SNS developer guide, \"Amazon SNS message delivery retries\", \"Amazon SNS dead-letter queues\"). "
        + "How much jitter is not published: the lab draws each delay from 80–100 % of the documented value.",
    params: {
        ordersPerMinute: { default: 6, min: 1, max: 600, description: "orders published per minute, steadily" },
        publishMinutes: { default: 40, min: 1, max: 600, description: "how long orders keep coming" },
        outageMinutes: { default: 30, min: 0, max: 60 * 24 * 30, description: "how long the audit subscriber's queue refuses deliveries, from the start" },
        failure: { default: "server-error", choices: ["server-error", "client-error"], description: "the queue unavailable (server-side, retried), or its policy refusing SNS (client-side, not retried)" },
    },
    assumes: (p) => (p.failure !== "server-error" ? [] : [{
        name: "SNS_RETRY_JITTER", value: `each retry delay after the immediate phase drawn from ${100 * (1 - SNS_RETRY_JITTER)}–100 % of the documented value (AWS: "applies jittering", no amount)`,
        figures: "the number of retries and delivery attempts, and when each delivery landed after the recovery", detection: true,
    }]),
    horizonSeconds: (_s, p) => Math.max(Number(p.outageMinutes), Number(p.publishMinutes)) * 60 + 600,
    faultStartSeconds: (_s, p) => (Number(p.outageMinutes) > 0 ? 0 : null),
    faultEndSeconds: (_s, p) => (Number(p.outageMinutes) > 0 ? Number(p.outageMinutes) * 60 : null),
    async run(run, settings, params, go) {
        const perMinute = Number(params.ordersPerMinute);
        const n = perMinute * Number(params.publishMinutes);
        const outageMs = Number(params.outageMinutes) * 60_000;
        const failure = params.failure as "server-error" | "client-error";
        const topic = new SimTopic(run.clock, "fan-out-topic", { cloudwatch: run.cloudwatch, billing: run.billing });
        run.alarms.topic("fan-out-topic", topic);
        const effects = new Effects();
        const queues = subscribedQueues(run, topic, "audit", settings, {
            rawMessageDelivery: settings.rawMessageDelivery, deliver: () => (run.clock.now < outageMs ? failure : "ok"),
        });
        const { deliveryDlq, subscription } = queues;
        const fn = "audit-fn";
        mapping(run, fn, queues.queue, () => queueWorker(run, fn, queues, settings, countingStep(run, effects, { processingMs: 50 })), settings);
        run.timeline.gauge("deliveries waiting for a retry", () => subscription.pending.length);
        run.timeline.gauge("subscription DLQ depth", () => deliveryDlq.size);
        run.timeline.gauge("orders processed", () => effects.units);
        const list: Order[] = Array.from({ length: n }, (_, i) => ({ orderId: `order-${String(i + 1).padStart(5, "0")}`, amount: 10 + i }));
        const producer = createFanOutProducer({ client: simulatedSnsClient(topic), topicArn: topic.arn, logger: run.logger("fan-out-producer"), metrics: run.metrics("fan-out-producer") });
        // One order every 60/perMinute seconds, each its own publish.
        list.forEach((order, i) => run.clock.at(Math.round((i * 60_000) / perMinute), async () => {
            await producer({ orders: [order], correlationId: `lab-publish-${i + 1}` }, lambdaContext("fan-out-producer", `publish-${i}`, () => 30_000));
        }));
        await go();
        const c = conservation(list.map((o) => o.orderId), orderLocator(effects, [deliveryDlq, queues.dlq], [bodiesOf(queues.queue), { bodies: () => subscription.pending }]));
        const { retries, clientErrors, delivered, deadLettered } = subscription.counts;
        const retrying = failure === "server-error";
        const duringOutage = list.filter((_, i) => (i * 60_000) / perMinute < outageMs).length;
        return {
            conservation: c,
            measures: {
                "orders published": topic.counts.published,
                "delivery attempts (assumed jitter)": delivered + retries + clientErrors,
                "retries (assumed jitter)": retries,
                "client-side errors (not retried)": clientErrors,
                "delivered to the queue": delivered,
                "in the subscription DLQ": deliveryDlq.size,
                "processed by the consumer": effects.units,
            },
            expectations: retrying ? [
                { claim: "a server-side error is retried: nothing reaches the subscription DLQ while the retry policy lasts", holds: deadLettered === 0 && retries > 0 },
                { claim: "every order is delivered once the queue accepts deliveries again, and processed", holds: delivered === n && effects.units === n },
            ] : [
                { claim: "a client-side error is not retried: each message published during the outage goes to the subscription DLQ after one attempt", holds: retries === 0 && clientErrors === duringOutage && deliveryDlq.size === duringOutage },
                { claim: "the subscriber processes only what was published after the policy was fixed; the rest waits in the DLQ to be redriven", holds: effects.units === n - duringOutage },
            ],
            explanation: retrying
                ? `The audit queue refused deliveries for ${params.outageMinutes} minutes with a server-side error while ${n} orders were published. SNS retried each message `
                + `(${retries} retries in all, a count that follows from the lab's assumed jitter: immediately, then 1 s apart, then backing off to 20 s, then every 20 s) and delivered every one after the queue recovered; `
                + "nothing reached the subscription DLQ, which would have taken them only after 100,015 attempts over about 23 days. NumberOfNotificationsFailed, "
                + "which counts only what SNS gives up on, stays at zero all along: the stack sees the outage by deliveries lagging publishes."
                : `The audit queue's policy refused SNS (a client-side error) for ${params.outageMinutes} minutes, so SNS did not retry: the ${deliveryDlq.size} messages `
                + `published in that time went straight to the subscription's DLQ and the ${effects.units} published after the fix were delivered and processed. `
                + "Without that DLQ they would have been discarded. Fixing the policy does not bring them back: redrive them from the DLQ.",
        };
    },
};
