// The error taxonomy every handler shares. It decides whether a failed record is worth another delivery.

/** transient: the platform should retry (throttling, timeouts, 5xx); permanent: retrying cannot help
 *  (validation, malformed JSON); poison: failed on its last allowed receive, SQS moves it to the DLQ next. */
export type ErrorClass = "transient" | "permanent" | "poison";

/** The record itself is wrong: malformed, invalid or missing a key. Retrying cannot succeed. */
export class PermanentError extends Error {
    constructor(message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = "PermanentError";
    }
}

/** A dependency failed in a way that may pass (throttled, timed out, unavailable). */
export class TransientError extends Error {
    constructor(message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = "TransientError";
    }
}

/** How many times an SQS message has been received, and how many its queue allows before the DLQ. */
export interface Receives {
    receiveCount: number;
    maxReceiveCount: number;
}

/**
 * Classifies an error thrown while processing one record. Anything not known to be permanent is retried:
 * losing a message to a wrong "permanent" is worse than a few extra receives. For an SQS record on its last
 * allowed receive (`receiveCount` ≥ `maxReceiveCount`) a non-permanent failure is poison.
 */
export function classifyError(error: unknown, receives?: Receives): ErrorClass {
    if (error instanceof PermanentError) return "permanent";
    return receives && receives.receiveCount >= receives.maxReceiveCount ? "poison" : "transient";
}
