import { strict as assert } from "assert";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { SQSRecord } from "aws-lambda";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { createHandler } from "../functions/queue-worker";
import { PermanentError } from "../functions/shared/errors";
import { Order, parseOrder, processOrder as demoProcessOrder, ProcessOrder } from "../functions/shared/order";
import { simulatedSqsClient } from "../lab/sim/clients";
import { VirtualClock } from "../lab/sim/clock";
import { SimQueue } from "../lab/sim/sqs";
import { lambdaContext, sqsEvent, sqsRecord, stringAttribute } from "./fixtures/aws-events";
import { setEnv } from "./servers/dynalite";
import { captureOutput, emfLines, logLines } from "./stdout";

/** A handler whose side effects (the demo step, `simulate` included) land in `processed`, with its own Logger and Metrics. */
function workerUnderTest(processOrder?: ProcessOrder) {
    const processed: Order[] = [];
    const sink: ProcessOrder = processOrder ?? (async (order, logger) => {
        await demoProcessOrder(order, logger);
        processed.push(order);
    });
    const handler = createHandler({
        processOrder: sink,
        logger: new Logger({ serviceName: "queue-worker" }),
        metrics: new Metrics({ namespace: "ServerlessPatternsLab", serviceName: "queue-worker" }),
        maxReceiveCount: 5,
    });
    return { handler, processed };
}

const order = (n: number, extra: Record<string, unknown> = {}) => ({ orderId: `order-${n}`, amount: 10 + n, ...extra });

/** Sum of one metric over the EMF lines (Powertools stores repeated values as an array). */
function metricTotal(lines: Record<string, any>[], name: string, dimension?: [string, string]): number {
    return emfLines(lines)
        .filter((l) => dimension === undefined || l[dimension[0]] === dimension[1])
        .map((l) => l[name])
        .filter((v) => v !== undefined)
        .flatMap((v) => (Array.isArray(v) ? v : [v]))
        .reduce((a: number, b: number) => a + b, 0);
}

