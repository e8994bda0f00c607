// The lab's CloudWatch: how the stack's own alarm definitions are evaluated on per-minute datapoints. The lab's
// "detected after N s" is only as true as this evaluation, so it is pinned here on hand-made datapoints.
import { strict as assert } from "assert";
import { CloudWatch, evaluateAlarm, metricKey } from "../lab/sim/cloudwatch";
import { VirtualClock } from "../lab/sim/clock";
import { DLQ_DEPTH, RECORDS_RETRIED, RULE_RETRY_ATTEMPTS, topicDeliveriesLagging } from "../patterns/shared/alarm-definitions";

const MINUTE = 60_000;

describe("lab: CloudWatch alarm evaluation", () => {
    it("CloudWatch: M of N datapoints over a window that slides every minute, missing data not breaching; OK once fewer than M remain", () => {
        const cw = new CloudWatch(new VirtualClock());
        const key = metricKey(RECORDS_RETRIED, "worker");
        cw.count(key, 3, 0.5 * MINUTE); // minute 0
        cw.count(key, 1, 3.2 * MINUTE); // minute 3
        // 2 of 5: the second breaching minute (minute 3) closes at 240 s; minute 0 leaves the window after minute 5.
        const outcome = evaluateAlarm(cw, "worker-records-retried", RECORDS_RETRIED, "worker", 15 * MINUTE);
        assert.deepEqual([outcome.firstAlarmSeconds, outcome.okSeconds], [240, 360]);
        assert.equal(outcome.metricName, "RecordsRetried");

        // One breaching minute is never 2 of 5.
        const once = new CloudWatch(new VirtualClock());
        once.count(key, 50, 7 * MINUTE);
        assert.equal(evaluateAlarm(once, "w", RECORDS_RETRIED, "worker", 30 * MINUTE).firstAlarmSeconds, null);

        // 3 of 15 for EventBridge retries every 5 minutes (minutes 0 … 25): the alarm fires when minute 10 closes, stays
        // in ALARM while 3 retries fit in the window, and returns to OK when the window (minutes 16–30) holds two.
        const retries = new CloudWatch(new VirtualClock());
        const rkey = metricKey(RULE_RETRY_ATTEMPTS, "rule");
        for (const m of [0, 5, 10, 15, 20, 25]) retries.count(rkey, 1, m * MINUTE);
        const r = evaluateAlarm(retries, "r", RULE_RETRY_ATTEMPTS, "rule", 60 * MINUTE);
        assert.deepEqual([r.firstAlarmSeconds, r.okSeconds], [11 * 60, 31 * 60]);
    });

    it("CloudWatch: a gauge's datapoint is its maximum over the minute, so a message visible for a moment raises a depth alarm", () => {
        const clock = new VirtualClock();
        const cw = new CloudWatch(clock);
        let depth = 0;
        const key = metricKey(DLQ_DEPTH, "dlq");
        cw.gauge(key, () => depth);
        cw.advance(0, 2 * MINUTE); // empty through minute 1
        depth = 1;
        cw.advance(2 * MINUTE, 2 * MINUTE + 1_000); // one second in minute 2
        depth = 0;
        cw.advance(2 * MINUTE + 1_000, 5 * MINUTE);
        assert.deepEqual([...cw.datapoints(key)].slice(0, 4), [[0, 0], [1, 0], [2, 1], [3, 0]]);
        const outcome = evaluateAlarm(cw, "dlq-depth", DLQ_DEPTH, "dlq", 5 * MINUTE);
        assert.deepEqual([outcome.firstAlarmSeconds, outcome.okSeconds], [180, 240]);
    });

    it("CloudWatch: deliveries-lagging metric math stays OK while every copy is delivered or filtered out, and fires after two 5-minute periods of one subscriber failing", () => {
        const lagging = topicDeliveriesLagging(3);
        const run = (deliveredPerMessage: number) => {
            const cw = new CloudWatch(new VirtualClock());
            for (let s = 0; s < 20 * 60; s += 10) {
                const at = s * 1000;
                cw.count(metricKey(lagging.math!.metrics.published, "topic"), 1, at);
                cw.count(metricKey(lagging.math!.metrics.delivered, "topic"), deliveredPerMessage, at);
                cw.count(metricKey(lagging.math!.metrics.filtered, "topic"), 3 - deliveredPerMessage - (deliveredPerMessage < 3 ? 1 : 0), at);
            }
            return evaluateAlarm(cw, "topic-deliveries-lagging", lagging, "topic", 20 * MINUTE);
        };
        assert.equal(run(3).firstAlarmSeconds, null);
        const failing = run(1); // 1 delivered, 1 filtered out, 1 neither: a third of the copies lag
        assert.equal(failing.firstAlarmSeconds, 600);
        assert.equal(failing.metricName, null);
        assert.match(failing.expression!, /published = NumberOfMessagesPublished \(Sum\)/);
    });
});
