// CloudWatch in virtual time: the metrics the simulated services send, and the stack's alarms evaluated on them
// the way the CloudWatch user guide documents it.
// - Metrics: each service module (sqs.ts, esm.ts, async-lambda.ts, eventbridge.ts, sns.ts) sends its own metrics
//   here, when and as its AWS service does: a value for a timestamp, readable from the moment it was sent (Lambda
//   sends an invocation's metrics when it finishes, timestamped when it was invoked). Gauges are sent once per minute
//   (`everyMinute`), not sampled on every clock step. A minute nothing was sent for has no datapoint: missing, not 0.
// - Alarms ("Configuring how CloudWatch alarms treat missing data", "Alarm evaluation window"): every minute, over a
//   sliding window, CloudWatch retrieves the periods of the alarm's evaluation range (more than evaluationPeriods).
//   With at least N real datapoints in it, it evaluates the most recent N real ones, reaching farther back, and the
//   missing-data setting is ignored; with fewer, it fills the shortfall with that setting but keeps every real
//   datapoint; missing/ignore alarms go to ALARM early only by the premature-alarm rule; an alarm sees a datapoint
//   only once it was sent. The range for N other than AWS's example (3 → 5) is an assumption:
//   EVALUATION_RANGE_EXTRA_PERIODS.
import type { AlarmDefinition, AlarmMetric, AlarmStatistic, TreatMissingData } from "../../patterns/shared/alarm-definitions";
import type { Meter, UsageLine } from "../cost/billing";
import { HOURS_PER_MONTH } from "../cost/rules";
import type { VirtualClock } from "./clock";

export const MINUTE_MS = 60_000;

/**
 * Assumption: the evaluation range is evaluationPeriods + 2 periods. AWS publishes one example ("CloudWatch retrieves
 * the 5 most recent data points when evaluating the alarm" for 3 evaluation periods) and says the exact number
 * "depends on the length of the alarm period": the lab applies AWS's example to every N and period.
 */
export const EVALUATION_RANGE_EXTRA_PERIODS = 2;

/** The assumptions an alarm time can depend on, by the name of the constant that holds each. */
export type EvaluationAssumption = "EVALUATION_RANGE_EXTRA_PERIODS" | "SQS_METRICS_RESUME_DELAY_MS";

export type Dimensions = Readonly<Record<string, string>>;

/** A metric's identity: namespace, name and dimensions (name=value, sorted), as CloudWatch keys it. */
export function metricKey(namespace: string, metricName: string, dimensions: Dimensions): string {
    const dims = Object.keys(dimensions).sort().map((k) => `${k}=${dimensions[k]}`).join(",");
    return `${namespace}|${metricName}|${dims}`;
}

/** What was sent for one minute of a metric and became readable at one evaluation tick (the end of a minute). */
interface Contribution {
    /** The first evaluation (minute boundary) that can read it. */
    tick: number;
    /** The same, without the delays the lab assumes (SQS's metric resume): for the report's sensitivity check. */
    baseTick: number;
    sum: number;
    max: number;
}

/** One metric's datapoints, by minute. A service keeps the series it sends to and calls `put`: no key on the hot path. */
export class MetricSeries {
    readonly minutes = new Map<number, Contribution[]>();
    private lastMinute = -1;
    private last: Contribution | undefined;

    constructor(readonly key: string) {}

    /**
     * Sends `value` for the minute of `timestamp`. It becomes readable at `sentAt` (default: when its minute closes,
     * the earliest a one-minute datapoint can be evaluated), and not before `delayedUntil` (an assumed delay).
     */
    put(value: number, timestamp: number, sentAt = timestamp, delayedUntil = 0): void {
        const minute = Math.floor(timestamp / MINUTE_MS);
        const baseTick = Math.max(minute + 1, Math.ceil(sentAt / MINUTE_MS));
        const tick = Math.max(baseTick, Math.ceil(delayedUntil / MINUTE_MS));
        let c = this.last;
        if (minute !== this.lastMinute || c === undefined || c.tick !== tick || c.baseTick !== baseTick) {
            let list = this.minutes.get(minute);
            if (!list) this.minutes.set(minute, (list = []));
            c = list.find((x) => x.tick === tick && x.baseTick === baseTick);
            if (!c) list.push((c = { tick, baseTick, sum: 0, max: -Infinity }));
            this.lastMinute = minute;
            this.last = c;
        }
        c.sum += value;
        if (value > c.max) c.max = value;
    }

