// The content filters EventBridge event patterns and SNS filter policies share (EventBridge user guide, "Event
// patterns" / "Content filtering"; SNS developer guide, "Filter policy constraints" / "operators"). No maintained
// Node library evaluates them, so the lab's simulator carries its own.

/** A pattern AWS would refuse, with the reason and where. */
export class InvalidPatternError extends Error {
    constructor(readonly path: string, readonly reason: string) {
        super(`Event pattern is not valid. Reason: ${reason} at "${path || "(root)"}"`);
        this.name = "InvalidPatternError";
    }
}

export type Operator = "prefix" | "suffix" | "anything-but" | "numeric" | "exists" | "equals-ignore-case" | "wildcard" | "cidr";
const OPERATORS: readonly Operator[] = ["prefix", "suffix", "anything-but", "numeric", "exists", "equals-ignore-case", "wildcard", "cidr"];
const NUMERIC_OPS = ["=", "<", "<=", ">", ">="];
/** EventBridge and SNS compare numbers with five decimal places of precision between -5e9 and 5e9. */
const NUMERIC_LIMIT = 5e9;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

function checkString(path: string, op: string, v: unknown): string {
    if (typeof v !== "string") throw new InvalidPatternError(path, `${op} match pattern must be a string`);
    return v;
}

function checkWildcard(path: string, v: unknown): string {
    const text = checkString(path, "wildcard", v);
    if (text.includes("**")) throw new InvalidPatternError(path, "Consecutive wildcard characters at pos " + text.indexOf("**"));
    return text;
}

function checkCidr(path: string, v: unknown): string {
    const text = checkString(path, "cidr", v);
    if (parseCidr(text) === undefined) throw new InvalidPatternError(path, `Malformed CIDR, one '/' required: ${text}`);
    return text;
}

