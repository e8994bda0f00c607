import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { DLQ_RETENTION_SECONDS, MAX_VISIBILITY_TIMEOUT_SECONDS } from "../config";
import { DLQ_DEPTH, NOISY_GROUPS, oldestMessageAge } from "./alarm-definitions";
import { alarmOn } from "./alarms";
import { allowServiceFromSource, denyInsecureTransport } from "./iam";

/**
 * MaximumMessageSize of every queue: SQS's maximum and own default since August 2025, 1,048,576 bytes (CreateQueue:
 * "An integer from 1,024 bytes (1 KiB) to 1,048,576 bytes (1 MiB). Default: 1,048,576 bytes"). Set explicitly: the
 * AWS provider still documents 262,144, the old default. The handlers' DLQ hand-off and the lab assume the same value
 * (functions/shared/aws-limits.ts SQS_MAX_MESSAGE_BYTES; a test pins the two together).
 */
export const QUEUE_MAX_MESSAGE_SIZE = 1_048_576;

/** Lets an AWS service (SNS, EventBridge) send to the queue on behalf of one source ARN only. */
export interface ServiceSender {
    /** Statement id, unique within the queue policy. */
    sid: string;
    /** e.g. "sns.amazonaws.com", "events.amazonaws.com" */
    service: string;
    /** The topic or rule ARN the service must be acting for (`aws:SourceArn`). */
    sourceArn: pulumi.Input<string>;
}

export interface DeadLetterQueueArgs {
    /** The stack's alarm topic. */
    alarmTopicArn: pulumi.Input<string>;
    /** What ends up here and what to do about it, for the alarm's description. */
    purpose: string;
    /** Services allowed to send failed messages here (SNS subscription redrive, EventBridge target DLQ). */
    senders?: ServiceSender[];
    /** The DLQ of a FIFO queue must be FIFO too. */
    fifo?: boolean;
}

/**
 * A dead-letter queue: encrypted, TLS-only, kept 14 days (the SQS maximum, so it outlives any source), with
 * an alarm on any visible message. Used behind a source queue, an SNS subscription, an EventBridge target
 * or as a Lambda on-failure destination.
 */
export class DeadLetterQueue extends pulumi.ComponentResource {
    readonly queue: aws.sqs.Queue;
    readonly queuePolicy: aws.sqs.QueuePolicy;
    readonly depthAlarm: aws.cloudwatch.MetricAlarm;

    constructor(name: string, args: DeadLetterQueueArgs, opts?: pulumi.ComponentResourceOptions) {
        super("serverless-patterns-lab:shared:DeadLetterQueue", name, {}, opts);
        const child = { parent: this };
        this.queue = new aws.sqs.Queue(name, {
            messageRetentionSeconds: DLQ_RETENTION_SECONDS,
            maxMessageSize: QUEUE_MAX_MESSAGE_SIZE,
            sqsManagedSseEnabled: true,
            ...(args.fifo ? { fifoQueue: true } : {}), // Pulumi auto-names it with the required ".fifo" suffix
        }, child);
        this.queuePolicy = queuePolicy(`${name}-policy`, this.queue, args.senders ?? [], child);
        this.depthAlarm = alarmOn(name, DLQ_DEPTH, { queue: this.queue }, args.alarmTopicArn, child, `${name} (${args.purpose})`);
        this.registerOutputs({ queueUrl: this.queue.url, queueArn: this.queue.arn });
    }
}

export interface QueueWithDlqArgs {
    /** Source queue visibility timeout; consumers pass 6 × function timeout + batching window. */
    visibilityTimeoutSeconds: number;
    /** Source queue retention; must be shorter than the DLQ's 14 days. Default: the SQS default, 4 days. */
    messageRetentionSeconds?: number;
    /** Receives before SQS moves a message to the DLQ. Default 5 (AWS: at least 5). */
    maxReceiveCount?: number;
    /** Threshold of the source's ApproximateAgeOfOldestMessage alarm. Default 300 s. */
    oldestMessageAgeAlarmSeconds?: number;
    /** The stack's alarm topic. */
    alarmTopicArn: pulumi.Input<string>;
    /** Services allowed to send to the source queue. */
    senders?: ServiceSender[];
    /** Services allowed to send to the DLQ (e.g. an SNS subscription's or EventBridge target's redrive). */
    deadLetterSenders?: ServiceSender[];
    /**
     * A FIFO queue with content-based deduplication: a message whose body equals one sent in the last 5 minutes
     * is accepted and dropped (SQS deduplication interval); its DLQ is FIFO too.
     */
    fifo?: boolean;
}

/**
 * An SQS queue with its dead-letter queue, both encrypted (SSE-SQS, which SNS and EventBridge can publish to,
 * unlike alias/aws/sqs) and TLS-only, the DLQ accepting redrives from this source only; alarms on any message
 * in the DLQ and on the source's oldest message being too old.
 */
