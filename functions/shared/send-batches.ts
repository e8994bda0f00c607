// Producers' batch APIs (EventBridge PutEvents, SNS PublishBatch) accept 10 entries per call and can fail some
// entries of a call that succeeds. This sends everything, retries only the retryable failed entries with
// backoff, and throws, naming each entry, if any is still unsent. Nothing fails silently.

/** An entry the service refused. */
export interface EntryFailure {
    /** Index of the entry in the batch passed to `send`. */
    index: number;
    code: string;
    message: string;
    /** Throttling and internal errors pass; a malformed entry never does. */
    retryable: boolean;
}

export interface SendOptions {
    /** Calls per entry at most, the first included. Default 3. */
    maxAttempts?: number;
    /** Backoff before retry n is baseDelayMs × 2^(n-1). Default 100 ms. */
    baseDelayMs?: number;
    /** Waits between attempts; injected so tests never sleep. */
    delay?: (ms: number) => Promise<void>;
}

export class UnsentEntriesError extends Error {
    constructor(readonly failures: { entry: unknown; code: string; message: string }[]) {
        super(`${failures.length} entr${failures.length === 1 ? "y was" : "ies were"} not accepted: ` +
            failures.map((f) => `${f.code}: ${f.message}`).join("; "));
        this.name = "UnsentEntriesError";
    }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends `entries` in batches of `batchSize`, returning each entry's result (what `send` reported for it) in order. */
export async function sendInBatches<E, R>(
    entries: E[],
    send: (batch: E[]) => Promise<{ results: Map<number, R>; failures: EntryFailure[] }>,
    options: SendOptions & { batchSize?: number } = {},
): Promise<R[]> {
    const { maxAttempts = 3, baseDelayMs = 100, delay = sleep, batchSize = 10 } = options;
    const results = new Array<R>(entries.length);
    const unsent: { entry: E; code: string; message: string }[] = [];
    for (let start = 0; start < entries.length; start += batchSize) {
        let pending = entries.slice(start, start + batchSize).map((entry, i) => ({ entry, position: start + i }));
        for (let attempt = 1; pending.length > 0; attempt++) {
            const outcome = await send(pending.map((p) => p.entry));
            outcome.results.forEach((result, index) => { results[pending[index].position] = result; });
            const retry: typeof pending = [];
            for (const failure of outcome.failures) {
                if (failure.retryable && attempt < maxAttempts) retry.push(pending[failure.index]);
                else unsent.push({ entry: pending[failure.index].entry, code: failure.code, message: failure.message });
            }
            pending = retry;
            if (pending.length > 0) await delay(baseDelayMs * 2 ** (attempt - 1));
        }
    }
    if (unsent.length > 0) throw new UnsentEntriesError(unsent);
    return results;
}
