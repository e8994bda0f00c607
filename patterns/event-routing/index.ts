import * as aws from "../shared/aws";
import * as pulumi from "@pulumi/pulumi";
import { EventRoutingSettings } from "../config";
import { RULE_FAILED_INVOCATIONS, RULE_RETRY_ATTEMPTS } from "../shared/alarm-definitions";
import { alarmOn } from "../shared/alarms";
import { ObservedFunction } from "../shared/function";
import { DeadLetterQueue, ServiceSender } from "../shared/queue";
import { SqsConsumer } from "../shared/sqs-consumer";

export { EU_ORDERS_PATTERN, HIGH_VALUE_ORDERS_PATTERN, ORDER_PLACED, ORDER_SOURCE } from "./rules";
import { EU_ORDERS_PATTERN, HIGH_VALUE_ORDERS_PATTERN } from "./rules";

export interface EventRoutingArgs {
    settings: EventRoutingSettings;
    logRetentionDays: number;
    alarmTopicArn: pulumi.Input<string>;
}

/** A rule with the resources every target carries: a DLQ the rule may send to, and a failed-invocations alarm. */
interface RuleResources {
    rule: aws.cloudwatch.EventRule;
    target: aws.cloudwatch.EventTarget;
    targetDeadLetter: DeadLetterQueue;
    failedInvocationsAlarm: aws.cloudwatch.MetricAlarm;
    retryingAlarm: aws.cloudwatch.MetricAlarm;
}

/**
 * Event routing: producers put events on a custom bus; each rule's content-based pattern selects the events its
 * target gets. Every target has an explicit retry policy and a DLQ for what EventBridge cannot deliver.
 */
export class EventRouting extends pulumi.ComponentResource {
    readonly bus: aws.cloudwatch.EventBus;
    readonly archive?: aws.cloudwatch.EventArchive;
    readonly highValue: RuleResources & { consumer: SqsConsumer };
    readonly euOrders: RuleResources & {
        function: ObservedFunction;
        permission: aws.lambda.Permission;
        invokeConfig: aws.lambda.FunctionEventInvokeConfig;
        onFailure: DeadLetterQueue;
    };
    readonly producer: ObservedFunction;