export class QueueWithDlq extends pulumi.ComponentResource {
    readonly queue: aws.sqs.Queue;
    readonly deadLetter: DeadLetterQueue;
    /** The DLQ's queue (shorthand for `deadLetter.queue`). */
    readonly deadLetterQueue: aws.sqs.Queue;
    readonly queuePolicy: aws.sqs.QueuePolicy;
    readonly redriveAllowPolicy: aws.sqs.RedriveAllowPolicy;
    readonly oldestMessageAlarm: aws.cloudwatch.MetricAlarm;
    /** A standard queue's producers set a tenant key as MessageGroupId (a fair queue): an alarm while a tenant is noisy. */
    readonly noisyGroupsAlarm?: aws.cloudwatch.MetricAlarm;

    constructor(name: string, args: QueueWithDlqArgs, opts?: pulumi.ComponentResourceOptions) {
        super("serverless-patterns-lab:shared:QueueWithDlq", name, {}, opts);
        const retention = args.messageRetentionSeconds ?? 4 * 24 * 3600;
        const maxReceiveCount = args.maxReceiveCount ?? 5;
        if (retention >= DLQ_RETENTION_SECONDS) {
            // A standard queue keeps the original enqueue time in the DLQ: a source retention ≥ the DLQ's loses redriven messages.
            throw new Error(`${name}: messageRetentionSeconds ${retention} must be shorter than the DLQ retention ${DLQ_RETENTION_SECONDS}`);
        }
        if (args.visibilityTimeoutSeconds < 0 || args.visibilityTimeoutSeconds > MAX_VISIBILITY_TIMEOUT_SECONDS) {
            throw new Error(`${name}: visibilityTimeoutSeconds ${args.visibilityTimeoutSeconds} is outside 0–${MAX_VISIBILITY_TIMEOUT_SECONDS}`);
        }
        if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
            throw new Error(`${name}: maxReceiveCount ${maxReceiveCount} is outside 1–1000`);
        }
        const child = { parent: this };

        this.deadLetter = new DeadLetterQueue(`${name}-dlq`, {
            alarmTopicArn: args.alarmTopicArn,
            purpose: `records of ${name} that failed ${maxReceiveCount} receives`,
            senders: args.deadLetterSenders,
            fifo: args.fifo,
        }, child);
        this.deadLetterQueue = this.deadLetter.queue;

        this.queue = new aws.sqs.Queue(name, {
            visibilityTimeoutSeconds: args.visibilityTimeoutSeconds,
            messageRetentionSeconds: retention,
            maxMessageSize: QUEUE_MAX_MESSAGE_SIZE,
            sqsManagedSseEnabled: true,
            redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: this.deadLetterQueue.arn, maxReceiveCount }),
            ...(args.fifo ? { fifoQueue: true, contentBasedDeduplication: true } : {}),
        }, child);

        // Separate resource: the DLQ cannot name its source inline without a create-time cycle.
        this.redriveAllowPolicy = new aws.sqs.RedriveAllowPolicy(`${name}-dlq-redrive-allow`, {
            queueUrl: this.deadLetterQueue.url,
            redriveAllowPolicy: pulumi.jsonStringify({ redrivePermission: "byQueue", sourceQueueArns: [this.queue.arn] }),
        }, child);

        this.queuePolicy = queuePolicy(`${name}-policy`, this.queue, args.senders ?? [], child);

        this.oldestMessageAlarm = alarmOn(name, oldestMessageAge(args.oldestMessageAgeAlarmSeconds ?? 300), { queue: this.queue }, args.alarmTopicArn, child);
        // Fair queues are standard queues: a FIFO queue's groups are ordered, never noisy.
        if (!args.fifo) this.noisyGroupsAlarm = alarmOn(name, NOISY_GROUPS, { queue: this.queue }, args.alarmTopicArn, child);

        this.registerOutputs({
            queueUrl: this.queue.url,
            queueArn: this.queue.arn,
            deadLetterQueueUrl: this.deadLetterQueue.url,
            deadLetterQueueArn: this.deadLetterQueue.arn,
        });
    }
}

function queuePolicy(name: string, queue: aws.sqs.Queue, senders: ServiceSender[], opts: pulumi.CustomResourceOptions): aws.sqs.QueuePolicy {
    return new aws.sqs.QueuePolicy(name, {
        queueUrl: queue.url,
        policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
                denyInsecureTransport("sqs:*", queue.arn),
                ...senders.map((s) => allowServiceFromSource(s.sid, s.service, "sqs:SendMessage", queue.arn, s.sourceArn)),
            ],
        }),
    }, opts);
}