describe("queue-worker handler", () => {
    it("processes a whole batch and reports no failures", async () => {
        const { handler, processed } = workerUnderTest();
        const records = Array.from({ length: 10 }, (_, i) => sqsRecord(order(i)));
        const out = await captureOutput(() => handler(sqsEvent(records), lambdaContext()));
        assert.equal(out.error, undefined);
        assert.deepEqual(out.result, { batchItemFailures: [] });
        assert.deepEqual(processed.map((o) => o.orderId).sort(), records.map((_, i) => `order-${i}`).sort());
        assert.equal(metricTotal(out.lines, "RecordsProcessed"), 10);
    });

    it("on a FIFO queue stops at the first failure and reports it and every later record, keeping the group's order", async () => {
        // Regression: the synchronous FIFO processor under the async processPartialResponse failed every FIFO batch (found by the lab).
        const { handler, processed } = workerUnderTest();
        const fifoArn = "arn:aws:sqs:us-east-1:123456789012:orders.fifo";
        const records = Array.from({ length: 5 }, (_, i) => ({ ...sqsRecord(i === 2 ? order(i, { simulate: "crash" }) : order(i)), eventSourceARN: fifoArn }));
        const out = await captureOutput(() => handler(sqsEvent(records), lambdaContext()));
        assert.equal(out.error, undefined);
        assert.deepEqual(out.result, { batchItemFailures: records.slice(2).map((r) => ({ itemIdentifier: r.messageId })) });
        assert.deepEqual(processed.map((o) => o.orderId), ["order-0", "order-1"]);
    });

    it("reports only the poison record's messageId when one record of ten fails", async () => {
        const { handler, processed } = workerUnderTest();
        const records = Array.from({ length: 10 }, (_, i) => sqsRecord(i === 6 ? order(i, { simulate: "crash" }) : order(i)));
        const out = await captureOutput(() => handler(sqsEvent(records), lambdaContext()));
        assert.deepEqual(out.result, { batchItemFailures: [{ itemIdentifier: records[6].messageId }] });
        assert.equal(processed.length, 9);
        assert.ok(!processed.some((o) => o.orderId === "order-6"));
        assert.equal(metricTotal(out.lines, "RecordsProcessed"), 9);
        assert.equal(metricTotal(out.lines, "RecordsFailed", ["errorClass", "transient"]), 1);
    });

    it("throws FullBatchFailureError when every record fails, so Lambda retries the batch (Powertools' documented default)", async () => {
        const { handler, processed } = workerUnderTest();
        const records = Array.from({ length: 3 }, (_, i) => sqsRecord(order(i, { simulate: "transient" })));
        const out = await captureOutput(() => handler(sqsEvent(records), lambdaContext()));
        assert.equal(out.result, undefined);
        assert.equal((out.error as Error).name, "FullBatchFailureError");
        assert.equal(processed.length, 0);
        assert.equal(metricTotal(out.lines, "RecordsFailed", ["errorClass", "transient"]), 3);
    });

    it("classifies a malformed JSON body as permanent, logs it with its correlation ID and reports it", async () => {
        const { handler } = workerUnderTest();
        const bad = sqsRecord("{not json", { correlationId: "corr-malformed" });
        const good = sqsRecord(order(1));
        const out = await captureOutput(() => handler(sqsEvent([bad, good]), lambdaContext()));
        assert.deepEqual(out.result, { batchItemFailures: [{ itemIdentifier: bad.messageId }] });
        const failure = logLines(out.lines).find((l) => l.message === "record failed");
        assert.ok(failure, "a 'record failed' line");
        assert.equal(failure.error_class, "permanent");
        assert.equal(failure.correlation_id, "corr-malformed");
        assert.equal(failure.message_id, bad.messageId);
        assert.equal(failure.error.name, "PermanentError");
        assert.equal(failure.error.message, "body is not valid JSON");
        const emf = emfLines(out.lines).find((l) => l.RecordsFailed !== undefined);
        assert.ok(emf);
        assert.equal(emf.errorClass, "permanent");
        assert.equal(emf.correlation_id, "corr-malformed");
        assert.deepEqual(emf._aws.CloudWatchMetrics[0].Dimensions, [["service", "errorClass"]]);
        assert.deepEqual(emf._aws.CloudWatchMetrics[0].Metrics, [{ Name: "RecordsFailed", Unit: "Count" }]);
        assert.equal(emf._aws.CloudWatchMetrics[0].Namespace, "ServerlessPatternsLab");
    });

    it("calls a failure on the last allowed receive poison", async () => {
        const { handler } = workerUnderTest();
        const last = sqsRecord(order(1, { simulate: "transient" }), { receiveCount: 5 });
        const ok = sqsRecord(order(2));
        const out = await captureOutput(() => handler(sqsEvent([last, ok]), lambdaContext()));
        assert.deepEqual(out.result, { batchItemFailures: [{ itemIdentifier: last.messageId }] });
        assert.equal(logLines(out.lines).find((l) => l.message === "record failed")?.error_class, "poison");
    });

    it("puts each record's own correlation ID on every log line of that record, while records run in parallel", async () => {
        // Each record logs three lines with yields in between, so the records' work interleaves.
        const { handler } = workerUnderTest(async (o, logger) => {
            logger.info("step 1", { orderId: o.orderId });
            await new Promise((r) => setImmediate(r));
            logger.info("step 2", { orderId: o.orderId });
            await Promise.resolve();
            logger.info("step 3", { orderId: o.orderId });
        });
        const records: SQSRecord[] = Array.from({ length: 10 }, (_, i) =>
            sqsRecord(order(i), i % 3 === 0 ? {} : { correlationId: `corr-${i}` }));
        const out = await captureOutput(() => handler(sqsEvent(records), lambdaContext()));
        assert.deepEqual(out.result, { batchItemFailures: [] });
        const lines = logLines(out.lines).filter((l) => l.message.startsWith("step"));
        assert.equal(lines.length, 30);
        // The interleaving is real: not all of one record's lines come before the next record's.
        assert.notDeepEqual(lines.map((l) => l.orderId), [...lines.map((l) => l.orderId)].sort());
        for (const line of lines) {
            const i = Number(line.orderId.split("-")[1]);
            assert.equal(line.message_id, records[i].messageId);
            assert.equal(line.correlation_id, i % 3 === 0 ? records[i].messageId : `corr-${i}`, `line ${JSON.stringify(line)}`);
            assert.equal(line.function_name, "queue-worker-fn-2a1c3b3", "Lambda context on every line");
        }
    });

    it("publishes one EMF document per record outcome, each carrying that record's correlation and message IDs", async () => {
        const { handler } = workerUnderTest();
        const first = sqsRecord(order(1), { correlationId: "corr-1" });
        const retried = sqsRecord(order(2), { correlationId: "corr-2", receiveCount: 3 });
        const out = await captureOutput(() => handler(sqsEvent([first, retried]), lambdaContext()));
        const processedDocs = emfLines(out.lines).filter((l) => l.RecordsProcessed !== undefined);
        assert.deepEqual(processedDocs.map((d) => [d.correlation_id, d.message_id]).sort(), [["corr-1", first.messageId], ["corr-2", retried.messageId]]);
        const doc = processedDocs[0];
        assert.equal(typeof doc._aws.Timestamp, "number");
        assert.deepEqual(doc._aws.CloudWatchMetrics, [{ Namespace: "ServerlessPatternsLab", Dimensions: [["service"]], Metrics: [{ Name: "RecordsProcessed", Unit: "Count" }] }]);
        assert.equal(doc.service, "queue-worker");
        const retriedDocs = emfLines(out.lines).filter((l) => l.RecordsRetried !== undefined);
        assert.deepEqual(retriedDocs.map((d) => d.correlation_id), ["corr-2"], "retried: receive count > 1 only");
    });
});

