// `npm run preview:policy -- [--config key=value ...] [--all-combinations] [--policy-config file.json]` (--help)
// `pulumi preview --policy-pack policy` without a CLI: the program runs under Pulumi mocks in preview mode, and
// every resource it registers goes to the pack's own analyzer (Analyze per resource, then AnalyzeStack), as
// the engine sends them. Exits 1 on any mandatory violation.
import * as fs from "fs";
import { ConfigError, parseLabConfig, PROJECT, TOGGLES } from "../patterns/config";
import { Command, runCommand, UsageError } from "./cli";
import { configFromArgs } from "./config-args";
// Types only at load: the program, its bundler and Pulumi load on first use, so the CLI starts the pack first.
import type { RecordedResource } from "../test/harness";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const loadHarness = (): typeof import("../test/harness") => require("../test/harness");
import { AnalyzedResource, Diagnostic, PolicyAnalyzer, PolicyConfigError, PolicyPackConfig, UNKNOWN_VALUE } from "./policy-analyzer";

export interface PreviewResult {
    config: Record<string, unknown>;
    resources: number;
    diagnostics: Diagnostic[];
}

/** What the engine's Analyze sees: the inputs after the provider's Check, which auto-names what the program left unnamed. */
function checkedInputs(r: RecordedResource): Record<string, unknown> {
    const named = r.wireInputs.name === undefined && typeof r.state.name === "string";
    return named ? { ...r.wireInputs, name: r.state.name } : r.wireInputs;
}

/** What AnalyzeStack sees after a preview of a new stack: those inputs, and the attributes AWS assigns still unknown. */
function previewOutputs(r: RecordedResource): Record<string, unknown> {
    if (!r.custom) return r.wireInputs;
    const computed = r.type === "aws:sqs/queue:Queue" ? { arn: UNKNOWN_VALUE, url: UNKNOWN_VALUE, id: UNKNOWN_VALUE } : { arn: UNKNOWN_VALUE, id: UNKNOWN_VALUE };
    return { ...computed, ...checkedInputs(r) };
}

const analyzed = (r: RecordedResource, properties: Record<string, unknown>): AnalyzedResource => ({
    type: r.type, name: r.name, urn: r.urn, parent: r.parent, dependencies: r.dependencies, propertyDependencies: r.propertyDependencies, properties,
});

/**
 * What the pack says of one recorded run: Analyze for every resource, then AnalyzeStack, as the engine sends them.
 * The Analyze calls go out together (the analyzer serves them concurrently); diagnostics keep the resources' order.
 */
export async function analyzeRun(
    analyzer: PolicyAnalyzer,
    resources: RecordedResource[],
    /** "update": as `pulumi up` checks, every value known (ARNs from the mocks). */
    mode: "preview" | "update" = "preview",
): Promise<Diagnostic[]> {
    const preview = mode === "preview";
    const perResource = await Promise.all(resources.map((r) => analyzer.analyze(analyzed(r, checkedInputs(r)))));
    const stack = await analyzer.analyzeStack(resources.map((r) => analyzed(r, preview ? previewOutputs(r) : r.state)));
    return [...perResource.flat(), ...stack];
}

/** One preview of the program with `config`, checked by the pack. */
export async function previewWithPolicies(
    analyzer: PolicyAnalyzer,
    config: Record<string, unknown>,
    /** Edits what the program registered before the pack sees it: how the tests build broken variants. */
    mutate: (resources: RecordedResource[]) => RecordedResource[] = (r) => r,
    mode: "preview" | "update" = "preview",
): Promise<PreviewResult> {
    const { runProgram } = loadHarness();
    const run = await runProgram(config, { preview: mode === "preview" });
    if (run.error) throw run.error;
    const resources = mutate(run.resources);
    return { config, resources: resources.length, diagnostics: await analyzeRun(analyzer, resources, mode) };
}

/**
 * Previews each config in turn. The pack serves from its own process, so each run's analysis overlaps the next
 * program run, and the program runs may start while the pack is still starting (`analyzer` may be a promise).
 * Results come back in the order of `configs`.
 */
export async function previewAll(analyzer: PolicyAnalyzer | Promise<PolicyAnalyzer>, configs: Record<string, unknown>[]): Promise<PreviewResult[]> {
    const { runProgram } = loadHarness();
    const pending: Promise<PreviewResult>[] = [];
    // A pack that failed to start (or to take its config) ends the previews at the next run, not after all of them.
    let failed: { error: unknown } | undefined;
    Promise.resolve(analyzer).catch((error) => { failed = { error }; });
    try {
        for (const config of configs) {
            if (failed) throw failed.error;
            const run = await runProgram(config, { preview: true });
            if (run.error) throw run.error;
            const { resources } = run;
            pending.push(Promise.resolve(analyzer).then(async (a) => ({ config, resources: resources.length, diagnostics: await analyzeRun(a, resources) })));
        }
    } finally {
        // A program that failed part-way leaves earlier analyses running: let them end before reporting it.
        await Promise.allSettled(pending);
    }
    return Promise.all(pending);
}

