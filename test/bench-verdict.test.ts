import { strict as assert } from "assert";
import { verdict } from "../bench/verdict";

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
