// An SQS queue in virtual time, as the SQS developer guide describes it: a received message is hidden for the
// visibility timeout and comes back unless deleted with its latest receipt handle; ApproximateReceiveCount counts
// receives; with a redrive policy a message received maxReceiveCount times moves to the DLQ on its next receive
// (a standard DLQ keeps the original enqueue time); retention deletes old messages; standard queues deliver at
// least once (optional duplicate deliveries); FIFO queues deliver a message group in order, lock the group while
// a message of it is in flight, and drop a send whose deduplication ID was seen in the last 5 minutes.
// A standard queue whose messages carry a MessageGroupId is a fair queue ("How Amazon SQS fair queues work", FairQueue
// below): a tenant with a disproportionate share of the in-flight messages is noisy, and receives prefer the others.
// It sends its CloudWatch metrics as SQS does (QueueMetrics, below): gauges once a minute, only while the queue is
// active, and resumed late when an idle queue becomes active again.
import * as crypto from "crypto";
import type { SQSMessageAttributes, SQSRecord } from "aws-lambda";
import { AttributeValue, messageSize, SQS_MAX_MESSAGE_BYTES, SQS_MIN_MAXIMUM_MESSAGE_SIZE } from "../../functions/shared/aws-limits";
import { Billing, CounterMeter } from "../cost/billing";
import { billedChunks, CHUNK_BYTES, ESM_DELETE_BATCH } from "../cost/rules";
import { LAB_EPOCH, MinHeap, VirtualClock } from "./clock";
import type { CloudWatch, MetricSeries } from "./cloudwatch";
import { NO_SQS_ATTRIBUTES, ServiceRefusal, sqsAttributeValues, sqsMessageRefusal } from "./limits";

export const REGION = "us-east-1";
export const ACCOUNT = "123456789012";
/** SQS FIFO deduplication interval. */
export const FIFO_DEDUPLICATION_MS = 5 * 60 * 1000;
/** SQS default retention (4 days). */
export const DEFAULT_RETENTION_SECONDS = 345_600;

/** Receives after which a standard queue's message stops counting in ApproximateAgeOfOldestMessage ("three or more times"). */
export const AGE_METRIC_RECEIVE_THRESHOLD = 3;

/**
 * "CloudWatch considers a queue to be active for up to six hours if it contains any messages or if any action
 * accesses it" (Monitoring Amazon SQS queues using CloudWatch): an empty queue nobody calls for six hours sends no
 * metrics. A queue an event source mapping polls is always accessed (its pollers call ReceiveMessage); a DLQ is not.
 */
export const SQS_INACTIVE_AFTER_MS = 6 * 3600 * 1000;
/**
 * Assumption: metrics of a queue "activated from an inactive state" arrive 15 minutes late, the upper bound of AWS's
 * "a delay of up to 15 minutes" (same page). Every lab run starts with its unpolled queues idle for longer than six
 * hours, as a healthy stack's DLQs are: their first message is seen by CloudWatch 15 minutes after it arrives.
 */
export const SQS_METRICS_RESUME_DELAY_MS = 15 * 60 * 1000;
/**
 * Fair queues ("How Amazon SQS fair queues work", SQS developer guide, read 2026-12-02 in its zh_cn translation, whose
 * English copy the search store truncates): a tenant (MessageGroupId) is noisy when it holds "more than 10 %" of the
 * queue's in-flight messages "and at least 30" of its own in flight; it stops being noisy when its backlog is used up or
 * it sent nothing for 5 consecutive minutes. The guide's second measure (a share of "recent" processing time above 10 %)
 * names no window: not modelled. `comparableWhenAtMostQuietMax` is an assumption: SQS keeps prioritising "until the
 * noisy neighbour's concurrency share and processing time share fall to levels comparable to quiet tenants"; the lab
 * calls that its in-flight count falling to the largest quiet tenant's.
 */
export const FAIR_QUEUE = { noisyShare: 0.1, noisyMinInFlight: 30, quietAfterMs: 5 * 60 * 1000, comparableWhenAtMostQuietMax: true } as const;
/** MessageGroupId: 1–128 characters, alphanumeric and punctuation (SendMessage, Amazon SQS API reference). */
const GROUP_ID = /^[\x21-\x7E]{1,128}$/;
const EMPTY: SQSMessageAttributes = Object.freeze({});
/** send()'s default options, shared: not an object per call. */
const NO_SEND_OPTIONS: SendOptions = Object.freeze({});
const SENDER_ID = "AIDAIENQZJOLO23YVJ4VO";

const READY = 0;
const HIDDEN = 1;
const GONE = 2;

/**
 * A message in a queue. Its ID is the n-th of the queue it was first sent to (messageIdFor) and becomes text only when
 * something reads it: a queue holding a million messages holds no million ID strings (each cost more memory than the
 * rest of the message). Made by `newMessage` only.
 */
export interface SimMessage {
    readonly messageId: string;
    /** The ID's queue part and number (a DLQ keeps the source's). */
    readonly idPrefix: string;
    readonly idNumber: number;
    readonly body: string;
    readonly attributes: SQSMessageAttributes;
    /** Enqueue time, which retention counts from; a standard DLQ keeps the source's. */
    readonly sentAt: number;
    /** When the message arrived in this queue: ApproximateAgeOfOldestMessage counts from here (in a DLQ, the move). */
    readonly arrivedAt: number;
    firstReceivedAt: number;
    /** Bumped on every receive (not on a duplicate delivery): the latest receipt handle is `<message id>#<receive count>` (receiptOf). */
    receiveCount: number;
    visibleAt: number;
    state: number;
    readonly groupId: string | undefined;
    /** A FIFO queue's message: its deduplication ID and sequence number (one field: most messages are not FIFO). */
    readonly fifo: { readonly deduplicationId: string; readonly sequenceNumber: string } | undefined;
    /** Lambda's recursion metadata: how many invocations of one function this message's chain has caused (esm.ts TraceContext). */
    readonly chain: number;
}

