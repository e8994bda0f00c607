// The per-record machinery every SQS consumer of the lab shares: unwrap the record, log through a child logger
// carrying its correlation ID, classify failures, count outcomes in EMF, report batch item failures.
import { BatchProcessor, EventType, processPartialResponse, SqsFifoPartialProcessor } from "@aws-lambda-powertools/batch";
import type { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { readSqsRecord, SqsMessage } from "./correlation";
import { classifyError, PermanentError } from "./errors";

/** Handles one readable record; throws to report it failed. */
export type RecordStep = (message: SqsMessage & { payload: unknown }, record: SQSRecord, logger: Logger) => Promise<void>;

export interface SqsBatchOptions {
    logger: Logger;
    metrics: Metrics;
    /** The queue's redrive maxReceiveCount: the receive on which a failure is poison. */
    maxReceiveCount: number;
    step: RecordStep;
    /** Called once per invocation before the records, e.g. to register the Lambda context. */
    beforeBatch?: (context: Context) => void;
}

export function createSqsBatchHandler(options: SqsBatchOptions) {
    const { logger, metrics, maxReceiveCount, step } = options;
    const standard = new BatchProcessor(EventType.SQS);
    // FIFO: stop at the first failure and report the rest of the batch too, so a message group keeps its order.
    const fifo = new SqsFifoPartialProcessor();

    const recordHandler = async (record: SQSRecord): Promise<void> => {
        const message = readSqsRecord(record);
        const receiveCount = Number(record.attributes.ApproximateReceiveCount);
        // A child logger per record: records run in parallel, so the ID must not live on the shared logger.
        const log = logger.createChild({
            persistentKeys: { correlation_id: message.correlationId, message_id: record.messageId, receive_count: receiveCount, origin: message.origin },
        });
        try {
            if (message.problem !== undefined) throw new PermanentError(message.problem);
            await step(message as SqsMessage & { payload: unknown }, record, log);
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
        options.beforeBatch?.(context);
        const isFifo = event.Records[0]?.eventSourceARN.endsWith(".fifo") ?? false;
        try {
            return isFifo
                ? await processPartialResponse(event, recordHandler, fifo, { context })
                : await processPartialResponse(event, recordHandler, standard, { context });
        } finally {
            metrics.publishStoredMetrics();
        }
    };
}
