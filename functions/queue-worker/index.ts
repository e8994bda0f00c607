// The SQS consumer every queue of the lab runs: the queue worker, the fan-out subscribers and the event-routing
// queue target. It reads plain, SNS-wrapped and EventBridge bodies alike (functions/shared/correlation.ts).
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { parseOrder, processOrder, ProcessOrder } from "../shared/order";
import { createSqsBatchHandler, DeadLetterTarget, deadLetterFromEnvironment } from "../shared/sqs-batch";

export interface QueueWorkerDeps {
    processOrder?: ProcessOrder;
    logger?: Logger;
    metrics?: Metrics;
    /** The queue's redrive maxReceiveCount (set by the stack): the receive on which a failure is poison. */
    maxReceiveCount?: number;
    /** Where permanent failures go; default the DLQ named by DEAD_LETTER_QUEUE_URL. `null`: leave them to redrive. */
    deadLetter?: DeadLetterTarget | null;
}

export function createHandler(deps: QueueWorkerDeps = {}) {
    const handleOrder = deps.processOrder ?? processOrder;
    return createSqsBatchHandler({
        logger: deps.logger ?? new Logger(),
        metrics: deps.metrics ?? new Metrics(),
        maxReceiveCount: deps.maxReceiveCount ?? Number(process.env.MAX_RECEIVE_COUNT ?? 5),
        step: (message, _record, log) => handleOrder(parseOrder(message.payload), log),
        deadLetter: deps.deadLetter === undefined ? deadLetterFromEnvironment() : deps.deadLetter ?? undefined,
    });
}

export const handler = createHandler();
