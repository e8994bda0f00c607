// An EventBridge bus in virtual time (EventBridge user guide: event patterns, "How EventBridge retries delivering
// events", "Using dead-letter queues"): PutEvents stamps the envelope; every rule whose pattern matches sends the
// event to its targets; a retriable delivery failure is retried with exponential backoff and jitter until the
// target's maximumRetryAttempts or maximumEventAgeInSeconds is reached; a non-retriable one (the target's policy
// refuses EventBridge, the resource does not exist) is not retried. Then the event goes to the target's DLQ with
// the reason in its attributes (RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION,
// RETRY_ATTEMPTS), or is dropped if the target has none. Each rule sends its CloudWatch metrics (RuleMetrics).
import type { SQSMessageAttributes } from "aws-lambda";
import { VirtualClock } from "./clock";
import type { CloudWatch, MetricSeries } from "./cloudwatch";
import { EventPattern, matchesEventPattern, parseEventPattern } from "../matching/event-pattern";
import { Billing, CounterMeter } from "../cost/billing";
import { billedChunks, CHUNK_BYTES } from "../cost/rules";
import { putEventsEntrySize } from "../../functions/shared/aws-limits";
import { ServiceRefusal } from "./limits";
import { ACCOUNT, messageIdFor, REGION, SimQueue, stringAttribute } from "./sqs";

/**
 * AWS documents "exponential back off and jitter" without the delays. The lab assumes 1 s doubling, capped at
 * 10 minutes, each delay jittered to 50–100 %: 185 retries then span about 22 hours, close to the documented 24 h.
 */
export const EVENTBRIDGE_BACKOFF = { firstMs: 1000, capMs: 600_000, jitter: 0.5 };

export interface BusEvent {
    version: "0";
    id: string;
    "detail-type": string;
    source: string;
    account: string;
    time: string;
    region: string;
    resources: string[];
    detail: unknown;
}

/**
 * ERROR_CODE values from EventBridge's documented sample ("Using dead-letter queues to process undelivered events").
 * The lab uses these and nothing else; whether a code is retried follows the same page: "for errors that result from
 * missing permissions to a target, a target resource that no longer exists, or a target that cannot be found due
 * to an invalid address or DNS lookup failure, no retry attempts will happen".
 */
export const EVENTBRIDGE_ERROR_CODES = {
    THROTTLING: { retriable: true },
    TIMEOUT: { retriable: true },
    CONNECTION_FAILURE: { retriable: true },
    INTERNAL_ERROR: { retriable: true },
    ERROR_FROM_TARGET: { retriable: true },
    NO_PERMISSIONS: { retriable: false },
    NO_RESOURCE: { retriable: false },
} as const;
export type EventBridgeErrorCode = keyof typeof EVENTBRIDGE_ERROR_CODES;

/** What delivering to a target does with an event: accept it, or fail with a documented error code. */
export type TargetDelivery = (event: BusEvent) => "ok" | { error: EventBridgeErrorCode; message: string };

export interface TargetOptions {
    id: string;
    deliver: TargetDelivery;
    maximumRetryAttempts: number;
    maximumEventAgeSeconds: number;
    deadLetter?: SimQueue;
}

export interface TargetStats {
    attempts: number;
    delivered: number;
    retries: number;
    deadLettered: number;
    dropped: number;
}

/**
 * Which dimensions EventBridge sends a custom bus's rule metrics with. "Monitoring Amazon EventBridge" says "Metrics
 * that specify both the EventBusName and RuleName dimensions refer to a custom event bus" while its table lists
 * FailedInvocations and InvocationsSentToDlq with RuleName only. The lab sends both dimensions by default (the text);
 * the stack's rule alarms read both series, so their times do not depend on the reading (a test runs both).
 */
export type RuleMetricDimensions = "EventBusName,RuleName" | "RuleName";
export const EVENTBRIDGE_RULE_METRIC_DIMENSIONS: RuleMetricDimensions = "EventBusName,RuleName";

type RuleMetricName = "Invocations" | "InvocationAttempts" | "SuccessfulInvocationAttempts" | "RetryInvocationAttempts" | "FailedInvocations" | "InvocationsSentToDlq";

