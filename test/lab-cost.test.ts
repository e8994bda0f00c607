// The lab's bill: each billing rule pinned with AWS's wording, on the meters beside each simulated service, and the
// price table's own promises (every figure sourced and dated, every assumption named where its cost is printed).
import { strict as assert } from "assert";
import { PublishBatchCommand } from "@aws-sdk/client-sns";
import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import * as sqs from "@aws-sdk/client-sqs";
import { IdempotencyItemAlreadyExistsError } from "@aws-lambda-powertools/idempotency";
import { IdempotencyRecord } from "@aws-lambda-powertools/idempotency/persistence";
import { Billing, costReport, dollars, round } from "../lab/cost/billing";
import { DeployedResource, fixedMonthlyCost } from "../lab/cost/deployed";
import { PRICE_TABLE_DATE, PRICES, usd } from "../lab/cost/prices";
import { asyncEventExtraRequests, billedChunks, COST_ASSUMPTIONS, epuHours, gbSeconds, idleEpuHoursPerMonth, idleReceives, LAMBDA_INIT_MS, readRequestUnits, writeRequestUnits } from "../lab/cost/rules";
import { AsyncLambda } from "../lab/sim/async-lambda";
import { simulatedEventBridgeClient, simulatedSnsClient, simulatedSqsClient } from "../lab/sim/clients";
import { VirtualClock } from "../lab/sim/clock";
import { CloudWatch, CustomMetricsMeter } from "../lab/sim/cloudwatch";
import { EventSourceMapping, LambdaMeter } from "../lab/sim/esm";
import { SimEventBus } from "../lab/sim/eventbridge";
import { SimIdempotencyStore } from "../lab/sim/idempotency-store";
import { SimTopic } from "../lab/sim/sns";
import { SimQueue, stringAttribute } from "../lab/sim/sqs";

const KB = 1024;
const billed = () => new Billing();
const queueWith = (billing: Billing, clock = new VirtualClock(), name = "orders") => new SimQueue(clock, { name, visibilityTimeoutSeconds: 30, billing });

