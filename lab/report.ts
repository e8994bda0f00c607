// The lab's text outputs: the terminal report and the README tables, from a ScenarioResult (charts: charts.ts).
// A figure that follows from a value AWS does not publish says so where it is printed.
import { costLines, costPerMillion, faultExtra } from "./cost/report";
import { AssumedValue, EventLog, ScenarioResult } from "./scenario";
import { AlarmOutcome, EVALUATION_RANGE_EXTRA_PERIODS, EvaluationAssumption } from "./sim/cloudwatch";
import { SQS_METRICS_RESUME_DELAY_MS } from "./sim/sqs";
import { PRICE_REGION, PRICE_TABLE_DATE } from "./cost/prices";

/** CloudWatch's assumed values: an alarm time that would move if one of them did is marked with its short label. */
export const CLOUDWATCH_ASSUMPTIONS: Record<EvaluationAssumption, AssumedValue & { label: string }> = {
    EVALUATION_RANGE_EXTRA_PERIODS: {
        name: "EVALUATION_RANGE_EXTRA_PERIODS", label: `assumes evaluation range N+${EVALUATION_RANGE_EXTRA_PERIODS}`,
        value: `CloudWatch's evaluation range is evaluationPeriods + ${EVALUATION_RANGE_EXTRA_PERIODS} periods (AWS's one example: 3 → 5)`,
        figures: "the alarm times marked with it", detection: true,
    },
    SQS_METRICS_RESUME_DELAY_MS: {
        name: "SQS_METRICS_RESUME_DELAY_MS", label: `assumes a ${SQS_METRICS_RESUME_DELAY_MS / 60_000}-min SQS metric resume`,
        value: `an idle queue's metrics resume ${SQS_METRICS_RESUME_DELAY_MS / 60_000} minutes after it becomes active again (AWS: "up to 15 minutes"; the run's DLQs start idle)`,
        figures: "the alarm times marked with it", detection: true,
    },
};

/** The labels of the assumed values a figure follows from. */
const labels = (names: readonly EvaluationAssumption[]) => names.map((n) => CLOUDWATCH_ASSUMPTIONS[n].label);

/** " (a; b)" from the parts that are there, or "". */
const parenthesis = (parts: string[]) => (parts.length === 0 ? "" : ` (${parts.join("; ")})`);

/** An alarm's times as the report prints them: "ALARM at 16 min (+16 min), OK at 19 min", each marked with what it assumes. */
export function alarmTimes(a: AlarmOutcome, faultStartSeconds: number | null): string {
    if (a.firstAlarmSeconds === null) return "stays OK";
    const since = faultStartSeconds === null ? [] : [`+${formatDuration(a.firstAlarmSeconds - faultStartSeconds)}`];
    const ok = a.okSeconds === null ? "" : `, OK at ${formatDuration(a.okSeconds)}${parenthesis(labels(a.okAssumes))}`;
    return `ALARM at ${formatDuration(a.firstAlarmSeconds)}${parenthesis([...since, ...labels(a.firstAlarmAssumes)])}${ok}`;
}

/** The scenario's own assumed values its alarm times were computed under: "assumes EVENTBRIDGE_BACKOFF". */
function detectionAssumes(r: ScenarioResult): string[] {
    const names = (r.assumes ?? []).filter((a) => a.detection && !(a.name in CLOUDWATCH_ASSUMPTIONS)).map((a) => a.name);
    return names.length === 0 ? [] : [`assumes ${names.join(", ")}`];
}

function wrap(text: string, width: number, indent: string): string {
    const lines: string[] = [];
    let line = "";
    for (const word of text.split(/\s+/)) {
        if (line.length + word.length + 1 > width && line !== "") {
            lines.push(line);
            line = word;
        } else {
            line = line === "" ? word : `${line} ${word}`;
        }
    }
    if (line !== "") lines.push(line);
    return lines.map((l, i) => (i === 0 ? l : indent + l)).join("\n");
}

