// One module owns how a correlation ID is found in every event shape the lab's handlers receive:
// an SQS record (attribute), an SNS notification wrapped in an SQS body (raw or enveloped), an EventBridge
// event (in an SQS body or invoked directly), and a direct invoke.
import { randomUUID } from "crypto";
import type { EventBridgeEvent, SQSRecord } from "aws-lambda";

/** The message attribute / detail field producers set to carry a correlation ID. */
export const CORRELATION_ID_ATTRIBUTE = "correlationId";

/** IDs we accept from a message: printable, no spaces, at most 128 characters (anything else is ignored, not trusted). */
const VALID_ID = /^[\x21-\x7e]{1,128}$/;

function validId(value: unknown): string | undefined {
    return typeof value === "string" && VALID_ID.test(value) ? value : undefined;
}

/** Where the payload in an SQS body came from. */
export type Origin = "sqs" | "sns" | "eventbridge";

/** One SQS record unwrapped: its correlation ID always, and either its payload or why it has none. */
export interface SqsMessage {
    correlationId: string;
    origin: Origin;
    payload?: unknown;
    /** Set when the body cannot be read: the record is permanently malformed. */
    problem?: string;
}

interface SnsNotification {
    Type: "Notification";
    MessageId: string;
    TopicArn: string;
    Message: string;
    MessageAttributes?: Record<string, { Type?: string; Value?: string }>;
}

function isSnsNotification(body: any): body is SnsNotification {
    return body?.Type === "Notification" && typeof body.Message === "string" && typeof body.TopicArn === "string" && typeof body.MessageId === "string";
}

function isEventBridgeEvent(body: any): body is EventBridgeEvent<string, unknown> {
    return body !== null && typeof body === "object" && typeof body["detail-type"] === "string" && typeof body.source === "string"
        && typeof body.id === "string" && "detail" in body;
}

/** The correlation ID an EventBridge event carries in its detail, else the event's own id. */
export function eventBridgeCorrelationId(event: EventBridgeEvent<string, unknown>): string {
    return validId((event.detail as Record<string, unknown> | null)?.[CORRELATION_ID_ATTRIBUTE]) ?? event.id;
}

/** The correlation ID a direct invoke passes (`{"correlationId": ...}`), or a new one. */
export function directCorrelationId(input: unknown): string {
    return validId((input as Record<string, unknown> | null)?.[CORRELATION_ID_ATTRIBUTE]) ?? randomUUID();
}

/**
 * Unwraps an SQS record. The correlation ID is, in order: the record's `correlationId` String attribute (SNS raw
 * delivery copies message attributes there), the SNS envelope's attribute, the EventBridge detail field or
 * event id, and last the SQS messageId, so every record has one even when its body is unreadable.
 */
export function readSqsRecord(record: SQSRecord): SqsMessage {
    const attribute = record.messageAttributes?.[CORRELATION_ID_ATTRIBUTE];
    const fromAttribute = attribute?.dataType === "String" ? validId(attribute.stringValue) : undefined;
    let body: unknown;
    try {
        body = JSON.parse(record.body);
    } catch {
        return { correlationId: fromAttribute ?? record.messageId, origin: "sqs", problem: "body is not valid JSON" };
    }
    if (isSnsNotification(body)) {
        const fromEnvelope = body.MessageAttributes?.[CORRELATION_ID_ATTRIBUTE];
        const correlationId = fromAttribute ?? (fromEnvelope?.Type === "String" ? validId(fromEnvelope.Value) : undefined) ?? record.messageId;
        try {
            return { correlationId, origin: "sns", payload: JSON.parse(body.Message) };
        } catch {
            return { correlationId, origin: "sns", problem: "SNS Message is not valid JSON" };
        }
    }
    if (isEventBridgeEvent(body)) {
        return { correlationId: fromAttribute ?? eventBridgeCorrelationId(body), origin: "eventbridge", payload: body.detail };
    }
    return { correlationId: fromAttribute ?? record.messageId, origin: "sqs", payload: body };
}
