// Every pattern enabled at once: each queue, DLQ and function has the alarms its failure modes need, every alarm
// notifies the stack's alarm topic, and the one dashboard shows every alarm and every consumer's records.
import { strict as assert } from "assert";
import { RecordedResource, runProgram, Stack, T } from "./harness";

describe("alarms and dashboard, all patterns on", () => {
    let stack: Stack;
    before(async () => {
        stack = new Stack(await runProgram({ queueWorker: true, fanOut: true, eventRouting: true, idempotentConsumer: true }));
    });
    const alarmsOn = (dimension: string, value: string) => stack.ofType(T.alarm).filter((a) => a.inputs.dimensions?.[dimension] === value);
    const metricsOf = (alarms: RecordedResource[]) => alarms.map((a) => a.inputs.metricName).sort();
    const eventSources = () => new Set(stack.ofType(T.esm).map((m) => m.inputs.eventSourceArn));

    it("every queue a function consumes alarms on the age of its oldest message", () => {
        const sources = stack.ofType(T.queue).filter((q) => eventSources().has(q.state.arn));
        assert.equal(sources.length, 8, "queue worker 1, fan-out 3, event routing 1, idempotent consumer 3");
        for (const q of sources) assert.deepEqual(metricsOf(alarmsOn("QueueName", q.state.name)), ["ApproximateAgeOfOldestMessage"], q.name);
    });

    it("every other queue is a dead-letter queue and alarms on its first visible message", () => {
        const deadLetters = stack.ofType(T.queue).filter((q) => !eventSources().has(q.state.arn));
        assert.ok(deadLetters.length >= 9);
        for (const q of deadLetters) {
            const [alarm, ...others] = alarmsOn("QueueName", q.state.name);
            assert.equal(others.length, 0, q.name);
            assert.equal(alarm.inputs.metricName, "ApproximateNumberOfMessagesVisible", q.name);
            assert.equal(alarm.inputs.threshold, 0, q.name);
            assert.equal(alarm.inputs.comparisonOperator, "GreaterThanThreshold", q.name);
        }
    });

    it("every function alarms on Errors and Throttles", () => {
        for (const fn of stack.ofType(T.fn)) assert.deepEqual(metricsOf(alarmsOn("FunctionName", fn.state.name)), ["Errors", "Throttles"], fn.name);
    });

    it("every rule with targets alarms on FailedInvocations; the fan-out topic on NumberOfNotificationsFailed; the idempotency table on throttled writes", () => {
        const targetedRules = new Set(stack.ofType(T.target).map((t) => t.inputs.rule));
        assert.ok(targetedRules.size >= 2);
        for (const rule of targetedRules) assert.deepEqual(metricsOf(alarmsOn("RuleName", rule)), ["FailedInvocations"], rule);
        assert.deepEqual(metricsOf(alarmsOn("TopicName", stack.get(T.topic, "fan-out-topic").state.name)), ["NumberOfNotificationsFailed"]);
        assert.deepEqual(metricsOf(alarmsOn("TableName", stack.get(T.table, "idempotent-consumer-records").state.name)), ["WriteThrottleEvents"]);
    });

    it("every alarm notifies the stack's alarm topic on ALARM and on OK, and treats missing data as healthy", () => {
        const topicArn = stack.get(T.topic, "alarms").state.arn;
        for (const a of stack.ofType(T.alarm)) {
            assert.deepEqual(a.inputs.alarmActions, [topicArn], a.name);
            assert.deepEqual(a.inputs.okActions, [topicArn], a.name);
            assert.equal(a.inputs.treatMissingData, "notBreaching", a.name);
        }
    });

    it("one dashboard plots every alarm against its threshold and every consumer's record outcomes", () => {
        const [dashboard, ...more] = stack.ofType("aws:cloudwatch/dashboard:Dashboard");
        assert.equal(more.length, 0);
        const widgets: any[] = JSON.parse(dashboard.inputs.dashboardBody).widgets;
        const annotated = widgets.flatMap((w) => w.properties.annotations?.alarms ?? []).sort();
        assert.deepEqual(annotated, stack.ofType(T.alarm).map((a) => a.state.arn).sort());
        const services = widgets.filter((w) => w.properties.metrics).map((w) => w.properties.metrics[0][3]).sort();
        const consumers = stack.ofType(T.esm).map((m) => stack.ofType(T.fn).find((f) => f.state.arn === m.inputs.functionName)!.inputs.environment.variables.POWERTOOLS_SERVICE_NAME).sort();
        assert.deepEqual(services, consumers);
        const records = widgets.find((w) => w.properties.title === "queue-worker-fn: records").properties.metrics;
        assert.deepEqual(records.map((m: string[]) => m.slice(1).join(" ")), [
            "RecordsProcessed service queue-worker-fn",
            "RecordsRetried service queue-worker-fn",
            "RecordsFailed service queue-worker-fn errorClass transient",
            "RecordsFailed service queue-worker-fn errorClass permanent",
            "RecordsFailed service queue-worker-fn errorClass poison",
            "SentToDlq service queue-worker-fn errorClass permanent",
            "DuplicatesSuppressed service queue-worker-fn",
        ]);
        for (const w of widgets) {
            assert.ok(w.x + w.width <= 24 && w.width > 0 && w.height > 0, JSON.stringify(w));
            if (w.type === "metric") assert.equal(w.properties.region, "us-east-1");
        }
    });
});
