// Issue 25: an SQS event source mapping's scaling modes (default, maximumConcurrency, provisioned pollers) and SQS fair
// queues (noisy-tenant detection and delivery order), each rule as docs/fidelity.md states it.
import { strict as assert } from "assert";
import { VirtualClock } from "../lab/sim/clock";
import { EventSourceMapping, EsmOptions, INITIAL_CONCURRENCY, MAX_SQS_CONCURRENCY, PROVISIONED_MODE } from "../lab/sim/esm";
import { FAIR_QUEUE, SimMessage, SimQueue } from "../lab/sim/sqs";
import { parseLabConfig } from "../patterns/config";

const mappingOn = (clock: VirtualClock, q: SimQueue, scaling: Partial<EsmOptions>, work = 2000) => new EventSourceMapping(clock, q, () => async () => { await clock.sleep(work); },
    { functionName: "f", batchSize: 1, maximumBatchingWindowSeconds: 0, functionTimeoutSeconds: 30, reportBatchItemFailures: true, ...scaling });

/** The concurrency after `ms` of a burst of `n` one-record batches. */
async function concurrencyAt(scaling: Partial<EsmOptions>, ms: number, n = 20_000, work = 2000): Promise<{ esm: EventSourceMapping; concurrent: number; limit: number }> {
    const clock = new VirtualClock();
    const q = new SimQueue(clock, { name: "q", visibilityTimeoutSeconds: 180 });
    const esm = mappingOn(clock, q, scaling, work);
    for (let i = 0; i < n; i++) q.send(`m${i}`);
    let concurrent = 0;
    let limit = 0;
    clock.at(ms, () => { concurrent = esm.concurrent; limit = esm.concurrencyLimit; });
    await clock.run(ms);
    return { esm, concurrent, limit };
}

describe("event source mapping scaling modes (services-sqs-scaling, ProvisionedPollerConfig)", () => {
    it("default mode: 5 concurrent batches at first, +300 a minute, at most 1,250 for the mapping", async () => {
        assert.equal((await concurrencyAt({}, 500, 100)).concurrent, INITIAL_CONCURRENCY);
        const minute = await concurrencyAt({}, 60_000, 6000);
        assert.equal(minute.limit, INITIAL_CONCURRENCY + 300);
        assert.ok(minute.concurrent <= minute.limit && minute.concurrent > minute.limit - 15, String(minute.concurrent)); // a batch starts as another ends
        assert.equal(MAX_SQS_CONCURRENCY, 1250);
        assert.equal((await concurrencyAt({ maximumConcurrency: 7 }, 60_000, 300)).concurrent, 7);
    });

    it("provisioned mode: the minimum's invocations at once, +1,000 a minute, at most maximumPollers' worth", async () => {
        const per = PROVISIONED_MODE.invocationsPerPoller;
        assert.equal((await concurrencyAt({ provisionedPollers: { minimumPollers: 3, maximumPollers: 200 } }, 500, 100)).concurrent, 3 * per);
        assert.equal((await concurrencyAt({ provisionedPollers: { minimumPollers: 3, maximumPollers: 200 } }, 30_000, 6000)).limit, 3 * per + 500);
        const capped = await concurrencyAt({ provisionedPollers: { minimumPollers: 2, maximumPollers: 5 } }, 60_000, 3000);
        assert.equal(capped.concurrent, 5 * per);
        assert.equal(capped.esm.stats.peakPollers, 5);
    });

    it("provisioned pollers are billed while idle: the minimum runs from the start, the pollers return to it when the queue empties", async () => {
        const clock = new VirtualClock();
        const q = new SimQueue(clock, { name: "q", visibilityTimeoutSeconds: 180 });
        const esm = mappingOn(clock, q, { provisionedPollers: { minimumPollers: 2, maximumPollers: 100 } }, 1000);
        await clock.run(60_000);
        assert.equal(esm.eventPollerSeconds(), 2 * 60, "an idle minute costs the minimum's poller-seconds");
        for (let i = 0; i < 500; i++) q.send(`m${i}`);
        await clock.run(600_000);
        assert.equal(q.size, 0);
        assert.ok(esm.stats.peakPollers! > 2, String(esm.stats.peakPollers));
        const drained = esm.eventPollerSeconds();
        await clock.run(660_000);
        assert.equal(esm.eventPollerSeconds() - drained, 2 * 60, "back to the minimum once the queue is empty");
    });

    it("refuses maximum concurrency with provisioned pollers, and a minimum below SQS's 2", () => {
        const clock = new VirtualClock();
        const q = new SimQueue(clock, { name: "q", visibilityTimeoutSeconds: 180 });
        assert.throws(() => mappingOn(clock, q, { maximumConcurrency: 10, provisionedPollers: { minimumPollers: 2, maximumPollers: 10 } }), /exclusive/);
        assert.throws(() => mappingOn(clock, q, { provisionedPollers: { minimumPollers: 1, maximumPollers: 10 } }), /2 ≤ minimumPollers/);
        // The stack's config refuses the same before any resource (test/config.test.ts has the messages).
        assert.throws(() => parseLabConfig({ "serverless-patterns-lab:queueWorkerSettings": '{"maximumConcurrency":10,"provisionedPollers":{}}' }), /maximumConcurrency = 10/);
    });
});

