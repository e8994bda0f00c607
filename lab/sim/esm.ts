// Lambda's SQS event source mapping in virtual time (AWS Lambda developer guide, "Using Lambda with Amazon SQS":
// services-sqs-parameters, -scaling, -errorhandling):
// - pollers gather up to batchSize records, waiting up to the batching window for a full batch;
// - concurrency starts at 5 batches when messages appear and grows by up to 300 per minute, capped by
//   maximumConcurrency (and 1,000);
// - an invocation the function's reserved concurrency cannot take is throttled: Lambda reduces the mapping's
//   concurrency and retries the batch with backoff "until the message's timestamp exceeds your queue's visibility
//   timeout", when the messages return to the queue (services-sqs-errorhandling);
// - a thrown error or a timeout returns the whole batch; with ReportBatchItemFailures only the listed records
//   return (an empty list is success; an empty or unknown itemIdentifier fails the whole batch); without it,
//   any response that is not an error deletes the whole batch;
// - on function errors Lambda "gradually backs off, reducing the amount of concurrency allocated", except when
//   ReportBatchItemFailures is on: then it "doesn't scale down message polling when function invocations fail".
// AWS publishes neither the backoff delays nor how far concurrency drops; the lab's assumptions are LAMBDA_BACKOFF.
// Scaling is one of two exclusive modes (services-sqs-scaling): the default, capped by maximumConcurrency (or by the
// mapping's own ceiling without it), or provisioned mode (ProvisionedPollerConfig): minimumPollers dedicated event
// pollers always ready, scaling up to maximumPollers "3 times faster", billed per poller while idle (PROVISIONED_MODE).
// Lambda refuses a mapping whose function timeout exceeds the queue's visibility timeout (services-sqs-configure), and
// sends the function's invocation metrics when each invocation finishes, timestamped when it was invoked (LambdaMetrics).
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { Billing, Meter, UsageLine } from "../cost/billing";
import { epuHours, gbSeconds, idleReceives, LAMBDA_INIT_MS } from "../cost/rules";
import { Task, Timer, VirtualClock } from "./clock";
import type { CloudWatch, MetricSeries } from "./cloudwatch";
import { SimMessage, SimQueue } from "./sqs";

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

/**
 * What Lambda's recursive loop detection tracks in one execution environment: the chain count of the invocation
 * running there. AWS: "those events are automatically annotated with metadata. When your Lambda function writes one
 * of these events to another supported AWS service using a supported version of an AWS SDK, it updates this metadata"
 * ("Use Lambda recursive loop detection to prevent infinite loops"); the lab's SQS client reads `chain` from the
 * environment it was made in and stamps it on what it sends. AWS does not publish the metadata's format: the lab keeps
 * the count only.
 */
export interface TraceContext {
    chain: number;
}

/**
 * "If your function is invoked approximately 16 times in the same chain of requests, then Lambda automatically stops
 * the next function invocation in that request chain" (same page). AWS says approximately; the lab stops exactly the
 * 17th (an assumption of the number's exactness only).
 */
export const RECURSION_LIMIT = 16;

/**
 * Lambda runs each concurrent invocation in its own execution environment (its own copy of the module's state) and
 * reuses a free one for the next invocation. The pool makes a handler per environment from the factory.
 */
export class Environments<H> {
    private readonly free: H[] = [];
    created = 0;

    constructor(private readonly create: () => H) {}

    take(): H {
        const existing = this.free.pop();
        if (existing) return existing;
        this.created++;
        return this.create();
    }

    release(handler: H): void {
        this.free.push(handler);
    }
}

/** ESM scaling (services-sqs-scaling). */
export const INITIAL_CONCURRENCY = 5;
export const SCALE_UP_PER_MINUTE = 300;
/** "The maximum number of invokes that an event source mapping can process simultaneously is 1,250" (services-sqs-scaling, read 2026-12-02; 1,000 before). */
export const MAX_SQS_CONCURRENCY = 1250;

