// The lab's simulated services refuse, at their entry points, what the services refuse, answering as the service
// does: the SDK's exception (its name and AWS's message) for a request refused whole, a per-entry failure in a batch
// call's response, a client-side delivery error for SNS. Each limit and its page: docs/limits.md.
import { strict as assert } from "assert";
import { PublishBatchCommand } from "@aws-sdk/client-sns";
import * as sqs from "@aws-sdk/client-sqs";
import { simulatedSnsClient, simulatedSqsClient } from "../lab/sim/clients";
import { VirtualClock } from "../lab/sim/clock";
import { AsyncLambda } from "../lab/sim/async-lambda";
import { SimTopic } from "../lab/sim/sns";
import { SimQueue } from "../lab/sim/sqs";

const MiB = 1_048_576;
const queueOf = (options: { maximumMessageSize?: number } = {}) => new SimQueue(new VirtualClock(), { name: "orders", visibilityTimeoutSeconds: 30, ...options });
const text = (value: string) => ({ DataType: "String", StringValue: value });
const attributes = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, text("v")]));

describe("lab: the simulated services refuse what AWS refuses, as AWS says it", () => {
    describe("SQS SendMessage and SendMessageBatch", () => {
        it("takes a message of exactly 1 MiB, body and attributes counted, and refuses one byte more: InvalidParameterValue 'Message must be shorter than 1048576 bytes.'", async () => {
            const queue = queueOf();
            const client = simulatedSqsClient([queue]);
            // One attribute: name "k" (1) + type "String" (6) + value "v" (1) = 8 bytes, counted with the body.
            const body = "x".repeat(MiB - 8);
            await client.send(new sqs.SendMessageCommand({ QueueUrl: queue.url, MessageBody: body, MessageAttributes: { k: text("v") } }));
            const refused = client.send(new sqs.SendMessageCommand({ QueueUrl: queue.url, MessageBody: `${body}y`, MessageAttributes: { k: text("v") } }));
            await assert.rejects(refused, (e: Error & { $fault?: string }) => e.name === "InvalidParameterValue" && e.$fault === "client"
                && e.message === "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes." && e instanceof sqs.SQSServiceException);
            assert.equal(queue.size, 1);
        });

        it("honours the queue's MaximumMessageSize (1,024–1,048,576) and refuses a queue outside that range", () => {
            const queue = queueOf({ maximumMessageSize: 262_144 });
            assert.equal(queue.refusal("x".repeat(262_144)), undefined);
            assert.equal(queue.refusal("x".repeat(262_145))?.message, "One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.");
            assert.throws(() => queueOf({ maximumMessageSize: 1023 }), /MaximumMessageSize 1023 is outside 1024–1048576 bytes/);
            assert.throws(() => queueOf({ maximumMessageSize: MiB + 1 }), /outside 1024–1048576/);
        });

        it("refuses an 11th attribute, a character outside SQS's set (body or String value) and an empty body", async () => {
            const queue = queueOf();
            const client = simulatedSqsClient([queue]);
            const send = (input: Partial<sqs.SendMessageCommandInput>) => client.send(new sqs.SendMessageCommand({ QueueUrl: queue.url, MessageBody: "ok", ...input }));
            await send({ MessageAttributes: attributes(10) });
            await assert.rejects(send({ MessageAttributes: attributes(11) }), { name: "InvalidParameterValue", message: "Number of message attributes [11] exceeds the allowed maximum [10]." });
            // "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF": U+FFFF, NUL and a lone surrogate are outside.
            for (const [body, named] of [["a\uFFFFb", "#xFFFF"], ["\u0000", "#x0"], ["\uD800", "#xD800"]]) {
                await assert.rejects(send({ MessageBody: body }), (e: Error) => e instanceof sqs.InvalidMessageContents
                    && e.message === `Invalid binary character '${named}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`);
            }
            await send({ MessageBody: "tab\tnewline\ncr\r emoji 😀 \uFFFD \uE000" });
            await assert.rejects(send({ MessageAttributes: { note: text("\uFFFE") } }), { name: "InvalidMessageContents" });
            await assert.rejects(send({ MessageBody: "" }), { name: "MissingParameter" });
            await assert.rejects(send({ MessageAttributes: { "AWS.trace": text("x") } }), { name: "InvalidParameterValue" });
            await assert.rejects(send({ MessageAttributes: { k: { DataType: "Text", StringValue: "x" } } }), { name: "InvalidParameterValue" });
            assert.equal(queue.size, 2);
        });

        it("SendMessageBatch: more than 10 entries, over 1 MiB in all, or repeated Ids are refused whole; a refused entry fails alone", async () => {
            const queue = queueOf();
            const client = simulatedSqsClient([queue]);
            const batch = (entries: sqs.SendMessageBatchRequestEntry[]) => client.send(new sqs.SendMessageBatchCommand({ QueueUrl: queue.url, Entries: entries }));
            const entry = (id: string, body = "ok") => ({ Id: id, MessageBody: body });
            await assert.rejects(batch(Array.from({ length: 11 }, (_, i) => entry(`e${i}`))), (e: Error) => e instanceof sqs.TooManyEntriesInBatchRequest);
            await assert.rejects(batch([entry("a", "x".repeat(600_000)), entry("b", "x".repeat(600_000))]), (e: Error) => e instanceof sqs.BatchRequestTooLong
                && e.message === "Batch requests cannot be longer than 1048576 bytes. You have sent 1200000 bytes.");
            await assert.rejects(batch([entry("a"), entry("a")]), (e: Error) => e instanceof sqs.BatchEntryIdsNotDistinct);
            await assert.rejects(batch([]), (e: Error) => e instanceof sqs.EmptyBatchRequest);
            const out = await batch([entry("good"), entry("bad", "\uFFFF"), entry("also-good")]);
            assert.deepEqual(out.Successful!.map((s) => s.Id), ["good", "also-good"]);
            assert.deepEqual(out.Failed!.map((f) => [f.Id, f.Code, f.SenderFault]), [["bad", "InvalidMessageContents", true]]);
            assert.equal(queue.size, 2);
        });
    });

    describe("SNS PublishBatch and delivery to SQS", () => {
        const topicOf = (options?: { maximumMessageSize?: number }) => new SimTopic(new VirtualClock(), "fan-out-topic", options);
        const entry = (id: string, message: string, attrs: Record<string, { DataType: string; StringValue: string }> = {}) => ({ Id: id, Message: message, MessageAttributes: attrs });

        it("refuses a batch whose messages, attributes counted, add up to more than MaximumMessageSize (BatchRequestTooLongException), more than 10 entries, or none", async () => {
            const topic = topicOf();
            const client = simulatedSnsClient(topic);
            const publish = (entries: ReturnType<typeof entry>[]) => client.send(new PublishBatchCommand({ TopicArn: topic.arn, PublishBatchRequestEntries: entries }));
            // 131,072 + 131,072 = 262,144 exactly: accepted. One attribute ("a" + "String" + "b" = 8 bytes) more: refused.
            await publish([entry("1", "x".repeat(131_072)), entry("2", "x".repeat(131_072))]);
            await assert.rejects(publish([entry("1", "x".repeat(131_072)), entry("2", "x".repeat(131_072 - 7), { a: text("b") })]), { name: "BatchRequestTooLongException" });
            await assert.rejects(publish(Array.from({ length: 11 }, (_, i) => entry(String(i), "m"))), { name: "TooManyEntriesInBatchRequestException" });
            await assert.rejects(publish([]), { name: "EmptyBatchRequestException" });
            assert.equal(topic.counts.published, 2);
        });

        it("fails an entry alone, as a sender fault, for an attribute type SNS has not or an empty message", async () => {
            const topic = topicOf();
            const out = await simulatedSnsClient(topic).send(new PublishBatchCommand({
                TopicArn: topic.arn,
                PublishBatchRequestEntries: [entry("ok", "m"), entry("type", "m", { a: { DataType: "Text", StringValue: "v" } }), entry("empty", "")],
            }));
            assert.deepEqual(out.Successful!.map((s) => s.Id), ["ok"]);
            assert.deepEqual(out.Failed!.map((f) => [f.Id, f.Code, f.SenderFault]), [["type", "InvalidParameterValue", true], ["empty", "InvalidParameter", true]]);
        });

        it("MaximumMessageSize above 256 KiB: up to 1 MiB, and only with at most 100 subscriptions", () => {
            assert.throws(() => topicOf({ maximumMessageSize: MiB + 1 }), { name: "InvalidParameterException" });
            const topic = topicOf({ maximumMessageSize: MiB });
            assert.equal(topic.refusal({ Message: "x".repeat(MiB) }), undefined);
            assert.equal(topic.refusal({ Message: "x".repeat(MiB + 1) })?.message, "Invalid parameter: Message too long");
            const clock = new VirtualClock();
            for (let i = 0; i < 100; i++) topic.subscribe({ name: `s${i}`, queue: new SimQueue(clock, { name: `q${i}`, visibilityTimeoutSeconds: 30 }), rawMessageDelivery: true });
            assert.throws(() => topic.subscribe({ name: "s100", queue: new SimQueue(clock, { name: "q100", visibilityTimeoutSeconds: 30 }), rawMessageDelivery: true }), /at most 100 subscriptions/);
        });

        it("raw delivery of a message with 11 attributes is a client-side error: not retried, to the subscription's DLQ (body kept); enveloped, it is delivered", () => {
            const clock = new VirtualClock();
            const topic = new SimTopic(clock, "fan-out-topic");
            const failed: string[] = [];
            topic.onMetric = (name) => { if (name === "NumberOfNotificationsFailed") failed.push(name); };
            const raw = new SimQueue(clock, { name: "raw", visibilityTimeoutSeconds: 30 });
            const rawDlq = new SimQueue(clock, { name: "raw-delivery-dlq", visibilityTimeoutSeconds: 30 });
            const enveloped = new SimQueue(clock, { name: "enveloped", visibilityTimeoutSeconds: 30 });
            const rawSubscription = topic.subscribe({ name: "raw", queue: raw, rawMessageDelivery: true, deadLetter: rawDlq });
            topic.subscribe({ name: "enveloped", queue: enveloped, rawMessageDelivery: false });
            topic.publish({ Message: "ten", MessageAttributes: attributes(10) });
            topic.publish({ Message: "eleven", MessageAttributes: attributes(11) });
            assert.deepEqual([...raw.messages()].map((m) => m.body), ["ten"]);
            assert.deepEqual([...rawDlq.messages()].map((m) => [m.body, Object.keys(m.attributes).length]), [["eleven", 0]]);
            assert.equal(rawSubscription.counts.clientErrors, 1);
            assert.equal(rawSubscription.counts.retries, 0);
            assert.deepEqual(failed, ["NumberOfNotificationsFailed"]);
            assert.equal(enveloped.size, 2, "the envelope carries the attributes in its body");
        });
    });

    describe("Lambda asynchronous invocation", () => {
        it("queues a payload of 1 MB and refuses a larger one with RequestTooLargeException", () => {
            const fn = new AsyncLambda(new VirtualClock(), () => async () => undefined, { functionName: "consumer", functionTimeoutSeconds: 10, maximumRetryAttempts: 2, maximumEventAgeSeconds: 3600 });
            const payload = (bytes: number) => ({ pad: "x".repeat(bytes - '{"pad":""}'.length) });
            fn.invoke(payload(MiB));
            assert.throws(() => fn.invoke(payload(MiB + 1)), (e: Error) => e.name === "RequestTooLargeException" && /Invoke request body JSON input quota/.test(e.message));
            assert.equal(fn.stats.accepted, 1);
        });
    });
});
