// Puts order events on the lab's EventBridge bus. Invoke it directly:
//   {"orders": [{"orderId": "o-1", "amount": 250, "region": "eu-west-1", "channel": "web"}], "correlationId": "demo-1"}
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { EventBridgeClient, PutEventsCommand, PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import type { Context } from "aws-lambda";
import { CORRELATION_ID_ATTRIBUTE, directCorrelationId } from "../shared/correlation";
import { publishStoredMetrics } from "../shared/metrics";
import { readOrders } from "../shared/producer";
import { EntryFailure, sendInBatches, SendOptions } from "../shared/send-batches";

export const ORDER_SOURCE = "lab.orders";
export const ORDER_PLACED = "OrderPlaced";

/** PutEvents entry errors worth retrying; anything else (e.g. a malformed detail) never succeeds. */
const RETRYABLE = new Set(["InternalFailure", "InternalException", "ThrottlingException"]);

export interface EventProducerDeps {
    client?: EventBridgeClient;
    busName?: string;
    logger?: Logger;
    metrics?: Metrics;
    send?: SendOptions;
}

export interface ProduceResult {
    correlationId: string;
    eventIds: string[];
}

export function createHandler(deps: EventProducerDeps = {}) {
    const client = deps.client ?? new EventBridgeClient({});
    const busName = deps.busName ?? process.env.EVENT_BUS_NAME;
    const logger = deps.logger ?? new Logger();
    const metrics = deps.metrics ?? new Metrics();

    return async (input: unknown, context: Context): Promise<ProduceResult> => {
        if (!busName) throw new Error("EVENT_BUS_NAME is not set"); // checked per call so the bundle loads anywhere
        logger.addContext(context);
        const correlationId = directCorrelationId(input);
        metrics.addMetadata("correlation_id", correlationId); // on this invocation's EMF line, cleared when published
        const log = logger.createChild({ persistentKeys: { correlation_id: correlationId } });
        try {
            const entries: PutEventsRequestEntry[] = readOrders(input).map((order) => ({
                EventBusName: busName,
                Source: ORDER_SOURCE,
                DetailType: ORDER_PLACED,
                // The ID travels in the detail: EventBridge has no message attributes.
                Detail: JSON.stringify({ ...order, [CORRELATION_ID_ATTRIBUTE]: correlationId }),
            }));
            const eventIds = await sendInBatches(entries, async (batch) => {
                const out = await client.send(new PutEventsCommand({ Entries: batch }));
                const results = new Map<number, string>();
                const failures: EntryFailure[] = [];
                (out.Entries ?? []).forEach((entry, index) => {
                    if (entry.EventId) results.set(index, entry.EventId);
                    else failures.push({ index, code: entry.ErrorCode ?? "Unknown", message: entry.ErrorMessage ?? "", retryable: RETRYABLE.has(entry.ErrorCode ?? "") });
                });
                if (failures.length > 0) log.warn("PutEvents refused entries", { failed_entry_count: out.FailedEntryCount, failures });
                return { results, failures };
            }, deps.send);
            metrics.addMetric("EventsPut", MetricUnit.Count, eventIds.length);
            log.info("events put", { count: eventIds.length, event_ids: eventIds });
            return { correlationId, eventIds };
        } catch (error) {
            log.error("producing events failed", { error: error as Error });
            throw error;
        } finally {
            publishStoredMetrics(metrics);
        }
    };
}

export const handler = createHandler();