/** The receipt handle of a message's latest receive (`messageId` when the caller has it already). */
function receiptOf(m: SimMessage, messageId = m.messageId): string {
    return `${messageId}#${m.receiveCount}`;
}

/** What every message shares: the ID getter. */
const MESSAGE_PROTOTYPE = Object.defineProperty({}, "messageId", {
    get(this: SimMessage): string {
        return this.idPrefix + messageIdSuffix(this.idNumber);
    },
});

/**
 * A message, received by nobody yet. One object literal (not a class) for every message, every field in one order:
 * V8 then allocates these long-lived objects straight in the old generation (allocation-site pretenuring), where
 * instances of a class are each copied through the young generation first; with a million queued messages that
 * copying was most of the garbage collector's time.
 */
function newMessage(
    idPrefix: string, idNumber: number, body: string, attributes: SQSMessageAttributes, sentAt: number, arrivedAt: number, chain: number,
    groupId: string | undefined, fifo: SimMessage["fifo"],
): SimMessage {
    const m = {
        __proto__: MESSAGE_PROTOTYPE, idPrefix, idNumber, body, attributes, sentAt, arrivedAt, firstReceivedAt: 0, receiveCount: 0,
        visibleAt: arrivedAt, state: READY, groupId, fifo, chain,
    } satisfies Omit<SimMessage, "messageId"> & { __proto__: object };
    return m as unknown as SimMessage;
}

export interface SendOptions {
    attributes?: SQSMessageAttributes;
    messageGroupId?: string;
    messageDeduplicationId?: string;
    /** The recursion chain count the sender's SDK stamps (a handler sending during an invocation); 0 for any other sender. */
    chain?: number;
}

export interface SimQueueOptions {
    name: string;
    visibilityTimeoutSeconds: number;
    retentionSeconds?: number;
    redrive?: { deadLetter: SimQueue; maxReceiveCount: number };
    /** FIFO queue (the name must end in .fifo). */
    fifo?: { contentBasedDeduplication: boolean };
    /** Standard queues: the probability that a receive also hands the same message to the next receive (at-least-once). */
    duplicateRate?: number;
    /** The probability that a delete with a stale receipt handle deletes the message anyway (AWS: "might not be deleted"). */
    staleDeleteRate?: number;
    random?: () => number;
    /** The run's CloudWatch: the queue sends its metrics there (dimension QueueName). */
    cloudwatch?: CloudWatch;
    /** The queue's MaximumMessageSize, body and attributes counted: 1,024–1,048,576 bytes, SQS's default 1,048,576. */
    maximumMessageSize?: number;
    /** The run's bill: the queue meters its requests there (SqsMeter). */
    billing?: Billing;
}

/**
 * What a queue bills ("Amazon SQS pricing"): "Every Amazon SQS action counts as a request", an empty receive too, each
 * 64 KB chunk of a request's payload one more; a FIFO queue's send, receive, delete and change-visibility requests at
 * the FIFO price. A redrive move to the DLQ is SQS's own doing, no API request of the account's: not billed (an
 * assumption: AWS lists no charge for it).
 */
function sqsMeter(queue: string, fifo: boolean) {
    const price = fifo ? "sqs.fifo.request" : "sqs.standard.request";
    // The event source mapping's DeleteMessageBatch requests apart: how Lambda deletes is an assumption (ESM_DELETE_BATCH).
    return new CounterMeter("SQS", queue, { requests: price, deleteBatchRequests: price }, { deleteBatchRequests: "ESM_DELETE_BATCH" });
}
export type SqsMeter = ReturnType<typeof sqsMeter>;

/** The attributes as SQS sizes and checks them; one shared empty object when there are none. */
function attributeValues(attributes: SQSMessageAttributes | undefined): Readonly<Record<string, AttributeValue>> {
    return attributes === undefined || attributes === EMPTY || Object.keys(attributes).length === 0 ? NO_SQS_ATTRIBUTES : sqsAttributeValues(attributes);
}

/** A String message attribute as the Lambda SQS event (and so the lab's queues) spell it. */
export function stringAttribute(value: string | undefined, dataType = "String"): SQSMessageAttributes[string] {
    return { dataType, stringValue: value, stringListValues: [], binaryListValues: [] };
}

/** An array used as a queue, without Array.shift's cost. */
class Deque<T> {
    private items: (T | undefined)[] = [];
    private head = 0;

    get length(): number {
        return this.items.length - this.head;
    }

    push(item: T): void {
        this.items.push(item);
    }

    shift(): T | undefined {
        if (this.head >= this.items.length) return undefined;
        const item = this.items[this.head];
        this.items[this.head++] = undefined;
        if (this.head > 1024 && this.head * 2 > this.items.length) {
            this.items = this.items.slice(this.head);
            this.head = 0;
        }
        return item;
    }

    peek(): T | undefined {
        return this.items[this.head];
    }

    /** The item `i` places behind the front. */
    at(i: number): T | undefined {
        return this.items[this.head + i];
    }

    *values(): IterableIterator<T> {
        for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
    }
}

/**
 * A standard queue's fair-queue state, made at its first message with a MessageGroupId: per tenant its messages here,
 * in flight and waiting behind the quiet tenants', and which tenants are noisy now. Each message without a group is a
 * tenant of its own ("Each message without a MessageGroupId is treated as belonging to its own distinct tenant"): never
 * 30 in flight, never noisy, so it is not tracked.
 */
class FairQueue {
    readonly live = new Map<string, number>();
    readonly inFlight = new Map<string, number>();
    readonly lastSentAt = new Map<string, number>();
    /** Tenants with at least FAIR_QUEUE.noisyMinInFlight in flight: the only ones that can be noisy. */
    readonly heavy = new Set<string>();
    readonly noisy = new Set<string>();
    /** Noisy tenants' visible messages, set aside while quiet tenants' are served (still READY, still counted visible). */
    readonly deferred = new Map<string, Deque<SimMessage>>();
    /** Every tenant that was ever noisy, and the most at once (for the run's findings). */
    readonly everNoisy = new Set<string>();
    peakNoisy = 0;

