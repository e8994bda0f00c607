// EventBridge event patterns and SNS filter policies, on the examples of the EventBridge user guide and the SNS
// developer guide (positive and negative), the lab's own rules and filter policies, and invalid patterns.
import { strict as assert } from "assert";
import { matchesEventPattern, parseEventPattern } from "../lab/matching/event-pattern";
import { InvalidPatternError } from "../lab/matching/filters";
import { matchesFilterPolicy, parseFilterPolicy, SnsMessage } from "../lab/matching/sns-filter";
import { EU_ORDERS_PATTERN, HIGH_VALUE_ORDERS_PATTERN, ORDER_PLACED, ORDER_SOURCE } from "../patterns/event-routing/rules";
import { DEFAULT_SUBSCRIBERS } from "../patterns/fan-out/subscribers";

/** The EC2 state-change event the EventBridge user guide's pattern examples use. */
const EC2_EVENT = {
    version: "0", id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "EC2 Instance State-change Notification", source: "aws.ec2",
    account: "111122223333", time: "2017-12-22T18:43:48Z", region: "us-west-1",
    resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    detail: { "instance-id": "i-1234567890abcdef0", state: "terminated", "c-count": 5, "d-count": 7, "x-limit": 301.8, "source-ip": "10.0.0.123", responseElements: null, "file-name": "photo.png" },
};
const eb = (pattern: object, event: object = EC2_EVENT) => matchesEventPattern(parseEventPattern(JSON.stringify(pattern)), event as Record<string, unknown>);

