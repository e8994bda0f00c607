// The handler bundles as Lambda runs them: on this process's Node (CI runs the suite again on the runtime's major),
// with the functions' NODE_OPTIONS, in a child process so the bundle's stack-trace hook stays out of mocha.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as esbuild from "esbuild";
import * as os from "os";
import * as path from "path";
import { SourceMap } from "module";
import { bundledHandler, bundleOptions, FUNCTIONS_DIR, HANDLER_FILE, handlerNames, ownSourcesMap } from "../patterns/shared/bundle";
import { FUNCTION_NODE_OPTIONS } from "../patterns/shared/runtime";

/** Runs an ES module script in a fresh node with the functions' NODE_OPTIONS; its output lines (Powertools logs errors to stderr). */
function runAsDeployed(script: string): string[] {
    const nodeOptions = FUNCTION_NODE_OPTIONS.split(/\s+/).filter(Boolean);
    const result = spawnSync(process.execPath, [...nodeOptions, "--input-type=module", "-e", script], {
        encoding: "utf8", env: { PATH: process.env.PATH, AWS_REGION: "us-east-1", POWERTOOLS_METRICS_DISABLED: "true" },
    });
    assert.equal(result.status, 0, result.stderr);
    return `${result.stdout}\n${result.stderr}`.split("\n").filter((l) => l.startsWith("{"));
}

describe("handler bundles as deployed", () => {
    it("every handler is built from functions/ and libraries only: nothing of patterns/ (the infrastructure) and no Pulumi", async () => {
        const root = path.resolve(FUNCTIONS_DIR, "..");
        for (const handler of handlerNames()) {
            const { sources } = await bundledHandler(handler);
            const own = sources.filter((f) => !f.includes(`${path.sep}node_modules${path.sep}`)).map((f) => path.relative(root, f));
            assert.ok(own.includes(path.join("functions", "shared", "source-mapped-stacks.ts")), `${handler}: ${own.join(", ")}`);
            assert.deepEqual(own.filter((f) => !f.startsWith(`functions${path.sep}`)), [], handler);
            assert.deepEqual(sources.filter((f) => /[\\/]node_modules[\\/]@pulumi[\\/]/.test(f)), [], handler);
        }
    });

    it("stack traces in the logs point into the TypeScript sources, though no NODE_OPTIONS enables source maps", async () => {
        const { dir } = await bundledHandler("event-consumer");
        const lines = runAsDeployed(`
            const { handler } = await import(${JSON.stringify(path.join(dir, HANDLER_FILE))});
            const event = { id: "e-1", source: "lab.orders", "detail-type": "OrderPlaced", detail: { orderId: "o-1", amount: 5, simulate: "crash" } };
            const context = { functionName: "f", awsRequestId: "r", invokedFunctionArn: "arn", memoryLimitInMB: "256", functionVersion: "1" };
            await handler(event, context).catch((e) => console.log(JSON.stringify({ thrown: e.stack })));
            console.log(JSON.stringify({ crypto: process.moduleLoadList.includes("NativeModule crypto") }));
        `);
        const logged = lines.map((l) => JSON.parse(l));
        const failed = logged.find((l) => l.message === "event failed");
        assert.match(failed.error.location, /functions\/shared\/order\.ts:\d+$/);
        const frames = logged.find((l) => l.thrown).thrown.split("\n").slice(1, 3);
        assert.match(frames[0], /\(.*functions\/shared\/order\.ts:\d+:\d+\)$/);
        assert.match(frames[1], /functions\/event-consumer\/index\.ts:\d+:\d+\)?$/);
        assert.deepEqual(logged.find((l) => "crypto" in l), { crypto: false }, "a consumer's cold start and a failed event load no node:crypto");
    });

    it("a lazily loaded built-in still works when its path runs: a direct invoke without a correlation ID gets a UUID", async () => {
        const { dir } = await bundledHandler("event-producer");
        const lines = runAsDeployed(`
            process.env.EVENT_BUS_NAME = "bus";
            const { handler } = await import(${JSON.stringify(path.join(dir, HANDLER_FILE))});
            await handler({}, { functionName: "f", awsRequestId: "r" }).catch(() => undefined); // {} is no order: refused before any call
        `);
        const failed = lines.map((l) => JSON.parse(l)).find((l) => l.message === "producing events failed");
        assert.match(failed.correlation_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    it("the shipped source maps map every position of the project's own code as esbuild's do, and no library position to a source", async () => {
        // The consumer without an SDK client: Powertools and the project's code, the mix every handler has.
        const result = await esbuild.build(bundleOptions(path.join(FUNCTIONS_DIR, "event-consumer", "index.ts"), path.join(os.tmpdir(), "maps")));
        let [own, library] = [0, 0];
        for (const file of result.outputFiles.filter((f) => f.path.endsWith(".map"))) {
            const full = JSON.parse(file.text);
            const [before, after] = [new SourceMap(full), new SourceMap(ownSourcesMap(full))];
            let source = 0;
            full.mappings.split(";").forEach((line: string, row: number) => {
                let column = 0;
                for (const segment of line.split(",").filter(Boolean)) {
                    const fields = decodeVlq(segment);
                    column += fields[0];
                    if (fields.length >= 4) source += fields[1];
                    const isOwn = fields.length >= 4 && !/node_modules|^[a-z-]+:/.test(full.sources[source]);
                    if (!isOwn && library++ % 25 !== 0) continue; // every own position; a sample of the libraries' (they are 98 %)
                    const [a, b] = [before.findEntry(row, column), after.findEntry(row, column)] as { originalSource?: string; originalLine?: number; originalColumn?: number }[];
                    if (isOwn) {
                        own++;
                        assert.deepEqual([b.originalSource, b.originalLine, b.originalColumn], [a.originalSource, a.originalLine, a.originalColumn], `${file.path} ${row}:${column}`);
                    } else {
                        assert.equal(b.originalSource, undefined, `${file.path} ${row}:${column} maps to ${b.originalSource}`);
                    }
                }
            });
        }
        assert.ok(own > 50 && library > 1000, `${own} positions of own code, ${library} of libraries`);
    });
});

/** The values of a base64 VLQ segment (source map v3). */
function decodeVlq(segment: string): number[] {
    const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const values: number[] = [];
    let [value, shift] = [0, 0];
    for (const char of segment) {
        const digit = digits.indexOf(char);
        value += (digit & 31) << shift;
        if (digit & 32) {
            shift += 5;
            continue;
        }
        values.push(value & 1 ? -(value >>> 1) : value >>> 1);
        [value, shift] = [0, 0];
    }
    return values;
}
