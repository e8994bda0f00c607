// The lab's demo business message, shared by every producer and consumer.
import type { Logger } from "@aws-lambda-powertools/logger";
import { PermanentError, TransientError } from "./errors";

/** An order. `simulate` lets a lab user break a consumer on purpose. */
export interface Order {
    orderId: string;
    amount: number;
    /** AWS-style region code of the customer, e.g. "eu-west-1"; routing rules and filter policies match on it. */
    region?: string;
    /** Sales channel; "test" orders are filtered out by the event-routing rule. */
    channel?: string;
    simulate?: "transient" | "crash";
    /**
     * The tenant (customer, client application) the order belongs to. Producers send it as the MessageGroupId, which
     * makes a standard queue a fair queue (SQS developer guide, "Amazon SQS fair queues").
     */
    tenantId?: string;
}

/** A tenant key every service on the path takes as a MessageGroupId: 1–100 alphanumeric or punctuation characters (EventBridge SqsParameters allow 100, SQS and SNS 128). */
export const TENANT_ID = /^[\x21-\x7e]{1,100}$/;

/** Validates a payload as an order. Anything invalid is permanent: no retry can fix it. */
export function parseOrder(payload: unknown): Order {
    if (payload === null || typeof payload !== "object" || Array.isArray(payload)) throw new PermanentError("payload is not a JSON object");
    const order = payload as Record<string, unknown>;
    if (typeof order.orderId !== "string" || order.orderId === "") throw new PermanentError("orderId is missing or not a string");
    if (typeof order.amount !== "number" || !Number.isFinite(order.amount) || order.amount <= 0) throw new PermanentError("amount must be a positive number");
    for (const field of ["region", "channel"] as const) {
        if (order[field] !== undefined && typeof order[field] !== "string") throw new PermanentError(`${field} must be a string`);
    }
    if (order.tenantId !== undefined && (typeof order.tenantId !== "string" || !TENANT_ID.test(order.tenantId))) {
        throw new PermanentError("tenantId must be 1–100 alphanumeric or punctuation characters (it becomes the MessageGroupId)");
    }
    if (order.simulate !== undefined && order.simulate !== "transient" && order.simulate !== "crash") {
        throw new PermanentError(`simulate must be "transient" or "crash", got ${JSON.stringify(order.simulate)}`);
    }
    return order as unknown as Order;
}

/** The business step of a consumer; replaced in tests to count side effects. */
export type ProcessOrder = (order: Order, logger: Logger) => Promise<void>;

/** The demo business step: logs the order, or fails the way `simulate` asks. */
export const processOrder: ProcessOrder = async (order, logger) => {
    if (order.simulate === "transient") throw new TransientError("downstream unavailable (simulated)");
    if (order.simulate === "crash") throw new Error("unexpected failure (simulated)");
    logger.info("order processed", { orderId: order.orderId, amount: order.amount });
};