    add(map: Map<string, number>, group: string, n: number): number {
        const v = (map.get(group) ?? 0) + n;
        if (v === 0) map.delete(group);
        else map.set(group, v);
        return v;
    }

    flight(group: string, n: number): void {
        const v = this.add(this.inFlight, group, n);
        if (v >= FAIR_QUEUE.noisyMinInFlight) this.heavy.add(group);
        else this.heavy.delete(group);
    }

    /** Detection and its end, at a receive: `total` is every message in flight in the queue. */
    evaluate(now: number, total: number): void {
        for (const g of this.heavy) if ((this.inFlight.get(g) ?? 0) > FAIR_QUEUE.noisyShare * total) this.noisy.add(g);
        if (this.noisy.size === 0) return;
        let quietMax = 0;
        for (const [g, n] of this.inFlight) if (!this.noisy.has(g) && n > quietMax) quietMax = n;
        for (const g of this.noisy) {
            const inFlight = this.inFlight.get(g) ?? 0;
            const backlog = (this.live.get(g) ?? 0) - inFlight;
            const quiet = now - (this.lastSentAt.get(g) ?? -Infinity) >= FAIR_QUEUE.quietAfterMs;
            const comparable = inFlight <= quietMax && !this.heavy.has(g);
            if (backlog <= 0 || quiet || comparable) this.noisy.delete(g);
        }
        for (const g of this.noisy) this.everNoisy.add(g);
        if (this.noisy.size > this.peakNoisy) this.peakNoisy = this.noisy.size;
    }

    defer(m: SimMessage): void {
        let d = this.deferred.get(m.groupId!);
        if (!d) this.deferred.set(m.groupId!, (d = new Deque<SimMessage>()));
        d.push(m);
    }
}

export class SimQueue {
    readonly arn: string;
    readonly url: string;
    readonly fifo: boolean;
    /** Every message that arrived and every way one left; `arrivals` holds what is still here. */
    readonly counts = { sent: 0, movedIn: 0, deduplicated: 0, received: 0, deleted: 0, staleDeletes: 0, staleDeletesApplied: 0, redriven: 0, expired: 0, duplicatesDelivered: 0 };
    /** The messages still here in arrival order, with gone ones among them until they are compacted away. */
    private arrivals = new Deque<SimMessage>();
    private liveCount = 0;
    /**
     * Message ID → live message, built the first time a receipt handle (`<message id>#<receive>`) arrives as a string
     * (a handler's DeleteMessage) and kept from then on. The event source mapping deletes the messages it holds, so a
     * run of a million messages needs no map: each entry cost more than the rest of a delivery.
     */
    private idIndex: Map<string, SimMessage> | undefined;
    private readonly idPrefix: string;
    private readonly ready = new Deque<SimMessage>();
    private readonly hidden = new MinHeap<SimMessage>((a, b) => a.visibleAt < b.visibleAt);
    /**
     * Where ApproximateAgeOfOldestMessage's oldest message is in `arrivals`: every message before it is gone or, in a
     * standard queue, was received AGE_METRIC_RECEIVE_THRESHOLD times (a receive count only grows: it never counts again).
     */
    private ageFrom = 0;
    private readyCount = 0;
    private hiddenCount = 0;
    private duplicates: SimMessage[] = [];
    private readonly groups = new Map<string, SimMessage[]>();
    private readonly deduplication = new Map<string, { until: number; messageId: string }>();
    private sequence = 0;
    private listeners: (() => void)[] = [];
    private readonly metrics: QueueMetrics | undefined;
    /** What the queue bills, when the run keeps a bill. */
    readonly meter: SqsMeter | undefined;
    /** Set at the first message with a MessageGroupId on a standard queue: then it is a fair queue. */
    private fair: FairQueue | undefined;

