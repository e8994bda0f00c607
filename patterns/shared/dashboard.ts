import * as cloudwatch from "@pulumi/awsx/classic/cloudwatch";
import * as pulumi from "@pulumi/pulumi";
import type * as aws from "./aws";
import { awsContext } from "./aws-context";

// What the stack's dashboard shows, collected as the program registers resources. Pulumi runs the program
// once per process, so module state is the stack's; the tests reload every project module per run.
const alarms: aws.cloudwatch.MetricAlarm[] = [];
const consumers: string[] = [];

/** Every alarm is listed in the dashboard's alarm-status widget. */
export function showAlarm(alarm: aws.cloudwatch.MetricAlarm): void {
    alarms.push(alarm);
}

/** Every consumer gets a widget of its per-record EMF metrics (POWERTOOLS_SERVICE_NAME = `service`). */
export function showRecordMetrics(service: string): void {
    consumers.push(service);
}

export { METRICS_NAMESPACE } from "../config";
import { METRICS_NAMESPACE } from "../config";

const WIDTH = 8;
const HEIGHT = 6;

/** PutDashboard allows only A–Z, a–z, 0–9, "-" and "_" in a name; Pulumi stack names may hold "." too. */
export function dashboardName(project: string, stack: string): string {
    return `${project}-${stack}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 255);
}

function chunks<T>(items: T[], size: number): T[][] {
    return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

/**
 * A consumer's record outcomes: every EMF metric its handler publishes, found by two CloudWatch search expressions
 * ("CloudWatch search expression syntax": a schema {namespace, dimension names} matches metrics with exactly those
 * dimensions): RecordsProcessed, RecordsRetried and DuplicatesSuppressed carry `service`; RecordsFailed and SentToDlq
 * carry `errorClass` too, so each error class is its own line. A search also picks up a metric added later.
 */
function recordsWidget(service: string): cloudwatch.Widget {
    const search = (dimensions: string) => `SEARCH('{${METRICS_NAMESPACE},${dimensions}} service="${service}"', 'Sum', 60)`;
    return new cloudwatch.LineGraphMetricWidget({
        title: `${service}: records`, width: WIDTH, height: HEIGHT,
        metrics: [new cloudwatch.ExpressionWidgetMetric(search("service"), undefined, "records"), new cloudwatch.ExpressionWidgetMetric(search("errorClass,service"), undefined, "failures")],
    });
}

/**
 * One CloudWatch dashboard per stack (@pulumi/awsx): the state of every alarm of the stack in one alarm-status widget
 * (those in ALARM first; each links to its graph), then per consumer its record outcomes (processed, retried, failed
 * by class, sent to the DLQ, duplicates). One status widget rather than a graph per alarm: an all-patterns stack has
 * 50 alarms, and what an operator looks for first is which are red.
 */
export class StackDashboard extends pulumi.ComponentResource {
    readonly dashboard: cloudwatch.Dashboard;

    constructor(name: string, args: { patterns: string[] }, opts?: pulumi.ComponentResourceOptions) {
        super("serverless-patterns-lab:shared:StackDashboard", name, {}, opts);
        const header = new cloudwatch.TextWidget({
            width: 24, height: 2,
            markdown: `## ${pulumi.getProject()} / ${pulumi.getStack()}\nPatterns: ${args.patterns.join(", ")}. `
                + "Follow one event by `correlation_id` in Logs Insights; runbook: docs/observability.md in the repository.",
        });
        // Up to 100 alarms per alarm-status widget (CloudWatch dashboard body structure).
        const statusWidgets = chunks(alarms, 100).map((group, i) => new cloudwatch.AlarmWidget({
            title: i === 0 ? "Alarms" : `Alarms (${i + 1})`, width: 24, height: 2 + Math.ceil(group.length / 4), alarms: group.map((a) => a.arn), sortBy: "stateUpdatedTimestamp",
        }));
        this.dashboard = new cloudwatch.Dashboard(name, {
            name: dashboardName(pulumi.getProject(), pulumi.getStack()),
            region: awsContext().region as pulumi.Output<aws.Region>,
            widgets: [header, ...statusWidgets, ...consumers.map(recordsWidget)],
        }, { parent: this });
        this.registerOutputs({ dashboardName: this.dashboard.dashboardName });
    }
}
