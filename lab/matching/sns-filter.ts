// SNS subscription filter policies (SNS developer guide, "Amazon SNS message filtering"): which subscribers get a
// message, by its attributes (MessageAttributes scope, the default) or its JSON body (MessageBody scope).
import { checkPattern, InvalidPatternError, matchObject } from "./filters";

export type FilterPolicyScope = "MessageAttributes" | "MessageBody";
export type FilterPolicy = Record<string, unknown>;

/** A message attribute as SNS carries it. */
export interface SnsAttribute {
    Type: "String" | "String.Array" | "Number" | "Binary";
    Value: string;
}

export interface SnsMessage {
    attributes?: Record<string, SnsAttribute>;
    body?: string;
}

/** SNS limits (SNS developer guide, "Filter policy constraints"). */
export const MAX_KEYS = 5;
export const MAX_COMBINATIONS = 150;

/** Validates a filter policy for its scope; throws InvalidPatternError with the reason SNS gives. */
export function parseFilterPolicy(policy: string | FilterPolicy, scope: FilterPolicyScope = "MessageAttributes"): FilterPolicy {
    let parsed: unknown = policy;
    if (typeof policy === "string") {
        try {
            parsed = JSON.parse(policy);
        } catch (error) {
            throw new InvalidPatternError("", `FilterPolicy: failed to parse JSON. ${(error as Error).message}`);
        }
    }
    const walk = (p: unknown, path: string) => {
        for (const [k, v] of Object.entries(p as Record<string, unknown>)) {
            if (k === "$or") (v as unknown[]).forEach((alt) => walk(alt, path));
            else if (Array.isArray(v)) v.forEach((m) => {
                if (m && typeof m === "object" && "wildcard" in m) throw new InvalidPatternError(path ? `${path}.${k}` : k, "Unrecognized match type wildcard");
            });
            else if (scope === "MessageAttributes") throw new InvalidPatternError(k, `FilterPolicy: "${k}" must be an array: attribute filter policies do not nest`);
            else walk(v, path ? `${path}.${k}` : k);
        }
    };
    const combinations = checkPattern(parsed);
    walk(parsed, "");
    const keys = new Set<string>();
    const collect = (p: unknown) => Object.entries(p as Record<string, unknown>).forEach(([k, v]) => (k === "$or" ? (v as unknown[]).forEach(collect) : Array.isArray(v) ? keys.add(k) : collect(v)));
    collect(parsed);
    if (keys.size > MAX_KEYS) throw new InvalidPatternError("", `FilterPolicy: Filter policy can not have more than ${MAX_KEYS} keys`);
    if (combinations > MAX_COMBINATIONS) throw new InvalidPatternError("", `FilterPolicy: Filter policy is too complex (${combinations} combinations; at most ${MAX_COMBINATIONS})`);
    return parsed as FilterPolicy;
}

/** An attribute's value as the filter compares it: String as is, Number as a number, String.Array as its elements. */
function attributeValue(attributes: unknown, name: string): unknown {
    const a = (attributes as Record<string, SnsAttribute> | undefined)?.[name];
    if (!a) return undefined;
    switch (a.Type) {
        case "String": return a.Value;
        case "Number": return Number(a.Value);
        case "String.Array": {
            try {
                const values = JSON.parse(a.Value);
                return Array.isArray(values) ? values : undefined;
            } catch {
                return undefined;
            }
        }
        default: return undefined; // Binary attributes are never matched
    }
}

/** Whether a subscription with this (validated) policy receives the message. */
export function matchesFilterPolicy(policy: FilterPolicy, message: SnsMessage, scope: FilterPolicyScope = "MessageAttributes"): boolean {
    if (scope === "MessageAttributes") return matchObject(policy, message.attributes ?? {}, attributeValue);
    let body: unknown;
    try {
        body = JSON.parse(message.body ?? "");
    } catch {
        return false; // SNS: a body that is not a JSON object matches no MessageBody policy
    }
    return matchObject(policy, body);
}
