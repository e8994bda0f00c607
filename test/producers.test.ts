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
import { messageSize, putEventsEntrySize } from "../functions/shared/aws-limits";
import { UnsentEntriesError } from "../functions/shared/send-batches";
import { simulatedEventBridgeClient, simulatedSnsClient } from "../lab/sim/clients";
import { VirtualClock } from "../lab/sim/clock";
import { SimEventBus } from "../lab/sim/eventbridge";
import { SimTopic } from "../lab/sim/sns";
import { SimQueue } from "../lab/sim/sqs";
import { eventBridgeEvent, lambdaContext } from "./fixtures/aws-events";
import { captureOutput, emfLines, logLines } from "./stdout";

const BUS = "event-routing-bus-1234567";
const TOPIC = "arn:aws:sns:us-east-1:123456789012:fan-out-topic-1a2b3c4";
const orders = (n: number) => Array.from({ length: n }, (_, i) => ({ orderId: `o-${i}`, amount: 50 + i * 10, region: i % 2 ? "eu-west-1" : "us-east-1", channel: "web" }));
/** An order whose JSON carries `padding` more bytes (a `note`: parseOrder keeps fields it does not know). */
const large = (id: string, padding: number) => ({ orderId: id, amount: 100, region: "eu-west-1", note: "x".repeat(padding) });
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
    it("splits PutEvents calls so the entries of each, sized as EventBridge sizes them, total less than 1 MB", async () => {
        let next = 0;
        eventBridge.on(PutEventsCommand).callsFake((input) => ({ FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: `evt-${next++}` })) }));
        // Ten orders of about 300 KB: three fit in one call (≈ 900 KB), four would not.
        const out = await captureOutput(() => producer()({ orders: Array.from({ length: 10 }, (_, i) => large(`o-${i}`, 300_000)) }, lambdaContext("producer")));
        assert.equal(out.error, undefined);
        const calls = eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!);
        assert.deepEqual(calls.map((entries) => entries.length), [3, 3, 3, 1]);
        for (const entries of calls) assert.ok(entries.reduce((sum, e) => sum + putEventsEntrySize(e), 0) < 1_048_576);
        assert.deepEqual(calls.flat().map((e) => JSON.parse(e.Detail!).orderId), Array.from({ length: 10 }, (_, i) => `o-${i}`), "in order, each once");
    });

    it("\"less than 1MB\": two entries of 524,288 bytes (exactly 1,048,576) go in two calls, one byte less in one", async () => {
        let next = 0;
        eventBridge.on(PutEventsCommand).callsFake((input) => ({ FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: `evt-${next++}` })) }));
        // Entry size = "lab.orders" (10) + "OrderPlaced" (11) + the detail's bytes.
        const detailOf = (id: string, note: string) => JSON.stringify({ orderId: id, amount: 1, note, correlationId: "c" });
        const sized = (id: string, bytes: number) => ({ orderId: id, amount: 1, note: "x".repeat(bytes - 21 - detailOf(id, "").length) });
        await captureOutput(() => producer()({ orders: [sized("o-1", 524_288), sized("o-2", 524_288)], correlationId: "c" }, lambdaContext("producer")));
        await captureOutput(() => producer()({ orders: [sized("o-3", 524_287), sized("o-4", 524_288)], correlationId: "c" }, lambdaContext("producer")));
        const calls = eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!);
        assert.deepEqual(calls.map((entries) => entries.map((e) => putEventsEntrySize(e))), [[524_288], [524_288], [524_287, 524_288]]);
    });

    it("refuses an order too large for PutEvents on its own, naming it and the limit, and puts its batch-mates", async () => {
        const bus = new SimEventBus(new VirtualClock(), () => 0.5, BUS);
        const handler = createEventProducer({ client: simulatedEventBridgeClient(bus), busName: BUS, ...observability(), send: { delay: async () => undefined } });
        const out = await captureOutput(() => handler({ orders: [orders(1)[0], large("o-huge", 1_100_000), orders(3)[2]] }, lambdaContext("producer")));
        assert.ok(out.error instanceof UnsentEntriesError);
        assert.match(out.error.message, /^1 of 3 entries not sent \(2 sent\): o-huge: EntryTooLarge: 1,100,\d{3} bytes; EventBridge PutEvents takes at most 1,048,575 bytes per entry \(Source, DetailType, Detail and Resources in UTF-8/);
        assert.equal(bus.counts.put, 2, "the two others are on the bus");
        const line = logLines(out.lines).find((l) => l.message === "producing events failed");
        assert.deepEqual(line?.unsent.map((u: { id: string }) => u.id), ["o-huge"]);
        assert.equal(emfLines(out.lines).find((l) => l.EventsNotPut !== undefined)?.EventsNotPut, 1);
    });

    it("reports every entry of a PutEvents call that fails whole, and still sends the next call", async () => {
        eventBridge.on(PutEventsCommand)
            .rejectsOnce(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }))
            .callsFake((input) => ({ FailedEntryCount: 0, Entries: input.Entries.map((_: unknown, i: number) => ({ EventId: `evt-${i}` })) }));
        const out = await captureOutput(() => producer()({ orders: orders(12) }, lambdaContext("producer")));
        assert.ok(out.error instanceof UnsentEntriesError);
        assert.deepEqual(out.error.failures.map((f) => f.id), orders(10).map((o) => o.orderId));
        assert.ok(out.error.failures.every((f) => f.code === "ThrottlingException"));
        assert.equal(eventBridge.commandCalls(PutEventsCommand).length, 2, "the second call (orders 10 and 11) went");
    });

    it("reports an entry PutEvents' response says nothing about, instead of assuming it went", async () => {
        eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "evt-0" }] });
        const out = await captureOutput(() => producer()({ orders: orders(2) }, lambdaContext("producer")));
        assert.ok(out.error instanceof UnsentEntriesError);
        assert.deepEqual(out.error.failures, [{ id: "o-1", code: "NoResult", message: "EventBridge PutEvents returned no result for this entry" }]);
    });
});

