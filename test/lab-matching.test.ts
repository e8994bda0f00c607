// EventBridge event patterns and SNS filter policies, on the examples of the EventBridge user guide and the SNS
// developer guide (positive and negative), the lab's own rules and filter policies, and invalid patterns.
import { strict as assert } from "assert";
import fc from "fast-check";
import { EventPattern, matchesEventPattern, parseEventPattern } from "../lab/matching/event-pattern";
import { InvalidPatternError } from "../lab/matching/filters";
import { filterPolicyCombinations, FilterPolicyScope, matchesFilterPolicy, parseFilterPolicy, SnsMessage, wildcardComplexity } from "../lab/matching/sns-filter";
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
/** Asserts `fn` throws an InvalidPatternError with exactly this message. */
const throwsExactly = (fn: () => unknown, message: string) => assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InvalidPatternError, `expected an InvalidPatternError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
});

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

    it("an EU order without a channel reaches the EU rule; the earlier pattern, without the $or, dropped it; test traffic stays out", () => {
        const order = (detail: object) => ({ ...EC2_EVENT, source: ORDER_SOURCE, "detail-type": ORDER_PLACED, detail });
        // The rule as it was: "channel" named in the pattern, so an order that omits it matches nothing.
        const before = { source: [ORDER_SOURCE], "detail-type": [ORDER_PLACED], detail: { region: [{ prefix: "eu-" }], channel: [{ "anything-but": ["test"] }] } };
        const noChannel = order({ orderId: "o-1", amount: 20, region: "eu-west-1" });
        assert.equal(eb(before, noChannel), false);
        assert.equal(eb(EU_ORDERS_PATTERN, noChannel), true);
        assert.equal(eb(EU_ORDERS_PATTERN, order({ orderId: "o-2", amount: 20, region: "eu-west-1", channel: "web" })), true);
        assert.equal(eb(EU_ORDERS_PATTERN, order({ orderId: "o-3", amount: 20, region: "eu-west-1", channel: "test" })), false);
        assert.equal(eb(EU_ORDERS_PATTERN, order({ orderId: "o-4", amount: 20, region: "us-east-1" })), false);
    });

    it("the lab's event-routing rules route each order to the targets whose rule matches", () => {
        const order = (detail: object) => ({ ...EC2_EVENT, source: ORDER_SOURCE, "detail-type": ORDER_PLACED, detail });
        const targets = (detail: object) => [["high-value", HIGH_VALUE_ORDERS_PATTERN], ["eu-orders", EU_ORDERS_PATTERN]]
            .filter(([, p]) => eb(p as object, order(detail))).map(([n]) => n);
        assert.deepEqual(targets({ amount: 120, region: "eu-west-1", channel: "web" }), ["high-value", "eu-orders"]);
        assert.deepEqual(targets({ amount: 120, region: "eu-west-1", channel: "test" }), ["high-value"]);
        assert.deepEqual(targets({ amount: 99.99, region: "us-east-1", channel: "web" }), []);
        // channel is optional: an EU order without one is routed (the rule's $or with exists: false).
        assert.deepEqual(targets({ amount: 5, region: "eu-central-1" }), ["eu-orders"]);
    });

    it("exists true matches a null field: EventBridge keeps presence semantics", () => assert.equal(eb({ detail: { responseElements: [{ exists: true }] } }), true));

    describe("anything-but with prefix, suffix, equals-ignore-case or wildcard", () => {
        // A present value that is not a string is "anything except" a string prefix/suffix/case/wildcard; an absent one never matches.
        const but = (field: string, arg: object, event?: object) => eb({ detail: { [field]: [{ "anything-but": arg }] } }, event);
        it("anything-but prefix matches a number field (c-count: 5)", () => assert.equal(but("c-count", { prefix: "5" }), true));
        it("anything-but suffix matches a number field (c-count: 5)", () => assert.equal(but("c-count", { suffix: "5" }), true));
        it("anything-but equals-ignore-case matches a number field (c-count: 5)", () => assert.equal(but("c-count", { "equals-ignore-case": "5" }), true));
        it("anything-but wildcard matches a number field (c-count: 5)", () => assert.equal(but("c-count", { wildcard: "*5*" }), true));
        it("anything-but prefix matches a null field (responseElements: null)", () => assert.equal(but("responseElements", { prefix: "n" }), true));
        it("anything-but suffix matches a boolean field (encrypted: true)", () => assert.equal(but("encrypted", { suffix: "e" }, { ...EC2_EVENT, detail: { encrypted: true } }), true));
        it("anything-but prefix does not match a missing field", () => assert.equal(but("not-there", { prefix: "5" }), false));
        it("anything-but suffix does not match a missing field", () => assert.equal(but("not-there", { suffix: "5" }), false));
        it("anything-but equals-ignore-case does not match a missing field", () => assert.equal(but("not-there", { "equals-ignore-case": "5" }), false));
        it("anything-but wildcard does not match a missing field", () => assert.equal(but("not-there", { wildcard: "*5*" }), false));
        it("anything-but prefix still filters out a string with the prefix (state: terminated)", () => assert.equal(but("state", { prefix: "term" }), false));
        it("rejects an empty prefix inside anything-but: Null prefix/suffix not allowed", () => throwsExactly(
            () => parseEventPattern({ detail: { state: [{ "anything-but": { prefix: "" } }] } }),
            'Event pattern is not valid. Reason: Null prefix/suffix not allowed at "detail.state"',
        ));
        it("rejects an empty suffix inside anything-but: Null prefix/suffix not allowed", () => throwsExactly(
            () => parseEventPattern({ detail: { state: [{ "anything-but": { suffix: "" } }] } }),
            'Event pattern is not valid. Reason: Null prefix/suffix not allowed at "detail.state"',
        ));
    });

    it("an invalid pattern is reported in EventBridge's words: Event pattern is not valid. Reason: …", () => throwsExactly(
        () => parseEventPattern({ source: [{ contains: "ec2" }] }),
        'Event pattern is not valid. Reason: Unrecognized match type contains at "source"',
    ));

    const invalid: [string, unknown, RegExp][] = [
        ["a leaf that is not an array", { source: "aws.ec2" }, /"source" must be an object or an array at "source"/],
        ["an empty array", { source: [] }, /Empty arrays are not allowed/],
        ["an unknown operator", { source: [{ contains: "ec2" }] }, /Unrecognized match type contains/],
        ["a numeric range the wrong way round", { detail: { n: [{ numeric: [">", 10, "<", 5] }] } }, /Bottom must be less than top/],
        ["two lower bounds", { detail: { n: [{ numeric: [">", 0, ">", 5] }] } }, /Bad numeric range/],
        ["consecutive wildcards", { source: [{ wildcard: "aws.**" }] }, /Consecutive wildcard characters/],
        ["a malformed cidr", { ip: [{ cidr: "10.0.0.0" }] }, /Malformed CIDR/],
        ["exists that is not boolean", { ip: [{ exists: "yes" }] }, /exists match pattern must be either true or false/],
        ["$or with one alternative", { $or: [{ source: ["a"] }] }, /There must have at least 2 Objects in \$or relationship\./],
        ["not JSON", "{source: [", /Filter is not valid JSON/],
    ];
    for (const [what, pattern, reason] of invalid) {
        it(`rejects ${what}`, () => assert.throws(() => parseEventPattern(typeof pattern === "string" ? pattern : JSON.stringify(pattern)), (e: unknown) => e instanceof InvalidPatternError && reason.test(e.message)));
    }
});

// Vectors from aws/event-ruler, the library EventBridge matches with (its README and sources, read 2026-12): each
// block names the file its expected answers follow from. Java is not runnable here, so the answers are derived, not recorded.
describe("EventBridge event patterns as event-ruler matches them", () => {
    const at = (detail: object) => ({ ...EC2_EVENT, detail });
    const match = (pattern: object | string, detail: object) => matchesEventPattern(parseEventPattern(typeof pattern === "string" ? pattern : JSON.stringify(pattern)), at(detail));
    const refused = (pattern: object | string, reason: string) => throwsExactly(
        () => parseEventPattern(typeof pattern === "string" ? pattern : JSON.stringify(pattern)),
        `Event pattern is not valid. Reason: ${reason}`,
    );

    describe("anything-but with a list of prefixes or suffixes (JsonRuleCompiler: processAnythingButValuesSetMatchExpression)", () => {
        const region = (arg: object, value: unknown) => match({ detail: { region: [{ "anything-but": arg }] } }, { region: value });
        it(`anything-but prefix list ["us-", "eu-"] filters out "eu-west-1"`, () => assert.equal(region({ prefix: ["us-", "eu-"] }, "eu-west-1"), false));
        it(`anything-but prefix list ["us-", "eu-"] lets "ap-south-1" through`, () => assert.equal(region({ prefix: ["us-", "eu-"] }, "ap-south-1"), true));
        it(`anything-but suffix list [".png", ".jpg"] filters out "photo.jpg" and lets "notes.txt" through`, () => {
            assert.equal(region({ suffix: [".png", ".jpg"] }, "photo.jpg"), false);
            assert.equal(region({ suffix: [".png", ".jpg"] }, "notes.txt"), true);
        });
        it("anything-but prefix list lets a number through: a number has no string prefix", () => assert.equal(region({ prefix: ["us-", "eu-"] }, 5), true));
        it("anything-but prefix list does not match a missing field", () => assert.equal(match({ detail: { region: [{ "anything-but": { prefix: ["us-"] } }] } }, {}), false));
        it("anything-but equals-ignore-case list filters out any casing of its values", () => assert.equal(region({ "equals-ignore-case": ["EU-WEST-1", "us-east-1"] }, "eu-West-1"), false));
        it("an empty anything-but prefix list is accepted and excludes nothing (the compiler takes it; no value fails it)", () => assert.equal(region({ prefix: [] }, "eu-west-1"), true));
        it("rejects an empty prefix in an anything-but prefix list: Null prefix/suffix not allowed", () => refused(
            { detail: { region: [{ "anything-but": { prefix: ["us-", ""] } }] } }, 'Null prefix/suffix not allowed at "detail.region"'));
        it("rejects a number in an anything-but suffix list: prefix/suffix match pattern must be a string", () => refused(
            { detail: { region: [{ "anything-but": { suffix: [".png", 5] } }] } }, 'prefix/suffix match pattern must be a string at "detail.region"'));
        it("rejects a number in an anything-but equals-ignore-case list, in event-ruler's words", () => refused(
            { detail: { region: [{ "anything-but": { "equals-ignore-case": ["a", 5] } }] } },
            'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported. at "detail.region"'));
    });

    describe("exists on arrays (Event.java: an array contributes its elements' values; ACFinder/NameState: exists false within the array elements matched so far)", () => {
        const detail = { tags: [], items: [{ sku: "a" }, { sku: "b", qty: 2 }], nulls: [null], lines: [{ sku: "a" }, { qty: 2 }] };
        const exists = (field: object) => match({ detail: field }, detail);
        it("exists true does not match an empty array: it has no value at that path", () => assert.equal(exists({ tags: [{ exists: true }] }), false));
        it("exists false matches an empty array", () => assert.equal(exists({ tags: [{ exists: false }] }), true));
        it("exists true does not match an array of objects: its values sit at the objects' paths", () => assert.equal(exists({ items: [{ exists: true }] }), false));
        it("exists false matches a field holding an array of objects", () => assert.equal(exists({ items: [{ exists: false }] }), true));
        it("exists true matches an array holding null", () => assert.equal(exists({ nulls: [{ exists: true }] }), true));
        it("exists true on a field inside an array of objects matches when one element has it", () => assert.equal(exists({ items: { qty: [{ exists: true }] } }), true));
        it("exists false on a field inside an array of objects fails when any element has it", () => assert.equal(exists({ lines: { qty: [{ exists: false }] } }), false));
        // Paths are taken in sorted order: "detail.lines.qty" before "detail.lines.sku".
        it("exists false is checked in the array element an earlier path matched: qty 2 in the element without sku", () => assert.equal(
            exists({ lines: { qty: [2], sku: [{ exists: false }] } }), true));
        it("exists false on a path sorted before the one that picks the element sees every element", () => assert.equal(
            exists({ lines: { qty: [{ exists: false }], sku: ["a"] } }), false));
    });

    describe("numbers compared exactly (ComparableNumber: every double, encoded exactly; JsonRuleCompiler: a number literal also matches numerically)", () => {
        const n = (pattern: object | string, value: number) => match(pattern, { n: value });
        it("exact value 301.8 does not match 301.800001: no tolerance", () => assert.equal(n({ detail: { n: [301.8] } }, 301.800001), false));
        it("numeric = 301.8 does not match 301.800001: no tolerance", () => assert.equal(n({ detail: { n: [{ numeric: ["=", 301.8] }] } }, 301.800001), false));
        it("anything-but 301.8 lets 301.800001 through: no tolerance", () => assert.equal(n({ detail: { n: [{ "anything-but": 301.8 }] } }, 301.800001), true));
        it("exact value 3.0e2 matches the event number 300: number literals compare as numbers", () => assert.equal(n('{"detail":{"n":[3.0e2]}}', 300), true));
        it(`numeric operands cover the whole double range: [">", 6e9] matches 7e9`, () => assert.equal(n({ detail: { n: [{ numeric: [">", 6e9] }] } }, 7e9), true));
        it("rejects a numeric operand no double holds exactly: Cannot compare number : 0.30000000000000001", () => refused(
            '{"detail":{"n":[{"numeric":[">",0.30000000000000001]}]}}', 'Cannot compare number : 0.30000000000000001 at "detail.n"'));
        it("rejects an integer operand above 2^53 that no double holds: Cannot compare number : 9007199254740993", () => refused(
            '{"detail":{"n":[{"numeric":["<=",9007199254740993]}]}}', 'Cannot compare number : 9007199254740993 at "detail.n"'));
        it("rejects a numeric operand beyond the double range: Cannot compare number : 1e400", () => refused(
            '{"detail":{"n":[{"numeric":["=",1e400]}]}}', 'Cannot compare number : 1e400 at "detail.n"'));
        it("rejects an anything-but number no double holds: Cannot compare number : 9007199254740993", () => refused(
            '{"detail":{"n":[{"anything-but":[1,9007199254740993]}]}}', 'Cannot compare number : 9007199254740993 at "detail.n"'));
        it("accepts an exact value no double holds; it matches no event number (only its own text would)", () => assert.equal(
            n('{"detail":{"n":[9007199254740993]}}', 9007199254740992), false));
    });

    describe("keys containing dots are paths (README: Caveat: Compiled rules and JSON keys with dots)", () => {
        it(`a dotted pattern key is a path: {"detail.state": ["terminated"]} matches detail.state`, () => assert.equal(eb({ "detail.state": ["terminated"] }), true));
        it(`a dotted event key is a path: detail → state → status matches {"state.status": "running"}`, () => assert.equal(
            match({ detail: { state: { status: ["running"] } } }, { "state.status": "running" }), true));
        it(`a dotted pattern key matches the nested event: {"state.status": ["running"]} matches state → status`, () => assert.equal(
            match({ detail: { "state.status": ["running"] } }, { state: { status: "running" } }), true));
    });

    describe("wildcard escapes (README: Wildcard matching; input/WildcardParser.java)", () => {
        const file = (wildcard: string, value: string) => match({ detail: { f: [{ wildcard }] } }, { f: value });
        it(`wildcard with an escaped asterisk ("a\\*b") matches a literal asterisk only: "a*b", not "axb"`, () => {
            assert.equal(file("a\\*b", "a*b"), true);
            assert.equal(file("a\\*b", "axb"), false);
        });
        it(`wildcard with an escaped backslash ("C:\\\\*") matches a backslash, then anything`, () => {
            assert.equal(file("C:\\\\*", "C:\\temp"), true);
            assert.equal(file("C:\\\\*", "C:/temp"), false);
        });
        it("anything-but wildcard reads escapes too: an escaped last asterisk excludes values ending in one", () => {
            assert.equal(match({ detail: { f: [{ "anything-but": { wildcard: "*\\*" } }] } }, { f: "rating*" }), false);
            assert.equal(match({ detail: { f: [{ "anything-but": { wildcard: "*\\*" } }] } }, { f: "rating" }), true);
        });
        it("rejects an invalid escape in a wildcard: Invalid escape character at pos 2 (positions count the opening quote)", () => refused(
            { detail: { f: [{ wildcard: "a\\d" }] } }, 'Invalid escape character at pos 2 at "detail.f"'));
        it("rejects a trailing backslash in a wildcard: Invalid escape character", () => refused(
            { detail: { f: [{ wildcard: "ab\\" }] } }, 'Invalid escape character at pos 3 at "detail.f"'));
        it(`rejects consecutive wildcards at event-ruler's position: "aws.**" is Consecutive wildcard characters at pos 5`, () => refused(
            { source: [{ wildcard: "aws.**" }] }, 'Consecutive wildcard characters at pos 5 at "source"'));
    });

    describe("arrays of arrays in events (README: JSON Array Matching; Event.java traverseArray)", () => {
        const employees = [[{ firstName: "John", lastName: "Doe" }, { firstName: "Anna", lastName: "Smith" }], [{ firstName: "Peter", lastName: "Jones" }]];
        it(`a value in an array of arrays matches: [["a", "b"], ["c"]] holds "c"`, () => assert.equal(match({ detail: { t: ["c"] } }, { t: [["a", "b"], ["c"]] }), true));
        it("a number in an array of arrays meets a numeric match", () => assert.equal(match({ detail: { t: [{ numeric: [">", 2] }] } }, { t: [[1], [[3]]] }), true));
        it("the README's multi-level employees array: a nested pattern finds Anna", () => assert.equal(match({ detail: { employees: { firstName: ["Anna"] } } }, { employees }), true));
        it("the README's multi-level employees array: Anna and Jones, from different elements, do not combine", () => assert.equal(
            match({ detail: { employees: { firstName: ["Anna"], lastName: ["Jones"] } } }, { employees }), false));
        it("the README's multi-level employees array: Anna Smith, from one element, matches", () => assert.equal(
            match({ detail: { employees: { firstName: ["Anna"], lastName: ["Smith"] } } }, { employees }), true));
    });

    describe("validation as strict as event-ruler's, in its words (JsonRuleCompiler, CIDR.java, Constants.java)", () => {
        it("rejects an empty object below the top: Empty objects are not allowed", () => refused({ detail: {} }, 'Empty objects are not allowed at "detail"'));
        it("rejects an empty pattern: Empty objects are not allowed", () => refused({}, "Empty objects are not allowed"));
        it("rejects a pattern that is not an object: Filter is not an object", () => refused("[]", "Filter is not an object"));
        it("rejects an empty anything-but list, in event-ruler's words", () => refused(
            { detail: { state: [{ "anything-but": [] }] } },
            'Inside anything but list, either all values are number or string, mixed type is not supported at "detail.state"'));
        it("rejects an anything-but list mixing strings and numbers, in event-ruler's words", () => refused(
            { detail: { state: [{ "anything-but": ["stopped", 5] }] } },
            'Inside anything but list, either all values are number or string, mixed type is not supported at "detail.state"'));
        it("rejects null in an anything-but list, in event-ruler's words", () => refused(
            { detail: { state: [{ "anything-but": ["stopped", null] }] } }, 'Inside anything but list, start|null|boolean is not supported. at "detail.state"'));
        it("rejects an IPv4 /32 block: IPv4 mask bits must be < 32", () => refused({ detail: { ip: [{ cidr: "10.0.0.1/32" }] } }, 'IPv4 mask bits must be < 32 at "detail.ip"'));
        it("rejects an IPv6 /128 block: IPv6 mask bits must be < 128", () => refused({ detail: { ip: [{ cidr: "2001:db8::1/128" }] } }, 'IPv6 mask bits must be < 128 at "detail.ip"'));
        it("rejects a negative mask: Malformed CIDR, mask bits must not be negative", () => refused({ detail: { ip: [{ cidr: "10.0.0.0/-1" }] } }, 'Malformed CIDR, mask bits must not be negative at "detail.ip"'));
        it("rejects a mask that is not an integer: Malformed CIDR, mask bits must be an integer", () => refused({ detail: { ip: [{ cidr: "10.0.0.0/8.5" }] } }, 'Malformed CIDR, mask bits must be an integer at "detail.ip"'));
        it("rejects an address with an octet above 255: Invalid IP address", () => refused({ detail: { ip: [{ cidr: "10.0.0.256/24" }] } }, 'Invalid IP address: 10.0.0.256 at "detail.ip"'));
        it("rejects a host name as a CIDR address: Nonstandard IP address", () => refused({ detail: { ip: [{ cidr: "example.com/24" }] } }, 'Nonstandard IP address: example.com at "detail.ip"'));
        it("a cidr block runs from the address given to its last host: 10.0.0.5/24 covers 10.0.0.200, not 10.0.0.1", () => {
            assert.equal(match({ detail: { ip: [{ cidr: "10.0.0.5/24" }] } }, { ip: "10.0.0.200" }), true);
            assert.equal(match({ detail: { ip: [{ cidr: "10.0.0.5/24" }] } }, { ip: "10.0.0.1" }), false);
        });
        it("an IPv6 cidr block matches another spelling of an address inside it", () => assert.equal(
            match({ detail: { ip: [{ cidr: "2001:db8::/32" }] } }, { ip: "2001:0DB8:0000:0000:0000:0000:0000:0001" }), true));
        it("rejects a reserved keyword as a field name inside $or: prefix is Ruler reserved fieldName", () => refused(
            { $or: [{ prefix: ["a"] }, { source: ["aws.ec2"] }] }, 'prefix is Ruler reserved fieldName which cannot be used inside $or. at "$or[0].prefix"'));
        it("rejects a reserved keyword nested inside an $or alternative", () => refused(
            { detail: { $or: [{ state: { numeric: [1] } }, { state: ["x"] }] } }, 'numeric is Ruler reserved fieldName which cannot be used inside $or. at "detail.$or[0].state.numeric"'));
        it("accepts a reserved keyword as a field name outside $or", () => assert.equal(match({ detail: { prefix: ["p"] } }, { prefix: "p" }), true));
        it("rejects $or that is not an array: It must be an Array followed with $or.", () => refused({ $or: { source: ["a"] } }, 'It must be an Array followed with $or. at "$or"'));
        it("rejects an $or alternative that is not an object, in event-ruler's words", () => refused(
            { $or: [{ source: ["a"] }, ["b"]] }, 'Only JSON object is allowed in array of $or relationship. at "$or[1]"'));
        it("rejects an empty operator object: Match expression name not found", () => refused({ source: [{}] }, 'Match expression name not found at "source"'));
        it("rejects two operators in one object: Only one key allowed in match expression", () => refused(
            { source: [{ prefix: "aws.", suffix: "ec2" }] }, 'Only one key allowed in match expression at "source"'));
        it("rejects exists that is not a boolean, in event-ruler's words", () => refused(
            { source: [{ exists: "yes" }] }, 'exists match pattern must be either true or false. at "source"'));
        const numeric: [string, unknown[], string][] = [
            ["an operand that is not a number", [">", "5"], "Value of > must be numeric"],
            ["a range whose second operator is not an upper bound", [">", 0, ">", 5], "Bad numeric range operator: >"],
            ["an upper bound before a lower bound", ["<", 5, ">", 0], "Too many elements in numeric expression"],
            ["a number where the operator belongs", [5], "Invalid member in numeric match: 5"],
            ["an empty list", [], "Invalid member in numeric match: ]"],
            ["an extra term", [">", 0, "<", 5, 6], "Too many terms in numeric range expression"],
            ["a bottom above the top", [">=", 5, "<=", 5], "Bottom must be less than top"],
        ];
        for (const [what, expression, reason] of numeric) {
            it(`rejects a numeric match with ${what}: ${reason}`, () => refused({ detail: { n: [{ numeric: expression }] } }, `${reason} at "detail.n"`));
        }
    });
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

    const deliver = (policy: object, message: SnsMessage, scope: FilterPolicyScope = "MessageAttributes") => matchesFilterPolicy(parseFilterPolicy(JSON.stringify(policy), scope), message, scope);
    const rejects = (policy: object, message: string, scope?: FilterPolicyScope) => throwsExactly(() => parseFilterPolicy(JSON.stringify(policy), scope), message);

    describe("errors, worded as SNS words them: Invalid parameter: FilterPolicy: <reason>", () => {
        it("rejects an unknown operator: Unrecognized match type", () => rejects(
            { store: [{ "wrong-operator": "x" }] },
            'Invalid parameter: FilterPolicy: Unrecognized match type wrong-operator at "store"',
        ));
        it("rejects nesting in MessageAttributes scope", () => rejects(
            { delivery: { city: ["Paris"] } },
            'Invalid parameter: FilterPolicy: Filter policy scope MessageAttributes does not support nested filter policy at "delivery"',
        ));
        it("accepts the same nesting in MessageBody scope", () => assert.doesNotThrow(() => parseFilterPolicy({ delivery: { city: ["Paris"] } }, "MessageBody")));
        it("rejects more than 5 keys", () => rejects(
            { a: ["1"], b: ["1"], c: ["1"], d: ["1"], e: ["1"], f: ["1"] },
            "Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys (6: a, b, c, d, e, f)",
        ));
        it("rejects a policy that is not JSON", () => assert.throws(
            () => parseFilterPolicy("{store: ["),
            (e: unknown) => e instanceof InvalidPatternError && e.message.startsWith("Invalid parameter: FilterPolicy: failed to parse JSON. "),
        ));
    });

    describe("wildcard (String value matching, Wildcard pattern usage guidelines)", () => {
        const interests = (values: string[]): SnsMessage => ({ attributes: { customer_interests: { Type: "String.Array", Value: JSON.stringify(values) } } });
        it(`wildcard "*ball" matches the String.Array ["baseball","basketball"]`, () => assert.equal(deliver({ customer_interests: [{ wildcard: "*ball" }] }, interests(["baseball", "basketball"])), true));
        it(`wildcard "*ball" does not match the String.Array ["hockey","rugby","soccer"]`, () => assert.equal(deliver({ customer_interests: [{ wildcard: "*ball" }] }, interests(["hockey", "rugby", "soccer"])), false));
        it(`anything-but wildcard "*ball" matches ["hockey","rugby","soccer"]`, () => assert.equal(deliver({ customer_interests: [{ "anything-but": { wildcard: "*ball" } }] }, interests(["hockey", "rugby", "soccer"])), true));
        it(`anything-but wildcard "*ball" does not match ["baseball","basketball"]`, () => assert.equal(deliver({ customer_interests: [{ "anything-but": { wildcard: "*ball" } }] }, interests(["baseball", "basketball"])), false));
        it(`MessageBody — wildcard "*ball" matches a body property "basketball"`, () => assert.equal(deliver({ customer_interests: [{ wildcard: "*ball" }] }, { body: '{"customer_interests":"basketball"}' }, "MessageBody"), true));
        it("the guide's filename example (*.txt, log*) is (1 + 1) × 2 = 4 points", () => assert.equal(wildcardComplexity({ filename: [{ wildcard: "*.txt" }, { wildcard: "log*" }] }), 4));
        it("the guide's greeting example (anything-but prefix, H*) is 2 patterns = (1 + 1) × 2 = 4 points", () => assert.equal(wildcardComplexity({ greeting: [{ "anything-but": { prefix: "Hello" } }, { wildcard: "H*" }] }), 4));
        it("a pattern with several wildcards is 3 points each: a*b*c* alone is 9 points", () => assert.equal(wildcardComplexity({ key: [{ wildcard: "a*b*c*" }] }), 9));
        it("other patterns add no points but count as patterns: *ball next to two exact values is 1 × 3 = 3 points", () => assert.equal(wildcardComplexity({ key: [{ wildcard: "*ball" }, "rugby", "tennis"] }), 3));
        const singles = (n: number) => ({ name: Array.from({ length: n }, (_, i) => ({ wildcard: `*${i}` })) });
        it("accepts 10 single-wildcard patterns in one field: (10 × 1) × 10 = 100 points", () => assert.doesNotThrow(() => parseFilterPolicy(singles(10))));
        it("rejects 11 single-wildcard patterns in one field: (11 × 1) × 11 = 121 points > 100", () => rejects(singles(11), "Invalid parameter: FilterPolicy: Filter policy is too complex (wildcard complexity 121 points; at most 100)"));
        it("sums the points of all fields: two fields of 8 single wildcards are 64 + 64 = 128 points > 100", () => rejects(
            { a: singles(8).name, b: singles(8).name.map(({ wildcard }) => ({ wildcard: `x${wildcard}` })) },
            "Invalid parameter: FilterPolicy: Filter policy is too complex (wildcard complexity 128 points; at most 100)",
        ));
        it("applies the 100-point budget only to policies with a wildcard: 12 anything-but patterns (144 points) are accepted", () => assert.doesNotThrow(
            () => parseFilterPolicy({ name: Array.from({ length: 12 }, (_, i) => ({ "anything-but": `v${i}` })) }),
        ));
        it("accepts a pattern with 3 wildcards", () => assert.doesNotThrow(() => parseFilterPolicy({ key1: [{ wildcard: "a*b*c*" }] })));
        it("rejects a pattern with 4 wildcards", () => rejects({ key1: [{ wildcard: "a*b*c*d*" }] }, 'Invalid parameter: FilterPolicy: Maximum 3 wildcards per pattern; "a*b*c*d*" has 4 at "key1"'));
        it("rejects an anything-but wildcard with 4 wildcards", () => rejects({ key1: [{ "anything-but": { wildcard: "a*b*c*d*" } }] }, 'Invalid parameter: FilterPolicy: Maximum 3 wildcards per pattern; "a*b*c*d*" has 4 at "key1"'));
        it("rejects consecutive wildcards in a filter policy", () => rejects({ store: [{ wildcard: "example**" }] }, 'Invalid parameter: FilterPolicy: Consecutive wildcard characters at pos 8 at "store"'));
    });

    describe("exists (Key matching in Amazon SNS)", () => {
        const withStore: SnsMessage = { attributes: { store: { Type: "String", Value: "fans" }, customer_interests: { Type: "String.Array", Value: '["baseball", "basketball"]' } } };
        const withoutStore: SnsMessage = { attributes: { customer_interests: { Type: "String.Array", Value: '["baseball", "basketball"]' } } };
        const bodyWithStore: SnsMessage = { body: JSON.stringify({ store: "fans", customer_interests: ["baseball", "basketball"] }) };
        const bodyWithoutStore: SnsMessage = { body: JSON.stringify({ customer_interests: ["baseball", "basketball"] }) };
        const existsTrue = { store: [{ exists: true }] };
        const existsFalse = { store: [{ exists: false }] };
        it(`MessageAttributes — "store": [{"exists": true}] matches store "fans" with customer_interests`, () => assert.equal(deliver(existsTrue, withStore), true));
        it(`MessageAttributes — "store": [{"exists": true}] does not match customer_interests alone`, () => assert.equal(deliver(existsTrue, withoutStore), false));
        it(`MessageAttributes — "store": [{"exists": false}] does not match store "fans" with customer_interests`, () => assert.equal(deliver(existsFalse, withStore), false));
        it(`MessageAttributes — "store": [{"exists": false}] matches customer_interests alone`, () => assert.equal(deliver(existsFalse, withoutStore), true));
        it(`MessageBody — "store": [{"exists": true}] matches store "fans" with customer_interests`, () => assert.equal(deliver(existsTrue, bodyWithStore, "MessageBody"), true));
        it(`MessageBody — "store": [{"exists": true}] does not match customer_interests alone`, () => assert.equal(deliver(existsTrue, bodyWithoutStore, "MessageBody"), false));
        it(`MessageBody — "store": [{"exists": false}] does not match store "fans" with customer_interests`, () => assert.equal(deliver(existsFalse, bodyWithStore, "MessageBody"), false));
        it(`MessageBody — "store": [{"exists": false}] matches customer_interests alone`, () => assert.equal(deliver(existsFalse, bodyWithoutStore, "MessageBody"), true));
        it("MessageAttributes — exists false does not match a message without attributes", () => assert.equal(deliver(existsFalse, { attributes: {} }), false));
        it("MessageBody — exists false does not match an empty body object", () => assert.equal(deliver(existsFalse, { body: "{}" }, "MessageBody"), false));
        it("MessageAttributes — exists true does not match an empty String value", () => assert.equal(deliver(existsTrue, { attributes: { store: { Type: "String", Value: "" } } }), false));
        it("MessageAttributes — exists true does not match an empty String.Array", () => assert.equal(deliver(existsTrue, { attributes: { store: { Type: "String.Array", Value: "[]" } } }), false));
        it("MessageBody — exists true does not match a null value", () => assert.equal(deliver(existsTrue, { body: '{"store":null}' }, "MessageBody"), false));
        it(`MessageBody — exists true does not match an empty string ""`, () => assert.equal(deliver(existsTrue, { body: '{"store":""}' }, "MessageBody"), false));
        it("MessageBody — exists true does not match an empty array", () => assert.equal(deliver(existsTrue, { body: '{"store":[]}' }, "MessageBody"), false));
        it("MessageBody — exists false on a nested key matches a body without it", () => assert.equal(deliver({ delivery: { city: [{ exists: false }] } }, bodyWithoutStore, "MessageBody"), true));
    });

    describe("combinations (Filter policy constraints in Amazon SNS, AND/OR logic)", () => {
        const values = (n: number) => Array.from({ length: n }, (_, i) => `value_${i}`);
        it("MessageAttributes: the guide's key_a/key_b/key_c policy is 3 × 1 × 2 = 6 combinations", () => assert.equal(filterPolicyCombinations({ key_a: values(3), key_b: values(1), key_c: values(2) }), 6));
        const nested = { key_a: { key_b: { key_c: values(4) } }, key_d: { key_e: values(3) } };
        it("MessageBody: the guide's nested policy is 4 × 3 × 3 × 2 = 72 combinations (key_c at level 3, key_e at level 2)", () => assert.equal(filterPolicyCombinations(nested), 72));
        it("MessageBody: the guide's nested 72-combination policy is accepted", () => assert.doesNotThrow(() => parseFilterPolicy(nested, "MessageBody")));
        const metrics = {
            source: ["aws.cloudwatch"],
            $or: [{ metricName: ["CPUUtilization", "ReadLatency"] }, { metricType: ["MetricType"], $or: [{ metricId: [1234, 4321] }, { spaceId: [1000, 2000, 3000] }] }],
        };
        it("$or: the guide's source/metricName/metricType policy is (1 * 2) + (1 * 1 * 2) + (1 * 1 * 3) = 7 combinations", () => assert.equal(filterPolicyCombinations(metrics), 7));
        const nestedOr = {
            $or: [{ metricName: ["CPUUtilization", "ReadLatency"] }, { namespace: ["AWS/EC2", "AWS/ES"] }],
            detail: { scope: ["Service"], $or: [{ source: ["aws.cloudwatch"] }, { type: ["CloudWatch Alarm State Change"] }] },
        };
        it("$or nested: the guide's metricName/namespace/detail policy is (2 * 2 * 2) + (2 * 2 * 2) + (2 * 2 * 2) + (2 * 2 * 2) = 32 combinations", () => assert.equal(filterPolicyCombinations(nestedOr), 32));
        it("MessageBody: rejects a nested policy of 6 × 5 = 30 values that is 6 × 3 × 5 × 2 = 180 combinations with nesting levels", () => rejects(
            { order: { items: { sku: values(6) } }, customer: { tier: values(5) } },
            "Invalid parameter: FilterPolicy: Filter policy is too complex (180 combinations; at most 150)",
            "MessageBody",
        ));
        it("MessageBody: accepts the same 6 × 5 = 30 values un-nested", () => assert.doesNotThrow(() => parseFilterPolicy({ sku: values(6), tier: values(5) }, "MessageBody")));
        it("MessageAttributes: rejects 13 × 13 = 169 combinations", () => rejects(
            { a: values(13), b: values(13) },
            "Invalid parameter: FilterPolicy: Filter policy is too complex (169 combinations; at most 150)",
        ));
    });

    describe("numeric bounds (SNS: -10^9 to 10^9)", () => {
        it("accepts numeric operands of -1e9 and 1e9", () => assert.doesNotThrow(() => parseFilterPolicy({ price_usd: [{ numeric: [">=", -1e9, "<=", 1e9] }] })));
        it("rejects a numeric operand beyond 1e9 naming the value and the range", () => rejects(
            { price_usd: [{ numeric: [">", 2e9] }] },
            'Invalid parameter: FilterPolicy: Value of > must be a number between -1.0E9 and 1.0E9; got 2000000000 at "price_usd"',
        ));
    });

    describe("dotted keys and nested arrays in MessageBody policies (SNS guide: a policy property name matches a body property name; silent on dots and nested arrays)", () => {
        const body = (value: object): SnsMessage => ({ body: JSON.stringify(value) });
        it(`MessageBody — a dotted policy key names one property: "delivery.city" matches {"delivery.city": "Paris"}`, () => assert.equal(
            deliver({ "delivery.city": ["Paris"] }, body({ "delivery.city": "Paris" }), "MessageBody"), true));
        it(`MessageBody — a dotted policy key does not reach into a nested object: "delivery.city" does not match {"delivery": {"city": "Paris"}}`, () => assert.equal(
            deliver({ "delivery.city": ["Paris"] }, body({ delivery: { city: "Paris" } }), "MessageBody"), false));
        it(`MessageBody — a value inside a nested array is no value: ["rugby"] does not match [["rugby"]]`, () => assert.equal(
            deliver({ customer_interests: ["rugby"] }, body({ customer_interests: [["rugby"]] }), "MessageBody"), false));
        it("MessageBody — a nested policy meets an element of an array of objects", () => assert.equal(
            deliver({ lines: { sku: ["b"] } }, body({ lines: [{ sku: "a" }, { sku: "b" }] }), "MessageBody"), true));
        it("MessageAttributes — a Number attribute equals a policy number within five decimal places (SNS's accuracy; EventBridge compares exactly)", () => assert.equal(
            deliver({ price_usd: [210.75] }, { attributes: { price_usd: { Type: "Number", Value: "210.750001" } } }), true));
    });

    describe("anything-but with prefix, suffix, equals-ignore-case or wildcard on values that are not strings", () => {
        const numbers: SnsMessage = { body: JSON.stringify({ n: 5, flag: true, none: null }) };
        const but = (field: string, arg: object) => deliver({ [field]: [{ "anything-but": arg }] }, numbers, "MessageBody");
        it("MessageBody — anything-but prefix matches a number", () => assert.equal(but("n", { prefix: "5" }), true));
        it("MessageBody — anything-but suffix matches a number", () => assert.equal(but("n", { suffix: "5" }), true));
        it("MessageBody — anything-but equals-ignore-case matches a number", () => assert.equal(but("n", { "equals-ignore-case": "5" }), true));
        it("MessageBody — anything-but wildcard matches a number", () => assert.equal(but("n", { wildcard: "*5" }), true));
        it("MessageBody — anything-but prefix does not match a missing field", () => assert.equal(but("missing", { prefix: "5" }), false));
        it("MessageBody — anything-but suffix does not match a missing field", () => assert.equal(but("missing", { suffix: "5" }), false));
        it("MessageBody — anything-but equals-ignore-case does not match a missing field", () => assert.equal(but("missing", { "equals-ignore-case": "5" }), false));
        it("MessageBody — anything-but wildcard does not match a missing field", () => assert.equal(but("missing", { wildcard: "*5" }), false));
        it("MessageBody — anything-but prefix matches true", () => assert.equal(but("flag", { prefix: "t" }), true));
        it("MessageBody — anything-but prefix matches null", () => assert.equal(but("none", { prefix: "n" }), true));
        it("MessageAttributes — anything-but prefix matches a Number attribute", () => assert.equal(byAttributes({ price_usd: [{ "anything-but": { prefix: "2" } }] }), true));
        it(`MessageAttributes — the guide's anything-but prefix "order-" filters out "order-cancelled"`, () => assert.equal(deliver({ event: [{ "anything-but": { prefix: "order-" } }] }, { attributes: { event: { Type: "String", Value: "order-cancelled" } } }), false));
        it("rejects an empty prefix inside anything-but in a filter policy: Null prefix/suffix not allowed", () => rejects({ event: [{ "anything-but": { prefix: "" } }] }, 'Invalid parameter: FilterPolicy: Null prefix/suffix not allowed at "event"'));
    });
});

