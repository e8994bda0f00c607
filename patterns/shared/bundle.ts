import * as crypto from "crypto";
import * as esbuild from "esbuild";
import * as fs from "fs";
import * as path from "path";
// Pulumi only for the archive: the build command and the bench bundle without loading it.
import type * as pulumi from "@pulumi/pulumi";
import { BUNDLE_TARGET } from "./runtime";

/** Where handler sources live and where their bundles go (one folder per handler: index.mjs, its chunks and their maps). */
export const FUNCTIONS_DIR = path.resolve(__dirname, "../../functions");
export const BUILD_DIR = path.resolve(__dirname, "../../.build/functions");

/** The file Lambda loads: `index.handler` resolves to index.mjs, an ES module. */
export const HANDLER_FILE = "index.mjs";

/**
 * Node built-in modules that library code imports at load time for a path no first request takes. Each named
 * export becomes a function that loads the built-in on its first call (`process.getBuiltinModule`, Node ≥ 22.3), so
 * a handler that never takes the path never loads the module: node:crypto alone costs about 4 ms of cold start
 * on Node 24 here (`npm run bench -- cold-start`), more than the rest of a consumer's own code.
 */
export const LAZY_BUILTINS: readonly { importer: RegExp; module: string; names: readonly string[]; why: string }[] = [
    { importer: /@aws-lambda-powertools[\\/]logger[\\/]/, module: "crypto", names: ["randomInt"], why: "debug log sampling, which no function configures" },
    { importer: /@aws-lambda-powertools[\\/]jmespath[\\/]/, module: "crypto", names: ["randomInt"], why: "evicting from a full expression cache" },
    { importer: /functions[\\/]shared[\\/]correlation\.ts$/, module: "crypto", names: ["randomUUID"], why: "a direct invoke that brings no correlation ID" },
    { importer: /@smithy[\\/]core[\\/].*[\\/]crc32[\\/]Crc32Node\.js$/, module: "zlib", names: ["crc32"], why: "CRC32 request checksums, which SNS, SQS, EventBridge and DynamoDB calls do not use" },
];

/** The esbuild plugin that applies LAZY_BUILTINS; an import of a name not listed fails the build instead of breaking at run time. */
const lazyBuiltins: esbuild.Plugin = {
    name: "lazy-builtins",
    setup(build) {
        build.onResolve({ filter: /^(node:)?(crypto|zlib)$/ }, (args) => {
            const module = args.path.replace(/^node:/, "");
            const rule = LAZY_BUILTINS.findIndex((r) => r.module === module && r.importer.test(args.importer));
            return rule === -1 ? undefined : { path: String(rule), namespace: "lazy-builtin" };
        });
        build.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (args) => {
            const { module, names } = LAZY_BUILTINS[Number(args.path)];
            const lazy = names.map((name) => `export const ${name} = (...args) => process.getBuiltinModule("node:${module}").${name}(...args);`);
            return { contents: lazy.join("\n"), loader: "js" };
        });
    },
};

/**
 * Bundled in front of every handler: stack traces mapped to the TypeScript sources on demand (no --enable-source-maps).
 * Handler code, so it lives with the handlers (functions/ never imports patterns/).
 */
const SOURCE_MAPPED_STACKS = path.join(FUNCTIONS_DIR, "shared", "source-mapped-stacks.ts");

/** Resolves the entry `handler-entry:<file>` to a module that installs SOURCE_MAPPED_STACKS first, then re-exports the handler. */
const handlerEntry: esbuild.Plugin = {
    name: "handler-entry",
    setup(build) {
        build.onResolve({ filter: /^handler-entry:/ }, (args) => ({ path: args.path.slice("handler-entry:".length), namespace: "handler-entry" }));
        build.onLoad({ filter: /.*/, namespace: "handler-entry" }, (args) => ({
            contents: `import ${JSON.stringify(SOURCE_MAPPED_STACKS)};\nexport * from ${JSON.stringify(args.path)};`,
            resolveDir: path.dirname(args.path),
            loader: "js",
        }));
    },
};

