// The idempotency table in virtual time: a Powertools persistence layer that keeps records in memory with the
// conditional put DynamoDBPersistenceLayer sends (a key may be claimed if it is absent, its record expired, or it
// is INPROGRESS past its in-progress expiry). Everything above it — makeIdempotent, key hashing, payload
// validation, in-progress handling — is the real Powertools; the DynamoDB layer itself is proven on dynalite in
// test/idempotent-consumer.test.ts. In memory, its answers arrive in microtasks, which keeps runs deterministic.
import { IdempotencyItemAlreadyExistsError, IdempotencyItemNotFoundError } from "@aws-lambda-powertools/idempotency";
import { BasePersistenceLayer, IdempotencyRecord } from "@aws-lambda-powertools/idempotency/persistence";
import { Billing, CounterMeter } from "../cost/billing";
import { itemBytes, readRequestUnits, writeRequestUnits } from "../cost/rules";

type Stored = ConstructorParameters<typeof IdempotencyRecord>[0];

/**
 * What the on-demand table bills ("Amazon DynamoDB pricing for on-demand capacity"): DynamoDBPersistenceLayer's
 * conditional PutItem, UpdateItem and DeleteItem each write request units by the item's size (1 KB each); "If a
 * ConditionExpression evaluates to false, DynamoDB still consumes write capacity" (DynamoDB developer guide, condition
 * expressions): a claim that loses to an existing record bills too. Its GetItem is strongly consistent (4 KB a unit).
 */
const dynamoDbMeter = (table: string) => new CounterMeter("DynamoDB", table, { writeUnits: "dynamodb.ondemand.wru", readUnits: "dynamodb.ondemand.rru" });

/** The item DynamoDBPersistenceLayer writes, with its default attribute names, for its size. */
function itemSize(r: Stored | undefined): number {
    if (!r) return 0;
    return itemBytes({
        id: r.idempotencyKey, expiration: r.expiryTimestamp, in_progress_expiration: r.inProgressExpiryTimestamp, status: r.status,
        data: r.responseData === undefined ? undefined : JSON.stringify(r.responseData), validation: r.payloadHash,
    });
}

export class SimIdempotencyStore extends BasePersistenceLayer {
    private readonly items = new Map<string, Stored>();
    readonly counts = { claims: 0, conflicts: 0 };
    readonly meter: ReturnType<typeof dynamoDbMeter> | undefined;

    constructor(options: { tableName?: string; billing?: Billing } = {}) {
        super();
        this.meter = options.billing?.add(dynamoDbMeter(options.tableName ?? "idempotency-table"));
    }

    protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
        const item = this.items.get(idempotencyKey);
        if (this.meter) this.meter.counts.readUnits += readRequestUnits(itemSize(item), true);
        if (!item) throw new IdempotencyItemNotFoundError();
        return new IdempotencyRecord({ ...item });
    }

    protected async _putRecord(record: IdempotencyRecord): Promise<void> {
        const now = Date.now();
        const existing = this.items.get(record.idempotencyKey);
        const claimable = !existing
            || (existing.expiryTimestamp !== undefined && existing.expiryTimestamp < now / 1000)
            || (existing.status === "INPROGRESS" && existing.inProgressExpiryTimestamp !== undefined && existing.inProgressExpiryTimestamp < now);
        if (this.meter) this.meter.counts.writeUnits += writeRequestUnits(Math.max(itemSize(existing), itemSize(this.snapshot(record))));
        if (!claimable) {
            this.counts.conflicts++;
            throw new IdempotencyItemAlreadyExistsError(`Failed to put record for already existing idempotency key: ${record.idempotencyKey}`, new IdempotencyRecord({ ...existing }));
        }
        this.counts.claims++;
        this.items.set(record.idempotencyKey, this.snapshot(record));
    }

    protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
        const existing = this.items.get(record.idempotencyKey);
        const updated = { ...existing, ...this.snapshot(record), inProgressExpiryTimestamp: existing?.inProgressExpiryTimestamp };
        if (this.meter) this.meter.counts.writeUnits += writeRequestUnits(Math.max(itemSize(existing), itemSize(updated)));
        this.items.set(record.idempotencyKey, updated);
    }

    protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
        if (this.meter) this.meter.counts.writeUnits += writeRequestUnits(itemSize(this.items.get(record.idempotencyKey)));
        this.items.delete(record.idempotencyKey);
    }

    private snapshot(record: IdempotencyRecord): Stored {
        return {
            idempotencyKey: record.idempotencyKey,
            status: record.getStatus(),
            expiryTimestamp: record.expiryTimestamp,
            inProgressExpiryTimestamp: record.inProgressExpiryTimestamp,
            responseData: record.responseData,
            payloadHash: record.payloadHash,
        };
    }
}
