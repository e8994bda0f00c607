// What both producers share: reading the orders of a direct invoke and reporting what was sent.
import type { Logger } from "@aws-lambda-powertools/logger";
import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { PermanentError } from "./errors";
import { Order, parseOrder } from "./order";
import { UnsentEntriesError } from "./send-batches";

/** Most orders one invoke may send: keeps a synchronous invoke well inside its timeout. */
export const MAX_ORDERS_PER_INVOKE = 100;

/**
 * Reads `{"orders": [...], "correlationId"?: "..."}` or a single order. Invalid input is permanent and names
 * the order's index and field, so the caller can fix it.
 */
export function readOrders(input: unknown): Order[] {
    const raw = (input as Record<string, unknown> | null)?.orders;
    const list = raw === undefined ? [input] : raw;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_ORDERS_PER_INVOKE) {
        throw new PermanentError(`orders must be an array of 1–${MAX_ORDERS_PER_INVOKE} orders`);
    }
    return list.map((order, i) => {
        try {
            return parseOrder(order);
        } catch (error) {
            throw new PermanentError(`orders[${i}]: ${(error as Error).message}`);
        }
    });
}

/**
 * Logs a failed invoke; when some orders went and some could not, counts both (`sent`, `unsent` metrics) and lists
 * every unsent order with why, so the log line accounts for each order of the invoke.
 */
export function reportProducerFailure(error: unknown, log: Logger, metrics: Metrics, message: string, names: { sent: string; unsent: string }): void {
    if (error instanceof UnsentEntriesError) {
        metrics.addMetric(names.sent, MetricUnit.Count, error.total - error.failures.length);
        metrics.addMetric(names.unsent, MetricUnit.Count, error.failures.length);
        log.error(message, { error, unsent: error.failures });
    } else {
        log.error(message, { error: error as Error });
    }
}
