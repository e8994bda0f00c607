import * as pulumi from "@pulumi/pulumi";
import { QueueWorkerSettings } from "../config";
import { SqsConsumer } from "../shared/sqs-consumer";

export interface QueueWorkerArgs {
    settings: QueueWorkerSettings;
    logRetentionDays: number;
    alarmTopicArn: pulumi.Input<string>;
}

/**
 * Asynchronous processing: producers send to an SQS queue, which buffers bursts; a Lambda function drains it
 * in batches at a bounded concurrency, reports only the failed records, and poison messages end in the DLQ.
 */
export class QueueWorker extends pulumi.ComponentResource {
    readonly consumer: SqsConsumer;
    readonly queueUrl: pulumi.Output<string>;
    readonly queueArn: pulumi.Output<string>;
    readonly deadLetterQueueUrl: pulumi.Output<string>;
    readonly deadLetterQueueArn: pulumi.Output<string>;
    readonly functionName: pulumi.Output<string>;

    constructor(name: string, args: QueueWorkerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("serverless-patterns-lab:patterns:QueueWorker", name, {}, opts);
        this.consumer = new SqsConsumer(name, {
            handler: "queue-worker",
            description: "Queue worker: processes order messages in batches, reporting failed records only",
            settings: args.settings,
            logRetentionDays: args.logRetentionDays,
            alarmTopicArn: args.alarmTopicArn,
        }, { parent: this });
        const { queue, deadLetterQueue } = this.consumer.queue;
        this.queueUrl = queue.url;
        this.queueArn = queue.arn;
        this.deadLetterQueueUrl = deadLetterQueue.url;
        this.deadLetterQueueArn = deadLetterQueue.arn;
        this.functionName = this.consumer.function.function.name;
        this.registerOutputs({
            queueUrl: this.queueUrl,
            queueArn: this.queueArn,
            deadLetterQueueUrl: this.deadLetterQueueUrl,
            deadLetterQueueArn: this.deadLetterQueueArn,
            functionName: this.functionName,
        });
    }

    /** Stack outputs: the queue, its DLQ and the function. */
    get outputs() {
        return {
            queueUrl: this.queueUrl,
            queueArn: this.queueArn,
            deadLetterQueueUrl: this.deadLetterQueueUrl,
            deadLetterQueueArn: this.deadLetterQueueArn,
            functionName: this.functionName,
        };
    }
}