    /** The statistic of `minute` as read at evaluation `tick`, or undefined when nothing readable was sent for it. */
    read(minute: number, statistic: AlarmStatistic, tick: number, withDelays = true): number | undefined {
        const list = this.minutes.get(minute);
        if (!list) return undefined;
        let value: number | undefined;
        for (const c of list) {
            if ((withDelays ? c.tick : c.baseTick) > tick) continue;
            value = value === undefined ? (statistic === "Sum" ? c.sum : c.max) : statistic === "Sum" ? value + c.sum : Math.max(value, c.max);
        }
        return value;
    }

    /** Every minute's statistic as finally sent (the graph a user sees afterwards, not what an alarm saw at the time). */
    datapoints(statistic: AlarmStatistic): Map<number, number> {
        const out = new Map<number, number>();
        for (const minute of [...this.minutes.keys()].sort((a, b) => a - b)) out.set(minute, this.read(minute, statistic, Infinity)!);
        return out;
    }
}

/** The simulated CloudWatch of one lab run. */
export class CloudWatch {
    private readonly series = new Map<string, MetricSeries>();
    private readonly publishers: ((minute: number) => void)[] = [];
    private nextBoundary = MINUTE_MS;

    constructor(private readonly clock: VirtualClock) {}

    /** The series a service sends one metric to (created on first use). */
    metric(namespace: string, metricName: string, dimensions: Dimensions): MetricSeries {
        const key = metricKey(namespace, metricName, dimensions);
        let s = this.series.get(key);
        if (!s) this.series.set(key, (s = new MetricSeries(key)));
        return s;
    }

    /** The series of a metric, if anything was ever sent to it. */
    find(namespace: string, metricName: string, dimensions: Dimensions): MetricSeries | undefined {
        return this.series.get(metricKey(namespace, metricName, dimensions));
    }

    /**
     * A service's per-minute publication (its gauges): called with minute m when m closes, before anything at the
     * boundary runs; the state the service reads is the state at the boundary.
     */
    everyMinute(publish: (minute: number) => void): void {
        this.publishers.push(publish);
    }

    /** Virtual time moves from `from` to `to`: every minute that closes on the way is published, in order. */
    advance(_from: number, to: number): void {
        if (this.publishers.length === 0) {
            if (this.nextBoundary <= to) this.nextBoundary = (Math.floor(to / MINUTE_MS) + 1) * MINUTE_MS;
            return;
        }
        for (; this.nextBoundary <= to; this.nextBoundary += MINUTE_MS) {
            const minute = this.nextBoundary / MINUTE_MS - 1;
            for (const publish of this.publishers) publish(minute);
        }
    }

    get now(): number {
        return this.clock.now;
    }

    /**
     * Custom metrics (any namespace but AWS/…: here the handlers' EMF metrics, each distinct name × dimensions), as
     * hours in which each was sent: "custom metrics are prorated by the hour and metered only when you send metrics".
     */
    customMetricHours(): number {
        let hours = 0;
        for (const s of this.series.values()) {
            if (s.key.startsWith("AWS/")) continue;
            const seen = new Set<number>();
            for (const minute of s.minutes.keys()) seen.add(Math.floor(minute / 60));
            hours += seen.size;
        }
        return hours;
    }
}

/** What the run's CloudWatch bills besides alarms and dashboards (fixed, priced from the program: lab/cost/deployed.ts): custom metrics. */
export class CustomMetricsMeter implements Meter {
    readonly service = "CloudWatch";
    readonly resource = "custom metrics (EMF)";

    constructor(private readonly cloudwatch: CloudWatch) {}

    usage(): UsageLine[] {
        return [{ price: "cloudwatch.custom-metric", quantity: this.cloudwatch.customMetricHours() / HOURS_PER_MONTH }];
    }
}

export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

/** What an alarm did during a run: when it first went to ALARM and, after that, when it first returned to OK. */
export interface AlarmOutcome {
    name: string;
    namespace: string;
    /** The metric the alarm reads; null for a metric-math alarm, whose `expression` names the metrics it reads. */
    metricName: string | null;
    expression?: string;
    treatMissingData: TreatMissingData;
    firstAlarmSeconds: number | null;
    okSeconds: number | null;
    /** The lab assumptions the first-alarm time depends on: it would differ if one of them did. */
    firstAlarmAssumes: EvaluationAssumption[];
    /** The same for the back-to-OK time. */
    okAssumes: EvaluationAssumption[];
    /** Every state change, in order, from OK at virtual time 0. */
    transitions: { atSeconds: number; state: AlarmState }[];
    /** Every span the alarm spent in ALARM (`toSeconds` null: still in ALARM at the end), for the chart's event strip. */
    inAlarm: { fromSeconds: number; toSeconds: number | null }[];
}

type Slot = "breaching" | "notBreaching" | "missing";

