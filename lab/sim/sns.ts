// An SNS topic in virtual time (SNS developer guide: message filtering, raw message delivery, "Amazon SNS message
// delivery retries", "Amazon SNS dead-letter queues"): Publish offers the message to every subscription; a
// subscription whose filter policy does not match never sees it; a matching one gets it raw (body + attributes) or
// wrapped in the JSON notification envelope. A delivery to SQS that fails with a server-side error follows the
// delivery policy for AWS managed endpoints (3 immediate retries, 2 at 1 s, 10 backing off from 1 s to 20 s, then
// 100,000 at 20 s: 100,015 retries over about 23 days, jittered); a client-side error (the queue is gone, its policy
// refuses SNS) is not retried. Then the message goes to the subscription's DLQ (redrive policy) or is discarded.
// The topic sends its CloudWatch metrics (TopicMetrics).
import type { SQSMessageAttributes } from "aws-lambda";
import { VirtualClock } from "./clock";
import type { CloudWatch, MetricSeries } from "./cloudwatch";
import { FilterPolicy, FilterPolicyScope, matchesFilterPolicy, parseFilterPolicy, SnsAttribute } from "../matching/sns-filter";
import { messageSize, SNS_DEFAULT_MAX_MESSAGE_BYTES, SNS_LARGE_TOPIC_MAX_SUBSCRIPTIONS, SNS_MAX_MESSAGE_BYTES_CEILING } from "../../functions/shared/aws-limits";
import { Billing, CounterMeter } from "../cost/billing";
import { billedChunks, CHUNK_BYTES } from "../cost/rules";
import { ServiceRefusal } from "./limits";
import { ACCOUNT, messageIdFor, REGION, SimQueue, stringAttribute } from "./sqs";

/**
 * "Amazon SNS applies jittering to delivery retries" without saying how much: the lab assumes each delay after the
 * immediate phase is drawn from 80–100 % of the documented value.
 */
export const SNS_RETRY_JITTER = 0.2;

/** What one delivery attempt to the endpoint meets: success, or an error SNS classifies as client- or server-side. */
export type SnsDelivery = "ok" | "client-error" | "server-error";

/** Delay before delivery attempt `n` (0-based) to an AWS-managed endpoint such as SQS, before jitter. */
export function snsRetryDelayMs(n: number): number | undefined {
    if (n <= 3) return 0; // the first attempt, then the immediate retry phase: 3 retries, no delay
    if (n <= 5) return 1000; // pre-backoff phase: 2 retries, 1 s apart
    if (n <= 15) return Math.round(1000 * 20 ** ((n - 6) / 9)); // backoff phase: 10 retries, 1 s → 20 s
    if (n <= 100_014) return 20_000; // post-backoff phase: 100,000 retries, 20 s apart
    return undefined;
}

export interface SubscriptionOptions {
    name: string;
    queue: SimQueue;
    filterPolicy?: FilterPolicy;
    filterPolicyScope?: FilterPolicyScope;
    rawMessageDelivery: boolean;
    deadLetter?: SimQueue;
    /**
     * What a delivery attempt meets now. "client-error": the queue is gone or its policy refuses SNS ("Client-side
     * errors can happen when Amazon SNS has stale subscription metadata"); "server-error": the endpoint is
     * unavailable. Default: every delivery succeeds.
     */
    deliver?: () => SnsDelivery;
    /** The run's random source, for the retries' jitter. */
    random?: () => number;
}

export interface PublishInput {
    Message: string;
    MessageAttributes?: Record<string, { DataType: string; StringValue?: string }>;
    /**
     * On a standard topic, optional: "forwarded only to Amazon SQS standard subscriptions to activate fair queues" and
     * "not used for, or sent to, any other endpoint types"; the FIFO topic's validation rules apply (SNS API reference, Publish).
     */
    MessageGroupId?: string;
}

/**
 * Whether NumberOfNotificationsFilteredOut counts MessageBody-scope rejections too. "Monitoring Amazon SNS topics using
 * CloudWatch" defines it as messages "rejected by subscription filter policies. A filter policy rejects a message when
 * the message attributes don't match the policy attributes", beside -MessageAttributes and -MessageBody. The lab counts
 * both scopes in the total by default; the stack's deliveries-lagging alarm is right under either reading (a test runs
 * both).
 */