    constructor(private readonly clock: VirtualClock, readonly options: SimQueueOptions) {
        this.fifo = options.fifo !== undefined;
        if (this.fifo !== options.name.endsWith(".fifo")) throw new Error(`queue ${options.name}: a FIFO queue's name ends in .fifo, and only a FIFO queue's`);
        if (options.redrive && options.redrive.deadLetter.fifo !== this.fifo) throw new Error(`queue ${options.name}: the DLQ of a ${this.fifo ? "FIFO" : "standard"} queue must be ${this.fifo ? "FIFO" : "standard"}`);
        const max = options.maximumMessageSize ?? SQS_MAX_MESSAGE_BYTES;
        if (!Number.isInteger(max) || max < SQS_MIN_MAXIMUM_MESSAGE_SIZE || max > SQS_MAX_MESSAGE_BYTES) {
            throw new Error(`queue ${options.name}: MaximumMessageSize ${max} is outside ${SQS_MIN_MAXIMUM_MESSAGE_SIZE}–${SQS_MAX_MESSAGE_BYTES} bytes`);
        }
        this.arn = `arn:aws:sqs:${REGION}:${ACCOUNT}:${options.name}`;
        this.idPrefix = messageIdPrefix(options.name);
        this.url = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${options.name}`;
        if (options.cloudwatch) this.metrics = new QueueMetrics(options.cloudwatch, this, clock);
        this.meter = options.billing?.add(sqsMeter(options.name, this.fifo));
    }

    /** An event source mapping polls the queue from now on: its pollers' ReceiveMessage calls keep it active. */
    polled(): void {
        this.metrics?.polled();
    }

    /**
     * SetQueueAttributes VisibilityTimeout. SQS does not know which Lambda mappings read the queue: Lambda checks the
     * visibility timeout against the function timeout only when a mapping is created or updated.
     */
    setVisibilityTimeout(seconds: number): void {
        this.metrics?.action(this.clock.now);
        if (this.meter) this.meter.counts.requests++; // SetQueueAttributes
        this.options.visibilityTimeoutSeconds = seconds;
    }

    /** Called (synchronously) after every message that becomes available by a send or a move from a source queue. */
    onArrival(listener: () => void): void {
        this.listeners.push(listener);
    }

    /** Why SendMessage would refuse this message (its characters, attributes or size), or undefined. */
    refusal(body: string, attributes: SQSMessageAttributes = EMPTY): ServiceRefusal | undefined {
        return this.refusalOf(body, attributeValues(attributes));
    }

    private refusalOf(body: string, values: Readonly<Record<string, AttributeValue>>): ServiceRefusal | undefined {
        return sqsMessageRefusal(body, values, this.options.maximumMessageSize ?? SQS_MAX_MESSAGE_BYTES);
    }

    /** One billed request of a batch call (SendMessageBatch) whose entries total `payloadBytes`: its entries then go to send(…, false). */
    meterBatchRequest(payloadBytes: number): void {
        if (this.meter) this.meter.counts.requests += billedChunks(payloadBytes);
    }

    /**
     * SendMessage (billed as one, by its 64 KB chunks, unless `metered` is false: an entry of a batch call the caller
     * billed). Returns the message ID (for a deduplicated FIFO send, the first message's); throws what SQS refuses.
     */
    send(body: string, options: SendOptions = NO_SEND_OPTIONS, metered = true): string {
        this.metrics?.action(this.clock.now);
        // The attributes are sized once, for SQS's checks and for the bill.
        const values = attributeValues(options.attributes);
        const refused = this.refusalOf(body, values);
        if (refused) throw refused;
        // Billed by 64 KB chunks; a body whose UTF-16 length cannot reach 64 KB (a unit is at most 3 UTF-8 bytes) is one.
        if (metered && this.meter) this.meter.counts.requests += body.length * 3 <= CHUNK_BYTES && values === NO_SQS_ATTRIBUTES ? 1 : billedChunks(messageSize(body, values));
        let deduplicationId: string | undefined;
        if (options.messageGroupId !== undefined && !GROUP_ID.test(options.messageGroupId)) {
            throw new Error(`SendMessage to ${this.options.name}: MessageGroupId ${JSON.stringify(options.messageGroupId)} is not 1–128 alphanumeric or punctuation characters`);
        }
        if (this.fifo) {
            if (!options.messageGroupId) throw new Error(`SendMessage to ${this.options.name}: MessageGroupId is required for FIFO queues`);
            deduplicationId = options.messageDeduplicationId
                ?? (this.options.fifo!.contentBasedDeduplication ? crypto.createHash("sha256").update(body).digest("hex") : undefined);
            if (deduplicationId === undefined) throw new Error(`SendMessage to ${this.options.name}: the queue has no content-based deduplication, so MessageDeduplicationId is required`);
            const seen = this.deduplication.get(deduplicationId);
            if (seen && seen.until > this.clock.now) {
                this.counts.deduplicated++;
                return seen.messageId;
            }
        }
        const m = newMessage(
            this.idPrefix, ++this.sequence, body, options.attributes ?? EMPTY, this.clock.now, this.clock.now, options.chain ?? 0,
            // A standard queue's MessageGroupId makes it a fair queue's tenant.
            options.messageGroupId, this.fifo ? { deduplicationId: deduplicationId!, sequenceNumber: String(18_000_000_000_000_000_000 + this.sequence) } : undefined,
        );
        if (deduplicationId !== undefined) this.deduplication.set(deduplicationId, { until: this.clock.now + FIFO_DEDUPLICATION_MS, messageId: m.messageId });
        this.counts.sent++;
        this.metrics?.count("sent", 1);
        this.enqueue(m);
        if (!this.fifo && options.messageGroupId !== undefined) this.fair!.lastSentAt.set(options.messageGroupId, this.clock.now);
        return m.messageId;
    }

    /** ReceiveMessage: up to `max` messages, each hidden for the visibility timeout; redrives and expires on the way. */
    receive(max: number): SimMessage[] {
        if (this.metrics) {
            this.metrics.action(this.clock.now);
            if (this.fifo) this.metrics.visibleNow(this.visible);
        }
        const got = this.fifo ? this.receiveFifo(max) : this.receiveStandard(max);
        if (got.length > 0) this.metrics?.count("received", got.length);
        if (this.meter) {
            // Billed by the 64 KB chunks of the bodies and attributes returned. Without attributes, bodies whose UTF-16
            // length cannot reach 64 KB (a unit is at most 3 UTF-8 bytes) are one request, without sizing them.
            let units = 0;
            let attributes = false;
            for (const m of got) {
                units += m.body.length;
                if (m.attributes !== EMPTY) attributes = true;
            }
            this.meter.counts.requests += !attributes && units * 3 <= CHUNK_BYTES ? 1 : billedChunks(got.reduce((n, m) => n + messageSize(m.body, attributeValues(m.attributes)), 0));
        }
        return got;
    }

    /**
     * DeleteMessage. With the latest receipt handle the message is deleted. With an older one (the message was received
     * again since) "the request will succeed, but the message might not be deleted" (SQS API reference,
     * DeleteMessage): AWS does not say how often, so the lab deletes with probability `staleDeleteRate`
     * (an assumption, default 0.5) from the seeded random source. Returns whether the message is gone.
     */
    delete(receipt: string): boolean {
        if (this.meter) this.meter.counts.requests++;
        return this.deleteOne(receipt);
    }

    private deleteOne(receipt: string): boolean {
        // NumberOfMessagesDeleted counts "every successful deletion operation that uses a valid receipt handle, including
        // duplicate deletions": a message received twice and deleted by both receivers counts twice.
        if (this.metrics) {
            this.metrics.action(this.clock.now);
            this.metrics.count("deleted", 1);
        }
        return this.deleteMessage(this.byId().get(receipt.slice(0, receipt.lastIndexOf("#"))), receipt);
    }

    /**
     * The mapping's deletes: the messages it received, with the receipt handles it put in the event, less the ones the
     * response lists as failed; billed as DeleteMessageBatch calls of up to 10 (ESM_DELETE_BATCH, an assumption).
     */
    deleteReceivedBatch(batch: readonly SimMessage[], records: readonly { messageId: string; receiptHandle: string }[], failed?: ReadonlySet<string>): void {
        let deleted = 0;
        for (let i = 0; i < records.length; i++) {
            if (failed?.has(records[i].messageId)) continue;
            this.deleteReceived(batch[i], records[i].receiptHandle);
            deleted++;
        }
        if (this.meter) this.meter.counts.deleteBatchRequests += Math.ceil(deleted / ESM_DELETE_BATCH);
    }

    /**
     * DeleteMessage by the event source mapping, which holds the messages it received: the same outcome as
     * `delete(receipt)` without finding the message by its handle (a string hashed per delete).
     */
    deleteReceived(m: SimMessage, receipt: string): boolean {
        if (this.metrics) {
            this.metrics.action(this.clock.now);
            this.metrics.count("deleted", 1);
        }
        return this.deleteMessage(m.state === GONE ? undefined : m, receipt);
    }

    private deleteMessage(m: SimMessage | undefined, receipt: string): boolean {
        if (!m) return false; // already gone (deleted, redriven or expired)
        if (receiptOf(m) !== receipt) {
            this.counts.staleDeletes++;
            if (this.random() >= (this.options.staleDeleteRate ?? 0.5)) return false;
            this.counts.staleDeletesApplied++;
        }
        this.remove(m);
        this.counts.deleted++;
        return true;
    }

    private random(): number {
        if (!this.options.random) throw new Error(`queue ${this.options.name}: a delete with a stale receipt needs the run's random source`);
        return this.options.random();
    }