/**
 * Provisioned mode (services-sqs-scaling; AWS News Blog "AWS Lambda enhances event processing with provisioned mode
 * for SQS event-source mapping", November 2025): pollers "can auto scale up to 1000 concurrent executions per minute"
 * and "provide up to 20,000 concurrency" ("3 times faster scaling and up to 16 times higher processing capacity").
 * `invocationsPerPoller` is an assumption: AWS's stored pages give an event poller "approximately 5 MBps of throughput"
 * (ProvisionedPollerConfig) but no count of concurrent invocations per SQS poller; 10 is what third-party summaries of
 * the launch quote. `scaleDownWhenIdle`: AWS does not say how fast pollers return to the minimum; the lab returns them
 * when the queue is empty and nothing is in flight (the same moment the default mode's scaling restarts).
 */
export const PROVISIONED_MODE = { scaleUpPerMinute: 1000, maxConcurrency: 20_000, invocationsPerPoller: 10, scaleDownWhenIdle: true } as const;

export interface ProvisionedPollerConfig {
    minimumPollers: number;
    maximumPollers: number;
}

/**
 * Assumptions (AWS publishes no values): a throttled batch is retried after 1 s, doubling, capped at 30 s, while
 * its messages are still invisible. A throttle or a failed invocation (without ReportBatchItemFailures) halves the
 * concurrency the pollers may use, at most once per `concurrencyStepMs` however many invocations of a wave fail (AWS:
 * "gradually backs off"), and it then grows back at the scale-up rate (+300 per minute).
 */
export const LAMBDA_BACKOFF = { throttleRetryFirstMs: 1000, throttleRetryCapMs: 30_000, concurrencyFactor: 0.5, concurrencyStepMs: 10_000 };

/** Lambda's error for a mapping whose function may run longer than its queue hides a message (services-sqs-configure). */
export function checkVisibilityAgainstTimeout(functionName: string, functionTimeoutSeconds: number, visibilityTimeoutSeconds: number): string | undefined {
    return functionTimeoutSeconds > visibilityTimeoutSeconds
        ? `${functionName}: Invalid request provided: Queue visibility timeout: ${visibilityTimeoutSeconds} seconds is less than Function timeout: ${functionTimeoutSeconds} seconds (Lambda validates it when a mapping is created or updated)`
        : undefined;
}

/**
 * The function's invocation metrics as Lambda sends them ("Types of metrics for Lambda functions", dimension
 * FunctionName): "binary indicators of the outcome" of each invocation, sent when it finishes ("When your function
 * finishes processing an event, Lambda sends metrics about the invocation") and timestamped when it was invoked ("The
 * timestamp on a metric reflects when the function was invoked"): Invocations 1, Errors 0 or 1, Throttles 0; a throttled
 * request sends Throttles 1 when it is refused. A minute without invocations has no datapoint.
 */
export class LambdaMetrics {
    private readonly invocations: MetricSeries;
    private readonly errors: MetricSeries;
    private readonly throttles: MetricSeries;

    constructor(cloudwatch: CloudWatch, functionName: string) {
        const dims = { FunctionName: functionName };
        this.invocations = cloudwatch.metric("AWS/Lambda", "Invocations", dims);
        this.errors = cloudwatch.metric("AWS/Lambda", "Errors", dims);
        this.throttles = cloudwatch.metric("AWS/Lambda", "Throttles", dims);
    }

    /** An invocation started at `invokedAt` finished (or was stopped at its timeout) at `finishedAt`. */
    invoked(invokedAt: number, finishedAt: number, error: boolean): void {
        this.invocations.put(1, invokedAt, finishedAt);
        this.errors.put(error ? 1 : 0, invokedAt, finishedAt);
        this.throttles.put(0, invokedAt, finishedAt);
    }

    throttled(at: number): void {
        this.throttles.put(1, at, at);
    }
}

export type LambdaArchitecture = "arm64" | "x86_64";

/** The project deploys every function on arm64 (patterns/shared/function.ts), at 256 MB unless a pattern says otherwise. */
export const DEFAULT_FUNCTION = { memoryMb: 256, architecture: "arm64" as LambdaArchitecture };

/**
 * What a function bills ("AWS Lambda pricing"): a request per invocation (a throttled one never ran: none), and its
 * duration rounded up to the millisecond at its memory and architecture; since 1 August 2025 also the INIT phase of
 * every execution environment it creates, for LAMBDA_INIT_MS each (the cold-start bench's figure, an assumption).
 */
export class LambdaMeter implements Meter {
    readonly service = "Lambda";
    requests = 0;
    billedMs = 0;
    inits = 0;

    constructor(readonly resource: string, readonly memoryMb: number, readonly architecture: LambdaArchitecture) {}

