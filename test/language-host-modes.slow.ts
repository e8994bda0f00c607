// `npm run test:langhost` (after npm test in .ci/run: about a minute, most of it ts-node type-checking): the program
// through Pulumi's language host in every mode a user can pick, `pulumi up` as well as `pulumi preview`, and the
// policy pack as `pulumi preview --policy-pack policy` starts it — from the repository, and copied elsewhere with only
// the dependencies its package.json declares.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, parseLabConfig, PROJECT } from "../patterns/config";
import { RUNTIMES_CHECKED } from "../policy/runtimes";
import { PolicyAnalyzer, POLICY_PACK_DIR } from "../scripts/policy-analyzer";
import { analyzeRun } from "../scripts/preview-policy";
import { RecordedResource, runProgram } from "./harness";
import {
    explainRun, harnessRegistrations, HostRun, HostRunOptions, hostRegistrations, policyPackEnvironment, ROOT, runThroughLanguageHost, stackConfig,
    stackUrnOf, STACK_TYPE,
} from "./language-host";

const ALL = { queueWorker: true, fanOut: true, eventRouting: true, idempotentConsumer: true };
const BAD = { queueWorker: true, queueWorkerSettings: { batchSize: 20_000 } };
/** runtime-not-near-deprecation judges on the date its table was read (as test/policy.test.ts does). */
const PINNED = { "runtime-not-near-deprecation": { today: RUNTIMES_CHECKED } };

/** The modes: what Pulumi.yaml configures, and what a user gets by setting `typescript: true` (Pulumi's default) instead. */
const MODES: [string, HostRunOptions][] = [
    ["as Pulumi.yaml configures it", {}],
    ["as configured, with PULUMI_NODEJS_TRANSPILE_ONLY=true in the environment (it changes nothing without ts-node)", { env: { PULUMI_NODEJS_TRANSPILE_ONLY: "true" } }],
    ["through ts-node, type-checking (typescript: true, no nodeargs: Pulumi's default)", { runtimeOptions: { typescript: true } }],
    ["through ts-node, transpile-only (typescript: true, PULUMI_NODEJS_TRANSPILE_ONLY=true)", { runtimeOptions: { typescript: true }, env: { PULUMI_NODEJS_TRANSPILE_ONLY: "true" } }],
];

function configError(config: Record<string, unknown>): string {
    try {
        parseLabConfig(stackConfig(config), PROJECT);
    } catch (e) {
        if (e instanceof ConfigError) return e.message;
        throw e;
    }
    throw new Error("the config was accepted");
}

/** Registrations by URN → source position, for comparing modes. */
const positions = (run: HostRun) => Object.fromEntries(run.registrations.map((r) => [r.urn, r.sourcePosition]));

let configuredPreview: HostRun;

describe("the program through Pulumi's language host, in every mode a user can pick", function () {
    this.timeout(180_000);

    for (const [i, [mode, options]] of MODES.entries()) {
        describe(mode, () => {
            let preview: HostRun;
            before(async () => {
                preview = await runThroughLanguageHost({ ...options, config: ALL, preview: true });
                if (i === 0) configuredPreview = preview;
            });

            it("`pulumi preview` of all four patterns registers what the mock harness registers, at the same source positions as the configured mode", async () => {
                assert.equal(preview.exitCode, 0, explainRun(preview));
                const mock = await runProgram(ALL, { preview: true });
                assert.deepEqual(hostRegistrations(preview), harnessRegistrations(mock.resources, stackUrnOf(preview)));
                assert.deepEqual(positions(preview), positions(configuredPreview));
            });

            it("a config value AWS would refuse reaches the engine as its one error line; exit 32, nothing registered but the stack", async () => {
                const bad = await runThroughLanguageHost({ ...options, config: BAD, preview: true });
                assert.deepEqual(bad.logs.filter((l) => l.severity === "error").map((l) => l.message), [configError(BAD)], explainRun(bad));
                assert.equal(bad.exitCode, 32, explainRun(bad));
                assert.deepEqual(bad.registrations.map((r) => r.type), [STACK_TYPE]);
            });
        });
    }

    it("`pulumi up` (every id and ARN known) registers what the mock harness registers, and exports the same stack outputs", async () => {
        const up = await runThroughLanguageHost({ config: ALL, preview: false });
        assert.equal(up.exitCode, 0, explainRun(up));
        const mock = await runProgram(ALL, { preview: false });
        assert.deepEqual(hostRegistrations(up), harnessRegistrations(mock.resources, stackUrnOf(up)));
        assert.deepEqual(up.stackOutputs, JSON.parse(JSON.stringify(mock.outputs)));
    });

    it("`pulumi up` of one pattern exports that pattern's outputs only, the names the README reads, with no warning logged", async () => {
        const one = { queueWorker: true };
        const up = await runThroughLanguageHost({ config: one, preview: false });
        assert.equal(up.exitCode, 0, explainRun(up));
        // Pulumi warns "Undefined value (fanOut) will not show as a stack output" for every output left undefined.
        assert.deepEqual(up.logs.filter((l) => l.severity === "warning" || l.severity === "error"), [], explainRun(up));
        assert.deepEqual(Object.keys(up.stackOutputs ?? {}).sort(), ["alarmTopicArn", "dashboardName", "queueWorker"]);
        assert.deepEqual(Object.keys(up.stackOutputs!.queueWorker as object).sort(), ["deadLetterQueueArn", "deadLetterQueueUrl", "functionName", "queueArn", "queueUrl"]);
        assert.deepEqual(up.stackOutputs, JSON.parse(JSON.stringify((await runProgram(one, { preview: false })).outputs)));
    });
});

