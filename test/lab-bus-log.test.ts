// The lab's EventBridge bus log: which record types each level sends, in which order, with the schema's fields, and
// that only the followed event's records are built (the rest are counted).
import { strict as assert } from "assert";
import { runScenario, findScenario } from "../lab/runner";
import { VirtualClock } from "../lab/sim/clock";
import { BusLogLevel, BusLogOptions, BUS_LOG_STEPS, SimEventBus, TargetDelivery } from "../lab/sim/eventbridge";
import { SimQueue } from "../lab/sim/sqs";
import { Billing } from "../lab/cost/billing";

const ORDER = JSON.stringify({ orderId: "o-1", amount: 150 });
const PATTERN = { source: ["lab.orders"] };

/** A bus with one rule and one queue target with a DLQ; `deliver` decides each attempt. Puts `entries` and runs a day. */
async function busRun(log: BusLogOptions, deliver: TargetDelivery, entries: { source: string }[] = [{ source: "lab.orders" }], maximumRetryAttempts = 3) {
    const clock = new VirtualClock();
    const bus = new SimEventBus(clock, () => 0.5, "b", { log });
    const dlq = new SimQueue(clock, { name: "dlq", visibilityTimeoutSeconds: 30 });
    bus.addRule("r", PATTERN, [{ id: "arn:aws:sqs:us-east-1:123456789012:q", deliver, maximumRetryAttempts, maximumEventAgeSeconds: 86_400, deadLetter: dlq }]);
    const ids = entries.map((e) => bus.put({ Source: e.source, DetailType: "OrderPlaced", Detail: ORDER }));
    await clock.run(86_400_000);
    return { bus, ids, log: bus.log!, dlq };
}

const throttled: TargetDelivery = () => ({ error: "THROTTLING", message: "slow down" });
const types = (log: { records: { message_type: string }[] }) => log.records.map((r) => r.message_type);

