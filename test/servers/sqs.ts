// A real SQS API server (local-aws-sqs, in memory) on a free loopback port, for tests of SDK code.
import { AddressInfo } from "net";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createSqsServer } from "local-aws-sqs";
import { LOCAL_AWS_ENV } from "./dynalite";

export interface LocalSqs {
    endpoint: string;
    client: SQSClient;
    /** A source queue and its DLQ (redrive after `maxReceiveCount` receives), as the stack creates them. */
    createQueueWithDlq(name: string, maxReceiveCount?: number): Promise<{ queueUrl: string; dlqUrl: string }>;
    stop(): Promise<void>;
}

export async function startLocalSqs(): Promise<LocalSqs> {
    // Queue names are reused across suites in one process; AWS's 60-second wait after a delete is not what we test.
    const server = await createSqsServer({ port: 0, hostname: "127.0.0.1", emulateQueueCreationLifecycle: false });
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new SQSClient({ endpoint, region: LOCAL_AWS_ENV.AWS_REGION, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    return {
        endpoint,
        client,
        async createQueueWithDlq(name, maxReceiveCount = 5) {
            const { QueueUrl: dlqUrl } = await client.send(new CreateQueueCommand({ QueueName: `${name}-dlq`, Attributes: { MessageRetentionPeriod: "1209600" } }));
            const dlqArn = `arn:aws:sqs:us-east-1:123456789012:${name}-dlq`;
            const { QueueUrl: queueUrl } = await client.send(new CreateQueueCommand({
                QueueName: name,
                Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }) },
            }));
            return { queueUrl: queueUrl!, dlqUrl: dlqUrl! };
        },
        async stop() {
            client.destroy();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}
