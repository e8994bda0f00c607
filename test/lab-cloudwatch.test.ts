// The lab's CloudWatch: how the stack's own alarm definitions are evaluated, and how each simulated service sends
// the metrics they read. The lab's "detected after N s" is only as true as this, so it is pinned here: AWS's own
// tables of alarm evaluation with missing data, forward-in-time reads, and each service's metrics as its page says.
import { strict as assert } from "assert";
import { LabRun } from "../lab/harness";
import { CloudWatch, evaluateAlarm, EVALUATION_RANGE_EXTRA_PERIODS, rangeState } from "../lab/sim/cloudwatch";
import { VirtualClock } from "../lab/sim/clock";
import { EventSourceMapping } from "../lab/sim/esm";
import { SimEventBus } from "../lab/sim/eventbridge";
import { SimTopic } from "../lab/sim/sns";
import { SimQueue, SQS_METRICS_RESUME_DELAY_MS } from "../lab/sim/sqs";
import {
    AlarmDefinition, DLQ_DEPTH, FUNCTION_ERRORS, oldestMessageAge, RECORDS_RETRIED, RULE_RETRY_ATTEMPTS, TABLE_WRITE_THROTTLES, TOPIC_DELIVERY_FAILURES,
    topicDeliveriesLagging, TreatMissingData,
} from "../patterns/shared/alarm-definitions";
import * as definitions from "../patterns/shared/alarm-definitions";
import * as fs from "fs";
import * as path from "path";

const MINUTE = 60_000;
const TREATMENTS: TreatMissingData[] = ["missing", "ignore", "breaching", "notBreaching"];
const parse = (row: string) => row.split(" ").map((c) => (c === "X" ? "breaching" : c === "0" ? "notBreaching" : "missing") as "breaching" | "notBreaching" | "missing");

/** A one-metric alarm definition for hand-made datapoints. */
const alarm = (evaluationPeriods: number, datapointsToAlarm: number, treatMissingData: TreatMissingData): AlarmDefinition => ({
    ...FUNCTION_ERRORS, evaluationPeriods, datapointsToAlarm, treatMissingData,
});

