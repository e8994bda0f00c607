// AWS's billing rules, in one place, each with the wording it follows (tests pin each: test/lab-cost.test.ts). The
// meters beside each simulated service count requests as these rules say; prices.ts holds what a unit costs.
import type { AlarmDefinition } from "../../patterns/shared/alarm-definitions";

/** "64 KB" in the pricing pages' chunk rule: 65,536 bytes (a 256 KB payload, 262,144 bytes, is 4 chunks). */
export const CHUNK_BYTES = 64 * 1024;

/**
 * SQS: "Each 64 KB chunk of a payload is billed as 1 request (for example, an API action with a 256 KB payload is
 * billed as 4 requests)"; SNS: each 64 KB chunk of published data is billed as one request; EventBridge: "Each 64 KB
 * chunk of a payload is billed as one event". An empty payload (an empty receive) is still one request: "Every Amazon
 * SQS action counts as a request".
 */
export function billedChunks(payloadBytes: number): number {
    return payloadBytes <= CHUNK_BYTES ? 1 : Math.ceil(payloadBytes / CHUNK_BYTES);
}

/** Lambda async: "1 request per each asynchronous Event for first 256 KB ... 1 additional request for each 64 KB of chunk upto 1 MB" (AWS Lambda pricing). */
export function asyncEventExtraRequests(eventBytes: number): number {
    return eventBytes <= 4 * CHUNK_BYTES ? 0 : Math.ceil((eventBytes - 4 * CHUNK_BYTES) / CHUNK_BYTES);
}

/** Lambda duration: "rounded up to the nearest 1 ms", priced by the memory configured (GB-seconds, 1 GB = 1,024 MB). */
export function gbSeconds(durationMs: number, memoryMb: number): number {
    return (Math.ceil(durationMs) / 1000) * (memoryMb / 1024);
}

/**
 * The INIT phase Lambda bills since 1 August 2025 ("AWS Lambda standardizes billing for INIT Phase", AWS Compute
 * Blog, April 2025: "Duration charges apply to code that runs in the handler of a function as well as initialization
 * code that is declared outside of the handler"), once per execution environment created. Its length is the cold-start
 * bench's measure of the project's largest handler (`npm run bench -- cold-start`; docs: field notes, "init ~112 ms"
 * for logger+metrics+batch+idempotency+DynamoDB): an assumption, since a 256 MB function gets a fraction of a vCPU.
 */
export const LAMBDA_INIT_MS = 112;

/** DynamoDB on-demand: "A standard write request unit can write an item up to 1 KB"; a larger item takes one per KB. */
export function writeRequestUnits(itemBytes: number): number {
    return Math.max(1, Math.ceil(itemBytes / 1024));
}

/** "A strongly consistent read request of up to 4 KB requires one read request unit"; eventually consistent: half. */
export function readRequestUnits(itemBytes: number, stronglyConsistent: boolean): number {
    const units = Math.max(1, Math.ceil(itemBytes / 4096));
    return stronglyConsistent ? units : units / 2;
}

/** DynamoDB's item size: attribute names plus values (strings UTF-8; a number about 1 byte per 2 digits + 1). */
export function itemBytes(item: Record<string, string | number | undefined>): number {
    let n = 0;
    for (const [name, value] of Object.entries(item)) {
        if (value === undefined) continue;
        n += name.length + (typeof value === "number" ? Math.ceil(String(value).length / 2) + 1 : Buffer.byteLength(value, "utf8"));
    }
    return n;
}

/**
 * CloudWatch alarms bill per metric they read, monthly: a metric alarm 1; "for metric math alarms, each metric in the
 * expression" (CloudWatch pricing); high resolution (period under 60 s) at the higher price.
 */
export function alarmMetrics(definition: Pick<AlarmDefinition, "math">): number {
    return definition.math ? Object.keys(definition.math.metrics).length : 1;
}

/** The pricing calculator's month: 730 hours. Monthly prices prorate by the hour over it. */
export const HOURS_PER_MONTH = 730;

