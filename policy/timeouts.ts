// Timeouts that fit together: a queue must hide a message longer than its consumer may work on it, a DLQ must
// keep messages longer than its source, and a message deserves a few receives before it is called poison.
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { deadLetterQueues, linked, numberOr, parseJson, peek, T, UNKNOWN } from "./lib";

// AWS defaults for values a program leaves unset.
const DEFAULT_FUNCTION_TIMEOUT = 3;
const DEFAULT_VISIBILITY_TIMEOUT = 30;
const DEFAULT_RETENTION = 345_600;

/** Each event source mapping with its queue and function, and their settings (UNKNOWN where not known yet). */
function consumers(resources: Parameters<StackValidationPolicy["validateStack"]>[0]["resources"]) {
    return resources.filter((r) => r.type === T.esm).flatMap((esm) => {
        const queues = linked(esm, "eventSourceArn", [T.queue], resources);
        const fns = linked(esm, "functionName", [T.function], resources);
        return queues.flatMap((queue) => fns.map((fn) => ({
            esm, queue, fn,
            visibility: numberOr(queue.props, "visibilityTimeoutSeconds", DEFAULT_VISIBILITY_TIMEOUT),
            timeout: numberOr(fn.props, "timeout", DEFAULT_FUNCTION_TIMEOUT),
            window: numberOr(esm.props, "maximumBatchingWindowInSeconds", 0),
        })));
    });
}

export const visibilityExceedsTimeout: StackValidationPolicy = {
    name: "visibility-timeout-exceeds-function-timeout",
    description: "An event-source queue's visibility timeout must be greater than its function's timeout, or messages reappear while still being processed and are processed twice.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        for (const c of consumers(args.resources)) {
            if (typeof c.visibility !== "number" || typeof c.timeout !== "number") continue; // unknown in this preview
            if (!(c.visibility > c.timeout)) report(`queue ${c.queue.name}: visibility timeout ${c.visibility} s is not greater than ${c.fn.name}'s timeout ${c.timeout} s`, c.queue.urn);
        }
    },
};

export const visibilityRecommended: StackValidationPolicy = {
    name: "visibility-timeout-recommended",
    description: "AWS recommends an event-source queue's visibility timeout of at least 6 × the function timeout + the batching window, so throttled and retried batches do not reappear mid-flight.",
    enforcementLevel: "advisory",
    configSchema: { properties: { ratio: { type: "number", minimum: 1, maximum: 100, default: 6 } } },
    validateStack: (args, report) => {
        const { ratio } = args.getConfig<{ ratio: number }>();
        for (const c of consumers(args.resources)) {
            if (typeof c.visibility !== "number" || typeof c.timeout !== "number" || typeof c.window !== "number") continue;
            const wanted = ratio * c.timeout + c.window;
            if (c.visibility < wanted) report(`queue ${c.queue.name}: visibility timeout ${c.visibility} s is below ${ratio} × ${c.timeout} s + ${c.window} s = ${wanted} s`, c.queue.urn);
        }
    },
};

export const dlqRetentionLonger: StackValidationPolicy = {
    name: "dlq-retention-longer-than-source",
    description: "A DLQ should keep messages longer than its source queue: a standard queue keeps a message's original enqueue time, so a DLQ with a shorter retention deletes redriven messages early.",
    enforcementLevel: "advisory",
    validateStack: (args, report) => {
        const dlqs = deadLetterQueues(args.resources);
        for (const source of args.resources.filter((r) => r.type === T.queue && !dlqs.has(r))) {
            for (const dlq of linked(source, "redrivePolicy", [T.queue], args.resources)) {
                const mine = numberOr(source.props, "messageRetentionSeconds", DEFAULT_RETENTION);
                const theirs = numberOr(dlq.props, "messageRetentionSeconds", DEFAULT_RETENTION);
                if (typeof mine !== "number" || typeof theirs !== "number") continue;
                if (!(theirs > mine)) report(`DLQ ${dlq.name} keeps messages ${theirs} s, not longer than its source ${source.name} (${mine} s)`, dlq.urn);
            }
        }
    },
};

export const maxReceiveCount: ResourceValidationPolicy = {
    name: "max-receive-count-at-least-5",
    description: "A redrive policy's maxReceiveCount should allow a few receives (AWS recommends at least 5) so throttling and transient errors do not send healthy messages to the DLQ.",
    enforcementLevel: "advisory",
    configSchema: { properties: { minimum: { type: "integer", minimum: 1, maximum: 1000, default: 5 } } },
    validateResource: (args, report) => {
        if (args.type !== T.queue) return;
        const redrive = parseJson(peek(args.props, "redrivePolicy"));
        if (redrive === UNKNOWN || redrive === undefined || redrive === null) return;
        const count = peek(redrive, "maxReceiveCount");
        const { minimum } = args.getConfig<{ minimum: number }>();
        if (typeof count === "number" && count < minimum) report(`maxReceiveCount ${count} is below ${minimum}`);
    },
};

export const timeoutPolicies = [visibilityExceedsTimeout, visibilityRecommended, dlqRetentionLonger, maxReceiveCount];