// Invariants of the EventBridge matcher over generated patterns and events: seeded and bounded, so every run checks
// the same 200 cases per property (0.2–0.4 s for all five here). Three events in four are built from the pattern
// (a value meeting one of each leaf's matchers, or another, or none; objects or arrays of them), so about two cases in five match.
describe("EventBridge event patterns: properties (fast-check, seed 20, 200 runs each)", () => {
    const runs = { seed: 20, numRuns: 200 };
    const KEYS = ["a", "b"];
    type Json = Record<string, unknown>;
    const scalar = fc.oneof(fc.constantFrom("x", "y", "xy", ""), fc.integer({ min: -3, max: 3 }), fc.boolean(), fc.constant(null));
    const { object: eventArb } = fc.letrec<{ value: unknown; object: Json; array: unknown[] }>((tie) => ({
        value: fc.oneof({ maxDepth: 3 }, scalar, tie("object"), tie("array")),
        object: fc.dictionary(fc.constantFrom(...KEYS), tie("value"), { minKeys: 1, maxKeys: 2 }),
        array: fc.array(tie("value"), { maxLength: 3 }),
    }));
    const MATCHERS: [object, unknown][] = [
        [{ prefix: "x" }, "xy"], [{ suffix: "y" }, "xy"], [{ "equals-ignore-case": "X" }, "x"], [{ wildcard: "x*" }, "xy"],
        [{ numeric: [">", 0] }, 1], [{ numeric: [">=", -1, "<", 2] }, 0], [{ "anything-but": ["x"] }, "y"], [{ "anything-but": [1, 2] }, 3],
        [{ "anything-but": { prefix: ["x", "y"] } }, "z"], [{ exists: true }, 0], [{ exists: false }, undefined],
    ];
    /** A value the matcher matches (undefined: the field is absent). */
    const witness = (m: unknown) => MATCHERS.find(([op]) => op === m)?.[1] ?? m;
    const matcher = fc.oneof(scalar, fc.constantFrom(...MATCHERS.map(([op]) => op)));
    const { node: patternArb } = fc.letrec<{ node: Json }>((tie) => ({
        node: fc.dictionary(fc.constantFrom(...KEYS), fc.oneof({ maxDepth: 2 }, fc.array(matcher, { minLength: 1, maxLength: 2 }), tie("node")), { minKeys: 1, maxKeys: 2 }),
    }));
    const instance = (node: Json): fc.Arbitrary<Json> => fc.record(Object.fromEntries(Object.entries(node).map(([key, p]) => [key, Array.isArray(p)
        ? fc.oneof({ arbitrary: fc.constantFrom(...p.map(witness)), weight: 3 }, scalar, fc.tuple(fc.constantFrom(...p.map(witness)), scalar), fc.constant(undefined))
        : fc.oneof({ arbitrary: instance(p as Json), weight: 2 }, fc.array(instance(p as Json), { minLength: 1, maxLength: 2 }), fc.constant(undefined), scalar)])));
    const withEvent = fc.oneof(fc.tuple(patternArb, eventArb), { arbitrary: patternArb.chain((p) => fc.tuple(fc.constant(p), instance(p))), weight: 3 });
    const matches = (pattern: object, event: object) => matchesEventPattern(parseEventPattern(pattern as EventPattern), event as Json);
    /** Adds a field no pattern names to every object of the event, inside arrays too. */
    const withUnrelated = (v: unknown): unknown => Array.isArray(v) ? v.map(withUnrelated)
        : v !== null && typeof v === "object" ? { ...Object.fromEntries(Object.entries(v).map(([k, c]) => [k, withUnrelated(c)])), z: ["x", { a: 1 }] } : v;
    /** Writes nested objects as dotted keys ({"a": {"b": …}} → {"a.b": …}); arrays keep their elements (each dotted, unless a pattern's leaf). */
    const dotted = (v: unknown, leafArrays: boolean): unknown => {
        if (Array.isArray(v)) return leafArrays ? v : v.map((x) => dotted(x, leafArrays));
        if (v === null || typeof v !== "object" || Object.keys(v).length === 0) return v;
        const out: Json = {};
        for (const [k, c] of Object.entries(v)) {
            const d = dotted(c, leafArrays);
            if (d !== null && typeof d === "object" && !Array.isArray(d) && Object.keys(d).length > 0) {
                for (const [k2, c2] of Object.entries(d)) out[`${k}.${k2}`] = c2;
            } else {
                out[k] = d;
            }
        }
        return out;
    };

    it("a pattern matches an event iff it matches the event with unrelated fields added", () => fc.assert(
        fc.property(withEvent, ([p, e]) => matches(p, e) === matches(p, withUnrelated(e) as object)), runs));
    it("a pattern matches an event iff it matches with nested objects written as dotted keys, in the pattern and in the event", () => fc.assert(
        fc.property(withEvent, ([p, e]) => {
            const expected = matches(p, e);
            return matches(dotted(p, true) as object, e) === expected && matches(p, dotted(e, false) as object) === expected;
        }), runs));
    it("$or of two patterns matches iff either pattern matches", () => fc.assert(
        fc.property(patternArb, withEvent, (q, [p, e]) => matches({ $or: [p, q] }, e) === (matches(p, e) || matches(q, e))), runs));
    it("on a pattern of one field, exists true matches iff exists false does not", () => fc.assert(
        fc.property(fc.array(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 3 }).chain((path) => {
            const at = (want: boolean) => path.reduceRight<Json>((inner, key) => ({ [key]: inner }), [{ exists: want }] as unknown as Json);
            return fc.tuple(fc.constant(at), fc.oneof(eventArb, instance(at(true))));
        }), ([at, e]) => matches(at(true), e) !== matches(at(false), e)), runs));
    it("any JSON text is either a valid pattern or refused with an InvalidPatternError in EventBridge's words", () => fc.assert(
        fc.property(fc.json({ maxDepth: 3 }), (text) => {
            try {
                parseEventPattern(text);
                return true;
            } catch (e) {
                return e instanceof InvalidPatternError && e.message.startsWith("Event pattern is not valid. Reason: ");
            }
        }), runs));
});
