// A visibility timeout shorter than the processing time. Lambda refuses to create (or update) a mapping whose
// function timeout exceeds the queue's visibility timeout, so the scenario gets there the way a user can: the mapping
// is created on the stack's valid settings, then the queue's visibility timeout is lowered (SetQueueAttributes, which
// SQS applies without asking Lambda). The message becomes visible while its first invocation is still working, a
// second invocation receives it, and the first one's delete uses a stale receipt handle, which SQS may or may not
// honour. Without idempotency every receive repeats the side effect, and the processed messages no delete removed end
// in the DLQ. With the idempotent consumer the duplicates find the key in progress, then completed.
import { redeliveryHorizonSeconds } from "../../patterns/config";
import { STRATEGY_WIRING } from "../../patterns/idempotent-consumer/strategies";
import { conservation, Effects } from "../harness";
import { ParamValue, Scenario } from "../scenario";
import { bodiesOf, consumerQueues, countingStep, DLQ_ALARM_SLACK_SECONDS, idempotentConsumer, mapping, metricSum, orderLocator, queueGauges, queueWorker } from "./common";
import { SqsHandler } from "../sim/esm";

const AWS_RULE = "Lambda refuses to create or update an SQS event source mapping whose function timeout exceeds the queue's visibility timeout (\"Your "
    + "function's timeout must be less than or equal to the queue's visibility timeout. Lambda validates this requirement when you create or update an event "
    + "source mapping\", Lambda developer guide, \"Creating and configuring an Amazon SQS event source mapping\"); AWS documents no such check when the queue "
    + "is changed afterwards (SetQueueAttributes is an SQS call), so the scenario creates the mapping on the stack's settings and then lowers the queue's "
    + "visibility timeout. A received message stays invisible for the visibility timeout; if it is not deleted by then it is delivered again, and a delete "
    + "with an older receipt handle \"will succeed, but the message might not be deleted\" (SQS developer guide, visibility timeout; SQS API reference, "
    + "DeleteMessage; how often is not published: the lab deletes on half of them, seeded, an assumption). SQS's NumberOfMessagesDeleted counts \"every "
    + "successful deletion operation that uses a valid receipt handle, including duplicate deletions\" (\"Available CloudWatch metrics for Amazon SQS\"), "
    + "so more deletes than sends is where an AWS metric shows the duplicates. AWS recommends a visibility timeout of at least six times the function timeout "
    + "(same Lambda page): this stack's config refuses one that is not longer than the function timeout, and the policy pack flags it.";

const PARAMS = {
    messages: { default: 10, min: 1, max: 10_000, description: "messages sent at once" },
    processingMs: { default: 45_000, min: 0, max: 900_000, description: "virtual time one order takes (records of a batch run in parallel; within the 60 s function timeout)" },
    loweredVisibilityTimeoutSeconds: { default: 30, min: 0, max: 43_200, description: "the visibility timeout the queue is changed to after the mapping was created (SetQueueAttributes; Lambda checks only when a mapping is created or updated)" },
    staleDeleteRate: { default: 0.5, min: 0, max: 1, fraction: true, description: "share of deletes with a stale receipt handle SQS honours anyway (AWS: \"might not be deleted\"; the rate is an assumption)" },
};

function horizon(s: { maxReceiveCount: number }, p: Record<string, ParamValue>): number {
    return (s.maxReceiveCount + 1) * Number(p.loweredVisibilityTimeoutSeconds) + Math.ceil(Number(p.processingMs) / 1000) + DLQ_ALARM_SLACK_SECONDS;
}

