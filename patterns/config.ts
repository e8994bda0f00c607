// The lab's stack configuration: one typed module that reads, defaults and validates every key in the
// project namespace. It imports nothing from Pulumi so the tests and tools can use the same rules.
import { search } from "@aws-lambda-powertools/jmespath";

export const PROJECT = "serverless-patterns-lab";

/** CloudWatch namespace of the handlers' EMF metrics (their POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = "ServerlessPatternsLab";

/** Settings shared by every pattern that consumes an SQS queue with a Lambda function. */
export interface ConsumerSettings {
    /** Lambda timeout. AWS limit 1–900 s. */
    functionTimeoutSeconds: number;
    /** Lambda memory. AWS limit 128–10,240 MB. */
    memorySizeMb: number;
    /** Records per invocation. AWS limit 1–10,000 (standard queue); > 10 needs a batching window ≥ 1 s. */
    batchSize: number;
    /** How long the poller gathers a batch. AWS limit 0–300 s. */
    maximumBatchingWindowSeconds: number;
    /**
     * Concurrent invocations this event source may drive: the queue's backpressure. AWS limit 2–1,000. Undefined when
     * provisioned pollers scale the mapping (Lambda takes one or the other: services-sqs-scaling).
     */
    maximumConcurrency?: number;
    /** Receives before SQS moves a message to the DLQ. AWS limit 1–1,000; AWS recommends ≥ 5. */
    maxReceiveCount: number;
    /** Source queue visibility timeout; undefined means 6 × function timeout + batching window. */
    visibilityTimeoutSeconds?: number;
    /** Source queue retention; shorter than the DLQ's 14 days so redriven messages are not lost. */
    messageRetentionSeconds: number;
    /** Alarm when the oldest message in the source queue is older than this. */
    oldestMessageAgeAlarmSeconds: number;
}

/**
 * Provisioned mode of an SQS event source mapping (ProvisionedPollerConfig): dedicated event pollers, at least
 * minimumPollers always running (and billed), scaling up to maximumPollers. Exclusive with maximumConcurrency.
 */
export interface ProvisionedPollers {
    /** AWS: for SQS 2–200, default 2 (Lambda API reference, ProvisionedPollerConfig). */
    minimumPollers: number;
    /** AWS: for SQS at least 2, default 200 (same page; the stack allows up to 2,000, what @pulumi/aws 7.48 documents). */
    maximumPollers: number;
}

/** ProvisionedPollerConfig's SQS ranges and defaults (Lambda API reference, read 2026-12-02). */
export const PROVISIONED_POLLERS_LIMITS = {
    minimumPollers: { min: 2, max: 200, default: 2 },
    // AWS's API reference now gives 2–10,000 for SQS; @pulumi/aws 7.48 documents 1–2,000: the stack allows what both take.
    maximumPollers: { min: 2, max: 2000, default: 200 },
} as const;

/** Consumers that may run their mapping in provisioned mode (the queue worker and the idempotent consumers). */
export interface PollerSettings {
    /** Provisioned mode instead of maximumConcurrency; undefined: the mapping scales on its own, capped by maximumConcurrency. */
    provisionedPollers?: ProvisionedPollers;
}

export type QueueWorkerSettings = ConsumerSettings & PollerSettings;

/** AWS-recommended defaults, each with the rule it follows. */
export const CONSUMER_DEFAULTS: Readonly<ConsumerSettings> = {
    functionTimeoutSeconds: 30,
    memorySizeMb: 256,
    batchSize: 10, // the event source mapping default
    maximumBatchingWindowSeconds: 0, // deliver as soon as a batch is available
    maximumConcurrency: 10, // bounds downstream load without the throttling that reserved concurrency causes
    maxReceiveCount: 5, // "at least 5": AWS Lambda developer guide, SQS error handling
    messageRetentionSeconds: 4 * 24 * 3600, // the SQS default
    oldestMessageAgeAlarmSeconds: 300,
};

/** DLQ retention: the SQS maximum, so the DLQ always outlives its source (standard queues keep the enqueue time). */
export const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;
/** SQS maximum visibility timeout (12 h). */
export const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;

