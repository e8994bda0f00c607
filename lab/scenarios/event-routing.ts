// Event routing: the real event producer puts orders on the bus, the stack's rules route them. One scenario
// breaks the SQS target so EventBridge's retry policy runs out; the other crashes the async-invoked Lambda
// target so Lambda's own retries run out and the on-failure destination takes the event.
import { createHandler as createEventConsumer } from "../../functions/event-consumer";
import { createHandler as createEventProducer } from "../../functions/event-producer";
import { DLQ_RETENTION_SECONDS } from "../../patterns/config";
import { EU_ORDERS_PATTERN, HIGH_VALUE_ORDERS_PATTERN } from "../../patterns/event-routing/rules";
import { conservation, Effects, LabRun, orderIdsIn } from "../harness";
import { Scenario } from "../scenario";
import { AsyncHandler, AsyncLambda, ASYNC_RETRY_DELAYS_MS } from "../sim/async-lambda";
import { simulatedEventBridgeClient } from "../sim/clients";
import { lambdaContext } from "../sim/esm";
import { BusLog, BusLogStep, EVENTBRIDGE_BACKOFF, SimEventBus } from "../sim/eventbridge";
import { SimQueue } from "../sim/sqs";
import { countingStep, DLQ_ALARM_SLACK_SECONDS, orderLocator, seconds } from "./common";

const BUS = "lab-orders";

/** Orders alternating high value / low value and EU / US regions, some flagged to crash. */
function orders(n: number, crashEvery: number): { orderId: string; amount: number; region: string; channel: string; simulate?: "crash" }[] {
    return Array.from({ length: n }, (_, i) => ({
        orderId: `order-${String(i + 1).padStart(5, "0")}`,
        amount: i % 2 === 0 ? 150 + i : 20 + i,
        region: i % 3 === 2 ? "us-east-1" : "eu-west-1",
        channel: "web",
        ...(crashEvery > 0 && i % crashEvery === 0 ? { simulate: "crash" as const } : {}),
    }));
}

/** Puts the orders through the project's real event producer, its EventBridge client landing on the simulated bus. */
function produce(run: LabRun, bus: SimEventBus, list: ReturnType<typeof orders>): void {
    const producer = createEventProducer({ client: simulatedEventBridgeClient(bus), busName: BUS, logger: run.logger("event-producer"), metrics: run.metrics("event-producer") });
    run.clock.at(0, async () => {
        for (let i = 0; i < list.length; i += 10) {
            await producer({ orders: list.slice(i, i + 10), correlationId: `lab-batch-${i / 10 + 1}` }, lambdaContext("event-producer", `put-${i}`, () => 30_000));
        }
    });
}

/**
 * What the followed event's bus log shows, step by step, with repeats folded ("INVOCATION_ATTEMPT_THROTTLE ×186"):
 * the path a user reads in the bus's log group.
 */
export function logPath(log: BusLog): string {
    const steps: [BusLogStep, number][] = [];
    for (const r of log.records) {
        const last = steps[steps.length - 1];
        if (last && last[0] === r.message_type) last[1]++;
        else steps.push([r.message_type, 1]);
    }
    return steps.map(([t, n]) => (n > 1 ? `${t} ×${n}` : t)).join(" → ");
}

const queue = (run: LabRun, name: string) => new SimQueue(run.clock, { name, visibilityTimeoutSeconds: 30, retentionSeconds: DLQ_RETENTION_SECONDS, cloudwatch: run.cloudwatch, billing: run.billing });

