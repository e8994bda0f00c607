// Parameter sweeps: one scenario run across a range of one knob, over several seeds, every numeric measure
// summarised per knob value (min, median, max across seeds). A point for a seed is exactly the single run
// `npm run lab -- <scenario> --set key=value --seed N` reports: same code path, same numbers.
import { firstAlarm } from "./report";
import { runScenario } from "./runner";
import { allowedKeys, LabInputError, resolve, Scenario, ScenarioResult } from "./scenario";

export interface Vary {
    key: string;
    from: number;
    to: number;
    steps: number;
}

export interface MeasureSummary {
    min: number;
    median: number;
    max: number;
}

export interface SweepPoint {
    value: number;
    seeds: number[];
    measures: Record<string, MeasureSummary>;
}

/** The JSON a sweep writes. */
export interface SweepResult {
    scenario: string;
    key: string;
    sets: Record<string, string>;
    points: SweepPoint[];
}

/** The measure a run's bill gives sweeps (lab/cost): USD per million messages at the price table's list prices. */
export const COST_PER_MILLION = "cost per million messages ($)";

/** The measure derived from the alarms, for sweeps: seconds from the fault to the first alarm of the stack. */
export const TIME_TO_DETECT = "seconds from the fault to the first alarm";

/** Parses `key=from..to[:steps]` (steps default: every whole number for an integer key, else 5). */
export function parseVary(text: string): { key: string; from: number; to: number; steps?: number } {
    const m = /^([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)?)=(-?\d+(?:\.\d+)?)\.\.(-?\d+(?:\.\d+)?)(?::(\d+))?$/.exec(text);
    if (!m) throw new LabInputError(`--vary ${text}: allowed key=from..to or key=from..to:steps, e.g. --vary maxReceiveCount=1..8`);
    const [, key, from, to, steps] = m;
    if (Number(from) >= Number(to)) throw new LabInputError(`--vary ${text}: from must be below to`);
    if (steps !== undefined && (Number(steps) < 2 || Number(steps) > 50)) throw new LabInputError(`--vary ${text}: steps allowed 2–50`);
    return { key, from: Number(from), to: Number(to), steps: steps === undefined ? undefined : Number(steps) };
}

/** Whether `key` of `scenario` takes whole numbers only; throws if it is not numeric at all. */
function integerKey(scenario: Scenario, key: string): boolean {
    if (!allowedKeys(scenario).includes(key)) throw new LabInputError(`--vary ${key}: ${scenario.name} has no such key; allowed ${allowedKeys(scenario).join(", ")}`);
    const param = scenario.params[key];
    if (param && typeof param.default !== "number") throw new LabInputError(`--vary ${key}: a sweep varies a number; ${key} is ${typeof param.default === "boolean" ? "true or false" : `one of ${param.choices?.join(", ")}`}`);
    return param ? !param.fraction : true;
}

/** The knob's values: `steps` evenly spaced from `from` to `to`, rounded to whole numbers for an integer key. */
export function sweepValues(scenario: Scenario, vary: { key: string; from: number; to: number; steps?: number }): Vary & { values: number[] } {
    const integer = integerKey(scenario, vary.key);
    if (integer && (!Number.isInteger(vary.from) || !Number.isInteger(vary.to))) throw new LabInputError(`--vary ${vary.key}=${vary.from}..${vary.to}: ${vary.key} takes whole numbers`);
    const steps = vary.steps ?? (integer ? Math.min(vary.to - vary.from + 1, 11) : 5);
    const raw = Array.from({ length: steps }, (_, i) => vary.from + ((vary.to - vary.from) * i) / (steps - 1));
    const values = [...new Set(raw.map((v) => (integer ? Math.round(v) : Math.round(v * 10_000) / 10_000)))];
    return { key: vary.key, from: vary.from, to: vary.to, steps: values.length, values };
}

