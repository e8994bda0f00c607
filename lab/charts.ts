// The lab's charts: Vega-Lite specifications rendered to SVG by Vega's headless renderer (no browser, no canvas:
// text is measured with Helvetica's metrics, so the same data gives the same bytes). One panel per unit, so a
// 10-invocation line never shares an axis with 20,000 messages or with seconds. What a series counts decides how it
// looks, in every chart (LOOKS below): a DLQ or a failure is red and dashed everywhere, the fault window always the
// same shade, an alarm always dark red and dash-dotted. A timeline's line is each time bucket's maximum and its band
// reaches down to the bucket's minimum, so a spike shorter than a bucket stays visible; an event strip shows the fault,
// every span each alarm spent in ALARM and each DLQ's first message. Reference lines carry labels; counts get whole ticks.
import { firstAlarm, formatDuration, timeToDetect } from "./report";
import type { ScenarioResult } from "./scenario";
import type { SweepReference } from "./sweeps";

// Vega and Vega-Lite are large: loaded on first use, so commands and tests that draw nothing do not pay for them.
type Vega = typeof import("vega");
type VegaLite = typeof import("vega-lite");
let libraries: { vega: Vega; vegaLite: VegaLite } | undefined;
function load(): { vega: Vega; vegaLite: VegaLite } {
    if (!libraries) {
        libraries = { vega: require("vega") as Vega, vegaLite: require("vega-lite") as VegaLite };
        // Without a canvas Vega guesses every character at 0.8 em, so legends, titles and the SVG's width come out up
        // to half again too wide; it takes a width function instead (its documented hook, as vl-convert uses), here
        // Helvetica's metrics with room for a wider substitute (DejaVu Sans, where Helvetica and Arial are missing, draws
        // about 15 % wider): deterministic, and close to what a browser draws.
        const { textMetrics } = libraries.vega as unknown as { textMetrics: { width: (item: { fontSize?: number; fontWeight?: string | number }, text?: unknown) => number } };
        textMetrics.width = (item, text) => room(text == null ? "" : String(text).trim(), item.fontSize ?? 11, item.fontWeight === "bold" || Number(item.fontWeight) >= 600);
    }
    return libraries;
}

// Advance widths (per 1000 em) of Helvetica and Helvetica-Bold for the characters space (32) to tilde (126), from the
// fonts' Adobe font metrics; anything else counts 0.6 em.
const HELVETICA = [278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584];
const HELVETICA_BOLD = [278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584];

/** The width of `text` in pixels at `fontSize`, by Helvetica's metrics. */
export function textWidth(text: string, fontSize: number, bold = false): number {
    const table = bold ? HELVETICA_BOLD : HELVETICA;
    let em = 0;
    for (const ch of text) {
        const code = ch.codePointAt(0)!;
        em += code >= 32 && code <= 126 ? table[code - 32] : 600;
    }
    return (em / 1000) * fontSize;
}

/** A panel's plot width: with its axis the SVG is about 1,000 px wide, which the HTML report scales to its content width. */
export const WIDTH = 900;
const PANEL_HEIGHT = 150;
const STRIP_ROW = 26;
const FONT = "Helvetica, Arial, sans-serif";

// ---- One meaning, one look ------------------------------------------------------------------------------------

/** What a series counts, as far as its look goes. */
export type SeriesKind = "waiting" | "in flight" | "retrying" | "failed" | "done" | "side effects" | "concurrency" | "time" | "alarm" | "cost" | "batching" | "other";

export interface Look {
    colour: string;
    /** Vega's strokeDash: [1, 0] is solid. */
    dash: number[];
}

const SOLID = [1, 0];
const DOTTED = [2, 2];
/** Dashes belong to failures alone; every other kind is solid or dotted. */
const FAILURE_DASHES = [[6, 3], [12, 4], [6, 6], [16, 3]];
const OTHER_DASHES = [SOLID, DOTTED, SOLID, DOTTED];
const DOTTED_FIRST = [DOTTED, SOLID, DOTTED, SOLID];

/**
 * Each kind's colours (its base first, then a darker, a lighter and a more saturated shade for the second, third and
 * fourth series of the kind in one panel: lightness tells them apart for colour-blind readers too) and dashes. Red
 * belongs to failures and dead letters alone, dashes too; no colour belongs to two kinds.
 */
