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
    /** The rule paths as a tree of steps: the event is flattened only along it. */
    walk: Step;
}

/** One step of the rule paths: the steps below it, and the path it completes, if one does. */
interface Step {
    next: Map<string, Step>;
    path?: string;
}

/** Array membership: array number → element index, for every array a value sits inside an element of. */
type Membership = ReadonlyMap<number, number>;

interface Field {
    value: Scalar;
    membership: Membership;
}

const compiled = new WeakMap<object, Compiled>();
const NONE: Membership = new Map();

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
    const walk: Step = { next: new Map() };
    for (const path of new Set(rules.flatMap((r) => r.paths))) {
        // A pattern key with a dot is a path like any other ("detail.state" and detail → state are one path).
        let step = walk;
        for (const key of path.split(".")) {
            let below = step.next.get(key);
            if (!below) step.next.set(key, (below = { next: new Map() }));
            step = below;
        }
        step.path = path;
    }
    return { rules, walk };
}

/** The step an event key leads to; a key with dots takes one step per part, as event-ruler joins paths with dots. */
function stepFor(step: Step, key: string): Step | undefined {
    const direct = step.next.get(key);
    if (direct || !key.includes(".")) return direct;
    let s: Step | undefined = step;
    for (const part of key.split(".")) if (!(s = s.next.get(part))) return undefined;
    return s;
}

/**
 * The event's values at the pattern's paths. An object contributes its fields and no value of its own; an array
 * contributes each element, nested arrays included, so an empty array or an array of objects has no value at its path.
 */
function flatten(event: unknown, c: Compiled): Map<string, Field[]> {
    const fields = new Map<string, Field[]>();
    let membership: Membership = NONE; // replaced, never mutated: a field keeps the one it was recorded with
    let arrays = 0;
    const visit = (step: Step, v: unknown) => {
        if (v === undefined) return;
        if (Array.isArray(v)) {
            const id = arrays++;
            const outer = membership;
            for (let index = 0; index < v.length; index++) {
                const element = v[index];
                // Only an element that is an object or an array marks what lies inside it (event-ruler's ArrayMembership).
                if (element !== null && typeof element === "object") {
                    membership = new Map(outer).set(id, index);
                    visit(step, element);
                    membership = outer;
                } else {
                    visit(step, element);
                }
            }
        } else if (isObject(v)) {
            for (const key in v) {
                if (!Object.prototype.hasOwnProperty.call(v, key)) continue;
                const below = stepFor(step, key);
                if (below) visit(below, v[key]);
            }
        } else if (step.path !== undefined) {
            const list = fields.get(step.path);
            const field = { value: v as Scalar, membership };
            if (list) list.push(field);
            else fields.set(step.path, [field]);
        }
    };
    visit(c.walk, event);
    return fields;
}

/** Two values can be matched together unless they sit in different elements of the same array. */
function consistent(a: Membership, b: Membership): boolean {
    if (a.size === 0 || b.size === 0) return true;
    for (const [id, index] of b) if (a.has(id) && a.get(id) !== index) return false;
    return true;
}

function merge(a: Membership, b: Membership): Membership {
    if (b.size === 0 || a === b) return a;
    if (a.size === 0) return b;
    const m = new Map(a);
    for (const [id, index] of b) m.set(id, index);
    return m;
}

const matchesValue = (matchers: Matcher[], value: Scalar) => {
    for (const m of matchers) if (m.exists === true || (m.test !== undefined && m.test(value))) return true;
    return false;
};

function matchRule(rule: Rule, fields: Map<string, Field[]>, i = 0, membership: Membership = NONE): boolean {
    if (i === rule.paths.length) return true;
    const matchers = rule.matchers[i];
    let present = false;
    for (const f of fields.get(rule.paths[i]) ?? []) {
        if (!consistent(membership, f.membership)) continue;
        present = true;
        if (matchesValue(matchers, f.value) && matchRule(rule, fields, i + 1, merge(membership, f.membership))) return true;
    }
    // `exists: false` holds when no value at the path sits in the array elements the earlier paths matched in.
    return !present && matchers.some((m) => m.exists === false) && matchRule(rule, fields, i + 1, membership);
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
