// The failure-mode lab: each scenario shows its documented AWS outcome with the real handlers, runs are
// reproducible, and nothing is lost in randomized runs. Virtual time throughout: no test sleeps.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import type { SQSBatchResponse } from "aws-lambda";
import { conservation, LabRun } from "../lab/harness";
import { DOCS_END, DOCS_START, writeDocsBlock } from "../lab/cli";
import { ALARM, FAULT, kindOf, LOOKS, sweepChart, timelineChart, timelineSpec } from "../lab/charts";
import { docsTable, firstAlarm, formatDuration } from "../lab/report";
import { findScenario, runScenario } from "../lab/runner";
import { allowedKeys, resolve, ScenarioResult } from "../lab/scenario";
import { SCENARIOS } from "../lab/scenarios";
import { CURATED_SWEEPS } from "../lab/sweeps";
import { VirtualClock } from "../lab/sim/clock";
import { AsyncLambda } from "../lab/sim/async-lambda";
import { EventSourceMapping, LAMBDA_BACKOFF } from "../lab/sim/esm";
import { snsRetryDelayMs } from "../lab/sim/sns";
import { FIFO_DEDUPLICATION_MS, SimQueue, SQS_METRICS_RESUME_DELAY_MS } from "../lab/sim/sqs";

// A run is a pure function of scenario, settings and seed, so the runs on defaults are shared between tests.
const shared = new Map<string, Promise<ScenarioResult>>();
const run = (name: string, sets: Record<string, string> = {}, seed = 1): Promise<ScenarioResult> => {
    const key = JSON.stringify([name, sets, seed]);
    if (Object.keys(sets).length > 0 || seed !== 1) return runScenario(findScenario(name), { seed, sets });
    if (!shared.has(key)) shared.set(key, runScenario(findScenario(name), { seed, sets }));
    return shared.get(key)!;
};
/** The randomized runs of the conservation test: 10 seeds, 5 scenarios each, settings drawn from the seed. */
function randomizedRuns(): [string, Record<string, string>, number][] {
    const rnd = (seed: number) => { let a = seed * 2654435761 >>> 0; return () => ((a = (a * 1103515245 + 12345) >>> 0) / 2 ** 32); };
    const runs: [string, Record<string, string>, number][] = [];
    for (let seed = 1; seed <= 10; seed++) {
        const r = rnd(seed);
        runs.push(
            ["poison-message", { messages: String(1 + Math.floor(r() * 60)), poisonMessages: String(Math.floor(r() * 10)), maxReceiveCount: String(1 + Math.floor(r() * 6)) }, seed],
            ["poison-message-whole-batch", { messages: String(1 + Math.floor(r() * 40)), poisonMessages: String(Math.floor(r() * 3)) }, seed],
            ["transient-outage", { durationSeconds: String(10 + Math.floor(r() * 60)), outageStartSeconds: String(Math.floor(r() * 30)), outageSeconds: String(Math.floor(r() * 1500)), maxReceiveCount: String(1 + Math.floor(r() * 5)) }, seed],
            ["producer-duplicates", { orders: String(20 + Math.floor(r() * 80)), producerRetryRate: r().toFixed(2), sqsDuplicateRate: (r() * 0.5).toFixed(2), producerRetryDelaySeconds: String(Math.floor(r() * 600)) }, seed],
            ["eventbridge-target-dlq", { orders: String(1 + Math.floor(r() * 30)), outageHours: String(Math.floor(r() * 30)), targetMaximumRetryAttempts: String(Math.floor(r() * 186)) }, seed],
        );
    }
    return runs;
}
const m = (r: ScenarioResult, key: string) => r.measures[key];

/** Every message that arrived left by exactly one door or is still there. */
function balanced(q: SimQueue): boolean {
    const c = q.counts;
    return c.sent + c.movedIn === c.deleted + c.redriven + c.expired + q.size;
}