/**
 * A rule's metrics ("Monitoring Amazon EventBridge"), sent when they happen: FailedInvocations, InvocationsSentToDlq
 * and RetryInvocationAttempts "only ... if it isn't zero" (so a quiet minute has no datapoint), InvocationAttempts per
 * attempt, Invocations once per event when it succeeds or fails for good (not per retry).
 */
class RuleMetrics {
    private readonly series = new Map<RuleMetricName, MetricSeries>();

    constructor(private readonly cloudwatch: CloudWatch, private readonly dimensions: Record<string, string>) {}

    send(metricName: RuleMetricName, at: number): void {
        let s = this.series.get(metricName);
        if (!s) this.series.set(metricName, (s = this.cloudwatch.metric("AWS/Events", metricName, this.dimensions)));
        s.put(1, at);
    }
}

export class SimTarget {
    readonly stats: TargetStats = { attempts: 0, delivered: 0, retries: 0, deadLettered: 0, dropped: 0 };
    private readonly waiting = new Set<BusEvent>();
    /** Per event: attempts made and when it left the retry loop (virtual ms). */
    readonly journeys = new Map<string, { attempts: number; endedAt?: number; outcome?: "delivered" | "dead-lettered" | "dropped" }>();

    constructor(private readonly clock: VirtualClock, private readonly random: () => number, readonly ruleArn: string, readonly options: TargetOptions, private readonly metrics?: RuleMetrics) {}

    /** Events waiting for a retry. */
    get pending(): BusEvent[] {
        return [...this.waiting];
    }

    send(event: BusEvent, arrivedAt: number): void {
        this.waiting.add(event);
        this.journeys.set(event.id, { attempts: 0 });
        this.attempt(event, arrivedAt, 0);
    }

    private attempt(event: BusEvent, arrivedAt: number, retries: number): void {
        const journey = this.journeys.get(event.id)!;
        journey.attempts++;
        this.stats.attempts++;
        const now = this.clock.now;
        this.metrics?.send("InvocationAttempts", now);
        if (retries > 0) this.metrics?.send("RetryInvocationAttempts", now);
        const result = this.options.deliver(event);
        if (result === "ok") {
            this.metrics?.send("SuccessfulInvocationAttempts", now);
            this.metrics?.send("Invocations", now);
            return this.end(event, journey, "delivered");
        }
        const ageMs = this.clock.now - arrivedAt;
        const backoff = Math.min(EVENTBRIDGE_BACKOFF.capMs, EVENTBRIDGE_BACKOFF.firstMs * 2 ** retries);
        const delay = Math.round(backoff * (1 - EVENTBRIDGE_BACKOFF.jitter * this.random()));
        const retriable = EVENTBRIDGE_ERROR_CODES[result.error].retriable;
        // Which limit ended the retries: EXHAUSTED_RETRY_CONDITION's documented values. None for an error never retried.
        const exhausted = !retriable ? "none"
            : retries >= this.options.maximumRetryAttempts ? "MaximumRetryAttempts"
                : ageMs + delay > this.options.maximumEventAgeSeconds * 1000 ? "MaximumEventAgeInSeconds" : undefined;
        if (exhausted === undefined) {
            this.stats.retries++;
            this.clock.after(delay, () => this.attempt(event, arrivedAt, retries + 1));
            return;
        }
        // FailedInvocations: "invocations that failed permanently"; counted when EventBridge gives up, DLQ or not.
        this.metrics?.send("FailedInvocations", now);
        this.metrics?.send("Invocations", now);
        const dlq = this.options.deadLetter;
        if (!dlq) return this.end(event, journey, "dropped");
        this.metrics?.send("InvocationsSentToDlq", now);
        // The DLQ message is the event, with why it failed (EventBridge user guide, "Using dead-letter queues").
        const attributes: SQSMessageAttributes = {
            RULE_ARN: stringAttribute(this.ruleArn),
            TARGET_ARN: stringAttribute(this.options.id),
            ERROR_CODE: stringAttribute(result.error),
            ERROR_MESSAGE: stringAttribute(result.message),
            ...(exhausted !== "none" ? { EXHAUSTED_RETRY_CONDITION: stringAttribute(exhausted) } : {}),
            RETRY_ATTEMPTS: stringAttribute(String(retries)),
        };
        dlq.send(JSON.stringify(event), { attributes });
        this.end(event, journey, "dead-lettered");
    }

