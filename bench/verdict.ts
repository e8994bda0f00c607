// One verdict line per speed target, the same wording in every bench: "met", or by how much it was missed.

/** `measured` against a target that it must reach (≥, `atLeast`) or stay within (≤). */
export function verdict(what: string, measured: number, target: number, atLeast: boolean, format: (n: number) => string): string {
    const met = atLeast ? measured >= target : measured <= target;
    const bound = `${atLeast ? "≥" : "≤"} ${format(target)}`;
    if (met) return `target ${what} ${bound}: met (${format(measured)})`;
    const short = atLeast ? (target - measured) / target : (measured - target) / target;
    return `target ${what} ${bound}: missed by ${format(Math.abs(measured - target))} (${(short * 100).toFixed(0)} %; measured ${format(measured)})`;
}
