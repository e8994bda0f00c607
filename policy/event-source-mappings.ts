// How an SQS event source mapping scales: maximum concurrency or provisioned mode, never both, and provisioned
// pollers within what Lambda accepts for SQS (Lambda developer guide, services-sqs-scaling; API reference,
// ProvisionedPollerConfig). Lambda refuses the rest when the mapping is created; the pack says so at preview.
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { linked, peek, T, UNKNOWN } from "./lib";

/** ProvisionedPollerConfig for SQS: minimumPollers 2–200; maximumPollers from 2 (to 2,000 as @pulumi/aws 7.48 documents it). */
const SQS_POLLERS = { minimumPollers: { min: 2, max: 200 }, maximumPollers: { min: 2, max: 2000 } } as const;

/** What is wrong with one mapping's scaling, each problem one line; [] when it is fine or not known yet. */
export function scalingProblems(props: unknown): string[] {
    const provisioned = peek(props, "provisionedPollerConfig");
    const maximumConcurrency = peek(props, "scalingConfig", "maximumConcurrency");
    if (provisioned === UNKNOWN || maximumConcurrency === UNKNOWN) return [];
    if (provisioned === undefined || provisioned === null) return [];
    const problems: string[] = [];
    if (maximumConcurrency !== undefined && maximumConcurrency !== null) {
        problems.push(`scalingConfig.maximumConcurrency ${maximumConcurrency} is set with provisionedPollerConfig: Lambda takes one or the other ("mutually exclusive options")`);
    }
    const value = (k: keyof typeof SQS_POLLERS) => peek(provisioned, k);
    for (const key of Object.keys(SQS_POLLERS) as (keyof typeof SQS_POLLERS)[]) {
        const v = value(key);
        if (v === undefined || v === null || v === UNKNOWN) continue; // AWS's default (2, 200) or not known yet
        const { min, max } = SQS_POLLERS[key];
        if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) problems.push(`provisionedPollerConfig.${key} ${v} is outside ${min}–${max} for an SQS event source`);
    }
    const lo = value("minimumPollers");
    const hi = value("maximumPollers");
    if (typeof lo === "number" && typeof hi === "number" && lo > hi) problems.push(`provisionedPollerConfig.minimumPollers ${lo} is above maximumPollers ${hi}`);
    return problems;
}

/** Whether a mapping reads an SQS queue: linked to a queue of the stack, or an SQS ARN given as a value. */
function readsQueue(esm: Parameters<StackValidationPolicy["validateStack"]>[0]["resources"][number], all: Parameters<StackValidationPolicy["validateStack"]>[0]["resources"]): boolean {
    if (linked(esm, "eventSourceArn", [T.queue], all).length > 0) return true;
    const arn = peek(esm.props, "eventSourceArn");
    return typeof arn === "string" && arn.startsWith("arn:aws:sqs:");
}

export const sqsEventSourceScaling: StackValidationPolicy = {
    name: "sqs-event-source-scaling-valid",
    description: "An SQS event source mapping scales by maximum concurrency or by provisioned pollers, not both, and provisioned pollers for SQS need 2 ≤ minimumPollers ≤ 200 and minimumPollers ≤ maximumPollers: Lambda refuses anything else.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        for (const esm of args.resources.filter((r) => r.type === T.esm)) {
            if (!readsQueue(esm, args.resources)) continue;
            for (const problem of scalingProblems(esm.props)) report(`event source mapping ${esm.name}: ${problem}`, esm.urn);
        }
    },
};

export const eventSourceMappingPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [sqsEventSourceScaling];
