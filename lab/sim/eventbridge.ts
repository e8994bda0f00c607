// An EventBridge bus in virtual time (EventBridge user guide: event patterns, "How EventBridge retries delivering
// events", "Using dead-letter queues"): PutEvents stamps the envelope; every rule whose pattern matches sends the
// event to its targets; a retriable delivery failure is retried with exponential backoff and jitter until the
// target's maximumRetryAttempts or maximumEventAgeInSeconds is reached; a non-retriable one (the target's policy
// refuses EventBridge, the resource does not exist) is not retried. Then the event goes to the target's DLQ with
// the reason in its attributes (RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION,
// RETRY_ATTEMPTS), or is dropped if the target has none. Each rule sends its CloudWatch metrics (RuleMetrics).
// With a log level the bus logs each processing step as EventBridge's event bus logs do (BusLog): a count per record
// type for every event, and the records themselves for the one event a scenario asks to follow.
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

/**
 * The message_type values of an event bus log record ("Amazon EventBridge event bus log schema", read 2026-12-02) and
 * the lowest bus level that sends each. The levels are documented as ERROR "any logs related to errors generated during
 * event processing and target delivery", INFO "errors, as well as major steps", TRACE "all steps" (LogConfig, "Specifying
 * event bus log level"); the stored copies did not show the per-step table, so which step is "major" is the lab's
 * reading of those definitions (docs/fidelity.md). INVOCATION_THROTTLE_START is listed, never emitted (not modelled).
 */
export const BUS_LOG_STEPS = {
    EVENT_RECEIPT: "INFO",
    EVENT_INGEST_SUCCESS: "INFO",
    EVENT_INGEST_FAILURE: "ERROR",
    RULE_MATCH_START: "TRACE",
    RULE_MATCH: "INFO",
    NO_STANDARD_RULES_MATCHED: "INFO",
    INVOCATION_START: "INFO",
    INVOCATION_ATTEMPT_START: "TRACE",
    INVOCATION_ATTEMPT_SUCCESS: "TRACE",
    INVOCATION_ATTEMPT_RETRYABLE_FAILURE: "ERROR",
    INVOCATION_ATTEMPT_PERMANENT_FAILURE: "ERROR",
    INVOCATION_ATTEMPT_THROTTLE: "ERROR",
    INVOCATION_THROTTLE_START: "ERROR",
    INVOCATION_SUCCESS: "INFO",
    INVOCATION_FAILURE: "ERROR",
    INVOCATION_DLQ: "ERROR",
} as const;
export type BusLogStep = keyof typeof BUS_LOG_STEPS;
export type BusLogLevel = "OFF" | "ERROR" | "INFO" | "TRACE";
const LEVEL_RANK: Record<BusLogLevel, number> = { OFF: 0, ERROR: 1, INFO: 2, TRACE: 3 };

/** One record, with the schema's field names ("Amazon EventBridge event bus log schema"). */
export interface BusLogRecord {
    resource_arn: string;
    request_id: string;
    event_id: string;
    /** Per target delivery of the event; absent before a target is invoked. */
    invocation_id?: string;
    message_timestamp_ms: number;
    message_type: BusLogStep;
    /** "The level of detail specified for event bus logs": the bus's level, not the step's. */
    log_level: Exclude<BusLogLevel, "OFF">;
    /** The lab fills rule_arn, target_arn and attempt (its names: the stored schema page cut off its per-type fields). */
    details: Record<string, string | number>;
    /** The schema's error object; the lab fills error_message and aws_service (no status code: AWS's are not modelled). */
    error?: { error_message: string; aws_service: string };
}

export interface BusLogOptions {
    level: BusLogLevel;
    /** Record the full log of this event only (its event ID, or the Nth entry put on the bus, 1-based): the other events are counted. */
    follow?: string | number;
}

/**
 * A bus's log: per message_type, how many records the level sends (every event, a counter each); the records of the
 * followed event. Records are built only for that event, so logging costs a comparison per step otherwise.
 */
export class BusLog {
    readonly counts: Partial<Record<BusLogStep, number>> = {};
    readonly records: BusLogRecord[] = [];
    private readonly rank: number;
    followedId: string | undefined;
    /** Bytes per record of each type, from the first record of that type the bus built (the vended-log meter's unit). */
    private readonly recordBytes: Partial<Record<BusLogStep, number>> = {};

