// A real DynamoDB API server (dynalite, in memory) on a free loopback port, for tests and benchmarks.
import { AddressInfo } from "net";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";

export interface LocalDynamo {
    endpoint: string;
    client: DynamoDBClient;
    /** Creates an idempotency table as the stack does (partition key `id`) and returns its name. */
    createIdempotencyTable(name: string): Promise<string>;
    stop(): Promise<void>;
}

/** Credentials and region the SDK needs to sign requests; dynalite ignores them. */
export const LOCAL_AWS_ENV = { AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local" };

export async function startDynalite(): Promise<LocalDynamo> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const dynalite = require("dynalite");
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve, reject) => server.listen(0, "127.0.0.1", (err?: Error) => (err ? reject(err) : resolve())));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new DynamoDBClient({ endpoint, region: LOCAL_AWS_ENV.AWS_REGION, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    return {
        endpoint,
        client,
        async createIdempotencyTable(name) {
            await client.send(new CreateTableCommand({
                TableName: name,
                AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
                KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
                BillingMode: "PAY_PER_REQUEST",
            }));
            return name;
        },
        async stop() {
            client.destroy();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}

/** Sets environment variables for the duration of a suite; returns the function that restores them. */
export function setEnv(values: Record<string, string>): () => void {
    const previous = Object.fromEntries(Object.keys(values).map((k) => [k, process.env[k]]));
    Object.assign(process.env, values);
    return () => {
        for (const [k, v] of Object.entries(previous)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
    };
}
