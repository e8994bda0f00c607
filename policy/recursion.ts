// Recursive loops: a function that sends to the queue or topic that invokes it runs until Lambda stops the chain,
// and only if the function's recursive loop detection says Terminate ("Use Lambda recursive loop detection to
// prevent infinite loops", AWS Lambda developer guide).
import { StackValidationPolicy } from "@pulumi/policy";
import { linked, peek, T, UNKNOWN } from "./lib";

export const functionRecursionTerminate: StackValidationPolicy = {
    name: "function-recursion-terminate",
    description: "Every Lambda function needs a FunctionRecursionConfig with recursiveLoop Terminate, stated in the stack: with Allow a function that sends to its own queue or topic loops, and is billed, until someone notices.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const configs = args.resources.filter((r) => r.type === T.recursionConfig);
        for (const fn of args.resources.filter((r) => r.type === T.function)) {
            const own = configs.filter((c) => linked(c, "functionName", [T.function], args.resources).includes(fn));
            if (own.length === 0) {
                report(`function ${fn.name} has no FunctionRecursionConfig: state recursiveLoop Terminate so the stack, not the account's history, decides`, fn.urn);
                continue;
            }
            for (const c of own) {
                const loop = peek(c.props, "recursiveLoop");
                if (loop !== UNKNOWN && loop !== "Terminate") report(`function ${fn.name}: ${c.name} sets recursiveLoop ${JSON.stringify(loop)}; allowed Terminate`, c.urn);
            }
        }
    },
};

export const recursionPolicies = [functionRecursionTerminate];
