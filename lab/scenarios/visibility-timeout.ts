// A visibility timeout shorter than the processing time: the message becomes visible while its first invocation
// is still working, a second invocation receives it, and the first one's delete uses a stale receipt handle, which
// SQS may or may not honour. Without idempotency every receive repeats the side effect, and the processed messages
// no delete removed end in the DLQ. With the idempotent consumer the duplicates find the key in progress, then completed.
import { redeliveryHorizonSeconds } from "../../patterns/config";
import { STRATEGY_WIRING } from "../../patterns/idempotent-consumer/strategies";
import { conservation, Effects } from "../harness";
import { ParamValue, Scenario } from "../scenario";
import { bodiesOf, consumerQueues, countingStep, idempotentConsumer, mapping, orderLocator, queueGauges, queueWorker } from "./common";
import { SqsHandler } from "../sim/esm";

const AWS_RULE = "A received message stays invisible for the visibility timeout; if it is not deleted by then it is delivered again, and a delete "
    + "with an older receipt handle \"will succeed, but the message might not be deleted\" (SQS developer guide, visibility timeout; SQS API reference, "
    + "DeleteMessage; how often is not published: the lab deletes on half of them, seeded). AWS recommends a visibility timeout of "
    + "at least six times the function timeout (Lambda developer guide, services-sqs-configure): this stack's config refuses one that is not longer "
    + "than the function timeout, and the policy pack flags it; the scenario sets one on purpose to show what the rule prevents.";

const PARAMS = {
    messages: { default: 10, min: 1, max: 10_000, description: "messages sent at once" },
    processingMs: { default: 45_000, min: 0, max: 900_000, description: "virtual time one order takes (records of a batch run in parallel)" },
    visibilityTimeoutSeconds: { default: 30, min: 0, max: 43_200, description: "the source queue's visibility timeout, deliberately below the processing time" },
    staleDeleteRate: { default: 0.5, min: 0, max: 1, fraction: true, description: "share of deletes with a stale receipt handle SQS honours anyway (AWS: \"might not be deleted\"; the rate is an assumption)" },
};

function horizon(s: { maxReceiveCount: number }, p: Record<string, ParamValue>): number {
    return (s.maxReceiveCount + 2) * Number(p.visibilityTimeoutSeconds) + Math.ceil(Number(p.processingMs) / 1000) + 60;
}

function visibilityScenario(idempotent: boolean): Scenario<"queueWorker"> | Scenario<"idempotentConsumer"> {
    const run: Scenario<"idempotentConsumer">["run"] = async (lab, settings, params, go) => {
        const messages = Number(params.messages);
        const effects = new Effects();
        const name = idempotent ? "idempotent-message-id" : "queue-worker";
        const queues = consumerQueues(lab, name, settings, { visibilityTimeoutSeconds: Number(params.visibilityTimeoutSeconds), staleDeleteRate: Number(params.staleDeleteRate) });
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
        const esm = mapping(lab, `${name}-fn`, queues.queue, handler, settings);
        queueGauges(lab, queues, esm);
        const orderIds = Array.from({ length: messages }, (_, i) => `order-${String(i + 1).padStart(5, "0")}`);
        orderIds.forEach((orderId, i) => queues.queue.send(JSON.stringify({ orderId, amount: 20 + i })));
        await go();
        const c = conservation(orderIds, orderLocator(effects, [queues.dlq], [bodiesOf(queues.queue)]));
        const receives = queues.queue.counts.received / messages;
        const processedInDlq = [...queues.dlq.messages()].length;
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
        ];
        return {
            conservation: c,
            measures: {
                "messages sent": messages,
                "visibility timeout (s)": Number(params.visibilityTimeoutSeconds),
                "processing time (s)": Number(params.processingMs) / 1000,
                "receives per message": Math.round(receives * 100) / 100,
                "side effects": effects.total,
                "duplicates processed": effects.duplicates,
                "stale deletes": queues.queue.counts.staleDeletes,
                "stale deletes that deleted": queues.queue.counts.staleDeletesApplied,
                "messages in the DLQ": queues.dlq.size,
                "idempotency conflicts (in progress elsewhere)": conflicts(),
                "max concurrent invocations": esm.stats.maxConcurrent,
            },
            expectations,
            explanation: idempotent
                ? `Each message came back after ${params.visibilityTimeoutSeconds} s while its first invocation still had ${Number(params.processingMs) / 1000 - Number(params.visibilityTimeoutSeconds)} s to go. `
                + `The second invocation's conditional put found the key INPROGRESS (${conflicts()} conflicts), reported the records as batch item failures, and the next receive `
                + `found them COMPLETED and deleted them: ${effects.total} side effects for ${messages} orders, ${receives.toFixed(1)} receives each.`
                : `Each message came back after ${params.visibilityTimeoutSeconds} s while its invocation still had ${Number(params.processingMs) / 1000 - Number(params.visibilityTimeoutSeconds)} s to go, `
                + `so a second invocation processed it too; the first invocation's delete then carried a stale receipt handle (${queues.queue.counts.staleDeletes} stale deletes, `
                + `${queues.queue.counts.staleDeletesApplied} of which SQS honoured in this run: AWS says the request succeeds "but the message might not be deleted"). `
                + `This repeated on every receive: ${effects.total} side effects for ${messages} orders, and ${processedInDlq} processed messages no delete removed reached the DLQ.`,
        };
    };
    const base = {
        awsRule: AWS_RULE,
        params: PARAMS,
        horizonSeconds: horizon,
        faultStartSeconds: () => 0, // the too-short visibility timeout is there from the start
        run,
    };
    return idempotent
        ? { ...base, name: "visibility-timeout-idempotent", title: "Visibility timeout shorter than processing, with the idempotent consumer", pattern: "idempotentConsumer", settings: { functionTimeoutSeconds: 60 } }
        : { ...base, name: "visibility-timeout", title: "Visibility timeout shorter than processing", pattern: "queueWorker", settings: { functionTimeoutSeconds: 60 }, run: run as unknown as Scenario<"queueWorker">["run"] };
}

export const VISIBILITY_TIMEOUT = visibilityScenario(false);
export const VISIBILITY_TIMEOUT_IDEMPOTENT = visibilityScenario(true);
