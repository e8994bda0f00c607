// One verdict line per speed target, the same wording in every bench: "met", or by how much it was missed.

/** The middle value; for an even count the mean of the two middle ones (every bench's "median" is this one). */
export function median(values: number[]): number {
    const s = [...values].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** `measured` against a target that it must reach (≥, `atLeast`) or stay within (≤). */
export function verdict(what: string, measured: number, target: number, atLeast: boolean, format: (n: number) => string): string {
    const met = atLeast ? measured >= target : measured <= target;
    const bound = `${atLeast ? "≥" : "≤"} ${format(target)}`;
    if (met) return `target ${what} ${bound}: met (${format(measured)})`;
    const short = atLeast ? (target - measured) / target : (measured - target) / target;
    return `target ${what} ${bound}: missed by ${format(Math.abs(measured - target))} (${(short * 100).toFixed(0)} %; measured ${format(measured)})`;
}