export function conservationLine(r: ScenarioResult): string {
    const c = r.conservation;
    const sum = `${c.units} = ${c.processed} processed + ${c.deadLettered} in a DLQ + ${c.inFlight} in flight + ${c.filteredOut} filtered out`;
    return c.holds ? `✔ conserved: ${sum}` : `✘ LOST ${c.lost.length}: ${sum}; missing ${c.lost.slice(0, 5).join(", ")}${c.lost.length > 5 ? ", …" : ""}`;
}

/** One row of a followed event's log: a record type, how many in a row, and when the first and last were sent (s into the run). */
export interface EventLogRow {
    messageType: string;
    count: number;
    fromSeconds: number;
    toSeconds: number;
    /** What the records say beyond their type: the rule, the target, the error (the first record's). */
    note: string;
}

/** The followed event's records with repeats folded, in the order the bus sent them. `startMs`: the run's wall-clock start. */
export function eventLogRows(log: EventLog, startMs: number): EventLogRow[] {
    const rows: EventLogRow[] = [];
    for (const r of log.records) {
        const at = (r.message_timestamp_ms - startMs) / 1000;
        const last = rows[rows.length - 1];
        if (last && last.messageType === r.message_type) {
            last.count++;
            last.toSeconds = at;
            continue;
        }
        const d = r.details;
        const note = [d.rule_arn ? `rule ${String(d.rule_arn).split("/").pop()}` : "", d.dead_letter_arn ? `DLQ ${String(d.dead_letter_arn).split(":").pop()}` : "",
            r.error ? `${r.error.aws_service}: ${r.error.error_message}` : ""].filter(Boolean).join("; ");
        rows.push({ messageType: r.message_type, count: 1, fromSeconds: at, toSeconds: at, note });
    }
    return rows;
}

function eventLogLines(r: ScenarioResult): string[] {
    const log = r.eventLog;
    if (!log) return [];
    const start = log.records[0]?.message_timestamp_ms ?? 0;
    const counts = Object.entries(log.counts).map(([t, n]) => `${t} ${n}`).join(" · ");
    return [`   event log   ${log.title}`,
        ...eventLogRows(log, start).map((row) => `     ${formatDuration(Math.round(row.fromSeconds))}${row.count > 1 ? `–${formatDuration(Math.round(row.toSeconds))}` : ""}`.padEnd(22)
            + ` ${row.messageType}${row.count > 1 ? ` ×${row.count}` : ""}${row.note ? `  (${row.note})` : ""}`),
        `     all events: ${wrap(counts || "no records at this level", 100, "       ")}`];
}

/** The terminal report of one run. */
export function formatReport(r: ScenarioResult): string {
    const pad = "               ";
    const out = [
        `━━ ${r.scenario} — ${r.title}`,
        `   pattern ${r.pattern} · seed ${r.seed} · ${formatDuration(r.virtualSeconds)} of virtual time · ${r.simulatorEvents} simulator events`,
        `   parameters  ${Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(" · ")}`,
        `   outcomes    processed ${r.conservation.processed} · in a DLQ ${r.conservation.deadLettered} · in flight ${r.conservation.inFlight} · filtered out ${r.conservation.filteredOut} · lost ${r.conservation.lost.length}`,
        "   measured",
        ...Object.entries(r.measures).map(([k, v]) => `     ${k.padEnd(48)} ${v}`),
        "   expected (the documented AWS behaviour)",
        ...r.expectations.map((e) => `     ${e.holds ? "✔" : "✘"} ${wrap(e.claim, 100, "       ")}`),
        ...detection(r),
        ...eventLogLines(r),
        ...costLines(r, pad),
        ...(r.assumes.length === 0 ? [] : ["   assumed     (values AWS does not publish; docs/fidelity.md, Assumptions)",
            ...r.assumes.map((a) => `     ${wrap(`${a.name}: ${a.value}; ${a.figures}`, 100, "       ")}`)]),
        `   why         ${wrap(r.explanation, 100, pad)}`,
        `   AWS rule    ${wrap(r.awsRule, 100, pad)}`,
        `   ${conservationLine(r)}`,
    ];
    return out.join("\n");
}

