// SNS subscription filter policies (SNS developer guide, "Amazon SNS message filtering"): which subscribers get a
// message, by its attributes (MessageAttributes scope, the default) or its JSON body (MessageBody scope).
import { compilePattern, InvalidPatternError, isObject, Matcher, PatternNode, readPattern, Scalar, wildcardCount } from "./filters";

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

/** SNS limits ("Filter policy constraints in Amazon SNS", its "Wildcard pattern usage guidelines" included). */
export const MAX_KEYS = 5;
export const MAX_COMBINATIONS = 150;
export const MAX_WILDCARD_POINTS = 100;
export const MAX_WILDCARDS_PER_PATTERN = 3;

const fail = (path: string, reason: string) => new InvalidPatternError("SNS", path, reason);

/** SNS's total combination of values, which must not exceed 150. */
// Filter policy constraints in Amazon SNS: the product, over keys, of the number of values × the key's nesting level.
// AND/OR logic: "the sum of the combination complexities for each OR statement"; alternatives stay at the $or's level.
export function filterPolicyCombinations(policy: FilterPolicy, depth = 1): number {
    let total = 1;
    for (const [key, v] of Object.entries(policy)) {
        if (key === "$or") total *= (v as FilterPolicy[]).reduce((sum, alt) => sum + filterPolicyCombinations(alt, depth), 0);
        else if (Array.isArray(v)) total *= v.length * depth;
        else total *= filterPolicyCombinations(v as FilterPolicy, depth + 1);
    }
    return total;
}

interface Leaf {
    path: string;
    key: string;
    matchers: unknown[];
}

function leavesOf(policy: FilterPolicy, path = ""): Leaf[] {
    return Object.entries(policy).flatMap(([key, v]) => {
        if (key === "$or") return (v as FilterPolicy[]).flatMap((alt) => leavesOf(alt, path));
        const at = path ? `${path}.${key}` : key;
        return Array.isArray(v) ? [{ path: at, key, matchers: v }] : leavesOf(v as FilterPolicy, at);
    });
}

/** The first key holding an object rather than an array, outside `$or`'s own array. */
function nestedKey(policy: FilterPolicy): string | undefined {
    for (const [key, v] of Object.entries(policy)) {
        if (key !== "$or") {
            if (!Array.isArray(v)) return key;
        } else {
            for (const alt of v as FilterPolicy[]) {
                const nested = nestedKey(alt);
                if (nested !== undefined) return nested;
            }
        }
    }
    return undefined;
}

/** The wildcard patterns a matcher holds: `wildcard`, or `anything-but` `wildcard` (one or a list). */
function wildcardsOf(m: unknown): string[] {
    if (!isObject(m)) return [];
    if (typeof m.wildcard === "string") return [m.wildcard];
    const but = m["anything-but"];
    return isObject(but) && "wildcard" in but ? ([] as unknown[]).concat(but.wildcard).map(String) : [];
}

// Wildcard pattern usage guidelines: "Single wildcard: 1 point; Multiple wildcards: 3 points each; Anything-but: 1 point".
function patternPoints(m: unknown): number {
    if (!isObject(m)) return 0;
    if ("anything-but" in m) return 1;
    if (typeof m.wildcard !== "string") return 0;
    const count = wildcardCount(m.wildcard);
    return count === 1 ? 1 : count >= 2 ? 3 * count : 0;
}

/** Total wildcard complexity across all fields (each leaf array, `$or` alternatives included). */
// Wildcard pattern usage guidelines: "Field complexity = (Sum of pattern points) × (Number of patterns)"; every pattern counts.
export function wildcardComplexity(policy: FilterPolicy): number {
    return leavesOf(policy).reduce((sum, leaf) => sum + leaf.matchers.reduce((points: number, m) => points + patternPoints(m), 0) * leaf.matchers.length, 0);
}

