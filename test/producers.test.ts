import { strict as assert } from "assert";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { PublishBatchCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { createHandler as createEventProducer } from "../functions/event-producer";
import { createHandler as createEventConsumer } from "../functions/event-consumer";
import { createHandler as createFanOutProducer } from "../functions/fan-out-producer";
import { PermanentError } from "../functions/shared/errors";
import { Order } from "../functions/shared/order";
import { UnsentEntriesError } from "../functions/shared/send-batches";
import { eventBridgeEvent, lambdaContext } from "./fixtures/aws-events";
import { captureOutput, emfLines, logLines } from "./stdout";

const BUS = "event-routing-bus-1234567";
const TOPIC = "arn:aws:sns:us-east-1:123456789012:fan-out-topic-1a2b3c4";
const orders = (n: number) => Array.from({ length: n }, (_, i) => ({ orderId: `o-${i}`, amount: 50 + i * 10, region: i % 2 ? "eu-west-1" : "us-east-1", channel: "web" }));
const observability = () => ({ logger: new Logger({ serviceName: "producer" }), metrics: new Metrics({ namespace: "ServerlessPatternsLab", serviceName: "producer" }) });

describe("event producer", () => {
    // The mock patches every client while this suite runs; restored after, so no other suite sees it.
    let eventBridge: ReturnType<typeof mockClient>;
    before(() => { eventBridge = mockClient(EventBridgeClient); });
    after(() => eventBridge.restore());
    let delays: number[];
    const producer = () => {
        delays = [];
        return createEventProducer({
            client: new EventBridgeClient({ region: "us-east-1" }), busName: BUS, ...observability(),
            send: { delay: async (ms) => { delays.push(ms); } },
        });
    };
    beforeEach(() => eventBridge.reset());

    it("puts one OrderPlaced event per order on this bus, in batches of 10, each carrying the correlation ID", async () => {
        let next = 0;
        eventBridge.on(PutEventsCommand).callsFake((input) => ({ FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: `evt-${next++}` })) }));
        const out = await captureOutput(() => producer()({ orders: orders(15), correlationId: "corr-eb-1" }, lambdaContext("producer")));
        assert.equal(out.error, undefined);
        assert.deepEqual(out.result, { correlationId: "corr-eb-1", eventIds: Array.from({ length: 15 }, (_, i) => `evt-${i}`) });
        const calls = eventBridge.commandCalls(PutEventsCommand);
        assert.deepEqual(calls.map((c) => c.args[0].input.Entries!.length), [10, 5]);
        const entries = calls.flatMap((c) => c.args[0].input.Entries!);
        entries.forEach((entry, i) => {
            assert.equal(entry.EventBusName, BUS);
            assert.equal(entry.Source, "lab.orders");
            assert.equal(entry.DetailType, "OrderPlaced");
            assert.deepEqual(JSON.parse(entry.Detail!), { ...orders(15)[i], correlationId: "corr-eb-1" });
        });
        assert.ok(logLines(out.lines).filter((l) => l.message === "events put").every((l) => l.correlation_id === "corr-eb-1"));
    });

    it("retries only the entries PutEvents refused with a retryable code (FailedEntryCount > 0), with backoff", async () => {
        eventBridge.on(PutEventsCommand)
            .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: "evt-a" }, { ErrorCode: "ThrottlingException", ErrorMessage: "Rate exceeded" }, { EventId: "evt-c" }] })
            .resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: "evt-b" }] });
        const out = await captureOutput(() => producer()({ orders: orders(3) }, lambdaContext("producer")));
        assert.deepEqual((out.result as { eventIds: string[] }).eventIds, ["evt-a", "evt-b", "evt-c"]);
        const retried = eventBridge.commandCalls(PutEventsCommand)[1].args[0].input.Entries!;
        assert.deepEqual(retried.map((e) => JSON.parse(e.Detail!).orderId), ["o-1"]);
        assert.deepEqual(delays, [100]);
    });

    it("surfaces entries that never go through: a non-retryable code at once, a retryable one after 3 attempts", async () => {
        eventBridge.on(PutEventsCommand).callsFake((input) => ({
            FailedEntryCount: 2,
            Entries: input.Entries.map((e: { Detail: string }) => {
                const id = JSON.parse(e.Detail).orderId;
                if (id === "o-0") return { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed." };
                if (id === "o-1") return { ErrorCode: "InternalFailure", ErrorMessage: "Internal failure" };
                return { EventId: `evt-${id}` };
            }),
        }));
        const out = await captureOutput(() => producer()({ orders: orders(3) }, lambdaContext("producer")));
        assert.ok(out.error instanceof UnsentEntriesError);
        assert.equal(out.error.message, "2 of 3 entries not sent (1 sent): o-0: MalformedDetail: Detail is malformed.; o-1: InternalFailure: Internal failure");
        assert.deepEqual(eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!.length), [3, 1, 1]);
        assert.deepEqual(delays, [100, 200]);
        const failure = logLines(out.lines).find((l) => l.message === "producing events failed");
        assert.ok(failure && failure.level === "ERROR");
    });

    it("rejects an invalid order before sending anything, naming its index and field", async () => {
        const out = await captureOutput(() => producer()({ orders: [orders(1)[0], { orderId: "o-x" }] }, lambdaContext("producer")));
        assert.ok(out.error instanceof PermanentError);
        assert.equal(out.error.message, "orders[1]: amount must be a positive number");
        assert.equal(eventBridge.commandCalls(PutEventsCommand).length, 0);
    });
});

