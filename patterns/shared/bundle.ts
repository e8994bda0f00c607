import * as esbuild from "esbuild";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** Where handler sources live and where their bundles go (one folder per handler, holding index.js and its map). */
export const FUNCTIONS_DIR = path.resolve(__dirname, "../../functions");
export const BUILD_DIR = path.resolve(__dirname, "../../.build/functions");

/**
 * Bundles `functions/<handler>/index.ts` with esbuild (minified, source maps, Node 22) into `.build/functions/<handler>`.
 * esbuild output depends only on the sources, so the same source gives the same archive hash and a second
 * `pulumi up` shows no diff. Returns the folder.
 */
export function bundleHandler(handler: string): string {
    const entry = path.join(FUNCTIONS_DIR, handler, "index.ts");
    if (!fs.existsSync(entry)) throw new Error(`No handler entry ${path.relative(process.cwd(), entry)} for "${handler}"`);
    const outdir = path.join(BUILD_DIR, handler);
    fs.rmSync(outdir, { recursive: true, force: true });
    esbuild.buildSync({
        entryPoints: [entry],
        outfile: path.join(outdir, "index.js"),
        bundle: true,
        minify: true,
        sourcemap: true,
        // Relative source paths keep the map, and so the archive, identical on every machine.
        sourceRoot: "",
        platform: "node",
        target: "node22",
        format: "cjs",
        legalComments: "none",
        logLevel: "error",
    });
    return outdir;
}

const bundled = new Map<string, string>();

/** The deployable archive of a handler (bundled once per program run); Lambda runs `index.handler`. */
export function handlerArchive(handler: string): pulumi.asset.FileArchive {
    let dir = bundled.get(handler);
    if (!dir) {
        dir = bundleHandler(handler);
        bundled.set(handler, dir);
    }
    return new pulumi.asset.FileArchive(dir);
}