/**
 * The esbuild options of every handler bundle: minified, source maps without the sources, the functions' Node
 * major (runtime.ts), ES modules split at dynamic imports, so code a handler loads on demand (the SQS client of a
 * worker that only needs it for permanent failures, the SDK's credential providers other than the environment's)
 * is a file Lambda never reads at cold start.
 */
export function bundleOptions(entry: string, outdir: string): esbuild.BuildOptions & { write: false; metafile: true } {
    return {
        entryPoints: { index: `handler-entry:${entry}` },
        outdir,
        write: false,
        bundle: true,
        minify: true,
        sourcemap: true,
        // Relative source paths keep the maps, and so the archive, identical on every machine; without the sources
        // embedded a map is a third of the size (and ownSourcesMap keeps only the project's own sources).
        sourceRoot: "",
        sourcesContent: false,
        platform: "node",
        target: BUNDLE_TARGET,
        format: "esm",
        splitting: true,
        outExtension: { ".js": ".mjs" },
        // The SDK's and Powertools' ES module builds: smaller and quicker to start than their CommonJS builds.
        mainFields: ["module", "main"],
        plugins: [handlerEntry, lazyBuiltins],
        legalComments: "none",
        logLevel: "error",
        metafile: true,
    };
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function decodeVlq(segment: string): number[] {
    const values: number[] = [];
    let value = 0;
    let shift = 0;
    for (const char of segment) {
        const digit = BASE64.indexOf(char);
        value += (digit & 31) << shift;
        if (digit & 32) {
            shift += 5;
        } else {
            values.push(value & 1 ? -(value >>> 1) : value >>> 1);
            value = 0;
            shift = 0;
        }
    }
    return values;
}

function encodeVlq(values: number[]): string {
    let out = "";
    for (const v of values) {
        let rest = v < 0 ? (-v << 1) | 1 : v << 1;
        do {
            const digit = rest & 31;
            rest >>>= 5;
            out += BASE64[rest > 0 ? digit | 32 : digit];
        } while (rest > 0);
    }
    return out;
}

/**
 * A source map of the project's own sources only: node_modules segments become "no original position" (a
 * one-field segment, so a library frame keeps its bundle position instead of borrowing a neighbour's), and their
 * sources and names leave the map. Stack traces still point into the handlers' TypeScript; the archive carries a
 * few KB of maps instead of the libraries' (1.5 × their JavaScript), and the first stack formatted parses only those.
 */
export function ownSourcesMap<T extends { sources: string[]; names: string[]; mappings: string }>(map: T): T {
    // Not a library's, and not a plugin's virtual module ("lazy-builtin:0").
    const own = map.sources.map((s) => !/(^|[\\/])node_modules[\\/]/.test(s) && !/^[a-z-]+:/.test(s));
    const sources: string[] = [];
    const sourceIndex = new Map<number, number>();
    const names: string[] = [];
    const nameIndex = new Map<number, number>();
    const intern = (index: number, from: string[], to: string[], seen: Map<number, number>) => {
        if (!seen.has(index)) seen.set(index, to.push(from[index]) - 1);
        return seen.get(index)!;
    };
    // Absolute values while reading the input; the previous values written, for the output's deltas.
    let [src, srcLine, srcCol, name] = [0, 0, 0, 0];
    let [outSrc, outLine, outCol, outName] = [0, 0, 0, 0];
    const lines = map.mappings.split(";").map((line) => {
        let [genCol, outGenCol] = [0, 0];
        let lastWasOwn: boolean | undefined;
        const segments: string[] = [];
        for (const segment of line.split(",").filter(Boolean)) {
            const fields = decodeVlq(segment);
            genCol += fields[0];
            if (fields.length >= 4) {
                src += fields[1];
                srcLine += fields[2];
                srcCol += fields[3];
                if (fields.length >= 5) name += fields[4];
            }
            if (fields.length >= 4 && own[src]) {
                const s = intern(src, map.sources, sources, sourceIndex);
                const out = [genCol - outGenCol, s - outSrc, srcLine - outLine, srcCol - outCol];
                [outGenCol, outSrc, outLine, outCol] = [genCol, s, srcLine, srcCol];
                if (fields.length >= 5) {
                    const n = intern(name, map.names, names, nameIndex);
                    out.push(n - outName);
                    outName = n;
                }
                segments.push(encodeVlq(out));
                lastWasOwn = true;
            } else if (lastWasOwn !== false) {
                segments.push(encodeVlq([genCol - outGenCol])); // from here on, no original position
                outGenCol = genCol;
                lastWasOwn = false;
            }
        }
        return segments.join(",");
    });
    return { ...map, sources, names, mappings: lines.join(";") };
}

export interface Bundle {
    /** The folder Pulumi archives. */
    dir: string;
    /** Bytes of JavaScript Lambda reads at cold start: the entry and the chunks it imports statically. */
    coldStartBytes: number;
    /** Bytes of JavaScript in the bundle, chunks loaded on demand included. */
    totalBytes: number;
    /** The source files bundled (absolute paths), libraries' included. */
    sources: string[];
}

/** The entry's size plus every chunk reachable from it through static imports (dynamic ones load on demand). */
function coldStartBytes(metafile: esbuild.Metafile, entry: string): number {
    const seen = new Set<string>();
    const visit = (file: string): number => {
        if (seen.has(file)) return 0;
        seen.add(file);
        const out = metafile.outputs[file];
        return out.bytes + out.imports.filter((i) => i.kind === "import-statement" && !i.external).reduce((n, i) => n + visit(i.path), 0);
    };
    return visit(entry);
}

/** Writes `contents` to `file` unless it holds them already; a rename makes the write atomic for a concurrent reader. */
function writeIfChanged(file: string, contents: Uint8Array): void {
    try {
        if (Buffer.compare(fs.readFileSync(file), contents) === 0) return;
    } catch {
        // absent: written below
    }
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, contents);
    fs.renameSync(temp, file);
}

