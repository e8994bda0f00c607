// The SQS consumer every queue of the lab runs: the queue worker, the fan-out subscribers and the event-routing
// queue target. It reads plain, SNS-wrapped and EventBridge bodies alike (functions/shared/correlation.ts).
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { readSqsRecord } from "../shared/correlation";
import { classifyError, PermanentError } from "../shared/errors";
import { parseOrder, processOrder, ProcessOrder } from "../shared/order";

export interface QueueWorkerDeps {
    processOrder?: ProcessOrder;
    logger?: Logger;
    metrics?: Metrics;
    /** The queue's redrive maxReceiveCount (set by the stack): the receive on which a failure is poison. */
    maxReceiveCount?: number;
}

export function createHandler(deps: QueueWorkerDeps = {}) {
    const logger = deps.logger ?? new Logger();
    const metrics = deps.metrics ?? new Metrics();
    const handleOrder = deps.processOrder ?? processOrder;
    const maxReceiveCount = deps.maxReceiveCount ?? Number(process.env.MAX_RECEIVE_COUNT ?? 5);
    const processor = new BatchProcessor(EventType.SQS);

    const recordHandler = async (record: SQSRecord): Promise<void> => {
        const message = readSqsRecord(record);
        const receiveCount = Number(record.attributes.ApproximateReceiveCount);
        // A child logger per record: records run in parallel, so the ID must not live on the shared logger.
        const log = logger.createChild({
            persistentKeys: { correlation_id: message.correlationId, message_id: record.messageId, receive_count: receiveCount, origin: message.origin },
        });
        try {
            if (message.problem) throw new PermanentError(message.problem);
            await handleOrder(parseOrder(message.payload), log);
            metrics.addMetric("RecordsProcessed", MetricUnit.Count, 1);
        } catch (error) {
            const errorClass = classifyError(error, { receiveCount, maxReceiveCount });
            log.error("record failed", { error_class: errorClass, error: error as Error });
            const failed = metrics.singleMetric();
            failed.addDimension("errorClass", errorClass);
            failed.addMetadata("correlation_id", message.correlationId);
            failed.addMetric("RecordsFailed", MetricUnit.Count, 1);
            throw error; // reported as a batch item failure: SQS redelivers it after the visibility timeout
        }
    };

    return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
        logger.addContext(context);
        try {
            return await processPartialResponse(event, recordHandler, processor, { context });
        } finally {
            metrics.publishStoredMetrics();
        }
    };
}

export const handler = createHandler();