describe("lab: CloudWatch alarm evaluation", () => {
    it("CloudWatch: AWS's tables of alarm evaluation with missing data (3 of 3 and 2 of 3, evaluation range 5), for all four treatments", () => {
        // "Configuring how CloudWatch alarms treat missing data": columns MISSING, IGNORE, BREACHING, NOT BREACHING; "retain" = the current state.
        const tables: [number, [string, string[]][]][] = [
            [3, [
                ["0 - X - X", ["OK", "OK", "OK", "OK"]],
                ["0 - - - -", ["OK", "OK", "OK", "OK"]],
                ["- - - - -", ["INSUFFICIENT_DATA", "retain", "ALARM", "OK"]],
                ["0 X X - X", ["ALARM", "ALARM", "ALARM", "ALARM"]],
                ["- - X - -", ["ALARM", "retain", "ALARM", "OK"]],
            ]],
            [2, [
                ["0 - X - X", ["ALARM", "ALARM", "ALARM", "ALARM"]],
                ["0 0 X 0 X", ["ALARM", "ALARM", "ALARM", "ALARM"]],
                ["0 - X - -", ["OK", "OK", "ALARM", "OK"]],
                ["- - - - 0", ["OK", "OK", "ALARM", "OK"]],
                ["- - - X -", ["ALARM", "retain", "ALARM", "OK"]],
            ]],
        ];
        for (const [m, rows] of tables) {
            for (const [row, expected] of rows) {
                TREATMENTS.forEach((treat, i) => {
                    for (const previous of ["OK", "ALARM"] as const) {
                        const want = expected[i] === "retain" ? previous : expected[i];
                        assert.equal(rangeState(parse(row), 3, m, treat, previous), want, `${m} of 3, ${row}, ${treat}, from ${previous}`);
                    }
                });
            }
        }
        // "Avoiding premature transitions to alarm state": - - - - X and - - - X - do not alarm at 3 of 3; the next datapoint may be OK.
        for (const row of ["- - - - X", "- - - X -"]) assert.equal(rangeState(parse(row), 3, 3, "missing", "OK"), "OK", row);
        assert.equal(EVALUATION_RANGE_EXTRA_PERIODS, 2, "AWS's example: 3 evaluation periods, range 5");
    });

    it("CloudWatch: with fewer than N real datapoints every real one in the evaluation range counts, so 2 of 5 fires on two minutes 5 apart and stays in ALARM until one leaves the range", () => {
        const cw = new CloudWatch(new VirtualClock());
        const retried = cw.metric(RECORDS_RETRIED.namespace, RECORDS_RETRIED.metricName, { service: "worker" });
        retried.put(3, 0.5 * MINUTE, 0.5 * MINUTE); // minute 0
        retried.put(1, 5.2 * MINUTE, 5.2 * MINUTE); // minute 5
        // Range 7 (N + 2): at 6 min minutes 0 … 5 are in it, 2 real datapoints, both breaching: 2 of 5 with notBreaching fill.
        // A plain last-5-minutes window would never have held both.
        const outcome = evaluateAlarm(cw, "worker-records-retried", RECORDS_RETRIED, { service: "worker" }, 20 * MINUTE);
        assert.deepEqual([outcome.firstAlarmSeconds, outcome.okSeconds], [360, 480]); // minute 0 leaves the range at 8 min
        assert.deepEqual([outcome.firstAlarmAssumes, outcome.okAssumes], [[], ["EVALUATION_RANGE_EXTRA_PERIODS"]]); // a range 1 shorter or longer moves the OK
        // One breaching minute is never 2 of 5.
        const once = new CloudWatch(new VirtualClock());
        once.metric(RECORDS_RETRIED.namespace, RECORDS_RETRIED.metricName, { service: "w" }).put(50, 7 * MINUTE);
        assert.equal(evaluateAlarm(once, "w", RECORDS_RETRIED, { service: "w" }, 30 * MINUTE).firstAlarmSeconds, null);
        // With N real datapoints in the range, the most recent N decide and the setting is ignored: 0 X X - X at 3 of 3 is ALARM even with notBreaching.
        const dense = new CloudWatch(new VirtualClock());
        const d = dense.metric("AWS/Lambda", "Errors", { FunctionName: "f" });
        [[0, 0], [1, 1], [2, 1], [4, 1]].forEach(([minute, v]) => d.put(v, minute * MINUTE + 1));
        assert.equal(evaluateAlarm(dense, "f", alarm(3, 3, "notBreaching"), { FunctionName: "f" }, 5 * MINUTE).firstAlarmSeconds, 300);
    });

    it("CloudWatch: an alarm reads a datapoint only once it was sent; a Lambda error is dated when the invocation started and sent when it ended", () => {
        const errorsOf = (invocationMs: number) => {
            const cw = new CloudWatch(new VirtualClock());
            cw.metric("AWS/Lambda", "Errors", { FunctionName: "f" }).put(1, 30_000, 30_000 + invocationMs);
            return evaluateAlarm(cw, "f-errors", FUNCTION_ERRORS, { FunctionName: "f" }, 30 * MINUTE);
        };
        assert.equal(errorsOf(10_000).firstAlarmSeconds, 60); // sent within its minute: read when the minute closes
        assert.equal(errorsOf(120_000).firstAlarmSeconds, 180); // sent at 2.5 min: not read before 3 min, and still in the range
        // Sent at 3.5 min for minute 0: by then minute 0 is outside the range (minutes 1–3 at 4 min): never seen.
        assert.equal(errorsOf(210_000).firstAlarmSeconds, null);
        // No outcome depends on the future: the run cut short at 3 min reports what the full run reported up to then.
        const full = errorsOf(120_000).transitions.filter((t) => t.atSeconds <= 180);
        const cw = new CloudWatch(new VirtualClock());
        cw.metric("AWS/Lambda", "Errors", { FunctionName: "f" }).put(1, 30_000, 150_000);
        assert.deepEqual(evaluateAlarm(cw, "f", FUNCTION_ERRORS, { FunctionName: "f" }, 3 * MINUTE).transitions, full);
    });

    it("CloudWatch: every alarm definition states its own treatMissingData, the deployed alarm uses it, and the DynamoDB alarm says ignore as AWS forces", () => {
        const all: AlarmDefinition[] = [
            definitions.DLQ_DEPTH, definitions.oldestMessageAge(300), definitions.FUNCTION_ERRORS, definitions.RECORDS_RETRIED, definitions.FUNCTION_THROTTLES,
            definitions.TOPIC_DELIVERY_FAILURES, definitions.topicDeliveriesLagging(3), definitions.RULE_FAILED_INVOCATIONS, definitions.RULE_RETRY_ATTEMPTS,
            definitions.TABLE_WRITE_THROTTLES, definitions.NOISY_GROUPS, definitions.FUNCTION_RECURSIVE_INVOCATIONS_DROPPED,
        ];
        for (const d of all) assert.ok(TREATMENTS.includes(d.treatMissingData), d.suffix);
        // One comment per definition names the treatment and the AWS rule behind it.
        const source = fs.readFileSync(path.join(__dirname, "..", "patterns", "shared", "alarm-definitions.ts"), "utf8");
        assert.equal((source.match(/\n\s+\/\/ (ignore|notBreaching|breaching|missing): /g) ?? []).length, all.length);
        assert.equal(TABLE_WRITE_THROTTLES.treatMissingData, "ignore"); // "AWS/DynamoDB ... always ignore missing data"
        assert.equal(DLQ_DEPTH.treatMissingData, "ignore");
        assert.equal(TOPIC_DELIVERY_FAILURES.treatMissingData, "notBreaching");
        // Lambda sends RecursiveInvocationsDropped only when it stops an invocation: no datapoint is a healthy minute.
        assert.equal(definitions.FUNCTION_RECURSIVE_INVOCATIONS_DROPPED.treatMissingData, "notBreaching");
        const deployed = fs.readFileSync(path.join(__dirname, "..", "patterns", "shared", "alarms.ts"), "utf8");
        assert.match(deployed, /treatMissingData: definition\.treatMissingData/);
    });
});

