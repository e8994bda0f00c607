// The content filters EventBridge event patterns and SNS filter policies share (EventBridge user guide, "Event
// patterns" / "Content filtering"; SNS developer guide, "Filter policy constraints" / "operators"). No maintained
// Node library evaluates them, so the lab's simulator carries its own.

/** The two services share the grammar, not the limits, the `exists` semantics or the error wording. */
export type Service = "EventBridge" | "SNS";

/** How each service words a refused pattern: PutRule's ValidationException, Subscribe/SetSubscriptionAttributes' InvalidParameter. */
const ERROR_PREFIX: Record<Service, string> = { EventBridge: "Event pattern is not valid. Reason: ", SNS: "Invalid parameter: FilterPolicy: " };

/** A pattern AWS would refuse: the service's wording, the reason, and the field it is about (none for the whole pattern). */
export class InvalidPatternError extends Error {
    constructor(readonly service: Service, readonly path: string, readonly reason: string) {
        super(`${ERROR_PREFIX[service]}${reason}${path ? ` at "${path}"` : ""}`);
        this.name = "InvalidPatternError";
    }
}

export type Operator = "prefix" | "suffix" | "anything-but" | "numeric" | "exists" | "equals-ignore-case" | "wildcard" | "cidr";
const OPERATORS: readonly Operator[] = ["prefix", "suffix", "anything-but", "numeric", "exists", "equals-ignore-case", "wildcard", "cidr"];
const NUMERIC_OPS = ["=", "<", "<=", ">", ">="];
/** Bounds of a `numeric` operand, per service. */
const NUMERIC_LIMIT: Record<Service, { limit: number; text: string }> = {
    EventBridge: { limit: 5e9, text: "-5.0E9 and 5.0E9" }, // the lab's EventBridge bound, unchanged
    SNS: { limit: 1e9, text: "-1.0E9 and 1.0E9" }, // Filter policy constraints in Amazon SNS: "-10^9 to 10^9 (-1 billion to 1 billion)"
};

export const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Where a matcher sits: whose rules apply, and the field's dotted path for the error. */
interface Where {
    service: Service;
    path: string;
}

const fail = (at: Where, reason: string) => new InvalidPatternError(at.service, at.path, reason);

function checkString(at: Where, op: string, v: unknown): string {
    if (typeof v !== "string") throw fail(at, `${op} match pattern must be a string; got ${JSON.stringify(v)}`);
    return v;
}

function checkWildcard(at: Where, v: unknown): string {
    const text = checkString(at, "wildcard", v);
    if (text.includes("**")) throw fail(at, `Consecutive wildcard characters at pos ${text.indexOf("**")} in ${JSON.stringify(text)}`);
    return text;
}

function checkCidr(at: Where, v: unknown): string {
    const text = checkString(at, "cidr", v);
    if (parseCidr(text) === undefined) throw fail(at, `Malformed CIDR, one '/' required: ${text}`);
    return text;
}

/** Validates one element of a leaf array (a value, or an operator object). */
export function checkMatcher(at: Where, m: unknown): void {
    if (m === null || typeof m === "string" || typeof m === "boolean") return;
    if (typeof m === "number") {
        if (!Number.isFinite(m)) throw fail(at, "Value must be a finite number");
        return;
    }
    if (!isObject(m)) throw fail(at, "Match value must be String, number, true, false, or null");
    const keys = Object.keys(m);
    if (keys.length !== 1) throw fail(at, `Only one match type per object; got ${keys.join(", ") || "none"}`);
    const [op] = keys;
    const arg = m[op];
    switch (op as Operator) {
        case "prefix":
        case "suffix":
            if (isObject(arg) && Object.keys(arg).length === 1 && "equals-ignore-case" in arg) checkString(at, op, arg["equals-ignore-case"]);
            else checkString(at, op, arg);
            return;
        case "equals-ignore-case": checkString(at, op, arg); return;
        case "wildcard": checkWildcard(at, arg); return;
        case "cidr": checkCidr(at, arg); return;
        case "exists":
            if (typeof arg !== "boolean") throw fail(at, `exists match pattern must be either true or false; got ${JSON.stringify(arg)}`);
            return;
        case "numeric": {
            if (!Array.isArray(arg) || arg.length === 0 || arg.length % 2 !== 0 || arg.length > 4) throw fail(at, "Numeric expression must be an operator and a number, or two such pairs");
            const bound = NUMERIC_LIMIT[at.service];
            for (let i = 0; i < arg.length; i += 2) {
                if (!NUMERIC_OPS.includes(arg[i])) throw fail(at, `Unrecognized numeric range operator: ${JSON.stringify(arg[i])}`);
                if (typeof arg[i + 1] !== "number" || Math.abs(arg[i + 1]) > bound.limit) {
                    throw fail(at, `Value of ${arg[i]} must be a number between ${bound.text}; got ${JSON.stringify(arg[i + 1])}`);
                }
            }
            if (arg.length === 4) {
                if (!["<", "<="].includes(arg[2]) || ![">", ">="].includes(arg[0])) throw fail(at, "Bad numeric range: the first pair needs > or >= and the second < or <=");
                if (!(arg[1] < arg[3])) throw fail(at, "Bottom must be less than top");
            }
            return;
        }
        case "anything-but": {
            if (isObject(arg)) {
                const [inner, ...more] = Object.keys(arg);
                if (more.length > 0 || !["prefix", "suffix", "equals-ignore-case", "wildcard"].includes(inner)) {
                    throw fail(at, "Value of anything-but must be an array, a string, a number, or an object with prefix, suffix, equals-ignore-case or wildcard");
                }
                const v = arg[inner];
                if (inner === "wildcard") for (const w of Array.isArray(v) ? v : [v]) checkWildcard(at, w);
                else for (const s of Array.isArray(v) && inner === "equals-ignore-case" ? v : [v]) checkString(at, `anything-but ${inner}`, s);
                // Empty affix: the reason is aws/event-ruler's (the library EventBridge matches with); SNS shares the grammar.
                if ((inner === "prefix" || inner === "suffix") && v === "") throw fail(at, "Null prefix/suffix not allowed");
                return;
            }
            for (const v of Array.isArray(arg) ? arg : [arg]) {
                if (typeof v !== "string" && typeof v !== "number") throw fail(at, "Inside anything-but list, only strings and numbers are allowed");
            }
            return;
        }
        default:
            throw fail(at, `Unrecognized match type ${op}; the operators are ${OPERATORS.join(", ")}`);
    }
}

