// A scenario: one AWS delivery behaviour, run on the pattern's own settings (the stack's config types and
// defaults, validated by the same parser `pulumi up` uses) plus a few scenario parameters.
import { defaultConfig, LabConfig, parseLabConfig, PROJECT, ToggleKey } from "../patterns/config";
import { Conservation, LabRun, Timeline } from "./harness";

export type ParamValue = number | boolean | string;

export interface ParamSpec {
    default: ParamValue;
    description: string;
    min?: number;
    max?: number;
    choices?: readonly string[];
}

export type Settings<K extends ToggleKey> = LabConfig[K];

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
}

export interface Scenario<K extends ToggleKey = ToggleKey> {
    name: string;
    title: string;
    pattern: K;
    /** The AWS rule shown, with the documentation page it comes from. */
    awsRule: string;
    params: Record<string, ParamSpec>;
    /** Settings the scenario changes from the pattern's defaults to show its behaviour (still overridable). */
    settings?: Partial<Settings<K>>;
    horizonSeconds(settings: Settings<K>, params: Record<string, ParamValue>): number;
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
}

/** A wrong --set: names the key, the value and what is allowed. */
export class LabInputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "LabInputError";
    }
}

/** Parses a --set value as the stack config would hold it: numbers and booleans as such, anything else a string. */
function parseValue(raw: string): ParamValue {
    if (raw === "true" || raw === "false") return raw === "true";
    if (raw.trim() !== "" && Number.isFinite(Number(raw))) return Number(raw);
    return raw;
}

const SETTINGS_KEY: Record<ToggleKey, string> = {
    queueWorker: "queueWorkerSettings",
    fanOut: "fanOutSettings",
    eventRouting: "eventRoutingSettings",
    idempotentConsumer: "idempotentConsumerSettings",
};

/**
 * Resolves a scenario's settings and parameters from `--set key=value` pairs: a parameter of the scenario, or a
 * field of its pattern's settings (validated by the stack's config parser, so the lab accepts exactly what
 * `pulumi config set --path <pattern>Settings.<field>` accepts).
 */
export function resolve<K extends ToggleKey>(scenario: Scenario<K>, sets: Record<string, string>): { settings: Settings<K>; params: Record<string, ParamValue> } {
    const params: Record<string, ParamValue> = Object.fromEntries(Object.entries(scenario.params).map(([k, p]) => [k, p.default]));
    const fieldOverrides: Record<string, unknown> = { ...scenario.settings };
    const fields = Object.keys(defaultConfig()[scenario.pattern]);
    for (const [key, raw] of Object.entries(sets)) {
        const spec = scenario.params[key];
        const value = parseValue(raw);
        if (spec) {
            params[key] = checkParam(scenario.name, key, value, spec);
        } else if (fields.includes(key) || key === "visibilityTimeoutSeconds" || key === "expiresAfterSeconds") {
            fieldOverrides[key] = value;
        } else {
            throw new LabInputError(`--set ${key}=${raw}: ${scenario.name} has no such key; allowed: ${[...Object.keys(scenario.params), ...fields].join(", ")}`);
        }
    }
    let config: LabConfig;
    try {
        config = parseLabConfig({ [`${PROJECT}:${SETTINGS_KEY[scenario.pattern]}`]: JSON.stringify(fieldOverrides) });
    } catch (error) {
        throw new LabInputError(`${scenario.name}: ${(error as Error).message}`);
    }
    return { settings: config[scenario.pattern] as Settings<K>, params };
}

function checkParam(scenario: string, key: string, value: ParamValue, spec: ParamSpec): ParamValue {
    const fail = (allowed: string) => new LabInputError(`--set ${key}=${JSON.stringify(value)}: ${scenario} allows ${allowed}`);
    if (typeof spec.default === "boolean") {
        if (typeof value !== "boolean") throw fail("true or false");
    } else if (typeof spec.default === "number") {
        if (typeof value !== "number" || value < (spec.min ?? -Infinity) || value > (spec.max ?? Infinity)) throw fail(`a number ${spec.min ?? "-∞"}–${spec.max ?? "∞"}`);
    } else if (spec.choices && !spec.choices.includes(String(value))) {
        throw fail(`one of ${spec.choices.join(", ")}`);
    }
    return value;
}