/**
 * The alarm state from the periods of the evaluation range (oldest first), as "Configuring how CloudWatch alarms treat
 * missing data" describes it and its two tables (3 of 3 and 2 of 3, range 5) show it.
 */
export function rangeState(slots: readonly Slot[], evaluationPeriods: number, datapointsToAlarm: number, treat: TreatMissingData, previous: AlarmState): AlarmState {
    let real = 0;
    let realBreaching = 0;
    let realOk = false;
    for (const s of slots) {
        if (s === "missing") continue;
        real++;
        if (s === "breaching") realBreaching++;
        else realOk = true;
    }
    if (real >= evaluationPeriods) {
        // "the most recent real data points ... including the necessary extra data points from farther back": the setting is ignored.
        let breaching = 0;
        for (let i = slots.length - 1, taken = 0; i >= 0 && taken < evaluationPeriods; i--) {
            if (slots[i] === "missing") continue;
            taken++;
            if (slots[i] === "breaching") breaching++;
        }
        return breaching >= datapointsToAlarm ? "ALARM" : "OK";
    }
    // Fewer real datapoints than N: "fills in the missing data points" (only the shortfall), keeping every real one.
    const breaching = realBreaching + (treat === "breaching" ? evaluationPeriods - real : 0);
    if (breaching >= datapointsToAlarm) return "ALARM";
    if (treat === "breaching" || treat === "notBreaching") return "OK";
    // missing / ignore: "Avoiding premature transitions to alarm state". The oldest breaching datapoint of the last N
    // periods is at least M periods old and everything newer is breaching or missing; a real non-breaching datapoint
    // in the range rules it out (AWS's 2-of-3 table: 0 - X - - is OK, - - - X - is ALARM).
    const first = slots.length - evaluationPeriods;
    let oldest = -1;
    for (let i = first; i < slots.length; i++) if (slots[i] === "breaching") { oldest = i - first; break; }
    const premature = oldest >= 0 && !realOk && evaluationPeriods - oldest >= datapointsToAlarm;
    if (premature) return treat === "ignore" ? previous : "ALARM";
    if (real === 0) return treat === "ignore" ? previous : "INSUFFICIENT_DATA";
    return "OK";
}

/** The definition's inputs as series of the resource with `dimensions` (a metric carries the subset it names). */
function inputsOf(cloudwatch: CloudWatch, definition: AlarmDefinition, dimensions: Dimensions) {
    const pick = (m: AlarmMetric): Dimensions => (m.dimensions ? Object.fromEntries(m.dimensions.map((d) => [d, dimensions[d]])) : dimensions);
    const metrics: [string, AlarmMetric][] = definition.math ? Object.entries(definition.math.metrics) : [["value", definition]];
    return metrics.map(([id, m]) => ({ id, metric: m, series: cloudwatch.find(m.namespace, m.metricName, pick(m)) }));
}

/**
 * One period's value as an evaluation at `tick` reads it: the statistic over its minutes, the math's result, or
 * undefined (missing). The run is over when alarms are evaluated, so a period all of whose datapoints were readable by
 * `tick` has its final value: that is cached, and only periods still receiving late datapoints are read again.
 */
function periodReader(cloudwatch: CloudWatch, definition: AlarmDefinition, dimensions: Dimensions, withDelays: boolean): (start: number, tick: number) => number | undefined {
    const periodMinutes = definition.periodSeconds / 60;
    const inputs = inputsOf(cloudwatch, definition, dimensions);
    const cache = new Map<number, { value: number | undefined; readyAt: number }>();
    return (start, tick) => {
        if (start < 0) return undefined; // before the run: nothing the lab sent
        const cached = cache.get(start);
        if (cached && tick >= cached.readyAt) return cached.value;
        let readyAt = 0;
        const values: Record<string, number> = {};
        let missing = false;
        for (const input of inputs) {
            let v: number | undefined;
            for (let m = start; m < start + periodMinutes && input.series; m++) {
                for (const c of input.series.minutes.get(m) ?? []) readyAt = Math.max(readyAt, withDelays ? c.tick : c.baseTick);
                const x = input.series.read(m, input.metric.statistic, tick, withDelays);
                if (x !== undefined) v = v === undefined ? x : input.metric.statistic === "Sum" ? v + x : Math.max(v, x);
            }
            v ??= input.metric.fill; // FILL(metric, value) in the deployed expression
            if (v === undefined) missing = true; // metric math on a missing datapoint has no value
            else values[input.id] = v;
        }
        const value = missing ? undefined : definition.math ? definition.math.evaluate(values) : values.value;
        if (tick >= readyAt) cache.set(start, { value, readyAt });
        return value;
    };
}

