import * as pulumi from "@pulumi/pulumi";
import { ConfigError, LabConfig, parseLabConfig, TOGGLES } from "./patterns/config";
import { EventRouting } from "./patterns/event-routing";
import { FanOut } from "./patterns/fan-out";
import { IdempotentConsumer } from "./patterns/idempotent-consumer";
import { QueueWorker } from "./patterns/queue-worker";
import { AlarmTopic } from "./patterns/shared/alarm-topic";
import { StackDashboard } from "./patterns/shared/dashboard";

function readConfig(): LabConfig {
    try {
        return parseLabConfig(pulumi.runtime.allConfig(), pulumi.getProject(), pulumi.getStack());
    } catch (e) {
        // RunError: the CLI prints the one-line message without a stack trace.
        if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
        throw e;
    }
}

// Validated before any resource is registered: a bad value stops the program with nothing created.
const config = readConfig();

// One alarm topic per stack, created only when some pattern has something to alarm on.
const alarms = TOGGLES.some((t) => config.toggles[t]) ? new AlarmTopic("alarms", { email: config.alarmEmail }) : undefined;
const common = alarms && { logRetentionDays: config.logRetentionDays, alarmTopicArn: alarms.topic.arn };

// The stack outputs: the enabled patterns' only (a top-level undefined makes Pulumi warn "Undefined value (fanOut)
// will not show as a stack output"). The names `pulumi stack output <name>` takes in the READMEs.
const outputs: Record<string, unknown> = {};
if (alarms && common) {
    outputs.alarmTopicArn = alarms.topic.arn;
    if (config.toggles.queueWorker) outputs.queueWorker = new QueueWorker("queue-worker", { settings: config.queueWorker, ...common }).outputs;
    if (config.toggles.fanOut) outputs.fanOut = new FanOut("fan-out", { settings: config.fanOut, ...common }).outputs;
    if (config.toggles.eventRouting) outputs.eventRouting = new EventRouting("event-routing", { settings: config.eventRouting, ...common }).outputs;
    if (config.toggles.idempotentConsumer) {
        outputs.idempotentConsumer = new IdempotentConsumer("idempotent-consumer", { settings: config.idempotentConsumer, ...common }).outputs;
    }
    // One dashboard per stack, showing whatever the enabled patterns registered (records per consumer, every alarm).
    outputs.dashboardName = new StackDashboard("dashboard", { patterns: TOGGLES.filter((t) => config.toggles[t]) }).dashboard.dashboardName;
}

export = outputs;
