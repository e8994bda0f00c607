// Runs one scenario: resolves its settings, builds a LabRun, lets the scenario drive it, and returns the result.
import { costReport } from "./cost/billing";
import { LabRun, Timeline } from "./harness";
import { CLOUDWATCH_ASSUMPTIONS } from "./report";
import { resolve, Scenario, ScenarioResult } from "./scenario";
import { SCENARIOS } from "./scenarios";

export interface RunOptions {
    seed?: number;
    /** `--set key=value` pairs. */
    sets?: Record<string, string>;
    onProgress?: (fraction: number) => void;
}

export const DEFAULT_SEED = 1;

export function findScenario(name: string): Scenario {
    const scenario = SCENARIOS.find((s) => s.name === name);
    if (!scenario) throw new Error(`no scenario ${JSON.stringify(name)}; the scenarios are ${SCENARIOS.map((s) => s.name).join(", ")}`);
    return scenario;
}

export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<ScenarioResult> {
    const seed = options.seed ?? DEFAULT_SEED;
    const { settings, params } = resolve(scenario, options.sets ?? {});
    const horizonSeconds = scenario.horizonSeconds(settings, params);
    const run = new LabRun(seed, horizonSeconds);
    let timeline: Timeline | undefined;
    const findings = await scenario.run(run, settings, params, async () => {
        timeline = await run.run(options.onProgress);
        return timeline;
    });
    if (!timeline) throw new Error(`${scenario.name} never ran the clock`);
    const { messages, ...outcome } = findings;
    const alarms = run.alarms.evaluate(horizonSeconds * 1000);
    const expectations = scenario.baseline
        ? [...findings.expectations, { claim: `no alarm of the stack fires (${alarms.length} alarms: the false-positive check)`, holds: alarms.every((a) => a.firstAlarmSeconds === null) }]
        : findings.expectations;
    return {
        scenario: scenario.name,
        title: scenario.title,
        pattern: scenario.pattern,
        seed,
        settings: { ...settings },
        params,
        virtualSeconds: horizonSeconds,
        simulatorEvents: run.clock.events,
        awsRule: scenario.awsRule,
        ...outcome,
        expectations,
        timeline,
        faultStartSeconds: scenario.faultStartSeconds(settings, params),
        faultEndSeconds: scenario.faultEndSeconds?.(settings, params) ?? null,
        alarms,
        assumes: [
            ...(typeof scenario.assumes === "function" ? scenario.assumes(params) : scenario.assumes ?? []),
            ...Object.values(CLOUDWATCH_ASSUMPTIONS).filter((a) => alarms.some((x) => [...x.firstAlarmAssumes, ...x.okAssumes].includes(a.name as never))),
        ],
        cost: costReport(run.billing, horizonSeconds * 1000, messages ?? findings.conservation.units),
    };
}
