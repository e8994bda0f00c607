// The lab's charts: Vega-Lite specifications rendered to SVG by Vega's headless renderer (no browser, no canvas:
// text is measured by Vega's own estimate, so the same data gives the same bytes). One panel per unit, so a
// 10-invocation line never shares an axis with 20,000 messages or with seconds; series differ by colour and dash, so
// equal series stay visible; the fault window is shaded and an event strip shows when the stack's alarms were in
// ALARM and when each DLQ received its first message.
import { formatDuration, timeToDetect } from "./report";
import type { ScenarioResult } from "./scenario";

// Vega and Vega-Lite are large: loaded on first use, so commands and tests that draw nothing do not pay for them.
type Vega = typeof import("vega");
type VegaLite = typeof import("vega-lite");
let libraries: { vega: Vega; vegaLite: VegaLite } | undefined;
function load(): { vega: Vega; vegaLite: VegaLite } {
    libraries ??= { vega: require("vega") as Vega, vegaLite: require("vega-lite") as VegaLite };
    return libraries;
}

const WIDTH = 720;
const PANEL_HEIGHT = 150;
const FONT = "Helvetica, Arial, sans-serif";
/** Colours that stay apart for colour-blind readers (Tableau 10's first eight). */
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7"];
const DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [4, 4], [1, 3]];
const FAULT_COLOUR = "#e15759";
const ALARM_COLOUR = "#b8231f";

/** Renders a Vega-Lite spec to SVG. */
export async function renderSvg(spec: object): Promise<string> {
    const { vega, vegaLite } = load();
    const compiled = vegaLite.compile(spec as never).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: "none" });
    const svg = await view.toSVG();
    view.finalize();
    return svg;
}

/** The time unit that keeps the axis readable: seconds, minutes or hours. */
export function timeUnit(totalSeconds: number): { div: number; name: string } {
    return totalSeconds >= 7200 ? { div: 3600, name: "h" } : totalSeconds >= 600 ? { div: 60, name: "min" } : { div: 1, name: "s" };
}

const axis = { labelFont: FONT, titleFont: FONT, labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: "#eee" };
/** Counts are whole: ticks at whole numbers, thousands separated. */
const countAxis = { ...axis, format: ",~d", tickMinStep: 1 };
const legend = (title: string | null) => ({ orient: "bottom", direction: "horizontal", columns: 3, labelLimit: 0, symbolStrokeWidth: 2.5, symbolType: "stroke", symbolOpacity: 1, symbolSize: 300, title, labelFont: FONT, titleFont: FONT, labelFontSize: 12 });
const round = (v: number) => Math.round(v * 1000) / 1000;

/** What happened when, for the event strip and the panels' rules. */
interface Marks {
    fault?: { start: number; end: number };
    alarms: { label: string; start: number; end: number }[];
    arrivals: { label: string; at: number }[];
}

function marksOf(r: ScenarioResult, div: number, endSeconds: number): Marks {
    const marks: Marks = { alarms: [], arrivals: [] };
    if (r.faultStartSeconds !== null) marks.fault = { start: round(r.faultStartSeconds / div), end: round((r.faultEndSeconds ?? endSeconds) / div) };
    for (const a of r.alarms) {
        if (a.firstAlarmSeconds === null) continue;
        marks.alarms.push({ label: `${a.name} in ALARM`, start: round(a.firstAlarmSeconds / div), end: round((a.okSeconds ?? endSeconds) / div) });
    }
    for (const s of r.timeline.series) {
        if (!/DLQ|dead-letter|on-failure/i.test(s.name)) continue;
        const i = s.values.findIndex((v) => v > 0);
        if (i >= 0) marks.arrivals.push({ label: `first message in ${s.name.replace(/ depth$/, "")}`, at: round((i * r.timeline.stepSeconds) / div) });
    }
    return marks;
}

/**
 * A scenario's timeline as SVG: an event strip (fault window, alarms in ALARM, first DLQ arrivals), then one panel
 * per unit of the simulator's gauges, all on one time axis.
 */
