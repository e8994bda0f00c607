// `--config key=value` as `pulumi config set` and `pulumi config set --path` store it, so an offline command takes the
// README's examples as written. Pulumi CLI reference, "pulumi config set": a path sets a value inside a map or list;
// "When setting the config for a path, "true" and "false" are treated as boolean values, and integers are treated as
// numbers. All other values are treated as strings. Top level entries are always treated as strings."
import { PROJECT } from "../patterns/config";
import { UsageError } from "./cli";

export type Segment = string | number;

/** `a.b`, `names[0]`, `["parent.name"]["nested.name"]` → the path's segments; undefined if it is not a path. */
export function parsePath(path: string): Segment[] | undefined {
    const segments: Segment[] = [];
    let i = 0;
    while (i < path.length) {
        if (path.startsWith("[\"", i)) {
            const close = path.indexOf("\"]", i + 2);
            if (close < 0) return undefined;
            segments.push(path.slice(i + 2, close));
            i = close + 2;
        } else if (path[i] === "[") {
            const close = path.indexOf("]", i);
            const index = path.slice(i + 1, close);
            if (close < 0 || !/^\d+$/.test(index)) return undefined;
            segments.push(Number(index));
            i = close + 1;
        } else {
            if (path[i] === ".") {
                if (segments.length === 0) return undefined;
                i++;
            }
            let end = i;
            while (end < path.length && path[end] !== "." && path[end] !== "[") end++;
            if (end === i) return undefined;
            segments.push(path.slice(i, end));
            i = end;
        }
    }
    return segments.length > 0 ? segments : undefined;
}

/** A path leaf as Pulumi stores it: true/false as booleans, integers as numbers, the rest as strings. */
function pathValue(raw: string): unknown {
    if (raw === "true" || raw === "false") return raw === "true";
    if (/^-?\d+$/.test(raw) && Number.isSafeInteger(Number(raw))) return Number(raw);
    return raw;
}

function setIn(container: unknown, segments: Segment[], value: unknown): unknown {
    const [head, ...rest] = segments;
    const base = typeof head === "number"
        ? (Array.isArray(container) ? [...container] : [])
        : (container !== null && typeof container === "object" && !Array.isArray(container) ? { ...(container as object) } : {});
    (base as Record<string | number, unknown>)[head] = rest.length === 0 ? value : setIn((base as Record<string | number, unknown>)[head], rest, value);
    return base;
}

interface ConfigArg { key: string; raw: string; namespace: string; segments: Segment[] }

/** `key=value` split and its key parsed; throws a UsageError naming the argument. */
function parseConfigArg(pair: string, option: string): ConfigArg {
    const eq = pair.indexOf("=");
    if (eq < 1) throw new UsageError(`${option} ${pair}: allowed key=value, a.b=value (a path, as pulumi config set --path) or key={"json":"object"}`);
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    const ns = /^([A-Za-z0-9_-]+):(.+)$/.exec(key);
    const [namespace, name] = ns ? [ns[1], ns[2]] : [PROJECT, key];
    const segments = parsePath(name);
    if (segments === undefined || typeof segments[0] !== "string") throw new UsageError(`${option} ${pair}: "${name}" is not a key or a path (a.b, names[0], ["a.b"])`);
    return { key, raw, namespace, segments };
}

/**
 * Applies one `key=value` to `all` (the stack configuration as the program reads it: "namespace:key" → string, an
 * object as JSON). A key with a dot or a bracket is a path (`pulumi config set --path`); a key without a namespace
 * is the project's. Throws a UsageError naming the argument.
 */
export function applyConfigArg(all: Record<string, string>, pair: string, option = "--config"): void {
    const { raw, namespace, segments } = parseConfigArg(pair, option);
    const top = `${namespace}:${segments[0]}`;
    if (segments.length === 1) {
        all[top] = raw;
        return;
    }
    let existing: unknown = {};
    if (all[top] !== undefined) {
        try {
            existing = JSON.parse(all[top]);
        } catch {
            throw new UsageError(`${option} ${pair}: ${segments[0]} is already set to a value that is not an object or a list`);
        }
    }
    all[top] = JSON.stringify(setIn(existing, segments.slice(1), pathValue(raw)));
}

/**
 * Every `--config` pair applied in order, as a stack file would hold them. A key given twice (the same key or path,
 * with or without the project's namespace) is refused: a stack file holds one value per key, and which one the user
 * meant is theirs to say.
 */
export function configFromArgs(pairs: string[], option = "--config"): Record<string, string> {
    const all: Record<string, string> = {};
    const given = new Map<string, string>();
    for (const pair of pairs) {
        const { key, raw, namespace, segments } = parseConfigArg(pair, option);
        const same = JSON.stringify([namespace, ...segments]);
        if (given.has(same)) throw new UsageError(`${option} ${key} given twice (${given.get(same)}, then ${raw}): give it once`);
        given.set(same, raw);
        applyConfigArg(all, pair, option);
    }
    return all;
}
