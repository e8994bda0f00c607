import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { awsContext } from "./aws-context";

// What the stack's dashboard shows, collected as the program registers resources. Pulumi runs the program
// once per process, so module state is the stack's; the tests reload every project module per run.
const alarms: aws.cloudwatch.MetricAlarm[] = [];
const consumers: string[] = [];

/** Every alarm gets a widget plotting its metric against its threshold. */
export function showAlarm(alarm: aws.cloudwatch.MetricAlarm): void {
    alarms.push(alarm);
}

/** Every consumer gets a widget of its per-record EMF metrics (POWERTOOLS_SERVICE_NAME = `service`). */
export function showRecordMetrics(service: string): void {
    consumers.push(service);
}

export { METRICS_NAMESPACE } from "../config";
import { METRICS_NAMESPACE } from "../config";

/** The error classes functions/shared/errors.ts assigns; RecordsFailed carries one as a dimension. */
const ERROR_CLASSES = ["transient", "permanent", "poison"];

type Widget = Record<string, unknown>;
const WIDTH = 8;
const HEIGHT = 6;

function recordsWidget(service: string, region: pulumi.Input<string>): Widget {
    const metric = (name: string, ...dims: string[]) => [METRICS_NAMESPACE, name, "service", service, ...dims];
    return {
        type: "metric",
        properties: {
            title: `${service}: records`,
            region,
            view: "timeSeries",
            stat: "Sum",
            period: 60,
            metrics: [
                metric("RecordsProcessed"),
                metric("RecordsRetried"),
                ...ERROR_CLASSES.map((c) => metric("RecordsFailed", "errorClass", c)),
                metric("SentToDlq", "errorClass", "permanent"),
                metric("DuplicatesSuppressed"),
            ],
        },
    };
}

function alarmWidget(alarm: aws.cloudwatch.MetricAlarm, region: pulumi.Input<string>): Widget {
    // With an alarm annotation CloudWatch plots the alarm's own metric, statistic and threshold.
    return { type: "metric", properties: { title: alarm.name, region, view: "timeSeries", annotations: { alarms: [alarm.arn] } } };
}

/**
 * One CloudWatch dashboard per stack: per consumer, its record outcomes (processed, retried, failed by class,
 * sent to the DLQ, duplicates); then every alarm's metric against its threshold, in the order created.
 */
export class StackDashboard extends pulumi.ComponentResource {
    readonly dashboard: aws.cloudwatch.Dashboard;

    constructor(name: string, args: { patterns: string[] }, opts?: pulumi.ComponentResourceOptions) {
        super("serverless-patterns-lab:shared:StackDashboard", name, {}, opts);
        const region = awsContext().region;
        const header: Widget = {
            type: "text", x: 0, y: 0, width: 24, height: 2,
            properties: {
                markdown: `## ${pulumi.getProject()} / ${pulumi.getStack()}\nPatterns: ${args.patterns.join(", ")}. `
                    + "Follow one event by `correlation_id` in Logs Insights; runbook: docs/observability.md in the repository.",
            },
        };
        const widgets = [...consumers.map((s) => recordsWidget(s, region)), ...alarms.map((a) => alarmWidget(a, region))]
            .map((w, i) => ({ ...w, x: (i % 3) * WIDTH, y: 2 + Math.floor(i / 3) * HEIGHT, width: WIDTH, height: HEIGHT }));
        this.dashboard = new aws.cloudwatch.Dashboard(name, {
            dashboardName: `${pulumi.getProject()}-${pulumi.getStack()}`,
            dashboardBody: pulumi.jsonStringify({ widgets: [header, ...widgets] }),
        }, { parent: this });
        this.registerOutputs({ dashboardName: this.dashboard.dashboardName });
    }
}