export const SNS_FILTERED_OUT_TOTAL_COUNTS_BODY = true;

type TopicMetricName = "NumberOfMessagesPublished" | "NumberOfNotificationsDelivered" | "NumberOfNotificationsFailed" | "NumberOfNotificationsFilteredOut"
    | "NumberOfNotificationsFilteredOut-MessageAttributes" | "NumberOfNotificationsFilteredOut-MessageBody";

/** A topic's metrics (dimension TopicName), sent when they happen: a minute with none of one has no datapoint of it. */
class TopicMetrics {
    private readonly series = new Map<TopicMetricName, MetricSeries>();

    constructor(private readonly cloudwatch: CloudWatch, private readonly dimensions: Record<string, string>, private readonly totalCountsBody: boolean) {}

    send(metricName: TopicMetricName, at: number): void {
        let s = this.series.get(metricName);
        if (!s) this.series.set(metricName, (s = this.cloudwatch.metric("AWS/SNS", metricName, this.dimensions)));
        s.put(1, at);
    }

    filteredOut(scope: FilterPolicyScope | undefined, at: number): void {
        const body = scope === "MessageBody";
        this.send(body ? "NumberOfNotificationsFilteredOut-MessageBody" : "NumberOfNotificationsFilteredOut-MessageAttributes", at);
        if (!body || this.totalCountsBody) this.send("NumberOfNotificationsFilteredOut", at);
    }
}

/**
 * What a topic bills ("Amazon SNS pricing"): each publish request by its 64 KB chunks (a PublishBatch is one request
 * over its combined payload: "reduce the costs ... by a factor of up to 10", "Amazon SNS message batching"), and each
 * delivery at its endpoint type's price (to SQS: none; the queue bills the SendMessage).
 */
const snsMeter = (topic: string) => new CounterMeter("SNS", topic, { publishRequests: "sns.standard.publish", sqsDeliveries: "sns.delivery.sqs" });
export type SnsMeter = ReturnType<typeof snsMeter>;

export class SimSubscription {
    readonly arn: string;
    readonly policy: FilterPolicy | undefined;
    readonly counts = { matched: 0, filteredOut: 0, delivered: 0, retries: 0, clientErrors: 0, deadLettered: 0, discarded: 0 };
    private readonly retrying = new Set<string>();
    /** Called with each message the filter policy kept from this subscriber. */
    onFiltered: ((message: string) => void) | undefined;

    constructor(private readonly clock: VirtualClock, readonly topic: SimTopic, readonly options: SubscriptionOptions) {
        this.arn = `${topic.arn}:${options.name}`;
        this.policy = options.filterPolicy ? parseFilterPolicy(options.filterPolicy, options.filterPolicyScope) : undefined;
    }

    /** Deliveries waiting for a retry (their bodies). */
    get pending(): string[] {
        return [...this.retrying];
    }

    offer(messageId: string, input: PublishInput): void {
        const attributes: Record<string, SnsAttribute> = {};
        for (const [name, a] of Object.entries(input.MessageAttributes ?? {})) attributes[name] = { Type: a.DataType as SnsAttribute["Type"], Value: a.StringValue ?? "" };
        if (this.policy && !matchesFilterPolicy(this.policy, { attributes, body: input.Message }, this.options.filterPolicyScope)) {
            this.counts.filteredOut++;
            this.topic.metrics?.filteredOut(this.options.filterPolicyScope, this.clock.now);
            this.onFiltered?.(input.Message);
            return;
        }
        this.counts.matched++;
        const { body, sqsAttributes } = this.options.rawMessageDelivery
            ? { body: input.Message, sqsAttributes: toSqsAttributes(input) }
            : { body: this.envelope(messageId, input, attributes), sqsAttributes: {} };
        this.attempt(body, sqsAttributes, 0, input.MessageGroupId);
    }

