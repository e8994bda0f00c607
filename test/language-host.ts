// `pulumi preview` / `pulumi up` without the CLI: an in-process Pulumi engine and resource monitor speaking Pulumi's
// gRPC protocol (the services and messages generated in @pulumi/pulumi/proto), and the program started the way the
// CLI's nodejs language host (pulumi-language-nodejs) starts it — `node [nodeargs] @pulumi/pulumi/cmd/run --monitor …
// --engine … --project … --stack … --pwd … [--dry-run] .`, stack config in PULUMI_CONFIG, Pulumi.yaml's runtime
// options as the environment the host derives from them. The monitor answers as the mock harness's mocks do
// (test/harness.ts), so what the program registers here can be compared with what it registers under mocks.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../patterns/config";
import { RecordedResource, RecordingMocks, STACK } from "./harness";

// The gRPC runtime and generated code @pulumi/pulumi itself uses, so the message classes are the program's.
const PULUMI = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const fromPulumi = (id: string) => require(require.resolve(id, { paths: [PULUMI] }));
const grpc: typeof import("@grpc/grpc-js") = fromPulumi("@grpc/grpc-js");
/* eslint-disable @typescript-eslint/no-var-requires */
const resourceGrpc = require("@pulumi/pulumi/proto/resource_grpc_pb");
const resourcePb = require("@pulumi/pulumi/proto/resource_pb");
const engineGrpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
const enginePb = require("@pulumi/pulumi/proto/engine_pb");
const providerPb = require("@pulumi/pulumi/proto/provider_pb");
/* eslint-enable @typescript-eslint/no-var-requires */
const { Struct } = fromPulumi("google-protobuf/google/protobuf/struct_pb");
const { Empty } = fromPulumi("google-protobuf/google/protobuf/empty_pb");

export const ROOT = path.resolve(__dirname, "..");
export const ORGANIZATION = "organization"; // what a self-managed backend reports
/** The root resource every program registers first (@pulumi/pulumi runtime/stack.ts). */
export const STACK_TYPE = "pulumi:pulumi:Stack";

export type Severity = "debug" | "info" | "warning" | "error";
const SEVERITIES: Severity[] = ["debug", "info", "warning", "error"]; // pulumirpc.LogSeverity's order

/**
 * One RegisterResource request as the monitor received it, in the harness's RecordedResource shape (so the policy
 * pack's offline preview takes it as it is), with what only a real run has.
 */
export interface Registration extends RecordedResource {
    /** Where the program constructed it (file URI:line:column), as the SDK reports it from the call stack. */
    sourcePosition: string;
    /** Milliseconds after the program was started. */
    at: number;
}

export interface EngineLog { severity: Severity; message: string; urn: string }

/** Pulumi.yaml's `runtime.options` for nodejs (pulumi-language-nodejs parseOptions). */
export interface NodejsRuntimeOptions {
    typescript?: boolean;
    nodeargs?: string;
    tsconfig?: string;
}

export interface HostRun {
    /** The language host process's exit code (0, 1, or 32: "already told the user"). */
    exitCode: number | null;
    registrations: Registration[];
    logs: EngineLog[];
    /** The stack's outputs (RegisterResourceOutputs on the root resource), as sent. */
    stackOutputs?: Record<string, unknown>;
    /** ms from spawn to the last RegisterResource request, and to exit. */
    lastRegistrationMs: number;
    exitMs: number;
    stdout: string;
    stderr: string;
    /** The command line and the environment the host added, for messages. */
    argv: string[];
}

