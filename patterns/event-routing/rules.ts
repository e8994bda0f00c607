// The event-routing rules' patterns: plain data (no Pulumi) so the lab and the tests match exactly what the
// stack deploys.

/** Source and detail type the event producer puts (functions/event-producer). */
export const ORDER_SOURCE = "lab.orders";
export const ORDER_PLACED = "OrderPlaced";

/** Orders of 100 or more, to the SQS target: a `numeric` match on a detail field. */
export const HIGH_VALUE_ORDERS_PATTERN = {
    source: [ORDER_SOURCE],
    "detail-type": [ORDER_PLACED],
    detail: { amount: [{ numeric: [">=", 100] }] },
};

/**
 * Orders from EU regions except test traffic, to the Lambda target: a `prefix`, and an `anything-but` that must also
 * let through an order without a `channel` (it is optional). An event pattern needs every field it names to be present
 * ("Creating event patterns"), so `channel: [{"anything-but": ["test"]}]` alone would drop such an order silently.
 */
export const EU_ORDERS_PATTERN = {
    source: [ORDER_SOURCE],
    "detail-type": [ORDER_PLACED],
    detail: {
        region: [{ prefix: "eu-" }],
        $or: [{ channel: [{ "anything-but": ["test"] }] }, { channel: [{ exists: false }] }],
    },
};