    private attempt(body: string, attributes: SQSMessageAttributes, n: number, messageGroupId?: string): void {
        // A message the queue refuses is a client-side error: "Messages with more than 10 message attributes directed
        // towards Raw Message Delivery enabled Amazon SQS subscriptions will be discarded as client side errors"
        // ("Amazon SNS message attributes"); a body over the queue's MaximumMessageSize likewise.
        const refused = this.options.queue.refusal(body, attributes) !== undefined;
        const result = refused ? "client-error" : this.options.deliver?.() ?? "ok";
        if (result === "ok") {
            this.retrying.delete(body);
            // The topic's standard subscription queue receives the tenant key as its MessageGroupId: a fair queue.
            this.options.queue.send(body, messageGroupId === undefined ? { attributes } : { attributes, messageGroupId });
            this.counts.delivered++;
            if (this.topic.meter) this.topic.meter.counts.sqsDeliveries++;
            this.topic.metrics?.send("NumberOfNotificationsDelivered", this.clock.now);
            return;
        }
        // "Amazon SNS doesn't retry the message delivery that fails as a result of a client-side error."
        if (result === "client-error") this.counts.clientErrors++;
        const next = result === "client-error" ? undefined : snsRetryDelayMs(n + 1);
        const delay = next === undefined || next === 0 ? next : Math.round(next * (1 - SNS_RETRY_JITTER * this.random()));
        if (delay === undefined) {
            // For SQS endpoints NumberOfNotificationsFailed "increments by 1 when Amazon SNS stops attempting message deliveries".
            this.topic.metrics?.send("NumberOfNotificationsFailed", this.clock.now);
            this.retrying.delete(body);
            const dlq = this.options.deadLetter;
            // The DLQ copy of a message the queue refused for its attributes keeps the body only (AWS does not say: an
            // assumption, docs/fidelity.md); one the DLQ refuses as well has nowhere to go.
            const kept = dlq && (dlq.refusal(body, attributes) === undefined ? attributes : dlq.refusal(body) === undefined ? {} : undefined);
            if (dlq && kept) {
                dlq.send(body, { attributes: kept });
                this.counts.deadLettered++;
            } else {
                this.counts.discarded++;
            }
            return;
        }
        this.retrying.add(body);
        this.counts.retries++;
        this.clock.after(delay, () => this.attempt(body, attributes, n + 1, messageGroupId));
    }

    private random(): number {
        if (!this.options.random) throw new Error(`subscription ${this.options.name}: retries need the run's random source (jitter)`);
        return this.options.random();
    }

    /** The JSON notification SNS delivers when raw message delivery is off. */
    private envelope(messageId: string, input: PublishInput, attributes: Record<string, SnsAttribute>): string {
        return JSON.stringify({
            Type: "Notification",
            MessageId: messageId,
            TopicArn: this.topic.arn,
            Message: input.Message,
            Timestamp: new Date(this.clock.wallTime).toISOString(),
            SignatureVersion: "1",
            Signature: "lab",
            SigningCertURL: `https://sns.${REGION}.amazonaws.com/SimpleNotificationService-lab.pem`,
            UnsubscribeURL: `https://sns.${REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${this.arn}`,
            ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
        });
    }
}

/** With raw delivery SNS copies the message attributes to SQS message attributes. */
function toSqsAttributes(input: PublishInput): SQSMessageAttributes {
    const out: SQSMessageAttributes = {};
    for (const [name, a] of Object.entries(input.MessageAttributes ?? {})) {
        out[name] = stringAttribute(a.StringValue, a.DataType);
    }
    return out;
}

export class SimTopic {
    /** @internal The topic's CloudWatch metrics, which its subscriptions send to as well. */
    readonly metrics: TopicMetrics | undefined;
    readonly arn: string;
    readonly subscriptions: SimSubscription[] = [];
    private ids = 0;
    readonly counts = { published: 0, matchedNoSubscription: 0 };

    /** The topic's MaximumMessageSize: body and attributes (name, type, value) of one message, and of a PublishBatch. */
    readonly maximumMessageSize: number;
    /** What the topic bills, when the run keeps a bill. */
    readonly meter: SnsMeter | undefined;

