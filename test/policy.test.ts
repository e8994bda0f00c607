// The policy pack, exercised the way the Pulumi CLI exercises it: started from policy/ by run-policy-pack,
// configured, and fed resources over gRPC (Analyze, AnalyzeStack).
import { strict as assert } from "assert";
import { RUNTIME_LIFECYCLE, runtimeNotNearDeprecationPolicy, RUNTIMES_CHECKED, runtimeVerdict } from "../policy/runtimes";
import { AnalyzedResource, Diagnostic, PolicyAnalyzer, UNKNOWN_VALUE } from "../scripts/policy-analyzer";
import { allCombinations, analyzeRun, previewAll, previewWithPolicies } from "../scripts/preview-policy";
import { RecordedResource, runProgram } from "./harness";

/** The pack's config in every test: runtime-not-near-deprecation judges on the date its table was read, not the clock. */
const PINNED = { "runtime-not-near-deprecation": { today: RUNTIMES_CHECKED } };
// The pack takes seconds to start (ts-node type-checks it, as under the CLI): start it while mocha loads the test
// files, so it comes up in its own process while the suites before this one run.
const starting = PolicyAnalyzer.startConfigured(PINNED, undefined, { background: true });
starting.catch(() => undefined); // reported by the before hook that awaits it
let analyzer: PolicyAnalyzer;

const urn = (type: string, name: string) => `urn:pulumi:test::serverless-patterns-lab::${type}::${name}`;
const res = (type: string, name: string, properties: Record<string, unknown>, propertyDependencies: Record<string, string[]> = {}): AnalyzedResource =>
    ({ type, name, urn: urn(type, name), properties, propertyDependencies, dependencies: Object.values(propertyDependencies).flat() });
/** The policies that fired at `level`, sorted. */
const fired = (ds: Diagnostic[], level: "mandatory" | "advisory" = "mandatory") => [...new Set(ds.filter((d) => d.enforcementLevel === level).map((d) => d.policyName))].sort();
const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });

const Q = "aws:sqs/queue:Queue";
const FN = "aws:lambda/function:Function";
const ESM = "aws:lambda/eventSourceMapping:EventSourceMapping";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const RECURSION = "aws:lambda/functionRecursionConfig:FunctionRecursionConfig";
const BUS = "aws:cloudwatch/eventBus:EventBus";
const SOURCE = "aws:cloudwatch/logDeliverySource:LogDeliverySource";
const DELIVERY = "aws:cloudwatch/logDelivery:LogDelivery";

/** A function's recursion config as the lab states it (`loop` Terminate), linked by dependency in a preview, by name otherwise. */
const recursionOf = (fn: AnalyzedResource, preview: boolean, loop = "Terminate") => res(RECURSION, `${fn.name}-recursion`,
    { functionName: preview ? UNKNOWN_VALUE : (fn.properties as any).name, recursiveLoop: loop }, preview ? { functionName: [fn.urn] } : {});

/**
 * A queue consumer as the lab builds it. `preview`: a new stack's preview — ARNs unknown, resources linked only
 * through property dependencies. Otherwise an update: ARNs known, no property dependencies, linked by value.
 */