/**
 * Assumptions about the pollers of an SQS event source mapping on an idle queue (AWS: "Lambda polls the queue" with
 * long polling and scales from five pollers, "Understanding event source mapping scaling for SQS"; it publishes no
 * count of the empty receives): five pollers, each a 20-s long poll (ReceiveMessage WaitTimeSeconds' maximum) that
 * returns empty while the queue is empty. About 648,000 empty receives a month per mapping.
 */
export const ESM_IDLE_POLLING = { pollers: 5, longPollSeconds: 20 };

/** Empty receives the mapping's pollers make while the queue stays empty for `idleMs`: each poller's long polls that ran out. */
export function idleReceives(idleMs: number): number {
    return ESM_IDLE_POLLING.pollers * Math.floor(idleMs / (ESM_IDLE_POLLING.longPollSeconds * 1000));
}

/**
 * Assumption: Lambda's event source mapping deletes a batch's processed messages with DeleteMessageBatch (up to 10
 * receipts a request); AWS does not document the call.
 */
export const ESM_DELETE_BATCH = 10;

/**
 * Provisioned mode for an SQS event source mapping bills its event pollers in event poller units (AWS Lambda pricing,
 * "Provisioned Mode for Event Source Mapping (ESM) Pricing"): "Pricing is based on the provisioned minimum event
 * pollers, and the event pollers consumed during autoscaling ... You pay for the number and duration of EPUs used,
 * measured in Event-Poller-Unit-hours"; "SQS ESM: An EPU supports one event poller"; "Pricing is calculated per
 * second, with a 1-minute minimum". Which duration the minute applies to AWS does not say: the lab applies it to the
 * mapping's minimum pollers (a run shorter than a minute bills a minute of them), not to each poller autoscaling adds
 * (ESM_EPU_BILLING, an assumption, with the poller count PROVISIONED_MODE's rate gives).
 */
export const ESM_EPU_BILLING = { epusPerPoller: 1, minimumSeconds: 60 } as const;

/** EPU-hours for `pollerSeconds` of event poller time (the minimum pollers' idle time included). */
export function epuHours(pollerSeconds: number, minimumPollers: number): number {
    const billed = Math.max(Math.ceil(pollerSeconds - 1e-9), minimumPollers * ESM_EPU_BILLING.minimumSeconds);
    return (billed * ESM_EPU_BILLING.epusPerPoller) / 3600;
}

/** What the minimum pollers of provisioned mode cost a month with no traffic at all, in EPU-hours. */
export function idleEpuHoursPerMonth(minimumPollers: number): number {
    return minimumPollers * ESM_EPU_BILLING.epusPerPoller * HOURS_PER_MONTH;
}

/** The billing assumptions, by the name of the constant (or price) that holds each: what a cost line marked with one assumes. */
export const COST_ASSUMPTIONS = {
    ESM_IDLE_POLLING: `an idle SQS event source mapping keeps ${ESM_IDLE_POLLING.pollers} pollers in ${ESM_IDLE_POLLING.longPollSeconds}-s long polls that return empty (AWS publishes no count)`,
    ESM_EPU_BILLING: `provisioned mode's event pollers as the lab scales them (PROVISIONED_MODE), one EPU each, billed by the second; AWS's 1-minute minimum applied to the mapping's minimum pollers, not to each poller autoscaling adds (AWS does not say which)`,
    ESM_DELETE_BATCH: `the event source mapping deletes processed messages ${ESM_DELETE_BATCH} to a DeleteMessageBatch request (AWS does not document the call)`,
    LAMBDA_INIT_MS: `each execution environment's billed INIT phase lasts ${LAMBDA_INIT_MS} ms (the cold-start bench's figure for the largest handler)`,
    EVENTBRIDGE_BUS_LOGS: "EventBridge event-bus logs delivered to CloudWatch Logs are billed as vended logs at the first tier (the bus-logging guide gives no figure)",
} as const;
export type CostAssumption = keyof typeof COST_ASSUMPTIONS;
