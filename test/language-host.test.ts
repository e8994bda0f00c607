// The program as `pulumi preview` and `pulumi up` run it, in the mode Pulumi.yaml configures: started through
// @pulumi/pulumi/cmd/run by the language host's command line and environment, against an in-process engine and
// resource monitor over Pulumi's gRPC protocol. It must register what the mock harness registers, and a bad config
// value must reach the engine as one error line. The other modes a user can pick (ts-node type-checking, ts-node
// transpile-only) start in 3–8 s: they run in `npm run test:langhost` (language-host-modes.slow.ts), after npm test.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fileURLToPath } from "url";
import { ConfigError, parseLabConfig, PROJECT } from "../patterns/config";
import { runProgram } from "./harness";
import { configuredRuntimeOptions, explainRun as explain, harnessRegistrations, hostRegistrations, ROOT, runThroughLanguageHost, stackConfig, stackUrnOf as stackUrn, STACK_TYPE } from "./language-host";

const ALL = { queueWorker: true, fanOut: true, eventRouting: true, idempotentConsumer: true };
/** A value the CLI's schema check lets through (the settings objects are not declared) and the program refuses. */
const BAD = { queueWorker: true, queueWorkerSettings: { batchSize: 20_000 } };

// Each run spawns a program (1–3 s of CPU): started while mocha loads the files, one after the other so they do not
// compete with each other, and awaited by the tests. `pulumi up` (every id known) runs in the slower suite.
const runs = (() => {
    const preview = runThroughLanguageHost({ config: ALL, preview: true });
    const bad = preview.then(() => runThroughLanguageHost({ config: BAD, preview: true }));
    const throwing = bad.then(() => runThroughLanguageHost({ root: throwingProgram(), preview: true }));
    for (const run of [preview, bad, throwing]) run.catch(() => undefined); // reported by the tests that await them
    return { preview, bad, throwing };
})();

/**
 * A program that throws an Error from a .ts module it imports, loaded by the project's loader (Pulumi.yaml's nodeargs
 * with the file's absolute path): types, comments and blank lines before the throw, so unmapped positions would differ.
 */
function throwingProgram(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "throwing-program-"));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(root, "node_modules"));
    fs.writeFileSync(path.join(root, "Pulumi.yaml"), `name: throwing-program\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n    nodeargs: --require ${path.join(ROOT, "scripts", "register-typescript.js")}\n`);
    fs.writeFileSync(path.join(root, "lib.ts"), [
        "// comments and types the loader strips",
        "export interface Settings {",
        "    batchSize: number;",
        "",
        "    name?: string;",
        "}",
        "",
        "export function refuse(settings: Settings): never {",
        "    const limit: number = 10;",
        "    throw new Error(`batchSize ${settings.batchSize} is over ${limit}`); // line 10, column 11",
        "}",
        "",
    ].join("\n"));
    fs.writeFileSync(path.join(root, "index.ts"), [
        'import { refuse, Settings } from "./lib";',
        "",
        "type Maybe<T> = T | undefined;",
        "const given: Maybe<Settings> = { batchSize: 20 };",
        "refuse(given!); // line 5, column 1",
        "",
    ].join("\n"));
    return root;
}

describe("the program through Pulumi's language host, as Pulumi.yaml configures it", function () {
    it("is configured to load without ts-node, through the project's esbuild loader", () => {
        assert.deepEqual(configuredRuntimeOptions(), { typescript: false, nodeargs: "--require ./scripts/register-typescript.js", packagemanager: "npm" });
    });

    it("pulumi preview of all four patterns registers what the mock harness registers: types, names, parents, dependencies, inputs", async () => {
        const host = await runs.preview;
        assert.equal(host.exitCode, 0, explain(host));
        assert.deepEqual(host.logs.filter((l) => l.severity === "error"), []);
        const mock = await runProgram(ALL, { preview: true });
        const expected = harnessRegistrations(mock.resources, stackUrn(host));
        assert.ok(expected.length > 200, `${expected.length} resources`);
        assert.deepEqual(hostRegistrations(host), expected);
    });

    it("records each resource's source position at the program's own `new` in its .ts file (the maps reach source-map-support)", async () => {
        const host = await runs.preview;
        const own = host.registrations.filter((r) => r.sourcePosition.startsWith(`file://${ROOT}/`) && !r.sourcePosition.includes("/node_modules/"));
        assert.ok(own.length > 200, `${own.length} of ${host.registrations.length} positioned in the program`);
        for (const r of own) {
            const [, file, line, column] = /^(file:.*):(\d+):(\d+)$/.exec(r.sourcePosition)!;
            assert.match(file, /\.ts$/, r.name);
            const text = fs.readFileSync(fileURLToPath(file), "utf8").split("\n")[Number(line) - 1];
            assert.match(text.slice(Number(column) - 1), /^new \w/, `${r.type} ${r.name} at ${r.sourcePosition}: ${text.trim()}`);
        }
    });

    it("a config value AWS would refuse reaches the engine as one error line, with nothing registered but the stack, and a non-zero exit", async () => {
        const host = await runs.bad;
        let expected = "";
        try {
            parseLabConfig(stackConfig(BAD), PROJECT);
        } catch (e) {
            assert.ok(e instanceof ConfigError);
            expected = e.message;
        }
        assert.match(expected, /queueWorkerSettings\.batchSize = 20000: allowed/);
        assert.deepEqual(host.logs.filter((l) => l.severity === "error").map((l) => l.message), [expected], explain(host));
        assert.doesNotMatch(expected, /\n/);
        // 32: the SDK has shown the user an actionable message, so the language host adds none (cmd/run/index.ts).
        assert.equal(host.exitCode, 32, explain(host));
        assert.deepEqual(host.registrations.map((r) => r.type), [STACK_TYPE]);
        assert.doesNotMatch(host.stderr, /\bat .*\.ts:\d+/, "no stack trace");
    });

    it("an Error the program throws reaches the engine with its stack at the .ts lines and columns it was thrown from", async () => {
        const host = await runs.throwing;
        fs.rmSync(host.argv[host.argv.indexOf("--pwd") + 1], { recursive: true, force: true });
        assert.notEqual(host.exitCode, 0, explain(host));
        const errors = host.logs.filter((l) => l.severity === "error").map((l) => l.message.replace(/\x1b\[[0-9;]*m/g, ""));
        assert.equal(errors.length, 1, explain(host));
        assert.match(errors[0], /Error: batchSize 20 is over 10\n/);
        const frames = errors[0].split("\n").filter((l) => /^\s+at /.test(l));
        assert.match(frames[0], /^\s+at refuse \(.*[\\/]throwing-program-\w+[\\/]lib\.ts:10:11\)$/, errors[0]);
        assert.match(frames[1], /[\\/]throwing-program-\w+[\\/]index\.ts:5:1\)?$/, errors[0]);
    });
});
