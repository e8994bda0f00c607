// One self-contained HTML report of a lab run: a summary of what the lab found, then a section per scenario (what it
// shows, parameters, outcomes, measures, expectations, detection, the AWS rule, its chart), then the sweeps. No
// scripts, fonts or styles from anywhere: the charts are inline SVG and the styles inline, so it works offline and
// prints one section per page.
import { dollars } from "./cost/billing";
import { PRICE_REGION, PRICE_TABLE_DATE } from "./cost/prices";
import { costAssumes, faultExtra } from "./cost/report";
import { alarmTimes, conservationLine, eventLogRows, formatDuration, timeToDetect } from "./report";
import type { ScenarioResult } from "./scenario";
import { cellText, SweepResult } from "./sweep";

export interface ReportSweep {
    name: string;
    title: string;
    paragraph: string;
    result: SweepResult;
    measures: string[];
    svg: string;
}

const esc = (s: unknown) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

// The report uses the page's width: charts scale to the content width (their SVGs carry a viewBox), prose keeps a
// readable measure, and print gives each section its own page with charts no wider than the paper.
const STYLE = `
:root { --ink: #1d2733; --muted: #5b6775; --line: #d9dee4; --ok: #2e7d32; --bad: #b8231f; --fault: #fbe9e9; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 Helvetica, Arial, sans-serif; color: var(--ink); background: #f6f7f9; }
header { background: #1d2733; color: #fff; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 0; color: #c9d1da; }
main { max-width: 1600px; margin: 0 auto; padding: 16px 24px 48px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 16px 20px; margin: 16px 0; }
section > p, section > ul { max-width: 110ch; }
h2 { font-size: 19px; margin: 0 0 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.nowrap { white-space: nowrap; }
.ok { color: var(--ok); } .bad { color: var(--bad); font-weight: 600; }
.tag { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; background: #e8edf2; color: var(--muted); }
.chart { margin: 12px 0 0; }
.chart svg { width: 100%; height: auto; display: block; }
nav a { margin-right: 10px; white-space: nowrap; }
.rule { color: var(--muted); font-size: 14px; }
@page { margin: 14mm 12mm; }
@media print {
  body { background: #fff; font-size: 11pt; }
  header { background: #fff; color: #000; padding: 0 0 8px; } header p { color: #333; }
  main { max-width: none; padding: 0; }
  section { break-inside: auto; page-break-before: always; border: none; padding: 0; margin: 0; }
  section.summary { page-break-before: auto; }
  .chart { break-inside: avoid; page-break-inside: avoid; }
  .chart svg { max-height: 240mm; }
  table { font-size: 9pt; } tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
`;

function detectionCell(r: ScenarioResult): string {
    if (r.faultStartSeconds === null) {
        const fired = r.alarms.filter((a) => a.firstAlarmSeconds !== null);
        return fired.length === 0 ? `<span class="ok">no alarm (none expected)</span>` : `<span class="bad">${fired.length} alarm(s) fired with no fault</span>`;
    }
    const text = timeToDetect(r);
    return text.startsWith("not detected") ? `<span class="bad">${esc(text)}</span>` : esc(text);
}

function summary(results: ScenarioResult[], sweeps: ReportSweep[]): string {
    const rows = results.map((r) => {
        const shown = r.expectations.every((e) => e.holds);
        return `<tr><td><a href="#${esc(r.scenario)}">${esc(r.scenario)}</a><br><span class="rule">${esc(r.title)}</span></td>`
            + `<td class="nowrap">${r.faultStartSeconds === null ? "none" : `from ${esc(formatDuration(r.faultStartSeconds))}`}</td>`
            + `<td>${detectionCell(r)}</td>`
            + `<td class="${r.conservation.holds ? "ok" : "bad"}">${r.conservation.holds ? "✔ nothing lost" : `✘ ${r.conservation.lost.length} lost`}</td>`
            + `<td class="${shown ? "ok" : "bad"}">${shown ? "✔ all shown" : "✘ not shown"}</td>`
            + `<td class="num">${costCell(r)}</td></tr>`;
    }).join("\n");
    const sweepLinks = sweeps.length === 0 ? "" : `<h3>Sweeps</h3><nav>${sweeps.map((s) => `<a href="#sweep-${esc(s.name)}">${esc(s.title)}</a>`).join(" ")}</nav>`;
    return `<section class="summary" id="summary"><h2>What the lab found</h2>
<p class="rule">Each scenario replays AWS's documented delivery semantics in virtual time against the project's real handlers, and evaluates the stack's own alarms on the simulated CloudWatch metrics.</p>
<table><thead><tr><th>scenario</th><th>fault</th><th>detection (the stack's alarms)</th><th>conservation</th><th>documented outcome</th><th>cost per million messages</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p class="rule">Cost: what each run would cost on AWS at ${esc(PRICE_REGION)} list prices read ${esc(PRICE_TABLE_DATE)} (lab/cost/prices.ts), before the free tier; † marks a figure part of which follows from an assumption, named in the scenario's cost table; "fault +$x" is what the fault added per million messages over the same run with the fault off. Fixed monthly costs (alarms, the KMS key, the dashboard) are in each pattern's README.</p>${sweepLinks}</section>`;
}