    /** Messages that can be received now (ApproximateNumberOfMessagesVisible). */
    get visible(): number {
        this.promote();
        return this.fifo ? this.liveCount - this.inFlightFifo() : this.readyCount;
    }

    /** Received and not yet deleted or visible again (ApproximateNumberOfMessagesNotVisible). */
    get inFlight(): number {
        this.promote();
        return this.fifo ? this.inFlightFifo() : this.hiddenCount;
    }

    get size(): number {
        return this.liveCount;
    }

    /**
     * ApproximateAgeOfOldestMessage, in ms: the oldest message's time in this queue. In a standard queue a message
     * received three or more times and not deleted no longer counts ("Available CloudWatch metrics for Amazon SQS":
     * SQS moves it to the back of the queue and the metric "reflects the age of the next message that hasn't exceeded
     * the receive threshold"; poison-pill messages "are excluded from this metric"): a failing consumer hides its
     * oldest messages from this alarm. A receive count only grows, so an excluded message never counts again here.
     */
    get oldestAgeMs(): number {
        const head = this.oldestCounted();
        return head ? this.clock.now - head.arrivedAt : 0;
    }

    /** When the next hidden message becomes visible, if any. */
    get nextVisibleAt(): number | undefined {
        if (this.fifo) {
            let next: number | undefined;
            for (const m of this.liveMessages()) if (m.visibleAt > this.clock.now && (next === undefined || m.visibleAt < next)) next = m.visibleAt;
            return next;
        }
        this.promote();
        return this.hidden.peek()?.visibleAt;
    }

    /** Applies retention to every message (SQS deletes expired messages even if nobody receives). */
    sweep(): void {
        const retentionMs = this.retentionMs;
        for (const m of [...this.liveMessages()]) {
            if (this.clock.now - m.sentAt >= retentionMs) {
                this.remove(m);
                this.counts.expired++;
            }
        }
    }

    messages(): IterableIterator<SimMessage> {
        return this.liveMessages();
    }

    /** The record Lambda's event source mapping puts in the event for a received message. */
    record(m: SimMessage): SQSRecord {
        return new LabSqsRecord(m, this.arn, this.fifo) as unknown as SQSRecord;
    }

    private get retentionMs(): number {
        return (this.options.retentionSeconds ?? DEFAULT_RETENTION_SECONDS) * 1000;
    }

    /** A message arriving from a source queue's redrive: same ID, body, attributes and (standard) enqueue time. */
    private moveIn(from: SimMessage): void {
        this.metrics?.action(this.clock.now); // not NumberOfMessagesSent: a redrive move is not a send
        this.counts.movedIn++;
        this.enqueue(newMessage(
            from.idPrefix, from.idNumber, from.body, from.attributes,
            // A FIFO DLQ starts the retention clock again (SQS developer guide, dead-letter queues).
            this.fifo ? this.clock.now : from.sentAt,
            // "The ApproximateAgeOfOldestMessage metric indicates when the message moved to the dead-letter queue."
            this.clock.now,
            from.chain, from.groupId, from.fifo,
        ));
    }

    private enqueue(m: SimMessage): void {
        this.arrivals.push(m);
        this.liveCount++;
        this.idIndex?.set(m.messageId, m);
        if (this.fifo) {
            const group = this.groups.get(m.groupId!);
            if (group) group.push(m);
            else this.groups.set(m.groupId!, [m]);
        } else {
            this.ready.push(m);
            this.readyCount++;
            if (m.groupId !== undefined) {
                this.fair ??= this.startFair();
                this.fair.add(this.fair.live, m.groupId, 1);
            }
        }
        if (this.metrics) this.metrics.visibleNow(this.fifo ? this.visible : this.readyCount);
        for (const listener of this.listeners) listener();
    }

