import { strict as assert } from "assert";
import { NpmTestRun, npmTestVerdicts } from "../bench/npm-test";
import { median, verdict } from "../bench/verdict";

// Every bench judges its targets with this one line: "met", or by how much and how far in per cent it was missed.
describe("bench verdict line", () => {
    const perSecond = (n: number) => `${Math.round(n).toLocaleString("en")} deliveries/s`;
    const seconds = (s: number) => `${s.toFixed(2)} s`;

    it("a floor (≥) is met at or above it, and missed below it by the gap", () => {
        assert.equal(verdict("throughput", 300_000, 300_000, true, perSecond), "target throughput ≥ 300,000 deliveries/s: met (300,000 deliveries/s)");
        assert.equal(verdict("throughput", 240_000, 300_000, true, perSecond), "target throughput ≥ 300,000 deliveries/s: missed by 60,000 deliveries/s (20 %; measured 240,000 deliveries/s)");
    });

    it("a ceiling (≤) is met at or below it, and missed above it by the excess", () => {
        assert.equal(verdict("1,000,000 messages", 3.5, 4, false, seconds), "target 1,000,000 messages ≤ 4.00 s: met (3.50 s)");
        assert.equal(verdict("1,000,000 messages", 5, 4, false, seconds), "target 1,000,000 messages ≤ 4.00 s: missed by 1.00 s (25 %; measured 5.00 s)");
    });
});

describe("npm test bench verdicts", () => {
    const run = (seconds: number, treeMiB?: number): NpmTestRun => ({
        seconds, exitCode: 0, passing: 600, failing: 0,
        ...(treeMiB === undefined ? {} : { treeMiB, largestMiB: treeMiB / 2, atPeak: [{ command: "node mocha", mib: treeMiB / 2 }, { command: "node tsc", mib: treeMiB / 4 }] }),
    });

    it("judges the median wall time and the largest run's summed process tree, and names what held the peak", () => {
        assert.deepEqual(npmTestVerdicts([run(41, 900), run(29, 1100), run(35, 950)]), [
            "target npm test wall (median) ≤ 30.0 s: missed by 5.0 s (17 %; measured 35.0 s)",
            "target npm test memory (process tree, PSS summed, largest run) ≤ 1,024 MiB: missed by 76 MiB (7 %; measured 1,100 MiB)",
            "at that peak: node mocha 550 MiB; node tsc 275 MiB",
        ]);
    });

    it("says memory was not measured where /proc could not be sampled, rather than meeting it", () => {
        assert.deepEqual(npmTestVerdicts([run(20), run(28)]), [
            "target npm test wall (median) ≤ 30.0 s: met (24.0 s)",
            "target npm test memory ≤ 1,024 MiB: not measured (no /proc to sample the process tree)",
        ]);
    });
});

describe("bench median", () => {
    it("is the middle value of an odd count and the mean of the two middle values of an even one, whatever the order", () => {
        assert.equal(median([41, 29, 35]), 35);
        assert.equal(median([28, 20]), 24);
        assert.equal(median([4, 1, 3, 2]), 2.5);
    });
});
