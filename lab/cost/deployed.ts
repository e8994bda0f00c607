// What the stack costs a month just by existing, priced from the resources the Pulumi program registers (under mocks,
// the program exactly as `pulumi up` runs it): every alarm by the metrics it reads, the alarm topic's KMS key, the
// dashboard, the idle polling of every SQS event source mapping and the minimum pollers of one in provisioned mode. Usage (requests, duration, logs) is the lab's
// runs' to price. No Pulumi here: the resources come in as data.
import type { ToggleKey } from "../../patterns/config";
import { dollars, round } from "./billing";
import { PRICE_REGION, PRICE_TABLE_DATE, PriceId, PRICES, usd } from "./prices";
import { COST_ASSUMPTIONS, CostAssumption, HOURS_PER_MONTH, idleEpuHoursPerMonth, idleReceives } from "./rules";

export interface DeployedResource {
    type: string;
    urn: string;
    parent: string;
    inputs: Record<string, any>;
}

export interface FixedLine {
    item: string;
    price: PriceId;
    count: number;
    quantity: number;
    usd: number;
    assumes?: CostAssumption[];
}

export interface FixedCost {
    lines: FixedLine[];
    totalUsd: number;
}

const PATTERN_OF_COMPONENT: Record<string, ToggleKey> = {
    "serverless-patterns-lab:patterns:QueueWorker": "queueWorker",
    "serverless-patterns-lab:patterns:FanOut": "fanOut",
    "serverless-patterns-lab:patterns:EventRouting": "eventRouting",
    "serverless-patterns-lab:patterns:IdempotentConsumer": "idempotentConsumer",
};

/** The type part of a URN: urn:pulumi:stack::project::parent$type::name → type. */
const typeOfUrn = (urn: string) => urn.split("::")[2]?.split("$").pop() ?? "";

/** Which pattern a resource belongs to (its nearest pattern component ancestor), or "shared" (the stack's own). */
function patternOf(resource: DeployedResource, byUrn: Map<string, DeployedResource>): ToggleKey | "shared" {
    for (let urn = resource.parent; urn; urn = byUrn.get(urn)?.parent ?? "") {
        const pattern = PATTERN_OF_COMPONENT[typeOfUrn(urn)];
        if (pattern) return pattern;
    }
    return "shared";
}

/** One resource's fixed monthly lines (none for a resource that costs only when used). */
function linesOf(r: DeployedResource): Omit<FixedLine, "usd">[] {
    switch (r.type) {
        case "aws:cloudwatch/metricAlarm:MetricAlarm": {
            const queries: any[] = r.inputs.metricQueries ?? [];
            const metrics = queries.length > 0 ? queries.filter((q) => q.metric).length : 1;
            const periods = [r.inputs.period, ...queries.map((q) => q.metric?.period)].filter((p) => typeof p === "number");
            const highResolution = periods.some((p) => p < 60);
            const kind = queries.length > 0 ? "metric-math alarm metrics" : "metric alarms";
            return [{ item: `CloudWatch ${highResolution ? "high-resolution " : ""}${kind}`, price: highResolution ? "cloudwatch.alarm.high-resolution" : "cloudwatch.alarm.standard", count: 1, quantity: metrics }];
        }
        case "aws:kms/key:Key":
            return [{ item: "KMS customer managed key", price: "kms.key", count: 1, quantity: 1 }];
        case "aws:cloudwatch/dashboard:Dashboard":
            return [{ item: "CloudWatch dashboard", price: "cloudwatch.dashboard", count: 1, quantity: 1 }];
        case "aws:lambda/eventSourceMapping:EventSourceMapping": {
            if (!String(r.inputs.eventSourceArn ?? "").startsWith("arn:aws:sqs:")) return [];
            const fifo = String(r.inputs.eventSourceArn).endsWith(".fifo");
            const minimumPollers: number | undefined = r.inputs.provisionedPollerConfig?.minimumPollers;
            return [{
                item: "SQS empty receives of an idle event source mapping", price: fifo ? "sqs.fifo.request" : "sqs.standard.request", count: 1,
                quantity: idleReceives(HOURS_PER_MONTH * 3600 * 1000), assumes: ["ESM_IDLE_POLLING"],
            }, ...(minimumPollers === undefined ? [] : [{
                // Provisioned mode: "Pricing is based on the provisioned minimum event pollers", one EPU each for SQS (AWS Lambda pricing), messages or not.
                item: "Event poller units of provisioned mode's minimum pollers", price: "lambda.sqs-esm.epu" as const, count: minimumPollers,
                quantity: idleEpuHoursPerMonth(minimumPollers),
            }])];
        }
        default:
            return [];
    }
}

