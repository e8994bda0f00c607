// The stack's alarms, made from the shared definitions (alarm-definitions.ts): one MetricAlarm per definition and
// resource, with the dimensions each service's metrics page names. Plain MetricAlarms rather than @pulumi/awsx's
// Metric.createAlarm: awsx adds nothing a definition does not already say, and under mocks its metric objects cost
// 3.8–4.8 ms an alarm against 1.8 ms (the stack has up to 59 alarms: 430 → 385 ms per program run with all four
// patterns). awsx builds the dashboard (dashboard.ts).
import * as pulumi from "@pulumi/pulumi";
import { AlarmDefinition } from "./alarm-definitions";
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

/** The dimensions a metric of `subject` carries (the names each service's metrics page gives). */
function dimensionsOf(subject: AlarmSubject): Record<string, pulumi.Input<string>> {
    if ("queue" in subject) return { QueueName: subject.queue.name };
    if ("function" in subject) return { FunctionName: subject.function.name };
    if ("topic" in subject) return { TopicName: subject.topic.name };
    if ("table" in subject) return { TableName: subject.table.name };
    if ("service" in subject) return { service: subject.service };
    // EventBridge: metrics with both RuleName and EventBusName "refer to a custom event bus" (Monitoring Amazon EventBridge);
    // the rule alarms also read the RuleName-only series the page's table lists (alarm-definitions.ts, ruleMetric).
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
        // Each input carries the dimensions it names (a rule's metric with EventBusName+RuleName, and with RuleName only).
        const pick = (names?: readonly string[]) => (names ? Object.fromEntries(names.map((n) => [n, dimensions[n]])) : dimensions);
        alarm = new aws.cloudwatch.MetricAlarm(name, {
            ...shared,
            metricQueries: [
                ...Object.entries(definition.math.metrics).map(([id, m]) => ({
                    id,
                    metric: { namespace: m.namespace, metricName: m.metricName, dimensions: pick(m.dimensions), period: definition.periodSeconds, stat: m.statistic },
                    returnData: false,
                })),
                { id: "value", expression: definition.math.expression, label: definition.math.label, returnData: true },
            ],
        }, opts);
    } else {
        alarm = new aws.cloudwatch.MetricAlarm(name, {
            ...shared,
            namespace: definition.namespace, metricName: definition.metricName, dimensions: dimensionsOf(subject),
            period: definition.periodSeconds, statistic: definition.statistic,
        }, opts);
    }
    showAlarm(alarm);
    return alarm;
}
