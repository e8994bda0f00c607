// The program's TypeScript loader under Pulumi's language host. Pulumi.yaml sets `typescript: false` (the host
// registers no ts-node) and loads this file with `nodeargs: --require ./scripts/register-typescript.js`; the
// language host starts node in the project folder, so the path is relative to it.
//
// - esbuild (the program's bundler already) strips the types of each .ts file as it is required, with this
//   project's tsconfig.json; type checking stays with `npm test` (tsc --noEmit), as under PULUMI_NODEJS_TRANSPILE_ONLY.
// - The maps go to source-map-support, which @pulumi/pulumi/cmd/run installs: stack frames and the source positions
//   Pulumi records for every resource point at the .ts lines, as under ts-node.
// - Pulumi stamps every promise it makes with `new Error().stack` (debuggablePromise, for the leak report that
//   PULUMI_DEBUG_PROMISE_LEAKS asks for), each frame mapped through source-map-support: most of a start's CPU. Those
//   stamps format as nothing unless asked for; every other stack (the program's own errors, the source positions
//   Pulumi records for resources) is mapped to the .ts lines as before.
// - Node ≥ 22.1 keeps compiled code in its on-disk compile cache (module.enableCompileCache).
"use strict";
const fs = require("fs");
const Module = require("module");
const path = require("path");
const esbuild = require("esbuild");

// The copy cmd/run installs (resolved from @pulumi/pulumi), so the handler below lands in its list.
const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const sourceMapSupport = require(require.resolve("source-map-support", { paths: [pulumiDir] }));

const tsconfig = fs.readFileSync(path.join(__dirname, "..", "tsconfig.json"), "utf8");
const target = `node${process.versions.node.split(".")[0]}`;
/** Source maps of the files transpiled in this process, by file name. */
const maps = new Map();

sourceMapSupport.install({
    environment: "node",
    retrieveSourceMap: (file) => (maps.has(file) ? { url: file, map: maps.get(file) } : null),
});
if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS) {
    // Installed once: cmd/run's own install (source-map-support/register) finds a formatter installed and keeps this one.
    const mapStack = Error.prepareStackTrace;
    Error.prepareStackTrace = (error, frames) => (frames[0]?.getFunctionName() === "debuggablePromise" ? "" : mapStack(error, frames));
}

require.extensions[".ts"] = function compileTypeScript(module, filename) {
    const { code, map } = esbuild.transformSync(fs.readFileSync(filename, "utf8"), {
        loader: "ts", format: "cjs", target, sourcefile: filename, sourcemap: "external", sourcesContent: false, tsconfigRaw: tsconfig,
    });
    maps.set(filename, map);
    module._compile(code, filename);
};

if (typeof Module.enableCompileCache === "function") Module.enableCompileCache();
