import { strict as assert } from "assert";
import { CONFIG_KEYS, CONSUMER_DEFAULTS, defaultConfig, parseLabConfig } from "../patterns/config";
import { runProgram } from "./harness";

const P = "serverless-patterns-lab";

describe("config", () => {
    it("defaults every toggle to false and every setting to the AWS-recommended value", () => {
        const config = parseLabConfig({ "aws:region": "eu-west-1" });
        assert.deepEqual(config, defaultConfig());
        assert.deepEqual(config.toggles, { queueWorker: false, fanOut: false, eventRouting: false, idempotentConsumer: false });
        assert.equal(config.queueWorker.maxReceiveCount, 5);
        assert.equal(config.queueWorker.batchSize, 10);
    });

    it("reads toggles and partial settings objects (as `pulumi config set --path` stores them)", () => {
        const config = parseLabConfig({
            [`${P}:queueWorker`]: "true",
            [`${P}:queueWorkerSettings`]: '{"batchSize":100,"maximumBatchingWindowSeconds":5,"functionTimeoutSeconds":60}',
            [`${P}:logRetentionDays`]: "14",
        });
        assert.equal(config.toggles.queueWorker, true);
        assert.deepEqual(config.queueWorker, { ...CONSUMER_DEFAULTS, batchSize: 100, maximumBatchingWindowSeconds: 5, functionTimeoutSeconds: 60 });
        assert.equal(config.logRetentionDays, 14);
    });

    it("the bus logs at ERROR without detail by default; INFO and TRACE are accepted", () => {
        assert.deepEqual([defaultConfig().eventRouting.busLogLevel, defaultConfig().eventRouting.busLogIncludeDetail], ["ERROR", false]);
        for (const level of ["INFO", "TRACE"]) {
            const config = parseLabConfig({ [`${P}:eventRoutingSettings`]: JSON.stringify({ busLogLevel: level, busLogIncludeDetail: true }) });
            assert.deepEqual([config.eventRouting.busLogLevel, config.eventRouting.busLogIncludeDetail], [level, true]);
        }
    });

    it("reads provisioned pollers with AWS's defaults for the field left out, and drops the default maximumConcurrency (exclusive)", () => {
        const config = parseLabConfig({
            [`${P}:queueWorkerSettings`]: '{"provisionedPollers":{"minimumPollers":4}}',
            [`${P}:idempotentConsumerSettings`]: '{"provisionedPollers":{}}',
        });
        assert.deepEqual(config.queueWorker.provisionedPollers, { minimumPollers: 4, maximumPollers: 200 });
        assert.equal(config.queueWorker.maximumConcurrency, undefined);
        assert.ok(!("maximumConcurrency" in config.queueWorker));
        assert.deepEqual(config.idempotentConsumer.provisionedPollers, { minimumPollers: 2, maximumPollers: 200 });
        assert.equal(parseLabConfig({}).queueWorker.maximumConcurrency, 10, "without provisioned pollers the cap stays");
    });

    // Each bad value: the one-line message the user sees, and nothing registered.
    const invalid: [string, Record<string, unknown>, string][] = [
        ["a toggle that is not a boolean", { queueWorker: "yes" },
            `Invalid config ${P}:queueWorker = "yes": allowed true or false`],
        ["an unknown key (a typo)", { queueWorkr: "true" },
            `Invalid config ${P}:queueWorkr = "true": allowed no such key; the keys are queueWorker, fanOut, eventRouting, idempotentConsumer, queueWorkerSettings, fanOutSettings, eventRoutingSettings, idempotentConsumerSettings, logRetentionDays, alarmEmail`],
        ["a batch size above the AWS limit", { queueWorker: true, queueWorkerSettings: { batchSize: 20000 } },
            `Invalid config ${P}:queueWorkerSettings.batchSize = 20000: allowed an integer 1–10000 (SQS event source mapping)`],
        ["a batch size over 10 without a batching window", { queueWorkerSettings: { batchSize: 50 } },
            `Invalid config ${P}:queueWorkerSettings.batchSize = 50: allowed at most 10 unless maximumBatchingWindowSeconds ≥ 1 (SQS event source mapping)`],
        ["a batching window over 300 s", { queueWorkerSettings: { maximumBatchingWindowSeconds: 301 } },
            `Invalid config ${P}:queueWorkerSettings.maximumBatchingWindowSeconds = 301: allowed an integer 0–300 (SQS event source mapping)`],
        ["a bus log level EventBridge has but the stack refuses (OFF)", { eventRouting: true, eventRoutingSettings: { busLogLevel: "OFF" } },
            `Invalid config ${P}:eventRoutingSettings.busLogLevel = "OFF": allowed one of ERROR, INFO, TRACE (EventBridge event bus log level; OFF is not allowed: the policy pack requires bus logging)`],
        ["a bus log level in the wrong case", { eventRoutingSettings: { busLogLevel: "trace" } },
            `Invalid config ${P}:eventRoutingSettings.busLogLevel = "trace": allowed one of ERROR, INFO, TRACE (EventBridge event bus log level; OFF is not allowed: the policy pack requires bus logging)`],
        ["bus log detail that is not a boolean", { eventRoutingSettings: { busLogIncludeDetail: "FULL" } },
            `Invalid config ${P}:eventRoutingSettings.busLogIncludeDetail = "FULL": allowed true or false`],
        ["a maximum concurrency below 2", { queueWorkerSettings: { maximumConcurrency: 1 } },
            `Invalid config ${P}:queueWorkerSettings.maximumConcurrency = 1: allowed an integer 2–1000 (SQS event source mapping)`],
        ["a function timeout over 900 s", { queueWorkerSettings: { functionTimeoutSeconds: 901 } },
            `Invalid config ${P}:queueWorkerSettings.functionTimeoutSeconds = 901: allowed an integer 1–900 (Lambda timeout)`],
        ["a function timeout of 0", { queueWorkerSettings: { functionTimeoutSeconds: 0 } },
            `Invalid config ${P}:queueWorkerSettings.functionTimeoutSeconds = 0: allowed an integer 1–900 (Lambda timeout)`],
        ["a maxReceiveCount of 0", { queueWorkerSettings: { maxReceiveCount: 0 } },
            `Invalid config ${P}:queueWorkerSettings.maxReceiveCount = 0: allowed an integer 1–1000 (SQS redrive policy)`],
        ["a visibility timeout not above the function timeout", { queueWorkerSettings: { visibilityTimeoutSeconds: 30 } },
            `Invalid config ${P}:queueWorkerSettings.visibilityTimeoutSeconds = 30: allowed more than functionTimeoutSeconds (30): Lambda refuses an SQS event source mapping whose function timeout exceeds the queue's visibility timeout, and this stack one that equals it; AWS recommends 180 (6 × timeout + batching window)`],
        ["a number given as a string", { queueWorkerSettings: { batchSize: "10" } },
            `Invalid config ${P}:queueWorkerSettings.batchSize = "10": allowed an integer 1–10000 (SQS event source mapping)`],
        ["a fractional number", { queueWorkerSettings: { memorySizeMb: 256.5 } },
            `Invalid config ${P}:queueWorkerSettings.memorySizeMb = 256.5: allowed an integer 128–10240 (Lambda memory)`],
        ["an unknown settings field", { queueWorkerSettings: { batchSiz: 10 } },
            `Invalid config ${P}:queueWorkerSettings.batchSiz = 10: allowed one of the fields functionTimeoutSeconds, memorySizeMb, batchSize, maximumBatchingWindowSeconds, maximumConcurrency, maxReceiveCount, visibilityTimeoutSeconds, messageRetentionSeconds, oldestMessageAgeAlarmSeconds, provisionedPollers`],
        ["provisioned pollers with maximum concurrency (Lambda: mutually exclusive)", { queueWorkerSettings: { maximumConcurrency: 10, provisionedPollers: { minimumPollers: 2 } } },
            `Invalid config ${P}:queueWorkerSettings.maximumConcurrency = 10: allowed no value while provisionedPollers is set: Lambda's SQS event source mapping takes maximum concurrency or provisioned mode, not both (bound the load with provisionedPollers.maximumPollers)`],
        ["one provisioned poller (Kafka's minimum, not SQS's)", { idempotentConsumerSettings: { provisionedPollers: { minimumPollers: 1 } } },
            `Invalid config ${P}:idempotentConsumerSettings.provisionedPollers.minimumPollers = 1: allowed an integer 2–200 (Lambda ProvisionedPollerConfig for SQS; default 2)`],
        ["more provisioned pollers than @pulumi/aws documents", { queueWorkerSettings: { provisionedPollers: { maximumPollers: 2001 } } },
            `Invalid config ${P}:queueWorkerSettings.provisionedPollers.maximumPollers = 2001: allowed an integer 2–2,000 (Lambda ProvisionedPollerConfig for SQS; default 200)`],
        ["a poller minimum above its maximum", { queueWorkerSettings: { provisionedPollers: { minimumPollers: 30, maximumPollers: 20 } } },
            `Invalid config ${P}:queueWorkerSettings.provisionedPollers.minimumPollers = 30: allowed at most maximumPollers (20): the pollers scale between the two`],
        ["an unknown poller field", { queueWorkerSettings: { provisionedPollers: { pollerGroupName: "g" } } },
            `Invalid config ${P}:queueWorkerSettings.provisionedPollers.pollerGroupName = "g": allowed one of the fields minimumPollers, maximumPollers`],
        ["provisioned pollers that are not an object", { queueWorkerSettings: { provisionedPollers: 5 } },
            `Invalid config ${P}:queueWorkerSettings.provisionedPollers = 5: allowed an object with minimumPollers and maximumPollers (Lambda ProvisionedPollerConfig), e.g. {"minimumPollers": 2, "maximumPollers": 20}`],
        ["provisioned pollers for a fan-out subscriber (the issue's queue worker and idempotent consumer only)", { fanOutSettings: { provisionedPollers: {} } },
            `Invalid config ${P}:fanOutSettings.provisionedPollers = {}: allowed one of the fields functionTimeoutSeconds, memorySizeMb, batchSize, maximumBatchingWindowSeconds, maximumConcurrency, maxReceiveCount, visibilityTimeoutSeconds, messageRetentionSeconds, oldestMessageAgeAlarmSeconds, rawMessageDelivery`],
        ["settings that are not JSON", { queueWorkerSettings: "batchSize=10" },
            `Invalid config ${P}:queueWorkerSettings = "batchSize=10": allowed a JSON object, e.g. set with \`pulumi config set --path queueWorkerSettings.batchSize 10\``],
        ["settings that are an array", { queueWorkerSettings: [1] },
            `Invalid config ${P}:queueWorkerSettings = [1]: allowed an object`],
        ["a source retention not shorter than the DLQ's", { queueWorkerSettings: { messageRetentionSeconds: 1209600 } },
            `Invalid config ${P}:queueWorkerSettings.messageRetentionSeconds = 1209600: allowed an integer 60–1209599 (shorter than the DLQ's 14 days)`],
        ["a log retention CloudWatch does not offer", { logRetentionDays: "10" },
            `Invalid config ${P}:logRetentionDays = "10": allowed one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (CloudWatch Logs retention)`],
        ["an alarm e-mail that is not an address", { alarmEmail: "ops" },
            `Invalid config ${P}:alarmEmail = "ops": allowed an e-mail address`],
    ];

    for (const [what, config, message] of invalid) {
        it(`stops on ${what}, naming key, value and what is allowed, before registering anything`, async () => {
            const run = await runProgram({ queueWorker: true, ...config });
            assert.ok(run.error, "the program stops");
            assert.equal(run.error.message, message);
            assert.ok(!run.error.message.includes("\n"), "one line");
            assert.equal(run.resources.length, 0, `registered: ${run.resources.map((r) => r.name).join(", ")}`);
        });
    }
});