/** The packages `npm install` would put in a copy's node_modules for `dependencies`: every package they need, by name. */
function dependencyClosure(dependencies: Record<string, string>, modules = path.join(ROOT, "node_modules")): string[] {
    const top = new Set<string>();
    const seen = new Set<string>();
    const visit = (dir: string, needs: string[]) => {
        for (const name of needs) {
            // Node's lookup from the requiring package's own folder upwards: nested copies first, then the root's.
            let found: string | undefined;
            for (let at = dir; at.startsWith(modules); at = path.dirname(at)) {
                const candidate = path.join(at, "node_modules", name);
                if (fs.existsSync(path.join(candidate, "package.json"))) { found = candidate; break; }
            }
            found ??= fs.existsSync(path.join(modules, name, "package.json")) ? path.join(modules, name) : undefined;
            if (!found || seen.has(found)) continue; // an optional dependency not installed here, or done
            seen.add(found);
            if (found === path.join(modules, name)) top.add(name);
            const pkg = JSON.parse(fs.readFileSync(path.join(found, "package.json"), "utf8"));
            const optionalPeers = new Set(Object.keys(pkg.peerDependenciesMeta ?? {}).filter((p) => pkg.peerDependenciesMeta[p].optional));
            visit(found, [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {}).filter((p) => !optionalPeers.has(p))]);
        }
    };
    visit(path.join(modules, ".root"), Object.keys(dependencies));
    return [...top].sort();
}

describe("the policy pack as `pulumi preview --policy-pack <folder>` runs it", function () {
    this.timeout(180_000);
    const declared: Record<string, string> = JSON.parse(fs.readFileSync(path.join(POLICY_PACK_DIR, "package.json"), "utf8")).dependencies;

    it("declares the dependencies it runs on, at the versions the repository installs", () => {
        assert.deepEqual(Object.keys(declared).sort(), ["@pulumi/policy", "@pulumi/pulumi", "@types/node", "ts-node", "typescript"]);
        for (const [name, range] of Object.entries(declared)) {
            const installed = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8"));
            assert.equal(range.replace(/^npm:.*@/, ""), installed.version.replace(/^v/, ""), name);
        }
    });

    let fromRepository: PolicyAnalyzer | undefined;
    let copied: PolicyAnalyzer | undefined;
    let copy: string | undefined;
    after(() => {
        fromRepository?.stop();
        copied?.stop();
        if (copy) fs.rmSync(copy, { recursive: true, force: true });
    });

    /** What the engine sends the pack for a run: every resource the program registered, the root stack included. */
    const sent = (run: HostRun): RecordedResource[] => run.registrations;

    it("from the repository (resolving from the root's node_modules): every resource of all four patterns passes; a broken variant fails", async () => {
        fromRepository = await PolicyAnalyzer.startConfigured(PINNED, POLICY_PACK_DIR, { env: policyPackEnvironment(ALL, true) });
        const run = configuredPreview ?? await runThroughLanguageHost({ config: ALL, preview: true });
        assert.deepEqual(await analyzeRun(fromRepository, sent(run)), []);
        const withoutAlarm = sent(run).filter((r) => r.name !== "queue-worker-dlq-depth");
        assert.deepEqual([...new Set((await analyzeRun(fromRepository, withoutAlarm)).map((d) => `${d.policyName}:${d.enforcementLevel}`))], ["dlq-has-depth-alarm:mandatory"]);
    });

    it("copied out of the repository with only its declared dependencies (linked from this node_modules, resolved as installed there): the same policies and verdicts", async () => {
        copy = fs.mkdtempSync(path.join(os.tmpdir(), "policy-pack-"));
        for (const file of fs.readdirSync(POLICY_PACK_DIR)) fs.copyFileSync(path.join(POLICY_PACK_DIR, file), path.join(copy, file));
        const closure = dependencyClosure(declared);
        for (const name of closure) {
            fs.mkdirSync(path.dirname(path.join(copy, "node_modules", name)), { recursive: true });
            fs.symlinkSync(path.join(ROOT, "node_modules", name), path.join(copy, "node_modules", name), "dir");
        }
        assert.ok(closure.includes("typescript") && closure.includes("ts-node") && !closure.includes("@pulumi/aws"), closure.join(", "));
        copied = await PolicyAnalyzer.startConfigured(PINNED, copy, { env: policyPackEnvironment(ALL, true), preserveSymlinks: true });
        fromRepository ??= await PolicyAnalyzer.startConfigured(PINNED, POLICY_PACK_DIR);
        assert.deepEqual(await copied.info(), await fromRepository.info());
        const run = configuredPreview ?? await runThroughLanguageHost({ config: ALL, preview: true });
        const withoutAlarm = sent(run).filter((r) => r.name !== "queue-worker-dlq-depth");
        assert.deepEqual(await analyzeRun(copied, withoutAlarm), await analyzeRun(fromRepository, withoutAlarm));
    });
});
