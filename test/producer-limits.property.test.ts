// The producers against orders of any size and any unicode, as properties over seeded random invokes (fast-check),
// sending to the lab's SNS topic and EventBridge bus, which refuse what the services refuse: every order is sent
// exactly once or named in the error as too large for the API, never both and never neither, and no call is refused
// whole (each within the documented entry count and aggregate size, bytes counted as the service counts them).
import { strict as assert } from "assert";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { PublishBatchCommand } from "@aws-sdk/client-sns";
import fc from "fast-check";
import { createHandler as createEventProducer } from "../functions/event-producer";
import { createHandler as createFanOutProducer } from "../functions/fan-out-producer";
import { messageSize, putEventsEntrySize } from "../functions/shared/aws-limits";
import { ENTRY_TOO_LARGE, UnsentEntriesError } from "../functions/shared/send-batches";
import { quietPowertools } from "../lab/harness";
import { simulatedEventBridgeClient, simulatedSnsClient } from "../lab/sim/clients";
import { VirtualClock } from "../lab/sim/clock";
import { SimEventBus } from "../lab/sim/eventbridge";
import { SimTopic } from "../lab/sim/sns";
import { SimQueue } from "../lab/sim/sqs";
import { lambdaContext } from "./fixtures/aws-events";

const SEED = 23;

/** Padding in 1- to 4-byte UTF-8 characters, so bytes and characters differ; sizes around the limits that matter. */
const padding = fc.tuple(
    fc.constantFrom("x", "é", "€", "😀"),
    fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 0, max: 2_000 }) },
        { weight: 3, arbitrary: fc.integer({ min: 20_000, max: 70_000 }) },
        { weight: 1, arbitrary: fc.integer({ min: 240_000, max: 300_000 }) },
        // Within a few hundred bytes of 256 KiB alone, or of it in pairs: where counting the attributes decides.
        { weight: 2, arbitrary: fc.integer({ min: 261_800, max: 262_144 }) },
        { weight: 2, arbitrary: fc.integer({ min: 130_800, max: 131_072 }) },
    ),
).map(([ch, bytes]) => ch.repeat(Math.floor(bytes / Buffer.byteLength(ch))));

const orders = (maxLength: number) => fc.array(padding, { minLength: 1, maxLength }).map((pads) => pads.map((note, i) => ({ orderId: `o-${i}`, amount: 1 + i, region: "eu-west-1", note })));
// The properties are about what is sent: the handlers' logs and EMF documents would only fill the test output.
const quiet = () => quietPowertools(() => ({ logger: new Logger({ serviceName: "producer", logLevel: "SILENT" }), metrics: new Metrics({ namespace: "ServerlessPatternsLab", serviceName: "producer" }), send: { delay: async () => undefined } }));

/** What an invoke ended with: the order IDs sent and those named as unsent, with their codes. */
async function invoke(handler: (input: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>, input: unknown) {
    try {
        await handler(input, lambdaContext("producer"));
        return [];
    } catch (error) {
        assert.ok(error instanceof UnsentEntriesError, String(error));
        return error.failures;
    }
}

describe("producers against orders of any size (property-based, fast-check, seeded)", () => {
    it("fan-out producer: every order published once or named too large for SNS, every PublishBatch within 10 entries and 256 KiB (60 invokes)", async () => {
        await fc.assert(fc.asyncProperty(orders(30), async (list) => {
            const clock = new VirtualClock();
            const topic = new SimTopic(clock, "fan-out-topic");
            const queue = new SimQueue(clock, { name: "audit", visibilityTimeoutSeconds: 30 });
            topic.subscribe({ name: "audit", queue, rawMessageDelivery: true });
            const client = simulatedSnsClient(topic);
            const calls: { entries: number; bytes: number }[] = [];
            const spy = { send: (command: PublishBatchCommand) => {
                const entries = command.input.PublishBatchRequestEntries!;
                calls.push({ entries: entries.length, bytes: entries.reduce((n, e) => n + messageSize(e.Message!, e.MessageAttributes), 0) });
                return client.send(command);
            } };
            const handler = createFanOutProducer({ client: spy as never, topicArn: topic.arn, ...quiet() });
            const failures = await invoke(handler, { orders: list, correlationId: "c-1" });
            const published = [...queue.messages()].map((m) => JSON.parse(m.body).orderId as string);
            assert.equal(new Set(published).size, published.length, "no order published twice");
            assert.ok(failures.every((f) => f.code === ENTRY_TOO_LARGE), "no call refused whole, no entry refused by SNS");
            assert.deepEqual([...published, ...failures.map((f) => f.id)].sort(), list.map((o) => o.orderId).sort(), "every order sent or named");
            for (const f of failures) assert.ok(Number(f.message.replace(/ bytes.*/, "").replace(/,/g, "")) > 262_144, f.message);
            assert.ok(calls.every((c) => c.entries <= 10 && c.bytes <= 262_144), JSON.stringify(calls));
        }), { seed: SEED, numRuns: 60 });
    });

    it("event producer: every order put once or named too large for PutEvents, every call within 10 entries and under 1 MB (20 invokes)", async () => {
        // Orders up to about 1.1 MB here, a few per invoke (what they cost in memory): PutEvents takes entries totalling less than 1 MB.
        const big = fc.array(fc.tuple(fc.constantFrom("x", "€"), fc.oneof(
            fc.integer({ min: 0, max: 1_100_000 }), fc.integer({ min: 1_048_300, max: 1_048_576 }), fc.integer({ min: 524_000, max: 524_288 }),
        )), { minLength: 1, maxLength: 5 })
            .map((pads) => pads.map(([ch, bytes], i) => ({ orderId: `o-${i}`, amount: 1 + i, note: ch.repeat(Math.floor(bytes / Buffer.byteLength(ch))) })));
        await fc.assert(fc.asyncProperty(big, async (list) => {
            const bus = new SimEventBus(new VirtualClock(), () => 0.5, "lab-orders");
            const client = simulatedEventBridgeClient(bus);
            const sent: string[] = [];
            const calls: { entries: number; bytes: number }[] = [];
            const spy = { send: async (command: PutEventsCommand) => {
                const entries = command.input.Entries!;
                calls.push({ entries: entries.length, bytes: entries.reduce((n, e) => n + putEventsEntrySize(e), 0) });
                const out = await client.send(command);
                out.Entries!.forEach((r, i) => { if (r.EventId) sent.push(JSON.parse(entries[i].Detail!).orderId); });
                return out;
            } };
            const handler = createEventProducer({ client: spy as never, busName: "lab-orders", ...quiet() });
            const failures = await invoke(handler, { orders: list });
            assert.equal(new Set(sent).size, sent.length, "no order put twice");
            assert.ok(failures.every((f) => f.code === ENTRY_TOO_LARGE), "no call refused whole");
            assert.deepEqual([...sent, ...failures.map((f) => f.id)].sort(), list.map((o) => o.orderId).sort(), "every order sent or named");
            assert.equal(bus.counts.put, sent.length);
            assert.ok(calls.every((c) => c.entries <= 10 && c.bytes < 1_048_576), JSON.stringify(calls));
        }), { seed: SEED, numRuns: 20 });
    });
});
