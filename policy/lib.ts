// What every policy module shares: reading values that may be unknown during a preview, IAM documents, and
// linking resources (by property dependencies first: they exist in a preview of a new stack, ARNs do not).
import type { PolicyResource } from "@pulumi/policy";
// The same module the analyzer server uses, so instanceof holds.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { UnknownValueError } = require("@pulumi/policy/proxy") as { UnknownValueError: new (...args: any[]) => Error };

/** A value not known until the update (an output of a resource not created yet). */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Maybe<T> = T | undefined | typeof UNKNOWN;

/** Reads `path` from props; UNKNOWN instead of the analyzer's throw, so one unknown skips a check, not the policy. */
export function peek(props: unknown, ...path: string[]): any {
    try {
        let value: any = props;
        for (const key of path) {
            if (value === undefined || value === null) return undefined;
            value = value[key];
        }
        // Touch nested values too: a known object can hold unknown leaves.
        if (value !== null && typeof value === "object") JSON.stringify(value);
        return value;
    } catch (error) {
        if (error instanceof UnknownValueError) return UNKNOWN;
        throw error;
    }
}

/** A number property with AWS's default when unset. */
export function numberOr(props: unknown, key: string, awsDefault: number): Maybe<number> {
    const value = peek(props, key);
    if (value === UNKNOWN) return UNKNOWN;
    return value === undefined || value === null ? awsDefault : Number(value);
}

/** JSON given as a string (how Pulumi programs usually pass documents) or as an object. */
export function parseJson(value: unknown): any {
    if (value === UNKNOWN) return UNKNOWN;
    if (typeof value === "string") {
        try {
            return JSON.parse(value);
        } catch {
            return undefined;
        }
    }
    return value;
}

export interface Statement {
    Sid?: string;
    Effect?: string;
    Principal?: unknown;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of an IAM policy document, or UNKNOWN. */
export function statements(document: unknown): Statement[] | typeof UNKNOWN {
    const doc = parseJson(document);
    if (doc === UNKNOWN) return UNKNOWN;
    const list = doc?.Statement;
    if (list === undefined) return [];
    return Array.isArray(list) ? list : [list];
}

export const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The documents a resource holds, by type: inline role policies, managed policies, queue and topic policies. */
export function policyDocuments(r: { type: string; props: any }): unknown[] {
    switch (r.type) {
        case "aws:iam/rolePolicy:RolePolicy":
        case "aws:iam/policy:Policy":
        case "aws:iam/userPolicy:UserPolicy":
        case "aws:iam/groupPolicy:GroupPolicy":
        case "aws:sqs/queuePolicy:QueuePolicy":
        case "aws:sns/topicPolicy:TopicPolicy":
            return [peek(r.props, "policy")];
        case "aws:iam/role:Role": {
            const inline = peek(r.props, "inlinePolicies");
            if (inline === UNKNOWN) return [UNKNOWN];
            return asList(inline).map((p: any) => peek(p, "policy"));
        }
        default:
            return [];
    }
}

/** A stack's resources indexed by the values others use to refer to them; built once per stack (10,000s of resources). */
const identityIndexes = new WeakMap<PolicyResource[], Map<string, PolicyResource[]>>();

function identityIndex(all: PolicyResource[]): Map<string, PolicyResource[]> {
    let index = identityIndexes.get(all);
    if (!index) {
        index = new Map();
        for (const r of all) for (const id of identities(r)) index.set(id, [...(index.get(id) ?? []), r]);
        identityIndexes.set(all, index);
    }
    return index;
}

/**
 * The resources of `types` that `resource.props[key]` refers to: through the property's dependencies (known in
 * any preview), else by value against their ARN, name, URL or id (known once created).
 */
export function linked(resource: PolicyResource, key: string, types: string[], all: PolicyResource[]): PolicyResource[] {
    const byDependency = (resource.propertyDependencies[key] ?? []).filter((r) => types.includes(r.type));
    if (byDependency.length > 0) return byDependency;
    const value = peek(resource.props, key);
    if (value === UNKNOWN || value === undefined || value === null) return [];
    const index = identityIndex(all);
    const found = new Set(leaves(value).flatMap((ref) => index.get(ref) ?? []));
    return [...found].filter((r) => r !== resource && types.includes(r.type));
}

/** Every string inside a value, looking into strings that hold JSON (redrive policies, documents). */
function leaves(value: unknown): string[] {
    if (typeof value === "string") {
        const parsed = value.startsWith("{") || value.startsWith("[") ? parseJson(value) : undefined;
        return parsed && typeof parsed === "object" ? [value, ...leaves(parsed)] : [value];
    }
    if (Array.isArray(value)) return value.flatMap(leaves);
    if (value && typeof value === "object") return Object.values(value).flatMap(leaves);
    return [];
}

/** The values other resources use to refer to this one. */
export function identities(r: PolicyResource): string[] {
    return ["arn", "name", "url", "id"].map((k) => peek(r.props, k)).filter((v): v is string => typeof v === "string" && v.length > 0);
}

export const T = {
    queue: "aws:sqs/queue:Queue",
    function: "aws:lambda/function:Function",
    esm: "aws:lambda/eventSourceMapping:EventSourceMapping",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    target: "aws:cloudwatch/eventTarget:EventTarget",
    subscription: "aws:sns/topicSubscription:TopicSubscription",
    permission: "aws:lambda/permission:Permission",
    invokeConfig: "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
    recursionConfig: "aws:lambda/functionRecursionConfig:FunctionRecursionConfig",
    eventBus: "aws:cloudwatch/eventBus:EventBus",
    logDeliverySource: "aws:cloudwatch/logDeliverySource:LogDeliverySource",
    logDelivery: "aws:cloudwatch/logDelivery:LogDelivery",
    logDeliveryDestination: "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination",
} as const;

/** Queues that receive other resources' failures: redrive targets, subscription and target DLQs, failure destinations. */
export function deadLetterQueues(all: PolicyResource[]): Set<PolicyResource> {
    const dlqs = new Set<PolicyResource>();
    const add = (rs: PolicyResource[]) => rs.forEach((r) => dlqs.add(r));
    for (const r of all) {
        if (r.type === T.queue || r.type === T.subscription) add(linked(r, "redrivePolicy", [T.queue], all).filter((q) => q !== r));
        if (r.type === T.target) add(linked(r, "deadLetterConfig", [T.queue], all));
        if (r.type === T.invokeConfig) add(linked(r, "destinationConfig", [T.queue], all));
        if (r.type === T.function) add(linked(r, "deadLetterConfig", [T.queue], all));
    }
    return dlqs;
}

/** For each resource, the metric names of the alarms whose dimensions point at it; built once per stack. */
const alarmIndexes = new WeakMap<PolicyResource[], Map<PolicyResource, Set<string>>>();

/** Whether an alarm on `metricName` watches `resource` (its dimensions refer to it). */
export function hasAlarm(resource: PolicyResource, metricName: string, all: PolicyResource[]): boolean {
    let index = alarmIndexes.get(all);
    if (!index) {
        index = new Map();
        for (const alarm of all.filter((a) => a.type === T.alarm)) {
            const metric = peek(alarm.props, "metricName");
            if (typeof metric !== "string") continue;
            for (const r of linked(alarm, "dimensions", [T.queue, T.function], all)) index.set(r, new Set([...(index.get(r) ?? []), metric]));
        }
        alarmIndexes.set(all, index);
    }
    return index.get(resource)?.has(metricName) ?? false;
}
