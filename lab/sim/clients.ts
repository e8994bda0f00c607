// AWS SDK v3 clients whose `send` lands in the simulator: the real producers and handlers call SendMessage,
// PublishBatch and PutEvents exactly as in AWS, and the simulated services answer with the real response shapes:
// a request the service refuses whole raises the SDK's exception (its name and message), an entry a batch call
// refuses is a per-entry failure, as the service reports it. Limits and their pages: docs/limits.md.
import { EventBridgeClient, EventBridgeServiceException, PutEventsCommand, PutEventsResultEntry } from "@aws-sdk/client-eventbridge";
import * as sns from "@aws-sdk/client-sns";
import * as sqs from "@aws-sdk/client-sqs";
import type { SQSMessageAttributes } from "aws-lambda";
import {
    bytes, messageSize, PUT_EVENTS_LIMIT_BYTES, PUT_EVENTS_MAX_ENTRIES, putEventsEntrySize, SNS_MAX_BATCH_ENTRIES, SQS_MAX_BATCH_BYTES, SQS_MAX_BATCH_ENTRIES,
} from "../../functions/shared/aws-limits";
import type { TraceContext } from "./esm";
import { SimEventBus } from "./eventbridge";
import { ServiceRefusal } from "./limits";
import { SimTopic } from "./sns";
import { SimQueue } from "./sqs";

type ExceptionClass = new (opts: { message: string; $metadata: object }) => Error;

/** The SDK's exception for a refusal: the modelled class of that name, else the service's base exception with the name. */
function sdkError(refusal: ServiceRefusal, modelled: Record<string, unknown>, Base: new (opts: { name: string; $fault: "client"; message: string; $metadata: object }) => Error): Error {
    const Modelled = modelled[refusal.name];
    if (typeof Modelled === "function" && (Modelled as { prototype: unknown }).prototype instanceof Error) {
        return new (Modelled as ExceptionClass)({ message: refusal.message, $metadata: {} });
    }
    return new Base({ name: refusal.name, $fault: "client", message: refusal.message, $metadata: {} });
}

/** A batch entry Id: "up to 80 characters ... alphanumeric characters, hyphens (-), and underscores (_)" (SQS and SNS). */
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

/** The checks SQS's and SNS's batch calls make of the request as a whole, in the order AWS names them. */
function batchRefusal(ids: (string | undefined)[], maxEntries: number, exception: (name: string) => string): ServiceRefusal | undefined {
    if (ids.length === 0) return new ServiceRefusal(exception("EmptyBatchRequest"), "There should be at least one entry in the request.");
    if (ids.length > maxEntries) return new ServiceRefusal(exception("TooManyEntriesInBatchRequest"), `Maximum number of entries per request are ${maxEntries}. You have sent ${ids.length}.`);
    const bad = ids.find((id) => !BATCH_ENTRY_ID.test(id ?? ""));
    if (bad !== undefined || ids.some((id) => id === undefined)) return new ServiceRefusal(exception("InvalidBatchEntryId"), `A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long: ${JSON.stringify(bad ?? "")}`);
    if (new Set(ids).size !== ids.length) return new ServiceRefusal(exception("BatchEntryIdsNotDistinct"), "Two or more batch entries in the request have the same Id.");
    return undefined;
}

/** SendMessage's attributes in the spelling the lab's queues keep (the Lambda event's). */
function toRecordAttributes(attributes: Record<string, sqs.MessageAttributeValue> | undefined): SQSMessageAttributes {
    const out: SQSMessageAttributes = {};
    for (const [name, a] of Object.entries(attributes ?? {})) {
        out[name] = a.BinaryValue !== undefined
            ? { dataType: a.DataType ?? "", binaryValue: Buffer.from(a.BinaryValue).toString("base64"), stringListValues: [], binaryListValues: [] }
            : { dataType: a.DataType ?? "", stringValue: a.StringValue, stringListValues: [], binaryListValues: [] };
    }
    return out;
}

/** `trace`: the execution environment the client runs in, whose recursion chain count the SDK stamps on each send (esm.ts). */
export function simulatedSqsClient(queues: SimQueue[], trace?: TraceContext): sqs.SQSClient {
    const byUrl = new Map(queues.map((q) => [q.url, q]));
    const queueOf = (url: string | undefined): SimQueue => {
        const queue = byUrl.get(url ?? "");
        if (!queue) throw new sqs.QueueDoesNotExist({ message: `The specified queue does not exist: ${url}`, $metadata: {} });
        return queue;
    };
    const fail = (refusal: ServiceRefusal) => sdkError(refusal, sqs as unknown as Record<string, unknown>, sqs.SQSServiceException);
    return {
        send: async (command: unknown) => {
            if (command instanceof sqs.SendMessageCommand) {
                const input = command.input;
                const queue = queueOf(input.QueueUrl);
                const attributes = toRecordAttributes(input.MessageAttributes);
                const refused = queue.refusal(input.MessageBody ?? "", attributes);
                if (refused) throw fail(refused);
                const messageId = queue.send(input.MessageBody ?? "", { attributes, messageGroupId: input.MessageGroupId, messageDeduplicationId: input.MessageDeduplicationId, chain: trace?.chain });
                return { MessageId: messageId, $metadata: {} };
            }
            if (command instanceof sqs.SendMessageBatchCommand) {
                const input = command.input;
                const queue = queueOf(input.QueueUrl);
                const entries = input.Entries ?? [];
                const whole = batchRefusal(entries.map((e) => e.Id), SQS_MAX_BATCH_ENTRIES, (name) => name);
                if (whole) throw fail(whole);
                // "the maximum total payload size (the sum of the individual lengths of all of the batched messages)" is 1 MiB.
                const total = entries.reduce((sum, e) => sum + messageSize(e.MessageBody ?? "", e.MessageAttributes), 0);
                if (total > SQS_MAX_BATCH_BYTES) throw fail(new ServiceRefusal("BatchRequestTooLong", `Batch requests cannot be longer than ${SQS_MAX_BATCH_BYTES} bytes. You have sent ${total} bytes.`));
                queue.meterBatchRequest(total);
                const Successful: sqs.SendMessageBatchResultEntry[] = [];
                const Failed: sqs.BatchResultErrorEntry[] = [];
                for (const entry of entries) {
                    const attributes = toRecordAttributes(entry.MessageAttributes);
                    const refused = queue.refusal(entry.MessageBody ?? "", attributes);
                    if (refused) {
                        Failed.push({ Id: entry.Id, SenderFault: true, Code: refused.name, Message: refused.message });
                        continue;
                    }
                    const MessageId = queue.send(entry.MessageBody ?? "", { attributes, messageGroupId: entry.MessageGroupId, messageDeduplicationId: entry.MessageDeduplicationId, chain: trace?.chain }, false);
                    Successful.push({ Id: entry.Id, MessageId, MD5OfMessageBody: "" });
                }
                return { Successful, Failed, $metadata: {} };
            }
            throw new Error(`the lab's SQS client supports SendMessage and SendMessageBatch only, got ${(command as object).constructor.name}`);
        },
    } as unknown as sqs.SQSClient;
}