    /** One invocation that ran for `durationMs` (to its end, or its timeout). */
    invocation(durationMs: number): void {
        this.requests++;
        this.billedMs += Math.ceil(durationMs);
    }

    usage(): UsageLine[] {
        const duration = this.architecture === "arm64" ? "lambda.duration.arm64" : "lambda.duration.x86_64";
        return [
            { price: "lambda.request", quantity: this.requests },
            { price: duration, quantity: gbSeconds(this.billedMs, this.memoryMb) },
            { price: duration, quantity: gbSeconds(this.inits * LAMBDA_INIT_MS, this.memoryMb), assumption: "LAMBDA_INIT_MS" },
        ];
    }
}

/**
 * The SQS requests an event source mapping makes besides the receives that return messages: its pollers' empty long
 * polls while the queue is empty (ESM_IDLE_POLLING, an assumption). Its deletes bill on the queue (DeleteMessageBatch).
 */
export class EsmPollingMeter implements Meter {
    readonly service = "SQS";
    /** Empty receives of the idle spans that ended. */
    emptyReceives = 0;
    /** When the queue last became empty with nothing in flight (undefined: busy now). Empty from the run's start. */
    idleSince: number | undefined = 0;

    constructor(readonly resource: string, private readonly fifo: boolean) {}

    idle(now: number): void {
        if (this.idleSince === undefined) this.idleSince = now;
    }

    busy(now: number): void {
        if (this.idleSince === undefined) return;
        this.emptyReceives += idleReceives(now - this.idleSince);
        this.idleSince = undefined;
    }

    usage(endMs: number): UsageLine[] {
        const open = this.idleSince === undefined ? 0 : idleReceives(Math.max(0, endMs - this.idleSince));
        return [
            { price: this.fifo ? "sqs.fifo.request" : "sqs.standard.request", quantity: this.emptyReceives + open, assumption: "ESM_IDLE_POLLING" },
        ];
    }
}

/**
 * Provisioned mode's event poller units (ESM_EPU_BILLING: the minimum pollers billed from the mapping's start, idle or
 * not, and the pollers autoscaling added): read from the mapping's running poller-time total when the bill is made.
 */
export class EpuMeter implements Meter {
    readonly service = "Lambda";

    constructor(readonly resource: string, private readonly minimumPollers: number, private readonly pollerSeconds: (endMs: number) => number) {}

    usage(endMs: number): UsageLine[] {
        return [{ price: "lambda.sqs-esm.epu", quantity: epuHours(this.pollerSeconds(endMs), this.minimumPollers), assumption: "ESM_EPU_BILLING" }];
    }
}

export interface EsmOptions {
    functionName: string;
    batchSize: number;
    maximumBatchingWindowSeconds: number;
    /** The default mode's cap (2–1,000); undefined without one (then MAX_SQS_CONCURRENCY) or in provisioned mode. */
    maximumConcurrency?: number;
    /** Provisioned mode: exclusive with maximumConcurrency. */
    provisionedPollers?: ProvisionedPollerConfig;
    functionTimeoutSeconds: number;
    reportBatchItemFailures: boolean;
    /** The function's reserved concurrency; invocations beyond it are throttled. Undefined: unreserved. */
    reservedConcurrency?: number;
    /** Virtual time an invocation takes besides what the handler sleeps (start-up, the SQS calls). */
    overheadMs?: number;
    /** The run's CloudWatch: the function sends its metrics there. */
    cloudwatch?: CloudWatch;
    /** The function's FunctionRecursionConfig (the stack sets Terminate; Lambda's default too). */
    recursiveLoop?: "Terminate" | "Allow";
    /** The run's bill: the function meters its requests and duration there, the mapping its idle polling. */
    billing?: Billing;
    memoryMb?: number;
    architecture?: LambdaArchitecture;
}

export type Outcome = "success" | "partial" | "error" | "timeout" | "invalid-response" | "throttled";

