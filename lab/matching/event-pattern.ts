// EventBridge event patterns (EventBridge user guide, "Event pattern syntax", "Comparison operators for use in event
// patterns"), matched the way aws/event-ruler, the library EventBridge matches with, matches them: the event is
// flattened into dotted field paths, each value remembering which array elements it sits in; the pattern, its `$or`
// expanded, is a set of rules from path to matchers; a rule matches when each of its paths, taken in sorted order,
// finds a value (or, for `exists: false`, none) in the same array elements as the paths before it.
import { compilePattern, isObject, Matcher, PatternNode, readPattern, Scalar } from "./filters";

export type EventPattern = Record<string, unknown>;

/** One rule of a pattern: its paths in sorted order (event-ruler walks rule fields and event fields sorted by name). */
interface Rule {
    paths: string[];
    matchers: Matcher[][];
}

interface Compiled {
    rules: Rule[];
    /** Every rule path and every path above one: the event is flattened only along these. */
    walk: Set<string>;
    leaves: Set<string>;
}

/** Array membership: array number → element index, for every array a value sits inside an element of. */
type Membership = ReadonlyMap<number, number>;

interface Field {
    value: Scalar;
    membership: Membership;
}

const compiled = new WeakMap<object, Compiled>();

/** Parses and validates a pattern (a JSON string as the API takes it, or an object); throws InvalidPatternError. */
export function parseEventPattern(pattern: string | EventPattern): EventPattern {
    const read = readPattern(pattern, "EventBridge");
    const node = compilePattern(read, "EventBridge");
    const parsed = (typeof pattern === "string" ? JSON.parse(pattern) : pattern) as EventPattern;
    compiled.set(parsed, compileRules(node));
    return parsed;
}

const join = (prefix: string, key: string) => (prefix ? `${prefix}.${key}` : key);

/** `$or` forks the rules so far, one copy per alternative; a later entry for the same path overrides an earlier one. */
function expand(rules: Map<string, Matcher[]>[], node: PatternNode, prefix: string): Map<string, Matcher[]>[] {
    for (const entry of node.entries) {
        if (entry.kind === "leaf") rules.forEach((rule) => rule.set(join(prefix, entry.key), entry.matchers));
        else if (entry.kind === "node") rules = expand(rules, entry.node, join(prefix, entry.key));
        else rules = entry.alternatives.flatMap((alt) => expand(rules.map((rule) => new Map(rule)), alt, prefix));
    }
    return rules;
}

function compileRules(node: PatternNode): Compiled {
    const rules = expand([new Map()], node, "").map((rule) => {
        const paths = [...rule.keys()].sort();
        return { paths, matchers: paths.map((p) => rule.get(p)!) };
    });
    const leaves = new Set(rules.flatMap((r) => r.paths));
    const walk = new Set<string>();
    for (const leaf of leaves) {
        // A pattern key with a dot is a path like any other ("detail.state" and detail → state are one path).
        const steps = leaf.split(".");
        for (let i = 1; i <= steps.length; i++) walk.add(steps.slice(0, i).join("."));
    }
    return { rules, walk, leaves };
}

/**
 * The event's values at the pattern's paths. An object contributes its fields and no value of its own; an array
 * contributes each element, nested arrays included, so an empty array or an array of objects has no value at its path.
 */
function flatten(event: unknown, c: Compiled): Map<string, Field[]> {
    const fields = new Map<string, Field[]>();
    const membership = new Map<number, number>();
    let arrays = 0;
    const visit = (path: string, v: unknown) => {
        if (v === undefined) return;
        if (Array.isArray(v)) {
            const id = arrays++;
            v.forEach((element, index) => {
                // Only an element that is an object or an array marks what lies inside it (event-ruler's ArrayMembership).
                if (element !== null && typeof element === "object") {
                    membership.set(id, index);
                    visit(path, element);
                    membership.delete(id);
                } else {
                    visit(path, element);
                }
            });
        } else if (isObject(v)) {
            for (const [key, child] of Object.entries(v)) {
                const p = join(path, key);
                if (c.walk.has(p)) visit(p, child);
            }
        } else if (c.leaves.has(path)) {
            const list = fields.get(path) ?? [];
            list.push({ value: v as Scalar, membership: new Map(membership) });
            fields.set(path, list);
        }
    };
    visit("", event);
    return fields;
}

/** Two values can be matched together unless they sit in different elements of the same array. */
function consistent(a: Membership, b: Membership): boolean {
    for (const [id, index] of b) if (a.has(id) && a.get(id) !== index) return false;
    return true;
}

function merge(a: Membership, b: Membership): Membership {
    if (b.size === 0) return a;
    const m = new Map(a);
    for (const [id, index] of b) m.set(id, index);
    return m;
}

const NONE: Membership = new Map();

function matchRule(rule: Rule, fields: Map<string, Field[]>, i = 0, membership: Membership = NONE): boolean {
    if (i === rule.paths.length) return true;
    const candidates = (fields.get(rule.paths[i]) ?? []).filter((f) => consistent(membership, f.membership));
    const matchers = rule.matchers[i];
    for (const f of candidates) {
        if (matchers.some((m) => m.exists === true || (m.test !== undefined && m.test(f.value)))) {
            if (matchRule(rule, fields, i + 1, merge(membership, f.membership))) return true;
        }
    }
    // `exists: false` holds when no value at the path sits in the array elements the earlier paths matched in.
    if (candidates.length === 0 && matchers.some((m) => m.exists === false)) return matchRule(rule, fields, i + 1, membership);
    return false;
}

/** Whether `event` (the full envelope: source, detail-type, detail, …) matches the validated pattern. */
export function matchesEventPattern(pattern: EventPattern, event: Record<string, unknown>): boolean {
    let c = compiled.get(pattern);
    if (!c) {
        parseEventPattern(pattern);
        c = compiled.get(pattern)!;
    }
    const fields = flatten(event, c);
    return c.rules.some((rule) => matchRule(rule, fields));
}