function wildcardRegex(pattern: string): RegExp {
    return new RegExp(`^${pattern.split("*").map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "s");
}

function parseCidr(text: string): { bits: bigint; prefix: number; width: number } | undefined {
    const [address, prefixText, ...rest] = text.split("/");
    if (rest.length > 0 || prefixText === undefined || !/^\d+$/.test(prefixText)) return undefined;
    const ip = parseIp(address);
    if (!ip) return undefined;
    const prefix = Number(prefixText);
    return prefix <= ip.width ? { bits: ip.bits, prefix, width: ip.width } : undefined;
}

function parseIp(text: string): { bits: bigint; width: number } | undefined {
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
        const parts = text.split(".").map(Number);
        if (parts.some((p) => p > 255)) return undefined;
        return { bits: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n), width: 32 };
    }
    if (text.includes(":")) {
        const halves = text.split("::");
        if (halves.length > 2) return undefined;
        const groups = (s: string) => (s === "" ? [] : s.split(":"));
        const head = groups(halves[0]);
        const tail = halves.length === 2 ? groups(halves[1]) : [];
        const fill = 8 - head.length - tail.length;
        if ((halves.length === 1 && fill !== 0) || fill < 0) return undefined;
        const all = [...head, ...Array(halves.length === 2 ? fill : 0).fill("0"), ...tail];
        if (all.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return undefined;
        return { bits: all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n), width: 128 };
    }
    return undefined;
}

function inCidr(value: string, cidr: string): boolean {
    const net = parseCidr(cidr)!;
    const ip = parseIp(value);
    if (!ip || ip.width !== net.width) return false;
    const shift = BigInt(net.width - net.prefix);
    return (ip.bits >> shift) === (net.bits >> shift);
}

/** Numbers are compared as numbers: 5 equals 5.0, a numeric string in an SNS Number attribute too. */
const sameNumber = (a: number, b: unknown) => typeof b === "number" && Math.abs(a - b) < 1e-5;

function numericMatch(ops: unknown[], v: unknown): boolean {
    if (typeof v !== "number") return false;
    for (let i = 0; i < ops.length; i += 2) {
        const n = ops[i + 1] as number;
        const ok = { "=": sameNumber(n, v), "<": v < n, "<=": v <= n, ">": v > n, ">=": v >= n }[ops[i] as string];
        if (!ok) return false;
    }
    return true;
}

/** Whether one present scalar (string, number, boolean or null) matches one validated matcher other than `exists`. */
export function matchScalar(m: unknown, v: unknown): boolean {
    if (!isObject(m)) return typeof m === "number" ? sameNumber(m, v) : m === v;
    const [op] = Object.keys(m);
    const arg = m[op];
    const text = typeof v === "string" ? v : undefined;
    switch (op as Operator) {
        case "prefix":
            if (text === undefined) return false;
            return isObject(arg) ? text.toLowerCase().startsWith(String(arg["equals-ignore-case"]).toLowerCase()) : text.startsWith(arg as string);
        case "suffix":
            if (text === undefined) return false;
            return isObject(arg) ? text.toLowerCase().endsWith(String(arg["equals-ignore-case"]).toLowerCase()) : text.endsWith(arg as string);
        case "equals-ignore-case": return text !== undefined && text.toLowerCase() === (arg as string).toLowerCase();
        case "wildcard": return text !== undefined && wildcardRegex(arg as string).test(text);
        case "cidr": return text !== undefined && inCidr(text, arg as string);
        case "numeric": return numericMatch(arg as unknown[], v);
        case "anything-but": {
            if (isObject(arg)) {
                // "Anything-but matching matches anything except what's provided in the rule" (Comparison operators for
                // use in event patterns): a number, boolean or null is not a string with that prefix/suffix/wildcard/case.
                if (text === undefined) return true;
                const [inner] = Object.keys(arg);
                const x = arg[inner];
                if (inner === "prefix") return !text.startsWith(x as string);
                if (inner === "suffix") return !text.endsWith(x as string);
                if (inner === "wildcard") return !(Array.isArray(x) ? x : [x]).some((w) => wildcardRegex(w as string).test(text));
                return !(Array.isArray(x) ? x : [x]).some((s) => (s as string).toLowerCase() === text.toLowerCase());
            }
            return !(Array.isArray(arg) ? arg : [arg]).some((a) => (typeof a === "number" ? sameNumber(a, v) : a === v));
        }
        default: return false;
    }
}

/** `exists` is about presence, every other matcher about a present value. */
export function existsMatcher(m: unknown): boolean | undefined {
    return isObject(m) && "exists" in m ? (m.exists as boolean) : undefined;
}

/** Decides an `exists` matcher on a leaf value (undefined when the field is absent). */
export type ExistsRule = (want: boolean, leaf: unknown) => boolean;

/** EventBridge: `exists` is presence of the field as a leaf. */
export const presence: ExistsRule = (want, leaf) => want === (leaf !== undefined);

const isScalar = (v: unknown) => v === null || typeof v !== "object";

/**
 * A leaf: the field (absent = undefined) against the array of matchers, any of which may match. A field holding
 * an array matches when any element does; a field holding an object is no leaf value (nested patterns read it).
 */
export function matchLeaf(matchers: unknown[], value: unknown, exists: ExistsRule = presence): boolean {
    const leaf = isObject(value) ? undefined : value;
    return matchers.some((m) => {
        const want = existsMatcher(m);
        if (want !== undefined) return exists(want, leaf);
        if (leaf === undefined) return false;
        return Array.isArray(leaf) ? leaf.some((x) => isScalar(x) && matchScalar(m, x)) : matchScalar(m, leaf);
    });
}

export interface MatchOptions {
    /** Reads a top-level key (SNS attribute scope reads typed attributes); nested levels read the JSON. */
    read?: (target: unknown, key: string) => unknown;
    /** The service's `exists` rule; EventBridge's by default. */
    exists?: ExistsRule;
}

/** A pattern object against a JSON object: every key must match (AND); `$or` holds alternative sub-patterns. */
export function matchObject(pattern: Record<string, unknown>, target: unknown, options: MatchOptions = {}): boolean {
    const { read = defaultRead, exists = presence } = options;
    return Object.entries(pattern).every(([key, p]) => {
        if (key === "$or") return (p as Record<string, unknown>[]).some((alt) => matchObject(alt, target, options));
        const value = read(target, key);
        if (Array.isArray(p)) return matchLeaf(p, value, exists);
        // Nested: an array of objects in the target matches when any element does.
        const nested = { exists };
        if (Array.isArray(value)) return value.some((v) => matchObject(p as Record<string, unknown>, v, nested));
        return matchObject(p as Record<string, unknown>, value, nested);
    });
}

function defaultRead(target: unknown, key: string): unknown {
    return isObject(target) ? target[key] : undefined;
}

/** Validates a pattern object: leaves are non-empty arrays of valid matchers, `$or` holds ≥ 2 patterns. */
export function checkPattern(pattern: unknown, service: Service, path = ""): void {
    const at = (p: string): Where => ({ service, path: p });
    if (!isObject(pattern)) throw fail(at(path), `${path ? `"${path}"` : "The pattern"} must be an object or an array`);
    if (Object.keys(pattern).length === 0 && path === "") throw fail(at(path), "Empty objects are not allowed");
    for (const [key, p] of Object.entries(pattern)) {
        const where = path ? `${path}.${key}` : key;
        if (key === "$or") {
            if (!Array.isArray(p) || p.length < 2) throw fail(at(where), "$or must be an array of at least 2 patterns");
            p.forEach((alt) => checkPattern(alt, service, where));
        } else if (Array.isArray(p)) {
            if (p.length === 0) throw fail(at(where), "Empty arrays are not allowed");
            p.forEach((m) => checkMatcher(at(where), m));
        } else if (isObject(p)) {
            checkPattern(p, service, where);
        } else {
            throw fail(at(where), `"${key}" must be an object or an array`);
        }
    }
}