export interface EsmStats {
    invocations: number;
    /** Execution environments created (cold starts). */
    environments: number;
    byOutcome: Record<Outcome, number>;
    recordsDelivered: number;
    /** Records that returned to the queue after an invocation (failed, timed out, throttled past their visibility timeout). */
    recordsReturned: number;
    /** Throttled invocation attempts Lambda retried with the same batch (no new receive). */
    throttleRetries: number;
    /** Invocations Lambda stopped as part of a recursive loop (RecursiveInvocationsDropped). */
    recursionDropped: number;
    /** The lowest concurrency the pollers backed off to (undefined: never backed off). */
    lowestBackoff?: number;
    maxConcurrent: number;
    /** Provisioned mode: the most event pollers the mapping ran at once. */
    peakPollers?: number;
}

export class EventSourceMapping {
    private readonly metrics: LambdaMetrics | undefined;
    private active = 0;
    private wakeAt: number | undefined;
    private pollScheduled = false;
    private windowUntil: number | undefined;
    /** When the current backlog began: concurrency grows from INITIAL_CONCURRENCY from then on. */
    private scalingFrom: number | undefined;
    /** After a throttle or a failed invocation: the concurrency the pollers dropped to, and when. */
    private backoff: { to: number; at: number } | undefined;
    private requests = 0;
    /** Provisioned mode: event poller-milliseconds so far, up to `pollersSince` (the billing meter's running total). */
    private pollerMs = 0;
    private pollersSince = 0;
    private pollersNow = 0;
    readonly stats: EsmStats = {
        invocations: 0, environments: 0, recordsDelivered: 0, recordsReturned: 0, maxConcurrent: 0, throttleRetries: 0, recursionDropped: 0,
        byOutcome: { success: 0, partial: 0, error: 0, timeout: 0, "invalid-response": 0, throttled: 0 },
    };

    private readonly environments: Environments<SqsHandler>;
    private readonly traces = new WeakMap<SqsHandler, TraceContext>();
    private recursionDropped: MetricSeries | undefined;
    private readonly meter: LambdaMeter | undefined;
    private readonly polling: EsmPollingMeter | undefined;

    /**
     * `handler` makes the handler of one execution environment (call createHandler in it, as the module does at init);
     * `trace` is that environment's recursion metadata, for an SQS client that sends on its behalf.
     */
    constructor(private readonly clock: VirtualClock, readonly queue: SimQueue, handler: (trace: TraceContext) => SqsHandler, readonly options: EsmOptions) {
        this.environments = new Environments(() => {
            const trace: TraceContext = { chain: 0 };
            const h = handler(trace);
            this.traces.set(h, trace);
            return h;
        });
        if (queue.fifo && options.batchSize > 10) throw new Error(`${options.functionName}: a FIFO event source takes batches of at most 10`);
        if (options.batchSize > 10 && options.maximumBatchingWindowSeconds < 1) throw new Error(`${options.functionName}: batchSize > 10 needs a batching window of at least 1 s`);
        const refused = checkVisibilityAgainstTimeout(options.functionName, options.functionTimeoutSeconds, queue.options.visibilityTimeoutSeconds);
        if (refused) throw new Error(refused);
        if (options.provisionedPollers) {
            const p = options.provisionedPollers;
            if (options.maximumConcurrency !== undefined) throw new Error(`${options.functionName}: maximum concurrency and provisioned mode are exclusive (services-sqs-scaling)`);
            if (!(p.minimumPollers >= 2 && p.minimumPollers <= p.maximumPollers)) throw new Error(`${options.functionName}: provisioned pollers need 2 ≤ minimumPollers ≤ maximumPollers`);
            // Dedicated pollers: the minimum runs (and is billed) from the start, messages or not.
            this.pollersNow = p.minimumPollers;
            this.stats.peakPollers = p.minimumPollers;
        }
        if (options.cloudwatch) this.metrics = new LambdaMetrics(options.cloudwatch, options.functionName);
        this.meter = options.billing?.add(new LambdaMeter(options.functionName, options.memoryMb ?? DEFAULT_FUNCTION.memoryMb, options.architecture ?? DEFAULT_FUNCTION.architecture));
        this.polling = options.billing?.add(new EsmPollingMeter(queue.options.name, queue.fifo));
        if (options.provisionedPollers) options.billing?.add(new EpuMeter(options.functionName, options.provisionedPollers.minimumPollers, (endMs) => this.eventPollerSeconds(endMs)));
        queue.polled();
        queue.onArrival(() => this.schedulePoll());
    }

    get concurrent(): number {
        return this.active;
    }

