// Alarms on what fails quietly: a DLQ nobody watches, a function whose errors nobody sees.
import { StackValidationPolicy } from "@pulumi/policy";
import { deadLetterQueues, hasAlarm, T } from "./lib";

export const dlqHasDepthAlarm: StackValidationPolicy = {
    name: "dlq-has-depth-alarm",
    description: "Every DLQ needs a CloudWatch alarm on ApproximateNumberOfMessagesVisible: a DLQ nobody is paged for is where messages go to be forgotten.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        for (const dlq of deadLetterQueues(args.resources)) {
            if (!hasAlarm(dlq, "ApproximateNumberOfMessagesVisible", args.resources)) report(`DLQ ${dlq.name} has no ApproximateNumberOfMessagesVisible alarm`, dlq.urn);
        }
    },
};

export const functionHasErrorsAlarm: StackValidationPolicy = {
    name: "function-has-errors-alarm",
    description: "Every Lambda function needs a CloudWatch alarm on its Errors metric.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        for (const fn of args.resources.filter((r) => r.type === T.function)) {
            if (!hasAlarm(fn, "Errors", args.resources)) report(`function ${fn.name} has no Errors alarm`, fn.urn);
        }
    },
};

export const alarmPolicies = [dlqHasDepthAlarm, functionHasErrorsAlarm];
