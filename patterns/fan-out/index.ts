import * as aws from "../shared/aws";
import * as pulumi from "@pulumi/pulumi";
import { FanOutSettings } from "../config";
import { TOPIC_DELIVERY_FAILURES, topicDeliveriesLagging } from "../shared/alarm-definitions";
import { alarmOn } from "../shared/alarms";
import { ObservedFunction } from "../shared/function";
import { denyInsecureTransport } from "../shared/iam";
import { DeadLetterQueue, ServiceSender } from "../shared/queue";
import { SqsConsumer } from "../shared/sqs-consumer";

export { DEFAULT_SUBSCRIBERS } from "./subscribers";
export type { Subscriber } from "./subscribers";
import { DEFAULT_SUBSCRIBERS, type Subscriber } from "./subscribers";

export interface FanOutArgs {
    settings: FanOutSettings;
    subscribers?: readonly Subscriber[];
    logRetentionDays: number;
    alarmTopicArn: pulumi.Input<string>;
}

/** What one subscriber is made of. */
export interface SubscriberResources {
    consumer: SqsConsumer;
    /** Where SNS puts messages it could not deliver to the subscriber queue (the subscription's redrive policy). */
    deliveryDeadLetter: DeadLetterQueue;
    subscription: aws.sns.TopicSubscription;
}

/**
 * Fan-out: a producer publishes once to an encrypted SNS topic; every subscriber queue whose filter policy
 * matches gets its own copy and its own consumer, so subscribers fail, retry and scale independently.
 */
export class FanOut extends pulumi.ComponentResource {
    readonly topic: aws.sns.Topic;
    readonly topicPolicy: aws.sns.TopicPolicy;
    readonly deliveryFailuresAlarm: aws.cloudwatch.MetricAlarm;
    /** Deliveries lagging publishes: the early signal of a subscriber SNS cannot reach (server-side errors). */
    readonly deliveriesLaggingAlarm: aws.cloudwatch.MetricAlarm;
    readonly subscribers: Record<string, SubscriberResources> = {};
    readonly producer: ObservedFunction;

    constructor(name: string, args: FanOutArgs, opts?: pulumi.ComponentResourceOptions) {
        super("serverless-patterns-lab:patterns:FanOut", name, {}, opts);
        const child = { parent: this };
        const subscribers = args.subscribers ?? DEFAULT_SUBSCRIBERS;
        const names = subscribers.map((s) => s.name);
        if (new Set(names).size !== names.length) throw new Error(`${name}: subscriber names must be unique, got ${names.join(", ")}`);

        // SSE with the AWS managed SNS key: publishers in this account need no key grant (unlike the alarm topic).
        this.topic = new aws.sns.Topic(`${name}-topic`, { kmsMasterKeyId: "alias/aws/sns" }, child);
        this.topicPolicy = new aws.sns.TopicPolicy(`${name}-topic-policy`, {
            arn: this.topic.arn,
            policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: [denyInsecureTransport("sns:Publish", this.topic.arn)] }),
        }, child);
        this.deliveryFailuresAlarm = alarmOn(`${name}-topic`, TOPIC_DELIVERY_FAILURES, { topic: this.topic }, args.alarmTopicArn, child);
        this.deliveriesLaggingAlarm = alarmOn(`${name}-topic`, topicDeliveriesLagging(subscribers.length), { topic: this.topic }, args.alarmTopicArn, child);

        // Only SNS acting for this topic may send to the subscriber queues and their delivery DLQs.
        const fromTopic: ServiceSender[] = [{ sid: "AllowFanOutTopic", service: "sns.amazonaws.com", sourceArn: this.topic.arn }];
        for (const subscriber of subscribers) {
            const id = `${name}-${subscriber.name}`;
            const consumer = new SqsConsumer(id, {
                handler: "queue-worker",
                description: `Fan-out subscriber ${subscriber.name}: processes the order messages its filter policy lets through`,
                settings: args.settings,
                logRetentionDays: args.logRetentionDays,
                alarmTopicArn: args.alarmTopicArn,
                senders: fromTopic,
            }, child);
            const deliveryDeadLetter = new DeadLetterQueue(`${id}-delivery-dlq`, {
                alarmTopicArn: args.alarmTopicArn,
                purpose: `messages SNS could not deliver to ${id} after its delivery retries`,
                senders: fromTopic,
            }, child);
            const subscription = new aws.sns.TopicSubscription(id, {
                topic: this.topic.arn,
                protocol: "sqs",
                endpoint: consumer.queue.queue.arn,
                rawMessageDelivery: subscriber.rawMessageDelivery ?? args.settings.rawMessageDelivery,
                ...(subscriber.filterPolicy ? {
                    filterPolicy: JSON.stringify(subscriber.filterPolicy),
                    filterPolicyScope: subscriber.filterPolicyScope ?? "MessageAttributes",
                } : {}),
                redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: deliveryDeadLetter.queue.arn }),
            }, { parent: this, dependsOn: [consumer.queue.queuePolicy, deliveryDeadLetter.queuePolicy] }); // SNS can deliver from the first message
            this.subscribers[subscriber.name] = { consumer, deliveryDeadLetter, subscription };
        }

        this.producer = new ObservedFunction(`${name}-producer`, {
            handler: "fan-out-producer",
            description: "Fan-out producer: publishes order messages with correlation ID, event type and region attributes",
            timeoutSeconds: 10,
            memorySizeMb: 256,
            statements: [{ Sid: "PublishToTopic", Action: ["sns:Publish"], Resource: [this.topic.arn] }], // PublishBatch is authorized as sns:Publish
            environment: { TOPIC_ARN: this.topic.arn },
            logRetentionDays: args.logRetentionDays,
            alarmTopicArn: args.alarmTopicArn,
        }, child);

        this.registerOutputs({ topicArn: this.topic.arn });
    }

    /** Stack outputs: the topic, the producer, and per subscriber its queue and both DLQs. */
    get outputs() {
        return {
            topicArn: this.topic.arn,
            producerFunctionName: this.producer.function.name,
            subscribers: Object.fromEntries(Object.entries(this.subscribers).map(([subscriber, r]) => [subscriber, {
                queueUrl: r.consumer.queue.queue.url,
                deadLetterQueueUrl: r.consumer.queue.deadLetterQueue.url,
                deliveryDeadLetterQueueUrl: r.deliveryDeadLetter.queue.url,
                subscriptionArn: r.subscription.arn,
                functionName: r.consumer.function.function.name,
            }])),
        };
    }
}
