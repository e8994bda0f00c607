// Talks to the lab's policy pack the way the Pulumi CLI does: starts it with @pulumi/pulumi's run-policy-pack
// in policy/ (the pack prints its gRPC port), then calls GetAnalyzerInfo, Configure, Analyze and AnalyzeStack.
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import Ajv from "ajv";
import * as grpc from "@grpc/grpc-js";

// The generated gRPC code and its protobuf runtime, resolved from @pulumi/pulumi so message classes match.
const PULUMI = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const fromPulumi = (id: string) => require(require.resolve(id, { paths: [PULUMI] }));
// eslint-disable-next-line @typescript-eslint/no-var-requires
const analyzerGrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");
const { Struct } = fromPulumi("google-protobuf/google/protobuf/struct_pb");
const { Empty } = fromPulumi("google-protobuf/google/protobuf/empty_pb");

export const POLICY_PACK_DIR = path.resolve(__dirname, "..", "policy");
/** What the engine sends for a value not known until the update. */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type EnforcementLevel = "advisory" | "mandatory" | "disabled" | "remediate";
const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "disabled", "remediate"]; // the proto enum's order

export interface AnalyzedResource {
    type: string;
    name: string;
    urn: string;
    /** Plain values (UNKNOWN_VALUE for unknowns) or the Struct the engine recorded. */
    properties: Record<string, unknown> | object;
    parent?: string;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
}

export interface Diagnostic {
    policyName: string;
    enforcementLevel: EnforcementLevel;
    message: string;
    urn: string;
    description: string;
}

export interface PolicyInfo {
    name: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    configSchema?: { properties: Record<string, any>; required?: string[] };
}

/** A policy config as `--policy-config` takes it: per policy, an enforcement level and/or its properties. */
export type PolicyPackConfig = Record<string, { enforcementLevel?: EnforcementLevel; [property: string]: unknown }>;

export class PolicyConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PolicyConfigError";
    }
}

function toStruct(properties: AnalyzedResource["properties"]) {
    return properties instanceof Struct ? properties : Struct.fromJavaScript(properties as Record<string, unknown>);
}

function resourceMessage<T>(Message: new () => T, r: AnalyzedResource): T {
    const m: any = new Message();
    m.setType(r.type);
    m.setName(r.name);
    m.setUrn(r.urn);
    m.setProperties(toStruct(r.properties));
    const options = new analyzerPb.AnalyzerResourceOptions();
    options.setParent(r.parent ?? "");
    m.setOptions(options);
    if (m.setParent) {
        m.setParent(r.parent ?? "");
        m.setDependenciesList(r.dependencies ?? []);
        const deps = m.getPropertydependenciesMap();
        for (const [key, urns] of Object.entries(r.propertyDependencies ?? {})) {
            deps.set(key, new analyzerPb.AnalyzerPropertyDependencies().setUrnsList(urns));
        }
    }
    return m;
}

export class PolicyAnalyzer {
    private constructor(private readonly child: ChildProcess, private readonly client: any) {}