/**
 * What a bundle was built from, kept beside its folder (not in it: the folder is the archive): esbuild's version and
 * options and this module's code, the SHA-256 of every input esbuild read and every file written, and of the config
 * files that decide how esbuild reads the inputs.
 */
interface BuildRecord {
    key: string;
    inputs: Record<string, string>;
    /** Every tsconfig.json, jsconfig.json and package.json esbuild may read for the inputs: SHA-256, or null if absent. */
    configs: Record<string, string | null>;
    outputs: Record<string, string>;
    coldStartBytes: number;
    totalBytes: number;
}

const sha256 = (file: string) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
const sha256OrNull = (file: string) => (fs.existsSync(file) ? sha256(file) : null);

/** The files esbuild looks for in each folder of a source and every folder above it (absent ones count: adding one changes the build). */
const CONFIG_FILES = ["tsconfig.json", "jsconfig.json", "package.json"];

/** A tsconfig's `extends` targets that exist, resolved as TypeScript does (a path, or a package's file). */
function extendedConfigs(tsconfig: string): string[] {
    let extended: unknown;
    try {
        // tsconfig is JSON with comments and trailing commas; a file this cannot read extends nothing here.
        const text = fs.readFileSync(tsconfig, "utf8").replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_comment, str) => str ?? "").replace(/,(\s*[}\]])/g, "$1");
        extended = JSON.parse(text).extends;
    } catch {
        return [];
    }
    const dir = path.dirname(tsconfig);
    return (Array.isArray(extended) ? extended : [extended]).filter((e): e is string => typeof e === "string").flatMap((e) => {
        try {
            return [/^\.{0,2}[\\/]/.test(e) || path.isAbsolute(e) ? path.resolve(dir, /\.json$/.test(e) ? e : `${e}.json`) : require.resolve(e, { paths: [dir] })];
        } catch {
            return [];
        }
    });
}