    /** `meter`: the run's bill for the log bytes CloudWatch Logs ingests (vended logs), when it keeps one. */
    constructor(private readonly clock: VirtualClock, readonly busArn: string, readonly options: BusLogOptions, private readonly meter?: CounterMeter<"bytes">) {
        this.rank = LEVEL_RANK[options.level];
        if (typeof options.follow === "string") this.followedId = options.follow;
    }

    /** Whether the bus's level sends records of this step. */
    sends(step: BusLogStep): boolean {
        return LEVEL_RANK[BUS_LOG_STEPS[step]] <= this.rank;
    }

    emit(step: BusLogStep, eventId: string, extra?: { invocationId?: string; details?: Record<string, string | number>; error?: BusLogRecord["error"] }): void {
        if (!this.sends(step)) return;
        this.counts[step] = (this.counts[step] ?? 0) + 1;
        const followed = eventId === this.followedId;
        if (!followed && (!this.meter || this.recordBytes[step] !== undefined)) {
            if (this.meter) this.meter.counts.bytes += this.recordBytes[step]!;
            return;
        }
        const record: BusLogRecord = {
            resource_arn: this.busArn, request_id: `${eventId}-request`, event_id: eventId,
            ...(extra?.invocationId ? { invocation_id: extra.invocationId } : {}),
            message_timestamp_ms: this.clock.wallTime, message_type: step, log_level: this.options.level as Exclude<BusLogLevel, "OFF">,
            details: extra?.details ?? {}, ...(extra?.error ? { error: extra.error } : {}),
        };
        if (this.meter) this.meter.counts.bytes += (this.recordBytes[step] ??= Buffer.byteLength(JSON.stringify(record)));
        if (followed) this.records.push(record);
    }

    /** Records the level sends, over all events. */
    get total(): number {
        let n = 0;
        for (const v of Object.values(this.counts)) n += v ?? 0;
        return n;
    }
}

/** The AWS service of an ARN ("arn:aws:sqs:…" → "sqs"), for a log record's error. */
const serviceOf = (arn: string) => arn.split(":")[2] ?? "";

export class SimTarget {
    readonly stats: TargetStats = { attempts: 0, delivered: 0, retries: 0, deadLettered: 0, dropped: 0 };
    private readonly waiting = new Set<BusEvent>();
    /** Per event: attempts made and when it left the retry loop (virtual ms). */
    readonly journeys = new Map<string, { attempts: number; endedAt?: number; outcome?: "delivered" | "dead-lettered" | "dropped" }>();

    private invocations = 0;

    constructor(private readonly clock: VirtualClock, private readonly random: () => number, readonly ruleArn: string, readonly options: TargetOptions, private readonly metrics?: RuleMetrics,
        private readonly log?: BusLog) {}

    /** A bus log record of this target's delivery of `event` (only when the bus logs). */
    private logStep(step: BusLogStep, event: BusEvent, invocationId: string, attempt?: number, error?: BusLogRecord["error"]): void {
        this.log!.emit(step, event.id, { invocationId, details: { rule_arn: this.ruleArn, target_arn: this.options.id, ...(attempt === undefined ? {} : { attempt }) }, error });
    }

    /** Events waiting for a retry. */
    get pending(): BusEvent[] {
        return [...this.waiting];
    }

    send(event: BusEvent, arrivedAt: number): void {
        this.waiting.add(event);
        this.journeys.set(event.id, { attempts: 0 });
        const invocationId = this.log ? `${event.id}-invocation-${++this.invocations}` : "";
        if (this.log) this.logStep("INVOCATION_START", event, invocationId);
        this.attempt(event, arrivedAt, 0, invocationId);
    }

