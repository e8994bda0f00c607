// The fan-out topic's subscribers and their filter policies: plain data (no Pulumi) so the lab and the tests
// evaluate exactly what the stack deploys.

/** One subscriber queue of the topic and what it wants to receive. */
export interface Subscriber {
    /** Short name, unique in the pattern: names the queue, its consumer and its subscription. */
    name: string;
    /** SNS filter policy; undefined receives everything. */
    filterPolicy?: Record<string, unknown>;
    /** What the filter policy matches: message attributes (SNS default) or the JSON body. */
    filterPolicyScope?: "MessageAttributes" | "MessageBody";
    /** Overrides the pattern's `rawMessageDelivery` for this subscriber. */
    rawMessageDelivery?: boolean;
}

/** Three subscribers showing both filter scopes and an unfiltered audit trail. */
export const DEFAULT_SUBSCRIBERS: readonly Subscriber[] = [
    {
        name: "high-value",
        filterPolicyScope: "MessageBody",
        filterPolicy: { type: ["order.placed"], amount: [{ numeric: [">=", 100] }] },
    },
    {
        name: "eu-orders",
        filterPolicyScope: "MessageAttributes",
        filterPolicy: { region: [{ prefix: "eu-" }], eventType: ["order.placed"] },
    },
    { name: "audit" },
];
