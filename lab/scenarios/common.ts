// Building blocks the scenarios share: queues wired as the stack wires them, the event source mapping on the
// pattern's settings, the real handlers with a business step that counts side effects, and the usual gauges.
import type { Logger } from "@aws-lambda-powertools/logger";
import { ConsumerSettings, DLQ_RETENTION_SECONDS, PollerSettings, recommendedVisibilityTimeout } from "../../patterns/config";
import { createHandler as createQueueWorker } from "../../functions/queue-worker";
import { createHandler as createIdempotentConsumer, KeyStrategy } from "../../functions/idempotent-consumer";
import { Order, ProcessOrder } from "../../functions/shared/order";
import { TransientError } from "../../functions/shared/errors";
import { Effects, LabRun, Location, orderIdsIn } from "../harness";
import { simulatedSqsClient } from "../sim/clients";
import { EventSourceMapping, SqsHandler, TraceContext } from "../sim/esm";
import { SimIdempotencyStore } from "../sim/idempotency-store";
import type { SimSubscription, SimTopic, SubscriptionOptions } from "../sim/sns";
import { SimQueue, SQS_METRICS_RESUME_DELAY_MS } from "../sim/sqs";

/**
 * What a scenario's horizon leaves after a DLQ's first message for its depth alarm: SQS's assumed metric resume delay
 * for an idle queue, then the minutes the alarm's evaluation range needs.
 */
export const DLQ_ALARM_SLACK_SECONDS = SQS_METRICS_RESUME_DELAY_MS / 1000 + 3 * 60;

export interface ConsumerQueues {
    queue: SimQueue;
    dlq: SimQueue;
}

/** A source queue and its DLQ as SqsConsumer builds them: visibility from the settings, DLQ retention 14 days. */
export function consumerQueues(run: LabRun, name: string, settings: ConsumerSettings, options: { fifo?: boolean; duplicateRate?: number; staleDeleteRate?: number; alarms?: boolean } = {}): ConsumerQueues {
    const suffix = options.fifo ? ".fifo" : "";
    const fifo = options.fifo ? { contentBasedDeduplication: true } : undefined;
    const dlq = new SimQueue(run.clock, { name: `${name}-dlq${suffix}`, visibilityTimeoutSeconds: 30, retentionSeconds: DLQ_RETENTION_SECONDS, fifo, cloudwatch: run.cloudwatch, billing: run.billing });
    const queue = new SimQueue(run.clock, {
        name: `${name}${suffix}`,
        visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds ?? recommendedVisibilityTimeout(settings),
        retentionSeconds: settings.messageRetentionSeconds,
        redrive: { deadLetter: dlq, maxReceiveCount: settings.maxReceiveCount },
        fifo,
        duplicateRate: options.duplicateRate,
        staleDeleteRate: options.staleDeleteRate,
        random: run.random,
        cloudwatch: run.cloudwatch, billing: run.billing,
    });
    // A scenario's comparison queue (a configuration beside the stack's) carries no alarms of the stack.
    if (options.alarms !== false) {
        run.alarms.sourceQueue(queue.options.name, queue, settings);
        run.alarms.deadLetterQueue(dlq.options.name, dlq);
    }
    return { queue, dlq };
}

/** The event source mapping SqsConsumer creates (ReportBatchItemFailures on, unless a scenario turns it off). */
/**
 * A fan-out subscriber as the stack builds it: its consumer queue and DLQ, a delivery DLQ of its own (the
 * subscription's redrive policy: deliveries SNS could not make, apart from the consumer's failures) with its depth
 * alarm, and the subscription.
 */
export function subscribedQueues(
    run: LabRun, topic: SimTopic, name: string, settings: ConsumerSettings,
    options: Omit<SubscriptionOptions, "name" | "queue" | "deadLetter" | "random">,
): ConsumerQueues & { deliveryDlq: SimQueue; subscription: SimSubscription } {
    const queues = consumerQueues(run, name, settings);
    const deliveryDlq = new SimQueue(run.clock, { name: `${name}-delivery-dlq`, visibilityTimeoutSeconds: 30, retentionSeconds: DLQ_RETENTION_SECONDS, cloudwatch: run.cloudwatch, billing: run.billing });
    run.alarms.deadLetterQueue(deliveryDlq.options.name, deliveryDlq);
    const subscription = topic.subscribe({ ...options, name, queue: queues.queue, deadLetter: deliveryDlq, random: run.random });
    return { ...queues, deliveryDlq, subscription };
}

export function mapping(run: LabRun, name: string, queue: SimQueue, handler: (trace: TraceContext) => SqsHandler, settings: ConsumerSettings & PollerSettings, options: { reportBatchItemFailures?: boolean; overheadMs?: number; reservedConcurrency?: number; recursiveLoop?: "Terminate" | "Allow"; alarms?: boolean } = {}): EventSourceMapping {
    const esm = new EventSourceMapping(run.clock, queue, handler, {
        functionName: name,
        batchSize: settings.batchSize,
        maximumBatchingWindowSeconds: settings.maximumBatchingWindowSeconds,
        maximumConcurrency: settings.maximumConcurrency,
        provisionedPollers: settings.provisionedPollers,
        functionTimeoutSeconds: settings.functionTimeoutSeconds,
        reportBatchItemFailures: options.reportBatchItemFailures ?? true,
        reservedConcurrency: options.reservedConcurrency,
        recursiveLoop: options.recursiveLoop,
        overheadMs: options.overheadMs ?? 20,
        cloudwatch: run.cloudwatch, billing: run.billing,
        memoryMb: settings.memorySizeMb,
    });
    if (options.alarms !== false) run.alarms.function(name, esm);
    return esm;
}

