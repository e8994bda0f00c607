// Sweeps, charts and the HTML report: a sweep's point is the single run at that setting; charts and reports are
// deterministic and self-contained.
import { strict as assert } from "assert";
import { timelineChart, sweepChart } from "../lab/charts";
import { curatedJob } from "../lab/cli";
import { htmlReport } from "../lab/html";
import { findScenario, runScenario } from "../lab/runner";
import { numericMeasures, parseVary, runSweep, sweepTableMarkdown, sweepValues, TIME_TO_DETECT } from "../lab/sweep";
import { CURATED_SWEEPS } from "../lab/sweeps";
import { CONSUMER_DEFAULTS, recommendedVisibilityTimeout } from "../patterns/config";

describe("lab: sweeps, charts and the HTML report", () => {
    it("sweep: each point's min, median and max are those of the single runs at that value, one per seed", async () => {
        const scenario = findScenario("poison-message");
        const sweep = await runSweep(scenario, "maxReceiveCount", [1, 3], { seeds: 3, sets: { messages: "20", poisonMessages: "2" } });
        assert.deepEqual(sweep.points.map((p) => [p.value, p.seeds]), [[1, [1, 2, 3]], [3, [1, 2, 3]]]);
        for (const point of sweep.points) {
            const singles: Record<string, number>[] = [];
            for (const seed of point.seeds) singles.push(numericMeasures(await runScenario(scenario, { seed, sets: { messages: "20", poisonMessages: "2", maxReceiveCount: String(point.value) } })));
            for (const [name, summary] of Object.entries(point.measures)) {
                const values = singles.map((m) => m[name]).sort((a, b) => a - b);
                assert.deepEqual([summary.min, summary.median, summary.max], [values[0], values[1], values[2]], `${name} at ${point.value}`);
            }
        }
        // Each extra receive costs the poison message one visibility timeout (180 s) before the DLQ.
        assert.equal(sweep.points[1].measures["seconds until the first DLQ arrival"].median - sweep.points[0].measures["seconds until the first DLQ arrival"].median, 2 * 180);
        assert.ok(sweep.points[0].measures[TIME_TO_DETECT], "the time to detect is a measure of a fault scenario");
        assert.match(sweepTableMarkdown(sweep, ["receives per poison message"]), /^\| maxReceiveCount \| receives per poison message \|\n\|---:\|---:\|\n\| 1 \| 1 \|\n\| 3 \| 3 \|$/);
    });

    it("sweep: --vary spacing, whole numbers for integer keys, and refusals naming the key and what is allowed", () => {
        const poison = findScenario("poison-message");
        assert.deepEqual(sweepValues(poison, parseVary("maxReceiveCount=1..5")).values, [1, 2, 3, 4, 5]);
        assert.deepEqual(sweepValues(poison, parseVary("maxReceiveCount=1..100:4")).values, [1, 34, 67, 100]);
        assert.deepEqual(sweepValues(findScenario("producer-duplicates"), parseVary("producerRetryRate=0..0.5:6")).values, [0, 0.1, 0.2, 0.3, 0.4, 0.5]);
        assert.throws(() => parseVary("maxReceiveCount=5..1"), /from must be below to/);
        assert.throws(() => parseVary("maxReceiveCount=1..5:1"), /steps allowed 2–50/);
        assert.throws(() => sweepValues(poison, parseVary("nope=1..2")), /poison-message has no such key; allowed messages, /);
    });

    it("every curated sweep is valid at every point and names measures its scenario reports", async () => {
        for (const curated of CURATED_SWEEPS) {
            const job = curatedJob(curated); // validates every point, as the command does before running
            assert.ok(job.values.length >= 5, curated.name);
            assert.ok(curated.paragraph.length > 200 && /"[^"]+"/.test(curated.paragraph), `${curated.name}: a paragraph citing its AWS page`);
            const first = numericMeasures(await runScenario(job.scenario, { seed: 1, sets: { ...job.sets, [job.key]: String(job.values[0]) } }));
            for (const m of curated.measures) assert.ok(m in first, `${curated.name}: ${job.scenario.name} reports no measure ${m}`);
        }
    });

    it("charts and the HTML report are byte-identical across runs of one seed, one panel per unit, with no script and nothing fetched", async () => {
        const twice = [await runScenario(findScenario("transient-outage"), { sets: { ratePerSecond: "5" } }), await runScenario(findScenario("transient-outage"), { sets: { ratePerSecond: "5" } })];
        const [a, b] = await Promise.all(twice.map(timelineChart));
        assert.equal(a, b);
        assert.match(a, /^<svg /);
        for (const unit of ["messages", "invocations", "seconds"]) assert.ok(a.includes(`>${unit}</text>`), `a panel with the axis "${unit}"`);
        assert.ok(a.includes("fault injected") && a.includes("queue-worker-fn-errors in ALARM"), "the event strip shows the fault and the alarm");
        const sweep = await runSweep(findScenario("poison-message"), "maxReceiveCount", [1, 2], { seeds: 1 });
        const input = { title: "t", scenario: "poison-message", key: "maxReceiveCount", points: sweep.points, references: [{ at: 1.5, label: "a threshold" }] };
        const chart = await sweepChart(input, ["failed invocations"]);
        assert.equal(chart, await sweepChart(input, ["failed invocations"]));
        const reports = twice.map((r, i) => htmlReport([r], new Map([[r.scenario, [a, b][i]]]), [{ name: "s", title: "a sweep", paragraph: "p", result: sweep, measures: ["failed invocations"], svg: chart }]));
        assert.equal(reports[0], reports[1]);
        const html = reports[0];
        assert.ok(html.includes(`<section id="transient-outage">`) && html.includes(`<section id="sweep-s">`));
        assert.doesNotMatch(html, /<script|<link|\bsrc=|url\(|@import/i, "self-contained: nothing loaded from anywhere");
        assert.match(html, /\.chart svg \{ width: 100%; height: auto;/, "charts scale to the content width");
    });

    it("sweep charts: ticks at the values swept (whole numbers once each), and every reference the text names as a labelled rule on every panel", async () => {
        const points = [1, 2, 3, 4, 5, 6, 7, 8].map((value) => ({ value, measures: { "messages in the DLQ": { min: 0, median: 100 * (8 - value), max: 120 * (8 - value) }, "max receives of a message": { min: value, median: value, max: value } } }));
        const references = [{ at: 1 + 600 / 180, label: "(maxReceiveCount − 1) × 180 s = the 600 s outage" }, { at: 5, label: "AWS: at least 5" }];
        const svg = await sweepChart({ title: "t", scenario: "transient-outage", key: "maxReceiveCount", points, references }, ["messages in the DLQ", "max receives of a message"]);
        const xLabels = svg.split(/(?=<g class="mark-group role-axis")/).filter((g) => g.includes("aria-label=\"X-axis")).map((g) => [...g.matchAll(/>([^<>]+)<\/text>/g)].map((m) => m[1]).filter((t) => t !== "maxReceiveCount"));
        assert.equal(xLabels.length, 2);
        for (const labels of xLabels) assert.deepEqual(labels, ["1", "2", "3", "4", "5", "6", "7", "8"]);
        for (const r of references) assert.equal(svg.split(`>${r.label.replace(/>/g, "&gt;")}</text>`).length - 1, 2, `"${r.label}" on both panels`);
        assert.equal(svg.split(`aria-label="reference"`).length - 1, 4, "a rule per reference and panel");
        const fractional = await sweepChart({ title: "t", scenario: "producer-duplicates", key: "producerRetryRate", points: [0, 0.1, 0.2].map((value) => ({ value, measures: { "duplicates processed": { min: 1, median: 2, max: 3 } } })) }, ["duplicates processed"]);
        assert.ok([">0</text>", ">0.1</text>", ">0.2</text>"].every((t) => fractional.includes(t)), "a fractional knob ticks at its values");
    });

    it("the curated sweeps mark the thresholds their paragraphs name, where the scenario puts them", () => {
        const byName = (name: string) => CURATED_SWEEPS.find((c) => c.name === name)!;
        const visibility = byName("visibility-timeout-duplicates");
        const processing = Number(findScenario(visibility.scenario).params.processingMs.default) / 1000;
        assert.deepEqual(visibility.references?.map((r) => r.at), [processing]);
        assert.ok(visibility.paragraph.includes(`${processing} s`), "the paragraph talks about the processing time the rule marks");
        const survival = byName("max-receive-count-survival");
        const budget = survival.references!.find((r) => /outage/.test(r.label))!;
        assert.equal(budget.at, 1 + Number(survival.sets.outageSeconds) / recommendedVisibilityTimeout(CONSUMER_DEFAULTS), "(maxReceiveCount − 1) × visibility timeout = the outage, as transient-outage counts its retry budget");
        for (const c of CURATED_SWEEPS) {
            const { values } = curatedJob(c);
            for (const r of c.references ?? []) assert.ok(r.at >= values[0] && r.at <= values[values.length - 1] && r.label.length > 0, `${c.name}: ${r.label} at ${r.at} lies on the swept range`);
        }
    });
});