function visibilityScenario(idempotent: boolean): Scenario<"queueWorker"> | Scenario<"idempotentConsumer"> {
    const run: Scenario<"idempotentConsumer">["run"] = async (lab, settings, params, go) => {
        const messages = Number(params.messages);
        const lowered = Number(params.loweredVisibilityTimeoutSeconds);
        const effects = new Effects();
        const name = idempotent ? "idempotent-message-id" : "queue-worker";
        const queues = consumerQueues(lab, name, settings, { staleDeleteRate: Number(params.staleDeleteRate) });
        const created = queues.queue.options.visibilityTimeoutSeconds;
        const step = countingStep(lab, effects, { processingMs: Number(params.processingMs) });
        let handler: () => SqsHandler;
        let conflicts = () => 0;
        if (idempotent) {
            const consumer = idempotentConsumer(lab, `${name}-fn`, queues, settings, STRATEGY_WIRING["message-id"].keyStrategy, step,
                settings.expiresAfterSeconds ?? redeliveryHorizonSeconds(settings));
            handler = consumer.handler;
            conflicts = () => consumer.store.counts.conflicts;
        } else {
            handler = () => queueWorker(lab, `${name}-fn`, queues, settings, step);
        }
        // Lambda accepts the mapping: the queue's visibility timeout (the stack's) is at least the function timeout.
        const esm = mapping(lab, `${name}-fn`, queues.queue, handler, settings);
        // Then someone changes the queue: SQS applies it, and Lambda does not look again.
        queues.queue.setVisibilityTimeout(lowered);
        queueGauges(lab, queues, esm);
        const orderIds = Array.from({ length: messages }, (_, i) => `order-${String(i + 1).padStart(5, "0")}`);
        orderIds.forEach((orderId, i) => queues.queue.send(JSON.stringify({ orderId, amount: 20 + i })));
        await go();
        const c = conservation(orderIds, orderLocator(effects, [queues.dlq], [bodiesOf(queues.queue)]));
        const receives = queues.queue.counts.received / messages;
        const processedInDlq = [...queues.dlq.messages()].length;
        const dims = { QueueName: queues.queue.options.name };
        const deletes = metricSum(lab, "AWS/SQS", "NumberOfMessagesDeleted", dims);
        const sends = metricSum(lab, "AWS/SQS", "NumberOfMessagesSent", dims);
        const processing = Number(params.processingMs) / 1000;
        const expectations = idempotent ? [
            { claim: "the message is received more than once while its first invocation is still running", holds: receives > 1 },
            { claim: "each order's side effect runs exactly once", holds: effects.units === messages && effects.duplicates === 0 },
            { claim: "every message is finally deleted, none reaches the DLQ", holds: queues.queue.counts.deleted === messages && queues.dlq.size === 0 },
        ] : [
            { claim: "the message is received again while its first invocation is still running", holds: receives > 1 },
            { claim: "every receive repeats the side effect", holds: effects.duplicates > 0 },
            // DeleteMessage with an old receipt handle: "the request will succeed, but the message might not be deleted".
            { claim: "deletes carry stale receipt handles; a stale delete may leave the message, and the processed messages no delete removed reach the DLQ",
                holds: queues.queue.counts.staleDeletes > 0 && processedInDlq === messages - queues.queue.counts.deleted && queues.queue.size === 0 },
            { claim: "SQS's NumberOfMessagesDeleted counts more deletes than NumberOfMessagesSent counts sends", holds: deletes > sends },
        ];
        return {
            conservation: c,
            measures: {
                "messages sent": messages,
                "visibility timeout at creation (s)": created,
                "visibility timeout after the change (s)": lowered,
                "processing time (s)": processing,
                "receives per message": Math.round(receives * 100) / 100,
                "side effects": effects.total,
                "duplicates processed": effects.duplicates,
                "stale deletes": queues.queue.counts.staleDeletes,
                "stale deletes that deleted (assumed rate)": queues.queue.counts.staleDeletesApplied,
                "messages in the DLQ": queues.dlq.size,
                "NumberOfMessagesSent": sends,
                "NumberOfMessagesDeleted": deletes,
                "idempotency conflicts (in progress elsewhere)": conflicts(),
                "max concurrent invocations": esm.stats.maxConcurrent,
            },
            expectations,
            explanation: `Lambda created the mapping with the queue's visibility timeout at ${created} s (6 × the ${settings.functionTimeoutSeconds} s function timeout), then the queue was changed to ${lowered} s. `
                + (idempotent
                    ? `Each message came back after ${lowered} s while its first invocation still had ${processing - lowered} s to go. `
                    + `The second invocation's conditional put found the key INPROGRESS (${conflicts()} conflicts), reported the records as batch item failures, and the next receive `
                    + `found them COMPLETED and deleted them: ${effects.total} side effects for ${messages} orders, ${receives.toFixed(1)} receives each.`
                    : `Each message came back after ${lowered} s while its invocation still had ${processing - lowered} s to go, `
                    + `so a second invocation processed it too; the first invocation's delete then carried a stale receipt handle (${queues.queue.counts.staleDeletes} stale deletes, `
                    + `${queues.queue.counts.staleDeletesApplied} of which SQS honoured in this run, at the lab's assumed rate of one in two: AWS says the request succeeds "but the message might not be deleted"). `
                    + `This repeated on every receive: ${effects.total} side effects for ${messages} orders, and ${processedInDlq} processed messages no delete removed reached the DLQ. `
                    + `CloudWatch shows it as ${deletes} NumberOfMessagesDeleted for ${sends} NumberOfMessagesSent (every receiver's delete counts), and in the handler's RecordsRetried (see detection).`),
        };
    };
    const base = {
        awsRule: AWS_RULE,
        // The timeout Lambda created the mapping with: 6 × the 60 s function timeout.
        healthy: { loweredVisibilityTimeoutSeconds: "360" },
        params: PARAMS,
        assumes: [{
            name: "staleDeleteRate", value: "SQS deletes on half of the deletes that carry a stale receipt handle (AWS: \"might not be deleted\", no rate)",
            figures: "stale deletes that deleted, and through them the receives, side effects, duplicates, DLQ arrivals and NumberOfMessagesDeleted",
        }],
        horizonSeconds: horizon,
        faultStartSeconds: () => 0, // the queue is changed before the first message
        check: (s: { functionTimeoutSeconds: number }, p: Record<string, ParamValue>) => (Number(p.processingMs) > s.functionTimeoutSeconds * 1000
            ? `processingMs=${p.processingMs} is longer than functionTimeoutSeconds=${s.functionTimeoutSeconds}: Lambda stops an invocation at its timeout, so a consumer cannot process longer than that` : undefined),
        run,
    };
    const settings = { functionTimeoutSeconds: 60 };
    return idempotent
        ? { ...base, name: "visibility-timeout-idempotent", title: "Visibility timeout lowered below the processing time after the mapping was created, with the idempotent consumer", pattern: "idempotentConsumer", settings }
        : { ...base, name: "visibility-timeout", title: "Visibility timeout lowered below the processing time after the mapping was created", pattern: "queueWorker", settings, run: run as unknown as Scenario<"queueWorker">["run"] };
}

export const VISIBILITY_TIMEOUT = visibilityScenario(false);
export const VISIBILITY_TIMEOUT_IDEMPOTENT = visibilityScenario(true);
