// Captures what a handler writes (Powertools Logger and Metrics write one JSON line per entry: WARN and ERROR
// to stderr, the rest to stdout; Lambda sends both to the function's log group).

export interface Captured<T> {
    result?: T;
    error?: unknown;
    /** Every line written to stdout or stderr, in order, parsed as JSON. */
    lines: Record<string, any>[];
}

export async function captureOutput<T>(run: () => Promise<T>): Promise<Captured<T>> {
    const chunks: string[] = [];
    const streams = [process.stdout, process.stderr];
    const writes = streams.map((s) => s.write);
    for (const stream of streams) {
        stream.write = ((chunk: string | Uint8Array) => {
            chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
            return true;
        }) as typeof stream.write;
    }
    const captured: Captured<T> = { lines: [] };
    try {
        captured.result = await run();
    } catch (error) {
        captured.error = error;
    } finally {
        streams.forEach((s, i) => { s.write = writes[i]; });
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
