// A scenario: one AWS delivery behaviour, run on the pattern's own settings (the stack's config types and
// defaults, validated by the same parser `pulumi up` uses) plus a few scenario parameters.
import { ConfigError, LabConfig, parseLabConfig, PROJECT, settingsFieldNames, ToggleKey } from "../patterns/config";
import { Conservation, LabRun, Timeline } from "./harness";
import type { AlarmOutcome } from "./sim/cloudwatch";
import type { BusLogRecord } from "./sim/eventbridge";
import type { CostReport } from "./cost/billing";

export type ParamValue = number | boolean | string;

export interface ParamSpec {
    default: ParamValue;
    description: string;
    min?: number;
    max?: number;
    /** A numeric parameter is a whole number (a count, seconds) unless it is a fraction (a rate, hours). */
    fraction?: boolean;
    choices?: readonly string[];
}

export type Settings<K extends ToggleKey> = LabConfig[K];

/** A value AWS does not publish that this scenario's figures follow from (docs/fidelity.md, Assumptions). */
export interface AssumedValue {
    /** The named constant (lab/sim) or scenario parameter that holds it. */
    name: string;
    /** What the lab assumes, in a few words. */
    value: string;
    /** The figures of the report that follow from it. */
    figures: string;
    /** Whether the alarm times follow from it too (the detection section then says so). */
    detection?: boolean;
}

/** What a scenario reports; the harness adds the run's identity, timeline and conservation. */
export interface Findings {
    /** Where the units ended (processed, dead-lettered, in flight, filtered out). */
    conservation: Conservation;
    /** Named measurements, in report order. */
    measures: Record<string, number | string>;
    /** The documented AWS outcome, each claim with whether this run shows it. */
    expectations: { claim: string; holds: boolean }[];
    /** One paragraph: what happened and the AWS rule behind it, with this run's numbers. */
    explanation: string;
    /** One event's path as the service logs it (an EventBridge bus's log records), and each record type's count over all events. */
    eventLog?: EventLog;
    /** The messages the run's cost is divided by, when not the conservation ledger's units (fan-out: orders published, not subscriber copies). */
    messages?: number;
}

export interface EventLog {
    title: string;
    level: string;
    /** The record types in order, repeats folded: "EVENT_RECEIPT → … → INVOCATION_DLQ". */
    path: string;
    records: BusLogRecord[];
    counts: Record<string, number>;
}

export interface Scenario<K extends ToggleKey = ToggleKey> {
    name: string;
    title: string;
    pattern: K;
    /** The AWS rule shown, with the documentation page it comes from. */
    awsRule: string;
    params: Record<string, ParamSpec>;
    /** A healthy baseline: nothing is broken, and the runner expects every alarm of the stack to stay OK. */
    baseline?: boolean;
    /**
     * The `--set` values that turn the scenario's fault off and leave its traffic as it is: the fault's extra cost is
     * this run's cost minus that healthy twin's (the lab runs both).
     */
    healthy?: Record<string, string>;
    /** The assumed values its figures follow from, besides CloudWatch's (each alarm time says which of those it needs). */
    assumes?: AssumedValue[] | ((params: Record<string, ParamValue>) => AssumedValue[]);
    /** Settings the scenario changes from the pattern's defaults to show its behaviour (still overridable). */
    settings?: Partial<Settings<K>>;
    horizonSeconds(settings: Settings<K>, params: Record<string, ParamValue>): number;
    /** When the fault the scenario injects begins (virtual seconds), or null for a healthy run or no fault at all. */
    faultStartSeconds(settings: Settings<K>, params: Record<string, ParamValue>): number | null;
    /** When the fault ends, for an outage that recovers; absent or null: it lasts the whole run. */
    faultEndSeconds?(settings: Settings<K>, params: Record<string, ParamValue>): number | null;
    /** Rules across parameters and settings (e.g. no more poison messages than messages): what is wrong, or undefined. */
    check?(settings: Settings<K>, params: Record<string, ParamValue>): string | undefined;
    /** Builds the simulated services on `run`, starts the workload, runs the clock and reports. */
    run(run: LabRun, settings: Settings<K>, params: Record<string, ParamValue>, go: () => Promise<Timeline>): Promise<Findings>;
}

export interface ScenarioResult extends Findings {
    scenario: string;
    title: string;
    pattern: ToggleKey;
    seed: number;
    settings: Record<string, unknown>;
    params: Record<string, ParamValue>;
    virtualSeconds: number;
    simulatorEvents: number;
    awsRule: string;
    timeline: Timeline;
    /** When the injected fault began (virtual seconds), or null when the scenario injects none. */
    faultStartSeconds: number | null;
    /** When the fault ended (virtual seconds), or null when it lasts the whole run or there is none. */
    faultEndSeconds: number | null;
    /** Every alarm the stack deploys on the scenario's resources, evaluated on the run's simulated metrics. */
    alarms: AlarmOutcome[];
    /** The assumed values this run's figures follow from (the scenario's, and CloudWatch's where an alarm time needs one). */
    assumes: AssumedValue[];
    /** What the run would cost on AWS, by service and per million messages, from the price table (lab/cost/prices.ts). */
    cost: CostReport;
}

