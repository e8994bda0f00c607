// The lab's one price table: us-east-1 list prices (USD, before the free tier, which is per account), each with the
// page it was read from and the date. A figure AWS's own page did not show in the copy we could read is marked
// `third-party` (and names that source); anything not confirmed at all carries an `assumption`, and every figure
// derived from one says so where it is printed (report, JSON, HTML, README). Billing rules: rules.ts.

/** When every price below was read. */
export const PRICE_TABLE_DATE = "2026-12-02";
export const PRICE_REGION = "us-east-1";

export interface PriceSource {
    title: string;
    url: string;
    /**
     * "aws": read on the AWS page; "aws-copy": AWS's page as a public copy of it shows it (the live page renders its
     * prices client-side); "third-party": AWS's page could not be read, the figure is from the source named.
     */
    kind: "aws" | "aws-copy" | "third-party";
    /** For aws-copy and third-party: where the figure was read. */
    via?: string;
}

export interface Price {
    /** USD per `per` units. */
    usd: number;
    per: number;
    unit: string;
    description: string;
    source: PriceSource;
    /** Set when the figure (or how the lab applies it) is not confirmed by AWS: the assumption's name (rules.ts, COST_ASSUMPTIONS). */
    assumption?: "EVENTBRIDGE_BUS_LOGS";
}

const SQS: PriceSource = { title: "Amazon SQS pricing", url: "https://aws.amazon.com/sqs/pricing/", kind: "third-party", via: "cloudburn.io \"Amazon SQS Pricing: Complete Guide\" (March 2026) and factualminds.com \"Amazon SQS Pricing: The 64 KB Rule\" (June 2026), which agree" };
const SNS: PriceSource = { title: "Amazon SNS pricing", url: "https://aws.amazon.com/sns/pricing/", kind: "third-party", via: "factualminds.com \"Amazon SNS Pricing: Why a Single Publish Can Bill as Four Charges\" (June 2026)" };
const EVENTBRIDGE: PriceSource = { title: "Amazon EventBridge pricing", url: "https://aws.amazon.com/eventbridge/pricing/", kind: "third-party", via: "the page's 64 KB rule read on it; the $1.00/M custom-event price from cloudburn.io's SQS guide comparison table (March 2026)" };
const LAMBDA: PriceSource = { title: "AWS Lambda pricing", url: "https://aws.amazon.com/lambda/pricing/", kind: "aws-copy", via: "a public copy of the page in a GitHub repository (its pricing examples, US East (N. Virginia))" };
const DYNAMODB: PriceSource = { title: "Amazon DynamoDB pricing for on-demand capacity", url: "https://aws.amazon.com/dynamodb/pricing/on-demand/", kind: "third-party", via: "the page's request-unit rules read on it; prices as cut by 50 % on 1 November 2024 (AWS What's New, \"Amazon DynamoDB reduces prices for on-demand throughput\")" };
const CLOUDWATCH: PriceSource = { title: "Amazon CloudWatch pricing", url: "https://aws.amazon.com/cloudwatch/pricing/", kind: "third-party", via: "api-evangelist/cloudwatch plans-pricing.yml (us-east-1 list prices, reconciled 2026-05-05)" };
const KMS: PriceSource = { title: "AWS Key Management Service pricing", url: "https://aws.amazon.com/kms/pricing/", kind: "third-party", via: "the $1 per key-month and $0.03 per 10,000 requests quoted by several public summaries (e.g. gist dasgoll/b88d5be0)" };