describe("lab: EventBridge bus logs (Logging event buses, event bus log schema)", () => {
    it("at ERROR a failing delivery logs each failed attempt, then INVOCATION_FAILURE and INVOCATION_DLQ; nothing of the receipt or match", async () => {
        const { log } = await busRun({ level: "ERROR", follow: 1 }, throttled);
        assert.deepEqual(types(log), [...Array(4).fill("INVOCATION_ATTEMPT_THROTTLE"), "INVOCATION_FAILURE", "INVOCATION_DLQ"]);
        assert.ok(log.records.every((r) => r.log_level === "ERROR"));
        // Each failure record carries the schema's error object; the DLQ record names the DLQ instead.
        assert.ok(log.records.slice(0, 5).every((r) => r.error?.aws_service === "sqs" && r.error.error_message.startsWith("THROTTLING")));
        assert.equal(log.records[5].details.dead_letter_arn, "arn:aws:sqs:us-east-1:123456789012:dlq");
    });

    it("at TRACE a delivered event logs every step in order, one invocation ID for its attempts, the bus's ARN and level on each record", async () => {
        let calls = 0;
        const { log, ids, bus } = await busRun({ level: "TRACE", follow: 1 }, () => (++calls === 1 ? { error: "INTERNAL_ERROR", message: "x" } : "ok"));
        assert.deepEqual(types(log), ["EVENT_RECEIPT", "EVENT_INGEST_SUCCESS", "RULE_MATCH_START", "RULE_MATCH", "INVOCATION_START",
            "INVOCATION_ATTEMPT_START", "INVOCATION_ATTEMPT_RETRYABLE_FAILURE", "INVOCATION_ATTEMPT_START", "INVOCATION_ATTEMPT_SUCCESS", "INVOCATION_SUCCESS"]);
        assert.ok(log.records.every((r) => r.resource_arn === bus.arn && r.event_id === ids[0] && r.log_level === "TRACE"));
        const invocations = new Set(log.records.filter((r) => r.message_type.startsWith("INVOCATION_")).map((r) => r.invocation_id));
        assert.equal(invocations.size, 1);
        assert.ok(!invocations.has(undefined));
        // The retry came after the first attempt, and the timestamps say so.
        const attempts = log.records.filter((r) => r.message_type === "INVOCATION_ATTEMPT_START").map((r) => r.message_timestamp_ms);
        assert.ok(attempts[1] > attempts[0]);
    });

    it("a non-retriable error is one INVOCATION_ATTEMPT_PERMANENT_FAILURE; an event no rule matches is NO_STANDARD_RULES_MATCHED", async () => {
        const { log } = await busRun({ level: "INFO", follow: 1 }, () => ({ error: "NO_PERMISSIONS", message: "denied" }), [{ source: "lab.orders" }, { source: "other" }]);
        assert.deepEqual(types(log), ["EVENT_RECEIPT", "EVENT_INGEST_SUCCESS", "RULE_MATCH", "INVOCATION_START", "INVOCATION_ATTEMPT_PERMANENT_FAILURE", "INVOCATION_FAILURE", "INVOCATION_DLQ"]);
        assert.equal(log.counts.NO_STANDARD_RULES_MATCHED, 1);
        assert.equal(log.counts.EVENT_RECEIPT, 2);
    });

    it("only the followed event's records are built; every event is counted, and the counts follow the level", async () => {
        const entries = Array.from({ length: 5 }, () => ({ source: "lab.orders" }));
        const counts: Partial<Record<BusLogLevel, number>> = {};
        for (const level of ["ERROR", "INFO", "TRACE"] as const) {
            const { log, ids } = await busRun({ level, follow: 3 }, throttled, entries);
            assert.ok(log.records.every((r) => r.event_id === ids[2]), level);
            assert.equal(log.counts.INVOCATION_DLQ, 5, level);
            // A level sends exactly the steps at or below it: ERROR's at ERROR; INFO's from INFO; TRACE's at TRACE only.
            for (const step of Object.keys(BUS_LOG_STEPS) as (keyof typeof BUS_LOG_STEPS)[]) {
                if (log.counts[step]) assert.ok(log.sends(step), `${level} sent ${step}`);
            }
            assert.equal(log.counts.RULE_MATCH_START !== undefined, level === "TRACE", level);
            assert.equal(log.counts.EVENT_RECEIPT !== undefined, level !== "ERROR", level);
            counts[level] = log.total;
        }
        assert.ok(counts.ERROR! < counts.INFO! && counts.INFO! < counts.TRACE!, JSON.stringify(counts));
    });

    it("the bus's log bytes are billed as vended logs: each record counted at its type's size, the followed event's exactly", async () => {
        const clock = new VirtualClock();
        const billing = new Billing();
        const bus = new SimEventBus(clock, () => 0.5, "b", { log: { level: "INFO", follow: 1 }, billing });
        bus.addRule("r", PATTERN, [{ id: "arn:aws:sqs:us-east-1:123456789012:q", deliver: throttled, maximumRetryAttempts: 2, maximumEventAgeSeconds: 86_400 }]);
        bus.put({ Source: "lab.orders", DetailType: "OrderPlaced", Detail: ORDER });
        await clock.run(3_600_000);
        const meter = billing.meters.find((m) => m.resource === "b bus logs")!;
        const [line] = meter.usage(clock.now);
        assert.equal(line.price, "cloudwatch.logs.vended-ingestion");
        assert.equal(line.quantity, bus.log!.records.reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r)), 0));
        assert.ok(line.quantity > 0);
    });

    it("OFF builds no log; a refused entry counts EVENT_INGEST_FAILURE", async () => {
        const clock = new VirtualClock();
        assert.equal(new SimEventBus(clock, () => 0.5, "off", { log: { level: "OFF" } }).log, undefined);
        const bus = new SimEventBus(clock, () => 0.5, "on", { log: { level: "ERROR" } });
        assert.throws(() => bus.put({ Source: "s", DetailType: "d", Detail: "[1]" }), /MalformedDetail|malformed/);
        assert.equal(bus.log!.counts.EVENT_INGEST_FAILURE, 1);
    });

    it("eventbridge-target-dlq at the stack's default level (ERROR) shows the first event's failures and DLQ, and the runner checks it", async () => {
        const r = await runScenario(findScenario("eventbridge-target-dlq"), { sets: { orders: "2", busLogLevel: "ERROR" } });
        assert.equal(r.eventLog?.level, "ERROR");
        assert.match(r.eventLog!.path, /^INVOCATION_ATTEMPT_THROTTLE ×186 → INVOCATION_FAILURE → INVOCATION_DLQ$/);
        assert.ok(r.expectations.every((e) => e.holds), JSON.stringify(r.expectations));
        const info = await runScenario(findScenario("eventbridge-target-dlq"), { sets: { orders: "2" } });
        assert.match(info.eventLog!.path, /^EVENT_RECEIPT → EVENT_INGEST_SUCCESS → RULE_MATCH → INVOCATION_START → INVOCATION_ATTEMPT_THROTTLE ×186 → INVOCATION_FAILURE → INVOCATION_DLQ$/);
    });
});
