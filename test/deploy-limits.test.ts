// AWS's deploy-time limits: every name, size and count the program sets is within what the AWS call that creates it
// accepts, for every toggle combination, with the longest project and stack names Pulumi accepts. One table (LIMITS)
// holds each limit with its page; docs/limits.md shows the same table, and this test fails when they differ or when
// the program registers a resource type the table has no limit for.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    BUSINESS_KEY_PATH_MAX_LENGTH, ConfigError, DASHBOARD_NAME_MAX_LENGTH, LAMBDA_ENVIRONMENT_MAX_BYTES, LOG_GROUP_NAME_MAX_LENGTH,
    FUNCTION_NAME_MAX_LENGTH, checkStackNames, parseLabConfig, TOGGLES,
} from "../patterns/config";
import { LAMBDA_NODE_MAJOR, LAMBDA_RUNTIME } from "../patterns/shared/runtime";
import { RecordedResource, runProgram } from "./harness";

const ROOT = path.resolve(__dirname, "..");
const READ = "2026-12-02";

// Pulumi: project and stack names are at most 100 characters of A–Z a–z 0–9 _ . - (pulumi/pulumi,
// sdk/go/common/tokens ValidateProjectName; the backends' "stack names are limited to 100 characters").
const LONGEST_PROJECT = `serverless-patterns-lab.${"p".repeat(100 - "serverless-patterns-lab.".length)}`;
const LONGEST_STACK = `stack.${"s".repeat(100 - "stack.".length)}`;

/**
 * Pulumi's auto-name of a resource whose name the program leaves unset: the logical name, "-", 7 random hex
 * characters (@pulumi/aws through the Terraform bridge's AutoName), then ".fifo" for a FIFO queue or topic.
 */
function physicalName(r: RecordedResource, field = "name"): string {
    const given = r.inputs[field];
    if (typeof given === "string") return given;
    return `${r.name}-abcdef0${r.inputs.fifoQueue || r.inputs.fifoTopic ? ".fifo" : ""}`;
}

/**
 * Mock ARNs and URLs are us-east-1 in the aws partition; AWS's longest are 14-character regions (us-isob-east-1,
 * ap-southeast-5) and the aws-iso-b partition. Sizes are measured on the longest.
 */
const longestArns = (text: string) => text.replaceAll("arn:aws:", "arn:aws-iso-b:").replaceAll("us-east-1", "us-isob-east-1");
const bytes = (text: string) => Buffer.byteLength(text, "utf8");

/** A broken limit: what, the value measured, and the limit. */
type Check = (r: RecordedResource, all: RecordedResource[]) => string | undefined;

const within = (what: string, value: number, max: number, min = 0) => (value > max || value < min ? `${what} ${value} outside ${min}–${max}` : undefined);
const nameCheck = (max: number, pattern: RegExp, field = "name", min = 1): Check => (r) => {
    const name = physicalName(r, field);
    if (name.length > max || name.length < min) return `${field} ${JSON.stringify(name)} has ${name.length} characters, allowed ${min}–${max}`;
    if (!pattern.test(name)) return `${field} ${JSON.stringify(name)} has a character outside ${pattern}`;
    return undefined;
};
const textCheck = (field: string, max: number, pattern?: RegExp): Check => (r) => {
    const text = r.inputs[field];
    if (text === undefined) return undefined;
    if (text.length > max) return `${field} has ${text.length} characters, allowed ${max}`;
    if (pattern && !pattern.test(text)) return `${field} ${JSON.stringify(text)} has a character outside ${pattern}`;
    return undefined;
};
/** IAM's policy grammar: tab, LF, CR and U+0020–U+00FF only (IAM and AWS STS quotas, "IAM name requirements"). */
const POLICY_CHARACTERS = /^[\u0009\u000A\u000D\u0020-\u00FF]*$/;
const policyCheck = (field: string, maxBytes: number): Check => (r) => {
    const doc = r.inputs[field];
    if (doc === undefined) return undefined;
    if (!POLICY_CHARACTERS.test(doc)) return `${field} has a character outside U+0009, U+000A, U+000D, U+0020–U+00FF`;
    return within(`${field} bytes`, bytes(longestArns(doc)), maxBytes);
};
const statements = (doc: string): any[] => [JSON.parse(doc).Statement].flat();

