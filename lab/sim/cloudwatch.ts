// CloudWatch metrics and alarms in virtual time. The simulated services publish the metrics the stack alarms on,
// one datapoint per minute (SQS, Lambda, EventBridge and SNS all publish at one-minute intervals), and the lab
// evaluates the stack's own alarm definitions (patterns/shared/alarm-definitions.ts) on them, as CloudWatch does:
// every minute, the statistic over each of the last `evaluationPeriods` periods (a sliding window),
// `datapointsToAlarm` of them breaching, missing data not breaching. Approximations (docs/lab.md): a gauge's datapoint is its maximum over the minute (SQS
// says its values are approximate); a period is evaluated the moment it closes, without CloudWatch's publication
// delay ("A data point for a given minute might be delayed", Monitoring Amazon EventBridge; SQS adds "up to 15
// minutes" when a queue is activated from an inactive state): real alarms fire that much later.
import type { AlarmDefinition, AlarmMetric } from "../../patterns/shared/alarm-definitions";
import type { VirtualClock } from "./clock";

const MINUTE_MS = 60_000;

/** A metric of one resource: namespace, name and the resource's name (its one dimension in this lab). */
export const metricKey = (m: Pick<AlarmMetric, "namespace" | "metricName">, resource: string) => `${m.namespace}|${m.metricName}|${resource}`;

/** The simulated CloudWatch of one lab run: per-minute datapoints of every metric a simulated service publishes. */
export class CloudWatch {
    private readonly counters = new Map<string, Map<number, number>>();
    private readonly gauges = new Map<string, { read: () => number; minutes: Map<number, number> }>();

    constructor(private readonly clock: VirtualClock) {}

    /** Adds `value` to a counter (a Sum metric) at virtual time `at` (default now). */
    count(key: string, value = 1, at = this.clock.now): void {
        let minutes = this.counters.get(key);
        if (!minutes) this.counters.set(key, (minutes = new Map()));
        const minute = Math.floor(at / MINUTE_MS);
        minutes.set(minute, (minutes.get(minute) ?? 0) + value);
    }

    /** A gauge (a Maximum metric): its value is read whenever virtual time moves, and every minute keeps its maximum. */
    gauge(key: string, read: () => number): void {
        this.gauges.set(key, { read, minutes: new Map() });
    }

    /** Called as virtual time moves from `from` to `to`: the state in between is the state after `from`'s events. */
    advance(from: number, to: number): void {
        if (this.gauges.size === 0) return;
        const first = Math.floor(from / MINUTE_MS);
        const last = Math.floor((to - 1) / MINUTE_MS);
        for (const g of this.gauges.values()) {
            const value = g.read();
            for (let minute = first; minute <= last; minute++) g.minutes.set(minute, Math.max(g.minutes.get(minute) ?? -Infinity, value));
        }
    }

    /** The per-minute datapoints of a metric: minute → value; a minute without one is missing. */
    datapoints(key: string): ReadonlyMap<number, number> {
        return this.counters.get(key) ?? this.gauges.get(key)?.minutes ?? new Map();
    }
}

/** What an alarm did during a run: when it first went to ALARM and, after that, when it first returned to OK. */
export interface AlarmOutcome {
    name: string;
    namespace: string;
    /** The metric the alarm reads; null for a metric-math alarm, whose `expression` names the metrics it reads. */
    metricName: string | null;
    expression?: string;
    firstAlarmSeconds: number | null;
    okSeconds: number | null;
    /** Every span the alarm spent in ALARM (`toSeconds` null: still in ALARM at the end), for the chart's event strip. */
    inAlarm: { fromSeconds: number; toSeconds: number | null }[];
}

/** One period's value of a metric: the statistic over its minutes, or undefined if none has a datapoint. */
function periodValue(points: ReadonlyMap<number, number>, statistic: AlarmMetric["statistic"], start: number, minutes: number): number | undefined {
    let value: number | undefined;
    for (let m = start; m < start + minutes; m++) {
        const v = points.get(m);
        if (v === undefined) continue;
        value = value === undefined ? v : statistic === "Sum" ? value + v : Math.max(value, v);
    }
    return value;
}

/**
 * Evaluates `definition` on the metrics of `resource` over `horizonMs` of virtual time, as CloudWatch does with the
 * default sliding evaluation window ("Alarm evaluation window": the window advances each time the alarm is evaluated,
 * e.g. 13:07–14:07, then 13:08–14:08): at the end of every minute, the last `evaluationPeriods` periods ending then;
 * ALARM if at least `datapointsToAlarm` of them breach, OK otherwise.
 */
export function evaluateAlarm(cloudwatch: CloudWatch, name: string, definition: AlarmDefinition, resource: string, horizonMs: number): AlarmOutcome {
    const minutesPerPeriod = definition.periodSeconds / 60;
    const minutes = Math.floor(horizonMs / MINUTE_MS);
    const inputs = definition.math
        ? Object.entries(definition.math.metrics).map(([id, m]) => ({ id, statistic: m.statistic, points: cloudwatch.datapoints(metricKey(m, resource)) }))
        : [{ id: "value", statistic: definition.statistic, points: cloudwatch.datapoints(metricKey(definition, resource)) }];
    /** The value of the period starting at minute `start`, or undefined for missing data. */
    const value = (start: number): number | undefined => {
        if (start < 0) return undefined;
        const values: Record<string, number> = {};
        let any = false;
        for (const input of inputs) {
            const v = periodValue(input.points, input.statistic, start, minutesPerPeriod);
            if (v !== undefined) { values[input.id] = v; any = true; }
        }
        if (!any) return undefined;
        return definition.math ? definition.math.evaluate(values) : values.value;
    };
    let firstAlarm: number | null = null;
    let ok: number | null = null;
    let state: "OK" | "ALARM" = "OK";
    const inAlarm: AlarmOutcome["inAlarm"] = [];
    for (let end = 1; end <= minutes; end++) {
        let breaching = 0;
        for (let k = 1; k <= definition.evaluationPeriods; k++) {
            const v = value(end - k * minutesPerPeriod);
            if (v !== undefined && v > definition.threshold) breaching++; // missing data: not breaching
        }
        const next = breaching >= definition.datapointsToAlarm ? "ALARM" : "OK";
        if (next === "ALARM" && state === "OK" && firstAlarm === null) firstAlarm = end * 60;
        if (next === "OK" && state === "ALARM" && ok === null) ok = end * 60;
        if (next === "ALARM" && state === "OK") inAlarm.push({ fromSeconds: end * 60, toSeconds: null });
        if (next === "OK" && state === "ALARM") inAlarm[inAlarm.length - 1].toSeconds = end * 60;
        state = next;
    }
    const metric = definition.math
        ? { metricName: null, expression: `${definition.math.expression} with ${Object.entries(definition.math.metrics).map(([id, m]) => `${id} = ${m.metricName} (${m.statistic})`).join(", ")}` }
        : { metricName: definition.metricName };
    return { name, namespace: definition.namespace, ...metric, firstAlarmSeconds: firstAlarm, okSeconds: ok, inAlarm };
}