/**
 * The config files esbuild may read for `sources`: tsconfig.json and jsconfig.json (compiler options, paths, JSX,
 * decorators) and package.json (type, exports, imports, main fields, sideEffects) in every folder from each source
 * up to the root, and the tsconfigs they extend. esbuild's metafile lists none of them, so the record names each.
 */
function configInputs(sources: string[]): Record<string, string | null> {
    const dirs = new Set<string>();
    for (const source of sources) {
        for (let dir = path.dirname(source); !dirs.has(dir); dir = path.dirname(dir)) {
            dirs.add(dir);
            if (path.dirname(dir) === dir) break;
        }
    }
    const configs: Record<string, string | null> = {};
    const add = (file: string) => {
        if (file in configs) return;
        configs[file] = sha256OrNull(file);
        if (configs[file] !== null && path.basename(file) !== "package.json") extendedConfigs(file).forEach(add);
    };
    for (const dir of [...dirs].sort()) for (const name of CONFIG_FILES) add(path.join(dir, name));
    return configs;
}
const recordFile = (dir: string) => `${dir}.build.json`;
// This module's own code is in the key too: it rewrites what esbuild writes (the source maps).
const buildKey = (entry: string, dir: string) => crypto.createHash("sha256").update(JSON.stringify({ esbuild: esbuild.version, options: bundleOptions(entry, dir), bundler: sha256(__filename) })).digest("hex");

/**
 * The bundle in `dir` if it is what esbuild would build now: same esbuild and options, every input, config and output
 * file byte for byte as recorded (a config file absent then is absent now), nothing else in the folder. Content, not
 * timestamps: npm gives every installed file the same mtime. Checking a handler's ~700 inputs and ~650 config paths
 * (the queue worker's) takes about 80 ms here; bundling takes a second of two cores.
 */
function reusableBundle(entry: string, dir: string): Bundle | undefined {
    try {
        const record: BuildRecord = JSON.parse(fs.readFileSync(recordFile(dir), "utf8"));
        if (record.key !== buildKey(entry, dir)) return undefined;
        if (fs.readdirSync(dir).sort().join("\n") !== Object.keys(record.outputs).map((f) => path.basename(f)).sort().join("\n")) return undefined;
        for (const [file, digest] of [...Object.entries(record.inputs), ...Object.entries(record.outputs)]) if (sha256(file) !== digest) return undefined;
        for (const [file, digest] of Object.entries(record.configs)) if (sha256OrNull(file) !== digest) return undefined;
        return { dir, coldStartBytes: record.coldStartBytes, totalBytes: record.totalBytes, sources: Object.keys(record.inputs) };
    } catch {
        return undefined; // no record, or a file it names is gone: build
    }
}

/**
 * Bundles `entry` with esbuild into `dir` (index.mjs, its chunks and their maps). esbuild output depends only on
 * the sources, so the same source gives the same archive hash and a second `pulumi up` shows no diff. Builds run
 * in esbuild's own process, so several bundle at once, and each file is replaced atomically, so processes
 * bundling the same entry side by side (parallel test workers) agree. `reuse`: return the bundle already in `dir`
 * when nothing it was built from changed (how every preview after the first starts in a fraction of the time).
 */
