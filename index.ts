import * as pulumi from "@pulumi/pulumi";
import { ConfigError, LabConfig, parseLabConfig, ToggleKey, TOGGLES } from "./patterns/config";
import { QueueWorker } from "./patterns/queue-worker";
import { AlarmTopic } from "./patterns/shared/alarm-topic";

function readConfig(): LabConfig {
    try {
        return parseLabConfig(pulumi.runtime.allConfig(), pulumi.getProject());
    } catch (e) {
        // RunError: the CLI prints the one-line message without a stack trace.
        if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
        throw e;
    }
}

// Validated before any resource is registered: a bad value stops the program with nothing created.
const config = readConfig();
const notBuiltYet = (["fanOut", "eventRouting", "idempotentConsumer"] as ToggleKey[]).filter((t) => config.toggles[t]);
if (notBuiltYet.length > 0) {
    throw new pulumi.RunError(`Pattern(s) ${notBuiltYet.join(", ")} are not built yet in this version of the lab; set them to false`);
}

// One alarm topic per stack, created only when some pattern has something to alarm on.
const alarms = TOGGLES.some((t) => config.toggles[t]) ? new AlarmTopic("alarms", { email: config.alarmEmail }) : undefined;
export const alarmTopicArn = alarms?.topic.arn;

export const queueWorker = config.toggles.queueWorker && alarms
    ? (() => {
        const worker = new QueueWorker("queue-worker", {
            settings: config.queueWorker,
            logRetentionDays: config.logRetentionDays,
            alarmTopicArn: alarms.topic.arn,
        });
        return {
            queueUrl: worker.queueUrl,
            queueArn: worker.queueArn,
            deadLetterQueueUrl: worker.deadLetterQueueUrl,
            deadLetterQueueArn: worker.deadLetterQueueArn,
            functionName: worker.functionName,
        };
    })()
    : undefined;
