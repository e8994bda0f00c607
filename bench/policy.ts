// The policy pack's speed: the 16-combination offline preview, and AnalyzeStack on a synthetic 10,000-resource stack.
import { AnalyzedResource, PolicyAnalyzer, UNKNOWN_VALUE } from "../scripts/policy-analyzer";
import { allCombinations, previewAll } from "../scripts/preview-policy";
import { verdict } from "./verdict";

/** Target (issue 21): the 16-combination preview, pack start included, within 10 s on 2 cores. */
export const PREVIEW_TARGET_SECONDS = 10;

const RESOURCES = Number(process.env.BENCH_POLICY_RESOURCES ?? 10_000);

/** `n` resources in groups shaped like the lab's consumers: DLQ, queue, function, mapping, two alarms. A last partial group (10,000 = 1,666 × 6 + 4) lacks its two alarms: the 2 violations show the policies still fire at scale. */
function syntheticStack(n: number, preview: boolean): AnalyzedResource[] {
    const out: AnalyzedResource[] = [];
    const urn = (type: string, name: string) => `urn:pulumi:bench::lab::${type}::${name}`;
    const arn = (s: string) => (preview ? UNKNOWN_VALUE : s);
    for (let g = 0; out.length < n; g++) {
        const [dlq, q, fn] = [`dlq-${g}`, `q-${g}`, `fn-${g}`];
        const deps = (d: Record<string, string[]>) => (preview ? d : {});
        const r = (type: string, name: string, properties: Record<string, unknown>, pd: Record<string, string[]> = {}) =>
            out.push({ type, name, urn: urn(type, name), properties, propertyDependencies: deps(pd) });
        r("aws:sqs/queue:Queue", dlq, { name: dlq, arn: arn(`arn:aws:sqs:us-east-1:1:${dlq}`), messageRetentionSeconds: 1_209_600 });
        r("aws:sqs/queue:Queue", q, { name: q, arn: arn(`arn:aws:sqs:us-east-1:1:${q}`), visibilityTimeoutSeconds: 180,
            redrivePolicy: preview ? UNKNOWN_VALUE : JSON.stringify({ deadLetterTargetArn: `arn:aws:sqs:us-east-1:1:${dlq}`, maxReceiveCount: 5 }) }, { redrivePolicy: [urn("aws:sqs/queue:Queue", dlq)] });
        r("aws:lambda/function:Function", fn, { name: fn, arn: arn(`arn:aws:lambda:us-east-1:1:function:${fn}`), timeout: 30 });
        r("aws:lambda/eventSourceMapping:EventSourceMapping", `${q}-esm`, { eventSourceArn: arn(`arn:aws:sqs:us-east-1:1:${q}`), functionName: arn(`arn:aws:lambda:us-east-1:1:function:${fn}`) },
            { eventSourceArn: [urn("aws:sqs/queue:Queue", q)], functionName: [urn("aws:lambda/function:Function", fn)] });
        r("aws:cloudwatch/metricAlarm:MetricAlarm", `${dlq}-depth`, { metricName: "ApproximateNumberOfMessagesVisible", dimensions: { QueueName: dlq } }, { dimensions: [urn("aws:sqs/queue:Queue", dlq)] });
        r("aws:cloudwatch/metricAlarm:MetricAlarm", `${fn}-errors`, { metricName: "Errors", dimensions: { FunctionName: fn } }, { dimensions: [urn("aws:lambda/function:Function", fn)] });
    }
    return out.slice(0, n);
}

export interface PolicyBench { combinationsSeconds: number; cpuSeconds: number; stack: { mode: string; resources: number; seconds: number; violations: number }[] }

export async function policyBench(): Promise<PolicyBench> {
    // As `npm run preview:policy -- --all-combinations` runs it: the pack starts while the first programs run.
    let started = Date.now();
    const cpu = process.cpuUsage();
    const starting = PolicyAnalyzer.startConfigured();
    let analyzer: PolicyAnalyzer | undefined;
    try {
        for (const { config, diagnostics } of await previewAll(starting, allCombinations())) {
            if (diagnostics.length > 0) throw new Error(`violations in ${JSON.stringify(config)}`);
        }
        analyzer = await starting;
        const combinationsSeconds = (Date.now() - started) / 1000;
        const used = process.cpuUsage(cpu);
        const cpuSeconds = (used.user + used.system) / 1e6;
        const stack = [];
        for (const preview of [false, true]) {
            const resources = syntheticStack(RESOURCES, preview);
            started = Date.now();
            const diagnostics = await analyzer.analyzeStack(resources);
            stack.push({ mode: preview ? "preview (links by property dependencies)" : "update (links by ARN value)", resources: resources.length, seconds: (Date.now() - started) / 1000, violations: diagnostics.length });
        }
        return { combinationsSeconds, cpuSeconds, stack };
    } finally {
        (analyzer ?? await starting.catch(() => undefined))?.stop();
    }
}

export function printPolicyBench(b: PolicyBench): void {
    console.log(`\nPolicy pack: 16 toggle combinations previewed offline and analyzed in ${b.combinationsSeconds.toFixed(1)} s, pack start included (this process's CPU ${b.cpuSeconds.toFixed(1)} s: the program runs under mocks)`);
    console.log(verdict("16-combination preview", b.combinationsSeconds, PREVIEW_TARGET_SECONDS, false, (s) => `${s.toFixed(1)} s`));
    console.log("| AnalyzeStack on a synthetic stack | resources | seconds | violations |");
    console.log("|---|---:|---:|---:|");
    for (const s of b.stack) console.log(`| ${s.mode} | ${s.resources} | ${s.seconds.toFixed(2)} | ${s.violations} |`);
    console.log("no speed target for AnalyzeStack on a synthetic stack: measured, not judged");
}