describe("stack files", () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const yaml = require("js-yaml") as typeof import("js-yaml");
    const fs = require("fs") as typeof import("fs");
    const load = (file: string) => yaml.load(fs.readFileSync(`${__dirname}/../${file}`, "utf8")) as Record<string, any>;
    /** How the CLI hands stack config to the program: scalars as strings, objects as JSON. */
    const asProgramConfig = (config: Record<string, unknown>) => Object.fromEntries(Object.entries(config).map(
        ([k, v]) => [k.includes(":") ? k : `${P}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));

    it("Pulumi.yaml declares every scalar key with type, default and description, and the defaults are the program's", () => {
        const project = load("Pulumi.yaml");
        assert.equal(project.name, P);
        const declared = project.config as Record<string, { type: string; default: unknown; description: string }>;
        const scalarKeys = CONFIG_KEYS.filter((k) => !k.endsWith("Settings"));
        assert.deepEqual(Object.keys(declared).sort(), [...scalarKeys].sort());
        for (const [key, schema] of Object.entries(declared)) {
            assert.ok(["boolean", "integer", "string"].includes(schema.type), key);
            assert.ok(schema.description.length > 20, key);
            assert.notEqual(schema.default, undefined, key);
        }
        const defaults = Object.fromEntries(Object.entries(declared).map(([k, s]) => [k, s.default]));
        assert.deepEqual(parseLabConfig(asProgramConfig(defaults)), defaultConfig());
    });

    for (const file of ["Pulumi.dev.yaml", "Pulumi.local.yaml"]) {
        it(`${file} is a valid stack that enables the queue worker`, () => {
            const config = parseLabConfig(asProgramConfig(load(file).config));
            assert.equal(config.toggles.queueWorker, true);
        });
    }
});
