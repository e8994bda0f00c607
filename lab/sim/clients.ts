// AWS SDK v3 clients whose `send` lands in the simulator: the real producers and handlers call SendMessage,
// PublishBatch and PutEvents exactly as in AWS, and the simulated services answer with the real response shapes.
import { EventBridgeClient, PutEventsCommand, PutEventsResultEntry } from "@aws-sdk/client-eventbridge";
import { PublishBatchCommand, PublishBatchResultEntry, SNSClient } from "@aws-sdk/client-sns";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { SQSMessageAttributes } from "aws-lambda";
import { SimEventBus } from "./eventbridge";
import { SimTopic } from "./sns";
import { SimQueue, stringAttribute } from "./sqs";

export function simulatedSqsClient(queues: SimQueue[]): SQSClient {
    const byUrl = new Map(queues.map((q) => [q.url, q]));
    return {
        send: async (command: unknown) => {
            if (!(command instanceof SendMessageCommand)) throw new Error(`the lab's SQS client supports SendMessage only, got ${(command as object).constructor.name}`);
            const input = command.input;
            const queue = byUrl.get(input.QueueUrl ?? "");
            if (!queue) throw Object.assign(new Error(`The specified queue does not exist: ${input.QueueUrl}`), { name: "QueueDoesNotExist" });
            const attributes: SQSMessageAttributes = {};
            for (const [name, a] of Object.entries(input.MessageAttributes ?? {})) {
                attributes[name] = stringAttribute(a.StringValue, a.DataType);
            }
            const messageId = queue.send(input.MessageBody ?? "", { attributes, messageGroupId: input.MessageGroupId, messageDeduplicationId: input.MessageDeduplicationId });
            return { MessageId: messageId, $metadata: {} };
        },
    } as unknown as SQSClient;
}

export function simulatedSnsClient(topic: SimTopic): SNSClient {
    return {
        send: async (command: unknown) => {
            if (!(command instanceof PublishBatchCommand)) throw new Error(`the lab's SNS client supports PublishBatch only, got ${(command as object).constructor.name}`);
            if (command.input.TopicArn !== topic.arn) throw Object.assign(new Error(`Topic does not exist: ${command.input.TopicArn}`), { name: "NotFoundException" });
            const Successful: PublishBatchResultEntry[] = (command.input.PublishBatchRequestEntries ?? []).map((entry) => ({
                Id: entry.Id,
                MessageId: topic.publish({
                    Message: entry.Message ?? "",
                    MessageAttributes: Object.fromEntries(Object.entries(entry.MessageAttributes ?? {}).map(([k, v]) => [k, { DataType: v.DataType ?? "String", StringValue: v.StringValue }])),
                }),
            }));
            return { Successful, Failed: [], $metadata: {} };
        },
    } as unknown as SNSClient;
}

export function simulatedEventBridgeClient(bus: SimEventBus): EventBridgeClient {
    return {
        send: async (command: unknown) => {
            if (!(command instanceof PutEventsCommand)) throw new Error(`the lab's EventBridge client supports PutEvents only, got ${(command as object).constructor.name}`);
            const Entries: PutEventsResultEntry[] = (command.input.Entries ?? []).map((entry) => {
                if (entry.EventBusName !== bus.name) return { ErrorCode: "ResourceNotFoundException", ErrorMessage: `Event bus ${entry.EventBusName} does not exist.` };
                return { EventId: bus.put({ Source: entry.Source ?? "", DetailType: entry.DetailType ?? "", Detail: entry.Detail ?? "{}", Resources: entry.Resources }) };
            });
            return { Entries, FailedEntryCount: Entries.filter((e) => e.ErrorCode).length, $metadata: {} };
        },
    } as unknown as EventBridgeClient;
}
