// The grammar EventBridge event patterns and SNS filter policies share (EventBridge user guide, "Comparison operators
// for use in event patterns"; SNS developer guide, "Filter policy constraints in Amazon SNS"), validated the way
// aws/event-ruler (the library EventBridge matches with) validates it, with its reasons word for word, and compiled
// once into matchers. How a compiled pattern meets a message differs per service: event-pattern.ts, sns-filter.ts.

/** The two services share the grammar, not the limits, the `exists` semantics or the number comparison. */
export type Service = "EventBridge" | "SNS";

/** How each service words a refused pattern: PutRule's InvalidEventPatternException, Subscribe/SetSubscriptionAttributes' InvalidParameter. */
const ERROR_PREFIX: Record<Service, string> = { EventBridge: "Event pattern is not valid. Reason: ", SNS: "Invalid parameter: FilterPolicy: " };

/**
 * A pattern AWS would refuse: the service's wording, event-ruler's reason, and the field it is about. EventBridge
 * ends the message with the JSON parser's source location; the lab names the field's path instead.
 */
export class InvalidPatternError extends Error {
    constructor(readonly service: Service, readonly path: string, readonly reason: string) {
        super(`${ERROR_PREFIX[service]}${reason}${path ? ` at "${path}"` : ""}`);
        this.name = "InvalidPatternError";
    }
}

/**
 * A number literal of a pattern's JSON text whose decimal value no double holds exactly (9007199254740993,
 * 0.30000000000000001, 1e400). event-ruler's ComparableNumber refuses it wherever a number is compared
 * ("Cannot compare number : <text>"); as an exact value it can only match the same text, which no JavaScript event has.
 */
export class UncomparableNumber {
    constructor(readonly text: string, readonly value: number) {}
    toJSON(): number { return this.value; }
}

export type Scalar = string | number | boolean | null;

/** One compiled element of a leaf array: `exists` is about presence, `test` about a present scalar value. */
export interface Matcher {
    exists?: boolean;
    test?: (value: Scalar) => boolean;
}

/** A compiled pattern object, its entries in JSON order (event-ruler lets a later entry override an earlier one). */
export interface PatternNode {
    entries: PatternEntry[];
}
export type PatternEntry =
    | { kind: "leaf"; key: string; matchers: Matcher[] }
    | { kind: "node"; key: string; node: PatternNode }
    | { kind: "or"; alternatives: PatternNode[] };

export const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof UncomparableNumber);
const isNumber = (v: unknown): v is number | UncomparableNumber => typeof v === "number" || v instanceof UncomparableNumber;
const numberValue = (v: number | UncomparableNumber) => (typeof v === "number" ? v : v.value);

/** The shortest decimal that reads back as the same double (what ECMAScript's Number::toString and Java's Double.toString print). */
function sameDecimal(a: string, b: string): boolean {
    const normal = (s: string) => {
        const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(s);
        if (!m) return s;
        let digits = (m[2] + (m[3] ?? "")).replace(/^0+/, "");
        let exp = Number(m[4] ?? 0) - (m[3] ?? "").length;
        if (digits === "") return "0";
        while (digits.endsWith("0")) { digits = digits.slice(0, -1); exp++; }
        return `${m[1]}${digits}e${exp}`;
    };
    return normal(a) === normal(b);
}

/** A JSON number literal as a double, or boxed when no double holds its value (event-ruler: BigDecimal ≠ the double's value). */
function numberLiteral(text: string): number | UncomparableNumber {
    const n = Number(text);
    return Number.isFinite(n) && sameDecimal(text, String(n)) ? n : new UncomparableNumber(text, n);
}

/**
 * Parses a pattern's JSON text like JSON.parse, keeping the text of any number literal no double holds exactly.
 * The text is valid JSON already (JSON.parse ran first), so this reader is lax about errors.
 */