export const LOOKS: Record<SeriesKind, { meaning: string; colours: string[]; dashes: number[][] }> = {
    waiting: { meaning: "waiting to be received (queue depth)", colours: ["#4e79a7", "#1f3f66", "#9dbfe3", "#2f6fbf"], dashes: OTHER_DASHES },
    "in flight": { meaning: "received, not yet deleted", colours: ["#499894", "#1f5653", "#8fcfc9", "#2a9d8f"], dashes: DOTTED_FIRST },
    retrying: { meaning: "retries, receives and attempts", colours: ["#f28e2b", "#9a5312", "#ffc58a", "#d66a00"], dashes: DOTTED_FIRST },
    failed: { meaning: "failed, dead-lettered or dropped", colours: ["#e15759", "#b0282e", "#ff9da7", "#c2185b"], dashes: FAILURE_DASHES },
    done: { meaning: "processed, delivered or succeeded", colours: ["#59a14f", "#2d5a27", "#a6d99b", "#1e8c3a"], dashes: OTHER_DASHES },
    "side effects": { meaning: "side effects and duplicates of them", colours: ["#b07aa1", "#5e3556", "#dcb8d3", "#8e44ad"], dashes: OTHER_DASHES },
    concurrency: { meaning: "concurrent invocations", colours: ["#9c755f", "#5a3f30", "#d4b9a8", "#7a4a2a"], dashes: OTHER_DASHES },
    time: { meaning: "ages and durations", colours: ["#b6992d", "#6b5a1a", "#e6d28a", "#8c7a00"], dashes: OTHER_DASHES },
    alarm: { meaning: "the stack's alarms", colours: ["#6b0f0f"], dashes: [[8, 3, 2, 3]] },
    cost: { meaning: "what it would cost on AWS", colours: ["#17becf", "#0b6570", "#8ee3ec", "#0097a7"], dashes: OTHER_DASHES },
    batching: { meaning: "records per invocation (batch fill)", colours: ["#7f7fbf", "#3f3f7a", "#c3c3ec", "#5c5cd6"], dashes: OTHER_DASHES },
    other: { meaning: "anything else", colours: ["#79706e", "#3d3837", "#bab0ac", "#5f5a58"], dashes: OTHER_DASHES },
};

/** First match wins: the failure words come before the words a failure's name shares with other kinds. */
const KIND_RULES: [SeriesKind, RegExp][] = [
    ["cost", /\bcost\b|\$/i],
    ["alarm", /\balarm|\bdetect/i],
    ["side effects", /duplicate|side effect|conflict|deduplicated|\bagain\b/i],
    ["failed", /DLQ|dead-letter|on-failure|dropped|fail|error|crash/i],
    ["retrying", /retr(y|ies|ied|ying)|receives|attempts/i],
    ["waiting", /queue depth|backlog|\bvisible\b/i],
    ["in flight", /in flight|in progress/i],
    ["concurrency", /concurren/i],
    ["batching", /records per invocation/i],
    ["done", /processed|succeeded|delivered|received|matched/i],
    ["time", /\bage\b|seconds|\((s|h|min)\)|hours|minutes|drain|timeout|\btime\b/i],
];

/** The kind of a series or measure, from its name. */
export function kindOf(name: string): SeriesKind {
    return KIND_RULES.find(([, pattern]) => pattern.test(name))?.[0] ?? "other";
}

/** The looks of one panel's series: the k-th series of a kind in the panel gets the kind's k-th colour and dash. */
export function looksOf(names: string[]): Look[] {
    const seen = new Map<SeriesKind, number>();
    return names.map((name) => {
        const kind = kindOf(name);
        const k = seen.get(kind) ?? 0;
        seen.set(kind, k + 1);
        const look = LOOKS[kind];
        return { colour: look.colours[k % look.colours.length], dash: look.dashes[k % look.dashes.length] };
    });
}

/** The fault window: one shade in the event strip and behind every panel. */
export const FAULT = { colour: "#e15759", opacity: 0.18 };
/** The first-alarm rule and the strip's ALARM bars. */
export const ALARM = { colour: LOOKS.alarm.colours[0], dash: LOOKS.alarm.dashes[0] };
/** A threshold the text talks about (a sweep's reference marks). */
export const REFERENCE = { colour: "#4d4d4d" };
/** The band from each bucket's (or seed's) least to its most. */
const BAND_OPACITY = 0.22;

// ---- Rendering ----------------------------------------------------------------------------------------------

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

