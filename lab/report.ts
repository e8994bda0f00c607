// The lab's outputs: the terminal report, the SVG timeline and the README tables, all from a ScenarioResult.
import { ScenarioResult } from "./scenario";

const COLORS = ["#1f77b4", "#ff7f0e", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

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
    r.alarms.forEach((a, i) => {
        const when = a.firstAlarmSeconds === null ? "stays OK"
            : `ALARM at ${formatDuration(a.firstAlarmSeconds)}${fault === null ? "" : ` (+${formatDuration(a.firstAlarmSeconds - fault)})`}${a.okSeconds === null ? "" : `, OK at ${formatDuration(a.okSeconds)}`}`;
        lines.push(`     ${labels[i].padEnd(width)}  ${when}`);
    });
    return lines;
}

/** "first alarm after N" or "not detected", from the fault's start. */
export function timeToDetect(r: ScenarioResult): string {
    const first = firstAlarm(r);
    return first === undefined ? "not detected by any alarm of the stack" : `first alarm ${first.name} after ${formatDuration(first.firstAlarmSeconds! - (r.faultStartSeconds ?? 0))}`;
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

function escapeXml(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A round axis maximum: 1, 2 or 5 times a power of ten, at least `value`. */
function niceMax(value: number): number {
    if (value <= 0) return 1;
    const power = 10 ** Math.floor(Math.log10(value));
    for (const m of [1, 2, 5, 10]) if (m * power >= value) return m * power;
    return 10 * power;
}

/** The run's timeline as a standalone SVG: every gauge over virtual time, one line each, with axes and a legend. */
export function timelineSvg(r: ScenarioResult): string {
    const width = 960;
    const height = 420;
    const m = { left: 70, right: 230, top: 50, bottom: 50 };
    const plotW = width - m.left - m.right;
    const plotH = height - m.top - m.bottom;
    const series = r.timeline.series;
    const points = Math.max(1, ...series.map((s) => s.values.length));
    const totalSeconds = (points - 1) * r.timeline.stepSeconds;
    const yMax = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
    const unit = totalSeconds >= 7200 ? { div: 3600, name: "h" } : totalSeconds >= 600 ? { div: 60, name: "min" } : { div: 1, name: "s" };
    const x = (i: number) => m.left + (points === 1 ? 0 : (i / (points - 1)) * plotW);
    const y = (v: number) => m.top + plotH - (v / yMax) * plotH;
    const parts: string[] = [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
        `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
        `<text x="${m.left}" y="22" font-size="15" font-weight="bold">${escapeXml(`${r.scenario} — ${r.title}`)}</text>`,
        `<text x="${m.left}" y="40" fill="#555">${escapeXml(`${conservationLine(r)} · seed ${r.seed}`)}</text>`,
    ];
    for (let t = 0; t <= 4; t++) {
        const v = (yMax * t) / 4;
        parts.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`);
        parts.push(`<text x="${m.left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${Number.isInteger(v) ? v : v.toFixed(1)}</text>`);
        const sec = (totalSeconds * t) / 4;
        const label = Math.round((sec / unit.div) * 10) / 10;
        parts.push(`<text x="${(m.left + (plotW * t) / 4).toFixed(1)}" y="${m.top + plotH + 18}" text-anchor="middle">${label}</text>`);
    }
    parts.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + plotH}" stroke="#333"/>`);
    parts.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${m.top + plotH}" y2="${m.top + plotH}" stroke="#333"/>`);
    parts.push(`<text x="${m.left + plotW / 2}" y="${height - 12}" text-anchor="middle">virtual time (${unit.name})</text>`);
    series.forEach((s, i) => {
        const color = COLORS[i % COLORS.length];
        const path = s.values.map((v, j) => `${j === 0 ? "M" : "L"}${x(j).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
        parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
        const ly = m.top + 10 + i * 20;
        parts.push(`<line x1="${m.left + plotW + 16}" x2="${m.left + plotW + 40}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`);
        parts.push(`<text x="${m.left + plotW + 46}" y="${ly + 4}">${escapeXml(`${s.name} (max ${Math.max(0, ...s.values)})`)}</text>`);
    });
    parts.push("</svg>");
    return parts.join("\n") + "\n";
}

/** The "measured behaviour" table of one pattern README. */
export function docsTable(results: ScenarioResult[]): string {
    const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
    const rows = results.map((r) => {
        const measured = Object.entries(r.measures).map(([k, v]) => `${k}: **${v}**`).join("<br>");
        const expected = r.expectations.map((e) => `${e.holds ? "✔" : "✘"} ${e.claim}`).join("<br>");
        return `| \`${r.scenario}\`<br>${cell(r.title)} | ${cell(measured)} | ${cell(expected)}<br>${cell(conservationLine(r))} |`;
    });
    return [
        `Generated by \`npm run lab -- --all --write-docs\` (seed ${results[0]?.seed ?? 1}, the pattern's default settings); rerun it to refresh. Each row is one simulated run of the real handlers.`,
        "",
        "| Scenario | Measured | Documented AWS behaviour, checked |",
        "|---|---|---|",
        ...rows,
    ].join("\n");
}