describe("queue-worker handler: permanent failures go to the DLQ", () => {
    const DLQ_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/queue-worker-dlq-5f1c2aa";
    // Mocks every SQSClient's send while this suite runs; restored after, so suites on a real SQS server are unaffected.
    let sqs: ReturnType<typeof mockClient>;
    before(() => { sqs = mockClient(SQSClient); });
    afterEach(() => sqs.reset());
    after(() => sqs.restore());

    function withDlq() {
        return createHandler({
            processOrder: async () => undefined,
            logger: new Logger({ serviceName: "queue-worker" }),
            metrics: new Metrics({ namespace: "ServerlessPatternsLab", serviceName: "queue-worker" }),
            maxReceiveCount: 5,
            deadLetter: { queueUrl: DLQ_URL, sqs: new SQSClient({ region: "us-east-1" }) },
        });
    }

    it("sends a permanent failure to the DLQ once, with its body, attributes, error class and correlation ID, and does not report it", async () => {
        sqs.on(SendMessageCommand).resolves({ MessageId: "dlq-1" });
        const bad = sqsRecord({ orderId: "o-bad", amount: -1 }, { correlationId: "corr-bad" });
        const good = sqsRecord(order(1));
        const out = await captureOutput(() => withDlq()(sqsEvent([bad, good]), lambdaContext()));
        assert.deepEqual(out.result, { batchItemFailures: [] });
        const sends = sqs.commandCalls(SendMessageCommand);
        assert.equal(sends.length, 1);
        assert.deepEqual(sends[0].args[0].input, {
            QueueUrl: DLQ_URL,
            MessageBody: bad.body,
            MessageAttributes: {
                correlationId: { DataType: "String", StringValue: "corr-bad" },
                errorClass: { DataType: "String", StringValue: "permanent" },
                errorMessage: { DataType: "String", StringValue: "PermanentError: amount must be a positive number" },
                sourceMessageId: { DataType: "String", StringValue: bad.messageId },
            },
        });
        const sent = logLines(out.lines).find((l) => l.message === "record sent to the DLQ");
        assert.equal(sent?.correlation_id, "corr-bad");
        assert.equal(metricTotal(out.lines, "SentToDlq", ["errorClass", "permanent"]), 1);
        assert.equal(emfLines(out.lines).find((l) => l.SentToDlq !== undefined)?.correlation_id, "corr-bad");
    });

    it("reports a transient failure as a batch item failure, without sending it anywhere", async () => {
        const transient = sqsRecord(order(2, { simulate: "transient" }));
        const handler = createHandler({
            logger: new Logger({ serviceName: "queue-worker" }),
            metrics: new Metrics({ namespace: "ServerlessPatternsLab", serviceName: "queue-worker" }),
            maxReceiveCount: 5,
            deadLetter: { queueUrl: DLQ_URL, sqs: new SQSClient({ region: "us-east-1" }) },
        });
        const out = await captureOutput(() => handler(sqsEvent([transient, sqsRecord(order(3))]), lambdaContext()));
        assert.deepEqual(out.result, { batchItemFailures: [{ itemIdentifier: transient.messageId }] });
        assert.equal(sqs.commandCalls(SendMessageCommand).length, 0);
    });

    it("reports the record as failed when the DLQ send itself fails, so SQS keeps it (nothing lost)", async () => {
        sqs.on(SendMessageCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
        const bad = sqsRecord("{not json", { correlationId: "corr-lost?" });
        const out = await captureOutput(() => withDlq()(sqsEvent([bad, sqsRecord(order(4))]), lambdaContext()));
        assert.deepEqual(out.result, { batchItemFailures: [{ itemIdentifier: bad.messageId }] });
        assert.equal(sqs.commandCalls(SendMessageCommand).length, 1);
        const line = logLines(out.lines).find((l) => l.message.startsWith("could not send the record to the DLQ"));
        assert.equal(line?.correlation_id, "corr-lost?");
        assert.equal(metricTotal(out.lines, "SentToDlq"), 0);
    });

    it("as deployed (only DEAD_LETTER_QUEUE_URL set), makes its SQS client on the first permanent failure and reuses it", async () => {
        sqs.on(SendMessageCommand).resolves({ MessageId: "dlq-3" });
        const restore = setEnv({ DEAD_LETTER_QUEUE_URL: DLQ_URL });
        try {
            const handler = createHandler({
                logger: new Logger({ serviceName: "queue-worker" }),
                metrics: new Metrics({ namespace: "ServerlessPatternsLab", serviceName: "queue-worker" }),
            });
            const bad = () => sqsRecord("{not json");
            const first = await captureOutput(() => handler(sqsEvent([bad(), sqsRecord(order(5))]), lambdaContext()));
            assert.deepEqual(first.result, { batchItemFailures: [] });
            await captureOutput(() => handler(sqsEvent([bad()]), lambdaContext()));
            const sends = sqs.commandCalls(SendMessageCommand);
            assert.deepEqual(sends.map((c) => c.args[0].input.QueueUrl), [DLQ_URL, DLQ_URL]);
            assert.equal(sends[0].thisValue, sends[1].thisValue, "one client for the life of the execution environment");
        } finally {
            restore();
        }
    });

    it("keeps the message group and deduplicates by the source message ID when the DLQ is FIFO", async () => {
        sqs.on(SendMessageCommand).resolves({ MessageId: "dlq-2" });
        const bad = { ...sqsRecord("[1,2]"), attributes: { ...sqsRecord("x").attributes, MessageGroupId: "customer-7" } };
        const handler = createHandler({
            logger: new Logger({ serviceName: "queue-worker" }),
            metrics: new Metrics({ namespace: "ServerlessPatternsLab", serviceName: "queue-worker" }),
            deadLetter: { queueUrl: `${DLQ_URL}.fifo`, sqs: new SQSClient({ region: "us-east-1" }) },
        });
        await captureOutput(() => handler(sqsEvent([bad]), lambdaContext()));
        const input = sqs.commandCalls(SendMessageCommand)[0].args[0].input;
        assert.equal(input.MessageGroupId, "customer-7");
        assert.equal(input.MessageDeduplicationId, bad.messageId);
    });
});

describe("queue-worker handler: the DLQ hand-off at SQS's limits (the lab's SQS as the DLQ, refusing what SQS refuses)", () => {
    /** A worker whose DLQ is a simulated queue with `maximumMessageSize`. */
    function withSimulatedDlq(maximumMessageSize?: number) {
        const dlq = new SimQueue(new VirtualClock(), { name: "queue-worker-dlq", visibilityTimeoutSeconds: 30, maximumMessageSize });
        const handler = createHandler({
            processOrder: async () => undefined,
            logger: new Logger({ serviceName: "queue-worker" }),
            metrics: new Metrics({ namespace: "ServerlessPatternsLab", serviceName: "queue-worker" }),
            maxReceiveCount: 5,
            deadLetter: { queueUrl: dlq.url, sqs: simulatedSqsClient([dlq]), maximumMessageSize },
        });
        return { handler, dlq };
    }
    const tenAttributes = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`attr${i}`, stringAttribute(`value-${i}`)]));

    it("a record that already has SQS's 10 attributes (the most SNS raw delivery brings) reaches the DLQ with them, the failure's left out and logged", async () => {
        const { handler, dlq } = withSimulatedDlq();
        const bad = sqsRecord("{not json", { messageAttributes: tenAttributes });
        const out = await captureOutput(() => handler(sqsEvent([bad, sqsRecord(order(1))]), lambdaContext()));
        assert.deepEqual(out.result, { batchItemFailures: [] });
        const [copy] = [...dlq.messages()];
        assert.equal(copy.body, bad.body);
        assert.deepEqual(Object.keys(copy.attributes).sort(), Object.keys(tenAttributes).sort());
        const line = logLines(out.lines).find((l) => l.message === "record sent to the DLQ");
        assert.deepEqual(line?.attributes_omitted, ["correlationId", "errorClass", "sourceMessageId", "errorMessage"]);
        assert.equal(line?.correlation_id, bad.messageId, "the log line still carries the correlation ID");
    });

    it("a body near 1 MiB: the copy adds what fits, cuts the error message to the bytes left, and SQS takes it", async () => {
        const { handler, dlq } = withSimulatedDlq();
        const body = `{"orderId":"o-big","amount":-1,"note":"${"x".repeat(1_048_576 - 120)}"}`;
        const bad = sqsRecord(body, { correlationId: "corr-big" });
        const out = await captureOutput(() => handler(sqsEvent([bad]), lambdaContext()));
        assert.deepEqual(out.result, { batchItemFailures: [] });
        const [copy] = [...dlq.messages()];
        assert.equal(copy.body, body);
        assert.equal(copy.attributes.errorClass.stringValue, "permanent");
        const size = Buffer.byteLength(body) + Object.entries(copy.attributes).reduce((n, [k, a]) => n + k.length + a.dataType.length + Buffer.byteLength(a.stringValue!), 0);
        assert.ok(size <= 1_048_576, `${size} bytes`);
        const omitted = logLines(out.lines).find((l) => l.message === "record sent to the DLQ")?.attributes_omitted ?? [];
        assert.ok(copy.attributes.errorMessage === undefined ? omitted.includes("errorMessage") : "PermanentError: amount must be a positive number".startsWith(copy.attributes.errorMessage.stringValue!));
    });

    it("a record larger than the DLQ's MaximumMessageSize is not sent: it is reported failed, so SQS's redrive moves it", async () => {
        const { handler, dlq } = withSimulatedDlq(262_144);
        const bad = sqsRecord(`{"orderId":"o-big","note":"${"x".repeat(300_000)}"}`, { correlationId: "corr-too-big" });
        const out = await captureOutput(() => handler(sqsEvent([bad, sqsRecord(order(2))]), lambdaContext()));
        assert.deepEqual(out.result, { batchItemFailures: [{ itemIdentifier: bad.messageId }] });
        assert.equal(dlq.size, 0);
        const line = logLines(out.lines).find((l) => l.message === "record too large for the DLQ hand-off; leaving it to SQS redrive");
        assert.equal(line?.correlation_id, "corr-too-big");
        assert.equal(line?.maximum_message_size, 262_144);
    });

    it("an error message quoting a character SQS refuses (U+FFFF, from a JSON escape in the body) reaches the DLQ cleaned, not refused", async () => {
        const { handler, dlq } = withSimulatedDlq();
        const bad = sqsRecord(String.raw`{"orderId":"o-1","amount":5,"simulate":"\uFFFF"}`);
        const out = await captureOutput(() => handler(sqsEvent([bad]), lambdaContext()));
        assert.deepEqual(out.result, { batchItemFailures: [] });
        assert.equal([...dlq.messages()][0].attributes.errorMessage.stringValue, 'PermanentError: simulate must be "transient" or "crash", got "\uFFFD"');
        // What SQS answers to the uncleaned text: the hand-off would have failed and the record waited for redrive.
        assert.equal(dlq.refusal("x", { errorMessage: stringAttribute("got \uFFFF") })?.name, "InvalidMessageContents");
    });
});

describe("parseOrder", () => {
    const permanent = (payload: unknown, message: string) => assert.throws(() => parseOrder(payload), (e: unknown) => e instanceof PermanentError && e.message === message);

    it("accepts a valid order", () => {
        assert.deepEqual(parseOrder({ orderId: "o-1", amount: 3.5, region: "eu-west-1" }), { orderId: "o-1", amount: 3.5, region: "eu-west-1" });
    });

    it("rejects invalid payloads as permanent, naming the field", () => {
        permanent([1], "payload is not a JSON object");
        permanent(null, "payload is not a JSON object");
        permanent({ amount: 1 }, "orderId is missing or not a string");
        permanent({ orderId: "o", amount: -1 }, "amount must be a positive number");
        permanent({ orderId: "o", amount: "1" }, "amount must be a positive number");
        permanent({ orderId: "o", amount: 1, region: 7 }, "region must be a string");
        permanent({ orderId: "o", amount: 1, simulate: "boom" }, 'simulate must be "transient" or "crash", got "boom"');
    });
});