/** The fixed monthly cost of each pattern's own resources, and of the stack's shared ones (alarm topic key, dashboard). */
export function fixedMonthlyCost(resources: DeployedResource[]): Record<ToggleKey | "shared", FixedCost> {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const out = {} as Record<ToggleKey | "shared", FixedCost>;
    for (const r of resources) {
        const key = patternOf(r, byUrn);
        const cost = (out[key] ??= { lines: [], totalUsd: 0 });
        for (const l of linesOf(r)) {
            const same = cost.lines.find((x) => x.item === l.item && x.price === l.price);
            if (same) {
                same.count += l.count;
                same.quantity += l.quantity;
            } else {
                cost.lines.push({ ...l, usd: 0 });
            }
        }
    }
    for (const cost of Object.values(out)) {
        // Registration order varies with the program's promises: a fixed order keeps the README stable.
        cost.lines.sort((a, b) => a.item.localeCompare(b.item) || a.price.localeCompare(b.price));
        for (const l of cost.lines) l.usd = round(usd(l.price, l.quantity));
        cost.totalUsd = round(cost.lines.reduce((n, l) => n + l.usd, 0));
    }
    return out;
}

/** The README block: the pattern's own fixed monthly cost, then the stack's shared resources it needs. */
export function fixedCostMarkdown(pattern: ToggleKey, costs: Record<ToggleKey | "shared", FixedCost>): string {
    const own = costs[pattern] ?? { lines: [], totalUsd: 0 };
    const shared = costs.shared ?? { lines: [], totalUsd: 0 };
    const row = (l: FixedLine) => {
        const p = PRICES[l.price];
        const qty = l.quantity === l.count ? `${l.count}` : `${l.count} (${l.quantity.toLocaleString("en-US")} ${p.unit.replace(/-months?$/, "s")})`;
        return `| ${l.item} | ${qty} | ${dollars(p.usd)} per ${p.per === 1 ? p.unit.replace(/s$/, "") : `${p.per.toLocaleString("en-US")} ${p.unit}`} | ${dollars(l.usd)}${l.assumes ? ` (assumes ${l.assumes.join(", ")})` : ""} |`;
    };
    const assumed = [...new Set([...own.lines, ...shared.lines].flatMap((l) => l.assumes ?? []))];
    return [
        `Generated by \`npm run lab -- --all --write-docs\` from the resources the program registers (under mocks, all four patterns on), priced at ${PRICE_REGION} list prices read ${PRICE_TABLE_DATE} (lab/cost/prices.ts), before the free tier (10 alarm metrics and 3 dashboards an account are free).`
            + ` What this pattern costs a month with no traffic at all; what its traffic costs is the 💲 line of each run above.`,
        "",
        "| Resource | Count | Price | Monthly |",
        "|---|---:|---|---:|",
        ...own.lines.map(row),
        `| **this pattern** | | | **${dollars(own.totalUsd)}** |`,
        ...shared.lines.map(row),
        `| **the stack's shared resources, once per stack** | | | **${dollars(shared.totalUsd)}** |`,
        ...(assumed.length > 0 ? ["", ...assumed.map((a) => `${a}, an assumption: ${COST_ASSUMPTIONS[a]} (docs/fidelity.md, Cost).`)] : []),
    ].join("\n");
}
