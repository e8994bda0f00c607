// A handler that sends to its own queue: a business step that "reschedules" an order it cannot finish yet by sending
// it back to the queue that invoked it. Every send carries Lambda's recursion metadata one step further; after about
// 16 invocations of one chain Lambda stops the next one, and for an SQS source the message returns until SQS moves it
// to the DLQ ("Use Lambda recursive loop detection to prevent infinite loops").
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { recommendedVisibilityTimeout } from "../../patterns/config";
import { conservation, Effects } from "../harness";
import { Scenario } from "../scenario";
import { simulatedSqsClient } from "../sim/clients";
import { RECURSION_LIMIT } from "../sim/esm";
import { bodiesOf, consumerQueues, countingStep, DLQ_ALARM_SLACK_SECONDS, mapping, metricSum, orderLocator, queueGauges, queueWorker } from "./common";

export const RECURSIVE_REQUEUE: Scenario<"queueWorker"> = {
    name: "recursive-requeue",
    title: "A handler that sends to its own queue, stopped by Lambda's recursive loop detection",
    pattern: "queueWorker",
    awsRule: `Lambda tracks how many times an event has invoked a function through the metadata supported SDKs update when the function sends it on; "if your function `
        + `is invoked approximately 16 times in the same chain of requests, then Lambda automatically stops the next function invocation". For an SQS source it `
        + `returns a RecursiveInvocationException to the event source mapping, which "increments the receiveCount value on the message", and keeps blocking until SQS `
        + `sends the message to the queue's dead-letter queue; RecursiveInvocationsDropped counts each stopped invocation. With recursiveLoop Allow nothing stops the loop `
        + `(AWS Lambda developer guide, "Use Lambda recursive loop detection to prevent infinite loops").`,
    // One record per invocation: each invocation is one chain, as AWS documents it (a batch mixing chains is judged by its deepest record, an assumption).
    settings: { batchSize: 1 },
    assumes: (p) => (p.recursiveLoop === "Allow" ? [] : [{
        name: "RECURSION_LIMIT", value: `Lambda stops exactly the ${RECURSION_LIMIT + 1}th invocation of a chain (AWS: "approximately 16 times")`,
        figures: "invocations per chain, and when each dropped message reaches the DLQ",
    }]),
    params: {
        orders: { default: 20, min: 1, max: 10_000, description: "orders sent to the queue" },
        requeueEvery: { default: 4, min: 1, max: 10_000, description: "every n-th order is one the business step sends back to its own queue (the bug)" },
        recursiveLoop: { default: "Terminate", choices: ["Terminate", "Allow"], description: "the function's FunctionRecursionConfig (the stack deploys Terminate)" },
    },
    // Terminate: until every stopped message is in the DLQ and its alarm had time; Allow: 5 minutes of a loop that never ends.
    horizonSeconds: (s, p) => (p.recursiveLoop === "Allow" ? 300 : (s.maxReceiveCount + 2) * (s.visibilityTimeoutSeconds ?? recommendedVisibilityTimeout(s)) + DLQ_ALARM_SLACK_SECONDS),
    faultStartSeconds: () => 0,
    async run(run, settings, params, go) {
        const orders = Number(params.orders);
        const every = Number(params.requeueEvery);
        const terminate = params.recursiveLoop === "Terminate";
        const effects = new Effects();
        const queues = consumerQueues(run, "queue-worker", settings);
        const loopingIds = new Set<string>();
        const invocationsPerOrder = new Map<string, number>();
        const finish = countingStep(run, effects, { processingMs: 50 });
        const esm = mapping(run, "queue-worker-fn", queues.queue, (trace) => {
            // The function's own SQS client: its sends carry this environment's recursion metadata, as the SDK's do.
            const sqs = simulatedSqsClient([queues.queue], trace);
            return queueWorker(run, "queue-worker-fn", queues, settings, async (order, logger) => {
                invocationsPerOrder.set(order.orderId, (invocationsPerOrder.get(order.orderId) ?? 0) + 1);
                if (!loopingIds.has(order.orderId)) return finish(order, logger);
                await run.clock.sleep(50);
                await sqs.send(new SendMessageCommand({ QueueUrl: queues.queue.url, MessageBody: JSON.stringify(order) }));
            });
        }, settings, { recursiveLoop: terminate ? "Terminate" : "Allow" });
        queueGauges(run, queues, esm);
        for (let i = 0; i < orders; i++) {
            const orderId = `order-${String(i + 1).padStart(5, "0")}`;
            if (i % every === every - 1) loopingIds.add(orderId);
            queues.queue.send(JSON.stringify({ orderId, amount: 10 + i }));
        }
        await go();
        const c = conservation([...Array(orders).keys()].map((i) => `order-${String(i + 1).padStart(5, "0")}`),
            orderLocator(effects, [queues.dlq], [bodiesOf(queues.queue)]));
        const looping = [...loopingIds];
        const chains = looping.map((id) => invocationsPerOrder.get(id) ?? 0);
        const dead = [...queues.dlq.messages()];
        const dropped = metricSum(run, "AWS/Lambda", "RecursiveInvocationsDropped", { FunctionName: "queue-worker-fn" });
        const others = orders - looping.length;
        return {
            conservation: c,
            measures: {
                "orders sent": orders,
                "orders the step sends back to its own queue": looping.length,
                "invocations per looping order (max; assumed limit)": Math.max(0, ...chains),
                "invocations stopped (RecursiveInvocationsDropped)": dropped,
                "looping orders in the source DLQ": dead.length,
                "other orders processed once": [...Array(orders).keys()].filter((i) => !loopingIds.has(`order-${String(i + 1).padStart(5, "0")}`) && effects.of(`order-${String(i + 1).padStart(5, "0")}`) === 1).length,
                "function invocations": esm.stats.invocations,
            },
            expectations: terminate ? [
                { claim: `each looping order invokes the function ${RECURSION_LIMIT} times (about 16, AWS), then Lambda stops the next invocation`, holds: chains.every((n) => n === RECURSION_LIMIT) },
                { claim: `the stopped message returns and is blocked on every receive until SQS moves it to the source queue's DLQ after maxReceiveCount (${settings.maxReceiveCount}) receives`,
                    holds: dead.length === looping.length && dead.every((m) => m.chain === RECURSION_LIMIT) && dropped === looping.length * settings.maxReceiveCount },
                { claim: "RecursiveInvocationsDropped raises the stack's recursion alarm", holds: run.alarms.evaluate(run.clock.now).some((a) => a.name === "queue-worker-fn-recursion-dropped" && a.firstAlarmSeconds !== null) },
                { claim: "the other orders are processed once: detection stops only the looping chains", holds: others === [...Array(orders).keys()].filter((i) => !loopingIds.has(`order-${String(i + 1).padStart(5, "0")}`) && effects.of(`order-${String(i + 1).padStart(5, "0")}`) === 1).length },
            ] : [
                { claim: "with recursiveLoop Allow nothing stops the loop: the looping orders are still in the queue at the end, and Lambda sends no RecursiveInvocationsDropped", holds: dropped === 0 && dead.length === 0 && c.inFlight === looping.length },
            ],
            explanation: terminate
                ? `${looping.length} of ${orders} orders were sent back to their own queue by the business step on every invocation. Each send carried the chain's count one further, `
                + `so after ${Math.max(0, ...chains)} invocations per chain Lambda stopped the next one (RecursiveInvocationException): the message came back after the visibility timeout, `
                + `was stopped again on each of its ${settings.maxReceiveCount} receives (${dropped} RecursiveInvocationsDropped in all) and then SQS moved it to the source queue's DLQ, where the `
                + "order waits with its body intact for a fix and a redrive. The loop cost 16 invocations per order instead of running until someone noticed."
                : `With recursiveLoop Allow the ${looping.length} looping orders went round for the whole run (${esm.stats.invocations} invocations in all, ${Math.max(0, ...chains)} for one order) `
                + "and Lambda sent no RecursiveInvocationsDropped: the stack's recursion alarm cannot see it, only the invocations and the bill grow.",
        };
    },
};