/** Whole-number ticks from `from` to at least `to`: every whole number when few, else a round step (2, 5, 10, 20, 25, 50…). */
export function wholeTicks(from: number, to: number, most = 7): number[] {
    const lo = Math.floor(from);
    const span = Math.max(1, Math.ceil(to) - lo);
    let step = 1;
    search: for (let scale = 1; ; scale *= 10) {
        for (const s of [1, 2, 2.5, 5].map((m) => m * scale)) {
            if (Number.isInteger(s) && Math.ceil(span / s) <= most - 1) { step = s; break search; }
        }
    }
    return Array.from({ length: Math.ceil(span / step) + 1 }, (_, i) => lo + i * step);
}

const axis = { labelFont: FONT, titleFont: FONT, labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: "#eee" };
/** Every y axis takes the same room, so the plots of every chart start at the same x and the SVGs share one width. */
const Y_EXTENT = { minExtent: 60, maxExtent: 60 };
const round = (v: number) => Math.round(v * 1000) / 1000;

/** Room for a text as a browser may draw it: Helvetica's width and 15 % to spare for a substituted font. */
function room(text: string, fontSize: number, bold = false): number {
    return 1.15 * textWidth(text, fontSize, bold);
}

/** A legend below its panel, in as many columns as its longest label allows within the plot's width. */
function legendFor(names: string[]): object {
    const column = Math.max(...names.map((n) => room(n, 12))) + 48;
    return { orient: "bottom", direction: "horizontal", columnPadding: 24, columns: Math.max(1, Math.min(3, Math.floor(WIDTH / column))), labelLimit: 0, symbolStrokeWidth: 2.5, symbolType: "stroke", symbolOpacity: 1, symbolSize: 300, title: null, labelFont: FONT, titleFont: FONT, labelFontSize: 12 };
}

/** `text` cut at spaces into lines that fit the plot's width at `fontSize`. */
function wrapped(text: string, fontSize: number, bold = false): string[] {
    const lines: string[] = [];
    for (const word of text.split(" ")) {
        const last = lines[lines.length - 1];
        if (last !== undefined && room(`${last} ${word}`, fontSize, bold) <= WIDTH) lines[lines.length - 1] = `${last} ${word}`;
        else lines.push(word);
    }
    return lines;
}

/**
 * A y axis from 0 that fits `values`: whole-number ticks (never 0.5 of a message) when every value is whole, five nice
 * ticks otherwise; `headroom` pixels above the last tick are left free for reference-line labels.
 */
function yAxis(values: number[], title: string | null, headroom: number): { scale: object; axis: object; title: string | null } {
    const top = Math.max(0, ...values.filter(Number.isFinite));
    const stretch = PANEL_HEIGHT / (PANEL_HEIGHT - headroom);
    if (values.every((v) => Number.isInteger(v))) {
        const ticks = wholeTicks(0, Math.max(1, top), 6);
        return { title, scale: { domain: [0, round(ticks[ticks.length - 1] * stretch)], zero: true, nice: false }, axis: { ...axis, ...Y_EXTENT, values: ticks, format: ",d" } };
    }
    return { title, scale: { domain: [0, (top || 1) * stretch], zero: true, nice: false }, axis: { ...axis, ...Y_EXTENT, tickCount: 5, format: ",~r" } };
}

/** Pixels a rule's labels take at the top of a panel. */
const labelRoom = (labels: number) => (labels === 0 ? 0 : 6 + 13 * labels);

/** A labelled vertical rule at `at` (in the x field's units), with its label inside the plot, on the side with room. */
function labelledRule(rules: { at: number; label: string }[], x: { scale: object }, domain: [number, number], look: { colour: string; dash?: number[]; width: number }, name: string): object[] {
    if (rules.length === 0) return [];
    const rows = rules.map((r, i) => ({ ...r, row: 3 + 13 * i, right: (r.at - domain[0]) / (domain[1] - domain[0] || 1) > 0.6 }));
    const text = (right: boolean) => ({
        data: { values: rows.filter((r) => r.right === right) },
        mark: { type: "text", align: right ? "right" : "left", dx: right ? -4 : 4, baseline: "top", font: FONT, fontSize: 11, color: look.colour },
        encoding: { x: { field: "at", type: "quantitative", scale: x.scale }, y: { field: "row", type: "quantitative", scale: null }, text: { field: "label" }, description: { value: `${name} label` } },
    });
    return [
        {
            data: { values: rows },
            mark: { type: "rule", color: look.colour, strokeWidth: look.width, ...(look.dash ? { strokeDash: look.dash } : {}) },
            encoding: { x: { field: "at", type: "quantitative", scale: x.scale }, description: { value: name } },
        },
        ...[false, true].filter((right) => rows.some((r) => r.right === right)).map(text),
    ];
}