    private attempt(event: BusEvent, arrivedAt: number, retries: number, invocationId: string): void {
        const journey = this.journeys.get(event.id)!;
        journey.attempts++;
        this.stats.attempts++;
        const now = this.clock.now;
        this.metrics?.send("InvocationAttempts", now);
        if (retries > 0) this.metrics?.send("RetryInvocationAttempts", now);
        if (this.log) this.logStep("INVOCATION_ATTEMPT_START", event, invocationId, retries + 1);
        const result = this.options.deliver(event);
        if (result === "ok") {
            this.metrics?.send("SuccessfulInvocationAttempts", now);
            this.metrics?.send("Invocations", now);
            if (this.log) {
                this.logStep("INVOCATION_ATTEMPT_SUCCESS", event, invocationId, retries + 1);
                this.logStep("INVOCATION_SUCCESS", event, invocationId);
            }
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
        const error = this.log && { error_message: `${result.error}: ${result.message}`, aws_service: serviceOf(this.options.id) };
        if (error) {
            const step = !retriable ? "INVOCATION_ATTEMPT_PERMANENT_FAILURE" : result.error === "THROTTLING" ? "INVOCATION_ATTEMPT_THROTTLE" : "INVOCATION_ATTEMPT_RETRYABLE_FAILURE";
            this.logStep(step, event, invocationId, retries + 1, error);
        }
        if (exhausted === undefined) {
            this.stats.retries++;
            this.clock.after(delay, () => this.attempt(event, arrivedAt, retries + 1, invocationId));
            return;
        }
        // FailedInvocations: "invocations that failed permanently"; counted when EventBridge gives up, DLQ or not.
        this.metrics?.send("FailedInvocations", now);
        this.metrics?.send("Invocations", now);
        if (error) this.logStep("INVOCATION_FAILURE", event, invocationId, undefined, error);
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
        if (this.log) this.log.emit("INVOCATION_DLQ", event.id, { invocationId, details: { rule_arn: this.ruleArn, target_arn: this.options.id, dead_letter_arn: dlq.arn } });
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
    readonly arn: string;
    /** The bus's log ("Logging event buses"), when the bus has a log level other than OFF. */
    readonly log: BusLog | undefined;
    /** What the bus bills, when the run keeps a bill. */
    readonly meter: ReturnType<typeof eventBusMeter> | undefined;

    constructor(private readonly clock: VirtualClock, private readonly random: () => number, readonly name: string,
        private readonly options: { cloudwatch?: CloudWatch; ruleMetricDimensions?: RuleMetricDimensions; billing?: Billing; log?: BusLogOptions } = {}) {
        this.arn = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${name}`;
        this.meter = options.billing?.add(eventBusMeter(name));
        if (options.log && options.log.level !== "OFF") {
            // Vended logs are billed by the bytes ingested; every record of a type is counted at its first record's size.
            const bytes = options.billing?.add(new CounterMeter("CloudWatch", `${name} bus logs`, { bytes: "cloudwatch.logs.vended-ingestion" }));
            this.log = new BusLog(clock, this.arn, options.log, bytes);
        }
    }

    /** PutRule + PutTargets. The pattern is validated as EventBridge validates it. */
    addRule(name: string, pattern: EventPattern | string, targets: TargetOptions[]): SimRule {
        const arn = `arn:aws:events:${REGION}:${ACCOUNT}:rule/${this.name}/${name}`;
        const rule: SimRule = { name, arn, pattern: parseEventPattern(pattern), targets: [], matched: 0 };
        const { cloudwatch, ruleMetricDimensions = EVENTBRIDGE_RULE_METRIC_DIMENSIONS } = this.options;
        const metrics = cloudwatch && new RuleMetrics(cloudwatch, ruleMetricDimensions === "RuleName" ? { RuleName: name } : { EventBusName: this.name, RuleName: name });
        rule.targets = targets.map((t) => new SimTarget(this.clock, this.random, arn, t, metrics, this.log));
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
        // A refused entry has no event ID: the log counts it (EVENT_INGEST_FAILURE) without a record to follow.
        if (refused) {
            this.log?.emit("EVENT_INGEST_FAILURE", "");
            throw refused;
        }
        if (this.meter) {
            const units = entry.Source.length + entry.DetailType.length + entry.Detail.length + (entry.Resources ?? []).reduce((n, r) => n + r.length, 0);
            this.meter.counts.events += units * 3 <= CHUNK_BYTES ? 1 : billedChunks(putEventsEntrySize(entry));
        }
        const id = messageIdFor(`events:${this.name}`, ++this.ids);
        const log = this.log;
        if (log) {
            if (log.options.follow === this.ids) log.followedId = id;
            log.emit("EVENT_RECEIPT", id);
            log.emit("EVENT_INGEST_SUCCESS", id);
            log.emit("RULE_MATCH_START", id);
        }
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
            log?.emit("RULE_MATCH", id, { details: { rule_arn: rule.arn } });
            for (const target of rule.targets) target.send(structuredClone(event), this.clock.now);
        }
        if (!matched) {
            this.counts.matchedNoRule++;
            log?.emit("NO_STANDARD_RULES_MATCHED", id);
        }
        return id;
    }
}
