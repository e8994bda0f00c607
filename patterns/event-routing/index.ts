import * as aws from "../shared/aws";
import * as pulumi from "@pulumi/pulumi";
import { EventRoutingSettings } from "../config";
import { RULE_FAILED_INVOCATIONS, RULE_RETRY_ATTEMPTS } from "../shared/alarm-definitions";
import { alarmOn } from "../shared/alarms";
import { awsContext } from "../shared/aws-context";
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

/** Where the bus's log records go: a log group, the policy that lets CloudWatch Logs deliver into it, and the delivery. */
export interface BusLogs {
    logGroup: aws.cloudwatch.LogGroup;
    resourcePolicy: aws.cloudwatch.LogResourcePolicy;
    destination: aws.cloudwatch.LogDeliveryDestination;
    /** One delivery source and one delivery per log type: the bus's level decides which of them receive records. */
    sources: aws.cloudwatch.LogDeliverySource[];
    deliveries: aws.cloudwatch.LogDelivery[];
}

/** EventBridge's log types, one delivery source each ("Configuring logs for Amazon EventBridge event buses"). */
export const BUS_LOG_TYPES = ["ERROR_LOGS", "INFO_LOGS", "TRACE_LOGS"] as const;

/**
 * Bus logging to CloudWatch Logs as vended logs: a log group under /aws/vendedlogs/ that the stack owns, a resource
 * policy scoped to that group letting delivery.logs.amazonaws.com write to it only for this account and these delivery
 * sources, a delivery destination, and per log type a delivery source on the bus and a delivery pairing the two.
 * All three log types are delivered so a level change (busLogLevel) never needs new resources.
 */
function busLogs(name: string, bus: aws.cloudwatch.EventBus, retentionInDays: number, opts: pulumi.CustomResourceOptions): BusLogs {
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, {
        name: pulumi.interpolate`/aws/vendedlogs/events/event-bus/${bus.name}`,
        retentionInDays,
    }, opts);
    const id = (logType: string) => `${name}-${logType.toLowerCase().replace("_", "-")}`;
    const sources = BUS_LOG_TYPES.map((logType) => new aws.cloudwatch.LogDeliverySource(id(logType), {
        logType,
        resourceArn: bus.arn,
    }, opts));
    const account = awsContext().accountId;
    const resourcePolicy = new aws.cloudwatch.LogResourcePolicy(`${name}-log-delivery`, {
        resourceArn: logGroup.arn,
        policyDocument: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [{
                Sid: "AllowBusLogDelivery",
                Effect: "Allow",
                Principal: { Service: "delivery.logs.amazonaws.com" },
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: [pulumi.interpolate`${logGroup.arn}:log-stream:*`],
                Condition: { StringEquals: { "aws:SourceAccount": account }, ArnLike: { "aws:SourceArn": sources.map((s) => s.arn) } },
            }],
        }),
    }, opts);
    const destination = new aws.cloudwatch.LogDeliveryDestination(`${name}-logs-destination`, {
        deliveryDestinationConfiguration: { destinationResourceArn: logGroup.arn },
    }, opts);
    // One delivery at a time per destination: CloudWatch Logs refuses concurrent changes to one destination (the provider's example chains them).
    const deliveries: aws.cloudwatch.LogDelivery[] = [];
    for (const [i, source] of sources.entries()) {
        deliveries.push(new aws.cloudwatch.LogDelivery(`${id(BUS_LOG_TYPES[i])}-delivery`, {
            deliverySourceName: source.name,
            deliveryDestinationArn: destination.arn,
        }, { ...opts, dependsOn: [resourcePolicy, ...deliveries.slice(-1)] }));
    }
    return { logGroup, resourcePolicy, destination, sources, deliveries };
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
    readonly busLogs: BusLogs;
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

        this.bus = new aws.cloudwatch.EventBus(`${name}-bus`, {
            description: "Order events of the serverless-patterns-lab",
            logConfig: { level: s.busLogLevel, includeDetail: s.busLogIncludeDetail ? "FULL" : "NONE" },
        }, child);
        this.busLogs = busLogs(`${name}-bus`, this.bus, args.logRetentionDays, child);
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

        this.registerOutputs({ busArn: this.bus.arn, busLogGroupName: this.busLogs.logGroup.name });
    }

    /** Stack outputs: the bus, the rules, the producer, the SQS target's queue and every DLQ. */
    get outputs() {
        return {
            busName: this.bus.name,
            busArn: this.bus.arn,
            busLogGroupName: this.busLogs.logGroup.name,
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
