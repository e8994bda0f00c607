// The SQS consumers against hostile records, as properties over seeded random batches (fast-check): malformed
// bodies, payloads of the wrong shape, wrong attribute types, unicode, JSON escapes of characters SQS refuses,
// duplicate message IDs in one batch, up to the largest batch an event source mapping delivers. Whatever the batch:
// every record ends processed, reported failed (SQS redelivers it) or in the DLQ, never two of these and never none;
// one record never fails the whole batch; every failure is classified and logged with the record's correlation ID.
// The DLQ is the lab's SQS, which refuses what SQS refuses. Seeded and bounded: the same cases on every run.
import { strict as assert } from "assert";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { SQSRecord } from "aws-lambda";
import fc from "fast-check";
import { sqsSafeText } from "../functions/shared/aws-limits";
import { createHandler } from "../functions/queue-worker";
import { simulatedSqsClient } from "../lab/sim/clients";
import { VirtualClock } from "../lab/sim/clock";
import { SimQueue } from "../lab/sim/sqs";
import { eventBridgeEvent, lambdaContext, snsEnvelope, sqsEvent, sqsRecord, stringAttribute } from "./fixtures/aws-events";
import { captureOutput, emfLines, logLines } from "./stdout";

/** One seed for the suite: a failure names its counterexample, and the same seed replays it. */
const SEED = 23;
const MAX_RECEIVE_COUNT = 5;

/** What a generated record should come to, known from how it was made (not from the handler's parser). */
type Fate = "processed" | "dead-lettered" | "reported";
interface Case {
    record: SQSRecord;
    fate: Fate;
    /** The correlation ID its log lines must carry (correlation.ts's documented order of sources); undefined: its message ID. */
    correlationId: string | undefined;
    /** The error class of its failure, if it fails. */
    errorClass?: "permanent" | "transient" | "poison";
}

/** Text SQS could have delivered: any unicode, with the characters SQS refuses replaced (a body never holds them). */
// (Code points, not fc.string's "binary" unit: building that unit's reverse map costs 0.6 s at load.)
const codePoint = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0x10000, max: 0x10ffff }));
const deliverable = (max: number) => fc.array(codePoint, { maxLength: max }).map((cps) => sqsSafeText(String.fromCodePoint(...cps)));
/** JSON escapes of characters SQS refuses in a body: valid JSON text that decodes to them. */
const refusedEscape = fc.constantFrom(String.raw`\uFFFF`, String.raw`\uFFFE`, String.raw`\u0000`, String.raw`\u0008`, String.raw`\uD800`, String.raw`\uDFFF`);

/** A correlation ID the handler accepts: printable ASCII without spaces, 1–128 characters. */
const validId = fc.array(fc.integer({ min: 0x21, max: 0x7e }), { minLength: 1, maxLength: 128 }).map((codes) => String.fromCharCode(...codes));
/** Values the handler must not trust as a correlation ID. */
const invalidId = fc.oneof(fc.constant(""), fc.constant("has space"), fc.integer({ min: 129, max: 140 }).map((n) => "a".repeat(n)), deliverable(20).filter((s) => !/^[\x21-\x7e]{1,128}$/.test(s)));

/** A valid order, its text fields in any unicode (as JSON escapes where SQS would refuse the raw character). */
const validOrder = fc.record({
    orderId: fc.oneof(deliverable(30).filter((s) => s.length > 0), fc.tuple(deliverable(5), refusedEscape).map(([a, e]) => `${a}${e}`)),
    amount: fc.oneof(fc.integer({ min: 1, max: 1_000_000 }), fc.double({ min: 0.01, max: 1e9, noNaN: true })),
    region: fc.option(deliverable(15), { nil: undefined }),
}, { requiredKeys: ["orderId", "amount"] });

/** A payload that is JSON but not an order, by construction, with the reason a wrong field gives. */
const wrongShape = fc.oneof(
    fc.constantFrom("[1,2]", "null", "42", "\"order\"", "true", "{}"),
    validOrder.chain((o) => fc.constantFrom(
        { ...o, amount: -1 }, { ...o, amount: "12" }, { ...o, amount: null }, { ...o, orderId: 7 }, { ...o, orderId: "" }, { ...o, region: 3 },
    )).map((o) => JSON.stringify(o)),
    // simulate set to what parseOrder refuses: its error message quotes the value, refused characters included
    fc.tuple(validOrder, fc.oneof(deliverable(10).filter((v) => v !== "transient" && v !== "crash").map((v) => JSON.stringify(v)), refusedEscape.map((e) => `"${e}"`)))
        .map(([o, literal]) => JSON.stringify({ ...o, simulate: 0 }).replace('"simulate":0', `"simulate":${literal}`)),
);

/** The JSON text of an order with its raw-refused characters written as escapes. */
const orderJson = (o: object) => JSON.stringify(o).replace(/\\\\u([0-9A-F]{4})/g, "\\u$1");

interface Body { text: string; fate: Fate; transient?: boolean; envelope?: { attribute?: string }; detailId?: { id: string; correlationId?: unknown } }