    private remove(m: SimMessage): void {
        if (this.metrics && (this.fifo || m.receiveCount < AGE_METRIC_RECEIVE_THRESHOLD)) this.metrics.ageEnded(this.clock.now - m.arrivedAt);
        if (this.fifo) {
            const group = this.groups.get(m.groupId!)!;
            group.splice(group.indexOf(m), 1);
            if (group.length === 0) this.groups.delete(m.groupId!);
        } else if (m.state === READY) {
            this.readyCount--;
        } else if (m.state === HIDDEN) {
            this.hiddenCount--;
            if (this.fair && m.groupId !== undefined) this.fair.flight(m.groupId, -1);
        }
        if (this.fair && m.groupId !== undefined && m.state !== GONE) this.fair.add(this.fair.live, m.groupId, -1);
        m.state = GONE;
        this.liveCount--;
        this.idIndex?.delete(m.messageId);
        this.compactArrivals();
    }

    private byId(): Map<string, SimMessage> {
        if (!this.idIndex) {
            this.idIndex = new Map();
            for (const m of this.liveMessages()) this.idIndex.set(m.messageId, m);
        }
        return this.idIndex;
    }

    private *liveMessages(): IterableIterator<SimMessage> {
        for (const m of this.arrivals.values()) if (m.state !== GONE) yield m;
    }

    /** The message ApproximateAgeOfOldestMessage counts from (in arrival order, the first that still counts). */
    private oldestCounted(): SimMessage | undefined {
        for (let m = this.arrivals.at(this.ageFrom); m !== undefined; m = this.arrivals.at(++this.ageFrom)) {
            if (m.state !== GONE && (this.fifo || m.receiveCount < AGE_METRIC_RECEIVE_THRESHOLD)) return m;
        }
        return undefined;
    }

    /** Drops gone messages from the front of `arrivals`, and from everywhere once they outnumber the live ones. */
    private compactArrivals(): void {
        const arrivals = this.arrivals;
        for (let head = arrivals.peek(); head !== undefined && head.state === GONE; head = arrivals.peek()) {
            arrivals.shift();
            if (this.ageFrom > 0) this.ageFrom--;
        }
        const gone = arrivals.length - this.liveCount;
        if (gone > 1024 && gone > this.liveCount) {
            const kept = new Deque<SimMessage>();
            let ageFrom = 0;
            let i = 0;
            for (const m of arrivals.values()) {
                if (m.state === GONE) { i++; continue; }
                if (i++ < this.ageFrom) ageFrom++; // a kept message the age had already passed
                kept.push(m);
            }
            this.arrivals = kept;
            this.ageFrom = ageFrom;
        }
    }

    /** Moves messages whose visibility timeout has passed (by `now`) back to the visible set. */
    private promote(now = this.clock.now): void {
        if (this.fifo) return;
        let promoted = false;
        for (let m = this.hidden.peek(); m && (m.state === GONE || m.visibleAt <= now); m = this.hidden.peek()) {
            this.hidden.pop();
            if (m.state === GONE) continue;
            m.state = READY;
            this.hiddenCount--;
            this.readyCount++;
            this.ready.push(m);
            if (this.fair && m.groupId !== undefined) this.fair.flight(m.groupId, -1);
            promoted = true;
        }
        if (promoted) this.metrics?.visibleNow(this.readyCount);
    }

    /** @internal What the per-minute gauges read at the end of a minute (`at`): QueueMetrics calls it at each boundary. */
    gaugesAt(at: number): { visible: number; oldestArrivedAt: number | undefined } {
        let visible: number;
        if (this.fifo) {
            visible = 0;
            for (const m of this.liveMessages()) if (m.visibleAt <= at) visible++;
        } else {
            this.promote(at); // nothing runs between now and `at`: the messages due by then are visible then
            visible = this.readyCount;
        }
        const head = this.oldestCounted();
        return { visible, oldestArrivedAt: head?.arrivedAt };
    }

    /** Whether SQS disposes of `m` instead of delivering it: retention expired, or the redrive policy's count reached. */
    private disposed(m: SimMessage): boolean {
        if (this.clock.now - m.sentAt >= this.retentionMs) {
            this.remove(m);
            this.counts.expired++;
            return true;
        }
        const redrive = this.options.redrive;
        if (redrive && m.receiveCount >= redrive.maxReceiveCount) {
            this.remove(m);
            this.counts.redriven++;
            redrive.deadLetter.moveIn(m);
            return true;
        }
        return false;
    }

    private deliver(m: SimMessage): void {
        m.receiveCount++;
        // Its third receive takes a standard queue's message out of ApproximateAgeOfOldestMessage.
        if (this.metrics && !this.fifo && m.receiveCount === AGE_METRIC_RECEIVE_THRESHOLD) this.metrics.ageEnded(this.clock.now - m.arrivedAt);
        if (m.receiveCount === 1) m.firstReceivedAt = this.clock.now;
        m.visibleAt = this.clock.now + this.options.visibilityTimeoutSeconds * 1000;
        this.counts.received++;
    }

    private receiveStandard(max: number): SimMessage[] {
        this.promote();
        const out: SimMessage[] = [];
        // An at-least-once duplicate: a message already received, handed out again under the same receipt handle.
        while (this.duplicates.length > 0 && out.length < max) {
            const m = this.duplicates.shift()!;
            if (m.state !== HIDDEN) continue;
            this.counts.duplicatesDelivered++;
            out.push(m);
        }
        const fair = this.fair;
        if (fair) {
            fair.evaluate(this.clock.now, this.hiddenCount);
            this.metrics?.noisyNow(fair.noisy.size);
            // A tenant no longer noisy gets its set-aside messages first: they are its oldest.
            for (const [g, d] of fair.deferred) {
                if (fair.noisy.has(g)) continue;
                while (out.length < max && d.length > 0) this.take(d.shift()!, out);
                if (d.length === 0) fair.deferred.delete(g);
            }
        }
        while (out.length < max) {
            const m = this.ready.shift();
            if (m === undefined) break;
            // "Whenever quiet tenant messages are available", consumers get those: a noisy tenant's wait aside.
            if (fair && m.groupId !== undefined && fair.noisy.has(m.groupId) && m.state === READY) {
                fair.defer(m);
                continue;
            }
            this.take(m, out);
        }
        if (fair && out.length < max && fair.deferred.size > 0) {
            // No quiet message waits: the noisy tenants' messages go as usual, the one with the fewest in flight first.
            const noisy = [...fair.deferred.keys()].sort((a, b) => (fair.inFlight.get(a) ?? 0) - (fair.inFlight.get(b) ?? 0));
            for (const g of noisy) {
                const d = fair.deferred.get(g)!;
                while (out.length < max && d.length > 0) this.take(d.shift()!, out);
                if (d.length === 0) fair.deferred.delete(g);
            }
        }
        // A noisy tenant whose last waiting messages this receive took is quiet again ("backlog used up").
        if (fair && fair.noisy.size > 0) fair.evaluate(this.clock.now, this.hiddenCount);
        return out;
    }

