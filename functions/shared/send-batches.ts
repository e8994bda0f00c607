// Producers' batch APIs (EventBridge PutEvents, SNS PublishBatch, SQS SendMessageBatch) take at most 10 entries and a
// documented number of bytes per call, and can fail some entries of a call that succeeds. This packs the entries
// into calls within both limits (in order), refuses an entry too large on its own without sending it, retries only
// the retryable failed entries with backoff, keeps going past a call that fails whole, and throws, naming each entry
// still unsent by its ID and why, once everything else has gone. Nothing fails silently.
import { bytes } from "./aws-limits";

/** An entry the service refused. */
export interface EntryFailure {
    /** Index of the entry in the batch passed to `send`. */
    index: number;
    code: string;
    message: string;
    /** Throttling and internal errors pass; a malformed entry never does. */
    retryable: boolean;
}

/** What one call of a batch API accepts (AWS's limits, docs/limits.md). */
export interface BatchLimits<E> {
    /** The API, as a report names it: "SNS PublishBatch". */
    api: string;
    maxEntries: number;
    /** The most bytes the entries of one call may add up to (`sizeOf` each). */
    maxBatchBytes: number;
    /** The most bytes one entry may be. */
    maxEntryBytes: number;
    /** How the service counts an entry's bytes. */
    sizeOf: (entry: E) => number;
    /** What the service counts, for the report of an entry too large: "body and attributes". */
    counts: string;
}

export interface SendOptions {
    /** Calls per entry at most, the first included. Default 3. */
    maxAttempts?: number;
    /** Backoff before retry n is baseDelayMs × 2^(n-1). Default 100 ms. */
    baseDelayMs?: number;
    /** Waits between attempts; injected so tests never sleep. */
    delay?: (ms: number) => Promise<void>;
}

/** An entry that was not sent, by the ID the caller knows it by (an order ID). */
export interface UnsentEntry {
    id: string;
    code: string;
    message: string;
}

/** Why an entry never left: too large for the API on its own. */
export const ENTRY_TOO_LARGE = "EntryTooLarge";

export class UnsentEntriesError extends Error {
    constructor(readonly failures: UnsentEntry[], readonly total: number) {
        super(`${failures.length} of ${total} entr${total === 1 ? "y" : "ies"} not sent (${total - failures.length} sent): ` +
            failures.map((f) => `${f.id}: ${f.code}: ${f.message}`).join("; "));
        this.name = "UnsentEntriesError";
    }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `entries` in calls of at most `maxEntries` and `maxBatchBytes`, in order; entries too large alone are left out. */
export function packBatches<E>(entries: E[], limits: BatchLimits<E>): { batches: number[][]; tooLarge: { index: number; size: number }[] } {
    const batches: number[][] = [];
    const tooLarge: { index: number; size: number }[] = [];
    let current: number[] = [];
    let used = 0;
    entries.forEach((entry, index) => {
        const size = limits.sizeOf(entry);
        if (size > limits.maxEntryBytes) {
            tooLarge.push({ index, size });
            return;
        }
        if (current.length === limits.maxEntries || used + size > limits.maxBatchBytes) {
            batches.push(current);
            current = [];
            used = 0;
        }
        current.push(index);
        used += size;
    });
    if (current.length > 0) batches.push(current);
    return { batches, tooLarge };
}

/**
 * Sends `entries` within `limits`, returning each entry's result (what `send` reported for it) in order. `idOf(i)`
 * names entry i in reports. Throws UnsentEntriesError after every other entry was sent if any could not be.
 */
export async function sendInBatches<E, R>(
    entries: E[],
    send: (batch: E[]) => Promise<{ results: Map<number, R>; failures: EntryFailure[] }>,
    options: SendOptions & { limits: BatchLimits<E>; idOf: (index: number) => string },
): Promise<R[]> {
    const { maxAttempts = 3, baseDelayMs = 100, delay = sleep, limits, idOf } = options;
    const results = new Array<R>(entries.length);
    const unsent: (UnsentEntry & { index: number })[] = [];
    const { batches, tooLarge } = packBatches(entries, limits);
    for (const { index, size } of tooLarge) {
        unsent.push({ index, id: idOf(index), code: ENTRY_TOO_LARGE, message: `${bytes(size)} bytes; ${limits.api} takes at most ${bytes(limits.maxEntryBytes)} bytes per entry (${limits.counts})` });
    }
    for (const batch of batches) {
        let pending = batch;
        for (let attempt = 1; pending.length > 0; attempt++) {
            let outcome: Awaited<ReturnType<typeof send>>;
            try {
                outcome = await send(pending.map((i) => entries[i]));
            } catch (error) {
                // The whole call failed after the SDK's own retries: its entries are unsent, the other calls still go.
                const e = error as Error;
                for (const index of pending) unsent.push({ index, id: idOf(index), code: e.name ?? "Error", message: e.message ?? String(error) });
                break;
            }
            const answered = new Set<number>();
            outcome.results.forEach((result, i) => {
                if (pending[i] === undefined) return;
                results[pending[i]] = result;
                answered.add(i);
            });
            const retry: number[] = [];
            for (const failure of outcome.failures) {
                const index = pending[failure.index];
                if (index === undefined || answered.has(failure.index)) continue;
                answered.add(failure.index);
                if (failure.retryable && attempt < maxAttempts) retry.push(index);
                else unsent.push({ index, id: idOf(index), code: failure.code, message: failure.message });
            }
            // An entry the response says nothing about was not confirmed: reported, never assumed sent.
            pending.forEach((index, i) => {
                if (!answered.has(i)) unsent.push({ index, id: idOf(index), code: "NoResult", message: `${limits.api} returned no result for this entry` });
            });
            pending = retry;
            if (pending.length > 0) await delay(baseDelayMs * 2 ** (attempt - 1));
        }
    }
    if (unsent.length > 0) {
        unsent.sort((a, b) => a.index - b.index);
        throw new UnsentEntriesError(unsent.map(({ id, code, message }) => ({ id, code, message })), entries.length);
    }
    return results;
}