describe("fan-out producer", () => {
    let sns: ReturnType<typeof mockClient>;
    before(() => { sns = mockClient(SNSClient); });
    after(() => sns.restore());
    const producer = () => createFanOutProducer({ client: new SNSClient({ region: "us-east-1" }), topicArn: TOPIC, ...observability(), send: { delay: async () => undefined } });
    beforeEach(() => sns.reset());

    it("publishes each order with well-formed String attributes (correlation ID, event type, region) and the type in the body", async () => {
        sns.on(PublishBatchCommand).callsFake((input) => ({ Successful: input.PublishBatchRequestEntries.map((e: { Id: string }) => ({ Id: e.Id, MessageId: `msg-${e.Id}` })), Failed: [] }));
        const sent = orders(2);
        const out = await captureOutput(() => producer()({ orders: sent, correlationId: "corr-sns-1" }, lambdaContext("producer")));
        assert.deepEqual(out.result, { correlationId: "corr-sns-1", messageIds: ["msg-0", "msg-1"] });
        const call = sns.commandCalls(PublishBatchCommand)[0].args[0].input;
        assert.equal(call.TopicArn, TOPIC);
        call.PublishBatchRequestEntries!.forEach((entry, i) => {
            assert.deepEqual(JSON.parse(entry.Message!), { type: "order.placed", ...sent[i], correlationId: "corr-sns-1" });
            assert.deepEqual(entry.MessageAttributes, {
                correlationId: { DataType: "String", StringValue: "corr-sns-1" },
                eventType: { DataType: "String", StringValue: "order.placed" },
                region: { DataType: "String", StringValue: sent[i].region },
            });
        });
        assert.equal(emfLines(out.lines).find((l) => l.MessagesPublished !== undefined)?.MessagesPublished, 2);
    });

    it("does not retry an entry SNS blames on the sender, and says so", async () => {
        sns.on(PublishBatchCommand).resolves({
            Successful: [{ Id: "0", MessageId: "msg-0" }],
            Failed: [{ Id: "1", Code: "InvalidParameter", Message: "Invalid attribute", SenderFault: true }],
        });
        const out = await captureOutput(() => producer()({ orders: orders(2) }, lambdaContext("producer")));
        assert.ok(out.error instanceof UnsentEntriesError);
        assert.equal(out.error.message, "1 of 2 entries not sent (1 sent): o-1: InvalidParameter: Invalid attribute");
        assert.equal(sns.commandCalls(PublishBatchCommand).length, 1);
    });

    it("retries a server-side failure and succeeds", async () => {
        sns.on(PublishBatchCommand)
            .resolvesOnce({ Successful: [], Failed: [{ Id: "0", Code: "InternalError", Message: "try again", SenderFault: false }] })
            .resolvesOnce({ Successful: [{ Id: "0", MessageId: "msg-0" }], Failed: [] });
        const out = await captureOutput(() => producer()(orders(1)[0], lambdaContext("producer")));
        assert.deepEqual((out.result as { messageIds: string[] }).messageIds, ["msg-0"]);
    });
});

describe("event consumer (async EventBridge target)", () => {
    const consumer = (seen: Order[]) => createEventConsumer({
        ...observability(),
        processOrder: async (order, logger) => { seen.push(order); logger.info("handled"); if (order.simulate) throw new Error("simulated"); },
    });

    it("processes the event's detail and logs with the correlation ID from the detail", async () => {
        const seen: Order[] = [];
        const out = await captureOutput(() => consumer(seen)(eventBridgeEvent({ orderId: "o-1", amount: 150, correlationId: "corr-eb-2" }), lambdaContext("consumer")));
        assert.equal(out.error, undefined);
        assert.equal(seen.length, 1);
        const handled = logLines(out.lines).find((l) => l.message === "handled");
        assert.equal(handled?.correlation_id, "corr-eb-2");
        assert.equal(handled?.event_id, "6a7e8feb-b491-4cf7-a9f1-bf3703467718");
    });

    it("throws on failure so Lambda retries and then uses the on-failure destination; classifies invalid detail as permanent", async () => {
        const failing = await captureOutput(() => consumer([])(eventBridgeEvent({ orderId: "o-2", amount: 1, simulate: "crash" }), lambdaContext("consumer")));
        assert.equal((failing.error as Error).message, "simulated");
        assert.equal(logLines(failing.lines).find((l) => l.message === "event failed")?.error_class, "transient");
        const invalid = await captureOutput(() => consumer([])(eventBridgeEvent({ amount: 1 }, { id: "evt-bad" }), lambdaContext("consumer")));
        assert.ok(invalid.error instanceof PermanentError);
        const line = logLines(invalid.lines).find((l) => l.message === "event failed");
        assert.equal(line?.error_class, "permanent");
        assert.equal(line?.correlation_id, "evt-bad");
        const emf = emfLines(invalid.lines).find((l) => l.EventsFailed !== undefined);
        assert.equal(emf?.errorClass, "permanent");
    });
});