describe("EventBridge event patterns", () => {
    const cases: [string, object, boolean][] = [
        ["exact source", { source: ["aws.ec2"] }, true],
        ["exact source, other service", { source: ["aws.s3"] }, false],
        ["detail-type and a detail field (AND)", { "detail-type": ["EC2 Instance State-change Notification"], detail: { state: ["terminated"] } }, true],
        ["one of several values (OR)", { detail: { state: ["stopped", "terminated"] } }, true],
        ["a field the event lacks", { detail: { "not-there": ["x"] } }, false],
        ["prefix", { time: [{ prefix: "2017-12-22" }] }, true],
        ["prefix, no match", { time: [{ prefix: "2017-10-02" }] }, false],
        ["prefix ignoring case", { "detail-type": [{ prefix: { "equals-ignore-case": "ec2 instance" } }] }, true],
        ["suffix", { detail: { "file-name": [{ suffix: ".png" }] } }, true],
        ["suffix, no match", { detail: { "file-name": [{ suffix: ".jpg" }] } }, false],
        ["anything-but a value", { detail: { state: [{ "anything-but": "initializing" }] } }, true],
        ["anything-but a list holding the value", { detail: { state: [{ "anything-but": ["stopped", "terminated"] }] } }, false],
        ["anything-but a prefix", { detail: { state: [{ "anything-but": { prefix: "init" } }] } }, true],
        ["anything-but a suffix that matches", { detail: { state: [{ "anything-but": { suffix: "nated" } }] } }, false],
        ["anything-but ignoring case", { detail: { state: [{ "anything-but": { "equals-ignore-case": ["TERMINATED"] } }] } }, false],
        ["numeric ranges and equality (the guide's c-count/d-count/x-limit)", { detail: { "c-count": [{ numeric: [">", 0, "<=", 5] }], "d-count": [{ numeric: ["<", 10] }], "x-limit": [{ numeric: ["=", 3.018e2] }] } }, true],
        ["numeric out of range", { detail: { "c-count": [{ numeric: [">", 5] }] } }, false],
        ["numeric on a string never matches", { detail: { state: [{ numeric: [">", 0] }] } }, false],
        ["exact number equals the same number written differently", { detail: { "x-limit": [301.80] } }, true],
        ["cidr", { detail: { "source-ip": [{ cidr: "10.0.0.0/24" }] } }, true],
        ["cidr, outside", { detail: { "source-ip": [{ cidr: "10.0.1.0/24" }] } }, false],
        ["exists true", { detail: { state: [{ exists: true }] } }, true],
        ["exists false on a missing field", { detail: { "c-limit": [{ exists: false }] } }, true],
        ["exists false on a present field", { detail: { state: [{ exists: false }] } }, false],
        ["exists true on an object is not a leaf", { detail: [{ exists: true }] }, false],
        ["equals-ignore-case", { "detail-type": [{ "equals-ignore-case": "ec2 instance state-change notification" }] }, true],
        ["wildcard", { resources: [{ wildcard: "arn:aws:ec2:*:instance/i-*" }] }, true],
        ["wildcard, no match", { resources: [{ wildcard: "arn:aws:s3:::*" }] }, false],
        ["a value in an event array", { resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"] }, true],
        ["null", { detail: { responseElements: [null] } }, true],
        ["$or: one alternative matches", { detail: { $or: [{ "c-count": [{ numeric: [">", 10] }] }, { "d-count": [{ numeric: ["<", 10] }] }] } }, true],
        ["$or: none matches", { detail: { $or: [{ "c-count": [{ numeric: [">", 10] }] }, { state: ["running"] }] } }, false],
    ];
    for (const [what, pattern, expected] of cases) it(`${what}: ${expected ? "matches" : "does not match"}`, () => assert.equal(eb(pattern), expected));

    it("the lab's event-routing rules route each order to the targets whose rule matches", () => {
        const order = (detail: object) => ({ ...EC2_EVENT, source: ORDER_SOURCE, "detail-type": ORDER_PLACED, detail });
        const targets = (detail: object) => [["high-value", HIGH_VALUE_ORDERS_PATTERN], ["eu-orders", EU_ORDERS_PATTERN]]
            .filter(([, p]) => eb(p as object, order(detail))).map(([n]) => n);
        assert.deepEqual(targets({ amount: 120, region: "eu-west-1", channel: "web" }), ["high-value", "eu-orders"]);
        assert.deepEqual(targets({ amount: 120, region: "eu-west-1", channel: "test" }), ["high-value"]);
        assert.deepEqual(targets({ amount: 99.99, region: "us-east-1", channel: "web" }), []);
        // anything-but, like every matcher but exists:false, needs the field: an order without a channel is not routed.
        assert.deepEqual(targets({ amount: 5, region: "eu-central-1" }), []);
    });

    const invalid: [string, unknown, RegExp][] = [
        ["a leaf that is not an array", { source: "aws.ec2" }, /"source" must be an object or an array at "source"/],
        ["an empty array", { source: [] }, /Empty arrays are not allowed/],
        ["an unknown operator", { source: [{ contains: "ec2" }] }, /Unrecognized match type contains/],
        ["a numeric range the wrong way round", { detail: { n: [{ numeric: [">", 10, "<", 5] }] } }, /Bottom must be less than top/],
        ["two lower bounds", { detail: { n: [{ numeric: [">", 0, ">", 5] }] } }, /Bad numeric range/],
        ["a number out of range", { detail: { n: [{ numeric: [">", 6e9] }] } }, /between -5.0E9 and 5.0E9/],
        ["consecutive wildcards", { source: [{ wildcard: "aws.**" }] }, /Consecutive wildcard characters/],
        ["a malformed cidr", { ip: [{ cidr: "10.0.0.0" }] }, /Malformed CIDR/],
        ["exists that is not boolean", { ip: [{ exists: "yes" }] }, /exists match pattern must be either true or false/],
        ["$or with one alternative", { $or: [{ source: ["a"] }] }, /\$or must be an array of at least 2 patterns/],
        ["not JSON", "{source: [", /Filter is not valid JSON/],
    ];
    for (const [what, pattern, reason] of invalid) {
        it(`rejects ${what}`, () => assert.throws(() => parseEventPattern(typeof pattern === "string" ? pattern : JSON.stringify(pattern)), (e: unknown) => e instanceof InvalidPatternError && reason.test(e.message)));
    }
});

describe("SNS filter policies", () => {
    // The SNS developer guide's example message.
    const attributes: SnsMessage["attributes"] = {
        customer_interests: { Type: "String.Array", Value: '["soccer", "rugby", "hockey"]' },
        store: { Type: "String", Value: "example_corp" },
        event: { Type: "String", Value: "order_placed" },
        price_usd: { Type: "Number", Value: "210.75" },
    };
    const body = JSON.stringify({ store: "example_corp", event: "order_placed", customer_interests: ["soccer", "rugby", "hockey"], price_usd: 210.75, delivery: { city: "Paris" } });
    const byAttributes = (policy: object) => matchesFilterPolicy(parseFilterPolicy(JSON.stringify(policy)), { attributes });
    const byBody = (policy: object) => matchesFilterPolicy(parseFilterPolicy(JSON.stringify(policy), "MessageBody"), { body }, "MessageBody");

    const guidePolicy = { store: ["example_corp"], event: [{ "anything-but": "order_cancelled" }], customer_interests: ["rugby", "football", "baseball"], price_usd: [{ numeric: [">=", 100] }] };
    const cases: [string, object, boolean][] = [
        ["the guide's policy (String, anything-but, String.Array, Number)", guidePolicy, true],
        ["a price below the range", { ...guidePolicy, price_usd: [{ numeric: ["<", 100] }] }, false],
        ["String.Array: no shared interest", { customer_interests: ["football", "baseball"] }, false],
        ["exists false on a missing attribute", { encrypted: [{ exists: false }] }, true],
        ["exists true on a missing attribute", { encrypted: [{ exists: true }] }, false],
        ["prefix", { event: [{ prefix: "order_" }] }, true],
        ["prefix, no match", { event: [{ prefix: "order-" }] }, false],
        ["suffix", { event: [{ suffix: "_placed" }] }, true],
        ["equals-ignore-case", { store: [{ "equals-ignore-case": "EXAMPLE_CORP" }] }, true],
        ["a Number attribute against an exact number", { price_usd: [210.75] }, true],
        ["a Number attribute against a string", { price_usd: ["210.75"] }, false],
        ["$or of two attributes", { $or: [{ store: ["other"] }, { event: ["order_placed"] }] }, true],
    ];
    for (const [what, policy, expected] of cases) it(`MessageAttributes — ${what}: ${expected ? "delivered" : "filtered out"}`, () => assert.equal(byAttributes(policy), expected));

    it("MessageBody scope: the same policy on the JSON body, nested keys, and a body that is not JSON", () => {
        assert.equal(byBody(guidePolicy), true);
        assert.equal(byBody({ delivery: { city: ["Paris"] } }), true);
        assert.equal(byBody({ delivery: { city: ["Lyon"] } }), false);
        assert.equal(matchesFilterPolicy(parseFilterPolicy({ store: ["example_corp"] }, "MessageBody"), { body: "plain text" }, "MessageBody"), false);
    });

    it("the lab's fan-out subscribers get what their filter policies say", () => {
        const message = (amount: number, region: string): SnsMessage => ({
            body: JSON.stringify({ type: "order.placed", orderId: "o-1", amount, region }),
            attributes: { eventType: { Type: "String", Value: "order.placed" }, region: { Type: "String", Value: region }, correlationId: { Type: "String", Value: "c" } },
        });
        const receivers = (m: SnsMessage) => DEFAULT_SUBSCRIBERS.filter((s) => s.filterPolicy === undefined
            || matchesFilterPolicy(parseFilterPolicy(s.filterPolicy, s.filterPolicyScope), m, s.filterPolicyScope)).map((s) => s.name);
        assert.deepEqual(receivers(message(120, "eu-west-1")), ["high-value", "eu-orders", "audit"]);
        assert.deepEqual(receivers(message(20, "eu-west-1")), ["eu-orders", "audit"]);
        assert.deepEqual(receivers(message(120, "us-east-1")), ["high-value", "audit"]);
        assert.deepEqual(receivers(message(20, "us-east-1")), ["audit"]);
    });

    it("rejects what SNS rejects: nesting in attribute scope, wildcard, more than 5 keys, more than 150 combinations", () => {
        const rejects = (policy: object, reason: RegExp, scope?: "MessageBody") => assert.throws(() => parseFilterPolicy(policy as Record<string, unknown>, scope), (e: unknown) => e instanceof InvalidPatternError && reason.test(e.message));
        rejects({ delivery: { city: ["Paris"] } }, /attribute filter policies do not nest/);
        rejects({ store: [{ wildcard: "example*" }] }, /Unrecognized match type wildcard/);
        rejects({ a: ["1"], b: ["1"], c: ["1"], d: ["1"], e: ["1"], f: ["1"] }, /more than 5 keys/);
        const many = Array.from({ length: 13 }, (_, i) => `v${i}`);
        rejects({ a: many, b: many }, /too complex \(169 combinations/);
        assert.doesNotThrow(() => parseFilterPolicy({ delivery: { city: ["Paris"] } }, "MessageBody"));
    });
});