/** What happened when, for the event strip and the panels' rules. */
interface Marks {
    fault?: { start: number; end: number };
    alarms: { row: string; start: number; end: number }[];
    arrivals: { row: string; at: number }[];
}

const DEAD_LETTER = /DLQ|dead-letter|on-failure/i;

function marksOf(r: ScenarioResult, div: number, endSeconds: number): Marks {
    const marks: Marks = { alarms: [], arrivals: [] };
    if (r.faultStartSeconds !== null) marks.fault = { start: round(r.faultStartSeconds / div), end: round((r.faultEndSeconds ?? endSeconds) / div) };
    for (const a of r.alarms) {
        // Every span in ALARM, not only the first: an alarm that fires again after OK shows each time.
        for (const span of a.inAlarm) marks.alarms.push({ row: `${a.name} in ALARM`, start: round(span.fromSeconds / div), end: round((span.toSeconds ?? endSeconds) / div) });
    }
    for (const s of r.timeline.series) {
        if (!DEAD_LETTER.test(s.name)) continue;
        const i = s.max.findIndex((v) => v > 0);
        if (i >= 0) marks.arrivals.push({ row: `first message in ${s.name.replace(/ depth$/, "")}`, at: round((i * r.timeline.stepSeconds) / div) });
    }
    return marks;
}

/**
 * A scenario's timeline as SVG: an event strip (fault window, every span of each alarm in ALARM, first DLQ arrivals),
 * then one panel per unit of the simulator's gauges, all on one time axis, each bucket drawn as its maximum (the
 * line) over its minimum (the band).
 */
export async function timelineChart(r: ScenarioResult): Promise<string> {
    return renderSvg(timelineSpec(r));
}