/** Visibility timeout of a queue consumed by Lambda: 6 × function timeout + batching window (AWS Lambda developer guide, SQS). */
export function recommendedVisibilityTimeout(s: Pick<ConsumerSettings, "functionTimeoutSeconds" | "maximumBatchingWindowSeconds">): number {
    return 6 * s.functionTimeoutSeconds + s.maximumBatchingWindowSeconds;
}

/** Fan-out subscribers: consumers, plus how SNS delivers to their queues. */
export interface FanOutSettings extends ConsumerSettings {
    /** Deliver the published message as the SQS body with its attributes as SQS attributes (no SNS envelope). */
    rawMessageDelivery: boolean;
}

export const FAN_OUT_DEFAULTS: Readonly<FanOutSettings> = { ...CONSUMER_DEFAULTS, rawMessageDelivery: true };

/** Event routing: the SQS target's consumer, the targets' retry policies, the async target and the archive. */
export interface EventRoutingSettings extends ConsumerSettings {
    /** EventBridge retries to a target. AWS limit 0–185. */
    targetMaximumRetryAttempts: number;
    /** Age after which EventBridge stops retrying and dead-letters the event. AWS limit 60–86,400 s. */
    targetMaximumEventAgeSeconds: number;
    /** Lambda's own retries of the async-invoked target after a function error. AWS limit 0–2. */
    asyncMaximumRetryAttempts: number;
    /** Age after which Lambda sends an async event to the on-failure destination. AWS limit 60–21,600 s. */
    asyncMaximumEventAgeSeconds: number;
    /** Keep an archive of the bus's events for replay. */
    archive: boolean;
    /** Days the archive keeps events. */
    archiveRetentionDays: number;
    /** What the bus logs ("Configuring logs for Amazon EventBridge event buses"): ERROR, INFO or TRACE; never OFF. */
    busLogLevel: BusLogLevel;
    /** Whether bus log records carry the event and target input (IncludeDetail FULL): the payload lands in the logs. */
    busLogIncludeDetail: boolean;
}

/** The bus log levels the stack allows: EventBridge's LogConfig levels except OFF (the policy pack requires logging). */
export const BUS_LOG_LEVELS = ["ERROR", "INFO", "TRACE"] as const;
export type BusLogLevel = (typeof BUS_LOG_LEVELS)[number];

export const EVENT_ROUTING_DEFAULTS: Readonly<EventRoutingSettings> = {
    ...CONSUMER_DEFAULTS,
    // The AWS defaults, set explicitly: a target outage shorter than a day loses nothing; past it the DLQ keeps the event.
    targetMaximumRetryAttempts: 185,
    targetMaximumEventAgeSeconds: 86_400,
    // Two retries (the Lambda default) but an hour, not six, before a failing event reaches the on-failure queue and its alarm.
    asyncMaximumRetryAttempts: 2,
    asyncMaximumEventAgeSeconds: 3_600,
    archive: false,
    archiveRetentionDays: 7,
    // Errors only: every failed, retried and dead-lettered delivery, at a fraction of INFO's volume (INFO and TRACE add
    // records for every event received, matched and delivered). No detail: order payloads stay out of the logs.
    busLogLevel: "ERROR",
    busLogIncludeDetail: false,
};

/**
 * How long SQS may still deliver a message after its first receive: each of maxReceiveCount receives can come one
 * visibility timeout after the previous. A duplicate from redelivery arrives inside this horizon.
 */
export function redeliveryHorizonSeconds(s: Pick<ConsumerSettings, "functionTimeoutSeconds" | "maximumBatchingWindowSeconds" | "visibilityTimeoutSeconds" | "maxReceiveCount">): number {
    return (s.visibilityTimeoutSeconds ?? recommendedVisibilityTimeout(s)) * s.maxReceiveCount;
}

/**
 * The longest outage a message that fails at its start survives: its last receive, maxReceiveCount − 1 visibility
 * timeouts after its first, must come after the outage; one visibility timeout later SQS moves it to the DLQ.
 */