export const EVENTBRIDGE_TARGET_DLQ: Scenario<"eventRouting"> = {
    name: "eventbridge-target-dlq",
    healthy: { outageHours: "0" },
    title: "An EventBridge target that keeps failing",
    pattern: "eventRouting",
    // INFO: the bus log then shows the followed event received and matched too, not only its failures (ERROR, the stack's default).
    settings: { busLogLevel: "INFO" },
    awsRule: "EventBridge retries a delivery that fails with a retriable error, \"with an exponential back off and jitter\", for 24 hours and up to 185 "
        + "retries (186 attempts) by default, or until the target's maximumRetryAttempts / maximumEventAgeInSeconds; it does not retry an error from "
        + "missing permissions or a target that no longer exists. Then the event goes to the target's DLQ with RULE_ARN, TARGET_ARN, ERROR_CODE, "
        + "ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION and RETRY_ATTEMPTS attributes, or is dropped (EventBridge user guide, \"How EventBridge retries "
        + "delivering events\", \"Using dead-letter queues to process undelivered events\"). AWS publishes no backoff delays: the lab assumes 1 s "
        + "doubling capped at 10 minutes, jittered to 50–100 %. With logging on, the bus logs each step of an event's processing as a record "
        + "(message_type EVENT_RECEIPT, RULE_MATCH, INVOCATION_ATTEMPT_*, INVOCATION_FAILURE, INVOCATION_DLQ, …) at the levels ERROR, INFO or TRACE "
        + "(\"Logging event buses\", \"Amazon EventBridge event bus log schema\").",
    assumes: (p) => (p.failure !== "retriable" ? [] : [{
        name: "EVENTBRIDGE_BACKOFF", value: `retries ${EVENTBRIDGE_BACKOFF.firstMs / 1000} s apart, doubling, capped at ${EVENTBRIDGE_BACKOFF.capMs / 60_000} minutes, each jittered to ${100 * (1 - EVENTBRIDGE_BACKOFF.jitter)}–100 % (AWS: "exponential back off and jitter", no delays)`,
        figures: "when each attempt came, the hours until the DLQ, which limit ran out first (EXHAUSTED_RETRY_CONDITION) and the events waiting over time", detection: true,
    }]),
    params: {
        orders: { default: 20, min: 1, max: 10_000, description: "orders put on the bus (half of them high value)" },
        outageHours: { default: 26, min: 0, max: 48, fraction: true, description: "how long the high-value queue target refuses deliveries" },
        failure: { default: "retriable", choices: ["retriable", "non-retriable"], description: "the target's error: THROTTLING (retried), or NO_PERMISSIONS: a queue policy that refuses EventBridge (not retried)" },
    },
    horizonSeconds: (s, p) => Math.max(s.targetMaximumEventAgeSeconds, Number(p.outageHours) * 3600) + 3600,
    faultStartSeconds: (_s, p) => (Number(p.outageHours) > 0 ? 0 : null), // the target refuses from the start
    faultEndSeconds: (_s, p) => (Number(p.outageHours) > 0 ? Number(p.outageHours) * 3600 : null),
    async run(run, settings, params, go) {
        const list = orders(Number(params.orders), 0);
        // The bus logs at the stack's level; the first event put (order-00001, high value) is followed record by record.
        const bus = new SimEventBus(run.clock, run.random, BUS, { cloudwatch: run.cloudwatch, billing: run.billing, log: { level: settings.busLogLevel, follow: 1 } });
        const highValue = queue(run, "high-value");
        const targetDlq = queue(run, "high-value-target-dlq");
        run.alarms.deadLetterQueue("event-routing-high-value-target-dlq", targetDlq);
        const outageMs = Number(params.outageHours) * 3600 * 1000;
        const retriable = params.failure === "retriable";
        const rule = bus.addRule("high-value", HIGH_VALUE_ORDERS_PATTERN, [{
            id: highValue.arn,
            maximumRetryAttempts: settings.targetMaximumRetryAttempts,
            maximumEventAgeSeconds: settings.targetMaximumEventAgeSeconds,
            deadLetter: targetDlq,
            deliver: (event) => {
                if (run.clock.now >= outageMs) {
                    highValue.send(JSON.stringify(event));
                    return "ok";
                }
                // Documented ERROR_CODE values; the messages are the lab's own (AWS documents none) and say so.
                return retriable
                    ? { error: "THROTTLING", message: "(lab) the queue target is throttling deliveries" }
                    : { error: "NO_PERMISSIONS", message: "(lab) the queue policy does not allow events.amazonaws.com to send" };
            },
        }]);
        const target = rule.targets[0];
        // The target queue's consumer is not part of this scenario; the rule's alarms and the target DLQ's are.
        run.alarms.rule("event-routing-high-value", bus, rule);
        run.timeline.gauge("events retrying", () => target.pending.length, "events");
        run.timeline.gauge("target DLQ depth", () => targetDlq.size, "events");
        run.timeline.gauge("delivered to the queue", () => highValue.size, "events");
        produce(run, bus, list);
        await go();
        const matched = new Set(list.filter((o) => o.amount >= 100).map((o) => o.orderId));
        const dead = orderIdsIn([...targetDlq.messages()].map((m) => m.body));
        const delivered = orderIdsIn([...highValue.messages()].map((m) => m.body));
        const retrying = orderIdsIn(target.pending.map((e) => JSON.stringify(e)));
        const c = conservation(list.map((o) => o.orderId), (id) => dead.has(id) ? "dead-lettered" : retrying.has(id) ? "in-flight" : delivered.has(id) ? "processed" : matched.has(id) ? undefined : "filtered-out");
        const journeys = [...target.journeys.values()];
        const attempts = journeys.map((j) => j.attempts);
        const hoursToDlq = journeys.filter((j) => j.outcome === "dead-lettered").map((j) => (j.endedAt ?? 0) / 3_600_000);
        const attrs = [...targetDlq.messages()][0]?.attributes ?? {};
        const log = bus.log!;
        const path = log.records.map((r) => r.message_type);
        const followed = journeys[0];
        // The path the level shows for how the followed event's delivery ended (INFO and TRACE add the receipt and match).
        const ending: BusLogStep[] = followed?.outcome === "delivered" ? (log.sends("INVOCATION_SUCCESS") ? ["INVOCATION_SUCCESS"] : [])
            : followed?.outcome === "dead-lettered" ? ["INVOCATION_FAILURE", "INVOCATION_DLQ"] : followed?.outcome === "dropped" ? ["INVOCATION_FAILURE"] : [];
        const failedAttempts = path.filter((t) => t.startsWith("INVOCATION_ATTEMPT_") && t !== "INVOCATION_ATTEMPT_START" && t !== "INVOCATION_ATTEMPT_SUCCESS").length;
        const opening: BusLogStep[] = log.sends("EVENT_RECEIPT") ? ["EVENT_RECEIPT", "RULE_MATCH"] : [];
        const pathHolds = opening.every((t, i) => path.filter((p) => p === "EVENT_RECEIPT" || p === "RULE_MATCH")[i] === t)
            && ending.every((t, i) => path[path.length - ending.length + i] === t)
            && failedAttempts === (followed?.outcome === "delivered" ? (followed.attempts ?? 1) - 1 : followed?.attempts ?? 0);
        return {
            conservation: c,
            eventLog: { title: `the bus log of ${list[0].orderId}'s event (level ${settings.busLogLevel}${retriable ? "; retry times follow the assumed EVENTBRIDGE_BACKOFF" : ""})`, level: settings.busLogLevel, path: logPath(log), records: log.records, counts: { ...log.counts } },
            measures: {
                "events put": bus.counts.put,
                "events the rule matched": rule.matched,
                "attempts per event (max)": Math.max(0, ...attempts),
                "retry limit (maximumRetryAttempts)": settings.targetMaximumRetryAttempts,
                "event age limit (h)": settings.targetMaximumEventAgeSeconds / 3600,
                "hours until the DLQ (max; assumed backoff)": hoursToDlq.length > 0 ? Math.round(Math.max(...hoursToDlq) * 100) / 100 : "none",
                "delivered after recovery": target.stats.delivered,
                "events in the target DLQ": targetDlq.size,
                "dropped (no DLQ)": target.stats.dropped,
                "DLQ ERROR_CODE": attrs.ERROR_CODE?.stringValue ?? "none",
                "DLQ EXHAUSTED_RETRY_CONDITION (assumed backoff)": attrs.EXHAUSTED_RETRY_CONDITION?.stringValue ?? "none",
                "DLQ RETRY_ATTEMPTS": attrs.RETRY_ATTEMPTS?.stringValue ?? "none",
                [`bus log records at ${settings.busLogLevel} (all events)`]: log.total,
            },
            expectations: [{
                claim: `the bus log (level ${settings.busLogLevel}) shows the first event's path as it happened: ${opening.length > 0 ? "received, matched, " : ""}one failure record per failed attempt, then how delivery ended`,
                holds: pathHolds,
            }, ...(retriable && outageMs >= settings.targetMaximumEventAgeSeconds * 1000 ? [
                { claim: "each matched event is retried until the retry policy runs out, then sits in the target's DLQ", holds: targetDlq.size === matched.size && attempts.every((a) => a > 1) },
                { claim: `no event is tried more than 1 + maximumRetryAttempts (${settings.targetMaximumRetryAttempts}) times or after maximumEventAgeInSeconds`, holds: attempts.every((a) => a <= settings.targetMaximumRetryAttempts + 1) && hoursToDlq.every((h) => h <= settings.targetMaximumEventAgeSeconds / 3600) },
                { claim: "the DLQ message says why: RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION, RETRY_ATTEMPTS",
                    holds: attrs.RULE_ARN?.stringValue === rule.arn && attrs.TARGET_ARN?.stringValue === highValue.arn && attrs.ERROR_CODE?.stringValue === "THROTTLING"
                        && attrs.ERROR_MESSAGE !== undefined && ["MaximumRetryAttempts", "MaximumEventAgeInSeconds"].includes(attrs.EXHAUSTED_RETRY_CONDITION?.stringValue ?? "")
                        && attrs.RETRY_ATTEMPTS !== undefined },
            ] : retriable ? [
                { claim: "an outage shorter than the retry policy loses nothing: every matched event is delivered after recovery", holds: target.stats.delivered === matched.size && targetDlq.size === 0 },
            ] : [
                { claim: "a non-retriable error (NO_PERMISSIONS) is not retried: each matched event goes to the DLQ after one attempt", holds: targetDlq.size === matched.size && attempts.every((a) => a === 1) && attrs.ERROR_CODE?.stringValue === "NO_PERMISSIONS" },
            ])],
            explanation: (retriable
                ? `The high-value rule matched ${rule.matched} of ${bus.counts.put} events. Its queue target refused deliveries for ${params.outageHours} h with a retriable error, so EventBridge kept retrying `
                + `with growing delays: up to ${Math.max(0, ...attempts)} attempts per event. ${targetDlq.size > 0 ? `When the retry policy ran out (after at most ${hoursToDlq.length ? Math.max(...hoursToDlq).toFixed(1) : 0} h with the lab's assumed backoff: AWS publishes no delays) each event went to the target's DLQ with ERROR_CODE ${attrs.ERROR_CODE?.stringValue} and EXHAUSTED_RETRY_CONDITION ${attrs.EXHAUSTED_RETRY_CONDITION?.stringValue}; without that DLQ EventBridge would have dropped them.` : "The target recovered within the retry policy, so every event was delivered late and none was lost."}`
                : `The queue target's policy refused EventBridge (ERROR_CODE ${attrs.ERROR_CODE?.stringValue ?? "none"}, an error EventBridge does not retry), so the ${targetDlq.size} matched events went straight to the target's DLQ after one attempt each.`)
                + ` The bus log at ${settings.busLogLevel} shows ${list[0].orderId}'s event as ${logPath(log) || "nothing"}; over the run the level sent ${log.total} records.`,
        };
    },
};

export const ASYNC_RETRIES: Scenario<"eventRouting"> = {
    name: "async-retries",
    healthy: { crashEvery: "0" },
    title: "Asynchronous invocation retries, then the on-failure destination",
    pattern: "eventRouting",
    awsRule: "EventBridge invokes a Lambda target asynchronously. On a function error Lambda retries twice by default, one minute and then two minutes later "
        + "(maximumRetryAttempts 0–2), and drops events older than maximumEventAgeInSeconds; a failed event goes to the on-failure destination with a record "
        + "of the request, the condition and the error (Lambda developer guide, invocation-async-error-handling, invocation-async-retain-records).",
    params: {
        orders: { default: 30, min: 1, max: 10_000, description: "orders put on the bus" },
        crashEvery: { default: 5, min: 0, max: 10_000, description: "every n-th order crashes the consumer (0: none)" },
        duplicateRate: { default: 0.05, min: 0, max: 1, fraction: true, description: "share of succeeded events Lambda delivers again (AWS documents that it can, not how often: an assumption)" },
    },
    assumes: [{ name: "duplicateRate", value: "Lambda delivers 5 % of the events that succeeded once more (AWS: \"possible … multiple times\", no rate)", figures: "delivered again after succeeding, and the duplicates processed" }],
    // The last retries end about 3 minutes in; then the on-failure queue's depth alarm needs DLQ_ALARM_SLACK_SECONDS.
    horizonSeconds: () => 300 + DLQ_ALARM_SLACK_SECONDS,
    faultStartSeconds: (_s, p) => (Number(p.crashEvery) > 0 ? 0 : null), // crashing events from the first put
    async run(run, settings, params, go) {
        const list = orders(Number(params.orders), Number(params.crashEvery));
        const bus = new SimEventBus(run.clock, run.random, BUS, { cloudwatch: run.cloudwatch, billing: run.billing });
        const onFailure = queue(run, "eu-orders-on-failure");
        run.alarms.deadLetterQueue("event-routing-eu-orders-on-failure", onFailure);
        const effects = new Effects();
        const step = countingStep(run, effects, { processingMs: 100 });
        const consumer = () => createEventConsumer({ processOrder: step, logger: run.logger("eu-orders-fn"), metrics: run.metrics("eu-orders-fn") }) as AsyncHandler;
        const fn = new AsyncLambda(run.clock, consumer, {
            functionName: "eu-orders-fn",
            functionTimeoutSeconds: settings.functionTimeoutSeconds,
            maximumRetryAttempts: settings.asyncMaximumRetryAttempts,
            maximumEventAgeSeconds: settings.asyncMaximumEventAgeSeconds,
            onFailure,
            overheadMs: 20,
            duplicateRate: Number(params.duplicateRate),
            random: run.random,
            cloudwatch: run.cloudwatch, billing: run.billing, memoryMb: settings.memorySizeMb,
        });
        const rule = bus.addRule("eu-orders", EU_ORDERS_PATTERN, [{
            id: fn.arn, maximumRetryAttempts: settings.targetMaximumRetryAttempts, maximumEventAgeSeconds: settings.targetMaximumEventAgeSeconds,
            deliver: (event) => { fn.invoke(event); return "ok"; },
        }]);
        run.alarms.function("event-routing-eu-orders-fn", fn);
        run.alarms.rule("event-routing-eu-orders", bus, rule);
        run.timeline.gauge("events waiting for a retry", () => fn.waiting.length, "events");
        run.timeline.gauge("on-failure queue depth", () => onFailure.size, "events");
        run.timeline.gauge("succeeded", () => fn.stats.succeeded, "events");
        produce(run, bus, list);
        await go();
        const eu = list.filter((o) => o.region.startsWith("eu-"));
        const crashing = eu.filter((o) => o.simulate === "crash");
        const c = conservation(list.map((o) => o.orderId), orderLocator(effects, [onFailure], [{ bodies: () => fn.waiting.map((e) => JSON.stringify(e)) }],
            (id) => !eu.some((o) => o.orderId === id)));
        // When each crashing event was attempted, relative to its first attempt.
        const byRequest = new Map<string, number[]>();
        for (const a of fn.attemptLog) byRequest.set(a.requestId, [...(byRequest.get(a.requestId) ?? []), a.at]);
        const gaps = [...byRequest.values()].filter((t) => t.length > 1).map((t) => t.slice(1).map((at, i) => at - t[i]));
        const expectedGaps = ASYNC_RETRY_DELAYS_MS.slice(0, settings.asyncMaximumRetryAttempts);
        const record = [...onFailure.messages()][0];
        const condition = record ? JSON.parse(record.body).requestContext.condition : "none";
        const invokeCount = record ? JSON.parse(record.body).requestContext.approximateInvokeCount : 0;
        return {
            conservation: c,
            measures: {
                "events matched (EU, not test)": rule.matched,
                "crashing events": crashing.length,
                "attempts per crashing event": invokeCount,
                "seconds between attempts": gaps[0]?.map((g) => seconds(g)).join(", ") ?? "none",
                "events in the on-failure queue": onFailure.size,
                "on-failure condition": condition,
                succeeded: fn.stats.succeeded,
                "delivered again after succeeding (assumed rate)": fn.stats.duplicatesDelivered,
                "duplicates processed": effects.duplicates,
            },
            expectations: [
                { claim: `each crashing event is attempted 1 + maximumRetryAttempts (${settings.asyncMaximumRetryAttempts}) times`, holds: crashing.length === 0 || [...byRequest.values()].filter((t) => t.length > 1).every((t) => t.length === settings.asyncMaximumRetryAttempts + 1) },
                { claim: "retries come 1 minute, then 2 minutes after the previous attempt ended", holds: gaps.every((g) => g.every((gap, i) => gap >= expectedGaps[i] && gap < expectedGaps[i] + 1000)) },
                { claim: "then the event sits in the on-failure destination with condition RetriesExhausted", holds: onFailure.size === crashing.length && (crashing.length === 0 || condition === "RetriesExhausted") },
                { claim: "an event Lambda delivers again after it succeeded is processed again: this consumer is not idempotent", holds: effects.duplicates === fn.stats.duplicatesDelivered },
            ],
            explanation: `The eu-orders rule matched ${rule.matched} events and EventBridge handed each to Lambda's asynchronous queue. ${crashing.length} crashed the consumer on every attempt: `
                + `Lambda retried each ${settings.asyncMaximumRetryAttempts} times (${gaps[0]?.map((g) => `${seconds(g)} s`).join(" then ") ?? "-"} apart) and then sent it to the on-failure queue `
                + `with condition ${condition} and approximateInvokeCount ${invokeCount}. The others succeeded on their first attempt (${fn.stats.succeeded}); `
                + `${fn.stats.duplicatesDelivered} of them Lambda delivered again without any error (at the lab's assumed ${Number(params.duplicateRate) * 100} %), and the consumer repeated their side effect (${effects.duplicates} duplicates). A permanent error is retried the same way: `
                + "the async consumer cannot report it as such, which is why the queue-based patterns hand permanent failures to their DLQ themselves.",
        };
    },
};
