// Publishes order messages to the lab's fan-out topic. Invoke it directly:
//   {"orders": [{"orderId": "o-1", "amount": 250, "region": "eu-west-1"}], "correlationId": "demo-1"}
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { MessageAttributeValue, PublishBatchCommand, PublishBatchRequestEntry, SNSClient } from "@aws-sdk/client-sns";
import type { Context } from "aws-lambda";
import { CORRELATION_ID_ATTRIBUTE, directCorrelationId } from "../shared/correlation";
import { Order } from "../shared/order";
import { publishStoredMetrics } from "../shared/metrics";
import { readOrders } from "../shared/producer";
import { EntryFailure, sendInBatches, SendOptions } from "../shared/send-batches";

export const ORDER_PLACED_TYPE = "order.placed";

export interface FanOutProducerDeps {
    client?: SNSClient;
    topicArn?: string;
    logger?: Logger;
    metrics?: Metrics;
    send?: SendOptions;
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

    return async (input: unknown, context: Context): Promise<PublishResult> => {
        if (!topicArn) throw new Error("TOPIC_ARN is not set"); // checked per call so the bundle loads anywhere
        logger.addContext(context);
        const correlationId = directCorrelationId(input);
        metrics.addMetadata("correlation_id", correlationId); // on this invocation's EMF line, cleared when published
        const log = logger.createChild({ persistentKeys: { correlation_id: correlationId } });
        try {
            const entries: PublishBatchRequestEntry[] = readOrders(input).map((order, i) => ({
                Id: String(i),
                // The body carries the type too, for subscribers that filter on the MessageBody scope.
                Message: JSON.stringify({ type: ORDER_PLACED_TYPE, ...order, [CORRELATION_ID_ATTRIBUTE]: correlationId }),
                MessageAttributes: messageAttributes(order, correlationId),
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
                if (failures.length > 0) log.warn("PublishBatch refused entries", { failures });
                return { results, failures };
            }, deps.send);
            metrics.addMetric("MessagesPublished", MetricUnit.Count, messageIds.length);
            log.info("messages published", { count: messageIds.length, message_ids: messageIds });
            return { correlationId, messageIds };
        } catch (error) {
            log.error("publishing failed", { error: error as Error });
            throw error;
        } finally {
            publishStoredMetrics(metrics);
        }
    };
}

export const handler = createHandler();
