// Puts order events on the lab's EventBridge bus. Invoke it directly:
//   {"orders": [{"orderId": "o-1", "amount": 250, "region": "eu-west-1", "channel": "web"}], "correlationId": "demo-1"}
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { EventBridgeClient, PutEventsCommand, PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import type { Context } from "aws-lambda";
import { CORRELATION_ID_ATTRIBUTE, directCorrelationId } from "../shared/correlation";
import { PUT_EVENTS_LIMIT_BYTES, PUT_EVENTS_MAX_ENTRIES, putEventsEntrySize } from "../shared/aws-limits";
import { publishStoredMetrics } from "../shared/metrics";
import { readOrders, reportProducerFailure } from "../shared/producer";
import { BatchLimits, EntryFailure, sendInBatches, SendOptions } from "../shared/send-batches";

export const ORDER_SOURCE = "lab.orders";
export const ORDER_PLACED = "OrderPlaced";

/** PutEvents entry errors worth retrying; anything else (e.g. a malformed detail) never succeeds. */
const RETRYABLE = new Set(["InternalFailure", "InternalException", "ThrottlingException"]);

/** One PutEvents call: at most 10 entries whose sizes, counted as EventBridge counts them, total less than 1 MB. */
export const PUT_EVENTS_LIMITS: BatchLimits<PutEventsRequestEntry> = {
    api: "EventBridge PutEvents",
    maxEntries: PUT_EVENTS_MAX_ENTRIES,
    maxBatchBytes: PUT_EVENTS_LIMIT_BYTES - 1, // "the total entry size must be less than 1MB"
    maxEntryBytes: PUT_EVENTS_LIMIT_BYTES - 1,
    sizeOf: putEventsEntrySize,
    counts: "Source, DetailType, Detail and Resources in UTF-8, as \"Calculating PutEvents event entry size\" counts them",
};

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
            const orders = readOrders(input);
            const entries: PutEventsRequestEntry[] = orders.map((order) => ({
                EventBusName: busName,
                Source: ORDER_SOURCE,
                DetailType: ORDER_PLACED,
                // The ID travels in the detail: EventBridge has no message attributes.
                Detail: JSON.stringify({ ...order, [CORRELATION_ID_ATTRIBUTE]: correlationId }),
            }));
            const orderIdOf = new Map(entries.map((entry, i) => [entry, orders[i].orderId]));
            const eventIds = await sendInBatches(entries, async (batch) => {
                const out = await client.send(new PutEventsCommand({ Entries: batch }));
                const results = new Map<number, string>();
                const failures: EntryFailure[] = [];
                (out.Entries ?? []).forEach((entry, index) => {
                    if (entry.EventId) results.set(index, entry.EventId);
                    else failures.push({ index, code: entry.ErrorCode ?? "Unknown", message: entry.ErrorMessage ?? "", retryable: RETRYABLE.has(entry.ErrorCode ?? "") });
                });
                if (failures.length > 0) {
                    log.warn("PutEvents refused entries", { failed_entry_count: out.FailedEntryCount, failures: failures.map((f) => ({ ...f, orderId: orderIdOf.get(batch[f.index]) })) });
                }
                return { results, failures };
            }, { ...deps.send, limits: PUT_EVENTS_LIMITS, idOf: (i) => orders[i].orderId });
            metrics.addMetric("EventsPut", MetricUnit.Count, eventIds.length);
            log.info("events put", { count: eventIds.length, event_ids: eventIds });
            return { correlationId, eventIds };
        } catch (error) {
            reportProducerFailure(error, log, metrics, "producing events failed", { sent: "EventsPut", unsent: "EventsNotPut" });
            throw error;
        } finally {
            publishStoredMetrics(metrics);
        }
    };
}

export const handler = createHandler();