describe("PutEvents entry size, as \"Calculating Amazon EventBridge PutEvents event entry size\" counts it", () => {
    // The guide's rule: Time 14 bytes if specified; Source, DetailType, Detail and each Resources entry their UTF-8 bytes.
    // The entry is the one the guide's "Sending events with PutEvents" example sends.
    const entry = { Source: "com.mycompany.myapp", DetailType: "myDetailType", Detail: "{ \"key1\": \"value1\", \"key2\": \"value2\" }", Resources: ["resource1", "resource2"] };

    it("is 14 + 19 + 12 + 38 + 9 + 9 = 101 bytes with a Time, 87 without", () => {
        assert.equal(putEventsEntrySize({ ...entry, Time: new Date() }), 101);
        assert.equal(putEventsEntrySize(entry), 87);
    });

    it("counts UTF-8 bytes, not characters, and not the bus name", () => {
        assert.equal(putEventsEntrySize({ Source: "é", DetailType: "😀", Detail: "{}" }), 2 + 4 + 2);
        assert.equal(putEventsEntrySize({ ...entry, EventBusName: "a-very-long-bus-name" } as typeof entry), 87);
    });

    it("the simulated bus refuses a call whose entries total 1 MB or more, in EventBridge's words", async () => {
        const bus = new SimEventBus(new VirtualClock(), () => 0.5, BUS);
        const client = simulatedEventBridgeClient(bus);
        const half = { EventBusName: BUS, Source: "s", DetailType: "d", Detail: JSON.stringify({ pad: "x".repeat(524_288 - 12) }) };
        assert.equal(putEventsEntrySize(half), 524_288 - 12 + 10 + 2);
        await assert.rejects(client.send(new PutEventsCommand({ Entries: [half, half] })), { name: "ValidationException", message: "Total size of the entries in the request is over the limit." });
        await assert.rejects(client.send(new PutEventsCommand({ Entries: Array(11).fill({ ...half, Detail: "{}" }) })), { name: "ValidationException" });
        assert.equal(bus.counts.put, 0);
        const out = await client.send(new PutEventsCommand({ Entries: [half, { ...half, Detail: "[1]" }] }));
        assert.deepEqual(out.Entries, [{ EventId: out.Entries![0].EventId }, { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed." }]);
        assert.equal(out.FailedEntryCount, 1);
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

    it("sends an order's tenantId as the MessageGroupId, which SNS forwards to a standard SQS subscription (a fair queue); an order without one has none", async () => {
        const clock = new VirtualClock();
        const topic = new SimTopic(clock, "fan-out-topic-1a2b3c4");
        const queue = new SimQueue(clock, { name: "subscriber", visibilityTimeoutSeconds: 30 });
        topic.subscribe({ name: "subscriber", queue, rawMessageDelivery: true });
        const handler = createFanOutProducer({ client: simulatedSnsClient(topic) as unknown as SNSClient, topicArn: topic.arn, ...observability(), send: { delay: async () => undefined } });
        const sent = [{ orderId: "o-1", amount: 10, tenantId: "tenant-a" }, { orderId: "o-2", amount: 20 }];
        const out = await captureOutput(() => handler({ orders: sent, correlationId: "corr-tenant" }, lambdaContext("producer")));
        assert.equal(out.error, undefined);
        await clock.run(1000);
        const records = queue.receive(10).map((m) => queue.record(m));
        assert.deepEqual(records.map((r) => [JSON.parse(r.body).orderId, r.attributes.MessageGroupId]), [["o-1", "tenant-a"], ["o-2", undefined]]);
        assert.deepEqual(queue.noisyGroups?.ever, [], "a fair queue from its first grouped message, nobody noisy");
        const bad = await captureOutput(() => handler({ orders: [{ orderId: "o-3", amount: 1, tenantId: "a b" }] }, lambdaContext("producer")));
        assert.match((bad.error as Error).message, /orders\[0\]: tenantId must be 1–100 alphanumeric or punctuation characters/);
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

    it("ten 40 KB orders: two PublishBatch calls within SNS's 256 KiB aggregate, where one call of ten is refused whole", async () => {
        const topic = new SimTopic(new VirtualClock(), "fan-out-topic-1a2b3c4");
        const client = simulatedSnsClient(topic);
        const sent: number[][] = [];
        const spy = { send: async (command: PublishBatchCommand) => {
            const entries = command.input.PublishBatchRequestEntries!;
            sent.push([entries.length, entries.reduce((sum, e) => sum + messageSize(e.Message!, e.MessageAttributes), 0)]);
            return client.send(command);
        } } as unknown as SNSClient;
        const handler = createFanOutProducer({ client: spy, topicArn: topic.arn, ...observability(), send: { delay: async () => undefined } });
        const ten = Array.from({ length: 10 }, (_, i) => large(`o-${i}`, 40_000));
        const out = await captureOutput(() => handler({ orders: ten, correlationId: "corr-big" }, lambdaContext("producer")));
        assert.equal(out.error, undefined);
        assert.equal((out.result as { messageIds: string[] }).messageIds.length, 10);
        assert.deepEqual(sent.map(([n]) => n), [6, 4]);
        assert.ok(sent.every(([, size]) => size <= 262_144));
        assert.equal(topic.counts.published, 10);
        // What one call of all ten (the producer before issue 23) meets: SNS refuses the whole batch.
        const entries = ten.map((o, i) => ({ Id: String(i), Message: JSON.stringify(o), MessageAttributes: { correlationId: { DataType: "String", StringValue: "corr-big" } } }));
        await assert.rejects(client.send(new PublishBatchCommand({ TopicArn: topic.arn, PublishBatchRequestEntries: entries })), { name: "BatchRequestTooLongException" });
        assert.equal(topic.counts.published, 10, "nothing of the refused call was published");
    });

    it("refuses an order too large for SNS on its own by its order ID and the limit, and publishes its batch-mates", async () => {
        const topic = new SimTopic(new VirtualClock(), "fan-out-topic-1a2b3c4");
        const handler = createFanOutProducer({ client: simulatedSnsClient(topic), topicArn: topic.arn, ...observability(), send: { delay: async () => undefined } });
        const out = await captureOutput(() => handler({ orders: [...orders(4), large("o-huge", 300_000), ...orders(9).slice(4)] }, lambdaContext("producer")));
        assert.ok(out.error instanceof UnsentEntriesError);
        assert.match(out.error.message, /^1 of 10 entries not sent \(9 sent\): o-huge: EntryTooLarge: 300,\d{3} bytes; SNS PublishBatch takes at most 262,144 bytes per entry \(the message body and every attribute's name, type and value\)$/);
        assert.equal(topic.counts.published, 9);
        assert.equal(emfLines(out.lines).find((l) => l.MessagesNotPublished !== undefined)?.MessagesNotPublished, 1);
        assert.equal(emfLines(out.lines).find((l) => l.MessagesPublished !== undefined)?.MessagesPublished, 9);
    });

    it("counts the attributes (name, type and value) in a message's size: a body that fits alone is too large with them", async () => {
        const topic = new SimTopic(new VirtualClock(), "fan-out-topic-1a2b3c4");
        const handler = createFanOutProducer({ client: simulatedSnsClient(topic), topicArn: topic.arn, ...observability(), send: { delay: async () => undefined } });
        // SNS: "All parts of the message attribute, including name, type, and value, are included in the message size restriction".
        assert.equal(messageSize("abc", { correlationId: { DataType: "String", StringValue: "x" } }), 3 + 13 + 6 + 1);
        const body = (padding: number) => JSON.stringify({ type: "order.placed", ...large("o-edge", padding), correlationId: "c-1" });
        const padding = 262_144 - body(0).length; // the body alone is exactly 262,144 bytes
        assert.equal(Buffer.byteLength(body(padding)), 262_144);
        const out = await captureOutput(() => handler({ orders: [large("o-edge", padding)], correlationId: "c-1" }, lambdaContext("producer")));
        assert.ok(out.error instanceof UnsentEntriesError);
        const withAttributes = 262_144 + "correlationIdStringc-1".length + "eventTypeStringorder.placed".length + "regionStringeu-west-1".length;
        assert.match(out.error.message, new RegExp(`o-edge: EntryTooLarge: ${withAttributes.toLocaleString("en-US")} bytes`));
        assert.equal(topic.counts.published, 0);
    });

    it("takes the topic's MaximumMessageSize when it is raised (at most 1 MiB) and refuses a value SNS does not allow", async () => {
        const topic = new SimTopic(new VirtualClock(), "fan-out-topic-1a2b3c4", { maximumMessageSize: 1_048_576 });
        const handler = createFanOutProducer({ client: simulatedSnsClient(topic), topicArn: topic.arn, maximumMessageSize: 1_048_576, ...observability() });
        const out = await captureOutput(() => handler({ orders: [large("o-1", 300_000), large("o-2", 300_000), large("o-3", 300_000), large("o-4", 300_000)] }, lambdaContext("producer")));
        assert.equal(out.error, undefined);
        assert.equal(topic.counts.published, 4);
        assert.throws(() => createFanOutProducer({ client: new SNSClient({ region: "us-east-1" }), topicArn: TOPIC, maximumMessageSize: 2_000_000 }), /maximumMessageSize 2000000: allowed an integer 1024–1048576/);
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
