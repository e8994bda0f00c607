// The stack's alarms, made from the shared definitions (alarm-definitions.ts) with @pulumi/awsx's CloudWatch metric
// catalogues. Written by hand only what awsx lacks: AWS/Events metrics (it has no EventBridge catalogue), the
// handlers' own EMF metrics (namespace ServerlessPatternsLab), SNS's
// NumberOfNotificationsFilteredOut (its catalogue has only the -NoMessageAttributes/-InvalidAttributes variants), and
// metric-math alarms (awsx's Metric makes single-metric alarms).
import * as cloudwatch from "@pulumi/awsx/classic/cloudwatch";
import { metrics as dynamodbMetrics } from "@pulumi/awsx/classic/dynamodb";
import { metrics as lambdaMetrics } from "@pulumi/awsx/classic/lambda";
import { metrics as snsMetrics } from "@pulumi/awsx/classic/sns";
import { metrics as sqsMetrics } from "@pulumi/awsx/classic/sqs";
import * as pulumi from "@pulumi/pulumi";
import { AlarmDefinition, AlarmMetric } from "./alarm-definitions";
import * as aws from "./aws";
import { showAlarm } from "./dashboard";

/** The resource an alarm watches: it gives the metric's dimensions. */
export type AlarmSubject =
    | { queue: aws.sqs.Queue }
    | { function: aws.lambda.Function }
    | { topic: aws.sns.Topic }
    | { table: aws.dynamodb.Table }
    | { rule: aws.cloudwatch.EventRule; bus: aws.cloudwatch.EventBus }
    /** A handler's EMF metrics, by its POWERTOOLS_SERVICE_NAME. */
    | { service: string };

type Catalogue = (change: Record<string, unknown>) => cloudwatch.Metric;

/** awsx's catalogue function for each metric the definitions use. */
const CATALOGUE: Record<string, Catalogue> = {
    "AWS/SQS ApproximateNumberOfMessagesVisible": sqsMetrics.approximateNumberOfMessagesVisible,
    "AWS/SQS ApproximateAgeOfOldestMessage": sqsMetrics.approximateAgeOfOldestMessage,
    "AWS/Lambda Errors": lambdaMetrics.errors,
    "AWS/Lambda Throttles": lambdaMetrics.throttles,
    "AWS/SNS NumberOfNotificationsFailed": snsMetrics.numberOfNotificationsFailed,
    "AWS/SNS NumberOfMessagesPublished": snsMetrics.numberOfMessagesPublished,
    "AWS/SNS NumberOfNotificationsDelivered": snsMetrics.numberOfNotificationsDelivered,
    "AWS/DynamoDB WriteThrottleEvents": dynamodbMetrics.writeThrottleEvents,
} as unknown as Record<string, Catalogue>;

/** The CloudWatch metric `m` of `subject`, at `periodSeconds`. */
export function metricOf(m: AlarmMetric, subject: AlarmSubject, periodSeconds: number): cloudwatch.Metric {
    const change = { period: periodSeconds, statistic: m.statistic };
    const catalogue = CATALOGUE[`${m.namespace} ${m.metricName}`];
    if (catalogue) return catalogue({ ...subject, ...change });
    // EventBridge: metrics with both RuleName and EventBusName "refer to a custom event bus" (Monitoring Amazon EventBridge).
    const dimensions: Record<string, pulumi.Input<string>> | undefined = "rule" in subject ? { EventBusName: subject.bus.name, RuleName: subject.rule.name }
        : "topic" in subject ? { TopicName: subject.topic.name }
            : "service" in subject ? { service: subject.service }
                : undefined;
    if (!dimensions) throw new Error(`no metric ${m.namespace} ${m.metricName} for this resource`);
    return new cloudwatch.Metric({ namespace: m.namespace, name: m.metricName, dimensions, ...change });
}

/** The dimensions a metric of `subject` carries, for metric math. */
function dimensionsOf(subject: AlarmSubject): Record<string, pulumi.Input<string>> {
    if ("queue" in subject) return { QueueName: subject.queue.name };
    if ("function" in subject) return { FunctionName: subject.function.name };
    if ("topic" in subject) return { TopicName: subject.topic.name };
    if ("table" in subject) return { TableName: subject.table.name };
    if ("service" in subject) return { service: subject.service };
    return { EventBusName: subject.bus.name, RuleName: subject.rule.name };
}

/**
 * The alarm `definition` on `subject`, named `${resourceName}-${definition.suffix}`, sending ALARM and OK to the
 * alarm topic, and shown on the stack's dashboard. `about` names the resource in the description (default its name).
 */
export function alarmOn(resourceName: string, definition: AlarmDefinition, subject: AlarmSubject, alarmTopicArn: pulumi.Input<string>, opts: pulumi.CustomResourceOptions, about = resourceName): aws.cloudwatch.MetricAlarm {
    const name = `${resourceName}-${definition.suffix}`;
    const shared = {
        alarmDescription: definition.description(about),
        evaluationPeriods: definition.evaluationPeriods,
        datapointsToAlarm: definition.datapointsToAlarm,
        threshold: definition.threshold,
        comparisonOperator: definition.comparison,
        treatMissingData: definition.treatMissingData,
        alarmActions: [alarmTopicArn],
        okActions: [alarmTopicArn],
    };
    let alarm: aws.cloudwatch.MetricAlarm;
    if (definition.math) {
        const dimensions = dimensionsOf(subject);
        alarm = new aws.cloudwatch.MetricAlarm(name, {
            ...shared,
            metricQueries: [
                ...Object.entries(definition.math.metrics).map(([id, m]) => ({
                    id,
                    metric: { namespace: m.namespace, metricName: m.metricName, dimensions, period: definition.periodSeconds, stat: m.statistic },
                    returnData: false,
                })),
                { id: "value", expression: definition.math.expression, label: definition.math.label, returnData: true },
            ],
        }, opts);
    } else {
        alarm = metricOf(definition, subject, definition.periodSeconds).createAlarm(name, shared, opts);
    }
    showAlarm(alarm);
    return alarm;
}
