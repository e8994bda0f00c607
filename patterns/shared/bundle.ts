import * as crypto from "crypto";
import * as esbuild from "esbuild";
import * as fs from "fs";
import * as path from "path";
// Pulumi only for the archive: the build command and the bench bundle without loading it.
import type * as pulumi from "@pulumi/pulumi";

/** Where handler sources live and where their bundles go (one folder per handler: index.mjs, its chunks and their maps). */
export const FUNCTIONS_DIR = path.resolve(__dirname, "../../functions");
export const BUILD_DIR = path.resolve(__dirname, "../../.build/functions");

/** The file Lambda loads: `index.handler` resolves to index.mjs, an ES module. */
export const HANDLER_FILE = "index.mjs";

/**
 * The esbuild options of every handler bundle: minified, source maps without the sources, Node 22, ES modules
 * split at dynamic imports, so code a handler loads on demand (the SQS client of a worker that only needs it for
 * permanent failures, the SDK's credential providers other than the environment's) is a file Lambda never reads
 * at cold start.
 */
export function bundleOptions(entry: string, outdir: string): esbuild.BuildOptions & { write: false; metafile: true } {
    return {
        entryPoints: { index: entry },
        outdir,
        write: false,
        bundle: true,
        minify: true,
        sourcemap: true,
        // Relative source paths keep the maps, and so the archive, identical on every machine; without the sources
        // embedded a map is a third of the size, which Node parses at cold start under --enable-source-maps.
        sourceRoot: "",
        sourcesContent: false,
        platform: "node",
        target: "node22",
        format: "esm",
        splitting: true,
        outExtension: { ".js": ".mjs" },
        // The SDK's and Powertools' ES module builds: smaller and quicker to start than their CommonJS builds.
        mainFields: ["module", "main"],
        legalComments: "none",
        logLevel: "error",
        metafile: true,
    };
}

export interface Bundle {
    /** The folder Pulumi archives. */
    dir: string;
    /** Bytes of JavaScript Lambda reads at cold start: the entry and the chunks it imports statically. */
    coldStartBytes: number;
    /** Bytes of JavaScript in the bundle, chunks loaded on demand included. */
    totalBytes: number;
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
 * options, and the SHA-256 of every input esbuild read and every file it wrote.
 */
interface BuildRecord {
    key: string;
    inputs: Record<string, string>;
    outputs: Record<string, string>;
    coldStartBytes: number;
    totalBytes: number;
}

const sha256 = (file: string) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
const recordFile = (dir: string) => `${dir}.build.json`;
const buildKey = (entry: string, dir: string) => crypto.createHash("sha256").update(JSON.stringify({ esbuild: esbuild.version, options: bundleOptions(entry, dir) })).digest("hex");

/**
 * The bundle in `dir` if it is what esbuild would build now: same esbuild and options, every input and output file
 * byte for byte as recorded, nothing else in the folder. Content, not timestamps: npm gives every installed file
 * the same mtime. Hashing a handler's ~850 inputs takes milliseconds; bundling takes a second of two cores.
 */
function reusableBundle(entry: string, dir: string): Bundle | undefined {
    try {
        const record: BuildRecord = JSON.parse(fs.readFileSync(recordFile(dir), "utf8"));
        if (record.key !== buildKey(entry, dir)) return undefined;
        if (fs.readdirSync(dir).sort().join("\n") !== Object.keys(record.outputs).map((f) => path.basename(f)).sort().join("\n")) return undefined;
        for (const [file, digest] of [...Object.entries(record.inputs), ...Object.entries(record.outputs)]) if (sha256(file) !== digest) return undefined;
        return { dir, coldStartBytes: record.coldStartBytes, totalBytes: record.totalBytes };
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
    for (const file of result.outputFiles) writeIfChanged(file.path, file.contents);
    // Chunks are named by content hash: drop the ones an earlier source left behind, so the archive holds this build only.
    const current = new Set(result.outputFiles.map((f) => path.basename(f.path)));
    for (const file of fs.readdirSync(dir)) {
        if (!current.has(file) && !file.endsWith(".tmp")) fs.rmSync(path.join(dir, file), { force: true });
    }
    const outputs = Object.keys(result.metafile.outputs).filter((f) => f.endsWith(".mjs"));
    // Dynamically imported modules are entry points too: the handler's is the one written as index.mjs.
    const entryOutput = outputs.find((f) => path.basename(f) === HANDLER_FILE)!;
    const bundle = {
        dir,
        coldStartBytes: coldStartBytes(result.metafile, entryOutput),
        totalBytes: outputs.reduce((n, f) => n + result.metafile.outputs[f].bytes, 0),
    };
    // The metafile's input paths are relative to the working directory esbuild ran in.
    const record: BuildRecord = {
        key: buildKey(entry, dir),
        inputs: Object.fromEntries(Object.keys(result.metafile.inputs).map((f) => [path.resolve(f), sha256(path.resolve(f))])),
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