export function retryBudgetSeconds(s: Pick<ConsumerSettings, "functionTimeoutSeconds" | "maximumBatchingWindowSeconds" | "visibilityTimeoutSeconds" | "maxReceiveCount">): number {
    return (s.maxReceiveCount - 1) * (s.visibilityTimeoutSeconds ?? recommendedVisibilityTimeout(s));
}

/** Idempotent consumers: one consumer per key strategy, sharing these settings and one idempotency table. */
export interface IdempotentConsumerSettings extends ConsumerSettings, PollerSettings {
    /** JMESPath into the message payload selecting the business key, e.g. "orderId" or "order.id". */
    businessKeyPath: string;
    /** How long a completed idempotency record answers duplicates; undefined means the redelivery horizon. */
    expiresAfterSeconds?: number;
}

export const IDEMPOTENT_CONSUMER_DEFAULTS: Readonly<IdempotentConsumerSettings> = { ...CONSUMER_DEFAULTS, businessKeyPath: "orderId" };

export type ToggleKey = "queueWorker" | "fanOut" | "eventRouting" | "idempotentConsumer";
export const TOGGLES: readonly ToggleKey[] = ["queueWorker", "fanOut", "eventRouting", "idempotentConsumer"];

/** CloudWatch Logs accepts only these retention values (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

export interface LabConfig {
    toggles: Record<ToggleKey, boolean>;
    queueWorker: QueueWorkerSettings;
    fanOut: FanOutSettings;
    eventRouting: EventRoutingSettings;
    idempotentConsumer: IdempotentConsumerSettings;
    /** Days every function's log group keeps its events. */
    logRetentionDays: number;
    /** Optional address subscribed to the alarm topic (the subscription must be confirmed by mail). */
    alarmEmail?: string;
}

// Deploy-time limits of names and sizes the configuration reaches (docs/limits.md, "Deploy-time limits"; every other
// name and size the program sets is checked against AWS's limits by test/deploy-limits.test.ts).
/** Lambda: a function's environment variables, keys and values together, at most 4 KB ("Lambda quotas"). */
export const LAMBDA_ENVIRONMENT_MAX_BYTES = 4096;
/**
 * businessKeyPath reaches the idempotent consumers as an environment variable: at this length their other variables
 * (at their longest, measured by test/deploy-limits.test.ts) still fit LAMBDA_ENVIRONMENT_MAX_BYTES.
 */
export const BUSINESS_KEY_PATH_MAX_LENGTH = 3072;
/** CloudWatch Logs: a log group name is 1–512 characters of a-z, A-Z, 0-9, _ - / . # (CreateLogGroup). */
export const LOG_GROUP_NAME_MAX_LENGTH = 512;
/** Lambda: a function name is at most 64 characters (CreateFunction), which bounds every function's logical name. */
export const FUNCTION_NAME_MAX_LENGTH = 64;
/** CloudWatch: a dashboard name is at most 255 characters of A–Z, a–z, 0–9, - and _ (PutDashboard). */
export const DASHBOARD_NAME_MAX_LENGTH = 255;

/** A configuration value the program cannot use. The message is one line: key, value given, what is allowed. */
export class ConfigError extends Error {
    constructor(readonly key: string, readonly value: unknown, readonly allowed: string) {
        super(`Invalid config ${PROJECT}:${key} = ${JSON.stringify(value)}: allowed ${allowed}`);
        this.name = "ConfigError";
    }
}

type Rule = { kind: "int"; min: number; max: number; why: string } | { kind: "bool" } | { kind: "jmespath"; maxLength: number; why: string } | { kind: "pollers" }
    | { kind: "choice"; choices: readonly string[]; why: string };
type Rules<T> = Record<keyof T, Rule>;

const int = (min: number, max: number, why: string): Rule => ({ kind: "int", min, max, why });
const bool: Rule = { kind: "bool" };
const jmespath = (maxLength: number, why: string): Rule => ({ kind: "jmespath", maxLength, why });
const choice = (choices: readonly string[], why: string): Rule => ({ kind: "choice", choices, why });
const pollers: Rule = { kind: "pollers" };