function consumerStack(preview: boolean, edit: { visibility?: number; timeout?: number; noRedrive?: boolean; dlqRetention?: number; drop?: string[]; esm?: Record<string, unknown> } = {}) {
    const arn = (kind: string, name: string) => (preview ? UNKNOWN_VALUE : `arn:aws:${kind}:us-east-1:123456789012:${name}`);
    const deps = (d: Record<string, string[]>) => (preview ? d : {});
    const dlq = res(Q, "orders-dlq", { name: "orders-dlq-1111111", arn: arn("sqs", "orders-dlq-1111111"), messageRetentionSeconds: edit.dlqRetention ?? 1_209_600 });
    const queue = res(Q, "orders", {
        name: "orders-2222222", arn: arn("sqs", "orders-2222222"), visibilityTimeoutSeconds: edit.visibility ?? 180, messageRetentionSeconds: 345_600,
        ...(edit.noRedrive ? {} : { redrivePolicy: preview ? UNKNOWN_VALUE : JSON.stringify({ deadLetterTargetArn: dlq.properties && arn("sqs", "orders-dlq-1111111"), maxReceiveCount: 5 }) }),
    }, deps(edit.noRedrive ? {} : { redrivePolicy: [dlq.urn] }));
    const fn = res(FN, "orders-fn", { name: "orders-fn-3333333", arn: arn("lambda", "function:orders-fn-3333333"), timeout: edit.timeout ?? 30 });
    const esm = res(ESM, "orders-esm", { eventSourceArn: arn("sqs", "orders-2222222"), functionName: arn("lambda", "function:orders-fn-3333333"), maximumBatchingWindowInSeconds: 0, ...edit.esm },
        deps({ eventSourceArn: [queue.urn], functionName: [fn.urn] }));
    const dlqAlarm = res(ALARM, "orders-dlq-depth", { metricName: "ApproximateNumberOfMessagesVisible", dimensions: { QueueName: preview ? UNKNOWN_VALUE : "orders-dlq-1111111" } }, deps({ dimensions: [dlq.urn] }));
    const errors = res(ALARM, "orders-fn-errors", { metricName: "Errors", dimensions: { FunctionName: preview ? UNKNOWN_VALUE : "orders-fn-3333333" } }, deps({ dimensions: [fn.urn] }));
    return [dlq, queue, fn, esm, dlqAlarm, errors, recursionOf(fn, preview)].filter((r) => !edit.drop?.includes(r.name));
}