/** Bodies of every shape the consumers read: plain, SNS-enveloped (valid or broken Message), EventBridge events. */
const body: fc.Arbitrary<Body> = fc.oneof(
    validOrder.map((o) => ({ text: orderJson(o), fate: "processed" as const })),
    validOrder.map((o) => ({ text: orderJson({ ...o, simulate: "transient" }), fate: "reported" as const, transient: true })),
    wrongShape.map((text) => ({ text, fate: "dead-lettered" as const })),
    // Not JSON; never empty: SQS takes no empty body ("The minimum size is one character").
    deliverable(60).filter((s) => { if (s.length === 0) return false; try { JSON.parse(s); return false; } catch { return true; } }).map((text) => ({ text, fate: "dead-lettered" as const })),
    fc.tuple(validOrder, fc.option(fc.oneof(validId, invalidId), { nil: undefined })).map(([o, attribute]) => ({
        text: snsEnvelope(orderJson(o), attribute === undefined ? {} : { correlationId: attribute }), fate: "processed" as const, envelope: { attribute },
    })),
    fc.tuple(deliverable(20), fc.option(validId, { nil: undefined })).map(([message, attribute]) => ({
        text: snsEnvelope(`{${message}`, attribute === undefined ? {} : { correlationId: attribute }), fate: "dead-lettered" as const, envelope: { attribute },
    })),
    fc.tuple(validOrder, fc.uuid(), fc.option(fc.oneof(validId, invalidId, fc.integer()), { nil: undefined })).map(([o, id, correlationId]) => ({
        text: JSON.stringify(eventBridgeEvent(correlationId === undefined ? o : { ...o, correlationId }, { id })), fate: "processed" as const, detailId: { id, correlationId },
    })),
);

/** Message attributes as Lambda shows them, up to SQS's 10: any names, String/Number/Binary, a correlationId of any type. */
const attributes = fc.tuple(
    fc.uniqueArray(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,15}$/).filter((n) => n !== "correlationId"), { maxLength: 9 }),
    fc.option(fc.oneof(
        validId.map((v) => ({ kind: "valid", value: stringAttribute(v) })),
        invalidId.filter((v) => v.length > 0).map((v) => ({ kind: "invalid", value: stringAttribute(v) })), // SQS has no empty values
        validId.map((v) => ({ kind: "wrong-type", value: stringAttribute(v, "Number") })),
        validId.map((v) => ({ kind: "wrong-type", value: { dataType: "Binary", binaryValue: Buffer.from(v).toString("base64"), stringListValues: [], binaryListValues: [] } })),
    ), { nil: undefined }),
    deliverable(20).filter((s) => s.length > 0),
);

const messageId = fc.uuid();
const valid = (v: unknown): v is string => typeof v === "string" && /^[\x21-\x7e]{1,128}$/.test(v);

/** A record from a body, attributes, an ID and a receive count, with what it should come to. */
const record: fc.Arbitrary<Case> = fc.tuple(body, attributes, messageId, fc.integer({ min: 1, max: MAX_RECEIVE_COUNT + 1 })).map(([b, [names, correlation, value], id, receiveCount]) => {
    const messageAttributes: SQSRecord["messageAttributes"] = Object.fromEntries(names.map((n, i) => [n, i % 3 === 0 ? stringAttribute(String(i), "Number") : stringAttribute(value)]));
    if (correlation) messageAttributes.correlationId = correlation.value as SQSRecord["messageAttributes"][string];
    const r = sqsRecord(b.text, { messageId: id, messageAttributes, receiveCount });
    // correlation.ts: the record's String attribute, else the SNS envelope's, else the EventBridge detail's or event id, else the message ID.
    const fromAttribute = correlation?.kind === "valid" ? (correlation.value as { stringValue: string }).stringValue : undefined;
    const fromEnvelope = b.envelope && valid(b.envelope.attribute) ? b.envelope.attribute : undefined;
    const fromEvent = b.detailId ? (valid(b.detailId.correlationId) ? b.detailId.correlationId : b.detailId.id) : undefined;
    const correlationId = fromAttribute ?? fromEnvelope ?? fromEvent;
    const errorClass = b.fate === "dead-lettered" ? "permanent" : b.transient ? (receiveCount >= MAX_RECEIVE_COUNT ? "poison" : "transient") : undefined;
    return { record: r, fate: b.fate, correlationId, errorClass };
});

/** A batch, sometimes with a message ID repeated (SQS delivering one message twice in a batch). */
const batch = (maxLength: number) => fc.tuple(fc.array(record, { minLength: 1, maxLength }), fc.array(fc.nat(), { maxLength: 3 })).map(([cases, repeats]) => {
    const ids = cases.map((c) => c.record.messageId);
    for (const r of repeats) ids[(r * 7 + 1) % ids.length] = ids[r % ids.length];
    return cases.map((c, i) => (ids[i] === c.record.messageId ? c : { ...c, record: { ...c.record, messageId: ids[i] } }));
});

