// A poison message in a batch. With ReportBatchItemFailures only it returns, and after maxReceiveCount receives
// SQS moves it to the DLQ. Without it the handler must fail the whole batch to keep the message, so its
// batch-mates are processed again on every receive and end in the DLQ with it.
import { conservation, Effects } from "../harness";
import { ParamValue, Scenario } from "../scenario";
import { recommendedVisibilityTimeout } from "../../patterns/config";
import { bodiesOf, consumerQueues, countingStep, DLQ_ALARM_SLACK_SECONDS, mapping, orderLocator, queueGauges, queueWorker, seconds } from "./common";
import type { SQSBatchResponse } from "aws-lambda";
import { SqsHandler } from "../sim/esm";

function poisonScenario(reportBatchItemFailures: boolean): Scenario<"queueWorker"> {
    return {
        name: reportBatchItemFailures ? "poison-message" : "poison-message-whole-batch",
        healthy: { poisonMessages: "0" },
        title: reportBatchItemFailures ? "A poison message with partial batch responses" : "A poison message without partial batch responses",
        pattern: "queueWorker",
        awsRule: "SQS moves a message to the DLQ once its receive count exceeds maxReceiveCount (SQS developer guide, dead-letter queues). "
            + "With ReportBatchItemFailures Lambda returns only the listed records to the queue; without it a failed invocation returns the whole batch "
            + "(Lambda developer guide, services-sqs-errorhandling).",
        params: {
            messages: { default: 10, min: 1, max: 100_000, description: "messages sent at once, the poison ones included" },
            poisonMessages: { default: 1, min: 0, max: 100_000, description: "messages whose processing always crashes" },
            processingMs: { default: 200, min: 0, max: 900_000, description: "virtual time one order takes" },
        },
        horizonSeconds: (s) => (s.maxReceiveCount + 1) * (s.visibilityTimeoutSeconds ?? recommendedVisibilityTimeout(s)) + DLQ_ALARM_SLACK_SECONDS,
        faultStartSeconds: (_s, p) => (Number(p.poisonMessages) > 0 ? 0 : null),
        check: (_s, p) => (Number(p.poisonMessages) > Number(p.messages)
            ? `poisonMessages=${p.poisonMessages} is more than messages=${p.messages}: allowed at most as many poison messages as messages` : undefined),
        async run(run, settings, params: Record<string, ParamValue>, go) {
            const messages = Number(params.messages);
            const poison = Number(params.poisonMessages);
            const effects = new Effects();
            const queues = consumerQueues(run, "queue-worker", settings);
            const step = countingStep(run, effects, { processingMs: Number(params.processingMs) });
            const handler = (): SqsHandler => {
                const worker = queueWorker(run, "queue-worker-fn", queues, settings, step);
                // Without partial batch responses a handler can keep a failed record only by failing the whole invocation.
                return reportBatchItemFailures ? worker : async (event, context) => {
                    const response = (await worker(event, context)) as SQSBatchResponse;
                    if (response.batchItemFailures.length > 0) throw new Error(`${response.batchItemFailures.length} of ${event.Records.length} records failed`);
                    return response;
                };
            };
            const esm = mapping(run, "queue-worker-fn", queues.queue, handler, settings, { reportBatchItemFailures });
            queueGauges(run, queues, esm);
            const orderIds: string[] = [];
            const poisonIds = new Set<string>();
            for (let i = 0; i < messages; i++) {
                const orderId = `order-${String(i + 1).padStart(5, "0")}`;
                orderIds.push(orderId);
                const isPoison = i < poison;
                if (isPoison) poisonIds.add(queues.queue.send(JSON.stringify({ orderId, amount: 10, simulate: "crash" })));
                else queues.queue.send(JSON.stringify({ orderId, amount: 10 + i }));
            }
            let poisonReceives = 0;
            let firstDeadLetterAt: number | undefined;
            queues.dlq.onArrival(() => { firstDeadLetterAt ??= run.clock.now; });
            const receive = queues.queue.receive.bind(queues.queue);
            queues.queue.receive = (max) => {
                const got = receive(max);
                for (const m of got) if (poisonIds.has(m.messageId)) poisonReceives++;
                return got;
            };
            await go();
            const good = messages - poison;
            const goodInDlq = [...queues.dlq.messages()].filter((m) => !poisonIds.has(m.messageId)).length;
            const c = conservation(orderIds, orderLocator(effects, [queues.dlq], [bodiesOf(queues.queue)]));
            const receivesPerPoison = poison > 0 ? poisonReceives / poison : 0;
            const duplicates = effects.duplicates;
            const expectations = reportBatchItemFailures ? [
                { claim: `each poison message is received exactly maxReceiveCount (${settings.maxReceiveCount}) times, then sits in the DLQ`, holds: poison === 0 || (receivesPerPoison === settings.maxReceiveCount && queues.dlq.size === poison) },
                { claim: "every other message is processed exactly once", holds: good === effects.units && duplicates === 0 },
            ] : [
                { claim: `each poison message is received exactly maxReceiveCount (${settings.maxReceiveCount}) times, then sits in the DLQ`, holds: poison === 0 || receivesPerPoison === settings.maxReceiveCount },
                { claim: "its batch-mates are processed again on every receive and end in the DLQ with it", holds: poison === 0 || (goodInDlq > 0 && duplicates > 0) },
            ];
            return {
                conservation: c,
                measures: {
                    "messages sent": messages,
                    "poison messages": poison,
                    "receives per poison message": receivesPerPoison,
                    "side effects": effects.total,
                    "duplicates processed": duplicates,
                    "good messages in the DLQ": goodInDlq,
                    "messages in the DLQ": queues.dlq.size,
                    "seconds until the first DLQ arrival": seconds(firstDeadLetterAt),
                    invocations: esm.stats.invocations,
                    "failed invocations": esm.stats.byOutcome.error,
                },
                expectations,
                explanation: reportBatchItemFailures
                    ? `The handler reported only the poison record as a batch item failure, so Lambda deleted the ${good} good records after their first invocation `
                    + `and only the poison message came back, once per visibility timeout (${queues.queue.options.visibilityTimeoutSeconds} s). After ${settings.maxReceiveCount} receives `
                    + `(maxReceiveCount) SQS moved it to the DLQ on the next receive attempt, ${seconds(firstDeadLetterAt)} s after it was sent: ${duplicates} duplicate side effects.`
                    : `Without ReportBatchItemFailures the handler had to throw to keep the poison record, and a thrown error returns the whole batch. `
                    + `Every receive reprocessed the good records (${duplicates} duplicate side effects) and none was ever deleted, so after ${settings.maxReceiveCount} receives `
                    + `SQS moved ${goodInDlq} good messages to the DLQ together with the poison one.`,
            };
        },
    };
}

export const POISON_MESSAGE = poisonScenario(true);
export const POISON_MESSAGE_WHOLE_BATCH = poisonScenario(false);
