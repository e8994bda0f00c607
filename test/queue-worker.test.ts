import { strict as assert } from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { pathToFileURL } from "url";
import { SQS_MAX_MESSAGE_BYTES } from "../functions/shared/aws-limits";
import { LabRun } from "../lab/harness";
import { SimQueue } from "../lab/sim/sqs";
import { bundledHandler, bundleHandler, HANDLER_FILE } from "../patterns/shared/bundle";
import { QUEUE_MAX_MESSAGE_SIZE } from "../patterns/shared/queue";
import { ProgramRun, RecordedResource, runProgram, Stack, T } from "./harness";


/** The queue worker on its defaults: one program run, read by both suites below. */
let queueWorkerOnly: Promise<ProgramRun> | undefined;
const queueWorkerRun = () => (queueWorkerOnly ??= runProgram({ queueWorker: true }));

const typeCounts = (resources: RecordedResource[]) =>
    resources.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.type]: (acc[r.type] ?? 0) + 1 }), {});

describe("program toggles", () => {
    it("creates nothing when every pattern is off", async () => {
        const run = await runProgram({});
        assert.equal(run.error, undefined);
        assert.deepEqual(run.resources, []);
        assert.deepEqual(run.outputs, {}, "no output at all, not one per disabled pattern");
    });

    it("creates exactly the queue worker, its blocks and the alarm topic when queueWorker is on", async () => {
        const run = await queueWorkerRun();
        assert.equal(run.error, undefined);
        const components = run.resources.filter((r) => !r.custom).map((r) => `${r.type}::${r.name}`).sort();
        assert.deepEqual(components, [
            "serverless-patterns-lab:patterns:QueueWorker::queue-worker",
            "serverless-patterns-lab:shared:AlarmTopic::alarms",
            "serverless-patterns-lab:shared:DeadLetterQueue::queue-worker-dlq",
            "serverless-patterns-lab:shared:ObservedFunction::queue-worker-fn",
            "serverless-patterns-lab:shared:QueueWithDlq::queue-worker",
            "serverless-patterns-lab:shared:SqsConsumer::queue-worker",
            "serverless-patterns-lab:shared:StackDashboard::dashboard",
        ]);
        assert.deepEqual(typeCounts(run.resources.filter((r) => r.custom)), {
            "aws:kms/key:Key": 1,
            "aws:sns/topic:Topic": 1,
            "aws:sns/topicPolicy:TopicPolicy": 1,
            [T.queue]: 2,
            [T.queuePolicy]: 2,
            [T.redriveAllow]: 1,
            [T.alarm]: 7, // source age, noisy tenants, DLQ depth, Errors, Throttles, RecursiveInvocationsDropped, RecordsRetried
            [T.logGroup]: 1,
            [T.role]: 1,
            [T.rolePolicy]: 1,
            [T.fn]: 1,
            "aws:lambda/functionRecursionConfig:FunctionRecursionConfig": 1,
            [T.esm]: 1,
            "aws:cloudwatch/dashboard:Dashboard": 1,
        });
    });
});

