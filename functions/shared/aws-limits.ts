// The sizes and counts SQS, SNS, EventBridge and Lambda enforce at run time, and message sizes computed the way each
// service documents it. Producers split their batches by these, the DLQ hand-off fits its copy into them, and the
// lab's simulated services refuse what the real ones refuse. Pages and dates read: docs/limits.md (run-time section).

/** SQS: "The maximum size is 1 MiB or 1,048,576 bytes" (SendMessage MessageBody; 256 KiB until August 2025). */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;
/** SQS queue attribute MaximumMessageSize: "An integer from 1,024 bytes (1 KiB) to 1,048,576 bytes (1 MiB)". */
export const SQS_MIN_MAXIMUM_MESSAGE_SIZE = 1024;
/** SendMessageBatch: "the maximum total payload size (the sum of the individual lengths of all of the batched messages)" is 1 MiB. */
export const SQS_MAX_BATCH_BYTES = 1_048_576;
/** SendMessageBatch sends "up to 10 messages". */
export const SQS_MAX_BATCH_ENTRIES = 10;
/** SQS message quotas: "A message can contain up to 10 metadata attributes." */
export const SQS_MAX_MESSAGE_ATTRIBUTES = 10;

/** SNS topic MaximumMessageSize default, "262144 (256 KiB)": a message's body and attributes together. */
export const SNS_DEFAULT_MAX_MESSAGE_BYTES = 262_144;
/** The most MaximumMessageSize may be, and only on a topic with ≤ 100 subscriptions, all SQS, Firehose or Lambda. */
export const SNS_MAX_MESSAGE_BYTES_CEILING = 1_048_576;
/** ... the subscriptions a topic above 256 KiB may have at most. */
export const SNS_LARGE_TOPIC_MAX_SUBSCRIPTIONS = 100;
/** PublishBatch "Publishes up to 10 messages". */
export const SNS_MAX_BATCH_ENTRIES = 10;
/** SNS message attributes: "a maximum of 10 message attributes can be sent when Raw Message Delivery is enabled" (SQS subscriptions). */
export const SNS_RAW_DELIVERY_MAX_ATTRIBUTES = 10;

/**
 * PutEvents: "the total entry size must be less than 1MB" (256KB until January 2026). AWS writes "1MB" without the
 * bytes; the lab reads it as 1,048,576, as "256KB" was 262,144 (an assumption, listed in docs/limits.md).
 */
export const PUT_EVENTS_LIMIT_BYTES = 1_048_576;
/** PutEvents Entries: at most 10 (API reference, Entries: "Maximum number of 10 items"). */
export const PUT_EVENTS_MAX_ENTRIES = 10;

/** Lambda Invoke: "For asynchronous invocations, the maximum payload size is 1 MB" (read as 1,048,576 bytes, as above). */
export const LAMBDA_ASYNC_MAX_PAYLOAD_BYTES = 1_048_576;

const utf8 = (text: string): number => Buffer.byteLength(text, "utf8");

/** A message attribute as SQS and SNS take it (SendMessage, Publish, PublishBatch). */
export interface AttributeValue {
    DataType?: string;
    StringValue?: string;
    BinaryValue?: Uint8Array;
}

/**
 * A message's size as SQS and SNS count it: the body's UTF-8 bytes plus, for every attribute, its name, type and
 * value ("All parts of the message attribute, including Name, Type, and Value, are part of the message size
 * restriction": SQS and SNS API references, MessageAttributeValue).
 */
export function messageSize(body: string, attributes: Record<string, AttributeValue> = {}): number {
    let size = utf8(body);
    for (const [name, a] of Object.entries(attributes)) {
        size += utf8(name) + utf8(a.DataType ?? "") + (a.BinaryValue ? a.BinaryValue.byteLength : utf8(a.StringValue ?? ""));
    }
    return size;
}

/** A PutEvents entry, as far as its size goes. */
export interface PutEventsEntrySizeInput {
    Time?: Date;
    Source?: string;
    DetailType?: string;
    Detail?: string;
    Resources?: string[];
}

/**
 * "Calculating Amazon EventBridge PutEvents event entry size": Time 14 bytes if specified; Source and DetailType
 * their UTF-8 bytes; Detail and each Resources entry their UTF-8 bytes if specified. EventBusName is not counted.
 */
export function putEventsEntrySize(entry: PutEventsEntrySizeInput): number {
    let size = entry.Time !== undefined ? 14 : 0;
    size += utf8(entry.Source ?? "") + utf8(entry.DetailType ?? "");
    if (entry.Detail !== undefined) size += utf8(entry.Detail);
    for (const resource of entry.Resources ?? []) if (resource !== undefined && resource !== null) size += utf8(resource);
    return size;
}

/** Whether SQS accepts a code point: "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF". */
export function sqsAllowsCodePoint(cp: number): boolean {
    return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/** A character outside that set; with the u flag a lone surrogate is one code point, and refused. */
const REFUSED = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const REFUSED_ALL = new RegExp(REFUSED.source, "gu");

/** The first character SQS refuses in `text`, as SQS names it ("#xFFFF"), or undefined. */
export function sqsRefusedCharacter(text: string): string | undefined {
    const match = REFUSED.exec(text);
    return match ? `#x${match[0].codePointAt(0)!.toString(16).toUpperCase()}` : undefined;
}

/** `text` with every character SQS refuses replaced by U+FFFD (which it accepts): for text the handler writes into a message. */
export function sqsSafeText(text: string): string {
    return REFUSED.test(text) ? text.replace(REFUSED_ALL, "\uFFFD") : text;
}

/** `text` cut to at most `bytes` UTF-8 bytes, never inside a character. */
export function truncateUtf8(text: string, bytes: number): string {
    if (utf8(text) <= bytes) return text;
    let out = "";
    let used = 0;
    for (const ch of text) {
        const n = utf8(ch);
        if (used + n > bytes) break;
        out += ch;
        used += n;
    }
    return out;
}

/** A byte count as the reports print it: 262,144. */
export const bytes = (n: number): string => n.toLocaleString("en-US");