function parseKeepingLiterals(text: string): unknown {
    let i = 0;
    const space = () => { while (i < text.length && " \t\n\r".includes(text[i])) i++; };
    const token = (re: RegExp) => { re.lastIndex = i; const m = re.exec(text)![0]; i += m.length; return m; };
    const str = () => JSON.parse(token(/"(?:[^"\\]|\\.)*"/y)) as string;
    const value = (): unknown => {
        space();
        const c = text[i];
        if (c === "{") {
            i++;
            const o: Record<string, unknown> = {};
            space();
            if (text[i] === "}") { i++; return o; }
            for (;;) {
                space();
                const key = str();
                space();
                i++; // :
                Object.defineProperty(o, key, { value: value(), enumerable: true, writable: true, configurable: true });
                space();
                if (text[i++] === "}") return o;
            }
        }
        if (c === "[") {
            i++;
            const a: unknown[] = [];
            space();
            if (text[i] === "]") { i++; return a; }
            for (;;) {
                a.push(value());
                space();
                if (text[i++] === "]") return a;
            }
        }
        if (c === '"') return str();
        for (const [word, v] of [["true", true], ["false", false], ["null", null]] as const) {
            if (text.startsWith(word, i)) { i += word.length; return v; }
        }
        return numberLiteral(token(/-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y));
    };
    return value();
}

/** A pattern as the API takes it, a JSON string (numbers keep their text where it matters) or an object. */
export function readPattern(pattern: unknown, service: Service): unknown {
    if (typeof pattern !== "string") return pattern;
    try {
        JSON.parse(pattern);
    } catch (error) {
        const reason = service === "SNS" ? `failed to parse JSON. ${(error as Error).message}` : `Filter is not valid JSON: ${(error as Error).message}`;
        throw new InvalidPatternError(service, "", reason);
    }
    return parseKeepingLiterals(pattern);
}

/** Field names event-ruler reserves inside `$or` (its Constants.RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP). */
const RESERVED_IN_OR = new Set([
    "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists", "wildcard", "numeric", "cidr",
    "=", "<", "<=", ">", ">=", "regex", "not-wildcard", "not-equals-ignore-case",
    "date-after", "date-on-or-after", "date-before", "date-on-or-before", "in-date-range", "ip-address-in-range", "ip-address-not-in-range",
]);

/** SNS's numeric range ("Filter policy constraints in Amazon SNS": "-10^9 to 10^9 (-1 billion to 1 billion)"). */
const SNS_NUMERIC_LIMIT = 1e9;

/** Where a matcher sits: whose rules apply, and the field's path for the error. */
interface Where {
    service: Service;
    path: string;
}

const fail = (at: Where, reason: string) => new InvalidPatternError(at.service, at.path, reason);

/** How the JSON parser prints a token in event-ruler's messages (Jackson's getText; "]" where the array ended). */
function tokenText(v: unknown): string {
    if (v === undefined) return "]";
    if (v instanceof UncomparableNumber) return v.text;
    if (Array.isArray(v)) return "[";
    if (isObject(v)) return "{";
    return String(v);
}

/** Numbers equal as each service compares them: EventBridge exactly (one double, one encoding); SNS to five decimals. */
function numbersEqual(service: Service): (a: number, b: number) => boolean {
    // Filter policy constraints in Amazon SNS: "with five digits of accuracy after the decimal point".
    return service === "SNS" ? (a, b) => Math.abs(a - b) < 1e-5 : (a, b) => a === b;
}

/**
 * A number that will be compared: EventBridge refuses one no double holds (event-ruler's ComparableNumber); SNS
 * refuses a `numeric` operand beyond ±10^9 (`bounded`).
 */
function comparedNumber(at: Where, op: string, v: number | UncomparableNumber, bounded = false): number {
    const n = numberValue(v);
    if (at.service === "EventBridge") {
        if (v instanceof UncomparableNumber || !Number.isFinite(n)) throw fail(at, `Cannot compare number : ${tokenText(v)}`);
    } else if (bounded && !(Math.abs(n) <= SNS_NUMERIC_LIMIT)) {
        throw fail(at, `Value of ${op} must be a number between -1.0E9 and 1.0E9; got ${tokenText(v)}`);
    }
    return n;
}

