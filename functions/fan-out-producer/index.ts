// Publishes order messages to the lab's fan-out topic. Invoke it directly:
//   {"orders": [{"orderId": "o-1", "amount": 250, "region": "eu-west-1"}], "correlationId": "demo-1"}
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { MessageAttributeValue, PublishBatchCommand, PublishBatchRequestEntry, SNSClient } from "@aws-sdk/client-sns";
import type { Context } from "aws-lambda";
import { messageSize, SNS_DEFAULT_MAX_MESSAGE_BYTES, SNS_MAX_BATCH_ENTRIES, SNS_MAX_MESSAGE_BYTES_CEILING } from "../shared/aws-limits";
import { CORRELATION_ID_ATTRIBUTE, directCorrelationId } from "../shared/correlation";
import { Order } from "../shared/order";
import { publishStoredMetrics } from "../shared/metrics";
import { readOrders, reportProducerFailure } from "../shared/producer";
import { BatchLimits, EntryFailure, sendInBatches, SendOptions } from "../shared/send-batches";

export const ORDER_PLACED_TYPE = "order.placed";

export interface FanOutProducerDeps {
    client?: SNSClient;
    topicArn?: string;
    logger?: Logger;
    metrics?: Metrics;
    send?: SendOptions;
    /**
     * The topic's MaximumMessageSize: default 262,144 (256 KiB); up to 1,048,576 only on a topic with at most 100
     * subscriptions, all SQS, Lambda or Firehose (SNS API reference, SetTopicAttributes).
     */
    maximumMessageSize?: number;
}

/**
 * One PublishBatch call: at most 10 entries, each and all together within the topic's MaximumMessageSize, counting
 * every message's body and attributes (name, type and value).
 */
export function publishBatchLimits(maximumMessageSize = SNS_DEFAULT_MAX_MESSAGE_BYTES): BatchLimits<PublishBatchRequestEntry> {
    if (!Number.isInteger(maximumMessageSize) || maximumMessageSize < 1024 || maximumMessageSize > SNS_MAX_MESSAGE_BYTES_CEILING) {
        throw new Error(`maximumMessageSize ${maximumMessageSize}: allowed an integer 1024–${SNS_MAX_MESSAGE_BYTES_CEILING} (the topic's MaximumMessageSize)`);
    }
    return {
        api: "SNS PublishBatch",
        maxEntries: SNS_MAX_BATCH_ENTRIES,
        maxBatchBytes: maximumMessageSize,
        maxEntryBytes: maximumMessageSize,
        sizeOf: (entry) => messageSize(entry.Message ?? "", entry.MessageAttributes),
        counts: "the message body and every attribute's name, type and value",
    };
}

export interface PublishResult {
    correlationId: string;
    messageIds: string[];
}

const text = (value: string): MessageAttributeValue => ({ DataType: "String", StringValue: value });

/**
 * The attributes subscribers filter on (MessageAttributes scope) and read the correlation ID from; with raw
 * delivery SNS copies them to SQS message attributes (SQS allows at most 10).
 */
export function messageAttributes(order: Order, correlationId: string): Record<string, MessageAttributeValue> {
    return {
        [CORRELATION_ID_ATTRIBUTE]: text(correlationId),
        eventType: text(ORDER_PLACED_TYPE),
        ...(order.region ? { region: text(order.region) } : {}),
    };
}

export function createHandler(deps: FanOutProducerDeps = {}) {
    const client = deps.client ?? new SNSClient({});
    const topicArn = deps.topicArn ?? process.env.TOPIC_ARN;
    const logger = deps.logger ?? new Logger();
    const metrics = deps.metrics ?? new Metrics();
    const limits = publishBatchLimits(deps.maximumMessageSize);

    return async (input: unknown, context: Context): Promise<PublishResult> => {
        if (!topicArn) throw new Error("TOPIC_ARN is not set"); // checked per call so the bundle loads anywhere
        logger.addContext(context);
        const correlationId = directCorrelationId(input);
        metrics.addMetadata("correlation_id", correlationId); // on this invocation's EMF line, cleared when published
        const log = logger.createChild({ persistentKeys: { correlation_id: correlationId } });
        try {
            const orders = readOrders(input);
            const entries: PublishBatchRequestEntry[] = orders.map((order, i) => ({
                Id: String(i),
                // The body carries the type too, for subscribers that filter on the MessageBody scope.
                Message: JSON.stringify({ type: ORDER_PLACED_TYPE, ...order, [CORRELATION_ID_ATTRIBUTE]: correlationId }),
                MessageAttributes: messageAttributes(order, correlationId),
                // The tenant key: on a standard topic SNS forwards it to SQS standard subscriptions only, where it makes
                // the subscriber's queue a fair queue (SNS API reference, Publish; "Amazon SQS fair queues").
                ...(order.tenantId !== undefined ? { MessageGroupId: order.tenantId } : {}),
            }));
            const messageIds = await sendInBatches(entries, async (batch) => {
                const out = await client.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: batch }));
                const position = (id: string | undefined) => batch.findIndex((e) => e.Id === id);
                const results = new Map<number, string>();
                for (const ok of out.Successful ?? []) results.set(position(ok.Id), ok.MessageId ?? "");
                // SenderFault marks an entry SNS will never accept (bad attribute, too large); the rest may pass on retry.
                const failures: EntryFailure[] = (out.Failed ?? []).map((f) => ({
                    index: position(f.Id), code: f.Code ?? "Unknown", message: f.Message ?? "", retryable: f.SenderFault !== true,
                }));
                if (failures.length > 0) log.warn("PublishBatch refused entries", { failures: failures.map((f) => ({ ...f, orderId: orders[Number(batch[f.index]?.Id)]?.orderId })) });
                return { results, failures };
            }, { ...deps.send, limits, idOf: (i) => orders[i].orderId });
            metrics.addMetric("MessagesPublished", MetricUnit.Count, messageIds.length);
            log.info("messages published", { count: messageIds.length, message_ids: messageIds });
            return { correlationId, messageIds };
        } catch (error) {
            reportProducerFailure(error, log, metrics, "publishing failed", { sent: "MessagesPublished", unsent: "MessagesNotPublished" });
            throw error;
        } finally {
            publishStoredMetrics(metrics);
        }
    };
}

export const handler = createHandler();
