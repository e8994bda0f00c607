// The event-routing pattern's Lambda target, invoked asynchronously by EventBridge. A thrown error makes
// Lambda retry (asyncMaximumRetryAttempts) and then send the event to the on-failure destination.
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, EventBridgeEvent } from "aws-lambda";
import { eventBridgeCorrelationId } from "../shared/correlation";
import { classifyError } from "../shared/errors";
import { publishStoredMetrics } from "../shared/metrics";
import { parseOrder, processOrder, ProcessOrder } from "../shared/order";

export interface EventConsumerDeps {
    processOrder?: ProcessOrder;
    logger?: Logger;
    metrics?: Metrics;
}

export function createHandler(deps: EventConsumerDeps = {}) {
    const logger = deps.logger ?? new Logger();
    const metrics = deps.metrics ?? new Metrics();
    const handleOrder = deps.processOrder ?? processOrder;

    return async (event: EventBridgeEvent<string, unknown>, context: Context): Promise<void> => {
        logger.addContext(context);
        const correlationId = eventBridgeCorrelationId(event);
        metrics.addMetadata("correlation_id", correlationId); // on this invocation's EMF line, cleared when published
        const log = logger.createChild({ persistentKeys: { correlation_id: correlationId, event_id: event.id, detail_type: event["detail-type"] } });
        try {
            await handleOrder(parseOrder(event.detail), log);
            metrics.addMetric("EventsProcessed", MetricUnit.Count, 1);
        } catch (error) {
            const errorClass = classifyError(error);
            log.error("event failed", { error_class: errorClass, error: error as Error });
            const failed = metrics.singleMetric();
            failed.addDimension("errorClass", errorClass);
            failed.addMetadata("correlation_id", correlationId);
            failed.addMetric("EventsFailed", MetricUnit.Count, 1);
            throw error;
        } finally {
            publishStoredMetrics(metrics);
        }
    };
}

export const handler = createHandler();