/** The summary's cost cell: per million messages, the extra over the pattern's baseline, † if it assumes something. */
function costCell(r: ScenarioResult): string {
    const c = r.cost;
    const f = c.fault;
    const extra = f ? `<br><span class="rule">fault ${f.extraPerMillionUsd < 0 ? "−" : "+"}${esc(dollars(Math.abs(f.extraPerMillionUsd)))}</span>` : "";
    return `${esc(dollars(c.perMillionMessagesUsd))}${c.assumptions.length > 0 ? "†" : ""}${extra}`;
}

function costSection(r: ScenarioResult): string {
    const c = r.cost;
    const rows = c.lines.map((l) => `<tr><td>${esc(l.service)}</td><td>${esc(l.resource)}</td><td>${esc(l.price)}</td><td class="num">${esc(l.quantity.toLocaleString("en-US"))} ${esc(l.unit)}</td><td class="num">${esc(dollars(l.usd))}</td><td>${esc((l.assumes ?? []).join(", "))}</td></tr>`).join("");
    const extra = faultExtra(c);
    const assumed = c.assumptions.map((a) => `<li>${esc(a.name)}: ${esc(a.value)}</li>`).join("");
    return `<h3>Cost</h3><p>${esc(dollars(c.totalUsd))} for ${esc(c.messages.toLocaleString("en-US"))} messages: ${esc(dollars(c.perMillionMessagesUsd))} per million${esc(costAssumes(c))}.${extra ? ` ${esc(extra)}.` : ""}</p>
<table><thead><tr><th>service</th><th>resource</th><th>price</th><th>used</th><th>cost</th><th>assumes</th></tr></thead><tbody>${rows}</tbody></table>${assumed ? `<ul class="rule">${assumed}</ul>` : ""}`;
}

/** When an alarm was in ALARM: every span, as the chart's event strip draws them. */
/** Every span in ALARM; the first with the times the report prints, each marked with the assumed values it follows from. */
function alarmState(a: ScenarioResult["alarms"][number], faultStartSeconds: number | null): string {
    if (a.inAlarm.length === 0) return `<span class="ok">stays OK</span>`;
    const span = (s: { fromSeconds: number; toSeconds: number | null }) => `${esc(formatDuration(s.fromSeconds))}${s.toSeconds === null ? "" : `, OK at ${esc(formatDuration(s.toSeconds))}`}`;
    const [, ...again] = a.inAlarm;
    return `<span class="bad">${esc(alarmTimes(a, faultStartSeconds))}</span>${again.length === 0 ? "" : `; ALARM again at ${again.map(span).join("; at ")}`}`;
}

/** One event's path as the bus logged it: record types in order (repeats folded), then every type's count over the run. */
function eventLogSection(r: ScenarioResult): string {
    const log = r.eventLog;
    if (!log) return "";
    const start = log.records[0]?.message_timestamp_ms ?? 0;
    const rows = eventLogRows(log, start).map((row) => `<tr><td class="nowrap">${esc(formatDuration(Math.round(row.fromSeconds)))}${row.count > 1 ? ` – ${esc(formatDuration(Math.round(row.toSeconds)))}` : ""}</td>`
        + `<td><code>${esc(row.messageType)}</code></td><td class="num">${row.count}</td><td>${esc(row.note)}</td></tr>`).join("");
    const counts = Object.entries(log.counts).map(([t, n]) => `<tr><td><code>${esc(t)}</code></td><td class="num">${n}</td></tr>`).join("");
    return `<h3>Event log (${esc(log.title)})</h3>
<p class="rule">The records EventBridge writes to the bus's log group for one event, as its event bus log schema names them (message_type); which level sends which step is the lab's reading of the level definitions (docs/fidelity.md).</p>
<table><thead><tr><th>when (from the event's receipt)</th><th>message_type</th><th class="num">records</th><th>what they say</th></tr></thead><tbody>${rows}</tbody></table>
<table style="margin-top:12px"><thead><tr><th>every event: message_type</th><th class="num">records at ${esc(log.level)}</th></tr></thead><tbody>${counts}</tbody></table>`;
}

