// Asynchronous Lambda invocation in virtual time (AWS Lambda developer guide, "Asynchronous invocation" and
// "Error handling and automatic retries"): Lambda queues the event and answers the caller at once; on a function
// error it retries twice by default, one minute and then two minutes later (maximumRetryAttempts 0–2); an event
// older than maximumEventAgeInSeconds is not run again; either way the event goes to the on-failure destination
// with a record of why. Throttled attempts (reserved concurrency) are retried with backoff until the age limit.
import type { Context } from "aws-lambda";
import { Task, VirtualClock } from "./clock";
import type { CloudWatch } from "./cloudwatch";
import type { Billing } from "../cost/billing";
import { asyncEventExtraRequests } from "../cost/rules";
import { DEFAULT_FUNCTION, Environments, LambdaArchitecture, lambdaContext, LambdaMeter, LambdaMetrics } from "./esm";
import { LAMBDA_ASYNC_MAX_PAYLOAD_BYTES } from "../../functions/shared/aws-limits";
import { ServiceRefusal } from "./limits";
import { ACCOUNT, REGION, SimQueue } from "./sqs";

/** Delays before the retries after a function error: 1 min, then 2 min. */
export const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000];
/** Backoff of throttled attempts: 1 s doubling up to 5 minutes. */
const THROTTLE_BACKOFF_MS = { first: 1000, max: 300_000 };

export type AsyncHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface AsyncLambdaOptions {
    functionName: string;
    functionTimeoutSeconds: number;
    maximumRetryAttempts: number;
    maximumEventAgeSeconds: number;
    /** The on-failure destination; without one a failed event is discarded. */
    onFailure?: SimQueue;
    reservedConcurrency?: number;
    /** Virtual time an attempt takes besides what the handler sleeps. */
    overheadMs?: number;
    /**
     * The probability that an event that succeeded is delivered once more. AWS: "Even if your function doesn't return
     * an error, it's possible for it to receive the same event from Lambda multiple times because the queue itself is
     * eventually consistent" (How Lambda handles errors and retries with asynchronous invocation). AWS publishes no
     * rate: the value is an assumption of each scenario. Needs `random`.
     */
    duplicateRate?: number;
    random?: () => number;
    /** The run's CloudWatch: the function sends its invocation metrics there, as Lambda does (LambdaMetrics). */
    cloudwatch?: CloudWatch;
    /** The run's bill: each attempt bills a request and its duration, an event over 256 KB one request per 64 KB more. */
    billing?: Billing;
    memoryMb?: number;
    architecture?: LambdaArchitecture;
}

interface Pending {
    event: unknown;
    requestId: string;
    queuedAt: number;
    attempts: number;
    throttles: number;
    /** A delivery of an event that already succeeded: not delivered a third time. */
    again?: boolean;
}

export interface AsyncStats {
    accepted: number;
    attempts: number;
    succeeded: number;
    /** Events sent to the on-failure destination, by condition. */
    toDestination: { RetriesExhausted: number; EventAgeExceeded: number };
    discarded: number;
    throttled: number;
    /** Events delivered again after they succeeded (duplicateRate). */
    duplicatesDelivered: number;
}

export class AsyncLambda {
    readonly arn: string;
    private active = 0;
    private requests = 0;
    private readonly pending = new Set<Pending>();
    readonly stats: AsyncStats = { accepted: 0, attempts: 0, succeeded: 0, toDestination: { RetriesExhausted: 0, EventAgeExceeded: 0 }, discarded: 0, throttled: 0, duplicatesDelivered: 0 };
    /** Every attempt: when, which request, and how it ended. */
    readonly attemptLog: { at: number; requestId: string; attempt: number; outcome: "success" | "error" | "timeout" | "throttled" }[] = [];

    private readonly environments: Environments<AsyncHandler>;

    private readonly metrics: LambdaMetrics | undefined;
    private readonly meter: LambdaMeter | undefined;