    /**
     * Starts the pack as the CLI's nodejs language host does for `--policy-pack <folder>` (RunPlugin, kind analyzer):
     * `node @pulumi/pulumi/cmd/run-policy-pack <engine address> <pack folder>` in the pack's folder, resolved from
     * there; ts-node type-checks it, then it serves.
     * `background`: the pack alone does not keep this process alive, and dies with it (a test file starts it while
     * mocha loads, and a run whose --grep skips the policy tests must still exit).
     * `env`: what the host adds, the stack's PULUMI_NODEJS_PROJECT, _STACK, _ORGANIZATION, _DRY_RUN and PULUMI_CONFIG.
     * `preserveSymlinks`: a pack whose node_modules links packages (a test's stand-in for `npm install` in a copy)
     * resolves as if they were installed there.
     */
    static async start(packDir = POLICY_PACK_DIR, options: { background?: boolean; env?: Record<string, string>; preserveSymlinks?: boolean } = {}): Promise<PolicyAnalyzer> {
        const folder = path.resolve(packDir);
        const runner = options.preserveSymlinks
            ? path.join(folder, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack", "index.js")
            : require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [folder] });
        const execArgv = options.preserveSymlinks ? ["--preserve-symlinks", "--preserve-symlinks-main"] : [];
        const child = spawn(process.execPath, [...execArgv, runner, "127.0.0.1:0", folder], {
            cwd: folder, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"],
        });
        if (options.background) {
            child.unref();
            (child.stdout as unknown as { unref(): void }).unref();
            (child.stderr as unknown as { unref(): void }).unref();
            process.once("exit", () => child.kill());
        }
        let stderr = "";
        child.stderr!.on("data", (d) => { stderr += d; });
        const port = await new Promise<string>((resolve, reject) => {
            let out = "";
            child.stdout!.on("data", (d) => {
                out += d;
                const line = out.split("\n")[0].trim();
                if (/^\d+$/.test(line) && out.includes("\n")) resolve(line);
            });
            child.on("exit", (code) => reject(new Error(`the policy pack exited (${code}) before serving:\n${out}${stderr}`)));
        });
        const client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        return new PolicyAnalyzer(child, client);
    }

    /** Starts the pack and configures it (schema defaults applied, `config` validated); stops it if that fails. */
    static async startConfigured(config: PolicyPackConfig = {}, packDir = POLICY_PACK_DIR, options: Parameters<typeof PolicyAnalyzer.start>[1] = {}): Promise<PolicyAnalyzer> {
        const analyzer = await PolicyAnalyzer.start(packDir, options);
        try {
            await analyzer.configure(config);
            return analyzer;
        } catch (error) {
            analyzer.stop();
            throw error;
        }
    }

    private call<T>(method: string, request: unknown): Promise<T> {
        return new Promise((resolve, reject) => this.client[method](request, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));
    }

    async info(): Promise<{ name: string; version: string; policies: PolicyInfo[] }> {
        const res: any = await this.call("getAnalyzerInfo", new Empty());
        return {
            name: res.getName(),
            version: res.getVersion(),
            policies: res.getPoliciesList().map((p: any) => {
                const schema = p.getConfigschema();
                return {
                    name: p.getName(),
                    description: p.getDescription(),
                    enforcementLevel: LEVELS[p.getEnforcementlevel()],
                    configSchema: schema ? { properties: schema.getProperties()?.toJavaScript() ?? {}, required: schema.getRequiredList() } : undefined,
                };
            }),
        };
    }

    /**
     * Validates `config` against each policy's schema and fills in its defaults — the CLI's job, not the SDK's —
     * then sends it with Configure. Every policy is configured, so each gets its defaults even when not named.
     */
    async configure(config: PolicyPackConfig = {}): Promise<Record<string, Record<string, unknown>>> {
        const { policies } = await this.info();
        const known = new Map(policies.map((p) => [p.name, p]));
        for (const name of Object.keys(config)) {
            if (!known.has(name)) throw new PolicyConfigError(`policy config names ${name}, which is not a policy of this pack; the policies are ${[...known.keys()].join(", ")}`);
        }
        const ajv = new Ajv({ useDefaults: true, allErrors: true });
        const request = new analyzerPb.ConfigureAnalyzerRequest();
        const applied: Record<string, Record<string, unknown>> = {};
        for (const policy of policies) {
            const { enforcementLevel = policy.enforcementLevel, ...given } = config[policy.name] ?? {};
            const properties: Record<string, unknown> = JSON.parse(JSON.stringify(given)); // Ajv fills defaults in place
            if (!LEVELS.includes(enforcementLevel)) throw new PolicyConfigError(`${policy.name}.enforcementLevel = ${JSON.stringify(enforcementLevel)}: allowed ${LEVELS.join(", ")}`);
            const schema = { type: "object", properties: policy.configSchema?.properties ?? {}, required: policy.configSchema?.required ?? [], additionalProperties: false };
            const validate = ajv.compile(schema);
            if (!validate(properties)) {
                const e = validate.errors![0];
                const extra = e.keyword === "additionalProperties" ? String((e.params as { additionalProperty: string }).additionalProperty) : undefined;
                const path = extra ? [extra] : e.instancePath.split("/").slice(1);
                const value = path.reduce((v: any, k) => v?.[k], given);
                const detail = extra ? `no such property; allowed ${Object.keys(schema.properties).join(", ") || "none"}` : e.message;
                throw new PolicyConfigError(`policy config ${[policy.name, ...path].join(".")} = ${JSON.stringify(value)}: ${detail}`);
            }
            applied[policy.name] = { enforcementLevel, ...properties };
            const pc = new analyzerPb.PolicyConfig();
            pc.setEnforcementlevel(LEVELS.indexOf(enforcementLevel));
            pc.setProperties(Struct.fromJavaScript(properties));
            request.getPolicyconfigMap().set(policy.name, pc);
        }
        await this.call("configure", request);
        return applied;
    }

    async analyze(resource: AnalyzedResource): Promise<Diagnostic[]> {
        const res: any = await this.call("analyze", resourceMessage(analyzerPb.AnalyzeRequest, resource));
        return this.diagnostics(res, resource.urn);
    }

    async analyzeStack(resources: AnalyzedResource[]): Promise<Diagnostic[]> {
        const req = new analyzerPb.AnalyzeStackRequest();
        req.setResourcesList(resources.map((r) => resourceMessage(analyzerPb.AnalyzerResource, r)));
        return this.diagnostics(await this.call("analyzeStack", req), "");
    }

    private diagnostics(res: any, urn: string): Diagnostic[] {
        return res.getDiagnosticsList().map((d: any) => ({
            policyName: d.getPolicyname(),
            enforcementLevel: LEVELS[d.getEnforcementlevel()],
            message: d.getMessage(),
            urn: d.getUrn() || urn,
            description: d.getDescription(),
        }));
    }

    stop(): void {
        this.client.close();
        this.child.kill();
    }
}
