import * as aws from "../shared/aws";
import * as pulumi from "@pulumi/pulumi";
import { IdempotentConsumerSettings, redeliveryHorizonSeconds } from "../config";
import { TABLE_WRITE_THROTTLES } from "../shared/alarm-definitions";
import { alarmOn } from "../shared/alarms";
import { SqsConsumer } from "../shared/sqs-consumer";

export { STRATEGIES } from "./strategies";
export type { Strategy } from "./strategies";
import { STRATEGIES, STRATEGY_WIRING, type Strategy } from "./strategies";

/** What Powertools needs of the table: read, claim (conditional put), complete (update) and release (delete) a record. */
export const IDEMPOTENCY_TABLE_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"];

export interface IdempotentConsumerArgs {
    settings: IdempotentConsumerSettings;
    /** Which consumers to build; default all three, so their behaviour can be compared side by side. */
    strategies?: readonly Strategy[];
    logRetentionDays: number;
    alarmTopicArn: pulumi.Input<string>;
}

/**
 * Idempotent consumers: each record's side effect runs inside Powertools `makeIdempotent`, which claims the
 * record's key in DynamoDB with a conditional write before running and stores the result after; duplicates
 * get the stored result. One table serves every consumer: Powertools prefixes each key with the function name.
 */
export class IdempotentConsumer extends pulumi.ComponentResource {
    readonly table: aws.dynamodb.Table;
    readonly throttleAlarm: aws.cloudwatch.MetricAlarm;
    readonly consumers: Partial<Record<Strategy, SqsConsumer>> = {};
    /** Seconds a completed record answers duplicates. */
    readonly expiresAfterSeconds: number;

    constructor(name: string, args: IdempotentConsumerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("serverless-patterns-lab:patterns:IdempotentConsumer", name, {}, opts);
        const s = args.settings;
        // A redelivery comes at most visibility timeout × maxReceiveCount after the first receive; a record that
        // lives at least that long catches every one. Longer catches late producer retries too, for more storage.
        this.expiresAfterSeconds = s.expiresAfterSeconds ?? redeliveryHorizonSeconds(s);
        if (this.expiresAfterSeconds < redeliveryHorizonSeconds(s)) {
            throw new Error(`${name}: expiresAfterSeconds ${this.expiresAfterSeconds} is shorter than the redelivery horizon ${redeliveryHorizonSeconds(s)}`);
        }

        this.table = new aws.dynamodb.Table(`${name}-records`, {
            billingMode: "PAY_PER_REQUEST", // pay per record, no capacity to plan for bursts
            hashKey: "id", // Powertools' default key attribute
            attributes: [{ name: "id", type: "S" }],
            // Powertools writes `expiration` (epoch seconds); TTL deletes expired records within days, and
            // Powertools treats an expired record as absent in the meantime.
            ttl: { attributeName: "expiration", enabled: true },
            pointInTimeRecovery: { enabled: true },
            serverSideEncryption: { enabled: true }, // the AWS managed key aws/dynamodb: no key policy for roles to need
            deletionProtectionEnabled: false, // a lab table; a production one would turn this on
        }, { parent: this });

        this.throttleAlarm = alarmOn(`${name}-records`, TABLE_WRITE_THROTTLES, { table: this.table }, args.alarmTopicArn, { parent: this }, `${name}'s idempotency table`);

        for (const strategy of args.strategies ?? STRATEGIES) {
            const wiring = STRATEGY_WIRING[strategy];
            this.consumers[strategy] = new SqsConsumer(`${name}-${strategy}`, {
                handler: "idempotent-consumer",
                description: `Idempotent consumer, ${wiring.description}`,
                settings: s,
                fifo: wiring.fifo,
                logRetentionDays: args.logRetentionDays,
                alarmTopicArn: args.alarmTopicArn,
                statements: [{ Sid: "IdempotencyRecords", Action: IDEMPOTENCY_TABLE_ACTIONS, Resource: [this.table.arn] }],
                environment: {
                    IDEMPOTENCY_TABLE_NAME: this.table.name,
                    IDEMPOTENCY_KEY_STRATEGY: wiring.keyStrategy,
                    IDEMPOTENCY_BUSINESS_KEY_PATH: s.businessKeyPath,
                    IDEMPOTENCY_EXPIRY_SECONDS: String(this.expiresAfterSeconds),
                },
            }, { parent: this });
        }
        this.registerOutputs(this.outputs);
    }

    /** Stack outputs: the table and, per strategy, the queue to send to and its DLQ. */
    get outputs() {
        return {
            tableName: this.table.name,
            tableArn: this.table.arn,
            expiresAfterSeconds: this.expiresAfterSeconds,
            consumers: Object.fromEntries(Object.entries(this.consumers).map(([strategy, c]) => [strategy, {
                queueUrl: c!.queue.queue.url,
                queueArn: c!.queue.queue.arn,
                deadLetterQueueUrl: c!.queue.deadLetterQueue.url,
                functionName: c!.function.function.name,
            }])),
        };
    }
}