interface Limit {
    type: string;
    limit: string;
    value: string;
    /** Where the program keeps to it: this test, or a config check that refuses a value that would break it. */
    enforced: string;
    page: [title: string, url: string];
    /** False where the stored copy of the page did not show the number: the value is the API reference's as cited. */
    seen?: false;
    check: Check;
}

const IAM_QUOTAS: Limit["page"] = ["IAM and AWS STS quotas, name requirements, and character limits", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"];
const SQS_POLICY_QUOTAS: Limit["page"] = ["Amazon SQS policy quotas", "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-policies.html"];
const EB_QUOTAS: Limit["page"] = ["Amazon EventBridge quotas", "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html"];
const LAMBDA_QUOTAS: Limit["page"] = ["Lambda quotas", "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"];
const PUT_METRIC_ALARM: Limit["page"] = ["PutMetricAlarm (Amazon CloudWatch API Reference)", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html"];
const DASHBOARD_BODY: Limit["page"] = ["Dashboard Body Structure and Syntax", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html"];
const TAGGING: Limit["page"] = ["Tagging restrictions in DynamoDB", "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TaggingRestrictions.html"];
const THIS_TEST = "test/deploy-limits.test.ts";

const NAME_AUTO = "Pulumi auto-name (logical name + 8), checked by " + THIS_TEST;

export const LIMITS: Limit[] = [
    {
        type: "aws:sqs/queue:Queue", limit: "queue name", value: "1–80 characters: A–Z a–z 0–9 _ -; a FIFO queue's ends in .fifo, within the 80",
        enforced: NAME_AUTO, page: ["CreateQueue (Amazon SQS API Reference)", "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html"],
        check: nameCheck(80, /^[A-Za-z0-9_-]+(\.fifo)?$/),
    },
    {
        type: "aws:sqs/queuePolicy:QueuePolicy", limit: "queue policy size and counts", value: "8,192 bytes; 20 statements; 50 principals; 10 conditions; 7 actions per statement",
        enforced: THIS_TEST, page: SQS_POLICY_QUOTAS,
        check: (r) => {
            const doc = r.inputs.policy as string;
            const st = statements(doc);
            const principals = st.reduce((n, s) => n + (s.Principal === "*" ? 1 : Object.values(s.Principal).flat().length), 0);
            const conditions = st.reduce((n, s) => n + Object.values(s.Condition ?? {}).reduce((m: number, c: any) => m + Object.keys(c).length, 0), 0);
            return policyCheck("policy", 8192)(r, []) ?? within("statements", st.length, 20) ?? within("principals", principals, 50)
                ?? within("conditions", conditions, 10) ?? st.map((s) => within("actions in a statement", [s.Action].flat().length, 7)).find(Boolean);
        },
    },
    {
        type: "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", limit: "source queues of a redrive allow policy", value: "at most 10 (byQueue)",
        enforced: THIS_TEST, page: ["SetQueueAttributes (Amazon SQS API Reference)", "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html"], seen: false,
        check: (r) => within("sourceQueueArns", JSON.parse(r.inputs.redriveAllowPolicy).sourceQueueArns.length, 10, 1),
    },
    {
        type: "aws:lambda/function:Function", limit: "function name", value: "1–64 characters: A–Z a–z 0–9 _ -",
        enforced: NAME_AUTO, page: ["CreateFunction (AWS Lambda API Reference)", "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html"],
        check: nameCheck(FUNCTION_NAME_MAX_LENGTH, /^[A-Za-z0-9_-]+$/),
    },
    {
        type: "aws:lambda/function:Function", limit: "function description", value: "at most 256 characters",
        enforced: THIS_TEST, page: ["CreateFunction (AWS Lambda API Reference)", "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html"], seen: false,
        check: textCheck("description", 256),
    },
    {
        type: "aws:lambda/function:Function", limit: "environment variables, keys and values", value: "4 KB in all",
        enforced: `patterns/config.ts (businessKeyPath ≤ ${BUSINESS_KEY_PATH_MAX_LENGTH} characters), ${THIS_TEST}`, page: LAMBDA_QUOTAS,
        check: (r) => within("environment bytes", bytes(longestArns(JSON.stringify(r.inputs.environment?.variables ?? {}))), LAMBDA_ENVIRONMENT_MAX_BYTES),
    },
    {
        type: "aws:lambda/function:Function", limit: "runtime", value: `${LAMBDA_RUNTIME} (deprecation 30 April 2028)`,
        enforced: "patterns/shared/runtime.ts", page: ["Lambda runtimes", "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"],
        check: (r) => (r.inputs.runtime === LAMBDA_RUNTIME ? undefined : `runtime ${r.inputs.runtime}, expected ${LAMBDA_RUNTIME}`),
    },
    {
        type: "aws:lambda/permission:Permission", limit: "statement ID", value: "1–100 characters: A–Z a–z 0–9 - _ .",
        enforced: NAME_AUTO, page: ["AddPermission (AWS Lambda API Reference)", "https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html"], seen: false,
        check: nameCheck(100, /^[A-Za-z0-9_.-]+$/, "statementId"),
    },
    {
        type: "aws:lambda/eventSourceMapping:EventSourceMapping", limit: "batch size, batching window, maximum concurrency",
        value: "batch 1–10,000 (FIFO 1–10; > 10 needs a window ≥ 1 s); window 0–300 s; concurrency 2–1,000",
        enforced: "patterns/config.ts", page: ["Lambda parameters for Amazon SQS event source mappings", "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html"],
        check: (r) => within("batchSize", r.inputs.batchSize, 10_000, 1) ?? within("maximumBatchingWindowInSeconds", r.inputs.maximumBatchingWindowInSeconds ?? 0, 300)
            ?? (r.inputs.scalingConfig ? within("maximumConcurrency", r.inputs.scalingConfig.maximumConcurrency, 1000, 2) : undefined)
            ?? (r.inputs.batchSize > 10 && !(r.inputs.maximumBatchingWindowInSeconds >= 1) ? "batchSize > 10 without a batching window ≥ 1 s" : undefined),
    },
    {
        type: "aws:lambda/eventSourceMapping:EventSourceMapping", limit: "provisioned pollers (SQS)",
        value: "minimumPollers 2–200, maximumPollers 2–2,000 (AWS's newest page: to 10,000; @pulumi/aws 7.48 documents 2,000), minimum ≤ maximum; exclusive with maximum concurrency",
        enforced: "patterns/config.ts, policy sqs-event-source-scaling-valid", page: ["ProvisionedPollerConfig (AWS Lambda API Reference)", "https://docs.aws.amazon.com/lambda/latest/api/API_ProvisionedPollerConfig.html"],
        check: (r) => {
            const p = r.inputs.provisionedPollerConfig;
            if (!p) return r.inputs.scalingConfig ? undefined : "neither scalingConfig nor provisionedPollerConfig: the stack always bounds its mappings";
            if (r.inputs.scalingConfig) return "scalingConfig and provisionedPollerConfig together";
            return within("minimumPollers", p.minimumPollers, 200, 2) ?? within("maximumPollers", p.maximumPollers, 2000, 2)
                ?? (p.minimumPollers > p.maximumPollers ? `minimumPollers ${p.minimumPollers} above maximumPollers ${p.maximumPollers}` : undefined);
        },
    },
    {
        type: "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", limit: "asynchronous retries and event age", value: "0–2 retries; 60–21,600 s",
        enforced: "patterns/config.ts", page: ["PutFunctionEventInvokeConfig (AWS Lambda API Reference)", "https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionEventInvokeConfig.html"], seen: false,
        check: (r) => within("maximumRetryAttempts", r.inputs.maximumRetryAttempts, 2) ?? within("maximumEventAgeInSeconds", r.inputs.maximumEventAgeInSeconds, 21_600, 60),
    },
    {
        type: "aws:iam/role:Role", limit: "role name", value: "1–64 characters: A–Z a–z 0–9 + = , . @ _ -",
        enforced: NAME_AUTO, page: IAM_QUOTAS, seen: false,
        check: nameCheck(64, /^[A-Za-z0-9+=,.@_-]+$/),
    },
    {
        type: "aws:iam/role:Role", limit: "role description", value: "at most 1,000 characters: tab, LF, CR, U+0020–U+007E, U+00A1–U+00FF",
        enforced: THIS_TEST, page: ["CreateRole (IAM API Reference)", "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html"], seen: false,
        check: textCheck("description", 1000, /^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/),
    },
    {
        type: "aws:iam/role:Role", limit: "trust policy", value: "2,048 characters (default quota); IAM policy characters",
        enforced: THIS_TEST, page: IAM_QUOTAS, seen: false,
        check: policyCheck("assumeRolePolicy", 2048),
    },
    {
        type: "aws:iam/rolePolicy:RolePolicy", limit: "inline policy name", value: "1–128 characters: A–Z a–z 0–9 + = , . @ _ -",
        enforced: NAME_AUTO, page: IAM_QUOTAS, seen: false,
        check: nameCheck(128, /^[A-Za-z0-9+=,.@_-]+$/),
    },
    {
        type: "aws:iam/rolePolicy:RolePolicy", limit: "inline policies of one role, together", value: "10,240 characters (whitespace not counted); IAM policy characters",
        enforced: THIS_TEST, page: IAM_QUOTAS,
        check: (r, all) => {
            const ofRole = all.filter((p) => p.type === r.type && p.inputs.role === r.inputs.role);
            const total = ofRole.reduce((n, p) => n + longestArns(p.inputs.policy).replace(/\s/g, "").length, 0);
            return policyCheck("policy", Infinity)(r, all) ?? within("characters of the role's inline policies", total, 10_240);
        },
    },
    {
        type: "aws:cloudwatch/logGroup:LogGroup", limit: "log group name", value: `1–${LOG_GROUP_NAME_MAX_LENGTH} characters: a–z A–Z 0–9 _ - / . #`,
        enforced: "patterns/config.ts (checkStackNames)", page: ["CreateLogGroup (Amazon CloudWatch Logs API Reference)", "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html"],
        check: nameCheck(LOG_GROUP_NAME_MAX_LENGTH, /^[A-Za-z0-9_\-/.#]+$/),
    },
    {
        type: "aws:cloudwatch/metricAlarm:MetricAlarm", limit: "alarm name and description", value: "name 1–255 characters, no control characters; description at most 1,024",
        enforced: NAME_AUTO, page: PUT_METRIC_ALARM,
        check: (r) => nameCheck(255, /^[^\u0000-\u001F\u007F]+$/)(r, []) ?? textCheck("alarmDescription", 1024)(r, []),
    },
    {
        type: "aws:cloudwatch/metricAlarm:MetricAlarm", limit: "actions and metric math", value: "5 actions per state; 20 metric queries, at most 10 metrics and 10 expressions",
        enforced: THIS_TEST, page: PUT_METRIC_ALARM,
        check: (r) => {
            const queries: any[] = r.inputs.metricQueries ?? [];
            return within("alarmActions", (r.inputs.alarmActions ?? []).length, 5) ?? within("okActions", (r.inputs.okActions ?? []).length, 5)
                ?? within("metric queries", queries.length, 20) ?? within("metric queries with a metric", queries.filter((q) => q.metric).length, 10)
                ?? within("metric queries with an expression", queries.filter((q) => q.expression).length, 10)
                ?? (queries.length > 0 && queries.filter((q) => q.returnData).length !== 1 ? "metric math must return exactly one time series" : undefined);
        },
    },
    {
        type: "aws:cloudwatch/dashboard:Dashboard", limit: "dashboard name", value: `1–${DASHBOARD_NAME_MAX_LENGTH} characters: A–Z a–z 0–9 - _`,
        enforced: "patterns/config.ts (checkStackNames); patterns/shared/dashboard.ts replaces other characters",
        page: ["PutDashboard (Amazon CloudWatch API Reference)", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html"],
        check: nameCheck(DASHBOARD_NAME_MAX_LENGTH, /^[A-Za-z0-9_-]+$/, "dashboardName"),
    },
    {
        type: "aws:cloudwatch/dashboard:Dashboard", limit: "dashboard body", value: "0–500 widgets; 100 alarms per alarm status widget (no body size is published)",
        enforced: "patterns/shared/dashboard.ts", page: DASHBOARD_BODY,
        check: (r) => {
            const widgets: any[] = JSON.parse(r.inputs.dashboardBody).widgets;
            return within("widgets", widgets.length, 500) ?? widgets.filter((w) => w.type === "alarm").map((w) => within("alarms in a status widget", w.properties.alarms.length, 100)).find(Boolean);
        },
    },
    {
        type: "aws:sns/topic:Topic", limit: "topic name", value: "1–256 characters: A–Z a–z 0–9 _ -; a FIFO topic's ends in .fifo",
        enforced: NAME_AUTO, page: ["CreateTopic (Amazon SNS API Reference)", "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html"],
        check: nameCheck(256, /^[A-Za-z0-9_-]+(\.fifo)?$/),
    },
    {
        type: "aws:sns/topicPolicy:TopicPolicy", limit: "topic policy size", value: "assumption: 8,192 bytes and IAM policy characters (SNS's pages read name no size; SQS's, the smallest policy limit here)",
        enforced: THIS_TEST, page: SQS_POLICY_QUOTAS,
        check: policyCheck("policy", 8192),
    },
    {
        type: "aws:sns/topicSubscription:TopicSubscription", limit: "filter policy", value: "256 KB; 5 keys; 150 combinations of values",
        enforced: THIS_TEST, page: ["Filter policy constraints in Amazon SNS", "https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html"],
        check: (r) => {
            if (!r.inputs.filterPolicy) return undefined;
            const policy = JSON.parse(r.inputs.filterPolicy);
            const keys = Object.keys(policy).filter((k) => k !== "$or");
            const combinations = keys.reduce((n, k) => n * [policy[k]].flat().length, 1);
            return within("filter policy bytes", bytes(r.inputs.filterPolicy), 256 * 1024) ?? within("keys", keys.length, 5) ?? within("combinations", combinations, 150);
        },
    },
    {
        type: "aws:cloudwatch/eventBus:EventBus", limit: "event bus name and description", value: "name 1–256 characters: A–Z a–z 0–9 / . - _; description at most 512",
        enforced: NAME_AUTO, page: ["CreateEventBus (Amazon EventBridge API Reference)", "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_CreateEventBus.html"], seen: false,
        check: (r) => nameCheck(256, /^[A-Za-z0-9/._-]+$/)(r, []) ?? textCheck("description", 512)(r, []),
    },
    {
        type: "aws:cloudwatch/eventRule:EventRule", limit: "rule name and description", value: "name 1–64 characters: A–Z a–z 0–9 . - _; description at most 512",
        enforced: NAME_AUTO, page: ["PutRule (Amazon EventBridge API Reference)", "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html"], seen: false,
        check: (r) => nameCheck(64, /^[A-Za-z0-9._-]+$/)(r, []) ?? textCheck("description", 512)(r, []),
    },
    {
        type: "aws:cloudwatch/eventRule:EventRule", limit: "event pattern size", value: "2,048 characters (default quota, adjustable to 4,096)",
        enforced: THIS_TEST, page: EB_QUOTAS,
        check: textCheck("eventPattern", 2048),
    },
    {
        type: "aws:cloudwatch/eventTarget:EventTarget", limit: "target ID", value: "1–64 characters: A–Z a–z 0–9 . - _",
        enforced: NAME_AUTO, page: ["PutTargets (Amazon EventBridge API Reference)", "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutTargets.html"], seen: false,
        check: nameCheck(64, /^[A-Za-z0-9._-]+$/, "targetId"),
    },
    {
        type: "aws:cloudwatch/eventArchive:EventArchive", limit: "archive name and description", value: "name 1–48 characters: A–Z a–z 0–9 . - _; description at most 512",
        enforced: NAME_AUTO, page: ["CreateArchive (Amazon EventBridge API Reference)", "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_CreateArchive.html"],
        check: (r) => nameCheck(48, /^[A-Za-z0-9._-]+$/)(r, []) ?? textCheck("description", 512)(r, []),
    },
    {
        type: "aws:lambda/functionRecursionConfig:FunctionRecursionConfig", limit: "recursive loop setting", value: "Allow or Terminate (the program sets Terminate)",
        enforced: `policy function-recursion-terminate, ${THIS_TEST}`, page: ["PutFunctionRecursionConfig (AWS Lambda API Reference)", "https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionRecursionConfig.html"],
        check: (r) => (["Allow", "Terminate"].includes(r.inputs.recursiveLoop) ? undefined : `recursiveLoop ${JSON.stringify(r.inputs.recursiveLoop)} is not Allow or Terminate`),
    },
    {
        type: "aws:cloudwatch/logDeliverySource:LogDeliverySource", limit: "delivery source name and log type", value: "name 1–60 characters: A–Z a–z 0–9 _ -; an event bus's log types ERROR_LOGS, INFO_LOGS, TRACE_LOGS",
        enforced: NAME_AUTO, page: ["PutDeliverySource (Amazon CloudWatch Logs API Reference)", "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutDeliverySource.html"], seen: false,
        check: (r) => nameCheck(60, /^[A-Za-z0-9_-]+$/)(r, []) ?? (["ERROR_LOGS", "INFO_LOGS", "TRACE_LOGS"].includes(r.inputs.logType) ? undefined : `logType ${r.inputs.logType} is not an event bus log type`),
    },
    {
        type: "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination", limit: "delivery destination name", value: "1–60 characters: A–Z a–z 0–9 _ -",
        enforced: NAME_AUTO, page: ["PutDeliveryDestination (Amazon CloudWatch Logs API Reference)", "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutDeliveryDestination.html"], seen: false,
        check: nameCheck(60, /^[A-Za-z0-9_-]+$/),
    },
    {
        type: "aws:cloudwatch/logDelivery:LogDelivery", limit: "source and destination", value: "exactly one delivery source and one delivery destination per delivery",
        enforced: THIS_TEST, page: ["CreateDelivery (Amazon CloudWatch Logs API Reference)", "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateDelivery.html"],
        check: (r) => (r.inputs.deliverySourceName && r.inputs.deliveryDestinationArn ? undefined : "a delivery needs deliverySourceName and deliveryDestinationArn"),
    },
    {
        type: "aws:cloudwatch/logResourcePolicy:LogResourcePolicy", limit: "resource policy document", value: "1–5,120 characters; IAM policy characters",
        enforced: THIS_TEST, page: ["PutResourcePolicy (Amazon CloudWatch Logs API Reference)", "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutResourcePolicy.html"], seen: false,
        check: (r) => (POLICY_CHARACTERS.test(r.inputs.policyDocument ?? "") ? within("policyDocument characters", longestArns(r.inputs.policyDocument ?? "").length, 5120, 1) : "policyDocument has a character outside the IAM policy grammar"),
    },
    {
        type: "aws:dynamodb/table:Table", limit: "table name", value: "3–255 characters: a–z A–Z 0–9 _ - .",
        enforced: NAME_AUTO, page: ["CreateTable (Amazon DynamoDB API Reference)", "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html"], seen: false,
        check: nameCheck(255, /^[A-Za-z0-9_.-]+$/, "name", 3),
    },
    {
        type: "aws:kms/key:Key", limit: "key policy and description", value: "policy 32,768 bytes of printable ASCII, Latin-1, tab, LF, CR; description at most 8,192 characters",
        enforced: THIS_TEST, page: ["Creating a key policy (AWS KMS Developer Guide)", "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html"],
        check: (r) => policyCheck("policy", 32_768)(r, []) ?? textCheck("description", 8192)(r, []),
    },
];

/** Tags: every resource type here takes at most 50, keys of 1–128 and values of 0–256 characters. */
const TAGS: Limit = {
    type: "(every type)", limit: "tags", value: "50 per resource; key 1–128, value 0–256 characters (the program sets none)",
    enforced: THIS_TEST, page: TAGGING,
    check: (r) => {
        const tags: Record<string, string> = r.inputs.tags ?? {};
        return within("tags", Object.keys(tags).length, 50) ?? Object.entries(tags).map(([k, v]) => within(`tag key ${k}`, k.length, 128, 1) ?? within(`tag ${k} value`, v.length, 256)).find(Boolean);
    },
};

/** The table as docs/limits.md shows it. */
function markdownRows(): string[] {
    return [...LIMITS, TAGS].map((l) => `| \`${l.type.replace(/^aws:([^/]+)\/[^:]+:/, "$1.")}\` ${l.limit} | ${l.value} | ${l.enforced} | [${l.page[0]}](${l.page[1]}) | ${l.seen === false ? `${READ} (the stored copy did not show the number; value as the API reference gives it)` : READ} |`);
}

/** Every combination of the four toggles, each with the archive and an alarm e-mail so that every resource type appears. */
const combinations = Array.from({ length: 2 ** TOGGLES.length }, (_, i) => Object.fromEntries(TOGGLES.map((t, j) => [t, Boolean(i & (1 << j))])));
/**
 * Provisioned pollers (the largest the config takes) on the queue worker and the idempotent consumers in the combinations
 * with fanOut on: every combination of the other three toggles deploys in both scaling modes.
 */
const provisionedIn = (toggles: Record<string, boolean>) => toggles.fanOut;
const LARGEST_POLLERS = { minimumPollers: 200, maximumPollers: 2000 };

describe("AWS deploy-time limits", function () {
    const runs: { config: Record<string, boolean>; resources: RecordedResource[] }[] = [];

    before(async function () {
        for (const toggles of combinations) {
            const run = await runProgram({
                ...toggles,
                eventRoutingSettings: { archive: true },
                idempotentConsumerSettings: {
                    businessKeyPath: `order.${"k".repeat(BUSINESS_KEY_PATH_MAX_LENGTH - "order.".length)}`,
                    ...(provisionedIn(toggles) ? { provisionedPollers: LARGEST_POLLERS } : {}),
                },
                ...(provisionedIn(toggles) ? { queueWorkerSettings: { provisionedPollers: LARGEST_POLLERS } } : {}),
                alarmEmail: "alarms@example.com",
            }, { project: LONGEST_PROJECT, stack: LONGEST_STACK });
            if (run.error) throw run.error;
            runs.push({ config: toggles, resources: run.resources });
        }
    });

    it("every resource type the program creates has its limits in the table, and every table row is a type the program creates", () => {
        const created = new Set(runs.flatMap((r) => r.resources.filter((x) => x.custom).map((x) => x.type)));
        const tabled = new Set(LIMITS.map((l) => l.type));
        assert.deepEqual([...created].filter((t) => !tabled.has(t)).sort(), [], "resource types without a limit in LIMITS");
        assert.deepEqual([...tabled].filter((t) => !created.has(t)).sort(), [], "LIMITS rows for types the program does not create");
    });

    it("every name, size and count is within its limit in all 16 toggle combinations, with 100-character project and stack names", () => {
        const broken: string[] = [];
        let checked = 0;
        for (const { config, resources } of runs) {
            for (const r of resources.filter((x) => x.custom)) {
                for (const limit of [...LIMITS.filter((l) => l.type === r.type), TAGS]) {
                    checked++;
                    const problem = limit.check(r, resources);
                    if (problem) broken.push(`${r.type} ${r.name} (${JSON.stringify(config)}): ${limit.limit}: ${problem}`);
                }
            }
        }
        assert.deepEqual(broken, []);
        assert.ok(checked > 1000, `${checked} checks`);
    });

    it("the table checks what it says: a name one character too long, a policy too big or a fifth action list is reported", () => {
        const all = runs[runs.length - 1].resources;
        const fn = all.find((r) => r.type === "aws:lambda/function:Function")!;
        const long = { ...fn, name: "f".repeat(FUNCTION_NAME_MAX_LENGTH - 7) }; // + "-" + 7 hex = 65
        assert.match(LIMITS.find((l) => l.limit === "function name")!.check(long, all) ?? "", /65 characters, allowed 1–64/);
        const policy = all.find((r) => r.type === "aws:sqs/queuePolicy:QueuePolicy")!;
        const big = { ...policy, inputs: { ...policy.inputs, policy: JSON.stringify({ Version: "2012-10-17", Statement: Array.from({ length: 21 }, () => statements(policy.inputs.policy)[0]) }) } };
        assert.match(LIMITS.find((l) => l.type === policy.type)!.check(big, all) ?? "", /statements 21 outside 0–20/);
        const env = { ...fn, inputs: { ...fn.inputs, environment: { variables: { X: "x".repeat(LAMBDA_ENVIRONMENT_MAX_BYTES) } } } };
        assert.match(LIMITS.find((l) => l.limit.startsWith("environment"))!.check(env, all) ?? "", /environment bytes \d+ outside 0–4096/);
    });

    it("a business key path longer than the environment allows is a config error naming the key", () => {
        assert.throws(() => parseLabConfig({ "serverless-patterns-lab:idempotentConsumerSettings": JSON.stringify({ businessKeyPath: "a".repeat(BUSINESS_KEY_PATH_MAX_LENGTH + 1) }) }),
            (e: Error) => e instanceof ConfigError && /^Invalid config serverless-patterns-lab:idempotentConsumerSettings\.businessKeyPath = "a+": allowed .* of at most 3072 characters \(it is an environment variable/.test(e.message));
    });

    it("project and stack names whose log group or dashboard names would not fit are refused before any resource; Pulumi's longest fit", async () => {
        assert.doesNotThrow(() => checkStackNames(LONGEST_PROJECT, LONGEST_STACK));
        assert.throws(() => checkStackNames("p".repeat(200), "s".repeat(100)), { message: /^Invalid stack "p+\/s+": allowed project and stack names of at most 254 characters together, so the dashboard/ });
        assert.throws(() => checkStackNames("p".repeat(100), "s".repeat(400)), { message: /of at most 434 characters together, so \/aws\/lambda\/<project>\/<stack>\/<function> fits CloudWatch Logs' 512$/ });
        const run = await runProgram({ queueWorker: true }, { stack: "s".repeat(300) });
        assert.match(run.error?.message ?? "", /^Invalid stack "serverless-patterns-lab\/s+": allowed/);
        assert.deepEqual(run.resources.filter((r) => r.custom), [], "nothing registered");
    });

    it("the functions deploy on the runtime whose Node major tools/lambda-node pins for their tests and bench", () => {
        const pinned = JSON.parse(fs.readFileSync(path.join(ROOT, "tools", "lambda-node", "package.json"), "utf8")).dependencies.node;
        assert.equal(Number(pinned.split(".")[0]), LAMBDA_NODE_MAJOR);
        assert.equal(LAMBDA_RUNTIME, `nodejs${LAMBDA_NODE_MAJOR}.x`);
    });

    it("docs/limits.md's deploy-time table is this table", () => {
        const doc = fs.readFileSync(path.join(ROOT, "docs", "limits.md"), "utf8");
        const section = doc.split("## Deploy-time limits")[1].split("\n## ")[0];
        const rows = section.split("\n").filter((l) => l.startsWith("| `"));
        assert.deepEqual(rows, markdownRows(), "regenerate the rows from LIMITS (DEPLOY_LIMITS_PRINT=1 prints them)");
    });
});

if (process.env.DEPLOY_LIMITS_PRINT) console.log(markdownRows().join("\n"));
