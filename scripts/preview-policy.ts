// `npm run preview:policy -- [--config key=value ...] [--all-combinations] [--policy-config file.json]`
// `pulumi preview --policy-pack policy` without a CLI: the program runs under Pulumi mocks in preview mode, and
// every resource it registers goes to the pack's own analyzer (Analyze per resource, then AnalyzeStack), as
// the engine sends them. Exits 1 on any mandatory violation.
import * as fs from "fs";
import { TOGGLES } from "../patterns/config";
import { RecordedResource, runProgram } from "../test/harness";
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

/** One preview of the program with `config`, checked by the pack. */
export async function previewWithPolicies(
    analyzer: PolicyAnalyzer,
    config: Record<string, unknown>,
    /** Edits what the program registered before the pack sees it: how the tests build broken variants. */
    mutate: (resources: RecordedResource[]) => RecordedResource[] = (r) => r,
    /** "update": as `pulumi up` checks, every value known (ARNs from the mocks). */
    mode: "preview" | "update" = "preview",
): Promise<PreviewResult> {
    const preview = mode === "preview";
    const run = await runProgram(config, { preview });
    if (run.error) throw run.error;
    const resources = mutate(run.resources);
    const diagnostics: Diagnostic[] = [];
    for (const r of resources) diagnostics.push(...await analyzer.analyze(analyzed(r, checkedInputs(r))));
    diagnostics.push(...await analyzer.analyzeStack(resources.map((r) => analyzed(r, preview ? previewOutputs(r) : r.state))));
    return { config, resources: resources.length, diagnostics };
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

function parseArgs(argv: string[]) {
    const config: Record<string, unknown> = {};
    let all = false;
    let policyConfig: PolicyPackConfig = {};
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--all-combinations") all = true;
        else if (arg === "--config") {
            const pair = argv[++i] ?? "";
            const eq = pair.indexOf("=");
            if (eq < 1) throw new PolicyConfigError(`--config ${pair}: expected key=value`);
            const raw = pair.slice(eq + 1);
            try {
                config[pair.slice(0, eq)] = JSON.parse(raw);
            } catch {
                config[pair.slice(0, eq)] = raw;
            }
        } else if (arg === "--policy-config") policyConfig = JSON.parse(fs.readFileSync(argv[++i], "utf8"));
        else throw new PolicyConfigError(`unknown argument ${arg}; usage: npm run preview:policy -- [--config key=value ...] [--all-combinations] [--policy-config file.json]`);
    }
    return { config, all, policyConfig };
}

async function main(): Promise<number> {
    const { config, all, policyConfig } = parseArgs(process.argv.slice(2));
    const started = Date.now();
    const analyzer = await PolicyAnalyzer.start();
    try {
        await analyzer.configure(policyConfig);
        const runs = all ? allCombinations().map((toggles) => ({ ...config, ...toggles })) : [config];
        let mandatory = 0;
        for (const run of runs) {
            const result = await previewWithPolicies(analyzer, run);
            const on = TOGGLES.filter((t) => run[t] === true).join(", ") || "no pattern";
            const m = result.diagnostics.filter((d) => d.enforcementLevel === "mandatory").length;
            const a = result.diagnostics.filter((d) => d.enforcementLevel === "advisory").length;
            mandatory += m;
            console.log(`${m ? "✗" : "✓"} ${on}: ${result.resources} resources, ${m} mandatory, ${a} advisory`);
            for (const d of result.diagnostics) console.log(formatDiagnostic(d));
        }
        console.log(`${runs.length} preview(s), ${mandatory} mandatory violation(s), ${((Date.now() - started) / 1000).toFixed(1)} s`);
        return mandatory > 0 ? 1 : 0;
    } finally {
        analyzer.stop();
    }
}

if (require.main === module) {
    main().then((code) => process.exit(code), (error) => {
        console.error(error instanceof PolicyConfigError ? `preview:policy: ${error.message}` : error);
        process.exit(1);
    });
}