describe("lab: scenarios show the documented AWS behaviour with the real handlers", () => {
    it("recursive requeue: a handler sending to its own queue runs 16 invocations per chain, then every receive is stopped until the message is in the source DLQ; RecursiveInvocationsDropped alarms", async () => {
        const r = await runScenario(findScenario("recursive-requeue"));
        assert.ok(r.conservation.holds);
        assert.deepEqual([r.conservation.processed, r.conservation.deadLettered, r.conservation.inFlight], [15, 5, 0]);
        assert.equal(r.measures["invocations per looping order (max; assumed limit)"], 16);
        assert.equal(r.measures["invocations stopped (RecursiveInvocationsDropped)"], 5 * 5, "5 chains × maxReceiveCount receives each");
        const alarm = r.alarms.find((a) => a.name === "queue-worker-fn-recursion-dropped")!;
        assert.equal(alarm.metricName, "RecursiveInvocationsDropped");
        assert.ok(alarm.firstAlarmSeconds !== null && alarm.firstAlarmSeconds <= 120, `${alarm.firstAlarmSeconds}`);
        assert.ok(r.expectations.every((e) => e.holds), JSON.stringify(r.expectations));
        assert.ok(r.assumes.some((a) => a.name === "RECURSION_LIMIT"));
    });

    it("poison message with partial batch responses: received exactly maxReceiveCount times, then in the DLQ; its 9 batch-mates processed once", async () => {
        const r = await run("poison-message");
        assert.equal(m(r, "receives per poison message"), 5);
        assert.equal(m(r, "messages in the DLQ"), 1);
        assert.equal(m(r, "side effects"), 9);
        assert.equal(m(r, "duplicates processed"), 0);
        assert.equal(m(r, "seconds until the first DLQ arrival"), 900); // 5 receives × 180 s visibility (6 × 30 s timeout)
        assert.deepEqual({ processed: r.conservation.processed, dlq: r.conservation.deadLettered, lost: r.conservation.lost }, { processed: 9, dlq: 1, lost: [] });
    });

    it("poison message without partial batch responses: the 9 batch-mates are reprocessed on every receive and end in the DLQ", async () => {
        const r = await run("poison-message-whole-batch");
        assert.equal(m(r, "receives per poison message"), 5);
        assert.equal(m(r, "side effects"), 45);
        assert.equal(m(r, "duplicates processed"), 36);
        assert.equal(m(r, "good messages in the DLQ"), 9);
        assert.equal(r.conservation.deadLettered, 10);
    });

    it("maxReceiveCount from --set changes how often the poison message is received", async () => {
        const r = await run("poison-message", { maxReceiveCount: "3" });
        assert.equal(m(r, "receives per poison message"), 3);
        assert.equal(r.settings.maxReceiveCount, 3);
    });

    it("visibility timeout lowered below the processing after the mapping was created: every receive repeats the side effect; processed messages whose deletes SQS ignores end in the DLQ; NumberOfMessagesDeleted counts every receiver's delete", async () => {
        // SQS honours none of the stale deletes: every message is received maxReceiveCount times, then redriven.
        const worst = await run("visibility-timeout", { staleDeleteRate: "0" });
        assert.equal(m(worst, "visibility timeout at creation (s)"), 360); // 6 × the 60 s function timeout: Lambda accepts the mapping
        assert.equal(m(worst, "visibility timeout after the change (s)"), 30);
        assert.equal(m(worst, "receives per message"), 5);
        assert.equal(m(worst, "side effects"), 50);
        assert.equal(m(worst, "messages in the DLQ"), 10);
        assert.equal(m(worst, "stale deletes that deleted (assumed rate)"), 0);
        assert.equal(m(worst, "max concurrent invocations"), 2);
        // Every one of the 50 deletes succeeded as a request: "including duplicate deletions", 5 per message sent.
        assert.deepEqual([m(worst, "NumberOfMessagesSent"), m(worst, "NumberOfMessagesDeleted")], [10, 50]);
        // "The request will succeed, but the message might not be deleted": with the default half, both happen.
        const r = await run("visibility-timeout");
        assert.ok(Number(m(r, "stale deletes that deleted (assumed rate)")) > 0 && Number(m(r, "stale deletes that deleted (assumed rate)")) < Number(m(r, "stale deletes")));
        assert.ok(Number(m(r, "side effects")) > 10 && Number(m(r, "side effects")) < 50, String(m(r, "side effects")));
        assert.equal(r.conservation.processed + r.conservation.deadLettered, 10);
        assert.ok(r.assumes.some((a) => a.name === "staleDeleteRate"), "the figures that follow from the assumed rate say so");
    });

    it("a mapping Lambda would refuse is refused before anything runs, naming the rule: a function timeout above the queue's visibility timeout, a processing time above the function timeout", () => {
        const scenario = findScenario("visibility-timeout");
        assert.throws(() => resolve(scenario, { visibilityTimeoutSeconds: "45" }),
            { name: "LabInputError", message: /^--set visibilityTimeoutSeconds=45: visibility-timeout allows more than functionTimeoutSeconds \(60\): Lambda refuses an SQS event source mapping whose function timeout exceeds the queue's visibility timeout/ });
        assert.throws(() => resolve(findScenario("poison-message"), { functionTimeoutSeconds: "600", visibilityTimeoutSeconds: "300" }), /allows more than functionTimeoutSeconds \(600\)/);
        assert.throws(() => resolve(scenario, { processingMs: "90000" }), /processingMs=90000 is longer than functionTimeoutSeconds=60: Lambda stops an invocation at its timeout/);
        assert.doesNotThrow(() => resolve(scenario, { loweredVisibilityTimeoutSeconds: "10" })); // a later SetQueueAttributes: Lambda does not check it
    });

    it("the same with the idempotent consumer: one side effect per order, duplicates blocked while in progress, all deleted", async () => {
        const r = await run("visibility-timeout-idempotent");
        assert.equal(m(r, "side effects"), 10);
        assert.equal(m(r, "duplicates processed"), 0);
        assert.equal(m(r, "messages in the DLQ"), 0);
        assert.ok(Number(m(r, "idempotency conflicts (in progress elsewhere)")) > 0);
        assert.equal(r.conservation.processed, 10);
    });

    it("burst: concurrency starts at 5, never exceeds maximumConcurrency, and the queue absorbs the rest", async () => {
        const r = await run("burst-backpressure", { messages: "2000" });
        assert.equal(m(r, "concurrent invocations after 1 s"), 5);
        assert.equal(m(r, "peak concurrent invocations"), 10);
        assert.equal(m(r, "invocations"), 200);
        assert.equal(m(r, "duplicates processed"), 0);
        // 200 batches, 10 at a time, 2.02 s each: about 40 s to drain.
        assert.ok(Number(m(r, "seconds to drain")) >= 40 && Number(m(r, "seconds to drain")) < 45, String(m(r, "seconds to drain")));
        const raised = await run("burst-backpressure", { messages: "2000", maximumConcurrency: "50" });
        assert.equal(m(raised, "peak concurrent invocations"), 50);
        assert.ok(Number(m(raised, "seconds to drain")) < Number(m(r, "seconds to drain")));
    });

    it("burst-backpressure compares the three scaling modes on one burst: the cap bounds the load, provisioned drains fastest, each mode conserves every message", async () => {
        const r = await run("burst-backpressure");
        assert.ok(r.conservation.holds);
        assert.equal(r.conservation.units, 3 * Number(m(r, "messages sent")));
        const n = (k: string) => Number(m(r, k));
        assert.equal(n("maximumConcurrency: peak concurrent invocations"), 10);
        assert.ok(n("provisioned mode: seconds to drain") < n("default mode: seconds to drain") && n("default mode: seconds to drain") < n("maximumConcurrency: seconds to drain"));
        assert.ok(n("default mode: peak concurrent invocations") > 10 && n("provisioned mode: peak concurrent invocations") > n("default mode: peak concurrent invocations"));
        assert.ok(n("provisioned mode: event poller-hours") >= (2 * r.virtualSeconds) / 3600 - 1e-9, "the two minimum pollers are billed for the whole run");
        assert.ok(r.assumes.some((a) => a.name === "PROVISIONED_MODE"), "the figures that follow from the assumption say so");
        assert.deepEqual(r.alarms.filter((a) => /-(default|capped|provisioned)-/.test(a.name)), [], "the comparison queues carry no alarm of the stack");
    });

    it("noisy-tenant: quiet tenants keep their time in the queue with fair queues, the noisy tenant is detected and alarmed, nothing is lost", async () => {
        const r = await run("noisy-tenant");
        assert.ok(r.conservation.holds && r.conservation.lost.length === 0);
        assert.deepEqual(r.expectations.filter((e) => !e.holds).map((e) => e.claim), []);
        const n = (k: string) => Number(m(r, k));
        assert.ok(n("quiet tenants' worst p99 with fair queues (s)") < 2, String(n("quiet tenants' worst p99 with fair queues (s)")));
        assert.ok(n("quiet tenants' worst p99 without fair queues (s)") > 20, String(n("quiet tenants' worst p99 without fair queues (s)")));
        assert.ok(n("tenant-a (bursts), with fair queues: p99 s in the queue") >= n("tenant-a (bursts), without fair queues: p99 s in the queue"));
        assert.equal(m(r, "tenants SQS marked noisy"), "tenant-a");
        const alarm = r.alarms.find((a) => a.name === "queue-worker-noisy-groups")!;
        assert.ok(alarm.firstAlarmSeconds !== null && alarm.firstAlarmSeconds >= r.faultStartSeconds!, "the noisy tenant raises the stack's noisy-groups alarm");
        assert.deepEqual(r.alarms.filter((a) => a.name.startsWith("queue-worker-no-tenant-key")), [], "the comparison queue carries no alarm of the stack");
        assert.ok(r.assumes.some((a) => a.name === "FAIR_QUEUE"), "the figures that follow from the assumption say so");
    });

    it("transient outage shorter than the retry budget: retried one visibility timeout later, nothing in the DLQ", async () => {
        const r = await run("transient-outage", { durationSeconds: "300" });
        assert.equal(m(r, "messages in the DLQ"), 0);
        assert.equal(m(r, "max receives of a message"), 2);
        assert.equal(m(r, "messages retried"), 1800); // 10/s for the 180 s outage
        assert.equal(m(r, "processed"), 3000);
    });

    it("transient outage longer than the retry budget: messages reach the DLQ after maxReceiveCount receives, none lost", async () => {
        const r = await run("transient-outage", { durationSeconds: "120", outageStartSeconds: "0", outageSeconds: "1200" });
        assert.equal(m(r, "max receives of a message"), 5);
        assert.equal(m(r, "messages in the DLQ"), 1200);
        assert.ok(r.conservation.holds);
    });

    it("EventBridge target failing retriably: 185 retries (186 attempts) in under 24 h, then the target DLQ with the documented attributes", async () => {
        const r = await run("eventbridge-target-dlq");
        assert.equal(m(r, "attempts per event (max)"), 186);
        assert.equal(m(r, "events in the target DLQ"), 10);
        assert.ok(Number(m(r, "hours until the DLQ (max; assumed backoff)")) < 24);
        assert.equal(m(r, "DLQ ERROR_CODE"), "THROTTLING");
        assert.equal(m(r, "DLQ EXHAUSTED_RETRY_CONDITION (assumed backoff)"), "MaximumRetryAttempts");
        assert.equal(m(r, "DLQ RETRY_ATTEMPTS"), "185");
        assert.equal(r.conservation.filteredOut, 10); // the low-value half matched no rule
    });

    it("EventBridge: a shorter event age stops retries earlier; a non-retriable error is not retried; a short outage loses nothing", async () => {
        const aged = await run("eventbridge-target-dlq", { targetMaximumEventAgeSeconds: "3600" });
        assert.ok(Number(m(aged, "hours until the DLQ (max; assumed backoff)")) <= 1);
        assert.ok(Number(m(aged, "attempts per event (max)")) < 186);
        assert.equal(m(aged, "DLQ EXHAUSTED_RETRY_CONDITION (assumed backoff)"), "MaximumEventAgeInSeconds");
        const refused = await run("eventbridge-target-dlq", { failure: "non-retriable" });
        assert.equal(m(refused, "attempts per event (max)"), 1);
        assert.equal(m(refused, "DLQ ERROR_CODE"), "NO_PERMISSIONS");
        assert.equal(m(refused, "DLQ EXHAUSTED_RETRY_CONDITION (assumed backoff)"), "none"); // never retried: no retry condition ran out
        const brief = await run("eventbridge-target-dlq", { outageHours: "2" });
        assert.equal(m(brief, "delivered after recovery"), 10);
        assert.equal(m(brief, "events in the target DLQ"), 0);
    });

    it("SNS filter policies: each subscriber processes exactly what its policy selects, raw or enveloped, with the correlation ID", async () => {
        for (const raw of ["true", "false"]) {
            const r = await run("sns-filtering", { rawMessageDelivery: raw });
            assert.ok(r.expectations.every((e) => e.holds), JSON.stringify(r.expectations));
            assert.equal(m(r, "audit: delivered"), 200);
            assert.equal(Number(m(r, "high-value: delivered")) + Number(m(r, "high-value: filtered out")), 200);
            assert.equal(m(r, "eu-orders: delivery"), raw === "true" ? "raw" : "enveloped");
            assert.equal(r.conservation.processed + r.conservation.filteredOut, 600);
        }
    });

    it("SNS to SQS: a server-side error is retried by the delivery policy and delivered after recovery; a client-side error goes to the subscription DLQ at once", async () => {
        // 6 orders a minute for 40 minutes; the queue refuses deliveries for the first 30: 180 orders meet the outage.
        const server = await run("sns-delivery-failure");
        assert.equal(m(server, "orders published"), 240);
        assert.equal(m(server, "in the subscription DLQ"), 0);
        assert.equal(m(server, "delivered to the queue"), 240);
        assert.equal(m(server, "processed by the consumer"), 240);
        assert.ok(Number(m(server, "retries (assumed jitter)")) > 15 * 60); // the earliest orders retried past the first three phases (15 retries), into the 20 s phase
        assert.equal(m(server, "client-side errors (not retried)"), 0);
        const client = await run("sns-delivery-failure", { failure: "client-error" });
        assert.equal(m(client, "retries (assumed jitter)"), 0);
        assert.equal(m(client, "in the subscription DLQ"), 180);
        assert.equal(m(client, "delivery attempts (assumed jitter)"), 240);
        assert.equal(m(client, "processed by the consumer"), 60);
        assert.equal(client.conservation.deadLettered, 180);
        assert.deepEqual(client.conservation.lost, []);
    });

    it("async invocation: a crashing event is tried 3 times, 60 s then 120 s apart, then lands in the on-failure queue", async () => {
        const r = await run("async-retries");
        assert.equal(m(r, "attempts per crashing event"), 3);
        assert.equal(m(r, "seconds between attempts"), "60, 120"); // a crashing attempt takes 20 ms, then the delay
        assert.equal(m(r, "events in the on-failure queue"), m(r, "crashing events"));
        assert.equal(m(r, "on-failure condition"), "RetriesExhausted");
        const once = await run("async-retries", { asyncMaximumRetryAttempts: "0" });
        assert.equal(m(once, "attempts per crashing event"), 1);
    });

    it("async invocation: an event that succeeded can be delivered again without any error, and a consumer that is not idempotent repeats its side effect", async () => {
        const every = await run("async-retries", { crashEvery: "0", duplicateRate: "1" });
        assert.equal(m(every, "delivered again after succeeding (assumed rate)"), m(every, "events matched (EU, not test)")); // each once, never a third time
        assert.equal(m(every, "duplicates processed"), m(every, "delivered again after succeeding (assumed rate)"));
        assert.equal(every.conservation.processed, m(every, "events matched (EU, not test)"));
        const none = await run("async-retries", { duplicateRate: "0" });
        assert.equal(m(none, "duplicates processed"), 0);
    });

    it("producer duplicates: message-id misses producer retries, business key and FIFO catch them, no idempotency catches nothing", async () => {
        const r = await run("producer-duplicates");
        const retries = Number(m(r, "producer retries"));
        assert.ok(retries > 0);
        assert.equal(m(r, "idempotent-message-id: duplicates processed"), retries);
        assert.equal(m(r, "idempotent-business-key: duplicates processed"), 0);
        assert.equal(m(r, "idempotent-fifo: duplicates processed"), 0);
        assert.equal(m(r, "idempotent-fifo: sends the queue deduplicated"), retries);
        assert.equal(m(r, "queue-worker: duplicates processed"), retries + Number(m(r, "queue-worker: SQS duplicate deliveries (assumed rate)")));
        // Past the 5-minute window the FIFO queue takes the retry; the business key still suppresses it.
        const late = await run("producer-duplicates", { orders: "100", producerRetryDelaySeconds: "400" });
        assert.equal(m(late, "idempotent-fifo: sends the queue deduplicated"), 0);
        assert.equal(m(late, "idempotent-fifo: duplicates processed"), 0);
    });

    it("detection: through a long target outage EventBridge's FailedInvocations and the target DLQ stay OK for hours while RetryInvocationAttempts fires in minutes; SNS's NumberOfNotificationsFailed stays OK on a server-side outage while deliveries-lagging fires", async () => {
        const after = (r: ScenarioResult, name: string) => {
            const a = r.alarms.find((x) => x.name === name);
            assert.ok(a, `${r.scenario} has no alarm ${name}: ${r.alarms.map((x) => x.name).join(", ")}`);
            return a.firstAlarmSeconds === null ? null : a.firstAlarmSeconds - r.faultStartSeconds!;
        };
        const eb = await run("eventbridge-target-dlq");
        assert.ok(after(eb, "event-routing-high-value-retrying")! <= 300, "retrying alarm within 5 minutes");
        // FailedInvocations counts "invocations that failed permanently": only when the 24 h retry policy runs out.
        assert.ok(after(eb, "event-routing-high-value-failed-invocations")! > 20 * 3600);
        assert.ok(after(eb, "event-routing-high-value-target-dlq-depth")! > 20 * 3600);

        const sns = await run("sns-delivery-failure"); // the default: a server-side error
        assert.equal(after(sns, "fan-out-topic-delivery-failures"), null); // SNS retries a server-side error for 23 days
        const lagging = after(sns, "fan-out-topic-deliveries-lagging");
        assert.ok(lagging !== null && lagging <= 900, String(lagging));
        const client = await run("sns-delivery-failure", { failure: "client-error" });
        assert.ok(after(client, "fan-out-topic-delivery-failures")! <= 120); // a client-side error is not retried: failed at once
    });

    it("the detection times the pattern READMEs and docs/observability.md state are the default runs' (seed 1)", async () => {
        const variants = new Map<string, Promise<ScenarioResult>>();
        const at = async (name: string, alarm: string, sets: Record<string, string> = {}) => {
            const key = JSON.stringify([name, sets]);
            if (!variants.has(key)) variants.set(key, run(name, sets));
            const r = await variants.get(key)!;
            const a = r.alarms.find((x) => x.name === alarm);
            assert.ok(a, `${name} has no alarm ${alarm}`);
            return [a.firstAlarmSeconds, a.okSeconds];
        };
        assert.deepEqual(await at("poison-message", "queue-worker-fn-errors"), [240, 960]);
        assert.deepEqual(await at("poison-message", "queue-worker-oldest-message-age"), [360, 600]); // before the poison message's third receive
        assert.deepEqual(await at("poison-message", "queue-worker-dlq-depth"), [1800, null]); // arrives at 900 s; the idle DLQ's metrics resume 15 min later
        assert.deepEqual((await at("poison-message-whole-batch", "queue-worker-fn-errors"))[0], 60);
        assert.deepEqual((await at("visibility-timeout", "queue-worker-fn-records-retried"))[0], 120);
        assert.deepEqual((await at("burst-backpressure", "queue-worker-oldest-message-age"))[0], 360);
        assert.deepEqual(await at("transient-outage", "queue-worker-fn-errors"), [120, 300]); // the outage starts at 60 s
        assert.deepEqual(await at("eventbridge-target-dlq", "event-routing-high-value-retrying"), [180, 81_780]);
        assert.equal(Math.round((await at("eventbridge-target-dlq", "event-routing-high-value-failed-invocations"))[0]! / 360) / 10, 21.9);
        assert.deepEqual((await at("eventbridge-target-dlq", "event-routing-high-value-failed-invocations", { failure: "non-retriable" }))[0], 60);
        assert.deepEqual((await at("eventbridge-target-dlq", "event-routing-high-value-target-dlq-depth", { failure: "non-retriable" }))[0], 900);
        assert.deepEqual(await at("sns-delivery-failure", "fan-out-topic-deliveries-lagging"), [600, 1860]);
        assert.deepEqual((await at("sns-delivery-failure", "fan-out-topic-delivery-failures", { failure: "client-error" }))[0], 60);
        assert.deepEqual((await at("sns-delivery-failure", "audit-delivery-dlq-depth", { failure: "client-error" }))[0], 900);
        assert.deepEqual((await at("async-retries", "event-routing-eu-orders-fn-errors"))[0], 60);
        assert.deepEqual((await at("async-retries", "event-routing-eu-orders-on-failure-depth"))[0], 1140);
        // A 5-second blip of the downstream raises -errors for one minute.
        assert.deepEqual(await at("transient-outage", "queue-worker-fn-errors", { outageSeconds: "5", durationSeconds: "300" }), [120, 180]); // while traffic goes on: its Errors 0s end the ALARM
    });

    it("the README's Deploy walk states the default poison-message run's alarm times, and the malformed message's as derived from it", async () => {
        const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
        const deploy = readme.slice(readme.indexOf("\n## Deploy\n"), readme.indexOf("\n## Policy pack\n"));
        assert.ok(deploy.length > 1000, "the Deploy section, up to the policy pack");
        const r = await run("poison-message");
        const first = (alarm: string) => r.alarms.find((a) => a.name === alarm)!.firstAlarmSeconds! / 60;
        const arrival = Number(m(r, "seconds until the first DLQ arrival")) / 60;
        const text = deploy.replace(/\s+/g, " ");
        assert.match(text, new RegExp(`lands in the DLQ after ${m(r, "receives per poison message")} receives \\(~${arrival} minutes\\)`));
        assert.ok(text.includes(`trips \`queue-worker-fn-errors\` after ${first("queue-worker-fn-errors")} minutes`), "fn-errors");
        assert.ok(text.includes(`\`queue-worker-oldest-message-age\` at ${first("queue-worker-oldest-message-age")} minutes`), "oldest-message-age");
        assert.ok(text.includes(`reaches the DLQ at ${arrival} minutes`), "DLQ arrival");
        assert.ok(text.includes(`\`queue-worker-dlq-depth\` fires at ${first("queue-worker-dlq-depth")} minutes`), "dlq-depth");
        assert.ok(text.includes(`the lab assumes the full ${SQS_METRICS_RESUME_DELAY_MS / 60_000}`), "the assumption named where the figure is printed");
        // A malformed message is sent to the DLQ at once: the assumed resume plus the alarm's one-minute period.
        assert.ok(text.includes(`\`queue-worker-dlq-depth\` fires about ${SQS_METRICS_RESUME_DELAY_MS / 60_000 + 1} minutes later, under the same assumed`), "malformed");
        // No other alarm time: every "N minutes" of the walk is one of the figures above.
        const stated = [...text.matchAll(/(\d+)(?:–\d+)? minutes/g)].map((x) => x[0]);
        const allowed = new Set([arrival, first("queue-worker-fn-errors"), first("queue-worker-oldest-message-age"), first("queue-worker-dlq-depth"), SQS_METRICS_RESUME_DELAY_MS / 60_000, SQS_METRICS_RESUME_DELAY_MS / 60_000 + 1].map((n) => `${n} minutes`));
        assert.deepEqual(stated.filter((x) => !allowed.has(x)), []);
    });

    it("every scenario's claims hold on its defaults; every fault raises an alarm of the stack within 15 minutes; no baseline raises any", async function () {
        this.timeout(30_000);
        const faults: string[] = [];
        for (const s of SCENARIOS) {
            const r = await run(s.name);
            assert.ok(r.conservation.holds, `${s.name}: lost ${r.conservation.lost}`);
            for (const e of r.expectations) assert.ok(e.holds, `${s.name}: ${e.claim}`);
            assert.ok(r.alarms.length > 0, `${s.name} registers the stack's alarms`);
            if (s.baseline) {
                assert.deepEqual(r.alarms.filter((a) => a.firstAlarmSeconds !== null).map((a) => a.name), [], s.name);
            } else if (r.faultStartSeconds !== null) {
                faults.push(s.name);
                const detected = r.alarms.filter((a) => a.firstAlarmSeconds !== null && a.firstAlarmSeconds - r.faultStartSeconds! <= 900);
                assert.ok(detected.length > 0, `${s.name}: no alarm within 15 minutes of the fault: ${JSON.stringify(r.alarms)}`);
            }
        }
        assert.equal(SCENARIOS.filter((s) => s.baseline).map((s) => s.pattern).sort().join(), "eventRouting,fanOut,idempotentConsumer,queueWorker");
        assert.ok(faults.length >= 8, faults.join());
    });
});

describe("lab: determinism and conservation", () => {
    it("two runs with one seed give identical JSON; another seed gives another run", async () => {
        // Each draws on the seed differently: random orders, producer retries and SQS duplicates, EventBridge jitter, SNS jitter.
        const cases: [string, Record<string, string>][] = [["sns-filtering", {}], ["producer-duplicates", { orders: "100" }], ["eventbridge-target-dlq", {}], ["sns-delivery-failure", {}]];
        for (const [name, sets] of cases) {
            const a = JSON.stringify(await run(name, sets, 7));
            const b = JSON.stringify(await run(name, sets, 7));
            assert.equal(a, b, name);
            assert.notEqual(JSON.stringify(await run(name, sets, 8)), a, name);
        }
    });

    it("conservation holds in randomized runs: many seeds, random failure and duplicate rates", async function () {
        this.timeout(60_000);
        for (const [name, sets, seed] of randomizedRuns()) {
            const x = await run(name, sets, seed);
            assert.ok(x.conservation.holds, `seed ${seed} ${x.scenario} ${JSON.stringify(x.params)}: lost ${x.conservation.lost.join(", ")}`);
        }
    });

    it("the conservation check fails loudly when a unit is nowhere", () => {
        const c = conservation(["a", "b", "c"], (u) => (u === "b" ? undefined : "processed"));
        assert.equal(c.holds, false);
        assert.deepEqual(c.lost, ["b"]);
    });
});

describe("lab: simulated services", () => {
    it("SQS: a delete with a stale receipt handle succeeds but may not delete; the latest one deletes", async () => {
        const clock = new VirtualClock();
        // staleDeleteRate 0: the stale delete is ignored. The other outcome is pinned by the next test.
        const q = new SimQueue(clock, { name: "q", visibilityTimeoutSeconds: 30, staleDeleteRate: 0, random: () => 0.5 });
        q.send("x");
        const first = q.record(q.receive(1)[0]).receiptHandle;
        await clock.run(30_000);
        const second = q.record(q.receive(1)[0]).receiptHandle;
        assert.equal(q.delete(first), false);
        assert.equal(q.size, 1);
        assert.equal(q.delete(second), true);
        assert.equal(q.size, 0);
        assert.ok(balanced(q));
    });

    it("SQS: a stale delete SQS honours removes the message, even one another consumer holds; the seeded rate decides", async () => {
        const clock = new VirtualClock();
        const draws = [0.3, 0.7];
        const q = new SimQueue(clock, { name: "q", visibilityTimeoutSeconds: 30, staleDeleteRate: 0.5, random: () => draws.shift()! });
        q.send("a");
        q.send("b");
        const [a1, b1] = q.receive(2).map((x) => q.record(x).receiptHandle);
        await clock.run(30_000);
        q.receive(2); // both received again: a1 and b1 are stale, the messages in flight with another consumer
        assert.equal(q.delete(a1), true); // draw 0.3 < 0.5: SQS deleted it anyway
        assert.equal(q.delete(b1), false); // draw 0.7: "the message might not be deleted"
        assert.deepEqual([...q.messages()].map((x) => x.body), ["b"]);
        assert.deepEqual({ stale: q.counts.staleDeletes, applied: q.counts.staleDeletesApplied }, { stale: 2, applied: 1 });
        assert.ok(balanced(q));
    });

    it("event source mapping: a throttled batch is retried with backoff until its visibility timeout runs out, then returns; concurrency backs off", async () => {
        const clock = new VirtualClock();
        const q = new SimQueue(clock, { name: "q", visibilityTimeoutSeconds: 60 });
        let gate = true; // the function's one reserved instance is busy until 20 s
        const esm = new EventSourceMapping(clock, q, () => async () => { if (gate) { gate = false; await clock.sleep(20_000); } },
            { functionName: "f", batchSize: 1, maximumBatchingWindowSeconds: 0, maximumConcurrency: 10, functionTimeoutSeconds: 30, reportBatchItemFailures: true, reservedConcurrency: 1 });
        q.send("first");
        q.send("second");
        await clock.run(59_000);
        // "second" was throttled at 0 s and retried 1, 2, 4, 8 s later: the 15 s retry found the instance free
        // before the visibility timeout, so one receive was enough.
        assert.equal(q.size, 0);
        assert.equal(q.counts.received, 2);
        assert.ok(esm.stats.throttleRetries >= 1);
        assert.equal(esm.stats.recordsReturned, 0);
        assert.ok(esm.stats.lowestBackoff! < 5, String(esm.stats.lowestBackoff)); // below the 5 batches pollers start with
        // A function that stays busy past the visibility timeout: the batch returns and is received again.
        const clock2 = new VirtualClock();
        const q2 = new SimQueue(clock2, { name: "q2", visibilityTimeoutSeconds: 10 });
        const esm2 = new EventSourceMapping(clock2, q2, () => async () => { await clock2.sleep(25_000); },
            { functionName: "g", batchSize: 1, maximumBatchingWindowSeconds: 0, maximumConcurrency: 10, functionTimeoutSeconds: 10, reportBatchItemFailures: true, reservedConcurrency: 1 });
        q2.send("busy");
        q2.send("waiting");
        await clock2.run(11_000);
        // The throttled batch's 10 s ran out before the instance freed; the busy one was stopped at its 10 s timeout (a
        // function timeout above the 10 s visibility timeout is a mapping Lambda refuses): both returned.
        assert.equal(esm2.stats.recordsReturned, 2);
        assert.equal(esm2.stats.byOutcome.timeout, 1);
        assert.ok(q2.counts.received >= 3, String(q2.counts.received)); // "waiting" was received again (and "busy" too)
    });

    it("event source mapping: failed invocations back off the concurrency gradually without ReportBatchItemFailures (one halving for a wave, LAMBDA_BACKOFF), and not with it", async () => {
        const lowest = async (reportBatchItemFailures: boolean) => {
            const clock = new VirtualClock();
            const q = new SimQueue(clock, { name: "q", visibilityTimeoutSeconds: 60 });
            const esm = new EventSourceMapping(clock, q, () => async () => { throw new Error("boom"); },
                { functionName: "f", batchSize: 1, maximumBatchingWindowSeconds: 0, maximumConcurrency: 10, functionTimeoutSeconds: 10, reportBatchItemFailures });
            for (let i = 0; i < 20; i++) q.send(`m${i}`);
            await clock.run(1_000);
            return esm.stats.lowestBackoff;
        };
        assert.equal(await lowest(true), undefined);
        // Five batches fail at once: the pollers halve once (5 → 2), not once per failed invocation (5 → 2 → 1 → 1 …).
        assert.equal(await lowest(false), Math.floor(5 * LAMBDA_BACKOFF.concurrencyFactor));
    });

    it("SQS: retention deletes a message nobody received; a standard DLQ keeps the source's enqueue time for retention, and its age metric counts from the move", async () => {
        const clock = new VirtualClock();
        const dlq = new SimQueue(clock, { name: "q-dlq", visibilityTimeoutSeconds: 30, retentionSeconds: 600 });
        const q = new SimQueue(clock, { name: "q", visibilityTimeoutSeconds: 60, retentionSeconds: 3600, redrive: { deadLetter: dlq, maxReceiveCount: 1 } });
        q.send("never received");
        q.send("poison");
        q.receive(1); // "never received" is first in line: received once, not deleted
        await clock.run(60_000);
        q.receive(10); // its second receive moves it to the DLQ; "poison" is received for the first time
        assert.equal(dlq.size, 1);
        await clock.run(120_000);
        // ApproximateAgeOfOldestMessage "indicates when the message moved to the dead-letter queue": 60 s, not 120 s.
        assert.equal(dlq.oldestAgeMs, 60_000);
        await clock.run(600_000); // 10 minutes after the first send: past the DLQ's retention, counted from the original send
        dlq.sweep();
        assert.equal(dlq.size, 0);
        assert.equal(dlq.counts.expired, 1);
        await clock.run(3_600_000);
        q.sweep();
        assert.equal(q.counts.expired, 1); // "poison" outlived the source queue's retention in flight and is gone
        assert.ok(balanced(q) && balanced(dlq));
    });

    it("SQS: a standard queue's age metric stops counting a message received three times, and counts the next one; a FIFO queue's keeps it", async () => {
        const clock = new VirtualClock();
        const q = new SimQueue(clock, { name: "q", visibilityTimeoutSeconds: 10 });
        q.send("poison");
        for (let receive = 1; receive <= 3; receive++) {
            assert.equal(q.oldestAgeMs, (receive - 1) * 10_000); // still counted before its third receive
            assert.equal(q.receive(1).length, 1);
            await clock.run(clock.now + 10_000);
        }
        assert.equal(q.oldestAgeMs, 0); // received three times, never deleted: excluded
        q.send("next");
        await clock.run(clock.now + 20_000);
        assert.equal(q.oldestAgeMs, 20_000); // the metric reflects the next message, while "poison" (50 s old) waits too
        assert.equal(q.size, 2);

        const fifoClock = new VirtualClock();
        const fifo = new SimQueue(fifoClock, { name: "q.fifo", visibilityTimeoutSeconds: 10, fifo: { contentBasedDeduplication: true } });
        fifo.send("poison", { messageGroupId: "g" });
        for (let receive = 1; receive <= 3; receive++) {
            assert.equal(fifo.receive(1).length, 1);
            await fifoClock.run(fifoClock.now + 10_000);
        }
        assert.equal(fifo.oldestAgeMs, 30_000); // FIFO "doesn't reorder messages": the blocked message keeps counting
    });

    it("event source mapping: a partial batch waits for the batching window; a full one goes at once", async () => {
        const clock = new VirtualClock();
        const q = new SimQueue(clock, { name: "q", visibilityTimeoutSeconds: 60 });
        const batches: { at: number; size: number }[] = [];
        new EventSourceMapping(clock, q, () => async (event) => { batches.push({ at: clock.now, size: event.Records.length }); },
            { functionName: "f", batchSize: 20, maximumBatchingWindowSeconds: 5, maximumConcurrency: 2, functionTimeoutSeconds: 10, reportBatchItemFailures: true });
        for (let i = 0; i < 25; i++) q.send(`m${i}`);
        await clock.run(30_000);
        assert.deepEqual(batches, [{ at: 0, size: 20 }, { at: 5000, size: 5 }]);
    });

    it("async invocation: an event older than maximumEventAgeInSeconds is not tried again and goes to the on-failure destination as EventAgeExceeded", async () => {
        const clock = new VirtualClock();
        const onFailure = new SimQueue(clock, { name: "on-failure", visibilityTimeoutSeconds: 30 });
        const fn = new AsyncLambda(clock, () => async () => { throw new Error("boom"); },
            { functionName: "f", maximumRetryAttempts: 2, maximumEventAgeSeconds: 90, functionTimeoutSeconds: 10, onFailure });
        fn.invoke({ orderId: "o-1" });
        await clock.run(600_000);
        const record = JSON.parse([...onFailure.messages()][0].body);
        assert.equal(record.requestContext.condition, "EventAgeExceeded");
        assert.equal(record.requestContext.approximateInvokeCount, 2); // at 0 s and 60 s; the 180 s retry is past 90 s
    });

    it("SQS FIFO: a group is locked while a message of it is in flight; a repeated body within 5 minutes is dropped", async () => {
        const clock = new VirtualClock();
        const q = new SimQueue(clock, { name: "q.fifo", visibilityTimeoutSeconds: 30, fifo: { contentBasedDeduplication: true } });
        q.send("a1", { messageGroupId: "a" });
        q.send("a2", { messageGroupId: "a" });
        q.send("b1", { messageGroupId: "b" });
        assert.equal(q.send("a1", { messageGroupId: "a" }), q.receive(0).length === 0 ? [...q.messages()][0].messageId : "");
        assert.equal(q.counts.deduplicated, 1);
        const first = q.receive(1);
        assert.deepEqual(first.map((x) => x.body), ["a1"]);
        assert.deepEqual(q.receive(10).map((x) => x.body), ["b1"]); // group a is locked by a1
        q.delete(q.record(first[0]).receiptHandle);
        assert.deepEqual(q.receive(10).map((x) => x.body), ["a2"]);
        await clock.run(FIFO_DEDUPLICATION_MS);
        q.send("a1", { messageGroupId: "a" });
        assert.equal(q.counts.deduplicated, 1); // the window has passed
        assert.throws(() => new SimQueue(clock, { name: "plain", visibilityTimeoutSeconds: 1, fifo: { contentBasedDeduplication: true } }), /ends in \.fifo/);
    });

    it("event source mapping: an empty itemIdentifier fails the whole batch", async () => {
        const clock = new VirtualClock();
        const q = new SimQueue(clock, { name: "q", visibilityTimeoutSeconds: 60 });
        const responses: SQSBatchResponse[] = [{ batchItemFailures: [{ itemIdentifier: "" }] }];
        const esm = new EventSourceMapping(clock, q, () => async () => responses.shift() ?? { batchItemFailures: [] },
            { functionName: "f", batchSize: 10, maximumBatchingWindowSeconds: 0, maximumConcurrency: 2, functionTimeoutSeconds: 10, reportBatchItemFailures: true });
        for (let i = 0; i < 3; i++) q.send(`m${i}`);
        await clock.run(120_000);
        assert.equal(esm.stats.byOutcome["invalid-response"], 1);
        assert.equal(esm.stats.recordsReturned, 3);
        assert.equal(q.counts.received, 6); // all three came back and were received again
        assert.equal(q.size, 0);
    });

    it("event source mapping: a handler still running at the timeout is stopped and its batch returns", async () => {
        const clock = new VirtualClock();
        const q = new SimQueue(clock, { name: "q", visibilityTimeoutSeconds: 60 });
        let finished = 0;
        const esm = new EventSourceMapping(clock, q, () => async () => { await clock.sleep(15_000); finished++; },
            { functionName: "f", batchSize: 10, maximumBatchingWindowSeconds: 0, maximumConcurrency: 2, functionTimeoutSeconds: 10, reportBatchItemFailures: true });
        q.send("slow");
        await clock.run(59_000);
        assert.equal(esm.stats.byOutcome.timeout, 1);
        assert.equal(finished, 0); // the code after the sleep never ran
        assert.equal(q.inFlight, 1);
    });

    it("SNS delivery retries to SQS: 100,015 attempts over about 23 days", () => {
        let total = 0;
        let attempts = 0;
        for (let n = 0; snsRetryDelayMs(n) !== undefined; n++) {
            total += snsRetryDelayMs(n)!;
            attempts++;
        }
        assert.equal(attempts, 100_015);
        assert.equal(Math.round(total / 86_400_000), 23);
    });

    it("a LabRun's Date follows virtual time while the clock runs", async () => {
        const lab = new LabRun(1, 120);
        let seen = 0;
        lab.clock.at(90_000, () => { seen = Date.now(); });
        await lab.run();
        assert.equal(seen, Date.UTC(2026, 0, 1) + 90_000);
        assert.ok(Math.abs(Date.now() - new Date().getTime()) < 1000 && Date.now() > Date.UTC(2026, 0, 1) + 86_400_000 * 30);
    });
});

describe("lab: inputs and outputs", () => {
    it("a wrong --set names the key, the value and what is allowed, before anything runs", () => {
        const poison = findScenario("poison-message");
        assert.throws(() => resolve(poison, { maxReceiveCount: "0" }), { name: "LabInputError", message: "--set maxReceiveCount=0: poison-message allows an integer 1–1000 (SQS redrive policy)" });
        assert.throws(() => resolve(poison, { nope: "1" }), { name: "LabInputError", message: `--set nope=1: poison-message has no such key; allowed ${allowedKeys(poison).join(", ")}` });
        // The allowed keys are the ones that validate: every settings field, optional ones included.
        assert.ok(allowedKeys(poison).includes("visibilityTimeoutSeconds"));
        assert.ok(allowedKeys(findScenario("visibility-timeout-idempotent")).includes("expiresAfterSeconds"));
        assert.doesNotThrow(() => resolve(poison, { visibilityTimeoutSeconds: "200" }));
        assert.throws(() => resolve(poison, { messages: "2.5" }), { message: "--set messages=2.5: poison-message allows an integer 1–100000" });
        assert.throws(() => resolve(poison, { poisonMessages: "20" }), { message: /poisonMessages=20 is more than messages=10/ });
        assert.equal(resolve(findScenario("producer-duplicates"), { producerRetryRate: "0.35" }).params.producerRetryRate, 0.35);
        assert.throws(() => resolve(findScenario("eventbridge-target-dlq"), { failure: "sometimes" }), /allows one of retriable, non-retriable/);
        assert.throws(() => findScenario("nope"), /the scenarios are poison-message,/);
    });

    it("writes an SVG timeline with every gauge, and a README table between the markers", async () => {
        const r = await run("poison-message");
        const svg = await timelineChart(r);
        assert.ok(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        for (const s of r.timeline.series) assert.ok(svg.includes(`>${s.name}</text>`), `${s.name} in a legend`);
        // One line per series (Vega labels each mark path with its series).
        for (const s of r.timeline.series) assert.ok(svg.includes(`series: ${s.name}`), `${s.name} drawn`);
        const readme = `# Pattern\n\ntext\n\n${DOCS_START}\nold\n${DOCS_END}\n\nafter\n`;
        const updated = writeDocsBlock(readme, docsTable([r]));
        assert.ok(updated.includes("| `poison-message`"));
        assert.ok(!updated.includes("\nold\n"));
        assert.ok(updated.endsWith("\n\nafter\n"));
        assert.equal(writeDocsBlock(updated, docsTable([r])), updated);
    });
});

describe("lab: charts agree with the numbers beside them", () => {
    const svgs = new Map<string, Promise<string>>();
    const chart = (name: string) => { if (!svgs.has(name)) svgs.set(name, run(name).then(timelineChart)); return svgs.get(name)!; };
    /** Every line a chart draws: its series, stroke colour and dash pattern (Vega labels each line with its series). */
    const linesOf = (svg: string) => [...svg.matchAll(/<path aria-label="[^"]*series: ([^"]+)" role="graphics-symbol" aria-roledescription="line mark"[^>]* stroke="([^"]+)"[^>]* stroke-dasharray="([^"]+)"/g)]
        .map(([, series, colour, dash]) => ({ series, colour, dash: dash.split(",").map(Number) }));
    /** The marks a chart labels by what they stand for ("fault window", "in ALARM", "first alarm", …), with their paint. */
    const marksOf = (svg: string, name: string) => [...svg.matchAll(new RegExp(`<(?:path|line|text) aria-label="${name}"[^>]*>`, "g"))].map(([tag]) => ({
        fill: /fill="([^"]+)"/.exec(tag)?.[1], stroke: /stroke="([^"]+)"/.exec(tag)?.[1], opacity: /opacity="([^"]+)"/.exec(tag)?.[1], dash: /stroke-dasharray="([^"]+)"/.exec(tag)?.[1],
    }));
    /** The tick labels of each y axis, by the axis title. */
    const yTicks = (svg: string) => svg.split(/(?=<g class="mark-group role-axis")/).map((part) => ({ title: /aria-label="Y-axis titled '([^']+)'/.exec(part)?.[1], labels: [...part.matchAll(/role-axis-label[\s\S]*?(?=<\/g>)/g)].flatMap(([g]) => [...g.matchAll(/>([^<>]+)<\/text>/g)].map((m) => m[1])) }))
        .filter((a) => a.title !== undefined);

    it("a timeline bucket keeps its extremes: a state one event long shows in its bucket, however short", async () => {
        const lab = new LabRun(1, 2400); // 240 buckets of 10 s
        let level = 0;
        lab.timeline.gauge("level", () => level, "invocations");
        lab.clock.at(12_300, () => { level = 1; });
        lab.clock.at(12_400, () => { level = 0; }); // 0.1 s of 1: a grid sample every 10 s never saw it
        lab.clock.at(35_000, () => { level = 5; });
        lab.clock.at(61_000, () => { level = 2; });
        const t = await lab.run();
        const [s] = t.series;
        assert.deepEqual({ step: t.stepSeconds, horizon: t.horizonSeconds, buckets: s.max.length }, { step: 10, horizon: 2400, buckets: 240 });
        assert.deepEqual(s.max.slice(0, 8), [0, 1, 0, 5, 5, 5, 5, 2]);
        assert.deepEqual(s.min.slice(0, 8), [0, 0, 0, 0, 5, 5, 2, 2]);
        assert.deepEqual([s.max[239], s.min[239]], [2, 2]);
        assert.throws(() => lab.timeline.gauge("late", () => 0), /register gauges before the clock runs/);
    });

    it("every invocation, peak and dead letter the measures count is in the chart's series", async () => {
        const poison = await run("poison-message");
        const concurrency = poison.timeline.series.find((s) => s.name === "concurrent invocations")!;
        // Buckets at 1 separated by buckets at 0: one per invocation (the poison message alone after the first).
        const spikes = concurrency.max.filter((v, i) => v > 0 && (i === 0 || concurrency.max[i - 1] === 0)).length;
        assert.equal(spikes, m(poison, "invocations"));
        const spec = timelineSpec(poison) as { vconcat: { layer: { mark: { type: string }; data?: { values: { series: string; max: number }[] } }[] }[] };
        const drawn = spec.vconcat.flatMap((p) => p.layer).filter((l) => l.mark.type === "line").flatMap((l) => l.data!.values).filter((row) => row.series === "concurrent invocations");
        assert.equal(drawn.filter((row, i) => row.max > 0 && (i === 0 || drawn[i - 1].max === 0)).length, 5, "the chart draws each bucket's maximum");
        assert.equal(Math.max(...poison.timeline.series.find((s) => s.name === "DLQ depth")!.max), m(poison, "messages in the DLQ"));
        const peaks: [string, string][] = [["visibility-timeout-idempotent", "max concurrent invocations"], ["visibility-timeout", "max concurrent invocations"], ["burst-backpressure", "peak concurrent invocations"], ["steady-queue-worker", "peak concurrent invocations"]];
        for (const [name, measure] of peaks) {
            const r = await run(name);
            assert.equal(Math.max(...r.timeline.series.find((s) => s.name === "concurrent invocations")!.max), m(r, measure), name);
        }
    });

    it("one meaning, one look: every series of a kind is drawn in its kind's colour and dash, in every timeline and sweep; red and dashes mean a failure", async function () {
        this.timeout(30_000);
        const families = Object.entries(LOOKS);
        const colours = families.flatMap(([, l]) => l.colours);
        assert.equal(new Set(colours).size, colours.length, "no colour belongs to two kinds");
        const failureDashes = new Set(LOOKS.failed.dashes.map(String));
        for (const [kind, l] of families) if (kind !== "failed") for (const d of l.dashes) assert.ok(!failureDashes.has(String(d)), `${kind} uses a failure's dash ${d}`);
        const looks = new Map<string, string>(); // kind and its rank in the panel → the look drawn
        const check = (chart: string, panels: string[][], svg: string) => {
            // A sweep's consumer can have a line in several panels (one per measure): take its lines in the order drawn.
            const drawn = new Map<string, ReturnType<typeof linesOf>>();
            for (const l of linesOf(svg)) drawn.set(l.series, [...(drawn.get(l.series) ?? []), l]);
            for (const names of panels) {
                const rank = new Map<string, number>();
                for (const name of names) {
                    const kind = kindOf(name);
                    assert.notEqual(kind, "other", `${chart}: "${name}" has no kind: add it to KIND_RULES`);
                    const k = rank.get(kind) ?? 0;
                    rank.set(kind, k + 1);
                    const line = drawn.get(name.includes(": ") ? name.slice(0, name.indexOf(": ")) : name)?.shift(); // a sweep's "<consumer>: <measure>" is the consumer's line
                    assert.ok(line, `${chart}: no line for ${name}`);
                    const look = `${line.colour} ${line.dash}`;
                    assert.equal(look, `${LOOKS[kind].colours[k % LOOKS[kind].colours.length]} ${LOOKS[kind].dashes[k % LOOKS[kind].dashes.length]}`, `${chart}: ${name} (${kind} #${k + 1})`);
                    assert.equal(looks.get(`${kind}#${k}`) ?? look, look, `${chart}: ${name} looks unlike other ${kind} series`);
                    looks.set(`${kind}#${k}`, look);
                }
            }
        };
        const faults = new Set<string>();
        for (const s of SCENARIOS) {
            const r = await run(s.name);
            const svg = await chart(s.name);
            check(s.name, [...new Set(r.timeline.series.map((x) => x.unit))].map((u) => r.timeline.series.filter((x) => x.unit === u).map((x) => x.name)), svg);
            // The fault window is one shade in the strip and behind the panels; alarms one colour in the strip and the rule.
            for (const f of marksOf(svg, "fault window")) faults.add(`${f.fill} ${f.opacity}`);
            for (const a of marksOf(svg, "in ALARM")) assert.equal(a.fill, ALARM.colour, s.name);
            for (const a of marksOf(svg, "first alarm")) assert.deepEqual([a.stroke, a.dash], [ALARM.colour, String(ALARM.dash)], s.name);
            for (const d of marksOf(svg, "first dead letter")) assert.equal(d.fill, LOOKS.failed.colours[0], s.name);
        }
        assert.deepEqual([...faults], [`${FAULT.colour} ${FAULT.opacity}`]);
        // The curated sweeps' measures, on made-up points: a sweep draws a measure as a timeline draws its kind.
        for (const c of CURATED_SWEEPS) {
            const points = [1, 2, 3].map((value) => ({ value, measures: Object.fromEntries(c.measures.map((name, i) => [name, { min: i, median: i + value, max: i + 2 * value }])) }));
            const groups = new Map<string, string[]>();
            for (const name of c.measures) { const title = name.replace(/^.*: /, ""); groups.set(title, [...(groups.get(title) ?? []), name]); }
            check(c.name, [...groups.values()], await sweepChart({ title: c.title, scenario: c.scenario, key: "k", points }, c.measures));
        }
        assert.equal(looks.get("failed#0"), `${LOOKS.failed.colours[0]} ${LOOKS.failed.dashes[0]}`, "a DLQ is red and dashed");
    });

    it("counts get whole ticks; the first alarm's rule is labelled; every span in ALARM is in the strip", async () => {
        for (const s of SCENARIOS) {
            const r = await run(s.name);
            const svg = await chart(s.name);
            for (const a of yTicks(svg)) if (a.title !== "seconds") for (const label of a.labels) assert.match(label, /^\d{1,3}(,\d{3})*$/, `${s.name} ${a.title}: tick ${label}`);
            const first = firstAlarm(r);
            assert.equal(svg.includes(`>first alarm (${first ? formatDuration(first.firstAlarmSeconds!) : ""})</text>`), first !== undefined, s.name);
            assert.equal(marksOf(svg, "in ALARM").length, r.alarms.reduce((n, a) => n + a.inAlarm.length, 0), s.name);
        }
        const poison = await run("poison-message");
        // The failed receives come 180 s apart and nothing is sent in between: each failure's datapoint stays in the
        // evaluation range (N + 2 = 3 minutes, assumed) until the next arrives, so the Errors alarm holds one span.
        assert.deepEqual(poison.alarms.find((a) => a.name === "queue-worker-fn-errors")!.inAlarm, [{ fromSeconds: 240, toSeconds: 960 }]);
    });
});