/** Checks every point of a sweep (each value with the fixed sets) before any runs: a wrong one names itself. */
export function checkSweep(scenario: Scenario, key: string, values: number[], sets: Record<string, string>): void {
    if (key in sets) throw new LabInputError(`--set ${key}: ${key} is the knob --vary moves; drop the --set`);
    for (const value of values) resolve(scenario, { ...sets, [key]: String(value) });
}

/** Every numeric measure of a run, plus the time to detect when the scenario injects a fault and an alarm fired. */
export function numericMeasures(r: ScenarioResult): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, value] of Object.entries(r.measures)) if (typeof value === "number" && Number.isFinite(value)) out[name] = value;
    out[COST_PER_MILLION] = Math.round(r.cost.perMillionMessagesUsd * 1000) / 1000; // a tenth of a cent: the precision sweeps summarise at
    if (r.faultStartSeconds !== null) {
        const first = firstAlarm(r);
        if (first) out[TIME_TO_DETECT] = first.firstAlarmSeconds! - r.faultStartSeconds;
    }
    return out;
}

function summary(values: number[]): MeasureSummary {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    return { min: sorted[0], median: Math.round(median * 1000) / 1000, max: sorted[sorted.length - 1] };
}

/**
 * Runs `scenario` at every value of `key`, for seeds 1…`seeds`, and summarises each measure per value. A measure
 * some seeds of a point lack (no alarm fired in one run) is summarised over the seeds that have it; one no seed
 * has is left out of that point.
 */
export async function runSweep(
    scenario: Scenario, key: string, values: number[], options: { seeds: number; sets?: Record<string, string>; onProgress?: (fraction: number) => void },
): Promise<SweepResult> {
    const sets = options.sets ?? {};
    checkSweep(scenario, key, values, sets);
    const seeds = Array.from({ length: options.seeds }, (_, i) => i + 1);
    const points: SweepPoint[] = [];
    let done = 0;
    for (const value of values) {
        const runs: Record<string, number>[] = [];
        for (const seed of seeds) {
            const r = await runScenario(scenario, { seed, sets: { ...sets, [key]: String(value) } });
            runs.push(numericMeasures(r));
            options.onProgress?.(++done / (values.length * seeds.length));
        }
        const names = [...new Set(runs.flatMap((m) => Object.keys(m)))];
        const measures: Record<string, MeasureSummary> = {};
        for (const name of names) measures[name] = summary(runs.map((m) => m[name]).filter((v) => v !== undefined));
        points.push({ value, seeds, measures });
    }
    return { scenario: scenario.name, key, sets, points };
}

/** The measures worth a column: those that change across the sweep (all of them if none does). */
export function movingMeasures(result: SweepResult): string[] {
    const names = [...new Set(result.points.flatMap((p) => Object.keys(p.measures)))].filter((n) => n !== result.key && !/^(messages sent|orders|messages)$/.test(n));
    const moving = names.filter((n) => new Set(result.points.map((p) => JSON.stringify(p.measures[n] ?? null))).size > 1);
    return moving.length > 0 ? moving : names;
}

/** The sweep as a terminal table: the knob, then per measure "median" or "median (min–max)". */
export function sweepTable(result: SweepResult, measures: string[]): string {
    const header = [result.key, ...measures];
    const rows = result.points.map((p) => [String(p.value), ...measures.map((m) => cellText(p.measures[m]))]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join("  ");
    return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** A measure's cell: "median", or "median (min–max)" when seeds differ. */
export const cellText = (s: MeasureSummary | undefined) => (s === undefined ? "—" : s.min === s.max ? String(s.median) : `${s.median} (${s.min}–${s.max})`);

/** The sweep as a Markdown table, for the pattern READMEs. */
export function sweepTableMarkdown(result: SweepResult, measures: string[]): string {
    const rows = result.points.map((p) => `| ${p.value} | ${measures.map((m) => cellText(p.measures[m])).join(" | ")} |`);
    return [`| ${result.key} | ${measures.join(" | ")} |`, `|${"---:|".repeat(measures.length + 1)}`, ...rows].join("\n");
}