    constructor(name: string, args: EventRoutingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("serverless-patterns-lab:patterns:EventRouting", name, {}, opts);
        const s = args.settings;
        const child = { parent: this };
        const retryPolicy = { maximumRetryAttempts: s.targetMaximumRetryAttempts, maximumEventAgeInSeconds: s.targetMaximumEventAgeSeconds };

        this.bus = new aws.cloudwatch.EventBus(`${name}-bus`, { description: "Order events of the serverless-patterns-lab" }, child);
        if (s.archive) {
            this.archive = new aws.cloudwatch.EventArchive(`${name}-archive`, {
                eventSourceArn: this.bus.arn,
                retentionDays: s.archiveRetentionDays,
                description: "Every event on the bus, for replay after a consumer fix",
            }, child);
        }

        const rule = (id: string, description: string, pattern: object) => new aws.cloudwatch.EventRule(id, {
            eventBusName: this.bus.name,
            description,
            eventPattern: JSON.stringify(pattern),
        }, child);
        const targetDeadLetter = (id: string, ruleArn: pulumi.Output<string>) => new DeadLetterQueue(`${id}-target-dlq`, {
            alarmTopicArn: args.alarmTopicArn,
            purpose: `events EventBridge could not deliver to the ${id} target within its retry policy`,
            senders: [{ sid: "AllowRuleDeadLetters", service: "events.amazonaws.com", sourceArn: ruleArn }],
        }, child);
        // FailedInvocations counts only what EventBridge gave up on; RetryInvocationAttempts shows a target failing now.
        const ruleAlarms = (id: string, r: aws.cloudwatch.EventRule) => ({
            failedInvocationsAlarm: alarmOn(id, RULE_FAILED_INVOCATIONS, { rule: r, bus: this.bus }, args.alarmTopicArn, child),
            retryingAlarm: alarmOn(id, RULE_RETRY_ATTEMPTS, { rule: r, bus: this.bus }, args.alarmTopicArn, child),
        });

        // SQS target, consumed through the shared consumer block.
        {
            const id = `${name}-high-value`;
            const r = rule(id, "Orders of 100 or more (numeric match) to the high-value queue", HIGH_VALUE_ORDERS_PATTERN);
            const fromRule: ServiceSender[] = [{ sid: "AllowHighValueRule", service: "events.amazonaws.com", sourceArn: r.arn }];
            const consumer = new SqsConsumer(id, {
                handler: "queue-worker",
                description: "Event routing SQS target: processes high-value order events",
                settings: s,
                logRetentionDays: args.logRetentionDays,
                alarmTopicArn: args.alarmTopicArn,
                senders: fromRule,
            }, child);
            const dlq = targetDeadLetter(id, r.arn);
            const target = new aws.cloudwatch.EventTarget(id, {
                eventBusName: this.bus.name,
                rule: r.name,
                arn: consumer.queue.queue.arn,
                deadLetterConfig: { arn: dlq.queue.arn },
                retryPolicy,
            }, { parent: this, dependsOn: [consumer.queue.queuePolicy, dlq.queuePolicy] });
            this.highValue = { rule: r, target, targetDeadLetter: dlq, ...ruleAlarms(id, r), consumer };
        }

        // Lambda target, invoked asynchronously: EventBridge retries the invoke, Lambda retries the function.
        {
            const id = `${name}-eu-orders`;
            const r = rule(id, "EU orders except test traffic (prefix and anything-but) to the EU function", EU_ORDERS_PATTERN);
            const onFailure = new DeadLetterQueue(`${id}-on-failure`, {
                alarmTopicArn: args.alarmTopicArn,
                purpose: `events ${id}-fn failed on every async attempt`,
            }, child);
            const fn = new ObservedFunction(`${id}-fn`, {
                handler: "event-consumer",
                description: "Event routing Lambda target: processes EU order events, invoked asynchronously",
                timeoutSeconds: s.functionTimeoutSeconds,
                memorySizeMb: s.memorySizeMb,
                // Lambda sends failed async events to the destination with the function's own role.
                statements: [{ Sid: "SendToOnFailureDestination", Action: ["sqs:SendMessage"], Resource: [onFailure.queue.arn] }],
                logRetentionDays: args.logRetentionDays,
                alarmTopicArn: args.alarmTopicArn,
            }, child);
            const invokeConfig = new aws.lambda.FunctionEventInvokeConfig(`${id}-async`, {
                functionName: fn.function.name,
                maximumRetryAttempts: s.asyncMaximumRetryAttempts,
                maximumEventAgeInSeconds: s.asyncMaximumEventAgeSeconds,
                destinationConfig: { onFailure: { destination: onFailure.queue.arn } },
            }, { parent: this, dependsOn: [fn.rolePolicy] });
            const permission = new aws.lambda.Permission(`${id}-invoke`, {
                action: "lambda:InvokeFunction",
                function: fn.function.name,
                principal: "events.amazonaws.com",
                sourceArn: r.arn,
            }, child);
            const dlq = targetDeadLetter(id, r.arn);
            const target = new aws.cloudwatch.EventTarget(id, {
                eventBusName: this.bus.name,
                rule: r.name,
                arn: fn.function.arn,
                deadLetterConfig: { arn: dlq.queue.arn },
                retryPolicy,
            }, { parent: this, dependsOn: [permission, dlq.queuePolicy] });
            this.euOrders = { rule: r, target, targetDeadLetter: dlq, ...ruleAlarms(id, r), function: fn, permission, invokeConfig, onFailure };
        }

        this.producer = new ObservedFunction(`${name}-producer`, {
            handler: "event-producer",
            description: "Event routing producer: puts OrderPlaced events carrying a correlation ID",
            timeoutSeconds: 10,
            memorySizeMb: 256,
            statements: [{ Sid: "PutEventsOnBus", Action: ["events:PutEvents"], Resource: [this.bus.arn] }],
            environment: { EVENT_BUS_NAME: this.bus.name },
            logRetentionDays: args.logRetentionDays,
            alarmTopicArn: args.alarmTopicArn,
        }, child);

        this.registerOutputs({ busArn: this.bus.arn });
    }

    /** Stack outputs: the bus, the rules, the producer, the SQS target's queue and every DLQ. */
    get outputs() {
        return {
            busName: this.bus.name,
            busArn: this.bus.arn,
            ...(this.archive ? { archiveArn: this.archive.arn } : {}),
            producerFunctionName: this.producer.function.name,
            ruleArns: { highValue: this.highValue.rule.arn, euOrders: this.euOrders.rule.arn },
            highValueQueueUrl: this.highValue.consumer.queue.queue.url,
            euOrdersFunctionName: this.euOrders.function.function.name,
            deadLetterQueueUrls: {
                highValueConsumer: this.highValue.consumer.queue.deadLetterQueue.url,
                highValueTarget: this.highValue.targetDeadLetter.queue.url,
                euOrdersTarget: this.euOrders.targetDeadLetter.queue.url,
                euOrdersOnFailure: this.euOrders.onFailure.queue.url,
            },
        };
    }
}
