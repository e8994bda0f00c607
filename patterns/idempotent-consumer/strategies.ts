// The idempotent consumers' key strategies and queue kinds: plain data (no Pulumi) so the lab runs the same
// wiring the stack deploys.

/** How a consumer tells a duplicate; each one catches a different kind (see the README's table). */
export type Strategy = "message-id" | "business-key" | "fifo";
export const STRATEGIES: readonly Strategy[] = ["message-id", "business-key", "fifo"];

/** The handler's key strategy and the queue kind behind each consumer. */
export const STRATEGY_WIRING: Record<Strategy, { keyStrategy: "messageId" | "businessKey"; fifo: boolean; description: string }> = {
    "message-id": { keyStrategy: "messageId", fifo: false, description: "key = SQS messageId: catches redeliveries" },
    "business-key": { keyStrategy: "businessKey", fifo: false, description: "key = business key: catches redeliveries and producer retries" },
    fifo: { keyStrategy: "businessKey", fifo: true, description: "FIFO queue with content-based deduplication + business key" },
};