    /** Concurrent batches the pollers may have now. */
    get concurrencyLimit(): number {
        const provisioned = this.options.provisionedPollers;
        if (provisioned) return this.provisionedLimit(provisioned);
        const cap = Math.min(this.options.maximumConcurrency ?? MAX_SQS_CONCURRENCY, MAX_SQS_CONCURRENCY);
        if (this.scalingFrom === undefined) return Math.min(cap, INITIAL_CONCURRENCY);
        const grown = INITIAL_CONCURRENCY + Math.floor(((this.clock.now - this.scalingFrom) * SCALE_UP_PER_MINUTE) / 60_000);
        const backedOff = this.backoff ? this.backoff.to + Math.floor(((this.clock.now - this.backoff.at) * SCALE_UP_PER_MINUTE) / 60_000) : Infinity;
        return Math.min(cap, grown, backedOff);
    }

    /** Provisioned mode: the ready pollers' invocations at once, growing at PROVISIONED_MODE's rate up to maximumPollers' worth. */
    private provisionedLimit(p: ProvisionedPollerConfig): number {
        const per = PROVISIONED_MODE.invocationsPerPoller;
        const floor = p.minimumPollers * per;
        const cap = Math.min(p.maximumPollers * per, PROVISIONED_MODE.maxConcurrency);
        const rate = PROVISIONED_MODE.scaleUpPerMinute;
        const grown = this.scalingFrom === undefined ? floor : floor + Math.floor(((this.clock.now - this.scalingFrom) * rate) / 60_000);
        const backedOff = this.backoff ? this.backoff.to + Math.floor(((this.clock.now - this.backoff.at) * rate) / 60_000) : Infinity;
        return Math.min(cap, grown, backedOff);
    }

    /** Provisioned mode: the event pollers running now (what the invocations in flight need, never below the minimum). */
    private trackPollers(): void {
        const p = this.options.provisionedPollers;
        if (!p) return;
        const now = this.clock.now;
        this.pollerMs += (now - this.pollersSince) * this.pollersNow;
        this.pollersSince = now;
        // The invocations running plus the batches waiting, within what the pollers may have scaled to by now.
        const wanted = this.scalingFrom === undefined ? 0 : Math.min(this.concurrencyLimit, this.active + Math.ceil(this.queue.visible / this.options.batchSize));
        const needed = Math.ceil(wanted / PROVISIONED_MODE.invocationsPerPoller);
        this.pollersNow = Math.min(p.maximumPollers, Math.max(p.minimumPollers, needed));
        if (this.pollersNow > (this.stats.peakPollers ?? 0)) this.stats.peakPollers = this.pollersNow;
    }

    /** Provisioned mode: event poller-seconds billed up to `at` (the minimum runs while idle too); 0 in the default mode. */
    eventPollerSeconds(at = this.clock.now): number {
        return (this.pollerMs + (at - this.pollersSince) * this.pollersNow) / 1000;
    }

    /**
     * Lambda reduces the concurrency allocated to the mapping (throttles; failed invocations without
     * ReportBatchItemFailures): one step at most every LAMBDA_BACKOFF.concurrencyStepMs, not one per failed invocation.
     */
    private backOff(): void {
        if (this.backoff && this.clock.now - this.backoff.at < LAMBDA_BACKOFF.concurrencyStepMs) return;
        const to = Math.max(1, Math.floor(this.concurrencyLimit * LAMBDA_BACKOFF.concurrencyFactor));
        this.backoff = { to, at: this.clock.now };
        this.stats.lowestBackoff = Math.min(this.stats.lowestBackoff ?? Infinity, to);
    }

    /** One poll per instant: sends at the same virtual time land in one batch, as they would in a real poll. */
    schedulePoll(): void {
        if (this.pollScheduled) return;
        this.pollScheduled = true;
        this.clock.at(this.clock.now, () => { this.pollScheduled = false; this.poll(); });
    }

