// What every scenario run shares: virtual time with Date following it, a seeded random source, quiet Powertools,
// a timeline aggregated into buckets that keep their extremes, and the conservation ledger.
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import * as FakeTimers from "@sinonjs/fake-timers";
import { METRICS_NAMESPACE } from "../patterns/config";
import { AlarmBoard } from "./alarms";
import { Billing } from "./cost/billing";
import { CloudWatch, CustomMetricsMeter } from "./sim/cloudwatch";
import { LAB_EPOCH, seededRandom, VirtualClock } from "./sim/clock";

/** Buckets on each timeline: enough for a smooth SVG, few enough for a small JSON. */
export const TIMELINE_POINTS = 240;

/** What a series counts: the chart draws one panel per unit, so unlike quantities never share an axis. */
export type SeriesUnit = "messages" | "events" | "invocations" | "seconds" | "side effects";

export interface Series {
    name: string;
    unit: SeriesUnit;
    /** The largest value the gauge held in each bucket (bucket i starts at i × stepSeconds): a spike shorter than a bucket still shows. */
    max: number[];
    /** The smallest value it held in each bucket. */
    min: number[];
}

export interface Timeline {
    stepSeconds: number;
    /** The end of the last bucket: the run's horizon. */
    horizonSeconds: number;
    series: Series[];
}

/**
 * Aggregates named gauges into buckets of virtual time, keeping each bucket's extremes. The gauges are read every
 * time virtual time moves (the state between two events is the state after the first; the simulated CloudWatch's
 * gauges are kept by each service instead), so a state that lasts from one event to the next, however short, reaches
 * its bucket's max and min: sampling
 * on the grid alone showed one of a poison message's five invocations.
 */
export class TimelineRecorder {
    private readonly gauges: { name: string; unit: SeriesUnit; read: () => number; max: number[]; min: number[] }[] = [];
    /** The first bucket not yet complete. */
    private open = 0;
    private started = false;
    readonly stepMs: number;
    readonly buckets: number;

    constructor(readonly horizonMs: number) {
        this.stepMs = Math.max(1, Math.ceil(horizonMs / TIMELINE_POINTS));
        this.buckets = Math.max(1, Math.ceil(horizonMs / this.stepMs));
    }

    gauge(name: string, read: () => number, unit: SeriesUnit = "messages"): void {
        if (this.started) throw new Error(`timeline gauge ${JSON.stringify(name)}: register gauges before the clock runs`);
        this.gauges.push({ name, unit, read, max: [], min: [] });
    }

    /** Virtual time moves from `from` to `to`: the gauges' values now are the state on [from, to). */
    advance(_from: number, to: number): void {
        this.started = true;
        if (this.gauges.length === 0 || this.open >= this.buckets) return;
        const last = Math.min(this.buckets - 1, Math.ceil(to / this.stepMs) - 1);
        if (last < this.open) return;
        const values = this.gauges.map((g) => g.read());
        while (this.open <= last) {
            this.fold(this.open, values);
            if ((this.open + 1) * this.stepMs > to) break; // the bucket goes on past `to`
            this.open++;
        }
    }

    /** Buckets the clock never reached hold the state it stopped in. */
    finish(): Timeline {
        this.started = true;
        if (this.gauges.length > 0 && this.open < this.buckets) {
            const values = this.gauges.map((g) => g.read());
            for (let b = this.open; b < this.buckets; b++) if (this.gauges[0].max.length <= b) this.fold(b, values);
            this.open = this.buckets;
        }
        return {
            stepSeconds: this.stepMs / 1000,
            horizonSeconds: this.horizonMs / 1000,
            series: this.gauges.map((g) => ({ name: g.name, unit: g.unit, max: g.max, min: g.min })),
        };
    }

    private fold(bucket: number, values: number[]): void {
        this.gauges.forEach((g, i) => {
            const v = values[i];
            if (g.max.length === bucket) {
                g.max.push(v);
                g.min.push(v);
            } else {
                if (v > g.max[bucket]) g.max[bucket] = v;
                if (v < g.min[bucket]) g.min[bucket] = v;
            }
        });
    }
}