export async function timelineChart(r: ScenarioResult): Promise<string> {
    const series = r.timeline.series;
    const points = Math.max(1, ...series.map((s) => s.values.length));
    const totalSeconds = (points - 1) * r.timeline.stepSeconds;
    const unit = timeUnit(totalSeconds);
    const end = round(totalSeconds / unit.div);
    const x = { field: "t", type: "quantitative", title: `time since the start (${unit.name})`, scale: { domain: [0, end], nice: false, zero: true }, axis };
    const marks = marksOf(r, unit.div, totalSeconds);
    const units = [...new Set(series.map((s) => s.unit))];

    const rows = series.flatMap((s) => s.values.map((v, i) => ({ t: round((i * r.timeline.stepSeconds) / unit.div), value: v, series: s.name, unit: s.unit })));
    // Shade only a fault that ends (an outage); one that lasts the run (a poison message) is the strip's bar alone.
    const faultLayer = marks.fault && r.faultEndSeconds !== null ? [{
        data: { values: [marks.fault] },
        mark: { type: "rect", color: FAULT_COLOUR, opacity: 0.12 },
        encoding: { x: { field: "start", type: "quantitative", scale: x.scale }, x2: { field: "end" } },
    }] : [];
    const alarmRules = marks.alarms.length > 0 ? [{
        data: { values: [...marks.alarms].sort((a, b) => a.start - b.start).slice(0, 1) }, // the first alarm
        mark: { type: "rule", color: ALARM_COLOUR, strokeDash: [4, 3], strokeWidth: 1.5 },
        encoding: { x: { field: "start", type: "quantitative", scale: x.scale } },
    }] : [];

    const panels = units.map((u) => {
        const names = series.filter((s) => s.unit === u).map((s) => s.name);
        // Small counts get a tick at every whole number (Vega's nice ticks would put 0.2 steps under a ",d" format).
        const top = Math.max(1, ...series.filter((s) => s.unit === u).flatMap((s) => s.values));
        const small = top <= 10 ? { values: Array.from({ length: Math.ceil(top) + 1 }, (_, i) => i) } : {};
        const yScale = top <= 10 ? { domain: [0, Math.ceil(top)], zero: true } : { nice: true, zero: true };
        return {
            width: WIDTH, height: PANEL_HEIGHT,
            layer: [
                ...faultLayer,
                ...alarmRules,
                {
                    data: { values: rows.filter((row) => row.unit === u) },
                    mark: { type: "line", interpolate: "step-after", strokeWidth: 2 },
                    encoding: {
                        x,
                        y: { field: "value", type: "quantitative", title: u, scale: yScale, axis: { ...countAxis, ...small } },
                        color: { field: "series", type: "nominal", scale: { domain: names, range: PALETTE }, legend: legend(null) },
                        strokeDash: { field: "series", type: "nominal", scale: { domain: names, range: DASHES }, legend: legend(null) },
                    },
                },
            ],
            resolve: { scale: { color: "independent", strokeDash: "independent" } },
        };
    });

    const strip = stripPanel(marks, x);
    return renderSvg({
        $schema: "https://vega.github.io/schema/vega-lite/v5.json",
        title: { text: r.title, subtitle: `${r.scenario}, seed ${r.seed}: ${r.faultStartSeconds === null ? "no fault injected" : `fault from ${formatDuration(r.faultStartSeconds)}; ${timeToDetect(r)}`}`, font: FONT, subtitleFont: FONT, anchor: "start", fontSize: 15 },
        background: "white",
        padding: 12,
        config: { view: { stroke: "#ccc" }, font: FONT },
        vconcat: [...(strip ? [strip] : []), ...panels],
        resolve: { scale: { color: "independent", strokeDash: "independent", x: "shared" }, legend: { color: "independent", strokeDash: "independent" } },
        spacing: 18,
    });
}