describe("queue worker wiring", () => {
    let run: ProgramRun;
    let stack: Stack;
    before(async () => {
        run = await queueWorkerRun();
        stack = new Stack(run);
    });

    const queue = () => stack.get(T.queue, "queue-worker");
    const dlq = () => stack.get(T.queue, "queue-worker-dlq");
    const fn = () => stack.get(T.fn, "queue-worker-fn");
    const topicArn = () => stack.get(T.topic, "alarms").state.arn;

    it("maps this queue to this function, reporting batch item failures, with the configured batching and concurrency", () => {
        const esm = stack.get(T.esm, "queue-worker-esm").inputs;
        assert.equal(esm.eventSourceArn, queue().state.arn);
        assert.equal(esm.functionName, fn().state.arn);
        assert.deepEqual(esm.functionResponseTypes, ["ReportBatchItemFailures"]);
        assert.equal(esm.batchSize, 10);
        assert.equal(esm.maximumBatchingWindowInSeconds, 0);
        assert.deepEqual(esm.scalingConfig, { maximumConcurrency: 10 });
        assert.equal(esm.provisionedPollerConfig, undefined);
    });

    it("in provisioned mode deploys provisionedPollerConfig and no scalingConfig (Lambda takes one or the other)", async () => {
        const provisioned = new Stack(await runProgram({ queueWorker: true, queueWorkerSettings: { provisionedPollers: { minimumPollers: 3, maximumPollers: 30 } } }));
        const esm = provisioned.get(T.esm, "queue-worker-esm").inputs;
        assert.deepEqual(esm.provisionedPollerConfig, { minimumPollers: 3, maximumPollers: 30 });
        assert.equal(esm.scalingConfig, undefined);
    });

    it("redrives this queue to this DLQ after 5 receives, and the DLQ accepts redrives from this queue only", () => {
        assert.deepEqual(JSON.parse(queue().inputs.redrivePolicy), { deadLetterTargetArn: dlq().state.arn, maxReceiveCount: 5 });
        const allow = stack.get(T.redriveAllow, "queue-worker-dlq-redrive-allow").inputs;
        assert.equal(allow.queueUrl, dlq().state.url);
        assert.deepEqual(JSON.parse(allow.redriveAllowPolicy), { redrivePermission: "byQueue", sourceQueueArns: [queue().state.arn] });
    });

    it("sets the visibility timeout to 6 × function timeout + batching window", async () => {
        assert.equal(queue().inputs.visibilityTimeoutSeconds, 6 * 30 + 0);
        const tuned = new Stack(await runProgram({ queueWorker: true, queueWorkerSettings: { functionTimeoutSeconds: 60, maximumBatchingWindowSeconds: 5, batchSize: 100 } }));
        assert.equal(tuned.get(T.queue, "queue-worker").inputs.visibilityTimeoutSeconds, 6 * 60 + 5);
        assert.equal(tuned.get(T.fn, "queue-worker-fn").inputs.timeout, 60);
        assert.equal(tuned.get(T.esm, "queue-worker-esm").inputs.batchSize, 100);
        const explicit = new Stack(await runProgram({ queueWorker: true, queueWorkerSettings: { visibilityTimeoutSeconds: 31 } }));
        assert.equal(explicit.get(T.queue, "queue-worker").inputs.visibilityTimeoutSeconds, 31);
    });

    it("encrypts both queues, keeps DLQ messages 14 days (longer than the source's 4) and denies non-TLS access to both", () => {
        assert.equal(queue().inputs.sqsManagedSseEnabled, true);
        assert.equal(dlq().inputs.sqsManagedSseEnabled, true);
        assert.equal(dlq().inputs.messageRetentionSeconds, 14 * 24 * 3600);
        assert.equal(queue().inputs.messageRetentionSeconds, 4 * 24 * 3600);
    });

    it("sets both queues' MaximumMessageSize to SQS's 1 MiB, the size the handlers' DLQ hand-off and the lab assume", () => {
        // Unset, the AWS provider documents 262,144 (SQS's default before August 2025): a record the handler fits into 1 MiB would be refused.
        assert.equal(queue().inputs.maxMessageSize, 1_048_576);
        assert.equal(dlq().inputs.maxMessageSize, 1_048_576);
        assert.equal(QUEUE_MAX_MESSAGE_SIZE, SQS_MAX_MESSAGE_BYTES);
        const lab = new SimQueue(new LabRun(1, 60).clock, { name: "lab-default", visibilityTimeoutSeconds: 30 });
        assert.equal(lab.refusal("x".repeat(QUEUE_MAX_MESSAGE_SIZE), {}), undefined, "the lab's default queue takes 1 MiB");
        assert.match(String(lab.refusal("x".repeat(QUEUE_MAX_MESSAGE_SIZE + 1), {})?.message), /shorter than 1048576 bytes/);
        for (const [policyName, target] of [["queue-worker-policy", queue()], ["queue-worker-dlq-policy", dlq()]] as const) {
            const policy = stack.get(T.queuePolicy, policyName).inputs;
            assert.equal(policy.queueUrl, target.state.url);
            assert.deepEqual(JSON.parse(policy.policy).Statement, [{
                Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: target.state.arn,
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            }]);
        }
    });

    it("lets the role consume this queue, send permanent failures to its DLQ and write its own log group, and nothing else", () => {
        const role = stack.get(T.role, "queue-worker-fn-role");
        const logGroup = stack.get(T.logGroup, "queue-worker-fn-logs");
        assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement, [
            { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        ]);
        const policies = stack.ofType(T.rolePolicy).filter((p) => p.inputs.role === role.state.name);
        assert.equal(policies.length, 1, "one inline policy, no managed attachments");
        assert.equal(stack.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").length, 0);
        assert.deepEqual(JSON.parse(policies[0].inputs.policy), {
            Version: "2012-10-17",
            Statement: [
                { Effect: "Allow", Sid: "WriteOwnLogs", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [`${logGroup.state.arn}:*`] },
                { Effect: "Allow", Sid: "ConsumeQueue", Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], Resource: [queue().state.arn] },
                { Effect: "Allow", Sid: "SendPermanentFailuresToDlq", Action: ["sqs:SendMessage"], Resource: [dlq().state.arn] },
            ],
        });
        assert.equal(fn().inputs.role, role.state.arn);
    });

    it("runs the function on Node.js 24 arm64, logging JSON to its own log group created first", () => {
        const f = fn();
        const logGroup = stack.get(T.logGroup, "queue-worker-fn-logs");
        assert.equal(f.inputs.runtime, "nodejs24.x");
        assert.deepEqual(f.inputs.architectures, ["arm64"]);
        assert.equal(f.inputs.handler, "index.handler");
        assert.deepEqual(f.inputs.loggingConfig, { logFormat: "JSON", logGroup: logGroup.state.name, applicationLogLevel: "INFO", systemLogLevel: "WARN" });
        assert.equal(logGroup.inputs.retentionInDays, 30);
        assert.ok(f.dependencies.includes(logGroup.urn), "created after its log group");
        assert.ok(f.dependencies.includes(stack.get(T.rolePolicy, "queue-worker-fn-policy").urn), "created after its permissions");
        assert.equal(f.inputs.environment.variables.MAX_RECEIVE_COUNT, "5");
        assert.equal(f.inputs.environment.variables.DEAD_LETTER_QUEUE_URL, dlq().state.url);
        assert.equal(f.inputs.environment.variables.POWERTOOLS_METRICS_NAMESPACE, "ServerlessPatternsLab");
        assert.ok(stack.get(T.esm, "queue-worker-esm").dependencies.includes(stack.get(T.rolePolicy, "queue-worker-fn-policy").urn));
    });

    it("alarms on this DLQ's depth, this queue's oldest message and this function's errors and throttles, all to the alarm topic", () => {
        const alarm = (name: string) => stack.get(T.alarm, name).inputs;
        const expectations: [string, string, string, Record<string, string>, number][] = [
            ["queue-worker-dlq-depth", "AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: dlq().state.name }, 0],
            ["queue-worker-oldest-message-age", "AWS/SQS", "ApproximateAgeOfOldestMessage", { QueueName: queue().state.name }, 300],
            ["queue-worker-fn-errors", "AWS/Lambda", "Errors", { FunctionName: fn().state.name }, 0],
            ["queue-worker-fn-throttles", "AWS/Lambda", "Throttles", { FunctionName: fn().state.name }, 0],
        ];
        for (const [name, namespace, metricName, dimensions, threshold] of expectations) {
            const a = alarm(name);
            assert.equal(a.namespace, namespace, name);
            assert.equal(a.metricName, metricName, name);
            assert.deepEqual(a.dimensions, dimensions, name);
            assert.equal(a.threshold, threshold, name);
            assert.equal(a.comparisonOperator, "GreaterThanThreshold", name);
            assert.deepEqual(a.alarmActions, [topicArn()], name);
            assert.deepEqual(a.okActions, [topicArn()], name);
        }
    });

    it("encrypts the alarm topic with a key CloudWatch may use, and lets only this account's alarms publish", () => {
        const key = stack.get("aws:kms/key:Key", "alarms-key");
        const topic = stack.get(T.topic, "alarms");
        assert.equal(topic.inputs.kmsMasterKeyId, key.state.arn);
        assert.equal(key.inputs.enableKeyRotation, true);
        const keyStatements = JSON.parse(key.inputs.policy).Statement;
        assert.deepEqual(keyStatements.find((s: any) => s.Sid === "CloudWatchAlarmsPublish"), {
            Sid: "CloudWatchAlarmsPublish", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: "*", Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
        });
        const topicPolicy = JSON.parse(stack.get("aws:sns/topicPolicy:TopicPolicy", "alarms-policy").inputs.policy);
        assert.deepEqual(topicPolicy.Statement[0].Condition, {
            ArnLike: { "aws:SourceArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:*" },
            StringEquals: { "aws:SourceAccount": "123456789012" },
        });
    });

    it("exports the queue, DLQ, function and alarm topic (the names the README's commands read), and nothing for the patterns that are off", () => {
        assert.deepEqual(Object.keys(run.outputs).sort(), ["alarmTopicArn", "dashboardName", "queueWorker"]);
        assert.deepEqual(run.outputs.queueWorker, {
            queueUrl: queue().state.url,
            queueArn: queue().state.arn,
            deadLetterQueueUrl: dlq().state.url,
            deadLetterQueueArn: dlq().state.arn,
            functionName: fn().state.name,
        });
        assert.equal(run.outputs.alarmTopicArn, topicArn());
    });

    it("deploys a bundle that exists, loads and exports the handler", async () => {
        const archivePath: string = await fn().inputs.code.path;
        const bundle = path.join(archivePath, HANDLER_FILE);
        assert.ok(fs.existsSync(bundle), `${bundle} exists`);
        assert.ok(fs.existsSync(`${bundle}.map`), "with its source map");
        const loaded = await import(pathToFileURL(bundle).href);
        assert.equal(typeof loaded.handler, "function");
        assert.equal(loaded.handler.length, 2, "handler(event, context)");
    });

    it("loads the SQS client only on a permanent failure: the code Lambda reads at cold start holds none of it", async () => {
        const { dir } = await bundledHandler("queue-worker");
        const files = fs.readdirSync(dir).filter((f) => f.endsWith(".mjs"));
        // Static imports are what Lambda loads with the handler; a dynamic import() loads its chunk on demand.
        const statics = (file: string) => [...fs.readFileSync(path.join(dir, file), "utf8").matchAll(/\bimport\s*(?:[^"'();]*?\bfrom\s*)?"\.\/([^"]+)"/g)].map((m) => m[1]);
        const coldStart = new Set<string>();
        const visit = (file: string) => { if (!coldStart.has(file)) { coldStart.add(file); statics(file).forEach(visit); } };
        visit(HANDLER_FILE);
        // "AmazonSQS." prefixes every SQS operation of the JSON protocol: it is in the SQS client's code and nowhere else.
        const sqsChunks = files.filter((f) => fs.readFileSync(path.join(dir, f), "utf8").includes('"AmazonSQS"'));
        assert.ok(sqsChunks.length > 0, "the bundle holds the SQS client");
        assert.deepEqual(sqsChunks.filter((f) => coldStart.has(f)), [], `cold start loads ${[...coldStart].join(", ")}`);
    });

    it("bundles the same source to the same bytes, so a second `pulumi up` shows no diff", async () => {
        const digest = (dir: string) => {
            const hash = crypto.createHash("sha256");
            for (const file of fs.readdirSync(dir).sort()) hash.update(file).update(fs.readFileSync(path.join(dir, file)));
            return hash.digest("hex");
        };
        const deployed = digest((await bundledHandler("queue-worker")).dir); // what this process's program runs archived
        assert.equal(digest((await bundleHandler("queue-worker")).dir), deployed);
    });
});
