// Every CloudWatch alarm the stack deploys, as data: the Pulumi program creates them from these definitions and the
// lab evaluates the same definitions on its simulated metrics, so what the lab reports as "detected after N s" is
// what the deployed alarm would do. No Pulumi here.
import { METRICS_NAMESPACE } from "../config";

export type AlarmNamespace = "AWS/SQS" | "AWS/Lambda" | "AWS/Events" | "AWS/SNS" | "AWS/DynamoDB" | typeof METRICS_NAMESPACE;
export type AlarmStatistic = "Maximum" | "Sum";
/** CloudWatch's four treatments of missing data ("Configuring how CloudWatch alarms treat missing data"). */
export type TreatMissingData = "missing" | "notBreaching" | "breaching" | "ignore";

/** One metric an alarm reads: its namespace, name and statistic (the dimensions come from the resource). */
export interface AlarmMetric {
    namespace: AlarmNamespace;
    metricName: string;
    statistic: AlarmStatistic;
    /** Which of the resource's dimensions this metric carries (default all of them). */
    dimensions?: readonly string[];
    /** In metric math: FILL(metric, fill), the value of a period the metric has no datapoint for. */
    fill?: number;
}

/** Metric math, where no single AWS metric says it. */
export interface AlarmMath {
    /** CloudWatch metric math over `metrics` (id → metric); its value is what the alarm compares. */
    expression: string;
    metrics: Record<string, AlarmMetric>;
    /** What the expression means, as the alarm's label: not an AWS metric name. */
    label: string;
    /** The expression's value from one period's statistics (FILLed where the input says so), for the lab. */
    evaluate(values: Record<string, number>): number;
}

interface AlarmSettings {
    /** Names the alarm after its resource: `${resource}-${suffix}`. */
    suffix: string;
    periodSeconds: number;
    evaluationPeriods: number;
    /** M of N: this many of the last `evaluationPeriods` datapoints must breach. */
    datapointsToAlarm: number;
    threshold: number;
    comparison: "GreaterThanThreshold";
    /** How the alarm treats a period without a datapoint: each definition says which and why. */
    treatMissingData: TreatMissingData;
    description(subject: string): string;
}

/** An alarm on one AWS (or EMF) metric. */
export type MetricAlarmDefinition = AlarmSettings & AlarmMetric & { math?: undefined };
/** An alarm on one AWS (or EMF) metric, or on metric math over several of one namespace. */
export type AlarmDefinition = MetricAlarmDefinition | (AlarmSettings & { namespace: AlarmNamespace; math: AlarmMath });

/** What an alarm reads, for reports: "AWS/SQS ApproximateAgeOfOldestMessage", or the math's label and inputs. */
export function alarmReads(definition: AlarmDefinition): string {
    if (!definition.math) return `${definition.namespace} ${definition.metricName}`;
    const inputs = Object.values(definition.math.metrics).map((m) => m.metricName).join(", ");
    return `${definition.namespace} metric math: ${definition.math.label} (${inputs})`;
}

const base = { periodSeconds: 60, evaluationPeriods: 1, datapointsToAlarm: 1, comparison: "GreaterThanThreshold" } as const;

/**
 * A DLQ holds a message: someone must look, fix the cause and redrive. 1 of 1 minute: one message is worth a look.
 * In the lab's evaluation range (N + 2, an assumption) a real datapoint in the last 3 minutes decides, so a message
 * visible for a moment keeps it in ALARM up to 3 minutes.
 */
export const DLQ_DEPTH: MetricAlarmDefinition = {
    ...base, suffix: "depth", namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", statistic: "Maximum", threshold: 0,
    // ignore: SQS stops sending an idle queue's metrics ("active for up to six hours if it contains any messages or if any action accesses it"): a gap keeps the last state, OK while empty, ALARM while messages wait.
    treatMissingData: "ignore",
    description: (subject) => `Messages are waiting in ${subject}: inspect them, fix the cause, then redrive.`,
};

