import { strict as assert } from "assert";
import type { SQSMessageAttributes } from "aws-lambda";
import { directCorrelationId, eventBridgeCorrelationId, readSqsRecord } from "../functions/shared/correlation";
import { eventBridgeEvent, snsEnvelope, sqsRecord, stringAttribute } from "./fixtures/aws-events";

const order = { orderId: "o-1", amount: 120, region: "eu-west-1" };

describe("correlation IDs across event shapes", () => {
    it("SQS record: the correlationId String attribute", () => {
        const record = sqsRecord(order, { correlationId: "corr-sqs" });
        assert.deepEqual(readSqsRecord(record), { correlationId: "corr-sqs", origin: "sqs", payload: order });
    });

    it("SQS record: falls back to the messageId when the attribute is missing, empty, not a String, or malformed", () => {
        const cases: SQSMessageAttributes[] = [{}, { correlationId: stringAttribute("") }, { correlationId: stringAttribute("42", "Number") },
            { correlationId: stringAttribute("has space") }, { correlationId: stringAttribute("x".repeat(129)) }];
        for (const messageAttributes of cases) {
            const record = sqsRecord(order, { messageAttributes });
            assert.equal(readSqsRecord(record).correlationId, record.messageId, JSON.stringify(messageAttributes));
        }
    });

    it("SNS with raw delivery: the message is the body and its attributes are SQS attributes", () => {
        const record = sqsRecord(order, { messageAttributes: { correlationId: stringAttribute("corr-raw"), region: stringAttribute("eu-west-1") } });
        assert.deepEqual(readSqsRecord(record), { correlationId: "corr-raw", origin: "sqs", payload: order });
    });

    it("SNS without raw delivery: unwraps the envelope and reads the attribute from it", () => {
        const record = sqsRecord(snsEnvelope(order, { correlationId: "corr-envelope", eventType: "order.placed" }));
        assert.deepEqual(readSqsRecord(record), { correlationId: "corr-envelope", origin: "sns", payload: order });
    });

    it("SNS envelope without the attribute, or with a malformed one: the messageId", () => {
        for (const attributes of [{}, { correlationId: "bad id" }] as Record<string, string>[]) {
            const record = sqsRecord(snsEnvelope(order, attributes));
            assert.deepEqual(readSqsRecord(record), { correlationId: record.messageId, origin: "sns", payload: order });
        }
    });

    it("SNS envelope whose Message is not JSON: a problem, still with its correlation ID", () => {
        const record = sqsRecord(snsEnvelope("plain text", { correlationId: "corr-text" }));
        assert.deepEqual(readSqsRecord(record), { correlationId: "corr-text", origin: "sns", problem: "SNS Message is not valid JSON" });
    });

    it("EventBridge event delivered to SQS: the detail's correlationId, else the event id", () => {
        const withId = sqsRecord(eventBridgeEvent({ ...order, correlationId: "corr-eb" }));
        assert.deepEqual(readSqsRecord(withId), { correlationId: "corr-eb", origin: "eventbridge", payload: { ...order, correlationId: "corr-eb" } });
        const without = sqsRecord(eventBridgeEvent(order, { id: "evt-123" }));
        assert.equal(readSqsRecord(without).correlationId, "evt-123");
    });

    it("malformed body: a problem, with the attribute's ID or the messageId", () => {
        assert.deepEqual(readSqsRecord(sqsRecord("{oops", { correlationId: "corr-bad" })), { correlationId: "corr-bad", origin: "sqs", problem: "body is not valid JSON" });
        const bare = sqsRecord("{oops");
        assert.equal(readSqsRecord(bare).correlationId, bare.messageId);
    });

    it("EventBridge event invoked directly: detail.correlationId, else the event id; a malformed one is ignored", () => {
        assert.equal(eventBridgeCorrelationId(eventBridgeEvent({ correlationId: "corr-direct" })), "corr-direct");
        assert.equal(eventBridgeCorrelationId(eventBridgeEvent({ correlationId: 12 }, { id: "evt-9" })), "evt-9");
        assert.equal(eventBridgeCorrelationId(eventBridgeEvent(null, { id: "evt-10" })), "evt-10");
    });

    it("direct invoke: the given correlationId, else a new UUID", () => {
        assert.equal(directCorrelationId({ correlationId: "corr-cli" }), "corr-cli");
        for (const input of [{}, null, { correlationId: "" }, { correlationId: "a b" }]) {
            assert.match(directCorrelationId(input), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        }
    });
});