/** The report's detection section: when the stack's alarms would have fired, counted from the fault's start. */
export function detection(r: ScenarioResult): string[] {
    const fault = r.faultStartSeconds;
    const lines = [fault === null ? "   detection   (no fault injected: every alarm should stay OK)" : `   detection   fault from ${formatDuration(fault)}; ${timeToDetect(r)}`];
    const labels = r.alarms.map((a) => `${a.name} (${a.namespace} ${a.metricName ?? "metric math"})`);
    const width = Math.max(0, ...labels.map((l) => l.length));
    r.alarms.forEach((a, i) => lines.push(`     ${labels[i].padEnd(width)}  ${alarmTimes(a, fault)}`));
    return lines;
}

/** "first alarm after N" or "not detected", from the fault's start, marked with the assumed values N follows from. */
export function timeToDetect(r: ScenarioResult): string {
    const first = firstAlarm(r);
    return first === undefined ? "not detected by any alarm of the stack"
        : `first alarm ${first.name} after ${formatDuration(first.firstAlarmSeconds! - (r.faultStartSeconds ?? 0))}${parenthesis([...labels(first.firstAlarmAssumes), ...detectionAssumes(r)])}`;
}

/** The alarm that fired first after the fault's start. */
export function firstAlarm(r: ScenarioResult): ScenarioResult["alarms"][number] | undefined {
    const fired = r.alarms.filter((a) => a.firstAlarmSeconds !== null && a.firstAlarmSeconds >= (r.faultStartSeconds ?? 0));
    return fired.sort((a, b) => a.firstAlarmSeconds! - b.firstAlarmSeconds!)[0];
}

export function formatDuration(seconds: number): string {
    if (seconds >= 7200) return `${Math.round((seconds / 3600) * 10) / 10} h`;
    if (seconds >= 120) return `${Math.round((seconds / 60) * 10) / 10} min`;
    return `${seconds} s`;
}

/** The "measured behaviour" table of one pattern README: each run's measures, its checked claims and when the stack's alarms fired. */
export function docsTable(results: ScenarioResult[]): string {
    const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
    const rows = results.map((r) => {
        const measured = Object.entries(r.measures).map(([k, v]) => `${k}: **${v}**`).join("<br>");
        const expected = r.expectations.map((e) => `${e.holds ? "✔" : "✘"} ${e.claim}`).join("<br>");
        const fired = r.alarms.filter((a) => a.firstAlarmSeconds !== null).map((a) => a.name);
        const detected = r.faultStartSeconds !== null ? `fault from ${formatDuration(r.faultStartSeconds)}: ${timeToDetect(r)}`
            : fired.length === 0 ? "no fault injected, no alarm fired" : `no fault injected; alarms fired: ${fired.join(", ")}`;
        const extra = faultExtra(r.cost);
        const cost = `cost ${costPerMillion(r.cost)}${extra ? `; ${extra}` : ""}`;
        return `| \`${r.scenario}\`<br>${cell(r.title)} | ${cell(measured)}<br>💲 ${cell(cost)} | ${cell(expected)}<br>${cell(conservationLine(r))}<br>⏱ ${cell(detected)} |`;
    });
    return [
        `Generated by \`npm run lab -- --all --write-docs\` (seed ${results[0]?.seed ?? 1}, the pattern's default settings); rerun it to refresh. Each row is one simulated run of the real handlers. `
            + `💲 is what the run would cost on AWS at ${PRICE_REGION} list prices read ${PRICE_TABLE_DATE} (lab/cost/prices.ts, before the free tier); a figure that follows from an assumption names it (docs/fidelity.md, Cost).`,
        "",
        "| Scenario | Measured | Documented AWS behaviour, checked |",
        "|---|---|---|",
        ...rows,
    ].join("\n");
}
