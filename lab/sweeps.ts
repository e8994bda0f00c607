// The curated sweeps: the questions people bring to these patterns, each answered with a curve. `npm run lab --
// sweep --curated` runs them; `--write-docs` puts each, with its paragraph and chart, in its pattern's README.
import type { ToggleKey } from "../patterns/config";

/** A value of the knob the paragraph talks about (a processing time, a retry budget, AWS's recommendation): a labelled rule on the chart. */
export interface SweepReference {
    at: number;
    label: string;
}

export interface CuratedSweep {
    name: string;
    pattern: ToggleKey;
    /** The question the curve answers. */
    title: string;
    scenario: string;
    /** `key=from..to[:steps]`, as --vary takes it. */
    vary: string;
    seeds: number;
    /** Fixed --set values. */
    sets: Record<string, string>;
    /** The measures the table and chart show. */
    measures: string[];
    /** What the curve shows and the AWS rule behind it. */
    paragraph: string;
    /** The thresholds the paragraph talks about, drawn where they fall on the knob's axis. */
    references?: SweepReference[];
}

export const CURATED_SWEEPS: readonly CuratedSweep[] = [
    {
        name: "visibility-timeout-duplicates",
        pattern: "queueWorker",
        title: "How short can the visibility timeout be before duplicates start?",
        scenario: "visibility-timeout",
        vary: "loweredVisibilityTimeoutSeconds=10..90:9",
        seeds: 5,
        sets: {},
        measures: ["duplicates processed", "receives per message", "messages in the DLQ"],
        references: [{ at: 45, label: "processing time 45 s" }],
        paragraph: "Processing takes 45 s and the function timeout is 60 s. Lambda created the mapping with the queue's visibility timeout at 360 s (6 × the function timeout); then the queue was changed to the value on the axis, a SetQueueAttributes Lambda does not check (it validates the timeouts only when a mapping is created or updated, and refuses one whose function timeout exceeds the visibility timeout: every value below 60 s here is reachable only this way). At 50 s or more every message is received once and nothing is duplicated; at 40 s and below every message becomes visible again while its first invocation still runs, and the side effect repeats: about 19 duplicates for 10 messages at 30–40 s, 28 at 20 s, and at 10 s every message burns all 5 receives and some processed messages reach the DLQ because SQS ignored their stale deletes (how many follows from the lab's assumed rate: SQS honours one stale delete in two). The curve is a cliff at the processing time, not a slope: a timeout shorter than the slowest invocation duplicates work, however slightly shorter. AWS: a message not deleted before the visibility timeout expires becomes visible again (\"Amazon SQS visibility timeout\"); for a Lambda consumer AWS recommends at least six times the function timeout (\"Creating and configuring an Amazon SQS event source mapping\"), the project's default.",
    },
    {
        name: "max-concurrency-drain",
        pattern: "queueWorker",
        title: "What does maximumConcurrency buy in drain time, and cost in downstream load?",
        scenario: "burst-backpressure",
        vary: "maximumConcurrency=5..50:10",
        seeds: 1,
        sets: { messages: "5000" },
        measures: ["seconds to drain", "peak concurrent invocations", "max age of oldest message (s)"],
        paragraph: "5,000 messages arrive at once. Drain time falls as 1/maximumConcurrency — 203 s at 5, 104 s at 10, 53 s at 20, 27 s at 50 — and the oldest message waits about as long, while the downstream sees exactly maximumConcurrency invocations at the peak: halving the backlog's age doubles the load on whatever the consumer calls. The cap, not Lambda's scaling, sets the pace here: the event source mapping starts with five concurrent batches and adds up to 300 a minute (\"Configuring scaling behavior for SQS event source mappings\"), and maximumConcurrency (2–1,000) bounds it (same page). Choose it from what the downstream can take, then read the drain time off this curve.",
    },
    {
        name: "scaling-modes-burst",
        pattern: "queueWorker",
        title: "Default scaling, maximumConcurrency or provisioned pollers: drain time against downstream load and pollers paid for",
        scenario: "burst-backpressure",
        vary: "messages=2000..50000:5",
        seeds: 1,
        sets: {},
        measures: [
            "default mode: seconds to drain", "maximumConcurrency: seconds to drain", "provisioned mode: seconds to drain",
            "default mode: peak concurrent invocations", "maximumConcurrency: peak concurrent invocations", "provisioned mode: peak concurrent invocations",
            "provisioned mode: event poller-hours",
            "default mode: cost per million messages ($)", "maximumConcurrency: cost per million messages ($)", "provisioned mode: cost per million messages ($)",
        ],
        paragraph: "A burst of the size on the axis arrives at once on three queues, one per way an SQS event source mapping scales. With the stack's maximumConcurrency of 10 drain time grows linearly with the burst (43 s for 2,000 messages, 1,014 s for 50,000) while the downstream never sees more than 10 invocations. Without a cap (default mode) the mapping starts at five concurrent batches and adds up to 300 a minute, up to 1,250 (\"Configuring scaling behavior for SQS event source mappings\"): 15 s and 66 s, at 65 to 318 concurrent invocations. Provisioned mode at AWS's defaults (2 to 200 pollers, ProvisionedPollerConfig) has its minimum's invocations at once and scales by up to 1,000 a minute (AWS News Blog, \"AWS Lambda enhances event processing with provisioned mode for SQS event-source mapping\"): 9 s and 38 s, at 121 to 592 concurrent invocations, the most load of the three. Its minimum is billed the whole time, burst or not: the event poller-hours here are mostly the two idle pollers over the run's horizon. In dollars, per million messages of the burst (each mode's own queue, DLQ, function and mapping): $1.18 in the default mode and with the cap alike (the same receives, deletes and invocations, only spread differently in time), $1.39 to $1.55 in provisioned mode, the difference its event poller units (\"SQS ESM: An EPU supports one event poller\", $0.00925 per EPU-hour, per second with a 1-minute minimum, \"AWS Lambda pricing\"), the most per message for the smallest burst; its two minimum pollers alone cost $13.51 a month with no traffic at all. The per-poller figures follow from the lab's assumption of 10 concurrent invocations per event poller (PROVISIONED_MODE: AWS publishes about 5 MBps per poller, no invocation count), so provisioned mode's drain times and peaks move with it. Pick the cap from what the downstream takes; pick provisioned mode when latency under a burst matters more than load and an always-on minimum, and bound it with maximumPollers.",
    },
    {
        name: "max-receive-count-survival",
        pattern: "queueWorker",
        title: "How many receives does a transient outage need before nothing reaches the DLQ?",
        scenario: "transient-outage",
        vary: "maxReceiveCount=1..8",
        seeds: 1,
        sets: { outageSeconds: "600", ratePerSecond: "5" },
        measures: ["messages in the DLQ", "messages retried", "max receives of a message"],
        references: [{ at: 1 + 600 / 180, label: "(maxReceiveCount − 1) × 180 s = the 600 s outage" }, { at: 5, label: "AWS: at least 5" }],
        paragraph: "A downstream outage of 600 s with a 180 s visibility timeout: a message that fails at the start of the outage comes back every 180 s, so it survives only if its last receive, (maxReceiveCount − 1) × 180 s after its first, comes after the outage (the retry budget). At 1 receive all 2,700 messages that arrived during the outage go to the DLQ; each extra receive rescues the 180 s of arrivals that follow; from 5 on ((5 − 1) × 180 = 720 s of retry budget, longer than the outage) nothing is dead-lettered and every message is processed after recovery. AWS: SQS moves a message to the DLQ when its receive count exceeds maxReceiveCount (\"Using dead-letter queues in Amazon SQS\"), and AWS recommends a maxReceiveCount of at least 5 for a Lambda event source so throttles and transient errors do not dead-letter healthy messages (AWS Lambda developer guide, configuring a queue for an SQS event source).",
    },
    {
        name: "max-receive-count-time-to-dlq",
        pattern: "queueWorker",
        title: "And what does each extra receive cost a poison message in time to the DLQ?",
        scenario: "poison-message",
        vary: "maxReceiveCount=1..8",
        seeds: 1,
        sets: {},
        measures: ["seconds until the first DLQ arrival", "failed invocations"],
        references: [{ at: 5, label: "AWS: at least 5" }],
        paragraph: "The other side of the same knob: a poison message is received maxReceiveCount times, one visibility timeout (180 s) apart, and SQS moves it to the DLQ on the receive after its last, maxReceiveCount × 180 s after it was sent: 180 s at 1, 900 s at the recommended 5, 1,440 s at 8, each receive one more failed invocation. That is one visibility timeout more than the retry budget of the sweep above, (maxReceiveCount − 1) × 180 s. The DLQ's depth alarm sees the message later still: an idle queue's metrics resume up to 15 minutes after its first message (\"Monitoring Amazon SQS queues using CloudWatch\"; the lab assumes the full 15, so poison-message's depth alarm fires at 30 min). The function's Errors alarm sees the poison message from its second receive on, when it is alone in its batch and Powertools fails the whole invocation (\"Batch Processing\", Powertools for AWS Lambda (TypeScript): a batch whose every record failed throws FullBatchFailureError).",
    },
    {
        name: "batching-window-cost",
        pattern: "queueWorker",
        title: "What does a batching window save per million messages, and what does it cost in latency?",
        scenario: "batching-tradeoff",
        vary: "maximumBatchingWindowSeconds=0..10",
        seeds: 1,
        sets: { ratePerSecond: "2", minutes: "60" },
        measures: ["cost per million messages ($)", "records per invocation", "mean latency (s)", "max latency (s)"],
        references: [{ at: 5, label: "the batch fills: 10 records at 2 a second" }],
        paragraph: "An hour of a quiet queue, 2 orders a second, batch size 10 (the default). Without a window every order is its own batch: 7,200 receives, "
            + "7,200 DeleteMessageBatch requests and 7,200 invocations beside the 7,200 sends, $1.59 per million messages, and an order is processed at once. A 1-s "
            + "window gathers 3 records a batch and halves the bill ($0.84), 2 s gathers 5 ($0.69); from 5 s on every batch is full before the window ends "
            + "(10 records at 2 a second) and the cost stops falling at $0.57, while the wait it adds stops at 4.5 s (2.3 s on average). What is left is the "
            + "per-message floor: each order's SendMessage ($0.40 per million, \"Amazon SQS pricing\"), its share of a receive, a delete and an invocation, and the "
            + "hours the handler's EMF metric was sent. The window buys about two-thirds off for a few seconds of latency, and no window longer than batch size ÷ "
            + "arrival rate buys anything. AWS: the mapping waits up to maximumBatchingWindowSeconds for a full batch (\"Using Lambda with Amazon SQS\", batching "
            + "behavior); SQS bills every action as a request, Lambda every invocation (\"AWS Lambda pricing\"). Prices: lab/cost/prices.ts (us-east-1, read "
            + "2026-12-02); the deletes' batching and the idle polling are assumptions (ESM_DELETE_BATCH, ESM_IDLE_POLLING).",
    },
    {
        name: "duplicate-rate-strategies",
        pattern: "idempotentConsumer",
        title: "What does each idempotency key catch as producer retries grow?",
        scenario: "producer-duplicates",
        vary: "producerRetryRate=0..0.5:6",
        seeds: 3,
        sets: { orders: "200" },
        measures: ["queue-worker: duplicates processed", "idempotent-message-id: duplicates processed", "idempotent-business-key: duplicates processed", "idempotent-fifo: duplicates processed"],
        paragraph: "200 orders; a share of them sent twice by the producer, 20 s apart, plus SQS's own at-least-once duplicates (2 % of receives: the lab's assumption, AWS publishes no rate). Without idempotency the duplicates processed grow with the retry rate (3 at 0 %, about 100 at 50 %). Keyed on the SQS message ID, the consumer catches only SQS's duplicates: a producer retry is a new message with a new ID, so nearly every retry is processed twice. Keyed on the business key, and on a FIFO queue whose 5-minute deduplication window covers the 20 s retry, none gets through at any rate. AWS: standard queues deliver at least once (\"Amazon SQS at-least-once delivery\"); a FIFO queue drops a send whose deduplication ID it saw in the last 5 minutes (\"Exactly-once processing in Amazon SQS\"); Powertools builds the idempotency key from the JMESPath you give it (\"Idempotency\", Powertools for AWS Lambda (TypeScript)).",
    },
];

export function findSweep(name: string): CuratedSweep | undefined {
    return CURATED_SWEEPS.find((s) => s.name === name);
}