/** Every on/off combination of the pattern toggles (2^4 = 16). */
export function allCombinations(): Record<string, boolean>[] {
    return Array.from({ length: 2 ** TOGGLES.length }, (_, bits) => Object.fromEntries(TOGGLES.map((t, i) => [t, (bits & (1 << i)) !== 0])));
}

/** The violation as the CLI prints it: level, policy, resource, then the message without the repeated description. */
export function formatDiagnostic(d: Diagnostic): string {
    const message = d.message.startsWith(d.description) ? d.message.slice(d.description.length).trim() : d.message;
    const resource = d.urn ? d.urn.split("::").slice(-2).join(": ") : "stack";
    return `    - [${d.enforcementLevel}]  ${d.policyName}  (${resource})\n      ${message}`;
}

/** Reads a --policy-config file: JSON, per policy an enforcement level and/or its properties. */
function readPolicyConfig(file: string): PolicyPackConfig {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new UsageError(`--policy-config ${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a folder, not a file" : (error as Error).message}`);
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (error) {
        throw new UsageError(`--policy-config ${file}: not JSON (${(error as Error).message}); allowed e.g. {"visibility-timeout-recommended": {"ratio": 3}}`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new UsageError(`--policy-config ${file}: a JSON object is allowed, e.g. {"visibility-timeout-recommended": {"ratio": 3}}`);
    }
    return parsed as PolicyPackConfig;
}

export const PREVIEW_COMMAND: Command = {
    name: "npm run preview:policy --",
    usage: `usage: npm run preview:policy -- [--config key=value ...] [--all-combinations] [--policy-config file.json] [--verbose]
\`pulumi preview --policy-pack policy\` without a Pulumi CLI: the program runs under Pulumi mocks in preview mode and
every resource goes to the policy pack's own gRPC analyzer, as the engine sends them.
  --config key=value      stack config, as \`pulumi config set\` stores it: queueWorker=true; a path as
                          \`pulumi config set --path\` stores it: queueWorkerSettings.maxReceiveCount=8; an object as JSON:
                          fanOutSettings='{"rawMessageDelivery":false}'. Repeatable.
  --all-combinations      preview every on/off combination of the four pattern toggles (16 previews)
  --policy-config FILE    policy pack config, as \`pulumi preview --policy-pack-config\` takes it
Exit status: 0 no mandatory violation, 1 a mandatory violation or a failure, 2 a wrong argument.`,
    options: {
        config: { type: "string", multiple: true },
        "all-combinations": { type: "boolean" },
        "policy-config": { type: "string" },
    },
    async run(values) {
        const all = configFromArgs((values.config as string[] | undefined) ?? []);
        // --all-combinations sets every toggle in turn: a toggle given with it would never be previewed as given.
        const toggle = values["all-combinations"] ? TOGGLES.find((t) => `${PROJECT}:${t}` in all) : undefined;
        if (toggle) throw new UsageError(`--config ${toggle}=${all[`${PROJECT}:${toggle}`]}: --all-combinations previews every value of every toggle; drop one of them`);
        try {
            parseLabConfig(all); // the program's own validation, before anything starts
        } catch (error) {
            if (error instanceof ConfigError) throw new UsageError(`--config: ${error.message}`);
            throw error;
        }
        const policyConfig = values["policy-config"] ? readPolicyConfig(values["policy-config"] as string) : {};
        const started = Date.now();
        // The pack starts in its own process (ts-node type-checks it first, as under the CLI) while this one loads
        // and runs the program; each run's analysis then overlaps the next run.
        const starting = PolicyAnalyzer.startConfigured(policyConfig);
        starting.catch(() => undefined); // reported where it is awaited
        try {
            const key = (t: string) => `${PROJECT}:${t}`;
            const configs = values["all-combinations"]
                ? allCombinations().map((toggles) => ({ ...all, ...Object.fromEntries(Object.entries(toggles).map(([t, on]) => [key(t), String(on)])) }))
                : [all];
            const results = await previewAll(starting, configs);
            let mandatory = 0;
            for (const { config, resources, diagnostics } of results) {
                const on = TOGGLES.filter((t) => config[key(t)] === "true").join(", ") || "no pattern";
                const m = diagnostics.filter((d) => d.enforcementLevel === "mandatory").length;
                const a = diagnostics.filter((d) => d.enforcementLevel === "advisory").length;
                mandatory += m;
                console.log(`${m ? "✗" : "✓"} ${on}: ${resources} resources, ${m} mandatory, ${a} advisory`);
                for (const d of diagnostics) console.log(formatDiagnostic(d));
            }
            console.log(`${configs.length} preview(s), ${mandatory} mandatory violation(s), ${((Date.now() - started) / 1000).toFixed(1)} s`);
            return mandatory > 0 ? 1 : 0;
        } catch (error) {
            if (error instanceof PolicyConfigError) throw new UsageError(`--policy-config: ${error.message}`);
            throw error;
        } finally {
            await starting.then((a) => a.stop(), () => undefined);
        }
    },
};

if (require.main === module) runCommand(PREVIEW_COMMAND);