export type Location = "processed" | "dead-lettered" | "in-flight" | "filtered-out";

export interface Conservation {
    units: number;
    processed: number;
    deadLettered: number;
    inFlight: number;
    filteredOut: number;
    /** Units found nowhere: the simulator (or the pattern) lost them. */
    lost: string[];
    holds: boolean;
}

/** Where each unit (an order, a subscriber's copy of an order) ended; anything unaccounted for is lost. */
export function conservation(units: Iterable<string>, locate: (unit: string) => Location | undefined): Conservation {
    const c: Conservation = { units: 0, processed: 0, deadLettered: 0, inFlight: 0, filteredOut: 0, lost: [], holds: true };
    for (const unit of units) {
        c.units++;
        const where = locate(unit);
        if (where === "processed") c.processed++;
        else if (where === "dead-lettered") c.deadLettered++;
        else if (where === "in-flight") c.inFlight++;
        else if (where === "filtered-out") c.filteredOut++;
        else c.lost.push(unit);
    }
    c.holds = c.lost.length === 0;
    return c;
}

/** The order IDs in message bodies of any shape: plain, SNS envelope, EventBridge event, on-failure record. */
export function orderIdsIn(bodies: Iterable<string>): Set<string> {
    const ids = new Set<string>();
    const pattern = /orderId\\*"\s*:\s*\\*"([^"\\]+)/g;
    for (const body of bodies) for (const m of body.matchAll(pattern)) ids.add(m[1]);
    return ids;
}

/** Side effects per unit: what the business step did, counted where it happens. */
export class Effects {
    private readonly counts = new Map<string, number>();

    record(unit: string): void {
        this.counts.set(unit, (this.counts.get(unit) ?? 0) + 1);
    }

    of(unit: string): number {
        return this.counts.get(unit) ?? 0;
    }

    /** Side effects beyond the first, summed: work done twice. */
    get duplicates(): number {
        let n = 0;
        for (const c of this.counts.values()) n += c - 1;
        return n;
    }

    get total(): number {
        let n = 0;
        for (const c of this.counts.values()) n += c;
        return n;
    }

    get units(): number {
        return this.counts.size;
    }
}

/**
 * Runs `run` with process.env replaced by a plain copy of it plus `vars`, then puts the real one back. Powertools
 * reads its settings from process.env for every child logger and metric the handlers make, and Node's process.env
 * is an accessor into the C environment: those reads were 13 % of a lab run's CPU. A copy also keeps whatever a
 * scenario sets out of the real environment.
 */
async function withPlainEnv<T>(vars: Record<string, string>, run: () => Promise<T>): Promise<T> {
    const real = process.env;
    process.env = { ...real, ...vars };
    try {
        return await run();
    } finally {
        process.env = real;
    }
}

/** Sets `vars` in process.env for the life of `run`, then restores what was there. */
function withEnv<T>(vars: Record<string, string>, run: () => T): T {
    const previous = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    Object.assign(process.env, vars);
    const restore = () => {
        for (const [k, v] of Object.entries(previous)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
    };
    let result: T;
    try {
        result = run();
    } catch (error) {
        restore();
        throw error;
    }
    if (result instanceof Promise) return result.finally(restore) as T;
    restore();
    return result;
}

/**
 * Powertools reads these when a Logger or Metrics is made (every per-record child logger and single metric too).
 * Development mode gives each Logger the global console instead of building a Console of its own (per record, a
 * third of a 20,000-message run's time) and turns EMF output off, which the lab wants anyway: it reports outcomes,
 * and its loggers are SILENT. Said outright because unset, POWERTOOLS_DEV costs a thrown and caught error per Logger.
 */
const QUIET_POWERTOOLS = { POWERTOOLS_DEV: "true", POWERTOOLS_METRICS_DISABLED: "true" };

/** Makes Powertools Loggers and Metrics under QUIET_POWERTOOLS: nothing written, EMF output off. */
export function quietPowertools<T>(make: () => T): T {
    return withEnv(QUIET_POWERTOOLS, make);
}

/** One scenario run's shared machinery. */
export class LabRun {
    readonly clock = new VirtualClock();
    readonly random: () => number;
    readonly timeline: TimelineRecorder;
    /** The run's CloudWatch: every simulated service a scenario builds with it sends its metrics here. */
    readonly cloudwatch = new CloudWatch(this.clock);
    /** The stack's alarms on the simulated resources, evaluated on those metrics at the end of the run. */
    readonly alarms = new AlarmBoard(this.cloudwatch);
    /** The run's bill: every simulated service a scenario builds with it meters what AWS would charge. */
    readonly billing = new Billing();

    constructor(readonly seed: number, horizonSeconds: number) {
        this.random = seededRandom(seed);
        this.timeline = new TimelineRecorder(horizonSeconds * 1000);
        this.billing.add(new CustomMetricsMeter(this.cloudwatch));
    }

    /** Powertools Logger that writes nothing. */
    logger(serviceName: string): Logger {
        return quietPowertools(() => new Logger({ serviceName, logLevel: "SILENT" }));
    }

    /**
     * Powertools Metrics with EMF output off. What the handler's EMF documents would carry goes to the run's CloudWatch
     * as CloudWatch extracts EMF ("Embedded metric format"): a metric exists only in the minutes a document emitted it,
     * with the document's dimensions (service, and errorClass where the handler adds it), timestamped when it is written
     * (a single metric when it is added, stored metrics when the handler publishes them). The stack's alarms on EMF
     * metrics (RecordsRetried) read it there.
     */
    metrics(serviceName: string): Metrics {
        const metrics = quietPowertools(() => new Metrics({ namespace: METRICS_NAMESPACE, serviceName, logger: this.logger(serviceName) }));
        const emit = (name: string, value: number, dims: Record<string, string>) => {
            const now = this.clock.now;
            this.cloudwatch.metric(METRICS_NAMESPACE, name, dims).put(value, now, now);
        };
        const tap = (m: Metrics, single: boolean): Metrics => {
            let dims: Record<string, string> = { service: serviceName };
            const stored: [string, number][] = [];
            const addDimension = m.addDimension.bind(m);
            m.addDimension = (name, value) => {
                dims[name] = value;
                return addDimension(name, value);
            };
            const add = m.addMetric.bind(m);
            m.addMetric = (name, unit, value, resolution) => {
                if (single) emit(name, value, { ...dims });
                else stored.push([name, value]);
                return add(name, unit, value, resolution);
            };
            if (!single) {
                const publish = m.publishStoredMetrics.bind(m);
                m.publishStoredMetrics = () => {
                    for (const [name, value] of stored) emit(name, value, dims);
                    stored.length = 0;
                    dims = { service: serviceName };
                    return publish();
                };
            }
            const singleMetric = m.singleMetric.bind(m);
            m.singleMetric = () => tap(singleMetric(), true);
            return m;
        };
        return tap(metrics, false);
    }

    /** Runs the clock to `horizonSeconds` with Date at the virtual wall time, sampling the timeline on the way. */
    async run(onProgress?: (fraction: number) => void): Promise<Timeline> {
        const fake = FakeTimers.withGlobal(globalThis).install({ toFake: ["Date"], now: LAB_EPOCH });
        const horizon = this.timeline.horizonMs;
        this.clock.onAdvance = (from, to) => {
            this.cloudwatch.advance(from, to);
            this.timeline.advance(from, to);
            fake.setSystemTime(LAB_EPOCH + to);
            onProgress?.(Math.min(1, to / horizon));
        };
        try {
            await withPlainEnv(QUIET_POWERTOOLS, () => this.clock.run(horizon));
        } finally {
            fake.uninstall();
            this.clock.onAdvance = undefined;
        }
        onProgress?.(1);
        return this.timeline.finish();
    }
}