    private end(event: BusEvent, journey: { endedAt?: number; outcome?: string }, outcome: "delivered" | "dead-lettered" | "dropped"): void {
        this.waiting.delete(event);
        journey.endedAt = this.clock.now;
        journey.outcome = outcome;
        this.stats[outcome === "delivered" ? "delivered" : outcome === "dropped" ? "dropped" : "deadLettered"]++;
    }
}

export interface SimRule {
    name: string;
    arn: string;
    pattern: EventPattern;
    targets: SimTarget[];
    matched: number;
}

/**
 * What a bus bills ("Amazon EventBridge pricing"): each custom event put, "Each 64 KB chunk of a payload is billed as
 * one event"; delivery to the rules' targets adds no EventBridge charge (an SQS target bills its SendMessage), retries neither.
 */
const eventBusMeter = (bus: string) => new CounterMeter("EventBridge", bus, { events: "eventbridge.custom.event" });

export class SimEventBus {
    readonly rules: SimRule[] = [];
    private ids = 0;
    readonly counts = { put: 0, matchedNoRule: 0 };
    /** What the bus bills, when the run keeps a bill. */
    readonly meter: ReturnType<typeof eventBusMeter> | undefined;

    constructor(private readonly clock: VirtualClock, private readonly random: () => number, readonly name: string,
        private readonly options: { cloudwatch?: CloudWatch; ruleMetricDimensions?: RuleMetricDimensions; billing?: Billing } = {}) {
        this.meter = options.billing?.add(eventBusMeter(name));
    }

    /** PutRule + PutTargets. The pattern is validated as EventBridge validates it. */
    addRule(name: string, pattern: EventPattern | string, targets: TargetOptions[]): SimRule {
        const arn = `arn:aws:events:${REGION}:${ACCOUNT}:rule/${this.name}/${name}`;
        const rule: SimRule = { name, arn, pattern: parseEventPattern(pattern), targets: [], matched: 0 };
        const { cloudwatch, ruleMetricDimensions = EVENTBRIDGE_RULE_METRIC_DIMENSIONS } = this.options;
        const metrics = cloudwatch && new RuleMetrics(cloudwatch, ruleMetricDimensions === "RuleName" ? { RuleName: name } : { EventBusName: this.name, RuleName: name });
        rule.targets = targets.map((t) => new SimTarget(this.clock, this.random, arn, t, metrics));
        this.rules.push(rule);
        return rule;
    }

    /** Why PutEvents fails this entry (its ErrorCode and ErrorMessage): Detail must be a JSON object. */
    refusal(entry: { Detail: string }): ServiceRefusal | undefined {
        let detail: unknown;
        try {
            detail = JSON.parse(entry.Detail);
        } catch {
            return new ServiceRefusal("MalformedDetail", "Detail is malformed.");
        }
        return detail !== null && typeof detail === "object" && !Array.isArray(detail) ? undefined : new ServiceRefusal("MalformedDetail", "Detail is malformed.");
    }

    /** PutEvents for one entry; returns the event ID, or throws the entry's error. */
    put(entry: { Source: string; DetailType: string; Detail: string; Resources?: string[] }): string {
        const refused = this.refusal(entry);
        if (refused) throw refused;
        if (this.meter) {
            const units = entry.Source.length + entry.DetailType.length + entry.Detail.length + (entry.Resources ?? []).reduce((n, r) => n + r.length, 0);
            this.meter.counts.events += units * 3 <= CHUNK_BYTES ? 1 : billedChunks(putEventsEntrySize(entry));
        }
        const id = messageIdFor(`events:${this.name}`, ++this.ids);
        const event: BusEvent = {
            version: "0", id, "detail-type": entry.DetailType, source: entry.Source, account: ACCOUNT,
            time: new Date(this.clock.wallTime).toISOString().replace(/\.\d{3}Z$/, "Z"), region: REGION, resources: entry.Resources ?? [],
            detail: JSON.parse(entry.Detail),
        };
        this.counts.put++;
        let matched = false;
        for (const rule of this.rules) {
            if (!matchesEventPattern(rule.pattern, event as unknown as Record<string, unknown>)) continue;
            matched = true;
            rule.matched++;
            for (const target of rule.targets) target.send(structuredClone(event), this.clock.now);
        }
        if (!matched) this.counts.matchedNoRule++;
        return id;
    }
}