/** A source queue's oldest message waits too long: consumers fail, are throttled or too slow. 1 of 1 minute past the threshold. */
export function oldestMessageAge(thresholdSeconds: number): MetricAlarmDefinition {
    return {
        ...base, suffix: "oldest-message-age", namespace: "AWS/SQS", metricName: "ApproximateAgeOfOldestMessage", statistic: "Maximum", threshold: thresholdSeconds,
        // notBreaching: SQS sends no age while the queue holds no message ("Available CloudWatch metrics for Amazon SQS"): an empty queue is a healthy one.
        treatMissingData: "notBreaching",
        description: (subject) => `The oldest message of ${subject} waits longer than ${thresholdSeconds} s: consumers are failing, throttled or too slow.`,
    };
}

/**
 * A tenant of a fair queue is noisy: ApproximateNumberOfNoisyGroups above 0 ("Available CloudWatch metrics for Amazon
 * SQS") in 2 of the last 3 minutes. SQS is holding that tenant's messages back for the others ("How Amazon SQS fair
 * queues work"): its own messages wait longer while the rest keep their dwell time; a burst of a minute does not page.
 */
export const NOISY_GROUPS: MetricAlarmDefinition = {
    ...base, suffix: "noisy-groups", namespace: "AWS/SQS", metricName: "ApproximateNumberOfNoisyGroups", statistic: "Maximum",
    evaluationPeriods: 3, datapointsToAlarm: 2, threshold: 0,
    // notBreaching: SQS reports the metric only while the queue is active; an idle queue has no noisy tenant.
    treatMissingData: "notBreaching",
    description: (subject) => `A tenant (MessageGroupId) of ${subject} is noisy: SQS fair queues deliver the other tenants' messages first; find the tenant in the consumer's logs (its messages carry MessageGroupId) and throttle or isolate it.`,
};

/** A function invocation failed (a thrown error or a timeout, not a partial batch failure). 1 of 1 minute: every failure counts. */
export const FUNCTION_ERRORS: MetricAlarmDefinition = {
    ...base, suffix: "errors", namespace: "AWS/Lambda", metricName: "Errors", statistic: "Sum", threshold: 0,
    // notBreaching: Lambda sends Errors (0 or 1) with each finished invocation ("Types of metrics for Lambda functions"): a minute without invocations has none, and idle is healthy.
    treatMissingData: "notBreaching",
    description: (subject) => `${subject} failed invocations (a thrown error or timeout, not a partial batch failure): see its log group.`,
};

/**
 * A consumer keeps receiving records it has received before: the handlers' own EMF metric RecordsRetried (receive
 * count > 1), in at least 2 of the last 5 minutes. Failures, timeouts and a visibility timeout shorter than the
 * processing all show here, often before a DLQ or an age threshold. The EMF metric exists only in minutes with a
 * retried record, so with fewer than 5 such minutes in the evaluation range every one in it counts: in the lab's range
 * (N + 2 = 7 minutes, an assumption) 2 minutes of redeliveries within 7 raise it, one retried batch never does (a
 * redelivered record may repeat a side effect, so two minutes of it are worth a page).
 */
export const RECORDS_RETRIED: MetricAlarmDefinition = {
    ...base, suffix: "records-retried", namespace: METRICS_NAMESPACE, metricName: "RecordsRetried", statistic: "Sum",
    evaluationPeriods: 5, datapointsToAlarm: 2, threshold: 0,
    // notBreaching: an EMF metric exists only in the minutes a handler emitted it (CloudWatch embedded metric format): no retried record, no datapoint, healthy.
    treatMissingData: "notBreaching",
    description: (subject) => `${subject} keeps receiving records again (failures, timeouts, or a visibility timeout shorter than the processing): see RecordsFailed by error class.`,
};

/** A function invocation was throttled: account or reserved concurrency is exhausted. 1 of 1 minute. */
export const FUNCTION_THROTTLES: MetricAlarmDefinition = {
    ...base, suffix: "throttles", namespace: "AWS/Lambda", metricName: "Throttles", statistic: "Sum", threshold: 0,
    // notBreaching: Lambda sends Throttles only for invocation requests ("Types of metrics for Lambda functions"): no requests, no datapoint, healthy.
    treatMissingData: "notBreaching",
    description: (subject) => `${subject} invocations were throttled: account or reserved concurrency is exhausted.`,
};

/**
 * Lambda stopped a recursive loop: RecursiveInvocationsDropped, "the number of function invocations that Lambda has
 * stopped because your function has been invoked more than approximately 16 times in a single chain of requests",
 * emitted "as soon as it stops a recursive invocation" (Use Lambda recursive loop detection to prevent infinite loops).
 * 1 of 1 minute: each drop is a loop in the code, and for an SQS source the message goes on to the DLQ.
 */
