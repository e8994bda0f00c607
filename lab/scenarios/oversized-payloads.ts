// Orders at SNS's size limits: the real fan-out producer publishes large orders (40 KB: ten of them are more than one
// PublishBatch may carry) and a few too large for SNS at all, to the lab's topic, which refuses what SNS refuses;
// the stack's subscribers consume what was published.
import { createHandler as createFanOutProducer } from "../../functions/fan-out-producer";
import { bytes, messageSize, SNS_DEFAULT_MAX_MESSAGE_BYTES } from "../../functions/shared/aws-limits";
import { Order } from "../../functions/shared/order";
import { UnsentEntriesError } from "../../functions/shared/send-batches";
import { DEFAULT_SUBSCRIBERS } from "../../patterns/fan-out/subscribers";
import { conservation, Effects } from "../harness";
import { Scenario } from "../scenario";
import { simulatedSnsClient } from "../sim/clients";
import { lambdaContext } from "../sim/esm";
import { SimTopic } from "../sim/sns";
import { bodiesOf, countingStep, mapping, orderLocator, queueWorker, subscribedQueues } from "./common";
import { PublishBatchCommand, SNSClient } from "@aws-sdk/client-sns";

export const OVERSIZED_PAYLOADS: Scenario<"fanOut"> = {
    name: "oversized-payloads",
    healthy: { tooLargeOrders: "0" },
    title: "Orders at SNS's size limits: batches split by bytes, an order too large refused by name",
    pattern: "fanOut",
    awsRule: "SNS counts a message's body and every attribute's name, type and value against the topic's MaximumMessageSize (default 262,144 bytes; "
        + "up to 1 MiB only on a topic with at most 100 subscriptions, all SQS, Lambda or Firehose), and PublishBatch takes at most 10 messages whose sizes add "
        + "up to no more than that: a call over it fails whole with BatchRequestTooLongException (SNS API reference, PublishBatch, MessageAttributeValue, "
        + "SetTopicAttributes). The producer packs each call within both limits and refuses an order too large alone, naming it, while its batch-mates go.",
    params: {
        orders: { default: 40, min: 1, max: 10_000, description: "orders published, 10 per producer invoke" },
        orderBytes: { default: 40_000, min: 0, max: 200_000, description: "bytes of padding on every order (ten orders of 40,000 are more than one PublishBatch takes; one still fits SNS alone)" },
        tooLargeOrders: { default: 2, min: 0, max: 100, description: "orders of 300,000 bytes, too large for SNS on their own (one per invoke, from the first)" },
    },
    horizonSeconds: () => 10,
    faultStartSeconds: () => null, // an order refused at the producer is reported to its caller; no alarm of the stack is about it
    check: (_s, p) => (Number(p.tooLargeOrders) > Math.ceil(Number(p.orders) / 10) ? `tooLargeOrders=${p.tooLargeOrders} is more than the invokes (orders / 10 = ${Math.ceil(Number(p.orders) / 10)}): allowed at most one per invoke` : undefined),
    async run(run, settings, params, go) {
        const n = Number(params.orders);
        const topic = new SimTopic(run.clock, "fan-out-topic", { cloudwatch: run.cloudwatch, billing: run.billing });
        run.alarms.topic("fan-out-topic", topic);
        const subscribers = DEFAULT_SUBSCRIBERS.map((s) => {
            const effects = new Effects();
            const queues = subscribedQueues(run, topic, s.name, settings, {
                filterPolicy: s.filterPolicy, filterPolicyScope: s.filterPolicyScope, rawMessageDelivery: s.rawMessageDelivery ?? settings.rawMessageDelivery,
            });
            const fn = `${s.name}-fn`;
            mapping(run, fn, queues.queue, () => queueWorker(run, fn, queues, settings, countingStep(run, effects, { processingMs: 50 })), settings);
            return { subscriber: s, effects, queues, filtered: new Set<string>() };
        });
        for (const s of subscribers) s.queues.subscription.onFiltered = (message) => s.filtered.add(JSON.parse(message).orderId);
        // Every order padded; the first order of each of the first `tooLargeOrders` invokes too large for SNS.
        const list: (Order & { note?: string })[] = Array.from({ length: n }, (_, i) => {
            const tooLarge = i % 10 === 0 && i / 10 < Number(params.tooLargeOrders);
            const padding = tooLarge ? 300_000 : Number(params.orderBytes);
            return { orderId: `order-${String(i + 1).padStart(5, "0")}`, amount: 50 + ((i * 37) % 200), region: i % 3 === 0 ? "us-east-1" : "eu-west-1", ...(padding > 0 ? { note: "x".repeat(padding) } : {}) };
        });
        const client = simulatedSnsClient(topic);
        const calls: { entries: number; bytes: number; refused?: string }[] = [];
        const spy = {
            send: async (command: PublishBatchCommand) => {
                const entries = command.input.PublishBatchRequestEntries ?? [];
                const call: (typeof calls)[number] = { entries: entries.length, bytes: entries.reduce((sum, e) => sum + messageSize(e.Message ?? "", e.MessageAttributes), 0) };
                calls.push(call);
                try {
                    return await client.send(command);
                } catch (error) {
                    call.refused = (error as Error).name;
                    throw error;
                }
            },
        } as unknown as SNSClient;
        const producer = createFanOutProducer({ client: spy, topicArn: topic.arn, logger: run.logger("fan-out-producer"), metrics: run.metrics("fan-out-producer") });
        const refused = new Map<string, string>();
        run.timeline.gauge("orders SNS received", () => topic.counts.published);
        for (const s of subscribers) run.timeline.gauge(`${s.subscriber.name} processed`, () => s.effects.units);
        // Named as a failure, so the chart draws it as one (red, dashed).
        run.timeline.gauge("orders the producer failed to send (too large)", () => refused.size);
        run.clock.at(0, async () => {
            for (let i = 0; i < list.length; i += 10) {
                try {
                    await producer({ orders: list.slice(i, i + 10), correlationId: `lab-publish-${i / 10 + 1}` }, lambdaContext("fan-out-producer", `publish-${i}`, () => 30_000));
                } catch (error) {
                    // The invoke's caller gets the error naming each order not sent: it is reported, not lost.
                    if (!(error instanceof UnsentEntriesError)) throw error;
                    for (const f of error.failures) refused.set(f.id, `${f.code}: ${f.message}`);
                }
            }
        });
        await go();
        // What one call of an invoke's ten orders meets, as the producer sent them before it split by size; probed only
        // when the ten are over the topic's limit (refused whole, so nothing is published twice).
        const first = list.slice(0, 10).map((o, i) => ({ Id: String(i), Message: JSON.stringify({ type: "order.placed", ...o, correlationId: "lab-publish-1" }), MessageAttributes: { correlationId: { DataType: "String", StringValue: "lab-publish-1" } } }));
        let oneCall = "fits one call";
        if (first.reduce((sum, e) => sum + messageSize(e.Message, e.MessageAttributes), 0) > topic.maximumMessageSize) {
            const before = topic.counts.published;
            oneCall = await client.send(new PublishBatchCommand({ TopicArn: topic.arn, PublishBatchRequestEntries: first })).then(() => "accepted", (error: Error) => error.name);
            if (topic.counts.published !== before) throw new Error("oversized-payloads: the probe call published");
        }
        const tooLarge = list.filter((o) => (o.note?.length ?? 0) === 300_000).map((o) => o.orderId);
        const published = list.filter((o) => !refused.has(o.orderId));
        // Conservation counts what entered SNS: each subscriber's copy of each published order.
        const units = subscribers.flatMap((s) => published.map((o) => `${s.subscriber.name}/${o.orderId}`));
        const locators = new Map(subscribers.map((s) => [s.subscriber.name, orderLocator(s.effects, [s.queues.dlq, s.queues.deliveryDlq], [bodiesOf(s.queues.queue)], (id) => s.filtered.has(id))]));
        const audit = subscribers.find((s) => s.subscriber.name === "audit")!;
        const largest = Math.max(0, ...calls.map((c) => c.bytes));
        return {
            conservation: conservation(units, (u) => locators.get(u.slice(0, u.indexOf("/")))!(u.slice(u.indexOf("/") + 1))),
            messages: topic.counts.published,
            measures: {
                "orders": n,
                "published": topic.counts.published,
                "refused by the producer": refused.size,
                "PublishBatch calls": calls.length,
                "largest call (bytes)": largest,
                "calls SNS refused whole": calls.filter((c) => c.refused).length,
                "one call of the first invoke's ten orders": oneCall,
                "audit: processed": audit.effects.units,
            },
            expectations: [
                { claim: "every order is published or named by the producer as too large for SNS, none both, none neither", holds: refused.size + topic.counts.published === n && [...refused.keys()].every((id) => tooLarge.includes(id)) && tooLarge.every((id) => refused.has(id)) },
                { claim: `no PublishBatch call is refused whole: each carries at most 10 messages and ${bytes(SNS_DEFAULT_MAX_MESSAGE_BYTES)} bytes, attributes counted`, holds: calls.every((c) => !c.refused && c.entries <= 10 && c.bytes <= SNS_DEFAULT_MAX_MESSAGE_BYTES) },
                { claim: "an order refused for its size does not take its batch-mates with it: audit processes every published order", holds: audit.effects.units === published.length },
                { claim: "each refusal names the order and SNS's limit", holds: [...refused.values()].every((m) => m.startsWith("EntryTooLarge:") && m.includes(bytes(SNS_DEFAULT_MAX_MESSAGE_BYTES))) },
            ],
            explanation: `${n} orders in invokes of 10, each padded by ${bytes(Number(params.orderBytes))} bytes: the orders of one invoke can be more than one PublishBatch may carry `
                + `(SNS's ${bytes(SNS_DEFAULT_MAX_MESSAGE_BYTES)}-byte aggregate, attributes counted), so the producer made ${calls.length} calls for ${Math.ceil(n / 10)} invokes, the largest ${bytes(largest)} bytes, and SNS refused none. `
                + `${refused.size} order${refused.size === 1 ? " was" : "s were"} over ${bytes(SNS_DEFAULT_MAX_MESSAGE_BYTES)} bytes alone: the producer did not send ${refused.size === 1 ? "it" : "them"}, named ${refused.size === 1 ? "it" : "each"} in the invoke's error with the limit, and published the other orders of the same invoke. `
                + (oneCall === "fits one call" ? "The ten orders of an invoke fit one call here." : `The first invoke's ten orders sent in one call, as the producer did before it split by size, meet ${oneCall}: the whole invoke fails, an order too large taking its batch-mates down with it.`),
        };
    },
};