const CONSUMER_RULES: Rules<ConsumerSettings> = {
    functionTimeoutSeconds: int(1, 900, "Lambda timeout"),
    memorySizeMb: int(128, 10_240, "Lambda memory"),
    batchSize: int(1, 10_000, "SQS event source mapping"),
    maximumBatchingWindowSeconds: int(0, 300, "SQS event source mapping"),
    maximumConcurrency: int(2, 1000, "SQS event source mapping"),
    maxReceiveCount: int(1, 1000, "SQS redrive policy"),
    visibilityTimeoutSeconds: int(0, MAX_VISIBILITY_TIMEOUT_SECONDS, "SQS visibility timeout"),
    messageRetentionSeconds: int(60, DLQ_RETENTION_SECONDS - 1, "shorter than the DLQ's 14 days"),
    oldestMessageAgeAlarmSeconds: int(60, DLQ_RETENTION_SECONDS, "alarm threshold"),
};

const QUEUE_WORKER_RULES: Rules<QueueWorkerSettings> = { ...CONSUMER_RULES, provisionedPollers: pollers };

const FAN_OUT_RULES: Rules<FanOutSettings> = { ...CONSUMER_RULES, rawMessageDelivery: bool };

const EVENT_ROUTING_RULES: Rules<EventRoutingSettings> = {
    ...CONSUMER_RULES,
    targetMaximumRetryAttempts: int(0, 185, "EventBridge target retry policy"),
    targetMaximumEventAgeSeconds: int(60, 86_400, "EventBridge target retry policy"),
    asyncMaximumRetryAttempts: int(0, 2, "Lambda asynchronous invocation"),
    asyncMaximumEventAgeSeconds: int(60, 21_600, "Lambda asynchronous invocation"),
    archive: bool,
    archiveRetentionDays: int(1, 3650, "EventBridge archive retention"),
    busLogLevel: choice(BUS_LOG_LEVELS, "EventBridge event bus log level; OFF is not allowed: the policy pack requires bus logging"),
    busLogIncludeDetail: bool,
};

const IDEMPOTENT_CONSUMER_RULES: Rules<IdempotentConsumerSettings> = {
    ...CONSUMER_RULES,
    provisionedPollers: pollers,
    businessKeyPath: jmespath(BUSINESS_KEY_PATH_MAX_LENGTH, "it is an environment variable of the consumers: Lambda allows 4 KB of them"),
    expiresAfterSeconds: int(1, 365 * 24 * 3600, "idempotency record expiry"),
};

/** The fields each settings key takes, from the rules that validate them (so help texts list exactly what passes). */
const SETTINGS_RULES: Record<string, Rules<object>> = {
    queueWorkerSettings: QUEUE_WORKER_RULES,
    fanOutSettings: FAN_OUT_RULES,
    eventRoutingSettings: EVENT_ROUTING_RULES,
    idempotentConsumerSettings: IDEMPOTENT_CONSUMER_RULES,
};

/** The fields a settings key (e.g. "queueWorkerSettings") accepts; an object field as its dotted leaves ("provisionedPollers.minimumPollers"). */
export function settingsFieldNames(settingsKey: string): string[] {
    const rules = SETTINGS_RULES[settingsKey];
    if (!rules) throw new Error(`${settingsKey} is not a settings key`);
    return (Object.entries(rules) as [string, Rule][]).flatMap(([field, rule]) => (rule.kind === "pollers" ? Object.keys(PROVISIONED_POLLERS_LIMITS).map((f) => `${field}.${f}`) : [field]));
}

