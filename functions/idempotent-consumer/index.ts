// An SQS consumer whose side effect runs at most once per idempotency key, with Powertools idempotency on
// DynamoDB (a conditional put claims the key; the stored result answers every duplicate until it expires).
import { IdempotencyConfig, IdempotencyKeyError, IdempotencyValidationError, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { BasePersistenceLayer } from "@aws-lambda-powertools/idempotency/persistence";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { PermanentError } from "../shared/errors";
import { parseOrder, processOrder, ProcessOrder } from "../shared/order";
import { createSqsBatchHandler, DeadLetterTarget, deadLetterFromEnvironment } from "../shared/sqs-batch";

/**
 * What identifies a duplicate. `messageId` catches SQS redeliveries only; `businessKey` (a JMESPath into the
 * payload) also catches producer retries, which arrive under new message IDs.
 */
export type KeyStrategy = "messageId" | "businessKey";
export const KEY_STRATEGIES: readonly KeyStrategy[] = ["messageId", "businessKey"];

/** What the idempotent step receives; the key is selected from it. `execution` is how we tell a duplicate. */
interface IdempotentInput {
    messageId: string;
    payload: unknown;
    execution: { ran: boolean };
}

export interface IdempotentConsumerDeps {
    processOrder?: ProcessOrder;
    logger?: Logger;
    metrics?: Metrics;
    /** Defaults to DynamoDB on IDEMPOTENCY_TABLE_NAME (honours AWS_ENDPOINT_URL_DYNAMODB). */
    persistenceStore?: BasePersistenceLayer;
    keyStrategy?: KeyStrategy;
    /** JMESPath into the payload for `businessKey`, e.g. "orderId". */
    businessKeyPath?: string;
    /** How long a completed record answers duplicates (set by the stack from the redelivery horizon). */
    expiresAfterSeconds?: number;
    maxReceiveCount?: number;
    /** Where permanent failures go; default the DLQ named by DEAD_LETTER_QUEUE_URL. `null`: leave them to redrive. */
    deadLetter?: DeadLetterTarget | null;
}

function setting(name: string): string {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
}

function causedBy(error: unknown, type: new (...args: never[]) => Error): boolean {
    if (!(error instanceof Error)) return false;
    const { cause } = error;
    return error instanceof type || causedBy(cause, type);
}

/** The JMESPath selecting what Powertools hashes into the idempotency key; a pipe keeps any business-key expression whole. */
export function keyPath(strategy: KeyStrategy, businessKeyPath: string): string {
    return strategy === "messageId" ? "messageId" : `payload | (${businessKeyPath})`;
}

export function createHandler(deps: IdempotentConsumerDeps = {}) {
    const logger = deps.logger ?? new Logger();
    const metrics = deps.metrics ?? new Metrics();
    const handleOrder = deps.processOrder ?? processOrder;
    const strategy = deps.keyStrategy ?? (process.env.IDEMPOTENCY_KEY_STRATEGY as KeyStrategy | undefined) ?? "messageId";
    if (!KEY_STRATEGIES.includes(strategy)) throw new Error(`IDEMPOTENCY_KEY_STRATEGY must be one of ${KEY_STRATEGIES.join(", ")}, got ${strategy}`);
    const businessKeyPath = deps.businessKeyPath ?? process.env.IDEMPOTENCY_BUSINESS_KEY_PATH ?? "orderId";
    const config = new IdempotencyConfig({
        eventKeyJmesPath: keyPath(strategy, businessKeyPath),
        expiresAfterSeconds: deps.expiresAfterSeconds ?? Number(process.env.IDEMPOTENCY_EXPIRY_SECONDS ?? 3600),
        // A key path that selects nothing must not quietly process the record without idempotency.
        throwOnNoIdempotencyKey: true,
        // A business key reused for a different payload is a producer bug, not a duplicate: refuse it.
        ...(strategy === "businessKey" ? { payloadValidationJmesPath: "payload" } : {}),
    });
    let store = deps.persistenceStore;

    const once = (persistenceStore: BasePersistenceLayer) => makeIdempotent(
        async (input: IdempotentInput, log: Logger) => {
            input.execution.ran = true;
            const order = parseOrder(input.payload);
            await handleOrder(order, log);
            return { orderId: order.orderId };
        },
        { persistenceStore, config },
    );
    let processOnce: ReturnType<typeof once> | undefined;

    return createSqsBatchHandler({
        logger,
        metrics,
        maxReceiveCount: deps.maxReceiveCount ?? Number(process.env.MAX_RECEIVE_COUNT ?? 5),
        // The context sets how long an in-progress record blocks others: until this invocation would time out.
        beforeBatch: (context) => config.registerLambdaContext(context),
        deadLetter: deps.deadLetter === undefined ? deadLetterFromEnvironment() : deps.deadLetter ?? undefined,
        step: async (message, record, log) => {
            // Created on first use so the bundle loads without the table's environment.
            store ??= new DynamoDBPersistenceLayer({ tableName: setting("IDEMPOTENCY_TABLE_NAME") });
            processOnce ??= once(store);
            const input: IdempotentInput = { messageId: record.messageId, payload: message.payload, execution: { ran: false } };
            try {
                await processOnce(input, log);
            } catch (error) {
                // Powertools wraps the key error in IdempotencyPersistenceLayerError; look down the cause chain.
                if (causedBy(error, IdempotencyKeyError)) {
                    throw new PermanentError(strategy === "messageId" ? "no idempotency key: the record has no messageId"
                        : `no idempotency key: the business key path ${businessKeyPath} selects nothing in the payload`, { cause: error });
                }
                if (causedBy(error, IdempotencyValidationError)) throw new PermanentError("payload differs from the one first processed under this key", { cause: error });
                throw error; // in progress elsewhere, or the table failed: transient, retried on redelivery
            }
            if (!input.execution.ran) {
                log.info("duplicate suppressed", { key_strategy: strategy });
                return { duplicate: true };
            }
            return {};
        },
    });
}

export const handler = createHandler();