/** The project file, parsed. */
export function projectFile(root = ROOT): { name: string; runtime: string | { name: string; options?: NodejsRuntimeOptions }; config?: Record<string, any> } {
    return yaml.load(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as any;
}

/** The runtime options Pulumi.yaml configures. */
export function configuredRuntimeOptions(root = ROOT): NodejsRuntimeOptions {
    const { runtime } = projectFile(root);
    return typeof runtime === "string" ? {} : runtime.options ?? {};
}

/**
 * The config map the CLI hands the language host: the stack's values with the project's declared defaults applied
 * and declared types checked (pulumi/pulumi sdk/go/common/workspace: ValidateStackConfigAndApplyProjectConfig). Keys
 * are `namespace:key`; objects set with `--path` travel as JSON text.
 */
export function stackConfig(values: Record<string, unknown>, root = ROOT): Record<string, string> {
    const { name, config = {} } = projectFile(root);
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) out[key.includes(":") ? key : `${name}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    for (const [key, declared] of Object.entries<any>(config)) {
        const full = `${name}:${key}`;
        if (!(full in out)) {
            if (declared.default === undefined) throw new Error(`Stack '${STACK}' is missing configuration value '${key}'`);
            out[full] = String(declared.default);
            continue;
        }
        const ok = declared.type === "boolean" ? /^(true|false)$/.test(out[full]) : declared.type === "integer" ? /^-?\d+$/.test(out[full]) : true;
        if (!ok) throw new Error(`Stack '${STACK}' with configuration key '${key}' must be of type '${declared.type}'`);
    }
    return out;
}

/** The host's PULUMI_CONFIG: each `ns:key` as `ns:config:key`, the form it still presents for older SDKs. */
function pulumiConfigVariable(config: Record<string, string>): string {
    return JSON.stringify(Object.fromEntries(Object.entries(config).map(([k, v]) => {
        const i = k.indexOf(":");
        return [`${k.slice(0, i)}:config:${k.slice(i + 1)}`, v];
    })));
}

/** shlex-style split of `nodeargs` (whitespace, single and double quotes), as the host splits it. */
export function splitArgs(text: string): string[] {
    const out: string[] = [];
    for (const m of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]);
    return out;
}

const position = (p: any): string => (p ? `${p.getUri()}:${p.getLine()}:${p.getColumn()}` : "");

/** The Struct a request carried, as JSON; undefined → {}. */
const json = (s: any): Record<string, unknown> => s?.toJavaScript() ?? {};

/**
 * The engine side of one program run: a resource monitor and an engine service on one loopback port. The monitor
 * answers registrations and invokes with the harness's mocks (preview: the inputs and auto-names, everything else
 * unknown; update: the ids and ARNs AWS would assign) and reports every feature a current engine supports.
 */
class InProcessEngine {
    readonly registrations: Registration[] = [];
    readonly logs: EngineLog[] = [];
    stackOutputs?: Record<string, unknown>;
    private rootUrn = "";
    private started = Date.now();
    private readonly server = new grpc.Server();

    constructor(private readonly mocks: pulumi.runtime.Mocks) {}

    async listen(): Promise<string> {
        const unary = (fn: (request: any) => Promise<unknown> | unknown) => (call: any, callback: (err: any, res?: any) => void) => {
            Promise.resolve().then(() => fn(call.request)).then((res) => callback(null, res), (err) => callback(err));
        };
        this.server.addService(resourceGrpc.ResourceMonitorService, {
            supportsFeature: unary(() => new resourcePb.SupportsFeatureResponse().setHassupport(true)),
            registerResource: unary((req) => this.registerResource(req)),
            registerResourceOutputs: unary((req) => {
                if (req.getUrn() === this.rootUrn) this.stackOutputs = json(req.getOutputs());
                return new Empty();
            }),
            invoke: unary((req) => this.invoke(req)),
            registerPackage: unary((req) => new resourcePb.RegisterPackageResponse().setRef(`${req.getName()}@${req.getVersion()}`)),
            // Every registration above is answered before it returns: nothing is left to wait for.
            signalAndWaitForShutdown: unary(() => new Empty()),
        });
        this.server.addService(engineGrpc.EngineService, {
            log: unary((req) => {
                this.logs.push({ severity: SEVERITIES[req.getSeverity()], message: req.getMessage(), urn: req.getUrn() });
                return new Empty();
            }),
            getRootResource: unary(() => new enginePb.GetRootResourceResponse().setUrn(this.rootUrn)),
            setRootResource: unary((req) => {
                this.rootUrn = req.getUrn();
                return new enginePb.SetRootResourceResponse();
            }),
        });
        const port = await new Promise<number>((resolve, reject) =>
            this.server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
        return `127.0.0.1:${port}`;
    }

    markStart(): void {
        this.started = Date.now();
    }

    /** The engine's URN: the parent's type qualifies the child's, except the root stack's (resource.NewURN). */
    private urn(parent: string, type: string, name: string): string {
        const parentType = parent ? parent.split("::")[2] : "";
        const qualified = parentType && parentType !== STACK_TYPE ? `${parentType}$${type}` : type;
        return `urn:pulumi:${STACK}::${PROJECT}::${qualified}::${name}`;
    }

    private async registerResource(req: any) {
        const propertyDependencies: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((deps: any, key: string) => { propertyDependencies[key] = deps.getUrnsList(); });
        const urn = this.urn(req.getParent(), req.getType(), req.getName());
        const inputs = pulumi.runtime.deserializeProperties(req.getObject());
        const registration: Registration = {
            type: req.getType(), name: req.getName(), urn, custom: req.getCustom(), parent: req.getParent(),
            dependencies: req.getDependenciesList(), propertyDependencies, inputs, state: {}, wireInputs: json(req.getObject()),
            sourcePosition: position(req.getSourceposition()), at: Date.now() - this.started,
        };
        this.registrations.push(registration);
        const res = new resourcePb.RegisterResourceResponse();
        res.setUrn(urn);
        if (req.getType() === STACK_TYPE) this.rootUrn = urn;
        const result = await this.mocks.newResource({ type: req.getType(), name: req.getName(), inputs, provider: req.getProvider(), custom: req.getCustom(), id: req.getImportid() });
        registration.state = result.state;
        res.setId(result.id ?? "");
        res.setObject(Struct.fromJavaScript(await pulumi.runtime.serializeProperties("", result.state)));
        return res;
    }

    private async invoke(req: any) {
        const result = await this.mocks.call({ token: req.getTok(), inputs: pulumi.runtime.deserializeProperties(req.getArgs()), provider: req.getProvider() });
        return new providerPb.InvokeResponse().setReturn(Struct.fromJavaScript(await pulumi.runtime.serializeProperties("", result)));
    }

    close(): void {
        this.server.forceShutdown();
    }
}

export interface HostRunOptions {
    /** Stack config as `pulumi config set` stores it (plain keys are the project's). */
    config?: Record<string, unknown>;
    preview?: boolean;
    /** Pulumi.yaml's runtime options; the file's own by default. */
    runtimeOptions?: NodejsRuntimeOptions;
    /** Extra environment, e.g. PULUMI_NODEJS_TRANSPILE_ONLY. */
    env?: Record<string, string>;
    timeoutMs?: number;
    root?: string;
}

/** Environment a user's shell would not carry into `pulumi up`: the test runner's own TypeScript and Pulumi settings. */
function userEnvironment(): NodeJS.ProcessEnv {
    const env = { ...process.env };
    for (const key of Object.keys(env)) if (key === "NODE_OPTIONS" || key.startsWith("TS_NODE_") || key.startsWith("PULUMI_") || key.startsWith("TSX_")) delete env[key];
    return env;
}

/** Runs the program once through @pulumi/pulumi/cmd/run against an in-process engine, as `pulumi preview`/`up` would. */
export async function runThroughLanguageHost(options: HostRunOptions = {}): Promise<HostRun> {
    const root = options.root ?? ROOT;
    const preview = options.preview ?? true;
    const runtime = options.runtimeOptions ?? configuredRuntimeOptions(root);
    const config = stackConfig(options.config ?? {}, root);
    const engine = new InProcessEngine(new RecordingMocks(preview));
    const address = await engine.listen();
    // The host resolves the entry from the program directory (locateModule: require.resolve there).
    const runPath = require.resolve("@pulumi/pulumi/cmd/run", { paths: [root] });
    const argv = [
        ...splitArgs(runtime.nodeargs ?? ""), runPath,
        "--monitor", address, "--engine", address, "--organization", ORGANIZATION, "--project", projectFile(root).name,
        "--root-directory", root, "--stack", STACK, "--pwd", root, ...(preview ? ["--dry-run"] : []), "--parallel", "16", ".",
    ];
    const hostEnv: Record<string, string> = {
        PULUMI_CONFIG: pulumiConfigVariable(config),
        PULUMI_CONFIG_SECRET_KEYS: "[]",
        ...(runtime.typescript ?? true ? { PULUMI_NODEJS_TYPESCRIPT: "true" } : {}),
        ...(runtime.tsconfig ? { PULUMI_NODEJS_TSCONFIG_PATH: runtime.tsconfig } : {}),
        ...options.env,
    };
    engine.markStart();
    const started = Date.now();
    const child = spawn(process.execPath, argv, { cwd: root, env: { ...userEnvironment(), ...hostEnv }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => { stdout += d; });
    child.stderr.on("data", (d) => { stderr += d; });
    const timeout = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    try {
        const exitCode = await new Promise<number | null>((resolve, reject) => {
            child.on("error", reject);
            child.on("exit", (code) => resolve(code));
        });
        const exitMs = Date.now() - started;
        const lastRegistrationMs = Math.max(0, ...engine.registrations.map((r) => r.at));
        return {
            exitCode, registrations: engine.registrations, logs: engine.logs, stackOutputs: engine.stackOutputs,
            lastRegistrationMs, exitMs, stdout, stderr,
            argv: [...Object.entries(hostEnv).map(([k, v]) => `${k}=${k === "PULUMI_CONFIG" ? "…" : v}`), "node", ...argv],
        };
    } finally {
        clearTimeout(timeout);
        engine.close();
    }
}

/** One registration as compared across runs: what the engine received, dependencies sorted; no mock state, time or position. */
export type ComparableRegistration = Omit<RecordedResource, "inputs" | "state">;

const comparable = (r: ComparableRegistration): ComparableRegistration => ({
    type: r.type, name: r.name, urn: r.urn, custom: r.custom, parent: r.parent,
    dependencies: [...r.dependencies].sort(),
    propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, v]) => [k, [...v].sort()])),
    wireInputs: r.wireInputs,
});

/** What the program registered through the language host, the root stack left out, in URN order. */
export function hostRegistrations(run: HostRun): ComparableRegistration[] {
    return run.registrations.filter((r) => r.type !== STACK_TYPE).map(comparable).sort((a, b) => a.urn.localeCompare(b.urn));
}

/**
 * What the program registered under the harness's mocks, as the engine would name it. Two differences are the
 * mocks', not the program's: no root stack resource (top-level resources have no parent), and a child's URN
 * qualified by its parent's own type only, where the engine prefixes the parent's whole qualified type
 * (`Pattern$Component$aws:sqs/queue:Queue`, pulumi resource.NewURN). Both are mapped, everywhere a URN appears.
 */
export function harnessRegistrations(resources: RecordedResource[], stackUrn: string): ComparableRegistration[] {
    const engineUrn = new Map<string, string>();
    for (const r of resources) { // parents register before their children
        const parentType = r.parent ? engineUrn.get(r.parent)!.split("::")[2] : "";
        engineUrn.set(r.urn, `urn:pulumi:${STACK}::${PROJECT}::${parentType ? `${parentType}$` : ""}${r.type}::${r.name}`);
    }
    const mapUrns = (value: unknown): any => {
        if (typeof value === "string") return engineUrn.get(value) ?? value;
        if (Array.isArray(value)) return value.map(mapUrns);
        if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapUrns(v)]));
        return value;
    };
    return resources.map((r) => comparable({
        type: r.type, name: r.name, urn: mapUrns(r.urn), custom: r.custom, parent: r.parent ? mapUrns(r.parent) : stackUrn,
        dependencies: mapUrns(r.dependencies), propertyDependencies: mapUrns(r.propertyDependencies), wireInputs: mapUrns(r.wireInputs),
    })).sort((a, b) => a.urn.localeCompare(b.urn));
}

/** The URN of the run's root stack resource. */
export const stackUrnOf = (run: HostRun) => run.registrations.find((r) => r.type === STACK_TYPE)!.urn;

/** The exit, the command line and the engine's log of a run, for a failure message. */
export const explainRun = (run: HostRun) => `exit ${run.exitCode}; ${run.argv.join(" ")}\n${run.logs.map((l) => `${l.severity}: ${l.message}`).join("\n")}\n${run.stderr}`;

/** The environment the CLI's language host gives a policy pack it runs for this stack (RunPlugin, kind analyzer). */
export function policyPackEnvironment(config: Record<string, unknown>, preview: boolean): Record<string, string> {
    return {
        PULUMI_NODEJS_ORGANIZATION: ORGANIZATION, PULUMI_NODEJS_PROJECT: PROJECT, PULUMI_NODEJS_STACK: STACK,
        PULUMI_NODEJS_DRY_RUN: String(preview), PULUMI_CONFIG: JSON.stringify(stackConfig(config)), PULUMI_NODEJS_TYPESCRIPT: "true",
    };
}
