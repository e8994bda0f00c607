// The idempotent consumer against a real DynamoDB API (dynalite): conditional writes decide, not a mock.
import { strict as assert } from "assert";
import * as FakeTimers from "@sinonjs/fake-timers";
import { FullBatchFailureError } from "@aws-lambda-powertools/batch";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { GetItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import type { SQSRecord } from "aws-lambda";
import { createHandler, KeyStrategy } from "../functions/idempotent-consumer";
import { TransientError } from "../functions/shared/errors";
import { Order } from "../functions/shared/order";
import { lambdaContext, sqsEvent, sqsRecord } from "./fixtures/aws-events";
import { LocalDynamo, LOCAL_AWS_ENV, setEnv, startDynalite } from "./servers/dynalite";
import { captureOutput, emfLines, logLines } from "./stdout";

/** Counts side effects and lets a test hold one order mid-flight. */
class Sink {
    readonly effects: string[] = [];
    readonly calls: string[] = [];
    private gates = new Map<string, { entered: () => void; release: Promise<Error | undefined> }>();
    private failures = new Map<string, number>();

    /**
     * The next call for `orderId` waits until `release` is called; `entered` resolves when it starts. Released with
     * an error, the call ends with it, as an invocation Lambda stopped at its timeout never completes its step.
     */
    hold(orderId: string): { entered: Promise<void>; release: (error?: Error) => void } {
        let release!: (error?: Error) => void;
        let entered!: () => void;
        const enteredPromise = new Promise<void>((r) => { entered = r; });
        this.gates.set(orderId, { entered, release: new Promise<Error | undefined>((r) => { release = r; }) });
        return { entered: enteredPromise, release };
    }

    /** The next `times` calls for `orderId` throw a transient error. */
    failNext(orderId: string, times = 1): void {
        this.failures.set(orderId, times);
    }

    readonly processOrder = async (order: Order): Promise<void> => {
        this.calls.push(order.orderId);
        const gate = this.gates.get(order.orderId);
        if (gate) {
            this.gates.delete(order.orderId);
            gate.entered();
            const stopped = await gate.release;
            if (stopped) throw stopped;
        }
        const failures = this.failures.get(order.orderId) ?? 0;
        if (failures > 0) {
            this.failures.set(order.orderId, failures - 1);
            throw new TransientError("downstream unavailable");
        }
        this.effects.push(order.orderId);
    };
}

let dynamo: LocalDynamo;
let restoreEnv: () => void;
let tables = 0;

before(async function () {
    dynamo = await startDynalite();
    restoreEnv = setEnv({ ...LOCAL_AWS_ENV, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint });
});

after(async () => {
    restoreEnv?.();
    await dynamo?.stop();
});

/**
 * A consumer on a fresh table, reached through AWS_ENDPOINT_URL_DYNAMODB as in Lambda. `invoke` runs in one
 * execution environment; `invokeElsewhere` in a second one on the same table, as a concurrent Lambda instance would.
 */
async function consumer(strategy: KeyStrategy, options: { expiresAfterSeconds?: number } = {}) {
    const table = await dynamo.createIdempotencyTable(`idempotency-${++tables}`);
    const sink = new Sink();
    const environment = () => {
        const handler = createHandler({
            processOrder: sink.processOrder,
            // The SDK client is the layer's own, so AWS_ENDPOINT_URL_DYNAMODB reaches it as in Lambda.
            persistenceStore: new DynamoDBPersistenceLayer({ tableName: table }),
            keyStrategy: strategy,
            businessKeyPath: "orderId",
            expiresAfterSeconds: options.expiresAfterSeconds ?? 900,
            maxReceiveCount: 5,
            logger: new Logger({ serviceName: "idempotent-consumer" }),
            metrics: new Metrics({ namespace: "ServerlessPatternsLab", serviceName: "idempotent-consumer" }),
        });
        return async (records: SQSRecord[], remainingMs = 30_000) => ({
            records,
            ...await captureOutput(() => handler(sqsEvent(records), { ...lambdaContext("idempotent-consumer"), getRemainingTimeInMillis: () => remainingMs })),
        });
    };
    return { sink, table, invoke: environment(), invokeElsewhere: environment() };
}

/** The same message delivered again: same messageId and body, one more receive. */
const redelivery = (record: SQSRecord): SQSRecord => ({ ...record, attributes: { ...record.attributes, ApproximateReceiveCount: String(Number(record.attributes.ApproximateReceiveCount) + 1) } });
/** The same payload sent again by a retrying producer: a new message. */
const producerRetry = (record: SQSRecord): SQSRecord => sqsRecord(record.body);
const order = (id: string) => sqsRecord({ orderId: id, amount: 120 });
/**
 * The message IDs SQS will redeliver. When every record fails, Powertools throws FullBatchFailureError (Lambda then
 * retries the whole batch); any other thrown error fails the test.
 */
const failures = (out: { records: SQSRecord[]; result?: any; error?: unknown }) => {
    if (out.error instanceof FullBatchFailureError) return out.records.map((r) => r.messageId);
    if (out.error !== undefined) throw out.error;
    return (out.result.batchItemFailures as { itemIdentifier: string }[]).map((f) => f.itemIdentifier);
};
const suppressed = (lines: Record<string, any>[]) => emfLines(lines).map((l) => l.DuplicatesSuppressed).filter((v) => v !== undefined).flat().reduce((a: number, b: number) => a + b, 0);

describe("idempotent consumer on DynamoDB (dynalite)", function () {
    this.timeout(20_000);

    it("the same batch delivered twice: side effects once, duplicates counted", async () => {
        const { sink, invoke } = await consumer("messageId");
        const batch = [order("a-1"), order("a-2"), order("a-3")];
        const first = await invoke(batch);
        assert.deepEqual(failures(first), []);
        const second = await invoke(batch.map(redelivery));
        assert.deepEqual(failures(second), []);
        assert.deepEqual(sink.effects.sort(), ["a-1", "a-2", "a-3"]);
        assert.equal(suppressed(second.lines), 3);
        assert.equal(logLines(second.lines).filter((l) => l.message === "duplicate suppressed").length, 3);
    });

    it("a producer retry (same payload, new messageId) is caught by the business key, not by the messageId", async () => {
        for (const [strategy, expected] of [["messageId", ["b-1", "b-1"]], ["businessKey", ["b-1"]]] as const) {
            const { sink, invoke } = await consumer(strategy);
            const original = order("b-1");
            await invoke([original]);
            const retry = await invoke([producerRetry(original)]);
            assert.deepEqual(failures(retry), [], strategy);
            assert.deepEqual(sink.effects, expected, strategy);
        }
    });

    it("two concurrent invocations with one record: one side effect; the other is a batch item failure that succeeds on redelivery", async () => {
        const { sink, invoke, invokeElsewhere } = await consumer("messageId");
        const record = order("c-1");
        const held = sink.hold("c-1");
        const first = invoke([record]);
        try {
            await held.entered; // the first invocation holds the in-progress record
            const concurrent = await invokeElsewhere([redelivery(record)]);
            assert.deepEqual(failures(concurrent), [record.messageId]);
            const failure = logLines(concurrent.lines).find((l) => l.message === "record failed" && l.message_id === record.messageId);
            assert.equal(failure?.error.name, "IdempotencyAlreadyInProgressError");
            assert.equal(failure?.error_class, "transient");
        } finally {
            held.release();
        }
        assert.deepEqual(failures(await first), []);
        const again = await invokeElsewhere([redelivery(redelivery(record))]);
        assert.deepEqual(failures(again), []);
        assert.deepEqual(sink.effects, ["c-1"]);
        assert.deepEqual(sink.calls, ["c-1"], "the business step ran once");
    });

    it("a record that throws releases its idempotency record, so the redelivery processes it", async () => {
        const { sink, invoke, table } = await consumer("businessKey");
        const record = order("d-1");
        sink.failNext("d-1");
        const failed = await invoke([record]);
        assert.deepEqual(failures(failed), [record.messageId]);
        assert.equal((await dynamo.client.send(new ScanCommand({ TableName: table }))).Count, 0, "no record left behind");
        const retried = await invoke([redelivery(record)]);
        assert.deepEqual(failures(retried), []);
        assert.deepEqual(sink.calls, ["d-1", "d-1"]);
        assert.deepEqual(sink.effects, ["d-1"]);
        const items = (await dynamo.client.send(new ScanCommand({ TableName: table }))).Items ?? [];
        assert.equal(items.length, 1);
        assert.equal(items[0].status.S, "COMPLETED");
    });

    it("a record whose key path selects nothing is a permanent error, never processed without idempotency", async () => {
        const { sink, invoke, table } = await consumer("businessKey");
        const keyless = sqsRecord({ amount: 5 }, { correlationId: "corr-keyless" });
        const out = await invoke([keyless, order("e-1")]);
        assert.deepEqual(failures(out), [keyless.messageId]);
        const failure = logLines(out.lines).find((l) => l.message === "record failed");
        assert.equal(failure?.error_class, "permanent");
        assert.equal(failure?.error.message, "no idempotency key: the business key path orderId selects nothing in the payload");
        assert.equal(failure?.correlation_id, "corr-keyless");
        assert.deepEqual(sink.calls, ["e-1"]);
        assert.equal((await dynamo.client.send(new ScanCommand({ TableName: table }))).Count, 1);
    });

    it("a business key reused for a different payload is a permanent error, not a silent duplicate", async () => {
        const { sink, invoke } = await consumer("businessKey");
        await invoke([order("h-1")]);
        const conflicting = sqsRecord({ orderId: "h-1", amount: 999 }, { correlationId: "corr-conflict" });
        const out = await invoke([conflicting]);
        assert.deepEqual(failures(out), [conflicting.messageId]);
        const failure = logLines(out.lines).find((l) => l.message === "record failed");
        assert.equal(failure?.error_class, "permanent");
        assert.equal(failure?.correlation_id, "corr-conflict");
        assert.deepEqual(sink.effects, ["h-1"]);
    });

    describe("time (a fake clock for Date only; DynamoDB calls stay real)", () => {
        let clock: FakeTimers.Clock;
        beforeEach(() => { clock = FakeTimers.install({ toFake: ["Date"], now: Date.UTC(2026, 10, 24, 9, 0, 0) }); });
        afterEach(() => clock.uninstall());
        const advance = (ms: number) => clock.setSystemTime(Date.now() + ms);

        it("an in-progress record blocks until its invocation would have timed out, then another may take over", async () => {
            const { sink, invoke, invokeElsewhere } = await consumer("messageId");
            const record = order("f-1");
            const held = sink.hold("f-1"); // this invocation has 10 s left and never finishes its step in time
            const stuck = invoke([record], 10_000);
            try {
                await held.entered;
                advance(5_000);
                assert.deepEqual(failures(await invokeElsewhere([redelivery(record)])), [record.messageId], "still in progress at 5 s");
                advance(6_000);
                assert.deepEqual(failures(await invokeElsewhere([redelivery(record)])), [], "taken over at 11 s");
            } finally {
                held.release(new Error("Task timed out after 10.00 seconds"));
            }
            assert.deepEqual(failures(await stuck), [record.messageId]);
            assert.deepEqual(sink.effects, ["f-1"], "the takeover's side effect only");
        });

        it("a completed record answers duplicates until it expires, then the key is free again", async () => {
            const { sink, invoke, table } = await consumer("businessKey", { expiresAfterSeconds: 900 });
            const record = order("g-1");
            await invoke([record]);
            const item = await dynamo.client.send(new GetItemCommand({ TableName: table, Key: { id: { S: (await dynamo.client.send(new ScanCommand({ TableName: table }))).Items![0].id.S! } } }));
            assert.equal(Number(item.Item!.expiration.N), Math.floor(Date.now() / 1000) + 900);
            advance(899_000);
            await invoke([producerRetry(record)]);
            assert.deepEqual(sink.effects, ["g-1"], "caught inside the window");
            advance(2_000);
            await invoke([producerRetry(record)]);
            assert.deepEqual(sink.effects, ["g-1", "g-1"], "processed again after expiry");
        });
    });
});
