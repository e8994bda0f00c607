import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { showAlarm } from "./dashboard";

/** What every alarm of the lab shares: one evaluation of one metric, notifying the stack's alarm topic. */
export interface AlarmSpec {
    namespace: "AWS/SQS" | "AWS/Lambda" | "AWS/Events" | "AWS/SNS" | "AWS/DynamoDB";
    metricName: string;
    dimensions: Record<string, pulumi.Input<string>>;
    statistic: "Maximum" | "Sum";
    /** The alarm fires when the statistic is greater than this. */
    threshold: number;
    description: string;
    periodSeconds?: number;
    evaluationPeriods?: number;
}

/**
 * A CloudWatch alarm on `spec`, sending ALARM and OK to `alarmTopicArn`. Missing data is "not breaching":
 * SQS and Lambda publish nothing while idle, and idle is healthy.
 */
export function metricAlarm(name: string, spec: AlarmSpec, alarmTopicArn: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): aws.cloudwatch.MetricAlarm {
    const alarm = new aws.cloudwatch.MetricAlarm(name, {
        alarmDescription: spec.description,
        namespace: spec.namespace,
        metricName: spec.metricName,
        dimensions: spec.dimensions,
        statistic: spec.statistic,
        period: spec.periodSeconds ?? 60,
        evaluationPeriods: spec.evaluationPeriods ?? 1,
        threshold: spec.threshold,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        alarmActions: [alarmTopicArn],
        okActions: [alarmTopicArn],
    }, opts);
    showAlarm(alarm);
    return alarm;
}