export const FUNCTION_RECURSIVE_INVOCATIONS_DROPPED: MetricAlarmDefinition = {
    ...base, suffix: "recursion-dropped", namespace: "AWS/Lambda", metricName: "RecursiveInvocationsDropped", statistic: "Sum", threshold: 0,
    // notBreaching: Lambda sends the metric only when it stops an invocation (and never with recursiveLoop Allow): no loop, no datapoint, healthy.
    treatMissingData: "notBreaching",
    description: (subject) => `${subject}: Lambda stopped a recursive loop (the function sends to what invokes it); for an SQS source the message ends in the DLQ. Fix the code, not the setting.`,
};

/**
 * SNS gave up on a delivery. For SQS endpoints "the metric increments by 1 when Amazon SNS stops attempting message
 * deliveries" (Monitoring Amazon SNS topics using CloudWatch): at once for a client-side error, after about 23 days
 * of retries for a server-side one. 1 of 1 minute: every message given up on is in a DLQ.
 */
export const TOPIC_DELIVERY_FAILURES: MetricAlarmDefinition = {
    ...base, suffix: "delivery-failures", namespace: "AWS/SNS", metricName: "NumberOfNotificationsFailed", statistic: "Sum", threshold: 0,
    // notBreaching: SNS sends a topic's counts only for minutes with activity: no failed delivery, no datapoint, healthy.
    treatMissingData: "notBreaching",
    description: (subject) => `${subject}: SNS gave up delivering to a subscriber (at once for a client-side error); the message is in that subscription's delivery DLQ.`,
};

/**
 * Deliveries lagging publishes. Every published message is, per subscription, delivered or filtered out, so the share
 * of `published × subscriptions` neither delivered nor filtered out is what SNS still retries or gave up on. AWS
 * publishes no per-subscription retry metric for SQS endpoints: this one sees server-side delivery failures while
 * NumberOfNotificationsFailed waits out the 23 days of retries.
 * Filtered out: the monitoring page defines NumberOfNotificationsFilteredOut by message attributes ("when the message
 * attributes don't match the policy attributes") and lists -MessageAttributes and -MessageBody beside it, so whether
 * the total counts MessageBody-scope rejections is not settled by the page; MAX(total, attributes + body) is the count
 * of rejections under either reading (never both counted twice). Each input is FILLed with 0: a minute SNS sends
 * nothing for (no deliveries at all while the only subscriber fails) would otherwise leave the expression without a
 * value. More than 10 % for two 5-minute periods in a row: a delivery crossing a period boundary moves a message from
 * one period to the next, never raising both.
 */
export function topicDeliveriesLagging(subscriptions: number): AlarmDefinition {
    const total = (x: string) => `FILL(${x}, 0)`;
    const expected = `${total("published")} * ${subscriptions}`;
    const filtered = `MAX([${total("filtered")}, ${total("filteredAttributes")} + ${total("filteredBody")}])`;
    const sns = (metricName: string) => ({ namespace: "AWS/SNS" as const, metricName, statistic: "Sum" as const, fill: 0 });
    return {
        ...base, suffix: "deliveries-lagging", namespace: "AWS/SNS",
        periodSeconds: 300, evaluationPeriods: 2, datapointsToAlarm: 2, threshold: 0.1,
        // notBreaching: every input is FILLed, so the expression has a value in every period; should none come back, a quiet topic is healthy.
        treatMissingData: "notBreaching",
        math: {
            expression: `IF(${total("published")} > 0, (${expected} - ${total("delivered")} - ${filtered}) / (${expected}), 0)`,
            label: "share of deliveries neither made nor filtered out",
            metrics: {
                published: sns("NumberOfMessagesPublished"),
                delivered: sns("NumberOfNotificationsDelivered"),
                filtered: sns("NumberOfNotificationsFilteredOut"),
                filteredAttributes: sns("NumberOfNotificationsFilteredOut-MessageAttributes"),
                filteredBody: sns("NumberOfNotificationsFilteredOut-MessageBody"),
            },
            evaluate: ({ published, delivered, filtered, filteredAttributes, filteredBody }) =>
                (published > 0 ? (published * subscriptions - delivered - Math.max(filtered, filteredAttributes + filteredBody)) / (published * subscriptions) : 0),
        },
        description: (subject) => `${subject}: more than 10 % of deliveries lag publishes for 10 minutes: SNS is retrying a subscriber it cannot reach (a server-side error); check the subscriber queues.`,
    };
}