export interface BusinessStep {
    /** Virtual time one order takes. */
    processingMs: number;
    /** Whether the downstream dependency is down now (orders then fail with a TransientError). */
    downstreamDown?: () => boolean;
}

/** The business step of the lab's consumers, in virtual time: counts side effects, honours `simulate`, takes time. */
export function countingStep(run: LabRun, effects: Effects, step: BusinessStep): ProcessOrder {
    return async (order: Order, _logger: Logger) => {
        if (order.simulate === "crash") throw new Error("unexpected failure (simulated)");
        if (order.simulate === "transient" || step.downstreamDown?.()) throw new TransientError("downstream unavailable (simulated)");
        if (step.processingMs > 0) await run.clock.sleep(step.processingMs);
        effects.record(order.orderId);
    };
}

/** The project's queue worker, as deployed: DLQ hand-off for permanent failures through its SQS client. Call once per execution environment. */
export function queueWorker(run: LabRun, name: string, queues: ConsumerQueues, settings: ConsumerSettings, processOrder: ProcessOrder): SqsHandler {
    return createQueueWorker({
        processOrder,
        logger: run.logger(name),
        metrics: run.metrics(name),
        maxReceiveCount: settings.maxReceiveCount,
        deadLetter: { queueUrl: queues.dlq.url, sqs: simulatedSqsClient([queues.dlq]) },
    });
}

/** The project's idempotent consumer, as deployed, with its table in virtual time. */
export function idempotentConsumer(run: LabRun, name: string, queues: ConsumerQueues, settings: ConsumerSettings & { businessKeyPath: string; expiresAfterSeconds?: number }, keyStrategy: KeyStrategy, processOrder: ProcessOrder, expiresAfterSeconds: number): { handler: () => SqsHandler; store: SimIdempotencyStore } {
    // One table, shared by every execution environment.
    const store = new SimIdempotencyStore({ tableName: `${name}-table`, billing: run.billing });
    const handler = () => createIdempotentConsumer({
        processOrder,
        logger: run.logger(name),
        metrics: run.metrics(name),
        persistenceStore: store,
        keyStrategy,
        businessKeyPath: settings.businessKeyPath,
        expiresAfterSeconds,
        maxReceiveCount: settings.maxReceiveCount,
        deadLetter: { queueUrl: queues.dlq.url, sqs: simulatedSqsClient([queues.dlq]) },
    });
    return { handler, store };
}

/** Queue depth, in flight, DLQ depth, oldest age and concurrency over time. */
export function queueGauges(run: LabRun, queues: ConsumerQueues, esm?: EventSourceMapping, prefix = ""): void {
    run.timeline.gauge(`${prefix}queue depth`, () => queues.queue.visible);
    run.timeline.gauge(`${prefix}in flight`, () => queues.queue.inFlight);
    run.timeline.gauge(`${prefix}DLQ depth`, () => queues.dlq.size);
    if (esm) run.timeline.gauge(`${prefix}concurrent invocations`, () => esm.concurrent, "invocations");
}

/**
 * Where an order is now: in a DLQ, still in a queue or waiting for a retry, gone after its side effect, kept out by a
 * filter policy or rule (`filteredOut`), or nowhere (lost).
 */
export function orderLocator(effects: Effects, deadLetters: SimQueue[], holding: { bodies(): Iterable<string> }[], filteredOut: (orderId: string) => boolean = () => false): (orderId: string) => Location | undefined {
    const dead = orderIdsIn(deadLetters.flatMap((q) => [...q.messages()].map((m) => m.body)));
    const waiting = orderIdsIn(holding.flatMap((h) => [...h.bodies()]));
    return (orderId) => {
        if (dead.has(orderId)) return "dead-lettered";
        if (waiting.has(orderId)) return "in-flight";
        if (effects.of(orderId) > 0) return "processed";
        if (filteredOut(orderId)) return "filtered-out";
        return undefined;
    };
}

/** A queue's bodies, for orderLocator. */
export function bodiesOf(queue: SimQueue): { bodies(): Iterable<string> } {
    return { bodies: () => [...queue.messages()].map((m) => m.body) };
}

export const seconds = (ms: number | undefined): number => (ms === undefined ? NaN : Math.round(ms / 100) / 10);

/** A metric's total over the run, as CloudWatch shows it afterwards (0 if the service never sent it). */
export function metricSum(run: LabRun, namespace: string, metricName: string, dimensions: Record<string, string>): number {
    let sum = 0;
    for (const v of run.cloudwatch.find(namespace, metricName, dimensions)?.datapoints("Sum").values() ?? []) sum += v;
    return sum;
}
