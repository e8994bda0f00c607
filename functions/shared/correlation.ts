import type { SQSRecord } from "aws-lambda";

/** The message attribute producers set to carry a correlation ID through queues and topics. */
export const CORRELATION_ID_ATTRIBUTE = "correlationId";

/** IDs we accept from a message: printable, no spaces, at most 128 characters (anything else is ignored, not trusted). */
const VALID_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The correlation ID of one SQS record: its `correlationId` String attribute when well-formed, otherwise its
 * messageId, which is unique per message and so still lets every log line of the record be found.
 */
export function sqsCorrelationId(record: SQSRecord): string {
    const attribute = record.messageAttributes?.[CORRELATION_ID_ATTRIBUTE];
    const value = attribute?.dataType === "String" ? attribute.stringValue : undefined;
    return value !== undefined && VALID_ID.test(value) ? value : record.messageId;
}
