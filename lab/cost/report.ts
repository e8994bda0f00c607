// A run's cost as the reports print it, and each scenario's extra cost over its pattern's healthy baseline. Every figure
// that follows from an assumption says so where it is printed.
import type { ScenarioResult } from "../scenario";
import { CostReport, dollars, round } from "./billing";
import { PRICE_REGION, PRICE_TABLE_DATE } from "./prices";

const count = (n: number) => n.toLocaleString("en-US");

/** "(assumes ESM_IDLE_POLLING, LAMBDA_INIT_MS for $0.00006 of it)", or "". */
export function costAssumes(cost: CostReport): string {
    return cost.assumptions.length === 0 ? "" : ` (${dollars(cost.assumedUsd)} of it assumes ${cost.assumptions.map((a) => a.name).join(", ")})`;
}

/** "$2.53 per million messages ($0.00303 for 1,200; $1.61 per million by the request, the rest by the hour) (… assumes …)". */
export function costPerMillion(cost: CostReport): string {
    const hourly = cost.perMillionPerRequestUsd === cost.perMillionMessagesUsd ? "" : `; by the request alone ${dollars(cost.perMillionPerRequestUsd)} per million, the rest billed by the hour: EMF custom metrics, idle polling${cost.lines.some((l) => l.price === "lambda.sqs-esm.epu") ? ", provisioned event pollers" : ""}`;
    return `${dollars(cost.perMillionMessagesUsd)} per million messages (${dollars(cost.totalUsd)} for ${count(cost.messages)}${hourly})${costAssumes(cost)}`;
}

/** "SQS $0.0015 · Lambda $0.00112 · …", largest first. */
export function costByService(cost: CostReport): string {
    return Object.entries(cost.byService).sort((a, b) => b[1]! - a[1]!).map(([s, usd]) => `${s} ${dollars(usd!)}`).join(" · ");
}

/** "the fault added $0.0214 (+$17.8 per million) over the same run with outageSeconds=0 ($0.01)", or undefined. */
export function faultExtra(cost: CostReport): string | undefined {
    const f = cost.fault;
    if (!f) return undefined;
    const sign = (x: number) => (x < 0 ? `−${dollars(-x)}` : `+${dollars(x)}`);
    return `the fault added ${sign(f.extraUsd)} (${sign(f.extraPerMillionUsd)} per million messages) over the same run with ${f.healthy} (${dollars(f.healthyUsd)})`;
}

/** The report's cost lines. */
export function costLines(r: ScenarioResult, pad: string): string[] {
    const c = r.cost;
    const extra = faultExtra(c);
    return [
        `   cost        ${costPerMillion(c)}`,
        `${pad}${costByService(c)}; ${PRICE_REGION} list prices read ${PRICE_TABLE_DATE}, before the free tier; fixed monthly costs: the pattern's README`,
        ...(extra ? [`${pad}${extra}`] : []),
        ...c.assumptions.map((a) => `${pad}${a.name}: ${a.value}`),
    ];
}

/** Sets the fault's extra cost on `result`: its cost minus its healthy twin's (the same run with `healthy` set). */
export function attachFaultCost(result: ScenarioResult, healthyTwin: ScenarioResult, healthy: Record<string, string>): void {
    const extra = result.cost.totalUsd - healthyTwin.cost.totalUsd;
    result.cost.fault = {
        healthy: Object.entries(healthy).map(([k, v]) => `${k}=${v}`).join(" "), healthyUsd: healthyTwin.cost.totalUsd, extraUsd: round(extra),
        extraPerMillionUsd: result.cost.messages > 0 ? round((extra * 1e6) / result.cost.messages) : 0,
    };
}
