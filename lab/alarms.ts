// The stack's alarms over a lab run: each simulated resource a scenario builds registers the alarms the Pulumi
// program deploys on its real counterpart (the same definitions, patterns/shared/alarm-definitions.ts), and publishes
// the metrics they read into the run's simulated CloudWatch.
import { ConsumerSettings, METRICS_NAMESPACE } from "../patterns/config";
import {
    AlarmDefinition, DLQ_DEPTH, FUNCTION_ERRORS, FUNCTION_THROTTLES, oldestMessageAge, RECORDS_RETRIED, RULE_FAILED_INVOCATIONS, RULE_RETRY_ATTEMPTS,
    TOPIC_DELIVERY_FAILURES, topicDeliveriesLagging,
} from "../patterns/shared/alarm-definitions";
import type { AsyncLambda } from "./sim/async-lambda";
import { AlarmOutcome, CloudWatch, evaluateAlarm, metricKey } from "./sim/cloudwatch";
import { EventSourceMapping } from "./sim/esm";
import type { SimTarget } from "./sim/eventbridge";
import type { SimTopic } from "./sim/sns";
import type { SimQueue } from "./sim/sqs";

interface Registered {
    /** The alarm's logical name, as the stack names it: `${resource}-${suffix}`. */
    name: string;
    definition: () => AlarmDefinition;
    resource: string;
}

export class AlarmBoard {
    private readonly registered: Registered[] = [];

    constructor(readonly cloudwatch: CloudWatch) {}

    private add(resource: string, definition: AlarmDefinition | (() => AlarmDefinition)): void {
        const make = typeof definition === "function" ? definition : () => definition;
        this.registered.push({ name: `${resource}-${make().suffix}`, definition: make, resource });
    }

    private gauge(resource: string, metricName: string, read: () => number): void {
        this.cloudwatch.gauge(metricKey({ namespace: "AWS/SQS", metricName }, resource), read);
    }

    /** A queue a function consumes: QueueWithDlq's alarm on the age of its oldest message. */
    sourceQueue(name: string, queue: SimQueue, settings: Pick<ConsumerSettings, "oldestMessageAgeAlarmSeconds">): void {
        this.gauge(name, "ApproximateNumberOfMessagesVisible", () => queue.visible);
        this.gauge(name, "ApproximateAgeOfOldestMessage", () => Math.floor(queue.oldestAgeMs / 1000));
        this.add(name, oldestMessageAge(settings.oldestMessageAgeAlarmSeconds));
    }

    /** A dead-letter queue: DeadLetterQueue's alarm on its first visible message. */
    deadLetterQueue(name: string, queue: SimQueue): void {
        this.gauge(name, "ApproximateNumberOfMessagesVisible", () => queue.visible);
        this.add(name, DLQ_DEPTH);
    }

    /**
     * A function (consuming a queue, or invoked asynchronously): ObservedFunction's Errors and Throttles alarms; a
     * queue's consumer also SqsConsumer's alarm on its handler's RecordsRetried EMF metric (`name` is its service).
     */
    function(name: string, fn: EventSourceMapping | AsyncLambda): void {
        fn.onMetric = (metricName, at) => this.cloudwatch.count(metricKey({ namespace: "AWS/Lambda", metricName }, name), 1, at);
        this.add(name, FUNCTION_ERRORS);
        this.add(name, FUNCTION_THROTTLES);
        if (fn instanceof EventSourceMapping) this.add(name, RECORDS_RETRIED);
    }

    /** A handler's EMF metric (namespace ServerlessPatternsLab, dimension service), as its Powertools Metrics adds it. */
    emf(service: string, metricName: string, value: number): void {
        this.cloudwatch.count(metricKey({ namespace: METRICS_NAMESPACE, metricName }, service), value);
    }

    /** The fan-out topic: NumberOfNotificationsFailed, and deliveries lagging publishes over its subscriptions. */
    topic(name: string, topic: SimTopic): void {
        topic.onMetric = (metricName) => this.cloudwatch.count(metricKey({ namespace: "AWS/SNS", metricName }, name));
        this.add(name, TOPIC_DELIVERY_FAILURES);
        this.add(name, () => topicDeliveriesLagging(topic.subscriptions.length));
    }

    /** A rule's target: FailedInvocations and RetryInvocationAttempts on the rule. */
    rule(name: string, target: SimTarget): void {
        target.onMetric = (metricName) => this.cloudwatch.count(metricKey({ namespace: "AWS/Events", metricName }, name));
        this.add(name, RULE_FAILED_INVOCATIONS);
        this.add(name, RULE_RETRY_ATTEMPTS);
    }

    /** Every registered alarm over `horizonMs` of virtual time, in registration order. */
    evaluate(horizonMs: number): AlarmOutcome[] {
        return this.registered.map((r) => evaluateAlarm(this.cloudwatch, r.name, r.definition(), r.resource, horizonMs));
    }
}
