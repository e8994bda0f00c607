// A DLQ wherever a message can fail: queues that feed functions, EventBridge targets, SNS subscriptions,
// asynchronously invoked functions. A queue that is itself a DLQ needs none (no DLQ-of-the-DLQ loop).
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { deadLetterQueues, linked, peek, T, UNKNOWN } from "./lib";

export const eventSourceQueueHasDlq: StackValidationPolicy = {
    name: "sqs-event-source-has-dlq",
    description: "An SQS queue that is a Lambda event source needs a redrive policy to a DLQ, or a poison message is retried until its retention ends and is lost.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const dlqs = deadLetterQueues(args.resources);
        for (const esm of args.resources.filter((r) => r.type === T.esm)) {
            for (const queue of linked(esm, "eventSourceArn", [T.queue], args.resources)) {
                if (dlqs.has(queue)) continue;
                const redrive = peek(queue.props, "redrivePolicy");
                if (redrive === UNKNOWN) continue;
                if (redrive === undefined || redrive === null || redrive === "") report(`queue ${queue.name} feeds ${esm.name} but has no redrive policy`, queue.urn);
            }
        }
    },
};

export const eventBridgeTargetHasDlq: ResourceValidationPolicy = {
    name: "eventbridge-target-has-dlq",
    description: "Every EventBridge target needs deadLetterConfig: after its retries (185 over 24 h by default) EventBridge drops an undeliverable event otherwise.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== T.target) return;
        const arn = peek(args.props, "deadLetterConfig", "arn");
        if (arn === undefined || arn === null || arn === "") report("the target has no deadLetterConfig.arn");
    },
};

export const subscriptionHasRedrive: ResourceValidationPolicy = {
    name: "sns-subscription-has-redrive",
    description: "Every SNS subscription to SQS or Lambda needs a redrive policy: after its delivery retries SNS discards the message otherwise.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== T.subscription) return;
        const protocol = peek(args.props, "protocol");
        if (protocol !== "sqs" && protocol !== "lambda") return;
        const redrive = peek(args.props, "redrivePolicy");
        if (redrive === undefined || redrive === null || redrive === "") report(`the ${protocol} subscription has no redrive policy`);
    },
};

/** Functions something invokes asynchronously: EventBridge targets and functions a service may invoke (SNS, S3, EventBridge). */
function asyncFunctions(all: PolicyResource[]): Set<PolicyResource> {
    const fns = new Set<PolicyResource>();
    for (const r of all) {
        if (r.type === T.target) linked(r, "arn", [T.function], all).forEach((f) => fns.add(f));
        if (r.type === T.permission) {
            const principal = peek(r.props, "principal");
            if (["events.amazonaws.com", "sns.amazonaws.com", "s3.amazonaws.com"].includes(principal)) linked(r, "function", [T.function], all).forEach((f) => fns.add(f));
        }
    }
    return fns;
}

export const asyncFunctionHasFailureDestination: StackValidationPolicy = {
    name: "async-function-has-failure-destination",
    description: "A function invoked asynchronously needs an on-failure destination (FunctionEventInvokeConfig) or a DLQ: after Lambda's retries the event is dropped otherwise.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const configs = args.resources.filter((r) => r.type === T.invokeConfig);
        for (const fn of asyncFunctions(args.resources)) {
            const dlq = peek(fn.props, "deadLetterConfig", "targetArn");
            if (dlq === UNKNOWN || (typeof dlq === "string" && dlq !== "")) continue;
            const covered = configs.some((c) => linked(c, "functionName", [T.function], args.resources).includes(fn)
                && peek(c.props, "destinationConfig", "onFailure", "destination") !== undefined);
            if (!covered) report(`function ${fn.name} is invoked asynchronously but has no on-failure destination or DLQ`, fn.urn);
        }
    },
};

export const deadLetterQueuePolicies = [eventSourceQueueHasDlq, eventBridgeTargetHasDlq, subscriptionHasRedrive, asyncFunctionHasFailureDestination];