function checkPollers(key: string, value: unknown): ProvisionedPollers {
    const fields = Object.keys(PROVISIONED_POLLERS_LIMITS) as (keyof ProvisionedPollers)[];
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new ConfigError(key, value, `an object with ${fields.join(" and ")} (Lambda ProvisionedPollerConfig), e.g. {"minimumPollers": 2, "maximumPollers": 20}`);
    }
    const given = value as Record<string, unknown>;
    for (const field of Object.keys(given)) if (!(fields as string[]).includes(field)) throw new ConfigError(`${key}.${field}`, given[field], `one of the fields ${fields.join(", ")}`);
    const out = {} as ProvisionedPollers;
    for (const field of fields) {
        const limit = PROVISIONED_POLLERS_LIMITS[field];
        const v = given[field] ?? limit.default;
        if (typeof v !== "number" || !Number.isInteger(v) || v < limit.min || v > limit.max) {
            throw new ConfigError(`${key}.${field}`, v, `an integer ${limit.min}–${limit.max.toLocaleString("en-US")} (Lambda ProvisionedPollerConfig for SQS; default ${limit.default})`);
        }
        out[field] = v;
    }
    if (out.minimumPollers > out.maximumPollers) {
        throw new ConfigError(`${key}.minimumPollers`, out.minimumPollers, `at most maximumPollers (${out.maximumPollers}): the pollers scale between the two`);
    }
    return out;
}

function checkValue(key: string, value: unknown, rule: Rule): number | boolean | string | ProvisionedPollers {
    if (rule.kind === "pollers") return checkPollers(key, value);
    if (rule.kind === "jmespath") {
        const allowed = "a non-empty JMESPath expression, e.g. \"orderId\" or \"order.id\"";
        if (typeof value !== "string" || value.trim() === "") throw new ConfigError(key, value, allowed);
        if (value.length > rule.maxLength) throw new ConfigError(key, value, `${allowed} of at most ${rule.maxLength} characters (${rule.why})`);
        try {
            search(value, {}); // parses the expression; selecting from {} cannot fail otherwise
        } catch (error) {
            throw new ConfigError(key, value, `${allowed} (${(error as Error).message.split("\n")[0]})`);
        }
        return value;
    }
    if (rule.kind === "choice") {
        if (typeof value !== "string" || !rule.choices.includes(value)) throw new ConfigError(key, value, `one of ${rule.choices.join(", ")} (${rule.why})`);
        return value;
    }
    if (rule.kind === "bool") {
        if (typeof value !== "boolean") throw new ConfigError(key, value, "true or false");
        return value;
    }
    if (typeof value !== "number" || !Number.isInteger(value) || value < rule.min || value > rule.max) {
        throw new ConfigError(key, value, `an integer ${rule.min}–${rule.max} (${rule.why})`);
    }
    return value;
}

function parseBoolean(key: string, raw: string): boolean {
    if (raw === "true") return true;
    if (raw === "false") return false;
    throw new ConfigError(key, raw, "true or false");
}

function parseObject(key: string, raw: string): Record<string, unknown> {
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw);
    } catch {
        throw new ConfigError(key, raw, "a JSON object, e.g. set with `pulumi config set --path " + key + ".batchSize 10`");
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new ConfigError(key, parsed, "an object");
    }
    return parsed as Record<string, unknown>;
}

/** Validates a settings object field by field and fills in the defaults. */
function parseSettings<T extends object>(key: string, given: Record<string, unknown>, rules: Rules<T>, defaults: Readonly<T>): T {
    const fields = Object.keys(rules);
    for (const field of Object.keys(given)) {
        if (!fields.includes(field)) throw new ConfigError(`${key}.${field}`, given[field], `one of the fields ${fields.join(", ")}`);
    }
    const settings: Record<string, unknown> = { ...defaults };
    for (const field of fields) {
        if (given[field] !== undefined) settings[field] = checkValue(`${key}.${field}`, given[field], rules[field as keyof T]);
    }
    if (given.provisionedPollers !== undefined) {
        // "You can control the scaling behavior … either through maximum concurrency settings or by enabling provisioned
        // mode. These are mutually exclusive options." (Lambda developer guide, services-sqs-scaling)
        if (given.maximumConcurrency !== undefined) {
            throw new ConfigError(`${key}.maximumConcurrency`, given.maximumConcurrency,
                "no value while provisionedPollers is set: Lambda's SQS event source mapping takes maximum concurrency or provisioned mode, not both (bound the load with provisionedPollers.maximumPollers)");
        }
        delete settings.maximumConcurrency;
    }
    return settings as T;
}

