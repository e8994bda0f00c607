// Bundled in front of every handler by bundle.ts (never imported by the program): stack traces that point into the
// TypeScript sources, with the source map read only when a stack is first formatted. NODE_OPTIONS=--enable-source-maps
// does the same eagerly and costs 4–10 ms of CPU at every cold start on Node 24 (`npm run bench -- cold-start`),
// though a healthy invocation formats no stack at all.
import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const maps = new Map<string, SourceMap | undefined>();

/** The source map next to a bundle file (`<file>.map`), parsed once; undefined for files without one. */
function sourceMapOf(file: string): { map: SourceMap; dir: string } | undefined {
    const path = file.startsWith("file:") ? fileURLToPath(file) : file;
    if (!maps.has(path)) {
        let map: SourceMap | undefined;
        try {
            map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, "utf8")));
        } catch {
            map = undefined; // Node's own modules, code outside the bundle, a missing map: left as they are
        }
        maps.set(path, map);
    }
    const map = maps.get(path);
    return map && { map, dir: dirname(path) };
}

/** One frame as V8 prints it, its bundle position replaced by the original one where the map has it. */
export function mapFrame(frame: NodeJS.CallSite): string {
    const text = frame.toString();
    const file = frame.getFileName();
    const line = frame.getLineNumber();
    const column = frame.getColumnNumber();
    if (!file || line === null || column === null) return text;
    const found = sourceMapOf(file);
    const entry = found?.map.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
    if (!found || !entry?.originalSource) return text;
    const original = `${resolve(found.dir, entry.originalSource)}:${entry.originalLine! + 1}:${entry.originalColumn! + 1}`;
    return text.replace(`${file}:${line}:${column}`, original);
}

Error.prepareStackTrace = (error: unknown, frames: NodeJS.CallSite[]) => {
    let head: string;
    try {
        head = Error.prototype.toString.call(error);
    } catch {
        head = "Error";
    }
    return [head, ...frames.map((frame) => `    at ${mapFrame(frame)}`)].join("\n");
};
