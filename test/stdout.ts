// Captures what a handler writes (Powertools Logger and Metrics write one JSON line per entry: WARN and ERROR
// to stderr, the rest to stdout; Lambda sends both to the function's log group).

export interface Captured<T> {
    result?: T;
    error?: unknown;
    /** Every line written to stdout or stderr, in order, parsed as JSON. */
    lines: Record<string, any>[];
}

/** Captures in progress. Invocations may overlap (concurrency tests), so each sees every line written meanwhile. */
const active = new Set<string[]>();
const streams = [process.stdout, process.stderr];
let originalWrites: (typeof process.stdout.write)[] = [];

function intercept(): void {
    originalWrites = streams.map((s) => s.write);
    for (const stream of streams) {
        stream.write = ((chunk: string | Uint8Array) => {
            const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
            for (const chunks of active) chunks.push(text);
            return true;
        }) as typeof stream.write;
    }
}

export async function captureOutput<T>(run: () => Promise<T>): Promise<Captured<T>> {
    const chunks: string[] = [];
    if (active.size === 0) intercept();
    active.add(chunks);
    const captured: Captured<T> = { lines: [] };
    try {
        captured.result = await run();
    } catch (error) {
        captured.error = error;
    } finally {
        active.delete(chunks);
        if (active.size === 0) streams.forEach((s, i) => { s.write = originalWrites[i]; });
    }
    captured.lines = chunks.join("").split("\n").filter((l) => l.trim().startsWith("{")).map((l) => JSON.parse(l));
    return captured;
}

/** EMF lines are the ones carrying the `_aws` metadata block. */
export function emfLines(lines: Record<string, any>[]): Record<string, any>[] {
    return lines.filter((l) => l._aws?.CloudWatchMetrics !== undefined);
}

export function logLines(lines: Record<string, any>[]): Record<string, any>[] {
    return lines.filter((l) => l._aws === undefined);
}
