// One business event followed through fan-out by its correlation ID: the producer publishes it to SNS, SNS
// delivers it to two subscriber queues (one raw, one enveloped), and each subscriber's consumer logs and
// counts it under the same ID — the lines docs/observability.md's Logs Insights queries find.
import { strict as assert } from "assert";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { PublishBatchCommand, PublishBatchRequestEntry, SNSClient } from "@aws-sdk/client-sns";
import type { SQSRecord } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { createHandler as createProducer } from "../functions/fan-out-producer";
import { createHandler as createConsumer } from "../functions/queue-worker";
import { lambdaContext, snsEnvelope, sqsEvent, sqsRecord, stringAttribute } from "./fixtures/aws-events";
import { captureOutput, emfLines, logLines } from "./stdout";

const TOPIC = "arn:aws:sns:us-east-1:123456789012:fan-out-topic-1a2b3c4";

/** What SNS puts in a subscriber queue: the message itself with its attributes (raw), or the JSON envelope. */
function delivered(entry: PublishBatchRequestEntry, raw: boolean): SQSRecord {
    const attributes = Object.fromEntries(Object.entries(entry.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue!]));
    return raw
        ? sqsRecord(entry.Message!, { messageAttributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, stringAttribute(v)])) })
        : sqsRecord(snsEnvelope(entry.Message!, attributes, TOPIC));
}

const consumer = (service: string) => createConsumer({
    logger: new Logger({ serviceName: service }),
    metrics: new Metrics({ namespace: "ServerlessPatternsLab", serviceName: service }),
    maxReceiveCount: 5,
    deadLetter: null,
});

describe("following one event through fan-out by its correlation ID", () => {
    let sns: ReturnType<typeof mockClient>;
    before(() => { sns = mockClient(SNSClient); });
    after(() => sns.restore());

    it("the producer's lines and both subscribers' log and EMF lines all carry the producer's correlation ID", async () => {
        sns.on(PublishBatchCommand).callsFake((input) => ({ Successful: input.PublishBatchRequestEntries.map((e: { Id: string }) => ({ Id: e.Id, MessageId: `msg-${e.Id}` })) }));
        const producer = createProducer({
            client: new SNSClient({ region: "us-east-1" }), topicArn: TOPIC, send: { delay: async () => undefined },
            logger: new Logger({ serviceName: "fan-out-producer" }), metrics: new Metrics({ namespace: "ServerlessPatternsLab", serviceName: "fan-out-producer" }),
        });
        const published = await captureOutput(() => producer({ orders: [{ orderId: "o-42", amount: 120, region: "eu-west-1" }] }, lambdaContext("fan-out-producer")));
        assert.equal(published.error, undefined);
        const correlationId = (published.result as { correlationId: string }).correlationId;
        assert.match(correlationId, /^[0-9a-f-]{36}$/, "the producer created one");
        const [entry] = sns.commandCalls(PublishBatchCommand)[0].args[0].input.PublishBatchRequestEntries!;

        const raw = await captureOutput(() => consumer("fan-out-eu-orders-fn")(sqsEvent([delivered(entry, true)]), lambdaContext("fan-out-eu-orders-fn")));
        const enveloped = await captureOutput(() => consumer("fan-out-audit-fn")(sqsEvent([delivered(entry, false)]), lambdaContext("fan-out-audit-fn")));
        for (const [name, out] of [["raw", raw], ["enveloped", enveloped]] as const) {
            assert.deepEqual(out.result, { batchItemFailures: [] }, name);
            const processed = logLines(out.lines).find((l) => l.message === "order processed");
            assert.equal(processed?.correlation_id, correlationId, name);
            // A raw delivery is indistinguishable from a direct SendMessage; only the envelope says SNS.
            assert.equal(processed?.origin, name === "raw" ? "sqs" : "sns", name);
            assert.equal(processed?.orderId, "o-42", name);
            const emf = emfLines(out.lines).filter((l) => l.RecordsProcessed !== undefined);
            assert.deepEqual(emf.map((l) => l.correlation_id), [correlationId], name);
        }
        assert.ok(published.lines.length >= 2);
        for (const line of published.lines) assert.equal(line.correlation_id, correlationId, JSON.stringify(line));
        if (process.env.PRINT_SAMPLE) {
            for (const line of [...published.lines, ...raw.lines, ...enveloped.lines]) console.error(JSON.stringify(line));
        }
    });
});