/** A wrong --set: names the key, the value and what is allowed. */
export class LabInputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "LabInputError";
    }
}

/** A settings field's value as `pulumi config set --path` stores it: true/false, integers as numbers, the rest as strings. */
function settingValue(raw: string): ParamValue {
    if (raw === "true" || raw === "false") return raw === "true";
    if (/^-?\d+$/.test(raw) && Number.isSafeInteger(Number(raw))) return Number(raw);
    return raw;
}

const SETTINGS_KEY: Record<ToggleKey, string> = {
    queueWorker: "queueWorkerSettings",
    fanOut: "fanOutSettings",
    eventRouting: "eventRoutingSettings",
    idempotentConsumer: "idempotentConsumerSettings",
};

/** The settings fields of a pattern, as its config key validates them (optional fields included). */
export function settingsFields(pattern: ToggleKey): string[] {
    return settingsFieldNames(SETTINGS_KEY[pattern]);
}

/** Every key `--set` accepts for a scenario: its parameters, then its pattern's settings fields. */
export function allowedKeys(scenario: Scenario): string[] {
    return [...new Set([...Object.keys(scenario.params), ...settingsFields(scenario.pattern)])];
}

/**
 * Resolves a scenario's settings and parameters from `--set key=value` pairs: a parameter of the scenario, or a
 * field of its pattern's settings (validated by the stack's config parser, so the lab accepts exactly what
 * `pulumi config set --path <pattern>Settings.<field>` accepts). Every problem is a LabInputError naming the key,
 * the value and what is allowed.
 */
export function resolve<K extends ToggleKey>(scenario: Scenario<K>, sets: Record<string, string>): { settings: Settings<K>; params: Record<string, ParamValue> } {
    const params: Record<string, ParamValue> = Object.fromEntries(Object.entries(scenario.params).map(([k, p]) => [k, p.default]));
    const fieldOverrides: Record<string, unknown> = { ...scenario.settings };
    const fields = settingsFields(scenario.pattern);
    for (const [key, raw] of Object.entries(sets)) {
        const spec = scenario.params[key];
        if (spec) params[key] = checkParam(scenario.name, key, raw, spec);
        else if (fields.includes(key)) {
            // A dotted key sets a field of an object setting, as `pulumi config set --path` does (provisionedPollers.minimumPollers).
            const [field, sub] = key.split(".");
            if (sub === undefined) fieldOverrides[key] = settingValue(raw);
            else fieldOverrides[field] = { ...(fieldOverrides[field] as object | undefined), [sub]: settingValue(raw) };
        }
        else throw new LabInputError(`--set ${key}=${raw}: ${scenario.name} has no such key; allowed ${allowedKeys(scenario).join(", ")}`);
    }
    let config: LabConfig;
    try {
        config = parseLabConfig({ [`${PROJECT}:${SETTINGS_KEY[scenario.pattern]}`]: JSON.stringify(fieldOverrides) });
    } catch (error) {
        const e = error as ConfigError;
        const field = e.key?.split(".").slice(1).join(".") ?? "";
        throw new LabInputError(`--set ${field}=${sets[field] ?? JSON.stringify(e.value)}: ${scenario.name} allows ${e.allowed ?? e.message}`);
    }
    const settings = config[scenario.pattern] as Settings<K>;
    const problem = scenario.check?.(settings, params);
    if (problem) throw new LabInputError(`${scenario.name}: ${problem}`);
    return { settings, params };
}

function checkParam(scenario: string, key: string, raw: string, spec: ParamSpec): ParamValue {
    const fail = (allowed: string) => new LabInputError(`--set ${key}=${raw}: ${scenario} allows ${allowed}`);
    if (typeof spec.default === "boolean") {
        if (raw !== "true" && raw !== "false") throw fail("true or false");
        return raw === "true";
    }
    if (typeof spec.default === "number") {
        const value = Number(raw);
        const range = `${spec.min ?? "-∞"}–${spec.max ?? "∞"}`;
        const kind = spec.fraction ? `a number ${range}` : `an integer ${range}`;
        if (raw.trim() === "" || !Number.isFinite(value) || (!spec.fraction && !Number.isInteger(value))) throw fail(kind);
        if (value < (spec.min ?? -Infinity) || value > (spec.max ?? Infinity)) throw fail(kind);
        return value;
    }
    if (spec.choices && !spec.choices.includes(raw)) throw fail(`one of ${spec.choices.join(", ")}`);
    return raw;
}
