// A lab run's bill: every simulated service registers the meter it keeps beside itself (plain counters its requests
// increment), and at the end each meter says what it used, as lines of the price table. A new simulated part bills
// with one line: `options.billing?.add(new ItsMeter(...))`.
import { PRICE_REGION, PRICE_TABLE_DATE, PriceId, PRICES, usd } from "./prices";
import { COST_ASSUMPTIONS, CostAssumption } from "./rules";

export type CostService = "SQS" | "SNS" | "EventBridge" | "Lambda" | "DynamoDB" | "CloudWatch" | "KMS";

/** One quantity of one price, with the assumption it follows from if any. */
export interface UsageLine {
    price: PriceId;
    quantity: number;
    /** The lab assumption this quantity depends on (the price's own assumption is added by the bill). */
    assumption?: CostAssumption;
}

export interface Meter {
    readonly service: CostService;
    /** The resource, as the lab names it (queue, topic, function, table). */
    readonly resource: string;
    /** What the resource used over the run, which ended at `endMs` of virtual time. */
    usage(endMs: number): UsageLine[];
}

/**
 * A meter of plain counters, each billed at one price (and, where named, under one assumption): the one-line meter of
 * a simulated part, e.g. `this.meter = options.billing?.add(new CounterMeter("Lambda", name, { epuHours: "lambda.sqs-esm.epu" }))`,
 * then `this.meter.counts.epuHours += …` where the part does what AWS bills.
 */
export class CounterMeter<K extends string> implements Meter {
    readonly counts: Record<K, number>;

    constructor(readonly service: CostService, readonly resource: string, private readonly prices: Readonly<Record<K, PriceId>>, private readonly assumptions: Partial<Record<K, CostAssumption>> = {}) {
        this.counts = {} as Record<K, number>;
        for (const k of Object.keys(prices) as K[]) this.counts[k] = 0;
    }

    usage(): UsageLine[] {
        return (Object.keys(this.prices) as K[]).map((k) => {
            const assumption = this.assumptions[k];
            return { price: this.prices[k], quantity: this.counts[k], ...(assumption ? { assumption } : {}) };
        });
    }
}

export class Billing {
    readonly meters: Meter[] = [];

    add<M extends Meter>(meter: M): M {
        this.meters.push(meter);
        return meter;
    }
}

export interface CostLine {
    service: CostService;
    resource: string;
    price: PriceId;
    quantity: number;
    unit: string;
    usd: number;
    /** Set when this line's quantity or price follows from an assumption: which (rules.ts, COST_ASSUMPTIONS). */
    assumes?: CostAssumption[];
}

/** What a run would cost on AWS at the price table's list prices, before any free tier. */
export interface CostReport {
    priceTableDate: string;
    region: string;
    lines: CostLine[];
    byService: Partial<Record<CostService, number>>;
    totalUsd: number;
    /** The messages the cost is divided by (the scenario's units). */
    messages: number;
    perMillionMessagesUsd: number;
    /**
     * The same without what is billed by the hour, not by the request (custom metrics, an idle mapping's empty
     * receives, provisioned mode's event poller units): what a million more messages would add. A short run's total is mostly those.
     */
    perMillionPerRequestUsd: number;
    /** The part of the total that follows from an assumption. */
    assumedUsd: number;
    /** The assumptions the lines marked with one follow from. */
    assumptions: { name: CostAssumption; value: string }[];
    /** For a scenario with a fault: what the fault added, against the same run with the fault off (its healthy twin). */
    fault?: { healthy: string; healthyUsd: number; extraUsd: number; extraPerMillionUsd: number };
}

/** Rounds a dollar figure for reports: 6 significant digits, no float noise. */
export const round = (x: number) => (x === 0 ? 0 : Number(x.toPrecision(6)));

/** Prices every meter's usage; lines with nothing used are left out. */
export function costReport(billing: Billing, endMs: number, messages: number, extra: UsageLine[] = [], extraResource = "stack"): CostReport {
    const lines: CostLine[] = [];
    const add = (service: CostService, resource: string, u: UsageLine) => {
        if (u.quantity <= 0) return;
        const price = PRICES[u.price] as { unit: string; assumption?: CostAssumption };
        const assumes = [u.assumption, price.assumption].filter((a): a is CostAssumption => a !== undefined);
        lines.push({ service, resource, price: u.price, quantity: round(u.quantity), unit: price.unit, usd: round(usd(u.price, u.quantity)), ...(assumes.length > 0 ? { assumes } : {}) });
    };
    for (const m of billing.meters) for (const u of m.usage(endMs)) add(m.service, m.resource, u);
    for (const u of extra) add(serviceOf(u.price), extraResource, u);
    const byService: Partial<Record<CostService, number>> = {};
    let total = 0;
    let assumed = 0;
    let hourly = 0;
    for (const l of lines) {
        byService[l.service] = (byService[l.service] ?? 0) + l.usd;
        total += l.usd;
        if (l.assumes) assumed += l.usd;
        if (l.price === "cloudwatch.custom-metric" || l.price === "lambda.sqs-esm.epu" || l.assumes?.includes("ESM_IDLE_POLLING")) hourly += l.usd;
    }
    for (const k of Object.keys(byService) as CostService[]) byService[k] = round(byService[k]!);
    return {
        priceTableDate: PRICE_TABLE_DATE, region: PRICE_REGION, lines, byService, totalUsd: round(total), messages,
        perMillionMessagesUsd: messages > 0 ? round((total * 1e6) / messages) : 0,
        perMillionPerRequestUsd: messages > 0 ? round(((total - hourly) * 1e6) / messages) : 0, assumedUsd: round(assumed),
        assumptions: [...new Set(lines.flatMap((l) => l.assumes ?? []))].map((name) => ({ name, value: COST_ASSUMPTIONS[name] })),
    };
}

export function serviceOf(price: PriceId): CostService {
    const prefix = price.slice(0, price.indexOf("."));
    return ({ sqs: "SQS", sns: "SNS", eventbridge: "EventBridge", lambda: "Lambda", dynamodb: "DynamoDB", cloudwatch: "CloudWatch", kms: "KMS" } as const)[prefix as "sqs"];
}

/** "$0.0123" with enough digits to show a small figure. */
export function dollars(x: number): string {
    if (x === 0) return "$0";
    if (x >= 100) return `$${x.toFixed(0)}`;
    if (x >= 0.1) return `$${x.toFixed(2)}`;
    return `$${x.toLocaleString("en-US", { maximumSignificantDigits: 3 })}`;
}
