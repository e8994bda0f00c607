// Every pattern enabled at once: each queue, DLQ and function has the alarms its failure modes need, every alarm
// notifies the stack's alarm topic, and the one dashboard shows every alarm and every consumer's records.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import type { ToggleKey } from "../patterns/config";
import { COST_END, COST_START, README_OF } from "../lab/cli";
import { fixedCostMarkdown, fixedMonthlyCost } from "../lab/cost/deployed";
import { dashboardName } from "../patterns/shared/dashboard";
import { RecordedResource, runProgram, Stack, T } from "./harness";

describe("all four patterns together: names, alarms and dashboard", () => {
    let stack: Stack;
    before(async () => {
        stack = new Stack(await runProgram({ queueWorker: true, fanOut: true, eventRouting: true, idempotentConsumer: true }));
    });
    const alarmsOn = (dimension: string, value: string) => stack.ofType(T.alarm).filter((a) => a.inputs.dimensions?.[dimension] === value);
    const metricsOf = (alarms: RecordedResource[]) => alarms.map((a) => a.inputs.metricName).sort();
    const eventSources = () => new Set(stack.ofType(T.esm).map((m) => m.inputs.eventSourceArn));

    it("each pattern README's fixed monthly cost is what the program's own resources price to: every alarm by its metrics, the key, the dashboard", () => {
        const costs = fixedMonthlyCost(stack.run.resources);
        const alarms = Object.values(costs).flatMap((c) => c.lines).filter((l) => l.price.startsWith("cloudwatch.alarm")).reduce((n, l) => n + l.count, 0);
        assert.equal(alarms, stack.ofType(T.alarm).length);
        assert.deepEqual(costs.shared.lines.map((l) => [l.item, l.count]), [["CloudWatch dashboard", 1], ["KMS customer managed key", 1]]);
        for (const [pattern, readme] of Object.entries(README_OF) as [ToggleKey, string][]) {
            const text = fs.readFileSync(path.join(__dirname, "..", readme), "utf8");
            const block = text.slice(text.indexOf(COST_START) + COST_START.length + 1, text.indexOf(COST_END) - 1);
            assert.equal(block, fixedCostMarkdown(pattern, costs), `${readme}: regenerate with npm run lab -- --all --write-docs`);
        }
    });

    it("every queue a function consumes alarms on the age of its oldest message, and a standard one on a noisy tenant (fair queues)", () => {
        const sources = stack.ofType(T.queue).filter((q) => eventSources().has(q.state.arn));
        assert.equal(sources.length, 8, "queue worker 1, fan-out 3, event routing 1, idempotent consumer 3");
        for (const q of sources) {
            const expected = q.inputs.fifoQueue ? ["ApproximateAgeOfOldestMessage"] : ["ApproximateAgeOfOldestMessage", "ApproximateNumberOfNoisyGroups"];
            assert.deepEqual(metricsOf(alarmsOn("QueueName", q.state.name)), expected, q.name);
        }
        const noisy = alarmsOn("QueueName", stack.get(T.queue, "queue-worker").state.name).find((a) => a.inputs.metricName === "ApproximateNumberOfNoisyGroups")!.inputs;
        assert.deepEqual([noisy.statistic, noisy.period, noisy.evaluationPeriods, noisy.datapointsToAlarm, noisy.threshold, noisy.treatMissingData], ["Maximum", 60, 3, 2, 0, "notBreaching"]);
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

    it("every function alarms on Errors, Throttles and RecursiveInvocationsDropped, and its own FunctionRecursionConfig says Terminate", () => {
        const configs = stack.ofType("aws:lambda/functionRecursionConfig:FunctionRecursionConfig");
        for (const fn of stack.ofType(T.fn)) {
            assert.deepEqual(metricsOf(alarmsOn("FunctionName", fn.state.name)), ["Errors", "RecursiveInvocationsDropped", "Throttles"], fn.name);
            assert.deepEqual(configs.filter((c) => c.inputs.functionName === fn.state.name).map((c) => c.inputs.recursiveLoop), ["Terminate"], fn.name);
        }
    });

    it("every rule with targets alarms on FailedInvocations and on RetryInvocationAttempts (3 of 15 minutes), read with both dimension sets the EventBridge page names; the idempotency table on throttled writes", () => {
        const targetedRules = new Set(stack.ofType(T.target).map((t) => t.inputs.rule));
        assert.ok(targetedRules.size >= 2);
        const bus = stack.get(T.bus, "event-routing-bus").state.name;
        for (const rule of targetedRules) {
            const alarms = stack.ofType(T.alarm).filter((a) => a.inputs.metricQueries?.some((q: any) => q.metric?.dimensions?.RuleName === rule));
            const read = (a: RecordedResource) => a.inputs.metricQueries.filter((q: any) => q.metric).map((q: any) => `${q.metric.namespace} ${q.metric.metricName} ${JSON.stringify(q.metric.dimensions)} ${q.metric.stat} ${q.metric.period}`);
            assert.deepEqual(alarms.map((a) => read(a)).sort(), ["FailedInvocations", "RetryInvocationAttempts"].map((m) => [
                `AWS/Events ${m} ${JSON.stringify({ EventBusName: bus, RuleName: rule })} Sum 60`,
                `AWS/Events ${m} ${JSON.stringify({ RuleName: rule })} Sum 60`,
            ]), rule);
            for (const a of alarms) assert.equal(a.inputs.metricQueries.find((q: any) => q.returnData).expression, "MAX([FILL(onBus, 0), FILL(onRule, 0)])");
            const retrying = alarms.find((a) => read(a)[0].includes("RetryInvocationAttempts"))!;
            assert.deepEqual([retrying.inputs.datapointsToAlarm, retrying.inputs.evaluationPeriods], [3, 15]);
        }
        assert.deepEqual(metricsOf(alarmsOn("TableName", stack.get(T.table, "idempotent-consumer-records").state.name)), ["WriteThrottleEvents"]);
    });

    it("the fan-out topic alarms on NumberOfNotificationsFailed, and on deliveries lagging publishes (metric math over the topic's own metrics)", () => {
        const topic = stack.get(T.topic, "fan-out-topic").state.name;
        assert.deepEqual(metricsOf(alarmsOn("TopicName", topic)), ["NumberOfNotificationsFailed"]);
        const lagging = stack.ofType(T.alarm).filter((a) => a.inputs.metricQueries?.some((q: any) => q.metric?.dimensions?.TopicName === topic));
        assert.equal(lagging.length, 1);
        const queries = lagging[0].inputs.metricQueries;
        assert.deepEqual(queries.filter((q: any) => q.metric).map((q: any) => `${q.id} ${q.metric.namespace} ${q.metric.metricName} ${q.metric.stat} ${q.metric.period}`), [
            "published AWS/SNS NumberOfMessagesPublished Sum 300",
            "delivered AWS/SNS NumberOfNotificationsDelivered Sum 300",
            "filtered AWS/SNS NumberOfNotificationsFilteredOut Sum 300",
            "filteredAttributes AWS/SNS NumberOfNotificationsFilteredOut-MessageAttributes Sum 300",
            "filteredBody AWS/SNS NumberOfNotificationsFilteredOut-MessageBody Sum 300",
        ]);
        // Three subscribers: every published message is delivered or filtered out three times; every input FILLed.
        assert.deepEqual(queries.find((q: any) => q.returnData).expression,
            "IF(FILL(published, 0) > 0, (FILL(published, 0) * 3 - FILL(delivered, 0) - MAX([FILL(filtered, 0), FILL(filteredAttributes, 0) + FILL(filteredBody, 0)])) / (FILL(published, 0) * 3), 0)");
        assert.deepEqual([lagging[0].inputs.threshold, lagging[0].inputs.datapointsToAlarm, lagging[0].inputs.evaluationPeriods], [0.1, 2, 2]);
    });

    it("names the dashboard as PutDashboard allows for any stack name (A–Z, a–z, 0–9, - and _)", () => {
        const [dashboard] = stack.ofType("aws:cloudwatch/dashboard:Dashboard");
        assert.equal(dashboard.inputs.dashboardName, "serverless-patterns-lab-test");
        assert.equal(dashboardName("serverless-patterns-lab", "acme/dev.eu-1"), "serverless-patterns-lab-acme-dev-eu-1");
        assert.match(dashboardName("p", "a.b c:d"), /^[A-Za-z0-9_-]+$/);
    });

    it("every alarm notifies the stack's alarm topic on ALARM and on OK; DLQ and DynamoDB alarms keep their state through missing data, the others treat it as healthy", () => {
        const topicArn = stack.get(T.topic, "alarms").state.arn;
        for (const a of stack.ofType(T.alarm)) {
            assert.deepEqual(a.inputs.alarmActions, [topicArn], a.name);
            assert.deepEqual(a.inputs.okActions, [topicArn], a.name);
            const keeps = (a.inputs.metricName === "ApproximateNumberOfMessagesVisible") || a.inputs.namespace === "AWS/DynamoDB";
            assert.equal(a.inputs.treatMissingData, keeps ? "ignore" : "notBreaching", a.name);
        }
    });

    it("one dashboard shows the state of every alarm and every consumer's record outcomes", () => {
        const [dashboard, ...more] = stack.ofType("aws:cloudwatch/dashboard:Dashboard");
        assert.equal(more.length, 0);
        const widgets: any[] = JSON.parse(dashboard.inputs.dashboardBody).widgets;
        const status = widgets.filter((w) => w.type === "alarm");
        assert.ok(status.every((w) => w.properties.alarms.length <= 100 && w.properties.sortBy === "stateUpdatedTimestamp"));
        assert.deepEqual(status.flatMap((w) => w.properties.alarms).sort(), stack.ofType(T.alarm).map((a) => a.state.arn).sort());
        assert.ok(stack.ofType(T.alarm).length > 40);
        const graphs = widgets.filter((w) => w.properties.metrics);
        const consumers = stack.ofType(T.esm).map((m) => stack.ofType(T.fn).find((f) => f.state.arn === m.inputs.functionName)!.inputs.environment.variables.POWERTOOLS_SERVICE_NAME).sort();
        assert.deepEqual(graphs.map((w) => w.properties.title).sort(), consumers.map((c) => `${c}: records`));
        // Two searches per consumer: the metrics dimensioned by service alone, and those by error class too.
        const records = widgets.find((w) => w.properties.title === "queue-worker-fn: records").properties.metrics;
        assert.deepEqual(records.map((m: [{ expression: string }]) => m[0].expression), [
            `SEARCH('{ServerlessPatternsLab,service} service="queue-worker-fn"', 'Sum', 60)`,
            `SEARCH('{ServerlessPatternsLab,errorClass,service} service="queue-worker-fn"', 'Sum', 60)`,
        ]);
        for (const w of widgets) {
            assert.ok(w.x + w.width <= 24 && w.width > 0 && w.height > 0, JSON.stringify(w));
            if (w.type === "metric") assert.equal(w.properties.region, "us-east-1");
        }
    });

    it("all four patterns enabled together: no duplicate URNs or physical names, and every auto-name fits AWS's limit", () => {
        const run = stack.run;
        const urns = run.resources.map((r) => r.urn);
        assert.equal(new Set(urns).size, urns.length);
        const physical = run.resources.filter((r) => r.custom && r.state.name !== undefined).map((r) => `${r.type} ${r.state.name}`);
        assert.equal(new Set(physical).size, physical.length);
        // Pulumi appends "-" and 7 characters (and ".fifo") to the logical name; AWS rejects longer names at create.
        const limits: Record<string, number> = { [T.fn]: 64, [T.role]: 64, [T.queue]: 80, [T.rule]: 64, [T.bus]: 256, [T.table]: 255 };
        for (const r of run.resources.filter((x) => limits[x.type] !== undefined)) {
            assert.ok(r.state.name.length <= limits[r.type], `${r.type} ${r.state.name} is longer than ${limits[r.type]}`);
        }
        assert.deepEqual(Object.keys(run.outputs).sort(), ["alarmTopicArn", "dashboardName", "eventRouting", "fanOut", "idempotentConsumer", "queueWorker"]);
    });

    it("every `pulumi stack output <name> --json | jq -r <path>` the READMEs run reads a value the program exports", () => {
        const root = path.resolve(__dirname, "..");
        const readmes = ["README.md", ...fs.readdirSync(path.join(root, "patterns")).map((p) => path.join("patterns", p, "README.md"))].filter((f) => fs.existsSync(path.join(root, f)));
        const reads: string[] = [];
        for (const file of readmes) {
            for (const [, name, jq] of fs.readFileSync(path.join(root, file), "utf8").matchAll(/pulumi stack output (\w+) --json \| jq -r '?((?:\.\w+|\["[^"]+"\])+)/g)) {
                const segments = [...jq.matchAll(/\.(\w+)|\["([^"]+)"\]/g)].map((m) => m[1] ?? m[2]);
                const value = segments.reduce<any>((v, k) => v?.[k], stack.run.outputs[name]);
                assert.equal(typeof value, "string", `${file}: pulumi stack output ${name} --json | jq -r ${jq}`);
                assert.ok(value.length > 0, `${file}: ${name}${jq}`);
                reads.push(`${name}${jq}`);
            }
        }
        assert.ok(reads.length >= 5, reads.join(", "));
    });
});