    /** Hands a visible message to this receive (unless it left the queue meanwhile, or SQS disposes of it now). */
    private take(m: SimMessage, out: SimMessage[]): void {
        if (m.state !== READY) return; // deleted while visible: a late delete with the latest receipt
        if (this.disposed(m)) return;
        this.readyCount--;
        this.deliver(m);
        m.state = HIDDEN;
        this.hiddenCount++;
        this.hidden.push(m);
        if (this.fair && m.groupId !== undefined) this.fair.flight(m.groupId, 1);
        out.push(m);
        const rate = this.options.duplicateRate ?? 0;
        if (rate > 0 && this.options.random!() < rate) this.duplicates.push(m);
    }

    private startFair(): FairQueue {
        // Read at each minute boundary: a tenant quiet for 5 minutes stops being noisy even while nobody receives.
        this.metrics?.fairQueue(() => {
            this.promote();
            this.fair!.evaluate(this.clock.now, this.hiddenCount);
            return this.fair!.noisy.size;
        });
        return new FairQueue();
    }

    /** Fair queues: tenants noisy now, every tenant that was noisy in the run, and the most noisy at once (undefined: not a fair queue). */
    get noisyGroups(): { now: string[]; ever: string[]; peak: number } | undefined {
        const f = this.fair;
        return f && { now: [...f.noisy], ever: [...f.everNoisy].sort(), peak: f.peakNoisy };
    }

    private inFlightFifo(): number {
        let n = 0;
        for (const m of this.liveMessages()) if (m.visibleAt > this.clock.now) n++;
        return n;
    }

    private receiveFifo(max: number): SimMessage[] {
        const out: SimMessage[] = [];
        const now = this.clock.now;
        for (const [groupId, group] of [...this.groups]) {
            if (out.length >= max) break;
            if (group.some((m) => m.visibleAt > now)) continue; // the group is locked while a message of it is in flight
            for (const m of [...group]) {
                if (out.length >= max) break;
                if (this.disposed(m)) continue;
                this.deliver(m);
                out.push(m);
            }
            // Rotate served groups to the back so one busy group does not starve the others.
            if (this.groups.has(groupId)) {
                this.groups.delete(groupId);
                this.groups.set(groupId, group);
            }
        }
        return out;
    }
}

/** A record's epoch-millisecond attribute as text: a batch's messages share their times, so the last one is kept. */
class StampText {
    private at = NaN;
    private last = "";

    text(at: number): string {
        if (at !== this.at) {
            this.at = at;
            this.last = String(LAB_EPOCH + at);
        }
        return this.last;
    }
}
const sentStamp = new StampText();
const firstReceiveStamp = new StampText();
const COUNT_TEXT = Array.from({ length: 64 }, (_, i) => String(i));
const countText = (n: number): string => COUNT_TEXT[n] ?? String(n);

/**
 * An SQS record whose MD5 is computed only if read: hashing every body costs more than the rest of a delivery. Its
 * fields are set one by one in a fixed order (body first, as the event has always listed them): one shape for every
 * record, no options object copied per record.
 */
class LabSqsRecord {
    body: string;
    messageId: string;
    receiptHandle: string;
    attributes: SQSRecord["attributes"];
    messageAttributes: SQSMessageAttributes;
    eventSource: "aws:sqs";
    eventSourceARN: string;
    awsRegion: string;

    constructor(m: SimMessage, arn: string, fifo: boolean) {
        this.body = m.body;
        this.messageId = m.messageId;
        this.receiptHandle = receiptOf(m, this.messageId);
        this.attributes = m.groupId === undefined
            ? {
                ApproximateReceiveCount: countText(m.receiveCount),
                SentTimestamp: sentStamp.text(m.sentAt),
                SenderId: SENDER_ID,
                ApproximateFirstReceiveTimestamp: firstReceiveStamp.text(m.firstReceivedAt),
            }
            : fifo
                ? {
                    ApproximateReceiveCount: countText(m.receiveCount),
                    SentTimestamp: sentStamp.text(m.sentAt),
                    SenderId: SENDER_ID,
                    ApproximateFirstReceiveTimestamp: firstReceiveStamp.text(m.firstReceivedAt),
                    MessageGroupId: m.groupId, MessageDeduplicationId: m.fifo?.deduplicationId, SequenceNumber: m.fifo?.sequenceNumber,
                } as SQSRecord["attributes"]
                // A fair queue's message: its tenant, and none of FIFO's attributes.
                : {
                    ApproximateReceiveCount: countText(m.receiveCount),
                    SentTimestamp: sentStamp.text(m.sentAt),
                    SenderId: SENDER_ID,
                    ApproximateFirstReceiveTimestamp: firstReceiveStamp.text(m.firstReceivedAt),
                    MessageGroupId: m.groupId,
                } as SQSRecord["attributes"];
        this.messageAttributes = m.attributes === EMPTY ? {} : m.attributes;
        this.eventSource = "aws:sqs";
        this.eventSourceARN = arn;
        this.awsRegion = REGION;
    }