    /** `handler` makes the handler of one execution environment. */
    constructor(private readonly clock: VirtualClock, handler: () => AsyncHandler, readonly options: AsyncLambdaOptions) {
        this.environments = new Environments(handler);
        if (options.cloudwatch) this.metrics = new LambdaMetrics(options.cloudwatch, options.functionName);
        this.meter = options.billing?.add(new LambdaMeter(options.functionName, options.memoryMb ?? DEFAULT_FUNCTION.memoryMb, options.architecture ?? DEFAULT_FUNCTION.architecture));
        this.arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${options.functionName}`;
    }

    /**
     * Invoke with InvocationType Event: queued, answered 202 at once. Returns the request ID. A payload over 1 MB
     * ("For asynchronous invocations, the maximum payload size is 1 MB": Invoke API reference) is refused.
     */
    invoke(event: unknown): string {
        const size = Buffer.byteLength(JSON.stringify(event) ?? "", "utf8");
        if (size > LAMBDA_ASYNC_MAX_PAYLOAD_BYTES) {
            throw new ServiceRefusal("RequestTooLargeException", `The request payload exceeded the Invoke request body JSON input quota (${size} bytes; at most ${LAMBDA_ASYNC_MAX_PAYLOAD_BYTES} for an asynchronous invocation).`);
        }
        if (this.meter) this.meter.requests += asyncEventExtraRequests(size);
        const item: Pending = { event, requestId: `${this.options.functionName}-async-${++this.requests}`, queuedAt: this.clock.now, attempts: 0, throttles: 0 };
        this.stats.accepted++;
        this.pending.add(item);
        this.clock.after(0, () => this.attempt(item));
        return item.requestId;
    }

    /** Events still queued or waiting for a retry. */
    get waiting(): unknown[] {
        return [...this.pending].map((p) => p.event);
    }

    private attempt(item: Pending): void {
        const ageMs = this.clock.now - item.queuedAt;
        if (ageMs >= this.options.maximumEventAgeSeconds * 1000) return this.fail(item, "EventAgeExceeded", undefined);
        if (this.options.reservedConcurrency !== undefined && this.active >= this.options.reservedConcurrency) {
            this.stats.throttled++;
            this.metrics?.throttled(this.clock.now);
            this.attemptLog.push({ at: this.clock.now, requestId: item.requestId, attempt: item.attempts + 1, outcome: "throttled" });
            const delay = Math.min(THROTTLE_BACKOFF_MS.max, THROTTLE_BACKOFF_MS.first * 2 ** item.throttles++);
            this.clock.after(delay, () => this.attempt(item));
            return;
        }
        item.attempts++;
        this.stats.attempts++;
        this.active++;
        const started = this.clock.now;
        const timeoutMs = this.options.functionTimeoutSeconds * 1000;
        const task: Task = { killed: false };
        const handler = this.environments.take();
        if (this.meter) this.meter.inits = this.environments.created;
        let settled = false;
        const finish = (error: { errorType: string; errorMessage: string } | undefined, outcome: "success" | "error" | "timeout") => {
            if (settled) return;
            settled = true;
            if (outcome !== "timeout") this.environments.release(handler);
            this.active--;
            this.attemptLog.push({ at: started, requestId: item.requestId, attempt: item.attempts, outcome });
            this.metrics?.invoked(started, this.clock.now, error !== undefined);
            this.meter?.invocation(this.clock.now - started);
            if (!error) {
                this.pending.delete(item);
                this.stats.succeeded++;
                const { duplicateRate, random } = this.options;
                if (duplicateRate && random && !item.again && random() < duplicateRate) {
                    // At-least-once: the same event again, as a delivery of its own.
                    this.stats.duplicatesDelivered++;
                    const again: Pending = { event: item.event, requestId: `${item.requestId}-again`, queuedAt: this.clock.now, attempts: 0, throttles: 0, again: true };
                    this.pending.add(again);
                    this.clock.after(0, () => this.attempt(again));
                }
                return;
            }
            const retry = ASYNC_RETRY_DELAYS_MS[item.attempts - 1];
            if (item.attempts > this.options.maximumRetryAttempts || retry === undefined) return this.fail(item, "RetriesExhausted", error);
            this.clock.after(retry, () => this.attempt(item));
        };
        this.clock.at(started + timeoutMs, () => {
            if (settled) return;
            task.killed = true;
            finish({ errorType: "Sandbox.Timedout", errorMessage: `Task timed out after ${this.options.functionTimeoutSeconds.toFixed(2)} seconds` }, "timeout");
        });
        const context = lambdaContext(this.options.functionName, item.requestId, () => Math.max(0, started + timeoutMs - this.clock.now));
        this.clock.at(started, () => this.clock.spawn(task, async () => {
            let error: { errorType: string; errorMessage: string } | undefined;
            try {
                await handler(structuredClone(item.event), context);
            } catch (e) {
                error = { errorType: (e as Error).name ?? "Error", errorMessage: (e as Error).message ?? String(e) };
            }
            if (task.killed) return;
            const end = this.clock.now + (this.options.overheadMs ?? 0);
            if (end - started >= timeoutMs) return;
            this.clock.at(end, () => finish(error, error ? "error" : "success"));
        }));
    }

    /** The on-failure destination record (Lambda developer guide, "Capturing records of asynchronous invocations"). */
    private fail(item: Pending, condition: "RetriesExhausted" | "EventAgeExceeded", error: { errorType: string; errorMessage: string } | undefined): void {
        this.pending.delete(item);
        const destination = this.options.onFailure;
        if (!destination) {
            this.stats.discarded++;
            return;
        }
        this.stats.toDestination[condition]++;
        destination.send(JSON.stringify({
            version: "1.0",
            timestamp: new Date(this.clock.wallTime).toISOString(),
            requestContext: { requestId: item.requestId, functionArn: `${this.arn}:$LATEST`, condition, approximateInvokeCount: item.attempts },
            requestPayload: item.event,
            responseContext: { statusCode: 200, executedVersion: "$LATEST", ...(error ? { functionError: "Unhandled" } : {}) },
            responsePayload: error ?? null,
        }));
    }
}