export async function bundleEntry(entry: string, dir: string, options: { reuse?: boolean } = {}): Promise<Bundle> {
    const reused = options.reuse ? reusableBundle(entry, dir) : undefined;
    if (reused) return reused;
    const result = await esbuild.build(bundleOptions(entry, dir));
    fs.mkdirSync(dir, { recursive: true });
    for (const file of result.outputFiles) {
        writeIfChanged(file.path, file.path.endsWith(".map") ? Buffer.from(JSON.stringify(ownSourcesMap(JSON.parse(file.text)))) : file.contents);
    }
    // Chunks are named by content hash: drop the ones an earlier source left behind, so the archive holds this build only.
    const current = new Set(result.outputFiles.map((f) => path.basename(f.path)));
    for (const file of fs.readdirSync(dir)) {
        if (!current.has(file) && !file.endsWith(".tmp")) fs.rmSync(path.join(dir, file), { force: true });
    }
    const outputs = Object.keys(result.metafile.outputs).filter((f) => f.endsWith(".mjs"));
    // Dynamically imported modules are entry points too: the handler's is the one written as index.mjs.
    const entryOutput = outputs.find((f) => path.basename(f) === HANDLER_FILE)!;
    // The metafile's file inputs are relative to the working directory esbuild ran in; a plugin's virtual modules
    // ("namespace:path") are this module's code, which the key covers.
    const files = Object.keys(result.metafile.inputs).filter((f) => !/^[a-z][\w-]*:/.test(f)).map((f) => path.resolve(f));
    const bundle = {
        dir,
        coldStartBytes: coldStartBytes(result.metafile, entryOutput),
        totalBytes: outputs.reduce((n, f) => n + result.metafile.outputs[f].bytes, 0),
        sources: files,
    };
    const record: BuildRecord = {
        key: buildKey(entry, dir),
        inputs: Object.fromEntries(files.map((f) => [f, sha256(f)])),
        configs: configInputs([entry, ...files]),
        outputs: Object.fromEntries(result.outputFiles.map((f) => [f.path, sha256(f.path)])),
        coldStartBytes: bundle.coldStartBytes,
        totalBytes: bundle.totalBytes,
    };
    writeIfChanged(recordFile(dir), Buffer.from(JSON.stringify(record)));
    return bundle;
}

/** Bundles `functions/<handler>/index.ts` into `.build/functions/<handler>` (`reuse`: see bundleEntry). */
export function bundleHandler(handler: string, options: { reuse?: boolean } = {}): Promise<Bundle> {
    const entry = path.join(FUNCTIONS_DIR, handler, "index.ts");
    if (!fs.existsSync(entry)) return Promise.reject(new Error(`No handler entry ${path.relative(process.cwd(), entry)} for "${handler}"`));
    return bundleEntry(entry, path.join(BUILD_DIR, handler), options);
}

const bundled = new Map<string, Promise<Bundle>>();

/** A handler's bundle, built once per process (sources do not change while a program runs), reused from an earlier run when current. */
export function bundledHandler(handler: string): Promise<Bundle> {
    let bundle = bundled.get(handler);
    if (!bundle) {
        bundle = bundleHandler(handler, { reuse: true });
        bundled.set(handler, bundle);
    }
    return bundle;
}

/** Handlers are the folders of functions/ that hold an index.ts (shared/ holds modules, not a handler). */
export function handlerNames(): string[] {
    return fs.readdirSync(FUNCTIONS_DIR)
        .filter((name) => fs.existsSync(path.join(FUNCTIONS_DIR, name, "index.ts")))
        .sort();
}

/**
 * Starts bundling every handler in esbuild's process while this one goes on (loading Pulumi, starting the policy
 * pack): the program's first run then finds its bundles done instead of waiting for them.
 */
export function prebundleHandlers(): void {
    for (const handler of handlerNames()) bundledHandler(handler).catch(() => undefined); // reported when the program asks for it
}

/**
 * The deployable archive of a handler. An output, so the program goes on registering resources while esbuild
 * works; Lambda runs `index.handler`.
 */
export function handlerArchive(handler: string): pulumi.Output<pulumi.asset.FileArchive> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { asset, output }: typeof pulumi = require("@pulumi/pulumi");
    return output(bundledHandler(handler)).apply((b) => new asset.FileArchive(b.dir));
}
