// The lab's policy pack: `pulumi preview --policy-pack policy`. This module only constructs the pack (which
// starts the analyzer server); the policies live in modules tests can import.
import { PolicyPack } from "@pulumi/policy";
import { alarmPolicies } from "./alarms";
import { deadLetterQueuePolicies } from "./dead-letter-queues";
import { eventSourceMappingPolicies } from "./event-source-mappings";
import { leastPrivilegePolicies } from "./least-privilege";
import { loggingPolicies } from "./logging";
import { recursionPolicies } from "./recursion";
import { runtimePolicies } from "./runtimes";
import { timeoutPolicies } from "./timeouts";

new PolicyPack("serverless-patterns-lab", {
    policies: [...leastPrivilegePolicies, ...deadLetterQueuePolicies, ...alarmPolicies, ...timeoutPolicies, ...runtimePolicies, ...eventSourceMappingPolicies, ...recursionPolicies, ...loggingPolicies],
});
