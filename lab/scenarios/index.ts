// Every scenario, in the order `npm run lab -- --all` runs them.
import { Scenario } from "../scenario";
import { BURST_BACKPRESSURE, TRANSIENT_OUTAGE } from "./backpressure";
import { BATCHING_TRADEOFF } from "./batching";
import { ASYNC_RETRIES, EVENTBRIDGE_TARGET_DLQ } from "./event-routing";
import { SNS_DELIVERY_FAILURE, SNS_FILTERING } from "./fan-out";
import { NOISY_TENANT } from "./noisy-tenant";
import { OVERSIZED_PAYLOADS } from "./oversized-payloads";
import { POISON_MESSAGE, POISON_MESSAGE_WHOLE_BATCH } from "./poison-message";
import { PRODUCER_DUPLICATES } from "./producer-duplicates";
import { RECURSIVE_REQUEUE } from "./recursive-requeue";
import { STEADY_EVENT_ROUTING, STEADY_FAN_OUT, STEADY_IDEMPOTENT_CONSUMER, STEADY_QUEUE_WORKER } from "./steady";
import { VISIBILITY_TIMEOUT, VISIBILITY_TIMEOUT_IDEMPOTENT } from "./visibility-timeout";

export const SCENARIOS = [
    POISON_MESSAGE,
    POISON_MESSAGE_WHOLE_BATCH,
    VISIBILITY_TIMEOUT,
    VISIBILITY_TIMEOUT_IDEMPOTENT,
    BURST_BACKPRESSURE,
    TRANSIENT_OUTAGE,
    EVENTBRIDGE_TARGET_DLQ,
    SNS_FILTERING,
    SNS_DELIVERY_FAILURE,
    ASYNC_RETRIES,
    PRODUCER_DUPLICATES,
    OVERSIZED_PAYLOADS,
    RECURSIVE_REQUEUE,
    BATCHING_TRADEOFF,
    NOISY_TENANT,
    // Healthy baselines: no alarm may fire.
    STEADY_QUEUE_WORKER,
    STEADY_FAN_OUT,
    STEADY_EVENT_ROUTING,
    STEADY_IDEMPOTENT_CONSUMER,
] as unknown as Scenario[];