/** Validates a filter policy for its scope; throws InvalidPatternError worded as SNS words it. */
export function parseFilterPolicy(policy: string | FilterPolicy, scope: FilterPolicyScope = "MessageAttributes"): FilterPolicy {
    const node = compilePattern(readPattern(policy, "SNS"), "SNS");
    const valid = (typeof policy === "string" ? JSON.parse(policy) : policy) as FilterPolicy;
    // "Amazon SNS doesn't accept a nested filter policy for attribute-based filtering" (Filter policy constraints in Amazon SNS).
    const nested = scope === "MessageAttributes" ? nestedKey(valid) : undefined;
    if (nested !== undefined) throw fail(nested, "Filter policy scope MessageAttributes does not support nested filter policy");
    const leaves = leavesOf(valid);
    const wildcards = leaves.flatMap((leaf) => leaf.matchers.flatMap(wildcardsOf).map((pattern) => ({ leaf, pattern })));
    // Wildcard pattern usage guidelines: "Maximum 3 wildcards per pattern".
    for (const { leaf, pattern } of wildcards) {
        const count = wildcardCount(pattern);
        if (count > MAX_WILDCARDS_PER_PATTERN) throw fail(leaf.path, `Maximum ${MAX_WILDCARDS_PER_PATTERN} wildcards per pattern; ${JSON.stringify(pattern)} has ${count}`);
    }
    // Filter policy constraints in Amazon SNS: "For a nested policy, only leaf keys are counted towards the five key limit."
    const keys = [...new Set(leaves.map((leaf) => leaf.key))];
    if (keys.length > MAX_KEYS) throw fail("", `Filter policy can not have more than ${MAX_KEYS} keys (${keys.length}: ${keys.join(", ")})`);
    const combinations = filterPolicyCombinations(valid);
    if (combinations > MAX_COMBINATIONS) throw fail("", `Filter policy is too complex (${combinations} combinations; at most ${MAX_COMBINATIONS})`);
    // Wildcard pattern usage guidelines: the 100-point budget protects policies "containing wildcards", so only those.
    const points = wildcards.length > 0 ? wildcardComplexity(valid) : 0;
    if (points > MAX_WILDCARD_POINTS) throw fail("", `Filter policy is too complex (wildcard complexity ${points} points; at most ${MAX_WILDCARD_POINTS})`);
    compiled.set(valid, node);
    return valid;
}

const compiled = new WeakMap<object, PatternNode>();

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

/** Decides an `exists` matcher on a leaf value (undefined when the property is absent). */
type ExistsRule = (want: boolean, leaf: unknown) => boolean;

/** SNS's `exists`, which differs from EventBridge's presence. */
// Key matching in Amazon SNS: exists true needs "a non-null and non-empty value" (an empty String.Array included).
// Key matching in Amazon SNS: exists false "only matches if at least one attribute is present"; for the body (≥ 1 property) that is the lab's reading.
function snsExists(messageHasKeys: boolean): ExistsRule {
    return (want, leaf) => want
        ? leaf !== undefined && leaf !== null && leaf !== "" && !(Array.isArray(leaf) && leaf.length === 0)
        : leaf === undefined && messageHasKeys;
}

const isScalar = (v: unknown): v is Scalar => v === null || typeof v !== "object";

/**
 * A leaf: the property (absent = undefined) against its matchers, any of which may match. A property holding an
 * array matches when one of its values does (String value matching: "customer_interests": ["rugby", …]); an element
 * that is itself an array or an object is no value (the SNS guide documents no nested arrays: the lab's reading).
 */
function matchLeaf(matchers: Matcher[], value: unknown, exists: ExistsRule): boolean {
    const leaf = isObject(value) ? undefined : value;
    return matchers.some((m) => {
        if (m.exists !== undefined) return exists(m.exists, leaf);
        if (leaf === undefined) return false;
        return Array.isArray(leaf) ? leaf.some((x) => isScalar(x) && m.test!(x)) : m.test!(leaf as Scalar);
    });
}

/**
 * Every entry must match (AND); `$or` holds alternatives. "Each property name in the filter policy matches a message
 * body property name" (Amazon SNS subscription filter policies): a key names one property, dots included; a nested
 * policy reads the nested object, or any element of an array of objects (the lab's reading: SNS documents neither).
 */
function matchNode(node: PatternNode, target: unknown, exists: ExistsRule, read: (target: unknown, key: string) => unknown = property): boolean {
    return node.entries.every((entry) => {
        if (entry.kind === "or") return entry.alternatives.some((alt) => matchNode(alt, target, exists, read));
        const value = read(target, entry.key);
        if (entry.kind === "leaf") return matchLeaf(entry.matchers, value, exists);
        if (Array.isArray(value)) return value.some((v) => matchNode(entry.node, v, exists));
        return matchNode(entry.node, value, exists);
    });
}

function property(target: unknown, key: string): unknown {
    return isObject(target) && Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined;
}

/** Whether a subscription with this (validated) policy receives the message. */
export function matchesFilterPolicy(policy: FilterPolicy, message: SnsMessage, scope: FilterPolicyScope = "MessageAttributes"): boolean {
    const node = compiled.get(policy) ?? (parseFilterPolicy(policy, scope), compiled.get(policy)!);
    if (scope === "MessageAttributes") {
        const attributes = message.attributes ?? {};
        return matchNode(node, attributes, snsExists(Object.keys(attributes).length > 0), attributeValue);
    }
    let body: unknown;
    try {
        body = JSON.parse(message.body ?? "");
    } catch {
        return false; // SNS: a body that is not a JSON object matches no MessageBody policy
    }
    return matchNode(node, body, snsExists(isObject(body) && Object.keys(body).length > 0));
}
