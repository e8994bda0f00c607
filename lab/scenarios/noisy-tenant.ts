// One tenant bursts on a multi-tenant queue. Two queues take the same traffic: one whose producers send without a
// tenant key (every tenant waits behind the burst), and the stack's, whose producers set the tenant as MessageGroupId
// on the standard queue: a fair queue, where SQS serves the quiet tenants first while the noisy one's backlog drains.
import { conservation, Effects } from "../harness";
import { Scenario } from "../scenario";
import { FAIR_QUEUE, SimMessage } from "../sim/sqs";
import { bodiesOf, consumerQueues, countingStep, mapping, orderLocator, queueGauges, queueWorker, seconds } from "./common";

const NOISY = "tenant-a";
const QUIET = ["tenant-b", "tenant-c", "tenant-d"];
const TENANTS = [NOISY, ...QUIET];
type Lane = "without fair queues" | "with fair queues";

/** The nearest-rank percentile of `values` (ms), in seconds with one decimal. */
function percentile(values: number[], p: number): number {
    if (values.length === 0) return NaN;
    const sorted = [...values].sort((a, b) => a - b);
    return seconds(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
}

export const NOISY_TENANT: Scenario<"queueWorker"> = {
    name: "noisy-tenant",
    title: "One tenant bursts: each tenant's time in the queue with and without fair queues",
    pattern: "queueWorker",
    awsRule: "On a standard queue, a MessageGroupId makes the queue a fair queue: SQS marks a tenant noisy when it holds more than 10 % of the queue's in-flight "
        + "messages and at least 30 of its own, then hands consumers the quiet tenants' messages whenever any wait; the noisy tenant's messages are neither dropped nor "
        + "throttled, they wait, and it stops being noisy when its backlog is used up or it sent nothing for 5 minutes (SQS developer guide, \"Amazon SQS fair queues\", "
        + "\"How Amazon SQS fair queues work\"). ApproximateNumberOfNoisyGroups counts the noisy tenants (\"Available CloudWatch metrics for Amazon SQS\").",
    params: {
        quietRatePerSecond: { default: 2, min: 1, max: 100, description: "orders a second from each of the three quiet tenants, the whole run" },
        burstRatePerSecond: { default: 60, min: 1, max: 1000, description: "orders a second from tenant-a during its burst" },
        burstStartSeconds: { default: 60, min: 0, max: 3600, description: "when tenant-a's burst starts" },
        burstSeconds: { default: 150, min: 1, max: 3600, description: "how long the burst lasts" },
        trafficSeconds: { default: 300, min: 60, max: 7200, description: "how long the quiet tenants keep sending" },
        processingMs: { default: 1000, min: 0, max: 60_000, description: "virtual time one order takes" },
    },
    // A consumer of 4 concurrent batches (about 39 orders a second) that the quiet tenants' 6 a second never fill and the burst does.
    settings: { maximumConcurrency: 4 },
    assumes: [{
        name: "FAIR_QUEUE", value: "a noisy tenant becomes quiet again once its in-flight count falls to the largest quiet tenant's (AWS: \"comparable levels\"); the processing-time share rule is not modelled (AWS names no window)",
        figures: "the with-fair-queues times in the queue, the noisy minutes and the noisy-groups alarm's times", detection: true,
    }],
    horizonSeconds: (_s, p) => Math.max(Number(p.trafficSeconds), Number(p.burstStartSeconds) + Number(p.burstSeconds)) + 900,
    faultStartSeconds: (_s, p) => Number(p.burstStartSeconds),
    faultEndSeconds: (_s, p) => Number(p.burstStartSeconds) + Number(p.burstSeconds),
    async run(run, settings, params, go) {
        const quietRate = Number(params.quietRatePerSecond);
        const burstRate = Number(params.burstRatePerSecond);
        const burstFrom = Number(params.burstStartSeconds) * 1000;
        const burstUntil = burstFrom + Number(params.burstSeconds) * 1000;
        const trafficUntil = Number(params.trafficSeconds) * 1000;
        // The order schedule, the same for both queues: [time, tenant].
        const orders: [number, string][] = [];
        for (const tenant of QUIET) for (let t = 0; t < trafficUntil; t += 1000 / quietRate) orders.push([Math.round(t), tenant]);
        for (let t = burstFrom; t < burstUntil; t += 1000 / burstRate) orders.push([Math.round(t), NOISY]);
        orders.sort((a, b) => a[0] - b[0]);
        const lanes = (["with fair queues", "without fair queues"] as Lane[]).map((lane) => {
            const fair = lane === "with fair queues";
            const name = fair ? "queue-worker" : "queue-worker-no-tenant-key";
            const effects = new Effects();
            const queues = consumerQueues(run, name, settings, { alarms: fair });
            const step = countingStep(run, effects, { processingMs: Number(params.processingMs) });
            const esm = mapping(run, `${name}-fn`, queues.queue, () => queueWorker(run, `${name}-fn`, queues, settings, step), settings, { alarms: fair });
            const tenantOf = new Map<string, string>();
            const dwell = new Map<string, number[]>(TENANTS.map((t) => [t, []]));
            const receive = queues.queue.receive.bind(queues.queue);
            queues.queue.receive = (max: number): SimMessage[] => {
                const got = receive(max);
                for (const m of got) if (m.receiveCount === 1) dwell.get(tenantOf.get(m.messageId)!)!.push(run.clock.now - m.sentAt);
                return got;
            };
            const ids = orders.map((_, i) => `${fair ? "order" : "plain-order"}-${String(i + 1).padStart(7, "0")}`);
            orders.forEach(([at, tenant], i) => run.clock.at(at, () => {
                const body = JSON.stringify({ orderId: ids[i], amount: 10 + (i % 90), tenantId: tenant });
                // The stack's producers set the tenant key as MessageGroupId; the other queue's do not.
                const id = queues.queue.send(body, fair ? { messageGroupId: tenant } : {});
                tenantOf.set(id, tenant);
            }));
            return { lane, fair, effects, queues, esm, dwell, ids };
        });
        const [withFair, without] = lanes;
        queueGauges(run, withFair.queues, withFair.esm);
        run.timeline.gauge("oldest message age", () => Math.round(withFair.queues.queue.oldestAgeMs / 1000), "seconds");
        run.timeline.gauge("oldest message age (no tenant key)", () => Math.round(without.queues.queue.oldestAgeMs / 1000), "seconds");
        await go();
        const locators = lanes.map((l) => orderLocator(l.effects, [l.queues.dlq], [bodiesOf(l.queues.queue)]));
        const c = conservation(lanes.flatMap((l) => l.ids), (id) => {
            for (const locate of locators) {
                const where = locate(id);
                if (where !== undefined) return where;
            }
            return undefined;
        });
        const p = (l: (typeof lanes)[number], tenant: string, q: number) => percentile(l.dwell.get(tenant)!, q);
        const quietP99 = (l: (typeof lanes)[number]) => Math.max(...QUIET.map((t) => p(l, t, 99)));
        const noisy = withFair.queues.queue.noisyGroups ?? { ever: [], peak: 0, now: [] };
        const noisyMinutes = [...(run.cloudwatch.find("AWS/SQS", "ApproximateNumberOfNoisyGroups", { QueueName: withFair.queues.queue.options.name })?.datapoints("Maximum").values() ?? [])].filter((v) => v > 0).length;
        const perTenant: Record<string, number> = {};
        for (const tenant of TENANTS) {
            for (const l of [without, withFair]) {
                perTenant[`${tenant}${tenant === NOISY ? " (bursts)" : ""}, ${l.lane}: p50 s in the queue`] = p(l, tenant, 50);
                perTenant[`${tenant}${tenant === NOISY ? " (bursts)" : ""}, ${l.lane}: p99 s in the queue`] = p(l, tenant, 99);
            }
        }
        const total = orders.length;
        return {
            conservation: c,
            measures: {
                "messages sent (each queue)": total,
                [`${NOISY} burst`]: `${burstRate}/s for ${params.burstSeconds} s from ${params.burstStartSeconds} s`,
                "quiet tenants": `${QUIET.join(", ")} at ${quietRate}/s each`,
                ...perTenant,
                "quiet tenants' worst p99 without fair queues (s)": quietP99(without),
                "quiet tenants' worst p99 with fair queues (s)": quietP99(withFair),
                "tenants SQS marked noisy": noisy.ever.join(", ") || "none",
                "minutes with a noisy tenant (ApproximateNumberOfNoisyGroups > 0)": noisyMinutes,
                "peak concurrent invocations": withFair.esm.stats.maxConcurrent,
                "messages in the DLQ": withFair.queues.dlq.size + without.queues.dlq.size,
            },
            expectations: [
                { claim: `SQS marks ${NOISY}, and only it, noisy (more than ${FAIR_QUEUE.noisyShare * 100} % of the in-flight messages and at least ${FAIR_QUEUE.noisyMinInFlight} of its own)`, holds: noisy.ever.length === 1 && noisy.ever[0] === NOISY },
                { claim: "with fair queues the quiet tenants' p99 time in the queue is lower than without, while the burst drains", holds: quietP99(withFair) < quietP99(without) },
                { claim: `${NOISY}'s messages are delayed, not dropped or throttled: its p99 is no lower with fair queues than without`, holds: p(withFair, NOISY, 99) >= p(without, NOISY, 99) },
                { claim: "ApproximateNumberOfNoisyGroups is above 0 in at least 2 minutes (the noisy-groups alarm's 2 of 3)", holds: noisyMinutes >= 2 },
                { claim: "in both queues every message is processed exactly once, none reaches the DLQ", holds: lanes.every((l) => l.effects.units === total && l.effects.duplicates === 0 && l.queues.dlq.size === 0) },
            ],
            explanation: `${NOISY} sent ${burstRate} orders a second for ${params.burstSeconds} s on top of ${QUIET.length} quiet tenants' ${quietRate} a second each, more than the consumer `
                + `(maximumConcurrency ${settings.maximumConcurrency ?? "provisioned"}, batches of ${settings.batchSize}) takes. Without a tenant key every tenant queued behind the burst: the quiet tenants' worst p99 was ${quietP99(without)} s. `
                + `With the tenant as MessageGroupId SQS saw ${NOISY} hold most of the in-flight messages, marked it noisy and served the quiet tenants first: their worst p99 was ${quietP99(withFair)} s, `
                + `while ${NOISY}'s own p99 went from ${p(without, NOISY, 99)} s to ${p(withFair, NOISY, 99)} s (its messages wait, none is dropped). ApproximateNumberOfNoisyGroups stayed above 0 for ${noisyMinutes} minutes, `
                + "which the stack's noisy-groups alarm (2 of 3 minutes) turns into a page naming the queue: the tenant is the one whose MessageGroupId fills the consumer's logs.",
        };
    },
};