/**
 * A rule's metric, whichever dimensions EventBridge sends it with. The monitoring page says "Metrics that specify both
 * the EventBusName and RuleName dimensions refer to a custom event bus", while its table lists FailedInvocations with
 * RuleName only: the alarm reads both series (each FILLed with 0) and takes the larger, right under either reading and
 * never counting one invocation twice. The stack's rule names are unique per account (Pulumi adds a random suffix), so
 * the RuleName-only series cannot mix in a rule of another bus.
 */
function ruleMetric(metricName: string): AlarmMath {
    const events = (dimensions: string[]) => ({ namespace: "AWS/Events" as const, metricName, statistic: "Sum" as const, dimensions, fill: 0 });
    return {
        expression: "MAX([FILL(onBus, 0), FILL(onRule, 0)])",
        label: `${metricName} of the rule (EventBusName+RuleName or RuleName)`,
        metrics: { onBus: events(["EventBusName", "RuleName"]), onRule: events(["RuleName"]) },
        evaluate: ({ onBus, onRule }) => Math.max(onBus, onRule),
    };
}

/**
 * EventBridge gave up on an invocation. FailedInvocations is "the number of invocations that failed permanently.
 * This doesn't include invocations that are retried" (Monitoring Amazon EventBridge): it counts when the retry
 * policy runs out (up to 24 h) or at once for an error EventBridge does not retry. 1 of 1 minute.
 */
export const RULE_FAILED_INVOCATIONS: AlarmDefinition = {
    ...base, suffix: "failed-invocations", namespace: "AWS/Events", threshold: 0, math: ruleMetric("FailedInvocations"),
    // notBreaching: "EventBridge only sends this metric to CloudWatch if it isn't zero" (Monitoring Amazon EventBridge); the FILLed expression has a value every minute anyway.
    treatMissingData: "notBreaching",
    description: (subject) => `${subject}: EventBridge gave up delivering to the target (retries exhausted, or an error it does not retry); the event is in the target DLQ.`,
};

/**
 * EventBridge is retrying a target: RetryInvocationAttempts, "Number of times target invocation has been retried"
 * (Monitoring Amazon EventBridge), in at least 3 of the last 15 minutes. One retry that succeeds does not raise it;
 * a target that keeps failing does within minutes, a day before FailedInvocations would. The inputs are FILLed, so
 * every minute has a value and the window is exactly the last 15 minutes: wide enough to stay in ALARM while
 * EventBridge's backoff spaces the retries of a few events minutes apart (the lab's delays are an assumption,
 * EVENTBRIDGE_BACKOFF, capped at 10 minutes: with 3 of 5 the alarm went back to OK during the lab's 26-hour outage).
 */
export const RULE_RETRY_ATTEMPTS: AlarmDefinition = {
    ...base, suffix: "retrying", namespace: "AWS/Events", evaluationPeriods: 15, datapointsToAlarm: 3, threshold: 0, math: ruleMetric("RetryInvocationAttempts"),
    // notBreaching: "EventBridge only sends this metric to CloudWatch if it isn't zero"; the FILLed expression has a value every minute anyway.
    treatMissingData: "notBreaching",
    description: (subject) => `${subject}: EventBridge keeps retrying the target (throttled, unavailable); events wait, then go to the target DLQ when the retry policy runs out.`,
};

/** Writes to the idempotency table are throttled: records fail and return to their queues until the table keeps up. */
export const TABLE_WRITE_THROTTLES: MetricAlarmDefinition = {
    ...base, suffix: "write-throttles", namespace: "AWS/DynamoDB", metricName: "WriteThrottleEvents", statistic: "Sum", threshold: 0,
    // ignore: "Alarms that evaluate metrics in the AWS/DynamoDB namespace always ignore missing data even if you choose a different option" (PutMetricAlarm, TreatMissingData): the stack says so rather than pretend.
    treatMissingData: "ignore",
    description: (subject) => `Writes to ${subject} are throttled: records fail and return to their queues until the table keeps up.`,
};