function evaluateStates(definition: AlarmDefinition, read: (start: number, tick: number) => number | undefined, horizonMs: number, extraPeriods: number): { atSeconds: number; state: AlarmState }[] {
    const periodMinutes = definition.periodSeconds / 60;
    const range = definition.evaluationPeriods + extraPeriods;
    const transitions: { atSeconds: number; state: AlarmState }[] = [];
    let state: AlarmState = "OK"; // the stack ran healthy before the lab's virtual time 0
    const ticks = Math.floor(horizonMs / MINUTE_MS);
    const slots: Slot[] = new Array(range);
    for (let tick = 1; tick <= ticks; tick++) {
        for (let k = range; k >= 1; k--) {
            const v = read(tick - k * periodMinutes, tick);
            slots[range - k] = v === undefined ? "missing" : v > definition.threshold ? "breaching" : "notBreaching";
        }
        const next = rangeState(slots, definition.evaluationPeriods, definition.datapointsToAlarm, definition.treatMissingData, state);
        if (next !== state) transitions.push({ atSeconds: tick * 60, state: (state = next) });
    }
    return transitions;
}

/** When the alarm first went to ALARM and then first back to OK. */
function firstTimes(transitions: { atSeconds: number; state: AlarmState }[]): { firstAlarm: number | null; ok: number | null } {
    const alarm = transitions.find((t) => t.state === "ALARM");
    const ok = alarm ? transitions.find((t) => t.atSeconds > alarm.atSeconds && t.state === "OK") : undefined;
    return { firstAlarm: alarm?.atSeconds ?? null, ok: ok?.atSeconds ?? null };
}

/**
 * Evaluates `definition` on the metrics of the resource with `dimensions` over `horizonMs` of virtual time: every
 * minute, the evaluation range ending then (the default sliding window, "Alarm evaluation window"), reading only what
 * had been sent by then. Then the same with each assumption changed (the range one period shorter and longer, no
 * assumed delay): a time that moves is reported as depending on that assumption.
 */
export function evaluateAlarm(cloudwatch: CloudWatch, name: string, definition: AlarmDefinition, dimensions: Dimensions, horizonMs: number): AlarmOutcome {
    const read = periodReader(cloudwatch, definition, dimensions, true);
    const transitions = evaluateStates(definition, read, horizonMs, EVALUATION_RANGE_EXTRA_PERIODS);
    const base = firstTimes(transitions);
    const firstAlarmAssumes: EvaluationAssumption[] = [];
    const okAssumes: EvaluationAssumption[] = [];
    const withoutDelays = periodReader(cloudwatch, definition, dimensions, false);
    const variants: [EvaluationAssumption, () => { atSeconds: number; state: AlarmState }[]][] = [
        ["EVALUATION_RANGE_EXTRA_PERIODS", () => evaluateStates(definition, read, horizonMs, EVALUATION_RANGE_EXTRA_PERIODS - 1)],
        ["EVALUATION_RANGE_EXTRA_PERIODS", () => evaluateStates(definition, read, horizonMs, EVALUATION_RANGE_EXTRA_PERIODS + 1)],
        ["SQS_METRICS_RESUME_DELAY_MS", () => evaluateStates(definition, withoutDelays, horizonMs, EVALUATION_RANGE_EXTRA_PERIODS)],
    ];
    for (const [assumption, evaluate] of variants) {
        const other = firstTimes(evaluate());
        if (other.firstAlarm !== base.firstAlarm && !firstAlarmAssumes.includes(assumption)) firstAlarmAssumes.push(assumption);
        if (other.ok !== base.ok && !okAssumes.includes(assumption)) okAssumes.push(assumption);
    }
    const metric = definition.math
        ? { metricName: null, expression: `${definition.math.expression} with ${Object.entries(definition.math.metrics).map(([id, m]) => `${id} = ${m.metricName}${m.dimensions ? ` [${m.dimensions.join(", ")}]` : ""} (${m.statistic})`).join(", ")}` }
        : { metricName: definition.metricName };
    const inAlarm: AlarmOutcome["inAlarm"] = [];
    for (const t of transitions) {
        if (t.state === "ALARM") inAlarm.push({ fromSeconds: t.atSeconds, toSeconds: null });
        else if (inAlarm.length > 0 && inAlarm[inAlarm.length - 1].toSeconds === null) inAlarm[inAlarm.length - 1].toSeconds = t.atSeconds;
    }
    return {
        name, namespace: definition.namespace, ...metric, treatMissingData: definition.treatMissingData,
        firstAlarmSeconds: base.firstAlarm, okSeconds: base.ok, firstAlarmAssumes, okAssumes, transitions, inAlarm,
    };
}