describe("policy pack (through its gRPC analyzer)", function () {

    before(async () => {
        analyzer = await starting;
    });
    after(() => analyzer?.stop());

    it("serves the pack's policies, each with a description a user can act on and an enforcement level", async () => {
        const { name, version, policies } = await analyzer.info();
        assert.equal(name, "serverless-patterns-lab");
        assert.equal(version, "0.1.0");
        assert.deepEqual(policies.map((p) => `${p.name}:${p.enforcementLevel}`), [
            "iam-no-wildcard-actions:mandatory", "iam-no-wildcard-resources:mandatory", "iam-no-admin-managed-policies:mandatory",
            "service-principal-source-condition:mandatory", "lambda-permission-source-arn:mandatory",
            "sqs-event-source-has-dlq:mandatory", "eventbridge-target-has-dlq:mandatory", "sns-subscription-has-redrive:mandatory",
            "async-function-has-failure-destination:mandatory", "dlq-has-depth-alarm:mandatory", "function-has-errors-alarm:mandatory",
            "visibility-timeout-exceeds-function-timeout:mandatory", "visibility-timeout-recommended:advisory",
            "dlq-retention-longer-than-source:advisory", "max-receive-count-at-least-5:advisory",
            "runtime-not-near-deprecation:mandatory", "sqs-event-source-scaling-valid:mandatory", "function-recursion-terminate:mandatory", "eventbridge-bus-logging:mandatory",
        ]);
        for (const p of policies) assert.ok(p.description.length > 60, p.name);
    });

    describe("resource policies: one pass and one fail fixture each", () => {
        const RP = "aws:iam/rolePolicy:RolePolicy";
        const QP = "aws:sqs/queuePolicy:QueuePolicy";
        const cases: [string, AnalyzedResource, AnalyzedResource, string[]][] = [
            ["iam-no-wildcard-actions",
                res(RP, "ok", { policy: doc({ Effect: "Allow", Action: ["sqs:ReceiveMessage"], Resource: ["arn:aws:sqs:us-east-1:1:q"] }, { Effect: "Deny", Action: "sqs:*", Resource: "*", Principal: "*" }) }),
                res(RP, "bad", { policy: doc({ Effect: "Allow", Action: ["sqs:*"], Resource: ["arn:aws:sqs:us-east-1:1:q"] }) }), ["iam-no-wildcard-actions"]],
            ["iam-no-wildcard-resources",
                res(RP, "ok", { policy: doc({ Effect: "Allow", Action: ["xray:PutTraceSegments"], Resource: "*" }) }),
                res(RP, "bad", { policy: doc({ Effect: "Allow", Action: ["dynamodb:PutItem"], Resource: "*" }) }), ["iam-no-wildcard-resources"]],
            ["iam-no-admin-managed-policies",
                res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "ok", { role: "r", policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" }),
                res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "bad", { role: "r", policyArn: "arn:aws:iam::aws:policy/AmazonSQSFullAccess" }), ["iam-no-admin-managed-policies"]],
            ["service-principal-source-condition",
                res(QP, "ok", { policy: doc({ Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: "sqs:SendMessage", Resource: "arn:aws:sqs:us-east-1:1:q", Condition: { ArnEquals: { "aws:SourceArn": "arn:aws:sns:us-east-1:1:t" } } }) }),
                res(QP, "bad", { policy: doc({ Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: "sqs:SendMessage", Resource: "arn:aws:sqs:us-east-1:1:q" }) }), ["service-principal-source-condition"]],
            ["lambda-permission-source-arn",
                res("aws:lambda/permission:Permission", "ok", { action: "lambda:InvokeFunction", function: "f", principal: "events.amazonaws.com", sourceArn: "arn:aws:events:us-east-1:1:rule/b/r" }),
                res("aws:lambda/permission:Permission", "bad", { action: "lambda:InvokeFunction", function: "f", principal: "events.amazonaws.com" }), ["lambda-permission-source-arn"]],
            ["eventbridge-target-has-dlq",
                res("aws:cloudwatch/eventTarget:EventTarget", "ok", { rule: "r", arn: "arn:aws:sqs:us-east-1:1:q", deadLetterConfig: { arn: "arn:aws:sqs:us-east-1:1:dlq" } }),
                res("aws:cloudwatch/eventTarget:EventTarget", "bad", { rule: "r", arn: "arn:aws:sqs:us-east-1:1:q" }), ["eventbridge-target-has-dlq"]],
            ["sns-subscription-has-redrive",
                res("aws:sns/topicSubscription:TopicSubscription", "ok", { protocol: "sqs", topic: "t", endpoint: "q", redrivePolicy: JSON.stringify({ deadLetterTargetArn: "arn:aws:sqs:us-east-1:1:dlq" }) }),
                res("aws:sns/topicSubscription:TopicSubscription", "bad", { protocol: "sqs", topic: "t", endpoint: "q" }), ["sns-subscription-has-redrive"]],
        ];
        for (const [policy, pass, fail, expected] of cases) {
            it(`${policy}: passes a compliant resource, fails a violating one with that policy only`, async () => {
                assert.deepEqual(fired(await analyzer.analyze(pass)), [], "pass fixture");
                assert.deepEqual(fired(await analyzer.analyze(fail)), expected, "fail fixture");
            });
        }

        it("max-receive-count-at-least-5 (advisory): 5 passes, 2 is reported", async () => {
            const queue = (n: number) => res(Q, `q${n}`, { redrivePolicy: JSON.stringify({ deadLetterTargetArn: "arn:aws:sqs:us-east-1:1:dlq", maxReceiveCount: n }) });
            assert.deepEqual(fired(await analyzer.analyze(queue(5)), "advisory"), []);
            assert.deepEqual(fired(await analyzer.analyze(queue(2)), "advisory"), ["max-receive-count-at-least-5"]);
        });

        it("a document unknown during preview is not a violation", async () => {
            const ds = await analyzer.analyze(res(RP, "later", { role: "r", policy: UNKNOWN_VALUE }));
            assert.deepEqual(fired(ds), []);
        });
    });

    describe("stack policies, on an update (linked by ARN values) and on a new stack's preview (unknown ARNs, linked by property dependencies)", () => {
        for (const preview of [false, true]) {
            const mode = preview ? "preview" : "update";
            it(`${mode}: the lab's consumer shape passes every policy`, async () => {
                const ds = await analyzer.analyzeStack(consumerStack(preview));
                assert.deepEqual(fired(ds), []);
                assert.deepEqual(fired(ds, "advisory"), []);
            });
            it(`${mode}: an event-source queue without a redrive policy fails sqs-event-source-has-dlq`, async () => {
                assert.deepEqual(fired(await analyzer.analyzeStack(consumerStack(preview, { noRedrive: true, drop: ["orders-dlq", "orders-dlq-depth"] }))), ["sqs-event-source-has-dlq"]);
            });
            it(`${mode}: a visibility timeout not above the function timeout fails the mandatory policy; below 6× only the advisory one`, async () => {
                const short = await analyzer.analyzeStack(consumerStack(preview, { visibility: 30 }));
                assert.deepEqual(fired(short), ["visibility-timeout-exceeds-function-timeout"]);
                const belowRatio = await analyzer.analyzeStack(consumerStack(preview, { visibility: 100 }));
                assert.deepEqual(fired(belowRatio), []);
                assert.deepEqual(fired(belowRatio, "advisory"), ["visibility-timeout-recommended"]);
            });
            it(`${mode}: a DLQ without a depth alarm and a function without an Errors alarm fail their policies`, async () => {
                assert.deepEqual(fired(await analyzer.analyzeStack(consumerStack(preview, { drop: ["orders-dlq-depth"] }))), ["dlq-has-depth-alarm"]);
                assert.deepEqual(fired(await analyzer.analyzeStack(consumerStack(preview, { drop: ["orders-fn-errors"] }))), ["function-has-errors-alarm"]);
            });
            it(`${mode}: sqs-event-source-scaling-valid passes maximum concurrency alone and provisioned pollers alone, fails both together and pollers outside SQS's ranges`, async () => {
                const scaling = async (esm: Record<string, unknown>) => fired(await analyzer.analyzeStack(consumerStack(preview, { esm })));
                assert.deepEqual(await scaling({ scalingConfig: { maximumConcurrency: 10 } }), [], "pass: maximum concurrency");
                assert.deepEqual(await scaling({ provisionedPollerConfig: { minimumPollers: 2, maximumPollers: 20 } }), [], "pass: provisioned pollers");
                assert.deepEqual(await scaling({ provisionedPollerConfig: {} }), [], "pass: provisioned at AWS's defaults");
                assert.deepEqual(await scaling({ scalingConfig: { maximumConcurrency: 10 }, provisionedPollerConfig: { minimumPollers: 2, maximumPollers: 20 } }), ["sqs-event-source-scaling-valid"], "fail: both");
                assert.deepEqual(await scaling({ provisionedPollerConfig: { minimumPollers: 1, maximumPollers: 20 } }), ["sqs-event-source-scaling-valid"], "fail: 1 poller (Kafka's minimum, not SQS's)");
                assert.deepEqual(await scaling({ provisionedPollerConfig: { minimumPollers: 30, maximumPollers: 20 } }), ["sqs-event-source-scaling-valid"], "fail: minimum above maximum");
                const both = await analyzer.analyzeStack(consumerStack(preview, { esm: { scalingConfig: { maximumConcurrency: 10 }, provisionedPollerConfig: { minimumPollers: 2 } } }));
                assert.match(both.find((d) => d.policyName === "sqs-event-source-scaling-valid")!.message, /maximumConcurrency 10 is set with provisionedPollerConfig/);
            });
            it(`${mode}: a DLQ keeping messages no longer than its source is advised against`, async () => {
                assert.deepEqual(fired(await analyzer.analyzeStack(consumerStack(preview, { dlqRetention: 345_600 })), "advisory"), ["dlq-retention-longer-than-source"]);
            });
        }

        it("a function targeted by EventBridge without an on-failure destination fails async-function-has-failure-destination", async () => {
            const fn = res(FN, "handler", { name: "handler-1", timeout: 10 });
            const target = res("aws:cloudwatch/eventTarget:EventTarget", "t", { rule: "r", arn: UNKNOWN_VALUE, deadLetterConfig: { arn: "arn:aws:sqs:us-east-1:1:dlq" } }, { arn: [fn.urn] });
            const errors = res(ALARM, "handler-errors", { metricName: "Errors", dimensions: { FunctionName: UNKNOWN_VALUE } }, { dimensions: [fn.urn] });
            const recursion = recursionOf(fn, true);
            assert.deepEqual(fired(await analyzer.analyzeStack([fn, target, errors, recursion])), ["async-function-has-failure-destination"]);
            const config = res("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "handler-async",
                { functionName: UNKNOWN_VALUE, destinationConfig: { onFailure: { destination: UNKNOWN_VALUE } } }, { functionName: [fn.urn] });
            assert.deepEqual(fired(await analyzer.analyzeStack([fn, target, errors, recursion, config])), []);
        });

        for (const preview of [false, true]) {
            const mode = preview ? "preview" : "update";
            it(`${mode}: function-recursion-terminate passes a function with recursiveLoop Terminate, fails one without a recursion config or with Allow`, async () => {
                const stack = consumerStack(preview);
                assert.deepEqual(fired(await analyzer.analyzeStack(stack)), [], "pass fixture: Terminate");
                const without = await analyzer.analyzeStack(consumerStack(preview, { drop: ["orders-fn-recursion"] }));
                assert.deepEqual(fired(without), ["function-recursion-terminate"], "fail fixture: no config");
                assert.match(without[0].message, /orders-fn has no FunctionRecursionConfig/);
                const fn = stack.find((r) => r.name === "orders-fn")!;
                const allow = await analyzer.analyzeStack([...consumerStack(preview, { drop: ["orders-fn-recursion"] }), recursionOf(fn, preview, "Allow")]);
                assert.deepEqual(fired(allow), ["function-recursion-terminate"], "fail fixture: Allow");
                assert.match(allow[0].message, /sets recursiveLoop "Allow"; allowed Terminate/);
            });

            /** A bus logging at `level` with deliveries for `types`. */
            const busStack = (level: string | undefined, types: string[]) => {
                const bus = res(BUS, "orders-bus", { name: "orders-bus-1", arn: preview ? UNKNOWN_VALUE : "arn:aws:events:us-east-1:1:event-bus/orders-bus-1", ...(level ? { logConfig: { level, includeDetail: "NONE" } } : {}) });
                const rs: AnalyzedResource[] = [bus];
                for (const logType of types) {
                    const source = res(SOURCE, `bus-${logType}`, { name: `bus-${logType}-1`, logType, resourceArn: preview ? UNKNOWN_VALUE : "arn:aws:events:us-east-1:1:event-bus/orders-bus-1" }, preview ? { resourceArn: [bus.urn] } : {});
                    const delivery = res(DELIVERY, `bus-${logType}-delivery`, { deliverySourceName: preview ? UNKNOWN_VALUE : `bus-${logType}-1`, deliveryDestinationArn: "arn:aws:logs:us-east-1:1:delivery-destination:d" }, preview ? { deliverySourceName: [source.urn] } : {});
                    rs.push(source, delivery);
                }
                return rs;
            };
            it(`${mode}: eventbridge-bus-logging passes a bus logging at ERROR with its error logs delivered, fails one logging OFF, unset, or at TRACE without the trace logs delivered`, async () => {
                assert.deepEqual(fired(await analyzer.analyzeStack(busStack("ERROR", ["ERROR_LOGS"]))), [], "pass fixture: ERROR");
                assert.deepEqual(fired(await analyzer.analyzeStack(busStack("TRACE", ["ERROR_LOGS", "INFO_LOGS", "TRACE_LOGS"]))), [], "pass fixture: TRACE");
                const off = await analyzer.analyzeStack(busStack("OFF", ["ERROR_LOGS"]));
                assert.deepEqual(fired(off), ["eventbridge-bus-logging"], "fail fixture: OFF");
                assert.match(off[0].message, /logs at "OFF"; allowed ERROR, INFO or TRACE/);
                assert.deepEqual(fired(await analyzer.analyzeStack(busStack(undefined, []))), ["eventbridge-bus-logging"], "fail fixture: no logConfig");
                const undelivered = await analyzer.analyzeStack(busStack("TRACE", ["ERROR_LOGS", "INFO_LOGS"]));
                assert.deepEqual(fired(undelivered), ["eventbridge-bus-logging"], "fail fixture: TRACE_LOGS not delivered");
                assert.match(undelivered[0].message, /logs at TRACE but TRACE_LOGS is not delivered anywhere/);
            });
        }
    });

    describe("runtime-not-near-deprecation: from the dated table of Lambda's runtimes page, on a date set through its config", () => {
        afterEach(() => analyzer.configure(PINNED));
        const fn = (runtime: string | undefined) => res(FN, `fn-${runtime}`, { name: "fn-1", timeout: 10, ...(runtime ? { runtime } : { packageType: "Image" }) });
        /** The levels the policy reports for `runtime` when the config says today is `today`. */
        const verdict = async (runtime: string | undefined, today: string, warnDays?: number) => {
            await analyzer.configure({ "runtime-not-near-deprecation": { today, ...(warnDays === undefined ? {} : { warnDays }) } });
            return (await analyzer.analyze(fn(runtime))).filter((d) => d.policyName === "runtime-not-near-deprecation");
        };
        const levels = (ds: Diagnostic[]) => ds.map((d) => d.enforcementLevel);
        const dayBefore = (iso: string) => new Date(Date.parse(iso) - 86_400_000).toISOString().slice(0, 10);
        const daysBefore = (iso: string, n: number) => new Date(Date.parse(iso) - n * 86_400_000).toISOString().slice(0, 10);

        it("the table holds AWS's three dates for each Node.js runtime, in order", () => {
            assert.deepEqual(Object.keys(RUNTIME_LIFECYCLE).sort(), ["nodejs20.x", "nodejs22.x", "nodejs24.x"]);
            for (const [runtime, life] of Object.entries(RUNTIME_LIFECYCLE)) assert.ok(life.deprecation < life.blockCreate && life.blockCreate < life.blockUpdate, runtime);
        });

        for (const [runtime, life] of Object.entries(RUNTIME_LIFECYCLE)) {
            it(`${runtime}: passes 181 days before its deprecation, advisory from 180 days before, mandatory from the day Lambda blocks creating functions on it`, async () => {
                assert.deepEqual(levels(await verdict(runtime, daysBefore(life.deprecation, 181))), [], "pass fixture");
                const near = await verdict(runtime, daysBefore(life.deprecation, 180));
                assert.deepEqual(levels(near), ["advisory"]);
                assert.match(near[0].message, new RegExp(`${runtime.replace(".", "\\.")} is deprecated on ${life.deprecation}, in 180 days`));
                assert.deepEqual(levels(await verdict(runtime, dayBefore(life.blockCreate))), ["advisory"], "deprecated, creation not blocked yet");
                const blocked = await verdict(runtime, life.blockCreate);
                assert.deepEqual(levels(blocked), ["mandatory"]);
                assert.match(blocked[0].message, new RegExp(`blocks creating functions on it since ${life.blockCreate}`));
            });
        }

        it("a Node.js runtime older than every listed one is mandatory; another language's runtime and a container image are not judged", async () => {
            assert.deepEqual(levels(await verdict("nodejs18.x", RUNTIMES_CHECKED)), ["mandatory"]);
            assert.deepEqual(levels(await verdict("python3.13", RUNTIMES_CHECKED)), []);
            assert.deepEqual(levels(await verdict(undefined, RUNTIMES_CHECKED)), []);
        });

        it("without `today` in its config it judges on the clock: the pack's own (today's UTC date, over gRPC) or one injected", async () => {
            await analyzer.configure({ "runtime-not-near-deprecation": {} });
            const today = new Date().toISOString().slice(0, 10);
            for (const runtime of Object.keys(RUNTIME_LIFECYCLE)) {
                const ds = (await analyzer.analyze(fn(runtime))).filter((d) => d.policyName === "runtime-not-near-deprecation");
                const expected = runtimeVerdict(runtime, today, 180);
                assert.deepEqual(levels(ds), expected ? [expected.level] : [], `${runtime} on ${today}`);
            }
            // An injected clock, through the policy's own validateResource (the analyzer process keeps the real one).
            const life = RUNTIME_LIFECYCLE["nodejs24.x"];
            const judged = (day: string) => {
                const reported: unknown[] = [];
                const policy = runtimeNotNearDeprecationPolicy(() => new Date(`${day}T12:00:00Z`));
                const args = { type: FN, name: "fn", urn: urn(FN, "fn"), props: { runtime: "nodejs24.x" }, getConfig: () => ({ warnDays: 180 }) };
                void (policy.validateResource as (a: unknown, r: (d: unknown) => void) => void)(args, (d) => reported.push(d));
                return reported.map((d) => (typeof d === "string" ? "mandatory" : (d as { enforcementLevel: string }).enforcementLevel));
            };
            assert.deepEqual(judged(daysBefore(life.deprecation, 181)), []);
            assert.deepEqual(judged(daysBefore(life.deprecation, 180)), ["advisory"]);
            assert.deepEqual(judged(life.blockCreate), ["mandatory"]);
        });

        it("warnDays narrows the advisory window; a bad date is refused by the config schema", async () => {
            const life = RUNTIME_LIFECYCLE["nodejs22.x"];
            assert.deepEqual(levels(await verdict("nodejs22.x", daysBefore(life.deprecation, 31), 30)), []);
            assert.deepEqual(levels(await verdict("nodejs22.x", daysBefore(life.deprecation, 30), 30)), ["advisory"]);
            await assert.rejects(analyzer.configure({ "runtime-not-near-deprecation": { today: "2 December 2026" } }), /runtime-not-near-deprecation\.today = "2 December 2026": must match pattern/);
        });
    });

    describe("policy config, as the CLI applies it", () => {
        afterEach(() => analyzer.configure(PINNED));

        it("a ratio changed through configure changes the verdict", async () => {
            const stack = consumerStack(false, { visibility: 100 }); // 100 s for a 30 s function
            assert.deepEqual(fired(await analyzer.analyzeStack(stack), "advisory"), ["visibility-timeout-recommended"]);
            await analyzer.configure({ "visibility-timeout-recommended": { ratio: 3 } });
            assert.deepEqual(fired(await analyzer.analyzeStack(stack), "advisory"), []);
            await analyzer.configure({ "visibility-timeout-recommended": { enforcementLevel: "mandatory" } });
            assert.deepEqual(fired(await analyzer.analyzeStack(stack)), ["visibility-timeout-recommended"]);
        });

        it("rejects an invalid value, an unknown property and an unknown policy with a clear message", async () => {
            await assert.rejects(analyzer.configure({ "visibility-timeout-recommended": { ratio: "six" } }),
                { message: 'policy config visibility-timeout-recommended.ratio = "six": must be number' });
            await assert.rejects(analyzer.configure({ "visibility-timeout-recommended": { ratio: 0 } }),
                { message: "policy config visibility-timeout-recommended.ratio = 0: must be >= 1" });
            await assert.rejects(analyzer.configure({ "visibility-timeout-recommended": { ration: 3 } }),
                { message: "policy config visibility-timeout-recommended.ration = 3: no such property; allowed ratio" });
            await assert.rejects(analyzer.configure({ "visibility-timeout": {} }), /names visibility-timeout, which is not a policy of this pack/);
        });
    });

    describe("the lab's own program (offline preview)", () => {
        it("every one of the 16 toggle combinations previews with zero violations, mandatory or advisory", async () => {
            const results = await previewAll(analyzer, allCombinations());
            assert.equal(results.length, 16);
            for (const { config, diagnostics, resources } of results) assert.deepEqual(diagnostics, [], `${JSON.stringify(config)} (${resources} resources)`);
        });

        it("all four patterns pass as an update too, where every value is known and links are made by ARN", async () => {
            const { diagnostics, resources } = await previewWithPolicies(analyzer, { queueWorker: true, fanOut: true, eventRouting: true, idempotentConsumer: true }, undefined, "update");
            assert.ok(resources > 200);
            assert.deepEqual(diagnostics, []);
        });

        /** Edits one recorded resource's inputs. */
        const edit = (type: string, name: string, change: (inputs: Record<string, any>) => void) => (rs: RecordedResource[]) => rs.map((r) => {
            if (r.type !== type || r.name !== name) return r;
            const wireInputs = JSON.parse(JSON.stringify(r.wireInputs));
            change(wireInputs);
            return { ...r, wireInputs };
        });
        const variants: [string, (rs: RecordedResource[]) => RecordedResource[], string][] = [
            ["the queue without its redrive policy", edit(Q, "queue-worker", (i) => { delete i.redrivePolicy; }), "sqs-event-source-has-dlq"],
            ["a visibility timeout shorter than the function's", edit(Q, "queue-worker", (i) => { i.visibilityTimeoutSeconds = 20; }), "visibility-timeout-exceeds-function-timeout"],
            // The role's document holds queue ARNs, unknown in a preview: the variant replaces it whole.
            ["a wildcard action in the function's role", edit("aws:iam/rolePolicy:RolePolicy", "queue-worker-fn-policy", (i) => {
                i.policy = doc({ Effect: "Allow", Action: ["sqs:*"], Resource: ["arn:aws:sqs:us-east-1:123456789012:queue-worker-0000000"] });
            }), "iam-no-wildcard-actions"],
            ["the DLQ's alarm removed", (rs) => rs.filter((r) => r.name !== "queue-worker-dlq-depth"), "dlq-has-depth-alarm"],
            ["the function's Errors alarm removed", (rs) => rs.filter((r) => r.name !== "queue-worker-fn-errors"), "function-has-errors-alarm"],
            ["the function's recursion config removed", (rs) => rs.filter((r) => r.name !== "queue-worker-fn-recursion"), "function-recursion-terminate"],
            ["recursive loops allowed", edit(RECURSION, "queue-worker-fn-recursion", (i) => { i.recursiveLoop = "Allow"; }), "function-recursion-terminate"],
        ];
        // One preview run of the queue worker; each variant edits a copy of what it registered.
        let queueWorker: RecordedResource[];
        before(async () => {
            const run = await runProgram({ queueWorker: true }, { preview: true });
            if (run.error) throw run.error;
            queueWorker = run.resources;
        });
        it("the event routing program's bus logs at ERROR with its error logs delivered; logging OFF or the ERROR_LOGS delivery removed fails eventbridge-bus-logging", async () => {
            const run = await runProgram({ eventRouting: true }, { preview: true });
            if (run.error) throw run.error;
            const bus = run.resources.find((r) => r.type === BUS)!;
            assert.deepEqual(bus.inputs.logConfig, { level: "ERROR", includeDetail: "NONE" });
            assert.deepEqual(fired(await analyzeRun(analyzer, run.resources)), []);
            const off = edit(BUS, bus.name, (i) => { i.logConfig.level = "OFF"; })(run.resources);
            assert.deepEqual(fired(await analyzeRun(analyzer, off)), ["eventbridge-bus-logging"]);
            const undelivered = run.resources.filter((r) => r.name !== "event-routing-bus-error-logs-delivery");
            assert.equal(undelivered.length, run.resources.length - 1);
            assert.deepEqual(fired(await analyzeRun(analyzer, undelivered)), ["eventbridge-bus-logging"]);
        });

        for (const [what, mutate, policy] of variants) {
            it(`a broken variant of the queue worker — ${what} — fails ${policy}`, async () => {
                assert.deepEqual(fired(await analyzeRun(analyzer, queueWorker)), [], "the unbroken queue worker");
                assert.deepEqual(fired(await analyzeRun(analyzer, mutate(queueWorker))), [policy]);
            });
        }
    });
});