    constructor(private readonly clock: VirtualClock, readonly name: string, options: { maximumMessageSize?: number; cloudwatch?: CloudWatch; filteredOutTotalCountsBody?: boolean; billing?: Billing } = {}) {
        this.arn = `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;
        this.maximumMessageSize = options.maximumMessageSize ?? SNS_DEFAULT_MAX_MESSAGE_BYTES;
        if (!Number.isInteger(this.maximumMessageSize) || this.maximumMessageSize < 1024 || this.maximumMessageSize > SNS_MAX_MESSAGE_BYTES_CEILING) {
            throw new ServiceRefusal("InvalidParameterException", `Invalid parameter: MaximumMessageSize ${this.maximumMessageSize}: valid values are 1024 to ${SNS_MAX_MESSAGE_BYTES_CEILING}`);
        }
        if (options.cloudwatch) this.metrics = new TopicMetrics(options.cloudwatch, { TopicName: name }, options.filteredOutTotalCountsBody ?? SNS_FILTERED_OUT_TOTAL_COUNTS_BODY);
        this.meter = options.billing?.add(snsMeter(name));
    }

    /** One billed PublishBatch request whose messages total `payloadBytes`: its entries then go to publish(…, false). */
    meterPublishRequest(payloadBytes: number): void {
        if (this.meter) this.meter.counts.publishRequests += billedChunks(payloadBytes);
    }

    /** Subscribe with a filter policy validated as SNS validates it. */
    subscribe(options: SubscriptionOptions): SimSubscription {
        // "A topic with a MaximumMessageSize above 256 KiB must have 100 or fewer subscriptions, and each subscription
        // must be an Amazon SQS, Amazon Data Firehose, or Lambda subscription" (the lab's are all SQS).
        if (this.maximumMessageSize > SNS_DEFAULT_MAX_MESSAGE_BYTES && this.subscriptions.length >= SNS_LARGE_TOPIC_MAX_SUBSCRIPTIONS) {
            throw new ServiceRefusal("InvalidParameterException", `Invalid parameter: a topic whose MaximumMessageSize is above ${SNS_DEFAULT_MAX_MESSAGE_BYTES} may have at most ${SNS_LARGE_TOPIC_MAX_SUBSCRIPTIONS} subscriptions`);
        }
        const subscription = new SimSubscription(this.clock, this, options);
        this.subscriptions.push(subscription);
        return subscription;
    }

    /**
     * Why Publish would refuse the message: empty, an attribute without a name, type or value or of a type SNS does
     * not have, or body plus attributes over MaximumMessageSize ("Amazon SNS validates the combined size of the
     * message body and message attributes against this value and returns an InvalidParameter error").
     */
    refusal(input: PublishInput): ServiceRefusal | undefined {
        if (input.Message.length === 0) return new ServiceRefusal("InvalidParameterException", "Invalid parameter: Empty message");
        for (const [name, a] of Object.entries(input.MessageAttributes ?? {})) {
            if (!/^(String|String\.Array|Number|Binary)(\.[\x21-\x7e]+)?$/.test(a.DataType)) {
                return new ServiceRefusal("InvalidParameterValueException", `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`);
            }
            if (name.length === 0 || !a.StringValue) return new ServiceRefusal("InvalidParameterValueException", `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${a.DataType}'.`);
        }
        if (messageSize(input.Message, input.MessageAttributes) > this.maximumMessageSize) return new ServiceRefusal("InvalidParameterException", "Invalid parameter: Message too long");
        // MessageGroupId "can contain up to 128 alphanumeric characters (a-z, A-Z, 0-9) and punctuation" (Publish).
        if (input.MessageGroupId !== undefined && !/^[\x21-\x7e]{1,128}$/.test(input.MessageGroupId)) {
            return new ServiceRefusal("InvalidParameterException", "Invalid parameter: MessageGroupId");
        }
        return undefined;
    }

    /** Publish (billed by its 64 KB chunks unless `metered` is false: an entry of a batch the caller billed); throws what SNS refuses. */
    publish(input: PublishInput, metered = true): string {
        const refused = this.refusal(input);
        if (refused) throw refused;
        if (metered && this.meter) this.meter.counts.publishRequests += input.Message.length * 3 <= CHUNK_BYTES && !input.MessageAttributes ? 1 : billedChunks(messageSize(input.Message, input.MessageAttributes));
        const messageId = messageIdFor(this.arn, ++this.ids);
        this.counts.published++;
        this.metrics?.send("NumberOfMessagesPublished", this.clock.now);
        const before = this.subscriptions.map((s) => s.counts.matched);
        for (const subscription of this.subscriptions) subscription.offer(messageId, input);
        if (this.subscriptions.every((s, i) => s.counts.matched === before[i])) this.counts.matchedNoSubscription++;
        return messageId;
    }
}
