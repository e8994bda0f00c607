// The stack's alarms over a lab run: each simulated resource a scenario builds registers the alarms the Pulumi
// program deploys on its real counterpart (the same definitions, patterns/shared/alarm-definitions.ts), on the
// dimensions that resource's metrics carry. The services send their own metrics to the run's CloudWatch (lab/sim);
// the board only says which alarms exist and evaluates them at the end.
import { ConsumerSettings } from "../patterns/config";
import {
    AlarmDefinition, DLQ_DEPTH, FUNCTION_ERRORS, FUNCTION_RECURSIVE_INVOCATIONS_DROPPED, FUNCTION_THROTTLES, NOISY_GROUPS, oldestMessageAge, RECORDS_RETRIED, RULE_FAILED_INVOCATIONS, RULE_RETRY_ATTEMPTS,
    TOPIC_DELIVERY_FAILURES, topicDeliveriesLagging,
} from "../patterns/shared/alarm-definitions";
import type { AsyncLambda } from "./sim/async-lambda";
import { AlarmOutcome, CloudWatch, Dimensions, evaluateAlarm } from "./sim/cloudwatch";
import { EventSourceMapping } from "./sim/esm";
import type { SimEventBus, SimRule } from "./sim/eventbridge";
import type { SimTopic } from "./sim/sns";
import type { SimQueue } from "./sim/sqs";

interface Registered {
    /** The alarm's logical name, as the stack names it: `${resource}-${suffix}`. */
    name: string;
    definition: () => AlarmDefinition;
    dimensions: Dimensions;
}

export class AlarmBoard {
    private readonly registered: Registered[] = [];

    constructor(readonly cloudwatch: CloudWatch) {}

    private add(resource: string, definition: AlarmDefinition | (() => AlarmDefinition), dimensions: Dimensions): void {
        const make = typeof definition === "function" ? definition : () => definition;
        this.registered.push({ name: `${resource}-${make().suffix}`, definition: make, dimensions });
    }

    /** A queue a function consumes: QueueWithDlq's alarm on the age of its oldest message, and on a standard queue's noisy tenants. */
    sourceQueue(name: string, queue: SimQueue, settings: Pick<ConsumerSettings, "oldestMessageAgeAlarmSeconds">): void {
        this.add(name, oldestMessageAge(settings.oldestMessageAgeAlarmSeconds), { QueueName: queue.options.name });
        if (!queue.fifo) this.add(name, NOISY_GROUPS, { QueueName: queue.options.name });
    }

    /** A dead-letter queue: DeadLetterQueue's alarm on its first visible message. */
    deadLetterQueue(name: string, queue: SimQueue): void {
        this.add(name, DLQ_DEPTH, { QueueName: queue.options.name });
    }

    /**
     * A function (consuming a queue, or invoked asynchronously): ObservedFunction's Errors, Throttles and
     * RecursiveInvocationsDropped alarms; a
     * queue's consumer also SqsConsumer's alarm on its handler's RecordsRetried EMF metric (`name` is its service).
     */
    function(name: string, fn: EventSourceMapping | AsyncLambda): void {
        const dims = { FunctionName: fn.options.functionName };
        this.add(name, FUNCTION_ERRORS, dims);
        this.add(name, FUNCTION_THROTTLES, dims);
        this.add(name, FUNCTION_RECURSIVE_INVOCATIONS_DROPPED, dims);
        if (fn instanceof EventSourceMapping) this.add(name, RECORDS_RETRIED, { service: name });
    }

    /** The fan-out topic: NumberOfNotificationsFailed, and deliveries lagging publishes over its subscriptions. */
    topic(name: string, topic: SimTopic): void {
        const dims = { TopicName: topic.name };
        this.add(name, TOPIC_DELIVERY_FAILURES, dims);
        this.add(name, () => topicDeliveriesLagging(topic.subscriptions.length), dims);
    }

    /** A rule with targets: FailedInvocations and RetryInvocationAttempts on the rule. */
    rule(name: string, bus: SimEventBus, rule: SimRule): void {
        const dims = { EventBusName: bus.name, RuleName: rule.name };
        this.add(name, RULE_FAILED_INVOCATIONS, dims);
        this.add(name, RULE_RETRY_ATTEMPTS, dims);
    }

    /** Every registered alarm over `horizonMs` of virtual time, in registration order. */
    evaluate(horizonMs: number): AlarmOutcome[] {
        return this.registered.map((r) => evaluateAlarm(this.cloudwatch, r.name, r.definition(), r.dimensions, horizonMs));
    }
}