export function timelineSpec(r: ScenarioResult): object {
    const { series, stepSeconds, horizonSeconds } = r.timeline;
    const unit = timeUnit(horizonSeconds);
    const end = round(horizonSeconds / unit.div);
    const domain: [number, number] = [0, end];
    const x = { field: "t", type: "quantitative", title: `time since the start (${unit.name})`, scale: { domain, nice: false, zero: true }, axis: { ...axis, tickCount: 14, format: "~r" } };
    const marks = marksOf(r, unit.div, horizonSeconds);
    const units = [...new Set(series.map((s) => s.unit))];

    // Bucket i is drawn from its start to the next one's; a last row at the horizon closes the final step.
    const rowsOf = (s: ScenarioResult["timeline"]["series"][number]) => [
        ...s.max.map((v, i) => ({ t: round((i * stepSeconds) / unit.div), max: v, min: s.min[i], series: s.name })),
        { t: end, max: s.max[s.max.length - 1], min: s.min[s.min.length - 1], series: s.name },
    ];
    // Shade only a fault that ends (an outage); one that lasts the run (a poison message) is the strip's bar alone.
    const faultLayer = marks.fault && r.faultEndSeconds !== null ? [{
        data: { values: [marks.fault] },
        mark: { type: "rect", color: FAULT.colour, opacity: FAULT.opacity },
        encoding: { x: { field: "start", type: "quantitative", scale: x.scale }, x2: { field: "end" }, description: { value: "fault window" } },
    }] : [];
    const first = firstAlarm(r);
    const alarmRule = first ? labelledRule([{ at: round(first.firstAlarmSeconds! / unit.div), label: `first alarm (${formatDuration(first.firstAlarmSeconds!)})` }], x, domain, { colour: ALARM.colour, dash: ALARM.dash, width: 1.5 }, "first alarm") : [];

    const panels = units.map((u) => {
        const members = series.filter((s) => s.unit === u);
        const names = members.map((s) => s.name);
        const looks = looksOf(names);
        const y = yAxis(members.flatMap((s) => s.max), u, labelRoom(first ? 1 : 0));
        const colour = { field: "series", type: "nominal", scale: { domain: names, range: looks.map((l) => l.colour) } };
        // A series that only rises (a running count) shows each bucket's rise in the line's step: a band adds nothing.
        const banded = members.filter((s) => s.min.some((v, i) => i > 0 && v < s.max[i - 1] && v < s.max[i]));
        return {
            width: WIDTH, height: PANEL_HEIGHT,
            layer: [
                ...faultLayer,
                ...(banded.length > 0 ? [{
                    data: { values: banded.flatMap(rowsOf) },
                    mark: { type: "area", interpolate: "step-after", opacity: BAND_OPACITY },
                    encoding: { x, y: { field: "min", type: "quantitative", ...y }, y2: { field: "max" }, color: { ...colour, legend: null }, description: { field: "series" } },
                }] : []),
                {
                    data: { values: members.flatMap(rowsOf) },
                    mark: { type: "line", interpolate: "step-after", strokeWidth: 2 },
                    encoding: {
                        x,
                        y: { field: "max", type: "quantitative", ...y },
                        color: { ...colour, legend: legendFor(names) },
                        strokeDash: { field: "series", type: "nominal", scale: { domain: names, range: looks.map((l) => l.dash) }, legend: legendFor(names) },
                    },
                },
                ...alarmRule,
            ],
            resolve: { scale: { color: "independent", strokeDash: "independent" } },
        };
    });

    const strip = stripPanel(marks, x);
    const subtitle = `${r.scenario}, seed ${r.seed}: ${r.faultStartSeconds === null ? "no fault injected" : `fault from ${formatDuration(r.faultStartSeconds)}; ${timeToDetect(r)}`}`;
    return {
        $schema: "https://vega.github.io/schema/vega-lite/v5.json",
        title: {
            text: wrapped(r.title, 15, true),
            subtitle: wrapped(`${subtitle}. Each line is the most a gauge held in every ${Number(stepSeconds.toPrecision(3))}\u00a0s of virtual time; its band reaches down to the least.`, 12),
            font: FONT, subtitleFont: FONT, anchor: "start", fontSize: 15, subtitleFontSize: 12,
        },
        background: "white",
        padding: 12,
        config: { view: { stroke: "#ccc" }, font: FONT },
        vconcat: [...(strip ? [strip] : []), ...panels],
        resolve: { scale: { color: "independent", strokeDash: "independent", x: "shared" }, legend: { color: "independent", strokeDash: "independent" } },
        spacing: 18,
    };
}

/** The event strip: one row per fault, alarm and DLQ, its label above its bars (spans) or triangles (first arrivals). */
function stripPanel(marks: Marks, x: Record<string, unknown> & { scale: object }): object | undefined {
    const bars = [
        ...(marks.fault ? [{ row: "fault injected", start: marks.fault.start, end: marks.fault.end, kind: "fault" }] : []),
        ...marks.alarms.map((a) => ({ row: a.row, start: a.start, end: a.end, kind: "alarm" })),
    ];
    const points = marks.arrivals.map((a) => ({ row: a.row, at: a.at }));
    if (bars.length === 0 && points.length === 0) return undefined;
    const rows = [...new Set([...bars.map((b) => b.row), ...points.map((p) => p.row)])];
    const y = { field: "row", type: "nominal", title: null, sort: rows, scale: { domain: rows, paddingInner: 0, paddingOuter: 0 }, axis: null };
    const look = { fault: { color: FAULT.colour, opacity: FAULT.opacity }, alarm: { color: ALARM.colour, opacity: 0.85 } };
    return {
        width: WIDTH, height: STRIP_ROW * rows.length,
        layer: [
            ...(["fault", "alarm"] as const).filter((kind) => bars.some((b) => b.kind === kind)).map((kind) => ({
                data: { values: bars.filter((b) => b.kind === kind) },
                mark: { type: "bar", height: 8, yOffset: 6, ...look[kind] },
                encoding: { x: { ...x, field: "start" }, x2: { field: "end" }, y, description: { value: kind === "fault" ? "fault window" : "in ALARM" } },
            })),
            ...(points.length > 0 ? [{
                data: { values: points },
                mark: { type: "point", shape: "triangle-down", filled: true, size: 70, yOffset: 6, color: LOOKS.failed.colours[0], opacity: 1 },
                encoding: { x: { ...x, field: "at" }, y, description: { value: "first dead letter" } },
            }] : []),
            {
                data: { values: rows.map((row) => ({ row })) },
                mark: { type: "text", align: "left", baseline: "middle", dx: 3, yOffset: -5, font: FONT, fontSize: 11, color: "#333" },
                encoding: { x: { value: 0 }, y, text: { field: "row" } },
            },
        ],
    };
}