/** The rules that tie a consumer's settings together (event source mapping and visibility timeout). */
function checkConsumer<T extends ConsumerSettings>(key: string, settings: T): T {
    if (settings.batchSize > 10 && settings.maximumBatchingWindowSeconds < 1) {
        throw new ConfigError(`${key}.batchSize`, settings.batchSize,
            "at most 10 unless maximumBatchingWindowSeconds ≥ 1 (SQS event source mapping)");
    }
    const visibility = settings.visibilityTimeoutSeconds;
    // Lambda refuses a mapping whose function timeout exceeds the visibility timeout (services-sqs-configure); the stack
    // also refuses an equal one, which leaves the poller no time to retry a throttled batch.
    if (visibility !== undefined && visibility <= settings.functionTimeoutSeconds) {
        throw new ConfigError(`${key}.visibilityTimeoutSeconds`, visibility,
            `more than functionTimeoutSeconds (${settings.functionTimeoutSeconds}): Lambda refuses an SQS event source mapping whose function timeout exceeds the queue's visibility timeout, and this stack one that equals it; AWS recommends ${recommendedVisibilityTimeout(settings)} (6 × timeout + batching window)`);
    }
    if (visibility === undefined && recommendedVisibilityTimeout(settings) > MAX_VISIBILITY_TIMEOUT_SECONDS) {
        throw new ConfigError(`${key}.functionTimeoutSeconds`, settings.functionTimeoutSeconds, "a value whose 6 × timeout + batching window fits the 12 h visibility timeout maximum");
    }
    return settings;
}

/** The rules of the idempotent consumers: one reads a FIFO queue, and records must outlive redeliveries. */
function checkIdempotentConsumer(key: string, settings: IdempotentConsumerSettings): IdempotentConsumerSettings {
    checkConsumer(key, settings);
    if (settings.batchSize > 10) throw new ConfigError(`${key}.batchSize`, settings.batchSize, "an integer 1–10 (the pattern's FIFO consumer: SQS event source mapping limit for FIFO queues)");
    if (settings.maximumBatchingWindowSeconds !== 0) {
        throw new ConfigError(`${key}.maximumBatchingWindowSeconds`, settings.maximumBatchingWindowSeconds, "0 (the pattern's FIFO consumer: FIFO queues have no batching window)");
    }
    const horizon = redeliveryHorizonSeconds(settings);
    if (settings.expiresAfterSeconds !== undefined && settings.expiresAfterSeconds < horizon) {
        throw new ConfigError(`${key}.expiresAfterSeconds`, settings.expiresAfterSeconds,
            `at least the redelivery horizon ${horizon} (visibility timeout × maxReceiveCount): a shorter expiry lets redeliveries through`);
    }
    return settings;
}

/** Validates a consumer settings object and fills in the defaults. */
export function parseConsumerSettings(key: string, given: Record<string, unknown>): ConsumerSettings {
    return checkConsumer(key, parseSettings(key, given, CONSUMER_RULES, CONSUMER_DEFAULTS));
}

type Reader = (key: string, raw: string, into: LabConfig) => void;

const READERS: Record<string, Reader> = {
    ...Object.fromEntries(TOGGLES.map((t): [string, Reader] => [t, (key, raw, into) => { into.toggles[t] = parseBoolean(key, raw); }])),
    queueWorkerSettings: (key, raw, into) => { into.queueWorker = checkConsumer(key, parseSettings(key, parseObject(key, raw), QUEUE_WORKER_RULES, CONSUMER_DEFAULTS)); },
    fanOutSettings: (key, raw, into) => { into.fanOut = checkConsumer(key, parseSettings(key, parseObject(key, raw), FAN_OUT_RULES, FAN_OUT_DEFAULTS)); },
    eventRoutingSettings: (key, raw, into) => {
        into.eventRouting = checkConsumer(key, parseSettings(key, parseObject(key, raw), EVENT_ROUTING_RULES, EVENT_ROUTING_DEFAULTS));
    },
    idempotentConsumerSettings: (key, raw, into) => {
        into.idempotentConsumer = checkIdempotentConsumer(key, parseSettings(key, parseObject(key, raw), IDEMPOTENT_CONSUMER_RULES, IDEMPOTENT_CONSUMER_DEFAULTS));
    },
    logRetentionDays: (key, raw, into) => {
        const days = Number(raw);
        if (!(LOG_RETENTION_DAYS as readonly number[]).includes(days) || raw.trim() === "") {
            throw new ConfigError(key, raw, `one of ${LOG_RETENTION_DAYS.join(", ")} (CloudWatch Logs retention)`);
        }
        into.logRetentionDays = days;
    },
    alarmEmail: (key, raw, into) => {
        if (raw === "") return; // the Pulumi.yaml default: no subscription
        if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(raw)) throw new ConfigError(key, raw, "an e-mail address");
        into.alarmEmail = raw;
    },
};

