import { strict as assert } from "assert";
import { alarmsOnQueue, denyInsecureTransportOn, ownLogsStatement, queuePolicyStatements, roleStatements, runProgram, Stack, T } from "./harness";

describe("event-routing pattern", () => {
    let stack: Stack;
    before(async () => {
        stack = new Stack(await runProgram({ eventRouting: true }));
    });
    const bus = () => stack.get(T.bus, "event-routing-bus");
    const rule = (id: string) => stack.get(T.rule, id);
    const queueArn = (id: string) => stack.get(T.queue, id).state.arn;
    const allowRule = (sid: string, resource: string, ruleArn: string) => ({
        Sid: sid, Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sqs:SendMessage", Resource: resource,
        Condition: { ArnEquals: { "aws:SourceArn": ruleArn } },
    });

    it("routes by content: the rules' patterns serialize to the JSON EventBridge expects, on the custom bus", () => {
        assert.equal(rule("event-routing-high-value").inputs.eventBusName, bus().state.name);
        assert.deepEqual(JSON.parse(rule("event-routing-high-value").inputs.eventPattern), {
            source: ["lab.orders"], "detail-type": ["OrderPlaced"], detail: { amount: [{ numeric: [">=", 100] }] },
        });
        assert.equal(rule("event-routing-eu-orders").inputs.eventBusName, bus().state.name);
        assert.deepEqual(JSON.parse(rule("event-routing-eu-orders").inputs.eventPattern), {
            source: ["lab.orders"], "detail-type": ["OrderPlaced"],
            detail: { region: [{ prefix: "eu-" }], $or: [{ channel: [{ "anything-but": ["test"] }] }, { channel: [{ exists: false }] }] },
        });
    });

    it("SQS target: this rule sends to this queue, with a retry policy and a DLQ an alarm watches", () => {
        const target = stack.get(T.target, "event-routing-high-value").inputs;
        assert.equal(target.rule, rule("event-routing-high-value").state.name);
        assert.equal(target.eventBusName, bus().state.name);
        assert.equal(target.arn, queueArn("event-routing-high-value"));
        assert.deepEqual(target.retryPolicy, { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 86400 });
        assert.deepEqual(target.deadLetterConfig, { arn: queueArn("event-routing-high-value-target-dlq") });
        assert.deepEqual(alarmsOnQueue(stack, "event-routing-high-value-target-dlq").map((a) => a.inputs.metricName), ["ApproximateNumberOfMessagesVisible"]);
        assert.equal(stack.get(T.esm, "event-routing-high-value-esm").inputs.eventSourceArn, queueArn("event-routing-high-value"));
    });

    it("SQS target: only EventBridge acting for this rule may send to the queue and to the target DLQ", () => {
        const ruleArn = rule("event-routing-high-value").state.arn;
        for (const [queue, sid] of [["event-routing-high-value", "AllowHighValueRule"], ["event-routing-high-value-target-dlq", "AllowRuleDeadLetters"]]) {
            assert.deepEqual(queuePolicyStatements(stack, queue), [denyInsecureTransportOn(queueArn(queue)), allowRule(sid, queueArn(queue), ruleArn)], queue);
        }
    });

    it("Lambda target: invoked by this rule only, with a retry policy and a DLQ an alarm watches", () => {
        const fn = stack.get(T.fn, "event-routing-eu-orders-fn");
        const ruleArn = rule("event-routing-eu-orders").state.arn;
        const target = stack.get(T.target, "event-routing-eu-orders").inputs;
        assert.equal(target.arn, fn.state.arn);
        assert.equal(target.rule, rule("event-routing-eu-orders").state.name);
        assert.deepEqual(target.retryPolicy, { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 86400 });
        assert.deepEqual(target.deadLetterConfig, { arn: queueArn("event-routing-eu-orders-target-dlq") });
        assert.deepEqual(queuePolicyStatements(stack, "event-routing-eu-orders-target-dlq"),
            [denyInsecureTransportOn(queueArn("event-routing-eu-orders-target-dlq")), allowRule("AllowRuleDeadLetters", queueArn("event-routing-eu-orders-target-dlq"), ruleArn)]);
        assert.equal(alarmsOnQueue(stack, "event-routing-eu-orders-target-dlq").length, 1);
        const permission = stack.get(T.permission, "event-routing-eu-orders-invoke").inputs;
        assert.deepEqual(permission, { action: "lambda:InvokeFunction", function: fn.state.name, principal: "events.amazonaws.com", sourceArn: ruleArn });
        assert.ok(stack.get(T.target, "event-routing-eu-orders").dependencies.includes(stack.get(T.permission, "event-routing-eu-orders-invoke").urn));
    });

    it("Lambda target: bounded async retries, then an on-failure queue the function's role may send to", () => {
        const onFailure = queueArn("event-routing-eu-orders-on-failure");
        const config = stack.get(T.invokeConfig, "event-routing-eu-orders-async").inputs;
        assert.equal(config.functionName, stack.get(T.fn, "event-routing-eu-orders-fn").state.name);
        assert.equal(config.maximumRetryAttempts, 2);
        assert.equal(config.maximumEventAgeInSeconds, 3600);
        assert.deepEqual(config.destinationConfig, { onFailure: { destination: onFailure } });
        assert.deepEqual(roleStatements(stack, "event-routing-eu-orders-fn"), [
            ownLogsStatement(stack, "event-routing-eu-orders-fn"),
            { Effect: "Allow", Sid: "SendToOnFailureDestination", Action: ["sqs:SendMessage"], Resource: [onFailure] },
        ]);
        assert.equal(alarmsOnQueue(stack, "event-routing-eu-orders-on-failure").length, 1);
    });

    it("alarms on each rule's failed invocations, on the bus's and the rule's dimensions alike", () => {
        for (const id of ["event-routing-high-value", "event-routing-eu-orders"]) {
            const queries = stack.get(T.alarm, `${id}-failed-invocations`).inputs.metricQueries.filter((q: { metric?: unknown }) => q.metric);
            assert.deepEqual(queries.map((q: { id: string; metric: { namespace: string; metricName: string; dimensions: unknown } }) => [q.id, q.metric.namespace, q.metric.metricName, q.metric.dimensions]), [
                ["onBus", "AWS/Events", "FailedInvocations", { EventBusName: bus().state.name, RuleName: rule(id).state.name }],
                ["onRule", "AWS/Events", "FailedInvocations", { RuleName: rule(id).state.name }],
            ]);
        }
    });

    it("lets the producer put events on this bus only, and tells it which", () => {
        assert.deepEqual(roleStatements(stack, "event-routing-producer"), [
            ownLogsStatement(stack, "event-routing-producer"),
            { Effect: "Allow", Sid: "PutEventsOnBus", Action: ["events:PutEvents"], Resource: [bus().state.arn] },
        ]);
        assert.equal(stack.get(T.fn, "event-routing-producer").inputs.environment.variables.EVENT_BUS_NAME, bus().state.name);
    });

    it("takes retry policies and the archive from config", async () => {
        assert.equal(stack.ofType(T.archive).length, 0, "no archive by default");
        const tuned = new Stack(await runProgram({
            eventRouting: true,
            eventRoutingSettings: { targetMaximumRetryAttempts: 3, targetMaximumEventAgeSeconds: 600, asyncMaximumRetryAttempts: 0, archive: true, archiveRetentionDays: 30 },
        }));
        for (const id of ["event-routing-high-value", "event-routing-eu-orders"]) {
            assert.deepEqual(tuned.get(T.target, id).inputs.retryPolicy, { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 600 });
        }
        assert.equal(tuned.get(T.invokeConfig, "event-routing-eu-orders-async").inputs.maximumRetryAttempts, 0);
        const archive = tuned.get(T.archive, "event-routing-archive").inputs;
        assert.equal(archive.eventSourceArn, tuned.get(T.bus, "event-routing-bus").state.arn);
        assert.equal(archive.retentionDays, 30);
    });

    it("the bus logs at ERROR without detail, and CloudWatch Logs delivers each log type into the bus's own vended log group, for this account and these sources only", () => {
        assert.deepEqual(bus().inputs.logConfig, { level: "ERROR", includeDetail: "NONE" });
        const group = stack.get(T.logGroup, "event-routing-bus-logs");
        assert.equal(group.inputs.name, `/aws/vendedlogs/events/event-bus/${bus().state.name}`);
        const destination = stack.get("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination", "event-routing-bus-logs-destination");
        assert.equal(destination.inputs.deliveryDestinationConfiguration.destinationResourceArn, group.state.arn);
        const sources = ["error-logs", "info-logs", "trace-logs"].map((t) => stack.get("aws:cloudwatch/logDeliverySource:LogDeliverySource", `event-routing-bus-${t}`));
        assert.deepEqual(sources.map((x) => [x.inputs.logType, x.inputs.resourceArn]), ["ERROR_LOGS", "INFO_LOGS", "TRACE_LOGS"].map((t) => [t, bus().state.arn]));
        for (const [i, source] of sources.entries()) {
            const delivery = stack.get("aws:cloudwatch/logDelivery:LogDelivery", `event-routing-bus-${["error-logs", "info-logs", "trace-logs"][i]}-delivery`).inputs;
            assert.deepEqual([delivery.deliverySourceName, delivery.deliveryDestinationArn], [source.state.name, destination.state.arn]);
        }
        const policy = stack.get("aws:cloudwatch/logResourcePolicy:LogResourcePolicy", "event-routing-bus-log-delivery").inputs;
        assert.equal(policy.resourceArn, group.state.arn);
        const [statement] = JSON.parse(policy.policyDocument).Statement;
        assert.deepEqual(statement.Principal, { Service: "delivery.logs.amazonaws.com" });
        assert.deepEqual(statement.Resource, [`${group.state.arn}:log-stream:*`]);
        assert.deepEqual(statement.Condition.ArnLike["aws:SourceArn"], sources.map((x) => x.state.arn));
        assert.ok(statement.Condition.StringEquals["aws:SourceAccount"]);
    });

    it("exports the bus, the rules and every DLQ", () => {
        const run = stack.run;
        assert.deepEqual(run.outputs.eventRouting, {
            busName: bus().state.name,
            busArn: bus().state.arn,
            busLogGroupName: stack.get(T.logGroup, "event-routing-bus-logs").state.name,
            producerFunctionName: stack.get(T.fn, "event-routing-producer").state.name,
            ruleArns: { highValue: rule("event-routing-high-value").state.arn, euOrders: rule("event-routing-eu-orders").state.arn },
            highValueQueueUrl: stack.get(T.queue, "event-routing-high-value").state.url,
            euOrdersFunctionName: stack.get(T.fn, "event-routing-eu-orders-fn").state.name,
            deadLetterQueueUrls: {
                highValueConsumer: stack.get(T.queue, "event-routing-high-value-dlq").state.url,
                highValueTarget: stack.get(T.queue, "event-routing-high-value-target-dlq").state.url,
                euOrdersTarget: stack.get(T.queue, "event-routing-eu-orders-target-dlq").state.url,
                euOrdersOnFailure: stack.get(T.queue, "event-routing-eu-orders-on-failure").state.url,
            },
        });
    });
});
