import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { ConsumerSettings, PollerSettings, recommendedVisibilityTimeout } from "../config";
import { RECORDS_RETRIED } from "./alarm-definitions";
import { alarmOn } from "./alarms";
import { showRecordMetrics } from "./dashboard";
import { ObservedFunction } from "./function";
import { AllowStatement, SQS_CONSUME_ACTIONS } from "./iam";
import { QueueWithDlq, ServiceSender } from "./queue";

export interface SqsConsumerArgs {
    /** Folder under functions/ holding the handler. */
    handler: string;
    description: string;
    settings: ConsumerSettings & PollerSettings;
    logRetentionDays: number;
    alarmTopicArn: pulumi.Input<string>;
    /** Permissions the handler needs beyond consuming its queue. */
    statements?: pulumi.Input<AllowStatement>[];
    environment?: Record<string, pulumi.Input<string>>;
    /** Services allowed to send to the queue / to its DLQ. */
    senders?: ServiceSender[];
    deadLetterSenders?: ServiceSender[];
    /** Consume a FIFO queue (content-based deduplication): batches of at most 10, no batching window. */
    fifo?: boolean;
}

/**
 * A queue with its DLQ consumed by a function through an event source mapping that reports batch item
 * failures, so one bad record does not send its batch-mates back to the queue.
 */
export class SqsConsumer extends pulumi.ComponentResource {
    readonly queue: QueueWithDlq;
    readonly function: ObservedFunction;
    readonly eventSourceMapping: aws.lambda.EventSourceMapping;
    readonly visibilityTimeoutSeconds: number;
    /** The handler's RecordsRetried EMF metric in 2 of 5 minutes: records coming back. */
    readonly recordsRetriedAlarm: aws.cloudwatch.MetricAlarm;

    constructor(name: string, args: SqsConsumerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("serverless-patterns-lab:shared:SqsConsumer", name, {}, opts);
        const s = args.settings;
        // 6 × function timeout + batching window: AWS Lambda developer guide, SQS. Shorter and a slow batch
        // becomes visible again while still running, and is processed twice.
        this.visibilityTimeoutSeconds = s.visibilityTimeoutSeconds ?? recommendedVisibilityTimeout(s);
        if (this.visibilityTimeoutSeconds <= s.functionTimeoutSeconds) {
            throw new Error(`${name}: visibilityTimeoutSeconds ${this.visibilityTimeoutSeconds} must be greater than functionTimeoutSeconds ${s.functionTimeoutSeconds}`);
        }
        if (s.batchSize > 10 && s.maximumBatchingWindowSeconds < 1) {
            throw new Error(`${name}: batchSize ${s.batchSize} > 10 needs maximumBatchingWindowSeconds ≥ 1`);
        }
        if (s.provisionedPollers && s.maximumConcurrency !== undefined) {
            throw new Error(`${name}: maximumConcurrency and provisionedPollers are exclusive (Lambda, services-sqs-scaling)`);
        }
        if (args.fifo && (s.batchSize > 10 || s.maximumBatchingWindowSeconds !== 0)) {
            throw new Error(`${name}: a FIFO queue's event source mapping takes batchSize ≤ 10 and no batching window`);
        }
        const child = { parent: this };

        this.queue = new QueueWithDlq(name, {
            visibilityTimeoutSeconds: this.visibilityTimeoutSeconds,
            messageRetentionSeconds: s.messageRetentionSeconds,
            maxReceiveCount: s.maxReceiveCount,
            oldestMessageAgeAlarmSeconds: s.oldestMessageAgeAlarmSeconds,
            alarmTopicArn: args.alarmTopicArn,
            senders: args.senders,
            deadLetterSenders: args.deadLetterSenders,
            fifo: args.fifo,
        }, child);

        this.function = new ObservedFunction(`${name}-fn`, {
            handler: args.handler,
            description: args.description,
            timeoutSeconds: s.functionTimeoutSeconds,
            memorySizeMb: s.memorySizeMb,
            statements: [
                { Sid: "ConsumeQueue", Action: SQS_CONSUME_ACTIONS, Resource: [this.queue.queue.arn] },
                // Permanent failures are sent to the DLQ by the handler instead of burning maxReceiveCount receives.
                { Sid: "SendPermanentFailuresToDlq", Action: ["sqs:SendMessage"], Resource: [this.queue.deadLetterQueue.arn] },
                ...(args.statements ?? []),
            ],
            // The handler calls a failure on the last allowed receive "poison".
            environment: { MAX_RECEIVE_COUNT: String(s.maxReceiveCount), DEAD_LETTER_QUEUE_URL: this.queue.deadLetterQueue.url, ...args.environment },
            logRetentionDays: args.logRetentionDays,
            alarmTopicArn: args.alarmTopicArn,
        }, child);

        showRecordMetrics(this.function.serviceName); // the handler's POWERTOOLS_SERVICE_NAME
        this.recordsRetriedAlarm = alarmOn(`${name}-fn`, RECORDS_RETRIED, { service: this.function.serviceName }, args.alarmTopicArn, child);

        this.eventSourceMapping = new aws.lambda.EventSourceMapping(`${name}-esm`, {
            eventSourceArn: this.queue.queue.arn,
            functionName: this.function.function.arn,
            batchSize: s.batchSize,
            // Not supported for FIFO queues (Lambda parameters for SQS event source mappings).
            maximumBatchingWindowInSeconds: args.fifo ? undefined : s.maximumBatchingWindowSeconds,
            functionResponseTypes: ["ReportBatchItemFailures"],
            // One or the other: maximum concurrency caps the default scaling; provisioned mode keeps minimumPollers
            // dedicated pollers running (billed while idle) and scales up to maximumPollers (services-sqs-scaling).
            ...(s.provisionedPollers
                ? { provisionedPollerConfig: { minimumPollers: s.provisionedPollers.minimumPollers, maximumPollers: s.provisionedPollers.maximumPollers } }
                : { scalingConfig: { maximumConcurrency: s.maximumConcurrency } }),
        }, { parent: this, dependsOn: [this.function.rolePolicy] }); // the mapping checks the role can receive

        this.registerOutputs({});
    }
}