describe("lab: cost, billed as AWS bills", () => {
    describe("the price table", () => {
        it("every price is dated, sourced by page and URL, and says whether AWS's page showed it or a third party did", () => {
            assert.equal(PRICE_TABLE_DATE, "2026-12-02");
            for (const [id, p] of Object.entries(PRICES) as [string, { usd: number; per: number; source: { title: string; url: string; kind: string; via?: string }; assumption?: string }][]) {
                assert.ok(p.usd >= 0 && p.per > 0, id);
                assert.match(p.source.url, /^https:\/\/aws\.amazon\.com\//, `${id}: the AWS pricing page it belongs to`);
                assert.ok(["aws", "aws-copy", "third-party"].includes(p.source.kind), id);
                if (p.source.kind !== "aws") assert.ok((p.source.via ?? "").length > 10, `${id}: a figure not read on AWS's page names where it was read`);
                if (p.assumption) assert.ok(p.assumption in COST_ASSUMPTIONS, `${id}: its assumption is a named one`);
            }
        });

        it("includes the prices of provisioned-mode event pollers for SQS and of event-bus logging (vended logs), for the parts that will meter them", () => {
            assert.equal(usd("lambda.sqs-esm.epu", 8000), 74, "AWS's own example: 8,000 EPU-hours at $0.00925 = $74");
            assert.equal(PRICES["cloudwatch.logs.vended-ingestion"].assumption, "EVENTBRIDGE_BUS_LOGS");
        });
    });

    describe(`SQS: "Each 64 KB chunk of a payload is billed as 1 request"; "Every Amazon SQS action counts as a request"`, () => {
        it("a 64 KB message is one request, a 65 KB message two, a 256 KB payload four", () => {
            assert.deepEqual([billedChunks(64 * KB), billedChunks(65 * KB), billedChunks(256 * KB), billedChunks(0)], [1, 2, 4, 1]);
            const billing = billed();
            const queue = queueWith(billing, new VirtualClock());
            queue.send("x".repeat(65 * KB));
            assert.equal(queue.meter!.counts.requests, 2);
            queue.send("x".repeat(64 * KB));
            assert.equal(queue.meter!.counts.requests, 3);
        });

        it("a receive that finds nothing is a request (an empty receive); one that returns 10 messages of 10 KB (100 KB) is two", () => {
            const queue = queueWith(billed());
            queue.receive(10);
            assert.equal(queue.meter!.counts.requests, 1);
            for (let i = 0; i < 10; i++) queue.send("y".repeat(10 * KB));
            queue.receive(10);
            assert.equal(queue.meter!.counts.requests, 1 + 10 + 2);
        });

        it("a message's attributes are payload too: 10 messages of small bodies with 7 KB of attributes each (70 KB) are two requests to send one by one and two to receive", () => {
            const queue = queueWith(billed());
            const attributes = { trace: stringAttribute("t".repeat(7 * KB)) };
            for (let i = 0; i < 10; i++) queue.send(`{"orderId":"o-${i}"}`, { attributes });
            assert.equal(queue.meter!.counts.requests, 10, "each send is 7 KB: one request");
            assert.equal(queue.receive(10).length, 10);
            assert.equal(queue.meter!.counts.requests, 10 + 2);
        });

        it("SendMessageBatch of ten small messages is one request, however many entries", async () => {
            const queue = queueWith(billed());
            await simulatedSqsClient([queue]).send(new sqs.SendMessageBatchCommand({ QueueUrl: queue.url, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `e${i}`, MessageBody: `{"orderId":"o-${i}"}` })) }));
            assert.equal(queue.size, 10);
            assert.equal(queue.meter!.counts.requests, 1);
        });

        it("a FIFO queue's requests are billed at the FIFO price; a redrive move to the DLQ is no request of the account's", () => {
            const billing = billed();
            const clock = new VirtualClock();
            const dlq = new SimQueue(clock, { name: "dlq.fifo", visibilityTimeoutSeconds: 30, fifo: { contentBasedDeduplication: true }, billing });
            const queue = new SimQueue(clock, { name: "q.fifo", visibilityTimeoutSeconds: 0, fifo: { contentBasedDeduplication: true }, redrive: { deadLetter: dlq, maxReceiveCount: 1 }, billing });
            queue.send("a", { messageGroupId: "g" });
            queue.receive(1);
            queue.receive(1); // the second receive moves it to the DLQ
            assert.equal(dlq.size, 1);
            assert.equal(dlq.meter!.counts.requests, 0);
            const report = costReport(billing, 0, 1);
            assert.deepEqual(report.lines.map((l) => [l.resource, l.price, l.quantity]), [["q.fifo", "sqs.fifo.request", 3]]);
        });

        it("the event source mapping: a receive per batch, processed messages deleted ten to a DeleteMessageBatch (an assumption, named), a request per invocation", async () => {
            const billing = billed();
            const clock = new VirtualClock();
            const queue = queueWith(billing, clock);
            const esm = new EventSourceMapping(clock, queue, () => async () => undefined, {
                functionName: "fn", batchSize: 25, maximumBatchingWindowSeconds: 1, maximumConcurrency: 2, functionTimeoutSeconds: 10, reportBatchItemFailures: true, overheadMs: 100, billing, memoryMb: 512,
            });
            for (let i = 0; i < 25; i++) queue.send(`{"orderId":"o-${i}"}`);
            await clock.run(60_000);
            assert.equal(esm.stats.invocations, 1);
            const report = costReport(billing, 60_000, 25);
            const line = (price: string, assumes?: string) => report.lines.filter((l) => l.price === price && (l.assumes ?? []).join() === (assumes ?? "")).reduce((n, l) => n + l.quantity, 0);
            assert.equal(line("sqs.standard.request"), 25 + 1, "25 sends and one receive");
            assert.equal(line("sqs.standard.request", "ESM_DELETE_BATCH"), 3, "25 deletes in batches of 10");
            assert.equal(line("lambda.request"), 1);
            assert.equal(line("lambda.duration.arm64"), gbSeconds(100, 512), "100 ms at 512 MB on arm64, the project's architecture");
            assert.equal(line("lambda.duration.arm64", "LAMBDA_INIT_MS"), gbSeconds(LAMBDA_INIT_MS, 512), "one execution environment's INIT, billed since 1 August 2025");
            assert.equal(line("sqs.standard.request", "ESM_IDLE_POLLING"), idleReceives(59_000), "the pollers' empty long polls while the queue was empty");
            assert.ok(report.assumptions.every((a) => a.value === COST_ASSUMPTIONS[a.name]));
            assert.ok(report.assumedUsd > 0 && report.assumedUsd < report.totalUsd);
        });

        it("an idle mapping's pollers make about 657,000 empty receives a month: five pollers, one 20-s long poll each (ESM_IDLE_POLLING)", () => {
            assert.equal(idleReceives(60_000), 15);
            assert.equal(idleReceives(19_999), 0, "a long poll that a message ends early is not empty");
            assert.equal(idleReceives(730 * 3600_000), 657_000);
        });
    });

    describe(`provisioned mode: "Pricing is based on the provisioned minimum event pollers, and the event pollers consumed during autoscaling"; "SQS ESM: An EPU supports one event poller"; "calculated per second, with a 1-minute minimum"`, () => {
        it("the minimum pollers bill from the mapping's start, idle or not; a burst adds the pollers autoscaling started (one EPU each, ESM_EPU_BILLING)", async () => {
            const billing = billed();
            const clock = new VirtualClock();
            const queue = queueWith(billing, clock);
            const esm = new EventSourceMapping(clock, queue, () => async () => undefined, {
                functionName: "fn", batchSize: 10, maximumBatchingWindowSeconds: 0, provisionedPollers: { minimumPollers: 2, maximumPollers: 10 }, functionTimeoutSeconds: 10, reportBatchItemFailures: true, overheadMs: 1000, billing,
            });
            const epu = (endMs: number) => costReport(billing, endMs, 1).lines.filter((l) => l.price === "lambda.sqs-esm.epu");
            assert.deepEqual(epu(3_600_000).map((l) => [l.resource, l.quantity, l.assumes]), [["fn", 2, ["ESM_EPU_BILLING"]]], "an idle hour: the two minimum pollers, 2 EPU-hours");
            assert.equal(epu(10_000)[0]!.quantity, round(epuHours(0, 2)), "a 10-s run still bills a minute of each minimum poller");
            assert.equal(epuHours(20, 2), 120 / 3600);
            assert.equal(epuHours(3600.2, 1), 3601 / 3600, "by the second, rounded up");
            for (let i = 0; i < 500; i++) queue.send(`{"orderId":"o-${i}"}`);
            await clock.run(60_000);
            assert.ok((esm.stats.peakPollers ?? 0) > 2, "the burst scaled the pollers above the minimum");
            const seconds = esm.eventPollerSeconds(60_000);
            assert.ok(seconds > 2 * 60, "more than the minimum's poller-seconds");
            assert.equal(epu(60_000)[0]!.quantity, round(Math.ceil(seconds) / 3600));
            const report = costReport(billing, 60_000, 500);
            assert.ok(report.perMillionPerRequestUsd < report.perMillionMessagesUsd, "EPUs are billed by the hour, not by the request");
        });

        it("the README's fixed monthly cost: a mapping in provisioned mode adds its minimum pollers for 730 hours at $0.00925 per EPU-hour; the default mode none", () => {
            const esm = (urn: string, inputs: Record<string, unknown>): DeployedResource => ({ type: "aws:lambda/eventSourceMapping:EventSourceMapping", urn, parent: "urn:pulumi:s::p::serverless-patterns-lab:patterns:QueueWorker::q", inputs: { eventSourceArn: "arn:aws:sqs:us-east-1:1:q", ...inputs } });
            const resources: DeployedResource[] = [
                { type: "serverless-patterns-lab:patterns:QueueWorker", urn: "urn:pulumi:s::p::serverless-patterns-lab:patterns:QueueWorker::q", parent: "", inputs: {} },
                esm("m1", { provisionedPollerConfig: { minimumPollers: 2, maximumPollers: 200 } }),
                esm("m2", { scalingConfig: { maximumConcurrency: 10 } }),
            ];
            const lines = fixedMonthlyCost(resources).queueWorker.lines.filter((l) => l.price === "lambda.sqs-esm.epu");
            assert.deepEqual(lines.map((l) => [l.count, l.quantity, l.usd, l.assumes]), [[2, 1460, 13.505, undefined]]);
            assert.equal(idleEpuHoursPerMonth(2), 1460);
            assert.equal(PRICES["lambda.sqs-esm.epu"].usd, 0.00925);
        });
    });

    describe("SNS and EventBridge: 64 KB chunks", () => {
        it("SNS: a 65 KB publish is two requests; a PublishBatch of ten small messages one; each delivery to SQS is free and its SendMessage the queue's", async () => {
            const billing = billed();
            const clock = new VirtualClock();
            const topic = new SimTopic(clock, "t", { billing, maximumMessageSize: 1024 * KB });
            const queue = queueWith(billing, clock);
            topic.subscribe({ name: "s", queue, rawMessageDelivery: true });
            topic.publish({ Message: "x".repeat(65 * KB) });
            assert.equal(topic.meter!.counts.publishRequests, 2);
            await simulatedSnsClient(topic).send(new PublishBatchCommand({ TopicArn: topic.arn, PublishBatchRequestEntries: Array.from({ length: 10 }, (_, i) => ({ Id: `e${i}`, Message: `m${i}` })) }));
            assert.equal(topic.meter!.counts.publishRequests, 3);
            assert.equal(topic.meter!.counts.sqsDeliveries, 11);
            assert.equal(queue.meter!.counts.requests, 2 + 10, "the queue bills each delivery's SendMessage by its chunks");
            const deliveries = costReport(billing, 0, 11).lines.find((l) => l.price === "sns.delivery.sqs")!;
            assert.deepEqual([deliveries.quantity, deliveries.usd], [11, 0], "deliveries by endpoint type: to SQS, counted and free");
        });

        it(`EventBridge: "Each 64 KB chunk of a payload is billed as one event (for example, an event with a 256 KB payload is billed as 4 events)"`, async () => {
            const billing = billed();
            const bus = new SimEventBus(new VirtualClock(), () => 0.5, "b", { billing });
            const detail = (bytes: number) => JSON.stringify({ pad: "x".repeat(bytes - 10) });
            const put = (d: string) => simulatedEventBridgeClient(bus).send(new PutEventsCommand({ Entries: [{ EventBusName: "b", Source: "s", DetailType: "d", Detail: d }] }));
            await put(detail(1000));
            await put(detail(65 * KB));
            await put(detail(256 * KB - 2));
            assert.equal(bus.meter!.counts.events, 1 + 2 + 4);
        });
    });

    describe("Lambda, DynamoDB and CloudWatch", () => {
        it("Lambda: duration rounded up to the millisecond at the memory configured; an async event over 256 KB adds a request per 64 KB, up to 1 MB", () => {
            assert.equal(gbSeconds(100.2, 256), 0.101 * 0.25);
            assert.deepEqual([asyncEventExtraRequests(256 * KB), asyncEventExtraRequests(256 * KB + 1), asyncEventExtraRequests(1024 * KB)], [0, 1, 12]);
            const x86 = new LambdaMeter("f", 1024, "x86_64");
            x86.invocation(1000);
            assert.equal(usd(x86.usage()[1].price, x86.usage()[1].quantity), 0.0000166667, "one GB-second on x86_64");
        });

        it("Lambda async: every attempt is an invocation; a throttled attempt never ran and bills nothing", async () => {
            const billing = billed();
            const clock = new VirtualClock();
            let calls = 0;
            const fn = new AsyncLambda(clock, () => async () => { if (++calls === 1) throw new Error("boom"); }, { functionName: "f", functionTimeoutSeconds: 10, maximumRetryAttempts: 2, maximumEventAgeSeconds: 3600, billing, reservedConcurrency: 1 });
            fn.invoke({ a: 1 });
            fn.invoke({ a: 2 }); // throttled at first: reserved concurrency 1
            await clock.run(600_000);
            assert.equal(fn.stats.succeeded, 2);
            assert.ok(fn.stats.throttled >= 1);
            const requests = costReport(billing, 600_000, 2).lines.find((l) => l.price === "lambda.request")!.quantity;
            assert.equal(requests, fn.stats.attempts, "a request per attempt that ran, none per throttle");
        });

        it(`DynamoDB: a write request unit per KB; "If a ConditionExpression evaluates to false, DynamoDB still consumes write capacity": a lost claim bills`, async () => {
            assert.deepEqual([writeRequestUnits(1), writeRequestUnits(1024), writeRequestUnits(1025), readRequestUnits(4096, true), readRequestUnits(4097, false)], [1, 1, 2, 1, 1]);
            const store = new SimIdempotencyStore({ billing: billed() });
            const put = (store as unknown as { _putRecord(r: IdempotencyRecord): Promise<void> })._putRecord.bind(store);
            const record = () => new IdempotencyRecord({ idempotencyKey: "fn#abc", status: "INPROGRESS", expiryTimestamp: Date.now() / 1000 + 3600, inProgressExpiryTimestamp: Date.now() + 60_000 });
            await put(record());
            await assert.rejects(put(record()), IdempotencyItemAlreadyExistsError);
            assert.equal(store.counts.conflicts, 1);
            assert.equal(store.meter!.counts.writeUnits, 2, "the claim and the failed conditional claim");
        });

        it("CloudWatch: a custom metric is billed by the hours it was sent in (prorated over a 730-hour month); AWS's own metrics are free", () => {
            const cloudwatch = new CloudWatch(new VirtualClock());
            const emf = cloudwatch.metric("ServerlessPatternsLab", "RecordsRetried", { service: "fn" });
            emf.put(1, 0);
            emf.put(1, 30 * 60_000);
            emf.put(1, 61 * 60_000);
            cloudwatch.metric("ServerlessPatternsLab", "RecordsRetried", { service: "fn", errorClass: "transient" }).put(1, 0);
            cloudwatch.metric("AWS/SQS", "NumberOfMessagesSent", { QueueName: "q" }).put(1, 0);
            assert.equal(cloudwatch.customMetricHours(), 3, "two hours of one name × dimensions, one of another");
            assert.deepEqual(new CustomMetricsMeter(cloudwatch).usage(), [{ price: "cloudwatch.custom-metric", quantity: 3 / 730 }]);
        });

        it("alarms bill per metric they read, a metric-math alarm each metric in its expression, under 60 s at the high-resolution price; a KMS key and a dashboard by the month", () => {
            const alarm = (urn: string, inputs: Record<string, unknown>): DeployedResource => ({ type: "aws:cloudwatch/metricAlarm:MetricAlarm", urn, parent: "urn:pulumi:s::p::serverless-patterns-lab:patterns:FanOut::f", inputs });
            const resources: DeployedResource[] = [
                { type: "serverless-patterns-lab:patterns:FanOut", urn: "urn:pulumi:s::p::serverless-patterns-lab:patterns:FanOut::f", parent: "", inputs: {} },
                alarm("a1", { metricName: "Errors", period: 60 }),
                alarm("a2", { metricQueries: [{ id: "a", metric: { period: 60 } }, { id: "b", metric: { period: 60 } }, { id: "c", metric: { period: 60 } }, { id: "e", expression: "a-b-c" }] }),
                alarm("a3", { metricName: "Errors", period: 10 }),
                { type: "aws:kms/key:Key", urn: "k", parent: "", inputs: {} },
                { type: "aws:cloudwatch/dashboard:Dashboard", urn: "d", parent: "", inputs: {} },
            ];
            const costs = fixedMonthlyCost(resources);
            assert.deepEqual(costs.fanOut.lines.map((l) => [l.price, l.quantity]), [["cloudwatch.alarm.high-resolution", 1], ["cloudwatch.alarm.standard", 1], ["cloudwatch.alarm.standard", 3]]);
            assert.equal(costs.fanOut.totalUsd, 0.7);
            assert.equal(costs.shared.totalUsd, 4, "the key $1 and the dashboard $3, once per stack");
            assert.equal(dollars(0.7), "$0.70");
        });
    });
});