    /** Starts invocations while concurrency allows and messages are visible; otherwise waits for the next one. */
    poll(): void {
        const window = this.options.maximumBatchingWindowSeconds * 1000;
        while (this.active < this.concurrencyLimit) {
            const visible = this.queue.visible;
            if (visible === 0) {
                if (this.active === 0 && this.queue.inFlight === 0) {
                    this.scalingFrom = undefined;
                    this.backoff = undefined;
                    this.polling?.idle(this.clock.now);
                }
                break;
            }
            this.polling?.busy(this.clock.now);
            this.scalingFrom ??= this.clock.now;
            // A partial batch waits for the window (from the first message seen), unless the queue is FIFO.
            if (visible < this.options.batchSize && window > 0 && !this.queue.fifo) {
                if (this.windowUntil === undefined) {
                    const until = this.clock.now + window;
                    this.windowUntil = until;
                    this.clock.at(until, () => this.poll());
                }
                if (this.clock.now < this.windowUntil) break;
            }
            const batch = this.queue.receive(this.options.batchSize);
            if (batch.length === 0) break;
            this.windowUntil = undefined;
            this.invoke(batch);
        }
        if (this.options.provisionedPollers) this.trackPollers();
        const next = this.queue.nextVisibleAt;
        if (next !== undefined && (this.wakeAt === undefined || this.wakeAt <= this.clock.now || next < this.wakeAt)) {
            this.wakeAt = next;
            this.clock.at(next, () => { if (this.wakeAt === next) this.wakeAt = undefined; this.poll(); });
        }
    }

    private invoke(batch: SimMessage[], throttleRetry = 0): void {
        if (throttleRetry === 0) this.stats.recordsDelivered += batch.length;
        if (this.options.reservedConcurrency !== undefined && this.active >= this.options.reservedConcurrency) {
            // Throttled: the batch was received (the receive counts); Lambda retries it until the messages' visibility
            // timeout runs out, then they return to the queue.
            this.stats.byOutcome.throttled++;
            this.metrics?.throttled(this.clock.now);
            this.backOff();
            const delay = Math.min(LAMBDA_BACKOFF.throttleRetryCapMs, LAMBDA_BACKOFF.throttleRetryFirstMs * 2 ** throttleRetry);
            const invisibleUntil = Math.min(...batch.map((m) => m.visibleAt));
            if (this.clock.now + delay < invisibleUntil) {
                this.stats.throttleRetries++;
                this.clock.after(delay, () => this.invoke(batch, throttleRetry + 1));
            } else {
                this.stats.recordsReturned += batch.length;
            }
            return;
        }
        // Recursive loop detection: the batch's chain (its deepest record's count: how AWS judges a batch of several chains
        // is not published, an assumption) has invoked the function RECURSION_LIMIT times. Lambda "returns a
        // RecursiveInvocationException to the event source mapping. This increments the receiveCount value on the
        // message. Lambda continues to retry the message, and continues to block function invocations, until Amazon SQS
        // determines that the maxReceiveCount is exceeded and sends the message to the configured dead-letter queue."
        let chain = 0;
        for (const m of batch) if (m.chain > chain) chain = m.chain;
        if (chain >= RECURSION_LIMIT && (this.options.recursiveLoop ?? "Terminate") === "Terminate") {
            this.stats.recursionDropped++;
            this.stats.recordsReturned += batch.length;
            // "Lambda emits this metric as soon as it stops a recursive invocation"; not emitted with Allow.
            if (this.options.cloudwatch) (this.recursionDropped ??= this.options.cloudwatch.metric("AWS/Lambda", "RecursiveInvocationsDropped", { FunctionName: this.options.functionName })).put(1, this.clock.now, this.clock.now);
            return;
        }
        this.active++;
        this.stats.invocations++;
        this.stats.maxConcurrent = Math.max(this.stats.maxConcurrent, this.active);
        const started = this.clock.now;
        const timeoutMs = this.options.functionTimeoutSeconds * 1000;
        const records = new Array<SQSRecord>(batch.length);
        for (let i = 0; i < batch.length; i++) records[i] = this.queue.record(batch[i]);
        const context = lambdaContext(this.options.functionName, `${this.options.functionName}-${++this.requests}`, () => Math.max(0, started + timeoutMs - this.clock.now));
        const handler = this.environments.take();
        this.stats.environments = this.environments.created;
        this.traces.get(handler)!.chain = chain + 1;
        if (this.meter) this.meter.inits = this.environments.created;
        const invocation = new Invocation(batch, records, handler, context, started);
        // Lambda stops the invocation at its timeout: the handler's code never runs again and the batch returns.
        invocation.timeout = this.clock.timer(started + timeoutMs, () => {
            invocation.task.killed = true;
            this.finish(invocation, "timeout");
        });
        this.clock.at(started, () => this.clock.spawn(invocation.task, () => this.execute(invocation, timeoutMs)));
    }