export function simulatedSnsClient(topic: SimTopic): sns.SNSClient {
    const fail = (refusal: ServiceRefusal) => sdkError(refusal, sns as unknown as Record<string, unknown>, sns.SNSServiceException);
    return {
        send: async (command: unknown) => {
            if (!(command instanceof sns.PublishBatchCommand)) throw new Error(`the lab's SNS client supports PublishBatch only, got ${(command as object).constructor.name}`);
            if (command.input.TopicArn !== topic.arn) throw new sns.NotFoundException({ message: `Topic does not exist: ${command.input.TopicArn}`, $metadata: {} });
            const entries = command.input.PublishBatchRequestEntries ?? [];
            const whole = batchRefusal(entries.map((e) => e.Id), SNS_MAX_BATCH_ENTRIES, (name) => `${name}Exception`);
            if (whole) throw fail(whole);
            // "The combined size of all messages in the batch, including each message's body and attributes, must not
            // exceed the topic's MaximumMessageSize": one message too large fails the whole call (PublishBatch).
            const total = entries.reduce((sum, e) => sum + messageSize(e.Message ?? "", e.MessageAttributes), 0);
            if (total > topic.maximumMessageSize) {
                throw fail(new ServiceRefusal("BatchRequestTooLongException", `The length of all the batch messages put together is more than the limit: ${bytes(total)} bytes, the topic's MaximumMessageSize is ${bytes(topic.maximumMessageSize)}.`));
            }
            topic.meterPublishRequest(total);
            const Successful: sns.PublishBatchResultEntry[] = [];
            const Failed: sns.BatchResultErrorEntry[] = [];
            for (const entry of entries) {
                const input = {
                    Message: entry.Message ?? "",
                    MessageAttributes: Object.fromEntries(Object.entries(entry.MessageAttributes ?? {}).map(([k, v]) => [k, { DataType: v.DataType ?? "", StringValue: v.StringValue }])),
                    ...(entry.MessageGroupId !== undefined ? { MessageGroupId: entry.MessageGroupId } : {}),
                };
                const refused = topic.refusal(input);
                if (refused) Failed.push({ Id: entry.Id, Code: refused.name.replace(/Exception$/, ""), Message: refused.message, SenderFault: true });
                else Successful.push({ Id: entry.Id, MessageId: topic.publish(input, false) });
            }
            return { Successful, Failed, $metadata: {} };
        },
    } as unknown as sns.SNSClient;
}

export function simulatedEventBridgeClient(bus: SimEventBus): EventBridgeClient {
    const fail = (name: string, message: string) => new EventBridgeServiceException({ name, $fault: "client", message, $metadata: {} });
    return {
        send: async (command: unknown) => {
            if (!(command instanceof PutEventsCommand)) throw new Error(`the lab's EventBridge client supports PutEvents only, got ${(command as object).constructor.name}`);
            const entries = command.input.Entries ?? [];
            if (entries.length === 0 || entries.length > PUT_EVENTS_MAX_ENTRIES) {
                throw fail("ValidationException", `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${PUT_EVENTS_MAX_ENTRIES} and greater than or equal to 1`);
            }
            // "the total entry size must be less than 1MB", counted as "Calculating PutEvents event entry size" says.
            const total = entries.reduce((sum, e) => sum + putEventsEntrySize(e), 0);
            if (total >= PUT_EVENTS_LIMIT_BYTES) throw fail("ValidationException", "Total size of the entries in the request is over the limit.");
            const Entries: PutEventsResultEntry[] = entries.map((entry) => {
                if (entry.EventBusName !== bus.name) return { ErrorCode: "ResourceNotFoundException", ErrorMessage: `Event bus ${entry.EventBusName} does not exist.` };
                const input = { Source: entry.Source ?? "", DetailType: entry.DetailType ?? "", Detail: entry.Detail ?? "{}", Resources: entry.Resources };
                const refused = bus.refusal(input);
                return refused ? { ErrorCode: refused.name, ErrorMessage: refused.message } : { EventId: bus.put(input) };
            });
            return { Entries, FailedEntryCount: Entries.filter((e) => e.ErrorCode).length, $metadata: {} };
        },
    } as unknown as EventBridgeClient;
}
