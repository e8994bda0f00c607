import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { sqsCorrelationId } from "../shared/correlation";
import { classifyError, PermanentError, TransientError } from "../shared/errors";

/** The message this worker processes. `simulate` lets a lab user break it on purpose. */
export interface OrderMessage {
    orderId: string;
    amount: number;
    simulate?: "transient" | "crash";
}

/** The business step; replaced in tests to count side effects. */
export type ProcessOrder = (order: OrderMessage, logger: Logger) => Promise<void>;

/** Parses and validates a record body. Anything malformed is permanent: no retry can fix it. */
export function parseOrder(body: string): OrderMessage {
    let value: unknown;
    try {
        value = JSON.parse(body);
    } catch (error) {
        throw new PermanentError("body is not valid JSON", { cause: error });
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new PermanentError("body is not a JSON object");
    const order = value as Record<string, unknown>;
    if (typeof order.orderId !== "string" || order.orderId === "") throw new PermanentError("orderId is missing or not a string");
    if (typeof order.amount !== "number" || !Number.isFinite(order.amount) || order.amount <= 0) throw new PermanentError("amount must be a positive number");
    if (order.simulate !== undefined && order.simulate !== "transient" && order.simulate !== "crash") {
        throw new PermanentError(`simulate must be "transient" or "crash", got ${JSON.stringify(order.simulate)}`);
    }
    return order as unknown as OrderMessage;
}

/** The demo business step: logs the order, or fails the way `simulate` asks. */
export const processOrder: ProcessOrder = async (order, logger) => {
    if (order.simulate === "transient") throw new TransientError("downstream unavailable (simulated)");
    if (order.simulate === "crash") throw new Error("unexpected failure (simulated)");
    logger.info("order processed", { orderId: order.orderId, amount: order.amount });
};

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
        const correlationId = sqsCorrelationId(record);
        const receiveCount = Number(record.attributes.ApproximateReceiveCount);
        // A child logger per record: records run in parallel, so the ID must not live on the shared logger.
        const log = logger.createChild({ persistentKeys: { correlation_id: correlationId, message_id: record.messageId, receive_count: receiveCount } });
        try {
            await handleOrder(parseOrder(record.body), log);
            metrics.addMetric("RecordsProcessed", MetricUnit.Count, 1);
        } catch (error) {
            const errorClass = classifyError(error, receiveCount, maxReceiveCount);
            log.error("record failed", { error_class: errorClass, error: error as Error });
            const failed = metrics.singleMetric();
            failed.addDimension("errorClass", errorClass);
            failed.addMetadata("correlation_id", correlationId);
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