    private async execute(invocation: Invocation, timeoutMs: number): Promise<void> {
        let result: "error" | SQSBatchResponse | void;
        try {
            result = await invocation.handler({ Records: invocation.records! }, invocation.context);
        } catch {
            result = "error";
        }
        if (invocation.task.killed) return;
        const end = this.clock.now + (this.options.overheadMs ?? 0);
        if (end - invocation.started >= timeoutMs) return; // the timeout event settles it
        this.clock.at(end, () => this.finish(invocation, result));
    }

    private finish(invocation: Invocation, result: "timeout" | "error" | SQSBatchResponse | void): void {
        if (invocation.settled) return;
        invocation.settled = true;
        // Its timeout event, still due, now does nothing and holds nothing: the batch and the records can go.
        if (result !== "timeout") this.clock.cancel(invocation.timeout!);
        // A timed-out environment is replaced (Lambda restarts it); a finished one is reused.
        if (result !== "timeout") this.environments.release(invocation.handler);
        const outcome = this.settle(invocation.batch, invocation.records!, result);
        this.stats.byOutcome[outcome.outcome]++;
        this.stats.recordsReturned += outcome.returned;
        this.meter?.invocation(this.clock.now - invocation.started);
        // Errors: "invocations that result in a function error" (a throw or a timeout), dated "when the function was invoked".
        this.metrics?.invoked(invocation.started, this.clock.now, outcome.outcome === "error" || outcome.outcome === "timeout");
        const failed = outcome.outcome === "error" || outcome.outcome === "timeout" || outcome.outcome === "invalid-response";
        if (failed && !this.options.reportBatchItemFailures) this.backOff();
        this.active--;
        this.poll();
    }

    /** Deletes what the response lets Lambda delete; everything else returns after its visibility timeout. */
    private settle(batch: SimMessage[], records: SQSRecord[], result: "timeout" | "error" | SQSBatchResponse | void): { outcome: Outcome; returned: number } {
        if (result === "timeout" || result === "error") return { outcome: result, returned: records.length };
        // The mapping deletes the messages it received, with the receipt handles it put in the event.
        if (!this.options.reportBatchItemFailures) {
            this.queue.deleteReceivedBatch(batch, records);
            return { outcome: "success", returned: 0 };
        }
        const listed = result?.batchItemFailures ?? [];
        if (listed.length === 0) {
            this.queue.deleteReceivedBatch(batch, records);
            return { outcome: "success", returned: 0 };
        }
        const failures = new Set(listed.map((f) => f.itemIdentifier));
        for (const f of failures) if (!f || !records.some((r) => r.messageId === f)) return { outcome: "invalid-response", returned: records.length };
        this.queue.deleteReceivedBatch(batch, records, failures);
        return { outcome: failures.size > 0 ? "partial" : "success", returned: failures.size };
    }
}

/** One invocation of the mapping: what its events need, in one object instead of a closure each. */
class Invocation {
    settled = false;
    readonly task: Task = { killed: false };
    timeout: Timer | undefined;

    constructor(readonly batch: SimMessage[], readonly records: SQSRecord[], readonly handler: SqsHandler, readonly context: Context, readonly started: number) {}
}

const NO_CALLBACK = (): undefined => undefined;
/** A function's ARN and log group, made once per function name rather than once per invocation. */
const FUNCTION_NAMES = new Map<string, { arn: string; logGroup: string }>();

/** The Lambda context a real handler gets (Powertools reads the request ID and the remaining time). */
export function lambdaContext(functionName: string, awsRequestId: string, remaining: () => number): Context {
    let names = FUNCTION_NAMES.get(functionName);
    if (!names) FUNCTION_NAMES.set(functionName, (names = { arn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`, logGroup: `/aws/lambda/${functionName}` }));
    return {
        callbackWaitsForEmptyEventLoop: true,
        functionName,
        functionVersion: "$LATEST",
        invokedFunctionArn: names.arn,
        memoryLimitInMB: "256",
        awsRequestId,
        logGroupName: names.logGroup,
        logStreamName: "2026/01/01/[$LATEST]lab",
        getRemainingTimeInMillis: remaining,
        done: NO_CALLBACK,
        fail: NO_CALLBACK,
        succeed: NO_CALLBACK,
    };
}
