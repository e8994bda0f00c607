// Runtimes with a future: Lambda stops patching a runtime on its deprecation date, then blocks creating and later
// updating functions on it, so a stack on a runtime near its end cannot be deployed to a new region or account, and
// soon not changed at all.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { peek, T, UNKNOWN } from "./lib";

export interface RuntimeLifecycle {
    /** Lambda stops security patches and support. */
    deprecation: string;
    /** Lambda refuses CreateFunction with this runtime. */
    blockCreate: string;
    /** Lambda refuses UpdateFunctionCode/Configuration with this runtime. */
    blockUpdate: string;
}

/**
 * The Node.js rows of the supported-runtimes table, as AWS Lambda's "Lambda runtimes" page and its "Building Lambda
 * functions with Node.js" page (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html) gave them on 2026-12-02. AWS moves these dates
 * (nodejs20.x's blocks moved from June/July to August/September 2026): check the page when a date is near.
 */
export const RUNTIMES_CHECKED = "2026-12-02";
export const RUNTIME_LIFECYCLE: Readonly<Record<string, RuntimeLifecycle>> = {
    "nodejs24.x": { deprecation: "2028-04-30", blockCreate: "2028-06-01", blockUpdate: "2028-07-01" },
    "nodejs22.x": { deprecation: "2027-04-30", blockCreate: "2027-06-01", blockUpdate: "2027-07-01" },
    "nodejs20.x": { deprecation: "2026-04-30", blockCreate: "2026-08-31", blockUpdate: "2026-09-30" },
};

/** The runtime the table gives the longest life: what to move to. */
const NEWEST = Object.entries(RUNTIME_LIFECYCLE).sort(([, a], [, b]) => b.deprecation.localeCompare(a.deprecation))[0][0];
const nodeMajor = (runtime: string) => Number(/^nodejs(\d+)\.x$/.exec(runtime)?.[1] ?? NaN);
const OLDEST_LISTED = Math.min(...Object.keys(RUNTIME_LIFECYCLE).map(nodeMajor));
const DAY_MS = 86_400_000;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export interface RuntimeVerdict {
    level: "advisory" | "mandatory";
    message: string;
}

/**
 * What the table says of `runtime` on `today` (YYYY-MM-DD): mandatory once Lambda blocks creating functions on it (a
 * Node.js runtime older than every listed one is past that: AWS lists only runtimes still supported), advisory from
 * `warnDays` before its deprecation date; nothing for a runtime the table does not cover (other languages).
 */
export function runtimeVerdict(runtime: string, today: string, warnDays: number): RuntimeVerdict | undefined {
    const life = RUNTIME_LIFECYCLE[runtime];
    const source = `(Lambda runtimes page, as of ${RUNTIMES_CHECKED})`;
    if (!life) {
        if (nodeMajor(runtime) < OLDEST_LISTED) return { level: "mandatory", message: `${runtime} is no longer a supported Lambda runtime: Lambda blocks creating functions on it ${source}; move to ${NEWEST}` };
        return undefined;
    }
    if (today >= life.blockCreate) {
        const update = today >= life.blockUpdate ? `and updating them since ${life.blockUpdate}` : `and blocks updating them from ${life.blockUpdate}`;
        return { level: "mandatory", message: `${runtime} was deprecated on ${life.deprecation}; Lambda blocks creating functions on it since ${life.blockCreate} ${update} ${source}; move to ${NEWEST}` };
    }
    const days = Math.round((Date.parse(life.deprecation) - Date.parse(today)) / DAY_MS);
    if (days > warnDays) return undefined;
    const when = days > 0 ? `is deprecated on ${life.deprecation}, in ${days} days` : `was deprecated on ${life.deprecation}`;
    return { level: "advisory", message: `${runtime} ${when}; Lambda blocks creating functions on it from ${life.blockCreate} and updating them from ${life.blockUpdate} ${source}; move to ${NEWEST}` };
}

/** The policy, with the clock it reads "today" from when the config does not set `today`. */
export function runtimeNotNearDeprecationPolicy(clock: () => Date = () => new Date()): ResourceValidationPolicy {
    const description = "A Lambda function's runtime must not be one Lambda has blocked creating functions on (mandatory), and should not be within warnDays (default 180) of its deprecation date (advisory), per the dated table of Lambda's runtimes page.";
    return {
        name: "runtime-not-near-deprecation",
        description,
        enforcementLevel: "mandatory",
        configSchema: {
            properties: {
                warnDays: { type: "integer", minimum: 0, maximum: 3650, default: 180 },
                // The date to judge on (plan ahead, or pin a test); today's UTC date when unset.
                today: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
            },
        },
        validateResource: (args, report) => {
            if (args.type !== T.function) return;
            const runtime = peek(args.props, "runtime");
            if (runtime === UNKNOWN || typeof runtime !== "string") return; // container images have no runtime
            const { warnDays, today } = args.getConfig<{ warnDays: number; today?: string }>();
            const verdict = runtimeVerdict(runtime, today ?? isoDay(clock()), warnDays);
            if (!verdict) return;
            // The analyzer's report also takes a diagnostic object (@pulumi/policy server.js makeReportViolationFun):
            // a near deprecation is advisory whatever the policy's level; a block keeps the configured level.
            if (verdict.level === "advisory") (report as unknown as (d: object) => void)({ message: `${description}\n${args.name}: ${verdict.message}`, enforcementLevel: "advisory" });
            else report(`${args.name}: ${verdict.message}`);
        },
    };
}

export const runtimeNotNearDeprecation = runtimeNotNearDeprecationPolicy();
export const runtimePolicies = [runtimeNotNearDeprecation];