describe("lab: metrics as each simulated service sends them", () => {
    it("SQS: the age of the oldest message grows between events and each minute's datapoint is the minute's largest; an empty queue sends no age", async () => {
        const run = new LabRun(1, 10 * 60);
        const q = new SimQueue(run.clock, { name: "q", visibilityTimeoutSeconds: 30, cloudwatch: run.cloudwatch });
        q.polled(); // a consumer's pollers keep it active
        run.clock.at(0, () => { q.send("waits"); });
        run.clock.at(7.5 * MINUTE, () => { q.delete(q.record(q.receive(1)[0]).receiptHandle); }); // received and deleted at 7.5 min
        await run.run();
        const age = run.cloudwatch.find("AWS/SQS", "ApproximateAgeOfOldestMessage", { QueueName: "q" })!.datapoints("Maximum");
        // Nothing happened between 0 and 7.5 min, and yet the age rose every minute; minute 7 peaks at 450 s when the message left.
        assert.deepEqual([...age], [[0, 60], [1, 120], [2, 180], [3, 240], [4, 300], [5, 360], [6, 420], [7, 450]]);
        const outcome = evaluateAlarm(run.cloudwatch, "q-age", oldestMessageAge(300), { QueueName: "q" }, 10 * MINUTE);
        assert.equal(outcome.firstAlarmSeconds, 360);
        // The visible gauge keeps 0 for the empty minutes (the queue is active), the age has no datapoint there.
        const visible = run.cloudwatch.find("AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: "q" })!.datapoints("Maximum");
        assert.deepEqual([visible.get(7), visible.get(8)], [1, 0]);
    });

    it("SQS: an idle DLQ's first message reaches CloudWatch SQS_METRICS_RESUME_DELAY_MS late (up to 15 minutes, assumed 15); a polled queue is never idle", async () => {
        const run = new LabRun(1, 40 * 60);
        const dlq = new SimQueue(run.clock, { name: "dlq", visibilityTimeoutSeconds: 30, cloudwatch: run.cloudwatch });
        run.clock.at(2 * MINUTE + 5_000, () => { dlq.send("dead"); });
        await run.run();
        const outcome = evaluateAlarm(run.cloudwatch, "dlq-depth", DLQ_DEPTH, { QueueName: "dlq" }, 40 * MINUTE);
        assert.equal(SQS_METRICS_RESUME_DELAY_MS, 15 * MINUTE);
        assert.equal(outcome.firstAlarmSeconds, (2 + 15 + 1) * 60); // arrived at 2:05, read from 17:05, at the 18-minute evaluation
        assert.deepEqual(outcome.firstAlarmAssumes, ["SQS_METRICS_RESUME_DELAY_MS"]);
        assert.equal(outcome.okSeconds, null); // ignore: it stays in ALARM while the message waits
        const visible = run.cloudwatch.find("AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: "dlq" })!.datapoints("Maximum");
        assert.equal(visible.has(1), false); // idle before the message: nothing sent
    });

    it("Lambda: the event source mapping sends Errors when an invocation ends, dated when it started; Lambda refuses a mapping whose function timeout exceeds the visibility timeout", async () => {
        const run = new LabRun(1, 10 * 60);
        const q = new SimQueue(run.clock, { name: "q", visibilityTimeoutSeconds: 600, cloudwatch: run.cloudwatch });
        new EventSourceMapping(run.clock, q, () => async () => { await run.clock.sleep(150_000); throw new Error("late failure"); },
            { functionName: "f", batchSize: 1, maximumBatchingWindowSeconds: 0, maximumConcurrency: 2, functionTimeoutSeconds: 300, reportBatchItemFailures: true, cloudwatch: run.cloudwatch });
        run.clock.at(30_000, () => { q.send("m"); });
        await run.run();
        const errors = run.cloudwatch.find("AWS/Lambda", "Errors", { FunctionName: "f" })!;
        assert.deepEqual([...errors.datapoints("Sum")], [[0, 1]]); // dated minute 0 (invoked at 30 s) …
        assert.equal(errors.read(0, "Sum", 2), undefined); // … not readable at 2 min …
        assert.equal(errors.read(0, "Sum", 3), 1); // … sent when it failed, at 3 min
        assert.throws(() => new EventSourceMapping(run.clock, new SimQueue(run.clock, { name: "short", visibilityTimeoutSeconds: 30 }), () => async () => undefined,
            { functionName: "g", batchSize: 1, maximumBatchingWindowSeconds: 0, maximumConcurrency: 2, functionTimeoutSeconds: 60, reportBatchItemFailures: true }),
        /Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds/);
    });

    it("EventBridge: the rule alarms read the rule's metrics whichever dimensions EventBridge sends them with (the page's text: EventBusName+RuleName; its table: RuleName)", async () => {
        const outcomes = [];
        for (const reading of ["EventBusName,RuleName", "RuleName"] as const) outcomes.push(await (async () => {
            const run = new LabRun(1, 30 * 60);
            const bus = new SimEventBus(run.clock, run.random, "orders", { cloudwatch: run.cloudwatch, ruleMetricDimensions: reading });
            bus.addRule("r", { source: ["lab"] }, [{ id: "t", maximumRetryAttempts: 185, maximumEventAgeSeconds: 86_400, deliver: () => (run.clock.now < 20 * MINUTE ? { error: "THROTTLING", message: "down" } : "ok") }]);
            run.clock.at(0, () => { bus.put({ Source: "lab", DetailType: "t", Detail: "{}" }); });
            await run.run();
            const sent = run.cloudwatch.find("AWS/Events", "RetryInvocationAttempts", reading === "RuleName" ? { RuleName: "r" } : { EventBusName: "orders", RuleName: "r" });
            assert.ok(sent, reading);
            return evaluateAlarm(run.cloudwatch, "r-retrying", RULE_RETRY_ATTEMPTS, { EventBusName: "orders", RuleName: "r" }, 30 * MINUTE);
        })());
        assert.ok(outcomes[0].firstAlarmSeconds !== null);
        assert.deepEqual(outcomes[1].transitions, outcomes[0].transitions);
    });

    it("SNS: deliveries-lagging counts filter rejections in either scope under either reading of NumberOfNotificationsFilteredOut, and still fires when the only subscriber gets nothing at all", async () => {
        const lagging = async (bodyInTotal: boolean, failing: boolean) => {
            const run = new LabRun(1, 30 * 60);
            const topic = new SimTopic(run.clock, "t", { cloudwatch: run.cloudwatch, filteredOutTotalCountsBody: bodyInTotal });
            const q = (name: string) => new SimQueue(run.clock, { name, visibilityTimeoutSeconds: 30 });
            topic.subscribe({ name: "body", queue: q("a"), rawMessageDelivery: true, filterPolicy: { amount: [{ numeric: [">=", 100] }] }, filterPolicyScope: "MessageBody" });
            topic.subscribe({ name: "attrs", queue: q("b"), rawMessageDelivery: true, filterPolicy: { region: ["eu"] } });
            topic.subscribe({ name: "all", queue: q("c"), rawMessageDelivery: true, deliver: () => (failing ? "server-error" : "ok"), random: run.random });
            for (let i = 0; i < 20 * 6; i++) run.clock.at(i * 10_000, () => { topic.publish({ Message: JSON.stringify({ amount: 10 }), MessageAttributes: { region: { DataType: "String", StringValue: "us" } } }); });
            await run.run();
            return evaluateAlarm(run.cloudwatch, "t-lagging", topicDeliveriesLagging(3), { TopicName: "t" }, 30 * MINUTE).firstAlarmSeconds;
        };
        // Two of three subscribers reject every message (one per scope): healthy, under both readings.
        assert.equal(await lagging(true, false), null);
        assert.equal(await lagging(false, false), null);
        // The third one's deliveries fail with a server-side error: a third of the copies lag, under both readings.
        assert.equal(await lagging(true, true), 600);
        assert.equal(await lagging(false, true), 600);
        // A single failing subscriber: SNS sends no NumberOfNotificationsDelivered at all, and FILL still gives the expression a value.
        const run = new LabRun(1, 20 * 60);
        const topic = new SimTopic(run.clock, "t", { cloudwatch: run.cloudwatch });
        topic.subscribe({ name: "only", queue: new SimQueue(run.clock, { name: "o", visibilityTimeoutSeconds: 30 }), rawMessageDelivery: true, deliver: () => "server-error", random: run.random });
        for (let i = 0; i < 60; i++) run.clock.at(i * 10_000, () => { topic.publish({ Message: "{}" }); });
        await run.run();
        assert.equal(run.cloudwatch.find("AWS/SNS", "NumberOfNotificationsDelivered", { TopicName: "t" }), undefined);
        assert.equal(evaluateAlarm(run.cloudwatch, "t", topicDeliveriesLagging(1), { TopicName: "t" }, 20 * MINUTE).firstAlarmSeconds, 600);
    });
});