/** The wildcard's literal pieces between its stars, as event-ruler's WildcardParser reads `\*` and `\\`, or the error it reports. */
function wildcardParts(text: string): { parts: string[]; error?: string } {
    // event-ruler parses the value with its JSON quotes, so positions count UTF-8 bytes from the opening quote.
    const parts = [""];
    let pos = 1;
    const chars = [...text];
    for (let i = 0; i < chars.length; i++) {
        const c = chars[i];
        if (c === "*") {
            if (chars[i + 1] === "*") return { parts, error: `Consecutive wildcard characters at pos ${pos}` };
            parts.push("");
        } else if (c === "\\") {
            const next = chars[i + 1];
            if (next !== "*" && next !== "\\") return { parts, error: `Invalid escape character at pos ${pos}` };
            parts[parts.length - 1] += next;
            i++;
            pos++;
        } else {
            parts[parts.length - 1] += c;
        }
        pos += Buffer.byteLength(c);
    }
    return { parts };
}

/** How many wildcard characters a pattern holds (escaped asterisks are not wildcards). */
export function wildcardCount(text: string): number {
    return wildcardParts(text).parts.length - 1;
}

function compileWildcard(at: Where, text: string): RegExp {
    const { parts, error } = wildcardParts(text);
    if (error) throw fail(at, error);
    return new RegExp(`^${parts.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "s");
}

/** An IP address as event-ruler's CIDR class reads one (java.net.InetAddress behind its two regular expressions). */
interface Ip {
    bits: bigint;
    width: 32 | 128;
}

function parseIp(text: string): Ip | "invalid" | "nonstandard" {
    if (/^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/.test(text)) {
        const parts = text.split(".").map(Number);
        if (parts.some((p) => p > 255)) return "invalid";
        return { bits: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n), width: 32 };
    }
    if (/^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/.test(text)) {
        const halves = text.split("::");
        if (halves.length > 2) return "invalid";
        const groups = (s: string) => (s === "" ? [] : s.split(":"));
        const head = groups(halves[0]);
        const tail = halves.length === 2 ? groups(halves[1]) : [];
        const fill = 8 - head.length - tail.length;
        if ((halves.length === 1 && fill !== 0) || (halves.length === 2 && fill < 1)) return "invalid";
        const all = [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill("0"), ...tail];
        if (all.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return "invalid";
        const bits = all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
        // InetAddress turns an IPv4-mapped IPv6 address (::ffff:a.b.c.d) into the IPv4 address.
        if (bits >> 32n === 0xffffn) return { bits: bits & 0xffffffffn, width: 32 };
        return { bits, width: 128 };
    }
    return "nonstandard";
}

/** A CIDR block as event-ruler compiles one: from the address given up to it with every host bit set. */
function compileCidr(at: Where, text: string): (v: Scalar) => boolean {
    const slashed = text.split("/");
    while (slashed.length > 0 && slashed[slashed.length - 1] === "") slashed.pop(); // Java's String.split drops trailing empty strings
    if (slashed.length !== 2) throw fail(at, "Malformed CIDR, one '/' required");
    const maskText = slashed[1];
    if (!/^[+-]?\d+$/.test(maskText) || Math.abs(Number(maskText)) > 2147483647) throw fail(at, "Malformed CIDR, mask bits must be an integer");
    const mask = Number(maskText);
    if (mask < 0) throw fail(at, "Malformed CIDR, mask bits must not be negative");
    const ip = parseIp(slashed[0]);
    if (ip === "invalid") throw fail(at, `Invalid IP address: ${slashed[0]}`);
    if (ip === "nonstandard") throw fail(at, `Nonstandard IP address: ${slashed[0]}`);
    if (ip.width === 32 && mask > 31) throw fail(at, "IPv4 mask bits must be < 32");
    if (ip.width === 128 && mask > 127) throw fail(at, "IPv6 mask bits must be < 128");
    const bottom = ip.bits;
    const top = ip.bits | ((1n << BigInt(ip.width - mask)) - 1n);
    return (v) => {
        if (typeof v !== "string") return false;
        const x = parseIp(v);
        return typeof x === "object" && x.width === ip.width && x.bits >= bottom && x.bits <= top;
    };
}

type Range = { n: number; inclusive: boolean };

function compileNumeric(at: Where, arg: unknown): (v: Scalar) => boolean {
    if (!Array.isArray(arg)) throw fail(at, "Value of numeric must be an array.");
    const [op, first, op2, second] = arg;
    const tooMany = () => fail(at, "Too many elements in numeric expression");
    if (typeof op !== "string") throw fail(at, `Invalid member in numeric match: ${tokenText(op)}`);
    let lower: Range | undefined;
    let upper: Range | undefined;
    let equals: number | undefined;
    if (op === "=") {
        if (!isNumber(first)) throw fail(at, "Value of equals must be numeric");
        if (arg.length > 2) throw tooMany();
        equals = comparedNumber(at, op, first, true);
    } else if (op === ">" || op === ">=") {
        if (!isNumber(first)) throw fail(at, `Value of ${op} must be numeric`);
        if (arg.length > 2) {
            if (typeof op2 !== "string") throw fail(at, `Bad value in numeric range: ${tokenText(op2)}`);
            if (op2 !== "<" && op2 !== "<=") throw fail(at, `Bad numeric range operator: ${op2}`);
            if (!isNumber(second)) throw fail(at, `Value of ${op2} must be numeric`);
            if (arg.length > 4) throw fail(at, "Too many terms in numeric range expression");
        }
        lower = { n: comparedNumber(at, op, first, true), inclusive: op === ">=" };
        if (arg.length > 2) upper = { n: comparedNumber(at, op2 as string, second as number, true), inclusive: op2 === "<=" };
        if (upper && !(lower.n < upper.n)) throw fail(at, "Bottom must be less than top");
    } else if (op === "<" || op === "<=") {
        if (!isNumber(first)) throw fail(at, `Value of ${op} must be numeric`);
        if (arg.length > 2) throw tooMany();
        upper = { n: comparedNumber(at, op, first, true), inclusive: op === "<=" };
    } else {
        throw fail(at, `Unrecognized numeric range operator: ${op}`);
    }
    const eq = numbersEqual(at.service);
    return (v) => typeof v === "number"
        && (equals === undefined || eq(equals, v))
        && (lower === undefined || (lower.inclusive ? v >= lower.n : v > lower.n))
        && (upper === undefined || (upper.inclusive ? v <= upper.n : v < upper.n));
}

type AnythingButKind = "equals-ignore-case" | "prefix" | "suffix" | "wildcard";

/** `anything-but`: matches every present value except those given (values, or strings with a prefix, suffix, case or wildcard). */
function compileAnythingBut(at: Where, arg: unknown, outerKeys: number): (v: Scalar) => boolean {
    const tooMany = () => fail(at, "Too many elements in numeric expression"); // sic: event-ruler's reason for any extra key here
    let kind: AnythingButKind | undefined;
    let value = arg;
    let innerKeys = 0;
    if (isObject(arg)) {
        const keys = Object.keys(arg);
        if (keys.length === 0) throw fail(at, "Anything-But expression name not found");
        if (!["equals-ignore-case", "prefix", "suffix", "wildcard"].includes(keys[0])) throw fail(at, `Unsupported anything-but pattern: ${keys[0]}`);
        kind = keys[0] as AnythingButKind;
        value = arg[kind];
        innerKeys = keys.length;
    }
    if (!Array.isArray(value) && typeof value !== "string" && !isNumber(value)) {
        throw fail(at, "Value of anything-but must be an array or single string/number value.");
    }
    let test: (v: Scalar) => boolean;
    if (kind === undefined) {
        const strings = new Set<string>();
        const numbers: number[] = [];
        for (const v of Array.isArray(value) ? value : [value]) {
            if (typeof v === "string") strings.add(v);
            else if (isNumber(v)) numbers.push(comparedNumber(at, "anything-but", v));
            else throw fail(at, "Inside anything but list, start|null|boolean is not supported.");
        }
        if (strings.size > 0 === numbers.length > 0) {
            throw fail(at, "Inside anything but list, either all values are number or string, mixed type is not supported");
        }
        const eq = numbersEqual(at.service);
        // A string list never excludes a number, a number list never a string (event-ruler: AnythingBut.isNumeric).
        test = strings.size > 0
            ? (v) => !(typeof v === "string" && strings.has(v))
            : (v) => !(typeof v === "number" && numbers.some((n) => eq(n, v)));
    } else {
        const texts: string[] = [];
        for (const v of Array.isArray(value) ? value : [value]) {
            if (typeof v !== "string") {
                throw fail(at, kind === "equals-ignore-case" ? "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
                    : kind === "wildcard" ? "wildcard match pattern must be a string" : "prefix/suffix match pattern must be a string");
            }
            if ((kind === "prefix" || kind === "suffix") && v === "") throw fail(at, "Null prefix/suffix not allowed");
            texts.push(v);
        }
        const regexes = kind === "wildcard" ? texts.map((t) => compileWildcard(at, t)) : [];
        const lower = texts.map((t) => t.toLowerCase());
        // "Matches anything except what's provided in the rule": a value that is not a string is never what a string operator provides.
        const excluded: (s: string) => boolean = {
            prefix: (s: string) => texts.some((t) => s.startsWith(t)),
            suffix: (s: string) => texts.some((t) => s.endsWith(t)),
            "equals-ignore-case": (s: string) => lower.includes(s.toLowerCase()),
            wildcard: (s: string) => regexes.some((r) => r.test(s)),
        }[kind];
        test = (v) => typeof v !== "string" || !excluded(v);
    }
    if (innerKeys > 1 || outerKeys > 1) throw tooMany();
    return test;
}

/** `prefix` / `suffix`: a string operand, or `{"equals-ignore-case": …}`. */
function compileAffix(at: Where, op: "prefix" | "suffix", arg: unknown): (v: Scalar) => boolean {
    let text: string;
    let ignoreCase = false;
    if (isObject(arg)) {
        const keys = Object.keys(arg);
        const Op = op === "prefix" ? "Prefix" : "Suffix";
        if (keys.length === 0) throw fail(at, `${Op} expression name not found`);
        if (keys[0] !== "equals-ignore-case") throw fail(at, `Unsupported ${op} pattern: ${keys[0]}`);
        if (typeof arg[keys[0]] !== "string") throw fail(at, "equals-ignore-case match pattern must be a string");
        if (keys.length > 1) throw fail(at, "Only one key allowed in match expression");
        text = (arg[keys[0]] as string).toLowerCase();
        ignoreCase = true;
    } else if (typeof arg === "string") {
        text = arg;
    } else {
        throw fail(at, `${op} match pattern must be a string`);
    }
    return (v) => {
        if (typeof v !== "string") return false;
        const s = ignoreCase ? v.toLowerCase() : v;
        return op === "prefix" ? s.startsWith(text) : s.endsWith(text);
    };
}

/** Compiles an operator object of a leaf array (`{"prefix": …}`, `{"numeric": […]}`, …). */
function compileOperator(at: Where, m: Record<string, unknown>): Matcher {
    const keys = Object.keys(m);
    if (keys.length === 0) throw fail(at, "Match expression name not found");
    const [op] = keys;
    const arg = m[op];
    const oneKey = () => { if (keys.length > 1) throw fail(at, "Only one key allowed in match expression"); };
    const string = (what: string) => { if (typeof arg !== "string") throw fail(at, `${what} match pattern must be a string`); return arg; };
    switch (op) {
        case "prefix":
        case "suffix": {
            const test = compileAffix(at, op, arg);
            oneKey();
            return { test };
        }
        case "equals-ignore-case": {
            const text = string(op).toLowerCase();
            oneKey();
            return { test: (v) => typeof v === "string" && v.toLowerCase() === text };
        }
        case "wildcard": {
            const regex = compileWildcard(at, string(op));
            oneKey();
            return { test: (v) => typeof v === "string" && regex.test(v) };
        }
        case "cidr": {
            const test = compileCidr(at, string("prefix")); // sic: event-ruler's reason names prefix for a cidr that is not a string
            oneKey();
            return { test };
        }
        case "exists":
            if (typeof arg !== "boolean") throw fail(at, "exists match pattern must be either true or false.");
            oneKey();
            return { exists: arg };
        case "numeric": {
            const test = compileNumeric(at, arg);
            if (keys.length > 1) throw fail(at, "Too many elements in numeric expression");
            return { test };
        }
        case "anything-but":
            return { test: compileAnythingBut(at, arg, keys.length) };
        default:
            throw fail(at, `Unrecognized match type ${op}`);
    }
}

/** Compiles one element of a leaf array: a value to equal, or an operator object. */
function compileMatcher(at: Where, m: unknown): Matcher {
    if (isObject(m)) return compileOperator(at, m);
    if (m === null || typeof m === "string" || typeof m === "boolean") return { test: (v) => v === m };
    if (isNumber(m)) {
        // event-ruler matches a number literal both as text and, where a double holds it, as a number; a JavaScript
        // event's number is a double, so a literal no double holds matches none (SNS compares the value).
        const n = at.service === "SNS" ? numberValue(m) : m;
        if (typeof n !== "number" || !Number.isFinite(n)) return { test: () => false };
        const eq = numbersEqual(at.service);
        return { test: (v) => typeof v === "number" && eq(n, v) };
    }
    throw fail(at, "Match value must be String, number, true, false, or null");
}

/** Validates and compiles a pattern object; throws InvalidPatternError with event-ruler's reason and the field's path. */
export function compilePattern(pattern: unknown, service: Service): PatternNode {
    if (!isObject(pattern)) throw new InvalidPatternError(service, "", "Filter is not an object");
    return compileNode(pattern, service, "", false);
}

function compileNode(pattern: Record<string, unknown>, service: Service, path: string, insideOr: boolean): PatternNode {
    const at = (p: string): Where => ({ service, path: p });
    const keys = Object.keys(pattern);
    if (keys.length === 0) throw fail(at(path), "Empty objects are not allowed");
    const entries: PatternEntry[] = [];
    for (const key of keys) {
        const p = pattern[key];
        const where = path ? `${path}.${key}` : key;
        if (key === "$or") {
            if (!Array.isArray(p)) throw fail(at(where), "It must be an Array followed with $or.");
            const alternatives = p.map((alt, i) => {
                if (!isObject(alt)) throw fail(at(`${where}[${i}]`), "Only JSON object is allowed in array of $or relationship.");
                return compileNode(alt, service, `${where}[${i}]`, true);
            });
            if (alternatives.length < 2) throw fail(at(where), "There must have at least 2 Objects in $or relationship.");
            entries.push({ kind: "or", alternatives });
            continue;
        }
        if (insideOr && RESERVED_IN_OR.has(key)) throw fail(at(where), `${key} is Ruler reserved fieldName which cannot be used inside $or.`);
        if (Array.isArray(p)) {
            if (p.length === 0) throw fail(at(where), "Empty arrays are not allowed");
            entries.push({ kind: "leaf", key, matchers: p.map((m) => compileMatcher(at(where), m)) });
        } else if (isObject(p)) {
            entries.push({ kind: "node", key, node: compileNode(p, service, where, insideOr) });
        } else {
            throw fail(at(where), `"${key}" must be an object or an array`);
        }
    }
    return { entries };
}
