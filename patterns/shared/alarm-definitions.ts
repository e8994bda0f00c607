// Every CloudWatch alarm the stack deploys, as data: the Pulumi program creates them from these definitions and the
// lab evaluates the same definitions on its simulated metrics, so what the lab reports as "detected after N s" is
// what the deployed alarm would do. No Pulumi here.
import { METRICS_NAMESPACE } from "../config";

export type AlarmNamespace = "AWS/SQS" | "AWS/Lambda" | "AWS/Events" | "AWS/SNS" | "AWS/DynamoDB" | typeof METRICS_NAMESPACE;
export type AlarmStatistic = "Maximum" | "Sum";

/** One metric an alarm reads: its namespace, name and statistic (the dimensions come from the resource). */
export interface AlarmMetric {
    namespace: AlarmNamespace;
    metricName: string;
    statistic: AlarmStatistic;
}

/** Metric math, where no single AWS metric says it. */
export interface AlarmMath {
    /** CloudWatch metric math over `metrics` (id → metric); its value is what the alarm compares. */
    expression: string;
    metrics: Record<string, AlarmMetric>;
    /** What the expression means, as the alarm's label: not an AWS metric name. */
    label: string;
    /** The expression's value from one period's statistics, for the lab. */
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
    /** SQS, Lambda and EventBridge publish nothing while idle, and idle is healthy. */
    treatMissingData: "notBreaching";
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

const base = { periodSeconds: 60, evaluationPeriods: 1, datapointsToAlarm: 1, comparison: "GreaterThanThreshold", treatMissingData: "notBreaching" } as const;

/** A DLQ holds a message: someone must look, fix the cause and redrive. */
export const DLQ_DEPTH: MetricAlarmDefinition = {
    ...base, suffix: "depth", namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", statistic: "Maximum", threshold: 0,
    description: (subject) => `Messages are waiting in ${subject}: inspect them, fix the cause, then redrive.`,
};

/** A source queue's oldest message waits too long: consumers fail, are throttled or too slow. */
export function oldestMessageAge(thresholdSeconds: number): MetricAlarmDefinition {
    return {
        ...base, suffix: "oldest-message-age", namespace: "AWS/SQS", metricName: "ApproximateAgeOfOldestMessage", statistic: "Maximum", threshold: thresholdSeconds,
        description: (subject) => `The oldest message of ${subject} waits longer than ${thresholdSeconds} s: consumers are failing, throttled or too slow.`,
    };
}

/** A function invocation failed (a thrown error or a timeout, not a partial batch failure). */
export const FUNCTION_ERRORS: MetricAlarmDefinition = {
    ...base, suffix: "errors", namespace: "AWS/Lambda", metricName: "Errors", statistic: "Sum", threshold: 0,
    description: (subject) => `${subject} failed invocations (a thrown error or timeout, not a partial batch failure): see its log group.`,
};

/**
 * A consumer keeps receiving records it has received before: the handlers' own EMF metric RecordsRetried (receive
 * count > 1), in at least 2 of the last 5 minutes. Failures, timeouts and a visibility timeout shorter than the
 * processing all show here, often before a DLQ or an age threshold; one retried batch does not raise it, a second
 * minute of redeliveries does (a redelivered record may repeat a side effect, so two minutes of it are worth a page).
 */
export const RECORDS_RETRIED: MetricAlarmDefinition = {
    ...base, suffix: "records-retried", namespace: METRICS_NAMESPACE, metricName: "RecordsRetried", statistic: "Sum",
    evaluationPeriods: 5, datapointsToAlarm: 2, threshold: 0,
    description: (subject) => `${subject} keeps receiving records again (failures, timeouts, or a visibility timeout shorter than the processing): see RecordsFailed by error class.`,
};

/** A function invocation was throttled: account or reserved concurrency is exhausted. */
export const FUNCTION_THROTTLES: MetricAlarmDefinition = {
    ...base, suffix: "throttles", namespace: "AWS/Lambda", metricName: "Throttles", statistic: "Sum", threshold: 0,
    description: (subject) => `${subject} invocations were throttled: account or reserved concurrency is exhausted.`,
};

/**
 * SNS gave up on a delivery. For SQS endpoints "the metric increments by 1 when Amazon SNS stops attempting message
 * deliveries" (Monitoring Amazon SNS topics using CloudWatch): at once for a client-side error, after about 23 days
 * of retries for a server-side one.
 */
export const TOPIC_DELIVERY_FAILURES: MetricAlarmDefinition = {
    ...base, suffix: "delivery-failures", namespace: "AWS/SNS", metricName: "NumberOfNotificationsFailed", statistic: "Sum", threshold: 0,
    description: (subject) => `${subject}: SNS gave up delivering to a subscriber (at once for a client-side error); the message is in that subscription's delivery DLQ.`,
};

/**
 * Deliveries lagging publishes. Every published message is, per subscription, delivered or filtered out
 * (NumberOfNotificationsDelivered, NumberOfNotificationsFilteredOut), so the share of `published × subscriptions`
 * neither delivered nor filtered out is what SNS still retries or gave up on. AWS publishes no per-subscription retry
 * metric for SQS endpoints: this one sees server-side delivery failures while NumberOfNotificationsFailed waits out
 * the 23 days of retries. More than 10 % for two 5-minute periods in a row: a delivery crossing a period boundary
 * moves a message from one period to the next, never raising both.
 */
export function topicDeliveriesLagging(subscriptions: number): AlarmDefinition {
    const expected = `published * ${subscriptions}`;
    return {
        ...base, suffix: "deliveries-lagging", namespace: "AWS/SNS",
        periodSeconds: 300, evaluationPeriods: 2, datapointsToAlarm: 2, threshold: 0.1,
        math: {
            expression: `IF(published > 0, (${expected} - delivered - filtered) / (${expected}), 0)`,
            label: "share of deliveries neither made nor filtered out",
            metrics: {
                published: { namespace: "AWS/SNS", metricName: "NumberOfMessagesPublished", statistic: "Sum" },
                delivered: { namespace: "AWS/SNS", metricName: "NumberOfNotificationsDelivered", statistic: "Sum" },
                filtered: { namespace: "AWS/SNS", metricName: "NumberOfNotificationsFilteredOut", statistic: "Sum" },
            },
            evaluate: ({ published = 0, delivered = 0, filtered = 0 }) => (published > 0 ? (published * subscriptions - delivered - filtered) / (published * subscriptions) : 0),
        },
        description: (subject) => `${subject}: more than 10 % of deliveries lag publishes for 10 minutes: SNS is retrying a subscriber it cannot reach (a server-side error); check the subscriber queues.`,
    };
}

/**
 * EventBridge gave up on an invocation. FailedInvocations is "the number of invocations that failed permanently.
 * This doesn't include invocations that are retried" (Monitoring Amazon EventBridge): it counts when the retry
 * policy runs out (up to 24 h) or at once for an error EventBridge does not retry.
 */
export const RULE_FAILED_INVOCATIONS: MetricAlarmDefinition = {
    ...base, suffix: "failed-invocations", namespace: "AWS/Events", metricName: "FailedInvocations", statistic: "Sum", threshold: 0,
    description: (subject) => `${subject}: EventBridge gave up delivering to the target (retries exhausted, or an error it does not retry); the event is in the target DLQ.`,
};

/**
 * EventBridge is retrying a target: RetryInvocationAttempts, "Number of times target invocation has been retried"
 * (Monitoring Amazon EventBridge), in at least 3 of the last 15 minutes. One retry that succeeds does not raise it;
 * a target that keeps failing does within minutes, a day before FailedInvocations would. The 15-minute window keeps
 * it in ALARM while EventBridge's backoff spaces the retries of a few events minutes apart (with 3 of 5, the lab's
 * eventbridge-target-dlq showed it back to OK 11 minutes into a 26-hour outage).
 */
export const RULE_RETRY_ATTEMPTS: MetricAlarmDefinition = {
    ...base, suffix: "retrying", namespace: "AWS/Events", metricName: "RetryInvocationAttempts", statistic: "Sum",
    evaluationPeriods: 15, datapointsToAlarm: 3, threshold: 0,
    description: (subject) => `${subject}: EventBridge keeps retrying the target (throttled, unavailable); events wait, then go to the target DLQ when the retry policy runs out.`,
};

/** Writes to the idempotency table are throttled: records fail and return to their queues until the table keeps up. */
export const TABLE_WRITE_THROTTLES: MetricAlarmDefinition = {
    ...base, suffix: "write-throttles", namespace: "AWS/DynamoDB", metricName: "WriteThrottleEvents", statistic: "Sum", threshold: 0,
    description: (subject) => `Writes to ${subject} are throttled: records fail and return to their queues until the table keeps up.`,
};
