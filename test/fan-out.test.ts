import { strict as assert } from "assert";
import { alarmsOnQueue, consumerStatements, denyInsecureTransportOn, ownLogsStatement, queuePolicyStatements, roleStatements, runProgram, Stack, T } from "./harness";

const SUBSCRIBERS = ["high-value", "eu-orders", "audit"];

describe("fan-out pattern", () => {
    let stack: Stack;
    before(async () => {
        stack = new Stack(await runProgram({ fanOut: true }));
    });
    const topic = () => stack.get(T.topic, "fan-out-topic");

    it("encrypts the topic, accepts TLS publishes only, and alarms on failed deliveries", () => {
        assert.equal(topic().inputs.kmsMasterKeyId, "alias/aws/sns");
        const policy = JSON.parse(stack.get(T.topicPolicy, "fan-out-topic-policy").inputs.policy);
        assert.deepEqual(policy.Statement, [{
            Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sns:Publish", Resource: topic().state.arn,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        }]);
        const alarm = stack.get(T.alarm, "fan-out-topic-delivery-failures").inputs;
        assert.equal(alarm.metricName, "NumberOfNotificationsFailed");
        assert.deepEqual(alarm.dimensions, { TopicName: topic().state.name });
    });

    for (const name of SUBSCRIBERS) {
        it(`${name}: subscribes its own queue, redrives undeliverable messages to a DLQ that an alarm watches`, () => {
            const id = `fan-out-${name}`;
            const subscription = stack.get(T.subscription, id);
            assert.equal(subscription.inputs.topic, topic().state.arn);
            assert.equal(subscription.inputs.protocol, "sqs");
            assert.equal(subscription.inputs.endpoint, stack.get(T.queue, id).state.arn);
            assert.equal(subscription.inputs.rawMessageDelivery, true);
            const deliveryDlq = stack.get(T.queue, `${id}-delivery-dlq`);
            assert.deepEqual(JSON.parse(subscription.inputs.redrivePolicy), { deadLetterTargetArn: deliveryDlq.state.arn });
            const watching = alarmsOnQueue(stack, `${id}-delivery-dlq`);
            assert.deepEqual(watching.map((a) => a.inputs.metricName), ["ApproximateNumberOfMessagesVisible"]);
            assert.deepEqual(watching[0].inputs.alarmActions, [stack.get(T.topic, "alarms").state.arn]);
            // and the consumer's own DLQ, for records its function cannot process
            const consumerDlq = stack.get(T.queue, `${id}-dlq`);
            assert.equal(JSON.parse(stack.get(T.queue, id).inputs.redrivePolicy).deadLetterTargetArn, consumerDlq.state.arn);
            assert.equal(alarmsOnQueue(stack, `${id}-dlq`).length, 1);
            // SNS may deliver from the first message: the subscription waits for both queue policies
            assert.ok(subscription.dependencies.includes(stack.get(T.queuePolicy, `${id}-policy`).urn));
            assert.ok(subscription.dependencies.includes(stack.get(T.queuePolicy, `${id}-delivery-dlq-policy`).urn));
        });

        it(`${name}: lets SNS send to its queue and delivery DLQ only on behalf of this topic`, () => {
            const id = `fan-out-${name}`;
            for (const queue of [id, `${id}-delivery-dlq`]) {
                const arn = stack.get(T.queue, queue).state.arn;
                assert.deepEqual(queuePolicyStatements(stack, queue), [
                    denyInsecureTransportOn(arn),
                    {
                        Sid: "AllowFanOutTopic", Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: "sqs:SendMessage", Resource: arn,
                        Condition: { ArnEquals: { "aws:SourceArn": topic().state.arn } },
                    },
                ], queue);
            }
            // the consumer's DLQ is fed by SQS redrive, not by SNS: no service may send to it
            assert.deepEqual(queuePolicyStatements(stack, `${id}-dlq`), [denyInsecureTransportOn(stack.get(T.queue, `${id}-dlq`).state.arn)]);
        });
    }

    it("filters in both scopes, serialized as the JSON SNS expects", () => {
        const highValue = stack.get(T.subscription, "fan-out-high-value").inputs;
        assert.equal(highValue.filterPolicyScope, "MessageBody");
        assert.deepEqual(JSON.parse(highValue.filterPolicy), { type: ["order.placed"], amount: [{ numeric: [">=", 100] }] });
        const eu = stack.get(T.subscription, "fan-out-eu-orders").inputs;
        assert.equal(eu.filterPolicyScope, "MessageAttributes");
        assert.deepEqual(JSON.parse(eu.filterPolicy), { region: [{ prefix: "eu-" }], eventType: ["order.placed"] });
        const audit = stack.get(T.subscription, "fan-out-audit").inputs;
        assert.equal(audit.filterPolicy, undefined, "the audit subscriber receives everything");
    });

    it("lets the producer publish to this topic only, and tells it which", () => {
        assert.deepEqual(roleStatements(stack, "fan-out-producer"), [
            ownLogsStatement(stack, "fan-out-producer"),
            { Effect: "Allow", Sid: "PublishToTopic", Action: ["sns:Publish"], Resource: [topic().state.arn] },
        ]);
        assert.equal(stack.get(T.fn, "fan-out-producer").inputs.environment.variables.TOPIC_ARN, topic().state.arn);
    });

    it("lets each subscriber consume its own queue and send permanent failures to its own DLQ, nothing else", () => {
        for (const name of SUBSCRIBERS) {
            const id = `fan-out-${name}`;
            assert.deepEqual(roleStatements(stack, `${id}-fn`), [ownLogsStatement(stack, `${id}-fn`), ...consumerStatements(stack, id)]);
            assert.equal(stack.get(T.fn, `${id}-fn`).inputs.environment.variables.DEAD_LETTER_QUEUE_URL, stack.get(T.queue, `${id}-dlq`).state.url);
            assert.equal(stack.get(T.esm, `${id}-esm`).inputs.eventSourceArn, stack.get(T.queue, id).state.arn);
        }
    });

    it("turns raw message delivery off for every subscriber when configured", async () => {
        const enveloped = new Stack(await runProgram({ fanOut: true, fanOutSettings: { rawMessageDelivery: false } }));
        assert.deepEqual(SUBSCRIBERS.map((n) => enveloped.get(T.subscription, `fan-out-${n}`).inputs.rawMessageDelivery), [false, false, false]);
    });

    it("exports the topic, every subscriber queue and every DLQ", () => {
        const run = stack.run;
        assert.equal(run.outputs.fanOut.topicArn, topic().state.arn);
        assert.deepEqual(Object.keys(run.outputs.fanOut.subscribers), SUBSCRIBERS);
        for (const name of SUBSCRIBERS) {
            const id = `fan-out-${name}`;
            assert.deepEqual(run.outputs.fanOut.subscribers[name], {
                queueUrl: stack.get(T.queue, id).state.url,
                deadLetterQueueUrl: stack.get(T.queue, `${id}-dlq`).state.url,
                deliveryDeadLetterQueueUrl: stack.get(T.queue, `${id}-delivery-dlq`).state.url,
                subscriptionArn: stack.get(T.subscription, id).state.arn,
                functionName: stack.get(T.fn, `${id}-fn`).state.name,
            });
        }
    });
});