/** Every key this project reads; anything else in the namespace is a typo and stops the program. */
export const CONFIG_KEYS = Object.keys(READERS);

export function defaultConfig(): LabConfig {
    return {
        toggles: { queueWorker: false, fanOut: false, eventRouting: false, idempotentConsumer: false },
        queueWorker: { ...CONSUMER_DEFAULTS },
        fanOut: { ...FAN_OUT_DEFAULTS },
        eventRouting: { ...EVENT_ROUTING_DEFAULTS },
        idempotentConsumer: { ...IDEMPOTENT_CONSUMER_DEFAULTS },
        logRetentionDays: 30,
    };
}

/**
 * The project and stack names go into names AWS limits: every function's log group `/aws/lambda/<project>/<stack>/<function>`
 * and the dashboard `<project>-<stack>`. Pulumi limits each name to 100 characters, which fits both; a longer pair
 * is refused here, before any resource.
 */
export function checkStackNames(project: string, stack: string): void {
    const logGroupRoom = LOG_GROUP_NAME_MAX_LENGTH - `/aws/lambda/${project}/${stack}/`.length;
    if (logGroupRoom < FUNCTION_NAME_MAX_LENGTH) {
        throw new StackNameError(project, stack, `project and stack names of at most ${LOG_GROUP_NAME_MAX_LENGTH - "/aws/lambda///".length - FUNCTION_NAME_MAX_LENGTH} characters together, so /aws/lambda/<project>/<stack>/<function> fits CloudWatch Logs' ${LOG_GROUP_NAME_MAX_LENGTH}`);
    }
    if (`${project}-${stack}`.length > DASHBOARD_NAME_MAX_LENGTH) {
        throw new StackNameError(project, stack, `project and stack names of at most ${DASHBOARD_NAME_MAX_LENGTH - 1} characters together, so the dashboard <project>-<stack> fits CloudWatch's ${DASHBOARD_NAME_MAX_LENGTH}`);
    }
}

/** A project/stack name pair whose derived AWS names would not fit: one line, like a ConfigError. */
export class StackNameError extends ConfigError {
    constructor(project: string, stack: string, allowed: string) {
        super("(stack)", `${project}/${stack}`, allowed);
        this.message = `Invalid stack ${JSON.stringify(`${project}/${stack}`)}: allowed ${allowed}`;
        this.name = "StackNameError";
    }
}

/**
 * Reads the project's keys out of the whole stack configuration (`pulumi.runtime.allConfig()`: "project:key" → string;
 * objects arrive as JSON). Keys of other namespaces (aws:region, …) are left to their owners. With `stack`, also
 * checks the names the project and stack names go into (checkStackNames).
 */
export function parseLabConfig(all: Record<string, string>, project: string = PROJECT, stack?: string): LabConfig {
    if (stack !== undefined) checkStackNames(project, stack);
    const config = defaultConfig();
    const prefix = `${project}:`;
    for (const fullKey of Object.keys(all).sort()) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        const read = READERS[key];
        if (!read) throw new ConfigError(key, all[fullKey], `no such key; the keys are ${CONFIG_KEYS.join(", ")}`);
        read(key, all[fullKey], config);
    }
    return config;
}