function scenarioSection(r: ScenarioResult, svg: string): string {
    const params = Object.entries(r.params).map(([k, v]) => `<tr><td>${esc(k)}</td><td class="num">${esc(v)}</td></tr>`).join("");
    const measures = Object.entries(r.measures).map(([k, v]) => `<tr><td>${esc(k)}</td><td class="num">${esc(v)}</td></tr>`).join("");
    const expectations = r.expectations.map((e) => `<li class="${e.holds ? "ok" : "bad"}">${e.holds ? "✔" : "✘"} ${esc(e.claim)}</li>`).join("");
    const alarms = r.alarms.map((a) => `<tr><td>${esc(a.name)}</td><td>${esc(a.namespace)} ${esc(a.metricName ?? "metric math")}</td><td>${alarmState(a, r.faultStartSeconds)}</td></tr>`).join("");
    return `<section id="${esc(r.scenario)}">
<h2>${esc(r.title)}</h2>
<p><span class="tag">${esc(r.scenario)}</span> <span class="tag">pattern ${esc(r.pattern)}</span> <span class="tag">seed ${esc(r.seed)}</span> <span class="tag">${esc(formatDuration(r.virtualSeconds))} virtual</span></p>
<p>${esc(r.explanation)}</p>
<div class="chart">${svg}</div>
<h3>Outcomes</h3><p class="${r.conservation.holds ? "ok" : "bad"}">${esc(conservationLine(r))}</p>
<h3>Expected (the documented AWS behaviour)</h3><ul>${expectations}</ul>
<h3>Detection</h3><p>${detectionCell(r)}</p>
<table><thead><tr><th>alarm</th><th>reads</th><th>state</th></tr></thead><tbody>${alarms}</tbody></table>
${eventLogSection(r)}
<h3>Measured</h3><table><tbody>${measures}</tbody></table>
${costSection(r)}
<h3>Parameters</h3><table><tbody>${params}</tbody></table>
<h3>AWS rule</h3><p class="rule">${esc(r.awsRule)}</p>
</section>`;
}

/** A sweep's table: the knob, then per measure its cell. */
function sweepTable(result: SweepResult, measures: string[]): string {
    const head = `<thead><tr><th>${esc(result.key)}</th>${measures.map((m) => `<th>${esc(m)}</th>`).join("")}</tr></thead>`;
    const body = result.points.map((p) => `<tr><td class="num">${p.value}</td>${measures.map((m) => `<td class="num">${esc(cellText(p.measures[m]))}</td>`).join("")}</tr>`).join("");
    return `<table>${head}<tbody>${body}</tbody></table>`;
}

function sweepSection(s: ReportSweep): string {
    return `<section id="sweep-${esc(s.name)}">
<h2>${esc(s.title)}</h2>
<p><span class="tag">sweep ${esc(s.name)}</span> <span class="tag">${esc(s.result.scenario)}</span> <span class="tag">${esc(s.result.key)} ${esc(s.result.points[0]?.value)}…${esc(s.result.points[s.result.points.length - 1]?.value)}</span> <span class="tag">${esc(s.result.points[0]?.seeds.length)} seed(s) a point</span></p>
<p>${esc(s.paragraph)}</p>
<div class="chart">${s.svg}</div>
<h3>Median (min–max across seeds)</h3>
${sweepTable(s.result, s.measures)}
</section>`;
}

export function htmlReport(results: ScenarioResult[], svgs: Map<string, string>, sweeps: ReportSweep[] = []): string {
    const seeds = [...new Set(results.map((r) => r.seed))].join(", ");
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>serverless-patterns-lab: lab report</title>
<style>${STYLE}</style></head>
<body>
<header><h1>serverless-patterns-lab — failure-mode lab report</h1>
<p>${results.length} scenario(s)${sweeps.length > 0 ? ` and ${sweeps.length} sweep(s)` : ""}, seed ${esc(seeds || "—")}. Generated by <code>npm run lab</code>; deterministic for a seed.</p></header>
<main>
${summary(results, sweeps)}
${results.map((r) => scenarioSection(r, svgs.get(r.scenario) ?? "")).join("\n")}
${sweeps.map(sweepSection).join("\n")}
</main></body></html>
`;
}