/** The event strip: one row per fault, alarm and DLQ; bars for spans, triangles for first arrivals. */
function stripPanel(marks: Marks, x: Record<string, unknown>): object | undefined {
    const bars = [
        ...(marks.fault ? [{ row: "fault injected", start: marks.fault.start, end: marks.fault.end, kind: "fault" }] : []),
        ...marks.alarms.map((a) => ({ row: a.label, start: a.start, end: a.end, kind: "alarm" })),
    ];
    const points = marks.arrivals.map((a) => ({ row: a.label, at: a.at }));
    if (bars.length === 0 && points.length === 0) return undefined;
    const rows = [...bars.map((b) => b.row), ...points.map((p) => p.row)];
    const y = { field: "row", type: "nominal", title: null, sort: rows, scale: { domain: rows }, axis: { labelFont: FONT, labelFontSize: 11, labelLimit: 480, ticks: false, domain: false } };
    return {
        width: WIDTH, height: 18 * rows.length,
        layer: [
            ...(["fault", "alarm"] as const).filter((kind) => bars.some((b) => b.kind === kind)).map((kind) => ({
                data: { values: bars.filter((b) => b.kind === kind) },
                mark: { type: "bar", height: 10, color: kind === "fault" ? FAULT_COLOUR : ALARM_COLOUR, opacity: kind === "fault" ? 0.35 : 0.85 },
                encoding: { x: { ...x, field: "start" }, x2: { field: "end" }, y },
            })),
            ...(points.length > 0 ? [{
                data: { values: points },
                mark: { type: "point", shape: "triangle-down", filled: true, size: 90, color: "#333" },
                encoding: { x: { ...x, field: "at" }, y },
            }] : []),
        ],
    };
}

/**
 * One sweep's chart: the median across seeds as a line, min–max as a band. Measures that count the same thing for
 * different consumers ("<consumer>: duplicates processed") share a panel, told apart by colour and dash so equal
 * curves stay visible; every other measure has its own panel and axis.
 */
export async function sweepChart(sweep: { title: string; scenario: string; key: string; points: { value: number; measures: Record<string, { min: number; median: number; max: number }> }[] }, measures: string[]): Promise<string> {
    const whole = sweep.points.every((p) => Number.isInteger(p.value));
    const x = { field: "value", type: "quantitative", title: sweep.key, scale: { nice: false, zero: false }, axis: whole ? countAxis : axis };
    const groups = new Map<string, { series: string; measure: string }[]>();
    for (const m of measures) {
        const at = m.indexOf(": ");
        const [title, series] = at > 0 ? [m.slice(at + 2), m.slice(0, at)] : [m, m];
        groups.set(title, [...(groups.get(title) ?? []), { series, measure: m }]);
    }
    const panels = [...groups].map(([title, members]) => {
        const domain = members.map((s) => s.series);
        const rows = sweep.points.flatMap((p) => members.filter((s) => p.measures[s.measure]).map((s) => ({ value: p.value, series: s.series, ...p.measures[s.measure] })));
        const colour = { field: "series", type: "nominal", scale: { domain, range: PALETTE }, legend: members.length > 1 ? legend(null) : null };
        return {
            title: { text: title, anchor: "start", fontSize: 13, font: FONT },
            width: WIDTH, height: PANEL_HEIGHT,
            data: { values: rows },
            layer: [
                { mark: { type: "area", opacity: 0.18 }, encoding: { x, y: { field: "min", type: "quantitative", title: null, scale: { nice: true, zero: true }, axis: { ...axis, format: ",~r" } }, y2: { field: "max" }, color: colour } },
                {
                    mark: { type: "line", strokeWidth: 2, point: { filled: true, size: 40 } },
                    encoding: { x, y: { field: "median", type: "quantitative" }, color: colour, strokeDash: { field: "series", type: "nominal", scale: { domain, range: DASHES }, legend: members.length > 1 ? legend(null) : null } },
                },
            ],
        };
    });
    return renderSvg({
        $schema: "https://vega.github.io/schema/vega-lite/v5.json",
        title: { text: sweep.title, subtitle: `${sweep.scenario}: each measure against ${sweep.key}; line = median across seeds, band = min–max`, font: FONT, subtitleFont: FONT, anchor: "start", fontSize: 15 },
        background: "white",
        padding: 12,
        config: { view: { stroke: "#ccc" }, font: FONT },
        vconcat: panels,
        resolve: { scale: { color: "independent", strokeDash: "independent" }, legend: { color: "independent", strokeDash: "independent" } },
        spacing: 18,
    });
}