export interface SweepChartInput {
    title: string;
    scenario: string;
    key: string;
    points: { value: number; measures: Record<string, { min: number; median: number; max: number }> }[];
    /** Values of the knob the text talks about, drawn as labelled rules on every panel. */
    references?: readonly SweepReference[];
}

/**
 * One sweep's chart: the median across seeds as a line, min–max as a band. Measures that count the same thing for
 * different consumers ("<consumer>: duplicates processed") share a panel, told apart by shade and dash so equal
 * curves stay visible; every other measure has its own panel and axis. The x axis ticks at the values swept.
 */
export async function sweepChart(sweep: SweepChartInput, measures: string[]): Promise<string> {
    return renderSvg(sweepSpec(sweep, measures));
}

export function sweepSpec(sweep: SweepChartInput, measures: string[]): object {
    const values = sweep.points.map((p) => p.value);
    const references = sweep.references ?? [];
    const domain: [number, number] = [Math.min(...values, ...references.map((r) => r.at)), Math.max(...values, ...references.map((r) => r.at))];
    const whole = values.every((v) => Number.isInteger(v));
    const ticks = values.length <= 12 ? values : whole ? wholeTicks(domain[0], domain[1], 10) : undefined;
    const x = {
        field: "value", type: "quantitative", title: sweep.key,
        scale: { domain, nice: false, zero: false, padding: 14 },
        axis: { ...axis, ...(ticks ? { values: ticks } : {}), format: whole ? ",d" : "~g" },
    };
    const groups = new Map<string, { series: string; measure: string }[]>();
    for (const m of measures) {
        const at = m.indexOf(": ");
        const [title, series] = at > 0 ? [m.slice(at + 2), m.slice(0, at)] : [m, m];
        groups.set(title, [...(groups.get(title) ?? []), { series, measure: m }]);
    }
    const marks = labelledRule(references.map((r) => ({ at: r.at, label: r.label })), x, domain, { colour: REFERENCE.colour, width: 1 }, "reference");
    const panels = [...groups].map(([title, members]) => {
        const domainOf = members.map((s) => s.series);
        const looks = looksOf(members.map((s) => s.measure));
        const rows = sweep.points.flatMap((p) => members.filter((s) => p.measures[s.measure]).map((s) => ({ value: p.value, series: s.series, ...p.measures[s.measure] })));
        const y = yAxis(rows.flatMap((r) => [r.min, r.median, r.max]), null, labelRoom(references.length));
        const many = members.length > 1 ? legendFor(domainOf) : null;
        const colour = { field: "series", type: "nominal", scale: { domain: domainOf, range: looks.map((l) => l.colour) } };
        return {
            title: { text: title, anchor: "start", fontSize: 13, font: FONT },
            width: WIDTH, height: PANEL_HEIGHT,
            layer: [
                { data: { values: rows }, mark: { type: "area", opacity: BAND_OPACITY }, encoding: { x, y: { field: "min", type: "quantitative", ...y }, y2: { field: "max" }, color: { ...colour, legend: null }, description: { field: "series" } } },
                {
                    data: { values: rows },
                    mark: { type: "line", strokeWidth: 2, point: { filled: true, size: 40 } },
                    encoding: { x, y: { field: "median", type: "quantitative", ...y }, color: { ...colour, legend: many }, strokeDash: { field: "series", type: "nominal", scale: { domain: domainOf, range: looks.map((l) => l.dash) }, legend: many } },
                },
                ...marks,
            ],
            resolve: { scale: { color: "independent", strokeDash: "independent" } },
        };
    });
    return {
        $schema: "https://vega.github.io/schema/vega-lite/v5.json",
        title: { text: wrapped(sweep.title, 15, true), subtitle: wrapped(`${sweep.scenario}: each measure against ${sweep.key}; line = median across seeds, band = min–max`, 12), font: FONT, subtitleFont: FONT, anchor: "start", fontSize: 15, subtitleFontSize: 12 },
        background: "white",
        padding: 12,
        config: { view: { stroke: "#ccc" }, font: FONT },
        vconcat: panels,
        resolve: { scale: { color: "independent", strokeDash: "independent" }, legend: { color: "independent", strokeDash: "independent" } },
        spacing: 18,
    };
}
