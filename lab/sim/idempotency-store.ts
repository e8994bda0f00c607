// The idempotency table in virtual time: a Powertools persistence layer that keeps records in memory with the
// conditional put DynamoDBPersistenceLayer sends (a key may be claimed if it is absent, its record expired, or it
// is INPROGRESS past its in-progress expiry). Everything above it — makeIdempotent, key hashing, payload
// validation, in-progress handling — is the real Powertools; the DynamoDB layer itself is proven on dynalite in
// test/idempotent-consumer.test.ts. In memory, its answers arrive in microtasks, which keeps runs deterministic.
import { IdempotencyItemAlreadyExistsError, IdempotencyItemNotFoundError } from "@aws-lambda-powertools/idempotency";
import { BasePersistenceLayer, IdempotencyRecord } from "@aws-lambda-powertools/idempotency/persistence";

type Stored = ConstructorParameters<typeof IdempotencyRecord>[0];

export class SimIdempotencyStore extends BasePersistenceLayer {
    private readonly items = new Map<string, Stored>();
    readonly counts = { claims: 0, conflicts: 0 };

    protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
        const item = this.items.get(idempotencyKey);
        if (!item) throw new IdempotencyItemNotFoundError();
        return new IdempotencyRecord({ ...item });
    }

    protected async _putRecord(record: IdempotencyRecord): Promise<void> {
        const now = Date.now();
        const existing = this.items.get(record.idempotencyKey);
        const claimable = !existing
            || (existing.expiryTimestamp !== undefined && existing.expiryTimestamp < now / 1000)
            || (existing.status === "INPROGRESS" && existing.inProgressExpiryTimestamp !== undefined && existing.inProgressExpiryTimestamp < now);
        if (!claimable) {
            this.counts.conflicts++;
            throw new IdempotencyItemAlreadyExistsError(`Failed to put record for already existing idempotency key: ${record.idempotencyKey}`, new IdempotencyRecord({ ...existing }));
        }
        this.counts.claims++;
        this.items.set(record.idempotencyKey, this.snapshot(record));
    }

    protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
        const existing = this.items.get(record.idempotencyKey);
        this.items.set(record.idempotencyKey, { ...existing, ...this.snapshot(record), inProgressExpiryTimestamp: existing?.inProgressExpiryTimestamp });
    }

    protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
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
