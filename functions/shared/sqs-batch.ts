// The per-record machinery every SQS consumer of the lab shares: unwrap the record, log through a child logger
// carrying its correlation ID, classify failures, hand permanent ones to the DLQ, count outcomes in EMF, report
// batch item failures.
import { BatchProcessor, EventType, processPartialResponse, SqsFifoPartialProcessorAsync } from "@aws-lambda-powertools/batch";
import type { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
// Types only: the SQS client is loaded on the first permanent failure, so a worker that never meets one never
// pays for loading the SDK at cold start.
import type { MessageAttributeValue, SendMessageCommandInput, SQSClient } from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { messageSize, SQS_MAX_MESSAGE_ATTRIBUTES, SQS_MAX_MESSAGE_BYTES, sqsSafeText, truncateUtf8 } from "./aws-limits";
import { CORRELATION_ID_ATTRIBUTE, readSqsRecord, SqsMessage } from "./correlation";
import { classifyError, ErrorClass, PermanentError } from "./errors";
import { publishStoredMetrics } from "./metrics";

/** What a step may report about a record it handled without error. */
export interface RecordOutcome {
    /** The record was a duplicate: its side effect had already run (idempotent consumers). */
    duplicate?: boolean;
}

/** Handles one readable record; throws to report it failed. */
export type RecordStep = (message: SqsMessage & { payload: unknown }, record: SQSRecord, logger: Logger) => Promise<void | RecordOutcome>;

/** Where permanent failures go: the consumer's own DLQ, sent by the handler so they do not burn receives. */
export interface DeadLetterTarget {
    queueUrl: string;
    /** Default: an SQSClient made on the first permanent failure. */
    sqs?: SQSClient;
    /** The DLQ's MaximumMessageSize (1,024–1,048,576 bytes; SQS's default 1,048,576). */
    maximumMessageSize?: number;
}

export interface SqsBatchOptions {
    logger: Logger;
    metrics: Metrics;
    /** The queue's redrive maxReceiveCount: the receive on which a failure is poison. */
    maxReceiveCount: number;
    step: RecordStep;
    /** Called once per invocation before the records, e.g. to register the Lambda context. */
    beforeBatch?: (context: Context) => void;
    /** Without it, permanent failures are reported like any other and reach the DLQ by redrive. */
    deadLetter?: DeadLetterTarget;
}

/** What the DLQ copy adds, most useful first: what is left out when the copy would pass SQS's limits. */
const FAILURE_ATTRIBUTES = [CORRELATION_ID_ATTRIBUTE, "errorClass", "sourceMessageId", "errorMessage"] as const;
/** Keep the error short: it is for a person reading the DLQ; the full error is in the log line. */
const MAX_ERROR_MESSAGE = 1024;

/** The record's message attributes as SendMessage takes them (the Lambda event spells the fields in camelCase). */
function originalAttributes(record: SQSRecord): Record<string, MessageAttributeValue> {
    const out: Record<string, MessageAttributeValue> = {};
    for (const [name, a] of Object.entries(record.messageAttributes ?? {})) {
        if (a.stringValue !== undefined) out[name] = { DataType: a.dataType, StringValue: a.stringValue };
        else if (a.binaryValue !== undefined) out[name] = { DataType: a.dataType, BinaryValue: Buffer.from(a.binaryValue, "base64") };
    }
    return out;
}

/** The DLQ copy of a record, and what of the failure's description did not fit. */
export interface DeadLetterCopy {
    input: SendMessageCommandInput;
    /** Failure attributes left out (SQS's 10 attributes, or the queue's MaximumMessageSize, reached). */
    omitted: string[];
    /** Bytes of the copy as SQS counts them (body and attributes). */
    size: number;
}

/**
 * The DLQ copy of a failed record: same body and attributes (they are its data), plus why it failed and the ID to
 * follow it by, as far as SQS's limits allow: at most 10 attributes and `maximumMessageSize` bytes counting the body
 * and every attribute's name, type and value. Text the handler adds is cleaned of characters SQS refuses.
 */
export function deadLetterMessage(
    record: SQSRecord, queueUrl: string, correlationId: string, errorClass: ErrorClass, error: Error,
    maximumMessageSize = SQS_MAX_MESSAGE_BYTES,
): DeadLetterCopy {
    const attributes = originalAttributes(record);
    const values: Record<(typeof FAILURE_ATTRIBUTES)[number], string> = {
        [CORRELATION_ID_ATTRIBUTE]: correlationId,
        errorClass,
        sourceMessageId: record.messageId,
        errorMessage: truncateUtf8(sqsSafeText(`${error.name}: ${error.message}`), MAX_ERROR_MESSAGE),
    };
    const omitted: string[] = [];
    let size = messageSize(record.body, attributes);
    for (const name of FAILURE_ATTRIBUTES) {
        if (attributes[name] !== undefined) continue; // the record's own attribute of that name wins
        const room = maximumMessageSize - size - messageSize("", { [name]: { DataType: "String", StringValue: "" } });
        const value = name === "errorMessage" ? truncateUtf8(values[name], room) : values[name];
        if (Object.keys(attributes).length >= SQS_MAX_MESSAGE_ATTRIBUTES || value === "" || Buffer.byteLength(value) > room) {
            omitted.push(name);
            continue;
        }
        attributes[name] = { DataType: "String", StringValue: value };
        size = messageSize(record.body, attributes);
    }
    const fifo = queueUrl.endsWith(".fifo")
        // The DLQ of a FIFO queue is FIFO: keep the message group, and deduplicate a retried hand-off by the source ID.
        ? { MessageGroupId: record.attributes.MessageGroupId ?? correlationId, MessageDeduplicationId: record.messageId }
        : {};
    return { input: { QueueUrl: queueUrl, MessageBody: record.body, MessageAttributes: attributes, ...fifo }, omitted, size };
}

/** Sends a permanent failure to the DLQ, loading the SQS client module (and making the client) on first use. */
async function sendToDeadLetterQueue(target: DeadLetterTarget, input: SendMessageCommandInput): Promise<void> {
    const { SendMessageCommand, SQSClient } = await import("@aws-sdk/client-sqs");
    target.sqs ??= new SQSClient({});
    await target.sqs.send(new SendMessageCommand(input));
}

export function createSqsBatchHandler(options: SqsBatchOptions) {
    const { logger, metrics, maxReceiveCount, step, deadLetter } = options;
    const standard = new BatchProcessor(EventType.SQS);
    // FIFO: stop at the first failure and report the rest of the batch too, so a message group keeps its order.
    const fifo = new SqsFifoPartialProcessorAsync();

    /** One EMF document per metric of a record, each carrying the record's correlation ID and message ID. */
    const count = (name: string, ids: { correlationId: string; messageId: string }, errorClass?: ErrorClass) => {
        const single = metrics.singleMetric();
        if (errorClass) single.addDimension("errorClass", errorClass);
        single.addMetadata("correlation_id", ids.correlationId);
        single.addMetadata("message_id", ids.messageId);
        single.addMetric(name, MetricUnit.Count, 1);
    };

    const recordHandler = async (record: SQSRecord): Promise<void> => {
        const message = readSqsRecord(record);
        const ids = { correlationId: message.correlationId, messageId: record.messageId };
        const receiveCount = Number(record.attributes.ApproximateReceiveCount);
        // A child logger per record: records run in parallel, so the ID must not live on the shared logger.
        const log = logger.createChild({
            persistentKeys: { correlation_id: message.correlationId, message_id: record.messageId, receive_count: receiveCount, origin: message.origin },
        });
        if (receiveCount > 1) count("RecordsRetried", ids);
        try {
            if (message.problem !== undefined) throw new PermanentError(message.problem);
            const outcome = await step(message as SqsMessage & { payload: unknown }, record, log);
            count("RecordsProcessed", ids);
            if (outcome?.duplicate) count("DuplicatesSuppressed", ids);
        } catch (error) {
            const errorClass = classifyError(error, { receiveCount, maxReceiveCount });
            log.error("record failed", { error_class: errorClass, error: error as Error });
            count("RecordsFailed", ids, errorClass);
            // Retrying a permanent failure cannot help: move it to the DLQ now instead of after maxReceiveCount receives.
            if (errorClass === "permanent" && deadLetter) {
                const limit = deadLetter.maximumMessageSize ?? SQS_MAX_MESSAGE_BYTES;
                const copy = deadLetterMessage(record, deadLetter.queueUrl, message.correlationId, errorClass, error as Error, limit);
                if (copy.size > limit) {
                    // Larger than the DLQ takes even without the failure's attributes: SQS's redrive moves the original instead.
                    log.error("record too large for the DLQ hand-off; leaving it to SQS redrive", { error_class: errorClass, size: copy.size, maximum_message_size: limit });
                    throw error; // reported as a batch item failure: nothing is lost
                }
                try {
                    await sendToDeadLetterQueue(deadLetter, copy.input);
                } catch (sendError) {
                    log.error("could not send the record to the DLQ; leaving it to SQS redrive", { error: sendError as Error });
                    throw error; // reported as a batch item failure: nothing is lost
                }
                log.warn("record sent to the DLQ", { error_class: errorClass, ...(copy.omitted.length > 0 ? { attributes_omitted: copy.omitted } : {}) });
                count("SentToDlq", ids, errorClass);
                return; // handled: SQS deletes it from the source queue
            }
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
            publishStoredMetrics(metrics);
        }
    };
}

/** The DLQ hand-off the stack configures: DEAD_LETTER_QUEUE_URL (set by SqsConsumer), or none. */
export function deadLetterFromEnvironment(sqs?: SQSClient): DeadLetterTarget | undefined {
    const queueUrl = process.env.DEAD_LETTER_QUEUE_URL;
    return queueUrl ? { queueUrl, sqs } : undefined;
}