function worker() {
    const dlq = new SimQueue(new VirtualClock(), { name: "queue-worker-dlq", visibilityTimeoutSeconds: 30 });
    const processed: string[] = [];
    const handler = createHandler({
        processOrder: async (order) => {
            if (order.simulate === "transient") throw Object.assign(new Error("downstream unavailable"), { name: "TransientError" });
            processed.push(order.orderId);
        },
        logger: new Logger({ serviceName: "queue-worker", logLevel: "ERROR" }), // the "record failed" lines; fewer lines to parse
        metrics: new Metrics({ namespace: "ServerlessPatternsLab", serviceName: "queue-worker" }),
        maxReceiveCount: MAX_RECEIVE_COUNT,
        deadLetter: { queueUrl: dlq.url, sqs: simulatedSqsClient([dlq]) },
    });
    return { handler, dlq, processed };
}

const tally = (ids: string[]) => ids.reduce((m, id) => m.set(id, (m.get(id) ?? 0) + 1), new Map<string, number>());

/** Runs one batch and checks every property; returns nothing, throws on the first broken one. */
async function checkBatch(cases: Case[]): Promise<void> {
    const { handler, dlq } = worker();
    const limit = Error.stackTraceLimit;
    const env = process.env;
    Error.stackTraceLimit = 10;
    // A plain copy of the environment, and POWERTOOLS_DEV "false" (what unset means to Powertools, without the error it
    // throws and catches per logger when unset): the handler's work, not Node's environment accessors, is what is timed.
    process.env = { ...env, POWERTOOLS_DEV: "false" };
    const out = await captureOutput(() => handler(sqsEvent(cases.map((c) => c.record)), lambdaContext()));
    Error.stackTraceLimit = limit;
    process.env = env;
    const records = cases.map((c) => c.record);
    const everyFailed = cases.every((c) => c.fate === "reported");
    if (out.error !== undefined) {
        // Powertools fails the invocation only when every record failed: one record never takes its batch-mates down.
        assert.equal((out.error as Error).name, "FullBatchFailureError", String(out.error));
        assert.ok(everyFailed, "the whole batch failed although some record should have succeeded");
    }
    const reported = out.error !== undefined ? records.map((r) => r.messageId) : (out.result as { batchItemFailures: { itemIdentifier: string }[] }).batchItemFailures.map((f) => f.itemIdentifier);
    const emf = emfLines(out.lines);
    const processed = emf.filter((l) => l.RecordsProcessed !== undefined).map((l) => l.message_id as string);
    const dead = emf.filter((l) => l.SentToDlq !== undefined).map((l) => l.message_id as string);
    // Every record ends exactly one way: by message ID, processed + in the DLQ + reported = delivered.
    const ended = tally([...processed, ...dead, ...reported]);
    assert.deepEqual(ended, tally(records.map((r) => r.messageId)), "every record processed, dead-lettered or reported, once");
    // ... and the way it should, from how it was made.
    for (const fate of ["processed", "dead-lettered", "reported"] as const) {
        const got = fate === "processed" ? processed : fate === "dead-lettered" ? dead : reported;
        assert.deepEqual(tally(got), tally(cases.filter((c) => c.fate === fate).map((c) => c.record.messageId)), `${fate}`);
    }
    // The DLQ holds exactly the dead-lettered records' bodies, each with its source message ID when there was room.
    assert.deepEqual([...dlq.messages()].map((m) => m.body).sort(), cases.filter((c) => c.fate === "dead-lettered").map((c) => c.record.body).sort());
    // Every failure is classified and logged with the record's correlation ID and message ID.
    const failed = logLines(out.lines).filter((l) => l.message === "record failed").map((l) => `${l.message_id} ${l.correlation_id} ${l.error_class}`);
    const expected = cases.filter((c) => c.fate !== "processed").map((c) => `${c.record.messageId} ${c.correlationId ?? c.record.messageId} ${c.errorClass}`);
    assert.deepEqual(failed.sort(), expected.sort(), "one 'record failed' line per failure, with its class and correlation ID");
}

describe("SQS consumers against hostile records (property-based, fast-check, seeded)", () => {
    it("any batch of up to 20 records: each ends processed, reported or in the DLQ, as it should; failures classified and logged with their correlation ID (100 batches)", async () => {
        await fc.assert(fc.asyncProperty(batch(20), checkBatch), { seed: SEED, numRuns: 100 });
    });

    it("the largest batch an event source mapping delivers (10,000 records, a standard queue's maximum batch size) ends the same way", async () => {
        // 500 generated records of every kind, each delivered 20 times under its own message ID (generating 10,000 costs 1.5 s).
        const kinds = fc.sample(record, { seed: SEED, numRuns: 500 });
        const cases = Array.from({ length: 10_000 }, (_, i) => {
            const c = kinds[i % kinds.length];
            return { ...c, record: { ...c.record, messageId: `${String(i).padStart(8, "0")}-0000-4000-8000-${c.record.messageId.slice(-12)}` } };
        });
        await checkBatch(cases);
    });
});
