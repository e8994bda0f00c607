// Per-record cost of idempotency: the same records through the queue worker (no idempotency) and through the
// idempotent consumer on a real DynamoDB API (dynalite on loopback), first as new records, then as duplicates.
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { createHandler as idempotentConsumer } from "../functions/idempotent-consumer";
import { createHandler as queueWorker } from "../functions/queue-worker";
import { lambdaContext, sqsEvent, sqsRecord } from "../test/fixtures/aws-events";
import { LOCAL_AWS_ENV, setEnv, startDynalite } from "../test/servers/dynalite";

const RECORDS = Number(process.env.BENCH_RECORDS ?? 2000);
const BATCH = 10;

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** Seconds to run every batch, handlers' log and EMF lines discarded (as cheap for both). */
async function secondsFor(handler: Handler, batches: SQSEvent[]): Promise<number> {
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof write;
    const context = lambdaContext("bench");
    const start = process.hrtime.bigint();
    try {
        for (const batch of batches) {
            const response = await handler(batch, context);
            if (response.batchItemFailures.length > 0) throw new Error(`bench batch failed: ${JSON.stringify(response.batchItemFailures)}`);
        }
    } finally {
        process.stdout.write = write;
    }
    return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Batches per slice of the interleaved runs: each slice goes through every run before the next slice starts. */
const SLICE = 10;

export interface IdempotencyRow { run: string; recordsPerSecond: number; perRecordMs: number }

export async function idempotencyOverhead(): Promise<IdempotencyRow[]> {
    const dynamo = await startDynalite();
    const restore = setEnv({ ...LOCAL_AWS_ENV, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint });
    try {
        const table = await dynamo.createIdempotencyTable("bench-idempotency");
        const batches = Array.from({ length: RECORDS / BATCH }, (_, b) =>
            sqsEvent(Array.from({ length: BATCH }, (_, i) => sqsRecord({ orderId: `bench-${b}-${i}`, amount: 10 }))));
        const deps = () => ({ processOrder: async () => undefined, logger: new Logger({ serviceName: "bench" }), metrics: new Metrics({ namespace: "Bench", serviceName: "bench" }) });
        const plain = queueWorker(deps());
        const idempotent = idempotentConsumer({ ...deps(), keyStrategy: "businessKey", businessKeyPath: "orderId", expiresAfterSeconds: 900, persistenceStore: new DynamoDBPersistenceLayer({ tableName: table }) });
        await secondsFor(plain, batches.slice(0, 5)); // warm both paths (JIT, SDK client, connections)
        const warm = batches.slice(0, 5).map((e) => sqsEvent(e.Records.map((r) => sqsRecord({ ...JSON.parse(r.body), orderId: `warm-${r.messageId}` }))));
        await secondsFor(idempotent, warm);
        // Interleaved slice by slice (a slice's duplicates right after its new records), so load that drifts during
        // the bench weighs on the three runs alike.
        const runs: [string, number][] = [
            ["no idempotency (queue worker)", 0],
            ["idempotent, new records (conditional put + update)", 0],
            ["idempotent, duplicates (conditional put fails, record returned)", 0],
        ];
        for (let i = 0; i < batches.length; i += SLICE) {
            const slice = batches.slice(i, i + SLICE);
            runs[0][1] += await secondsFor(plain, slice);
            runs[1][1] += await secondsFor(idempotent, slice);
            runs[2][1] += await secondsFor(idempotent, slice);
        }
        const rows: [string, number][] = runs.map(([run, seconds]) => [run, (batches.length * BATCH) / seconds]);
        return rows.map(([run, rps]) => ({ run, recordsPerSecond: rps, perRecordMs: 1000 / rps }));
    } finally {
        restore();
        await dynamo.stop();
    }
}

export function printIdempotency(rows: IdempotencyRow[]): void {
    console.log(`\nIdempotency overhead (${RECORDS} records in batches of ${BATCH}, one handler, dynalite on loopback; in AWS add a DynamoDB round trip, ~5–10 ms, per call)`);
    console.log("| run | records/s | ms per record |");
    console.log("|---|---:|---:|");
    for (const r of rows) console.log(`| ${r.run} | ${r.recordsPerSecond.toFixed(0)} | ${r.perRecordMs.toFixed(2)} |`);
    console.log("no speed target for this part (issue 21 sets none): the figures are measured, not judged");
}