    get md5OfBody(): string {
        return crypto.createHash("md5").update(this.body).digest("hex");
    }

    toJSON(): SQSRecord {
        return { ...(this as unknown as SQSRecord), md5OfBody: this.md5OfBody };
    }
}

/** A UUID-shaped, reproducible ID: the n-th message (or event) of the named queue, topic or bus. */
export function messageIdFor(queue: string, n: number): string {
    return messageIdPrefix(queue) + messageIdSuffix(n);
}

/** The part of messageIdFor that depends only on the name: a queue computes it once. */
function messageIdPrefix(queue: string): string {
    let h = 2166136261;
    for (let i = 0; i < queue.length; i++) h = Math.imul(h ^ queue.charCodeAt(i), 16777619);
    return `${(h >>> 0).toString(16).padStart(8, "0")}-0000-4000-8000-`;
}

/** Zeros to pad a hex number to 12 digits, by its length: the same text as padStart, without its cost per message. */
const ID_PADDING = Array.from({ length: 13 }, (_, i) => "0".repeat(12 - i));

function messageIdSuffix(n: number): string {
    const hex = n.toString(16);
    return hex.length < 12 ? ID_PADDING[hex.length] + hex : hex;
}

/**
 * What a queue sends to CloudWatch ("Available CloudWatch metrics for Amazon SQS", dimension QueueName), while it is
 * active: per minute ApproximateNumberOfMessagesVisible and ApproximateAgeOfOldestMessage (each the largest value of
 * the minute, statistic Maximum; the age only while the queue holds a message it counts: an empty queue sends no age,
 * not 0), and the counts NumberOfMessagesSent (not redrive moves), NumberOfMessagesReceived and NumberOfMessagesDeleted.
 * The gauges are kept up to date by the queue's own operations and read once per minute boundary, never per clock step.
 */
class QueueMetrics {
    private readonly series: Record<"visible" | "age" | "sent" | "received" | "deleted", MetricSeries>;
    private isPolled = false;
    /** The last API action on the queue (−∞: idle since before the run). */
    private lastActionAt = -Infinity;
    /** Metrics sent from now on arrive no earlier than this (an idle queue was just activated). */
    private resumeAt = 0;
    private visibleMax = 0;
    /** Fair queues: ApproximateNumberOfNoisyGroups, from the queue's first message with a MessageGroupId. */
    private noisy: { series: MetricSeries; now: () => number; max: number } | undefined;
    /** The age (ms) of each counted message at the moment it stopped counting this minute: the minute's peaks. */
    private ageMax = -1;

    constructor(private readonly cloudwatch: CloudWatch, private readonly queue: SimQueue, private readonly clock: VirtualClock) {
        const dims = { QueueName: queue.options.name };
        const metric = (name: string) => cloudwatch.metric("AWS/SQS", name, dims);
        this.series = {
            visible: metric("ApproximateNumberOfMessagesVisible"), age: metric("ApproximateAgeOfOldestMessage"),
            sent: metric("NumberOfMessagesSent"), received: metric("NumberOfMessagesReceived"), deleted: metric("NumberOfMessagesDeleted"),
        };
        cloudwatch.everyMinute((minute) => this.publish(minute));
    }

    polled(): void {
        this.isPolled = true;
    }

    private inactive(at: number): boolean {
        return !this.isPolled && this.queue.size === 0 && at - this.lastActionAt >= SQS_INACTIVE_AFTER_MS;
    }

    /** An API action (or a message moved in): an idle queue becomes active, its metrics delayed. */
    action(at: number): void {
        if (this.inactive(at)) this.resumeAt = at + SQS_METRICS_RESUME_DELAY_MS;
        this.lastActionAt = at;
    }

    count(which: "sent" | "received" | "deleted", n: number): void {
        const now = this.clock.now;
        this.series[which].put(n, now, now, this.resumeAt);
    }

    visibleNow(visible: number): void {
        if (visible > this.visibleMax) this.visibleMax = visible;
    }

    /**
     * The queue became a fair queue: from now on it sends ApproximateNumberOfNoisyGroups ("Available CloudWatch metrics
     * for Amazon SQS": "the number of message groups that are considered noisy in a fair queue", reported while the
     * queue is active), the largest count of the minute. AWS reports it for every active queue; the lab starts at the
     * first grouped message, so the metric of a queue without tenants stays absent instead of 0 (no alarm reads a difference).
     */
    fairQueue(now: () => number): void {
        this.noisy = { series: this.cloudwatch.metric("AWS/SQS", "ApproximateNumberOfNoisyGroups", { QueueName: this.queue.options.name }), now, max: 0 };
    }

    noisyNow(n: number): void {
        if (this.noisy && n > this.noisy.max) this.noisy.max = n;
    }

    ageEnded(ageMs: number): void {
        if (ageMs > this.ageMax) this.ageMax = ageMs;
    }

    private publish(minute: number): void {
        const start = minute * 60_000;
        const end = start + 60_000;
        const { visible, oldestArrivedAt } = this.queue.gaugesAt(end);
        const active = this.isPolled || this.queue.size > 0 || this.lastActionAt + SQS_INACTIVE_AFTER_MS > start;
        if (active) {
            this.series.visible.put(Math.max(this.visibleMax, visible), start, end, this.resumeAt);
            const age = Math.max(this.ageMax, oldestArrivedAt === undefined ? -1 : end - oldestArrivedAt);
            if (age >= 0) this.series.age.put(Math.floor(age / 1000), start, end, this.resumeAt);
            if (this.noisy) this.noisy.series.put(Math.max(this.noisy.max, this.noisy.now()), start, end, this.resumeAt);
        }
        if (this.noisy) this.noisy.max = this.noisy.now();
        this.visibleMax = visible;
        this.ageMax = -1;
    }
}