describe("SQS fair queues (How Amazon SQS fair queues work)", () => {
    /** A queue with `heavy` messages of tenant a and `light` of each of b, c, d, received `inFlight` at a time from a. */
    function tenants(clock: VirtualClock, visibilityTimeoutSeconds = 60) {
        const q = new SimQueue(clock, { name: "fair", visibilityTimeoutSeconds });
        const send = (tenant: string, n: number) => { for (let i = 0; i < n; i++) q.send(`${tenant}-${i}`, { messageGroupId: tenant }); };
        const groups = (ms: SimMessage[]) => ms.map((m) => m.groupId);
        return { q, send, groups };
    }

    it("a tenant with more than 10 % of the in-flight messages and at least 30 of its own is noisy; quiet tenants' messages then go first", async () => {
        const clock = new VirtualClock();
        const { q, send, groups } = tenants(clock);
        send("a", 100);
        send("b", 5);
        assert.equal(groups(q.receive(29)).filter((g) => g === "a").length, 29);
        assert.deepEqual(groups(q.receive(1)), ["a"], "29 in flight: not noisy yet, the oldest message goes");
        assert.deepEqual(q.noisyGroups?.now, []);
        // 30 of a's own in flight and all of them: a is noisy at the next receive, and b's messages (sent after a's) go first.
        assert.deepEqual(groups(q.receive(7)), ["b", "b", "b", "b", "b", "a", "a"], "quiet first; with none waiting, the noisy tenant's as usual");
        assert.deepEqual(q.noisyGroups?.now, ["a"]);
        assert.equal(FAIR_QUEUE.noisyMinInFlight, 30);
        assert.equal(FAIR_QUEUE.noisyShare, 0.1);
    });

    it("a tenant stops being noisy when its backlog is used up, or after 5 minutes without a send", async () => {
        const clock = new VirtualClock();
        const { q, send } = tenants(clock);
        send("a", 40);
        q.receive(30);
        send("b", 1);
        q.receive(1);
        assert.deepEqual(q.noisyGroups?.now, ["a"]);
        q.receive(10); // a's last 9 messages: its backlog is used up
        q.receive(1);
        assert.deepEqual(q.noisyGroups?.now, [], "backlog used up");
        const clock2 = new VirtualClock();
        const t2 = tenants(clock2, 43_200); // a's messages stay in flight the whole time
        t2.send("a", 100);
        t2.q.receive(40);
        t2.q.receive(1);
        assert.deepEqual(t2.q.noisyGroups?.now, ["a"]);
        await clock2.run(FAIR_QUEUE.quietAfterMs - 1);
        t2.q.receive(1);
        assert.deepEqual(t2.q.noisyGroups?.now, ["a"], "4 min 59 s since a's last send: still noisy");
        await clock2.run(FAIR_QUEUE.quietAfterMs);
        t2.q.receive(1);
        assert.deepEqual(t2.q.noisyGroups?.now, [], "5 minutes without a send");
    });

    it("messages without a MessageGroupId are each their own tenant and never noisy; a MessageGroupId SQS would refuse is refused", () => {
        const clock = new VirtualClock();
        const q = new SimQueue(clock, { name: "plain", visibilityTimeoutSeconds: 60 });
        for (let i = 0; i < 50; i++) q.send(`m${i}`);
        q.receive(50);
        assert.equal(q.noisyGroups, undefined, "no tenant key: not a fair queue");
        assert.throws(() => q.send("x", { messageGroupId: "has space" }), /MessageGroupId "has space" is not 1–128/);
        assert.throws(() => q.send("x", { messageGroupId: "g".repeat(129) }), /not 1–128/);
    });
});