/** Validates one element of a leaf array (a value, or an operator object). */
export function checkMatcher(path: string, m: unknown): void {
    if (m === null || typeof m === "string" || typeof m === "boolean") return;
    if (typeof m === "number") {
        if (!Number.isFinite(m)) throw new InvalidPatternError(path, "Value must be a finite number");
        return;
    }
    if (!isObject(m)) throw new InvalidPatternError(path, "Match value must be String, number, true, false, or null");
    const keys = Object.keys(m);
    if (keys.length !== 1) throw new InvalidPatternError(path, `Only one match type per object; got ${keys.join(", ") || "none"}`);
    const [op] = keys;
    const arg = m[op];
    switch (op as Operator) {
        case "prefix":
        case "suffix":
            if (isObject(arg) && Object.keys(arg).length === 1 && "equals-ignore-case" in arg) checkString(path, op, arg["equals-ignore-case"]);
            else checkString(path, op, arg);
            return;
        case "equals-ignore-case": checkString(path, op, arg); return;
        case "wildcard": checkWildcard(path, arg); return;
        case "cidr": checkCidr(path, arg); return;
        case "exists":
            if (typeof arg !== "boolean") throw new InvalidPatternError(path, "exists match pattern must be either true or false");
            return;
        case "numeric": {
            if (!Array.isArray(arg) || arg.length === 0 || arg.length % 2 !== 0 || arg.length > 4) throw new InvalidPatternError(path, "Numeric expression must be an operator and a number, or two such pairs");
            for (let i = 0; i < arg.length; i += 2) {
                if (!NUMERIC_OPS.includes(arg[i])) throw new InvalidPatternError(path, `Unrecognized numeric range operator: ${JSON.stringify(arg[i])}`);
                if (typeof arg[i + 1] !== "number" || Math.abs(arg[i + 1]) > NUMERIC_LIMIT) throw new InvalidPatternError(path, `Value of ${arg[i]} must be a number between -5.0E9 and 5.0E9`);
            }
            if (arg.length === 4) {
                if (!["<", "<="].includes(arg[2]) || ![">", ">="].includes(arg[0])) throw new InvalidPatternError(path, "Bad numeric range: the first pair needs > or >= and the second < or <=");
                if (!(arg[1] < arg[3])) throw new InvalidPatternError(path, "Bottom must be less than top");
            }
            return;
        }
        case "anything-but": {
            if (isObject(arg)) {
                const [inner, ...more] = Object.keys(arg);
                if (more.length > 0 || !["prefix", "suffix", "equals-ignore-case", "wildcard"].includes(inner)) {
                    throw new InvalidPatternError(path, "Value of anything-but must be an array, a string, a number, or an object with prefix, suffix, equals-ignore-case or wildcard");
                }
                const v = arg[inner];
                if (inner === "wildcard") for (const w of Array.isArray(v) ? v : [v]) checkWildcard(path, w);
                else for (const s of Array.isArray(v) && inner === "equals-ignore-case" ? v : [v]) checkString(path, `anything-but ${inner}`, s);
                return;
            }
            for (const v of Array.isArray(arg) ? arg : [arg]) {
                if (typeof v !== "string" && typeof v !== "number") throw new InvalidPatternError(path, "Inside anything-but list, only strings and numbers are allowed");
            }
            return;
        }
        default:
            throw new InvalidPatternError(path, `Unrecognized match type ${op}; the operators are ${OPERATORS.join(", ")}`);
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

/** Whether one present, scalar value matches one (validated) matcher. */
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
                if (text === undefined) return false;
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

/**
 * A leaf: the field (absent = undefined) against the array of matchers, any of which may match. A field holding
 * an array matches when any element does.
 */
export function matchLeaf(matchers: unknown[], value: unknown): boolean {
    const present = value !== undefined;
    return matchers.some((m) => {
        const exists = existsMatcher(m);
        if (exists !== undefined) return exists === (present && !isObject(value));
        if (!present) return false;
        return Array.isArray(value) ? value.some((x) => matchScalar(m, x)) : matchScalar(m, value);
    });
}

/**
 * A pattern object against a JSON object: every key must match (AND); `$or` holds alternative sub-patterns.
 * `read` fetches a key's value (SNS attribute scope reads typed attributes).
 */
export function matchObject(pattern: Record<string, unknown>, target: unknown, read: (target: unknown, key: string) => unknown = defaultRead): boolean {
    return Object.entries(pattern).every(([key, p]) => {
        if (key === "$or") return (p as Record<string, unknown>[]).some((alt) => matchObject(alt, target, read));
        const value = read(target, key);
        if (Array.isArray(p)) return matchLeaf(p, value);
        // Nested: an array of objects in the target matches when any element does.
        if (Array.isArray(value)) return value.some((v) => matchObject(p as Record<string, unknown>, v, defaultRead));
        return matchObject(p as Record<string, unknown>, value, defaultRead);
    });
}

function defaultRead(target: unknown, key: string): unknown {
    return isObject(target) ? target[key] : undefined;
}

/** Validates a pattern object: leaves are non-empty arrays of valid matchers, `$or` holds ≥ 2 patterns. */
export function checkPattern(pattern: unknown, path = ""): number {
    if (!isObject(pattern)) throw new InvalidPatternError(path, `${path ? `"${path}"` : "The pattern"} must be an object or an array`);
    if (Object.keys(pattern).length === 0 && path === "") throw new InvalidPatternError(path, "Empty objects are not allowed");
    let combinations = 1;
    for (const [key, p] of Object.entries(pattern)) {
        const at = path ? `${path}.${key}` : key;
        if (key === "$or") {
            if (!Array.isArray(p) || p.length < 2) throw new InvalidPatternError(at, "$or must be an array of at least 2 patterns");
            combinations *= p.reduce((sum: number, alt) => sum + checkPattern(alt, at), 0);
        } else if (Array.isArray(p)) {
            if (p.length === 0) throw new InvalidPatternError(at, "Empty arrays are not allowed");
            p.forEach((m) => checkMatcher(at, m));
            combinations *= p.length;
        } else if (isObject(p)) {
            combinations *= checkPattern(p, at);
        } else {
            throw new InvalidPatternError(at, `"${key}" must be an object or an array`);
        }
    }
    return combinations;
}
