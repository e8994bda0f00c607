import { strict as assert } from "assert";
import { alarmsOnQueue, consumerStatements, ownLogsStatement, roleStatements, runProgram, Stack, T } from "./harness";

const P = "serverless-patterns-lab";
const CONSUMERS = ["message-id", "business-key", "fifo"];
const id = (strategy: string) => `idempotent-consumer-${strategy}`;

describe("idempotent consumer pattern", () => {
    let stack: Stack;
    before(async () => {
        stack = new Stack(await runProgram({ idempotentConsumer: true }));
    });
    const outputs = () => stack.run.outputs;
    const table = () => stack.get(T.table, "idempotent-consumer-records");

    it("keeps idempotency records in one on-demand, encrypted, point-in-time-recoverable table with TTL on Powertools' expiry attribute", () => {
        const t = table().inputs;
        assert.equal(t.billingMode, "PAY_PER_REQUEST");
        assert.equal(t.hashKey, "id");
        assert.deepEqual(t.attributes, [{ name: "id", type: "S" }]);
        assert.equal(t.rangeKey, undefined);
        assert.deepEqual(t.ttl, { attributeName: "expiration", enabled: true });
        assert.deepEqual(t.pointInTimeRecovery, { enabled: true });
        assert.deepEqual(t.serverSideEncryption, { enabled: true });
        assert.equal(stack.ofType(T.table).length, 1, "one table for every consumer");
    });

    it("alarms on throttled writes to the table", () => {
        const alarm = stack.get(T.alarm, "idempotent-consumer-records-write-throttles").inputs;
        assert.equal(alarm.namespace, "AWS/DynamoDB");
        assert.equal(alarm.metricName, "WriteThrottleEvents");
        assert.deepEqual(alarm.dimensions, { TableName: table().state.name });
        assert.deepEqual(alarm.alarmActions, [stack.get(T.topic, "alarms").state.arn]);
    });

    for (const strategy of CONSUMERS) {
        it(`${strategy}: may Get/Put/Update/Delete items on that table, receive from its own queue, send to its own DLQ, write its own logs, and nothing else`, () => {
            const fn = `${id(strategy)}-fn`;
            assert.deepEqual(roleStatements(stack, fn), [
                ownLogsStatement(stack, fn),
                ...consumerStatements(stack, id(strategy)),
                { Effect: "Allow", Sid: "IdempotencyRecords", Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], Resource: [table().state.arn] },
            ]);
        });

        it(`${strategy}: its queue redrives to its DLQ, which an alarm watches, and its function consumes it with partial batch responses`, () => {
            const queue = stack.get(T.queue, id(strategy));
            const dlq = stack.get(T.queue, `${id(strategy)}-dlq`);
            assert.deepEqual(JSON.parse(queue.inputs.redrivePolicy), { deadLetterTargetArn: dlq.state.arn, maxReceiveCount: 5 });
            assert.deepEqual(alarmsOnQueue(stack, `${id(strategy)}-dlq`).map((a) => a.inputs.metricName), ["ApproximateNumberOfMessagesVisible"]);
            const esm = stack.get(T.esm, `${id(strategy)}-esm`).inputs;
            assert.equal(esm.eventSourceArn, queue.state.arn);
            assert.equal(esm.functionName, stack.get(T.fn, `${id(strategy)}-fn`).state.arn);
            assert.deepEqual(esm.functionResponseTypes, ["ReportBatchItemFailures"]);
        });
    }

    it("gives each handler the table, its key strategy, the business key path and an expiry of visibility timeout × maxReceiveCount", () => {
        const expected: Record<string, string> = { "message-id": "messageId", "business-key": "businessKey", fifo: "businessKey" };
        for (const strategy of CONSUMERS) {
            const env = stack.get(T.fn, `${id(strategy)}-fn`).inputs.environment.variables;
            assert.equal(env.IDEMPOTENCY_TABLE_NAME, table().state.name, strategy);
            assert.equal(env.IDEMPOTENCY_KEY_STRATEGY, expected[strategy], strategy);
            assert.equal(env.IDEMPOTENCY_BUSINESS_KEY_PATH, "orderId", strategy);
            assert.equal(stack.get(T.queue, id(strategy)).inputs.visibilityTimeoutSeconds, 180, strategy);
            assert.equal(env.IDEMPOTENCY_EXPIRY_SECONDS, String(180 * 5), strategy);
            assert.equal(env.MAX_RECEIVE_COUNT, "5", strategy);
        }
    });

    it("fifo: a FIFO queue with content-based deduplication, a FIFO DLQ, batches of at most 10 and no batching window", () => {
        const queue = stack.get(T.queue, id("fifo"));
        assert.equal(queue.inputs.fifoQueue, true);
        assert.equal(queue.inputs.contentBasedDeduplication, true);
        assert.ok(queue.state.name.endsWith(".fifo"));
        const dlq = stack.get(T.queue, `${id("fifo")}-dlq`);
        assert.equal(dlq.inputs.fifoQueue, true);
        assert.ok(dlq.state.name.endsWith(".fifo"));
        const esm = stack.get(T.esm, `${id("fifo")}-esm`).inputs;
        assert.ok(esm.batchSize <= 10);
        assert.equal(esm.maximumBatchingWindowInSeconds, undefined);
        for (const standard of ["message-id", "business-key"]) {
            assert.equal(stack.get(T.queue, id(standard)).inputs.fifoQueue, undefined, standard);
        }
    });

    it("outputs the table and, per strategy, the queue to send to and its DLQ", async () => {
        const out = outputs().idempotentConsumer;
        assert.equal(out.tableName, table().state.name);
        assert.equal(out.expiresAfterSeconds, 900);
        assert.deepEqual(Object.keys(out.consumers), CONSUMERS);
        for (const strategy of CONSUMERS) {
            assert.equal(out.consumers[strategy].queueUrl, stack.get(T.queue, id(strategy)).state.url);
            assert.equal(out.consumers[strategy].deadLetterQueueUrl, stack.get(T.queue, `${id(strategy)}-dlq`).state.url);
        }
    });

    it("takes the business key path and a longer expiry from config", async () => {
        const configured = new Stack(await runProgram({ idempotentConsumer: true, idempotentConsumerSettings: { businessKeyPath: "order.id", expiresAfterSeconds: 86_400 } }));
        const env = configured.get(T.fn, `${id("business-key")}-fn`).inputs.environment.variables;
        assert.equal(env.IDEMPOTENCY_BUSINESS_KEY_PATH, "order.id");
        assert.equal(env.IDEMPOTENCY_EXPIRY_SECONDS, "86400");
    });

    const invalid: [string, Record<string, unknown>, string][] = [
        ["an expiry shorter than the redelivery horizon", { expiresAfterSeconds: 600 },
            `Invalid config ${P}:idempotentConsumerSettings.expiresAfterSeconds = 600: allowed at least the redelivery horizon 900 (visibility timeout × maxReceiveCount): a shorter expiry lets redeliveries through`],
        ["a business key path that is not JMESPath", { businessKeyPath: "order..id" },
            `Invalid config ${P}:idempotentConsumerSettings.businessKeyPath = "order..id": allowed a non-empty JMESPath expression, e.g. "orderId" or "order.id" (Invalid jmespath expression: parse error at column 6, found unexpected token "." (dot) in expression: order..id)`],
        ["a batch size the FIFO consumer cannot take", { batchSize: 20, maximumBatchingWindowSeconds: 1 },
            `Invalid config ${P}:idempotentConsumerSettings.batchSize = 20: allowed an integer 1–10 (the pattern's FIFO consumer: SQS event source mapping limit for FIFO queues)`],
        ["a batching window", { maximumBatchingWindowSeconds: 5 },
            `Invalid config ${P}:idempotentConsumerSettings.maximumBatchingWindowSeconds = 5: allowed 0 (the pattern's FIFO consumer: FIFO queues have no batching window)`],
    ];
    for (const [what, settings, message] of invalid) {
        it(`stops on ${what}, naming key, value and what is allowed, before registering anything`, async () => {
            const run = await runProgram({ idempotentConsumer: true, idempotentConsumerSettings: settings });
            assert.equal(run.error?.message, message);
            assert.equal(run.resources.length, 0);
        });
    }
});