/** Every price the lab bills, by the id meters and rules refer to. */
export const PRICES = {
    "sqs.standard.request": { usd: 0.40, per: 1e6, unit: "requests", description: "SQS standard queue request (first 100 billion a month)", source: SQS },
    "sqs.fifo.request": { usd: 0.50, per: 1e6, unit: "requests", description: "SQS FIFO queue request (send, receive, delete, change visibility)", source: SQS },
    "sns.standard.publish": { usd: 0.50, per: 1e6, unit: "requests", description: "SNS standard topic publish (64 KB chunks)", source: SNS },
    "sns.delivery.sqs": { usd: 0, per: 1e6, unit: "deliveries", description: "SNS delivery to an SQS queue (no charge; the queue bills its SendMessage)", source: SNS },
    "sns.delivery.lambda": { usd: 0, per: 1e6, unit: "deliveries", description: "SNS delivery to a Lambda function (no charge; Lambda bills the invocation)", source: SNS },
    "sns.delivery.http": { usd: 0.60, per: 1e6, unit: "deliveries", description: "SNS delivery to an HTTP/S endpoint", source: SNS },
    "sns.delivery.email": { usd: 2.00, per: 1e5, unit: "deliveries", description: "SNS delivery to an email address", source: SNS },
    "eventbridge.custom.event": { usd: 1.00, per: 1e6, unit: "events", description: "EventBridge custom event published to a bus (64 KB chunks)", source: EVENTBRIDGE },
    "lambda.request": { usd: 0.20, per: 1e6, unit: "requests", description: "Lambda request (an invocation; an async event over 256 KB adds one per 64 KB)", source: LAMBDA },
    "lambda.duration.arm64": { usd: 0.0000133334, per: 1, unit: "GB-seconds", description: "Lambda duration on arm64 (first 7.5 billion GB-s a month), INIT included since 1 August 2025", source: LAMBDA },
    "lambda.duration.x86_64": { usd: 0.0000166667, per: 1, unit: "GB-seconds", description: "Lambda duration on x86_64 (first 6 billion GB-s a month), INIT included since 1 August 2025", source: LAMBDA },
    "lambda.sqs-esm.epu": {
        usd: 0.00925, per: 1, unit: "EPU-hours", description: "Lambda provisioned mode for an SQS event source mapping: event poller unit (per second, 1-minute minimum)", source: LAMBDA,
    },
    "dynamodb.ondemand.wru": { usd: 0.625, per: 1e6, unit: "write request units", description: "DynamoDB on-demand write request unit (standard table class; 1 KB)", source: DYNAMODB },
    "dynamodb.ondemand.rru": { usd: 0.125, per: 1e6, unit: "read request units", description: "DynamoDB on-demand read request unit (standard table class; 4 KB strongly consistent)", source: DYNAMODB },
    "cloudwatch.alarm.standard": { usd: 0.10, per: 1, unit: "alarm metric-months", description: "CloudWatch standard-resolution alarm, per metric it reads (a metric-math alarm: each metric in its expression)", source: CLOUDWATCH },
    "cloudwatch.alarm.high-resolution": { usd: 0.30, per: 1, unit: "alarm metric-months", description: "CloudWatch high-resolution alarm (period under 60 s), per metric", source: CLOUDWATCH },
    "cloudwatch.custom-metric": { usd: 0.30, per: 1, unit: "metric-months", description: "CloudWatch custom metric (first 10,000; prorated by the hour a metric is sent)", source: CLOUDWATCH },
    "cloudwatch.logs.ingestion": { usd: 0.50, per: 2 ** 30, unit: "bytes", description: "CloudWatch Logs standard ingestion, per GB", source: CLOUDWATCH },
    "cloudwatch.logs.vended-ingestion": {
        usd: 0.50, per: 2 ** 30, unit: "bytes", description: "CloudWatch vended logs delivered to CloudWatch Logs, per GB (first 10 TB): EventBridge event-bus logging", source: CLOUDWATCH,
        assumption: "EVENTBRIDGE_BUS_LOGS",
    },
    "cloudwatch.dashboard": { usd: 3.00, per: 1, unit: "dashboard-months", description: "CloudWatch dashboard (the first 3 of an account, up to 50 metrics each, are free)", source: CLOUDWATCH },
    "kms.key": { usd: 1.00, per: 1, unit: "key-months", description: "AWS KMS customer managed key (prorated hourly)", source: KMS },
    "kms.request": { usd: 0.03, per: 1e4, unit: "requests", description: "AWS KMS request (first 20,000 a month free)", source: KMS },
} satisfies Record<string, Price>;

export type PriceId = keyof typeof PRICES;

/**
 * SQS fair queues (July 2025): the fair-queues guide ("Amazon SQS fair queues") names no price and none is on AWS's
 * pricing page as far as could be read; one third-party guide (cloudburn.io, March 2026) claims a surcharge. The lab
 * runs no fair queue, so it bills none; recorded here so the question is not asked again.
 */
export const SQS_FAIR_QUEUES_NOTE = "no separate price documented by AWS (a third-party guide claims a surcharge, unconfirmed); the lab uses no fair queue";

export function priceOf(id: PriceId): Price {
    return PRICES[id];
}

/** USD for `quantity` units of `id`. */
export function usd(id: PriceId, quantity: number): number {
    const p: Price = PRICES[id];
    return (quantity * p.usd) / p.per;
}
