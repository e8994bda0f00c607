// `npm run redrive -- --dlq <url> [--to <url>] [--max-per-second N] [--dry-run] [--mode auto|move-task|loop]`
// Moves a DLQ's messages back to their source once the cause is fixed. SQS's own message move task when it can
// (server side, survives this process); a receive → send → delete loop otherwise (DLQs fed by SNS, EventBridge or
// Lambda, which StartMessageMoveTask refuses), journaled so an interrupted run resumes without duplicates.
import * as fs from "fs";
import * as path from "path";
import {
    DeleteMessageBatchCommand, GetQueueAttributesCommand, ListDeadLetterSourceQueuesCommand, ListMessageMoveTasksCommand,
    Message, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageBatchRequestEntry, SQSClient, StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import { quietNodeVersionNotice } from "./node-version";

export type RedriveMode = "auto" | "move-task" | "loop";

export interface RedriveOptions {
    dlqUrl: string;
    /** Where to send the messages; default the DLQ's one source queue (ListDeadLetterSourceQueues). */
    destinationUrl?: string;
    /** Rate limit; the move task accepts 1–500. Default: as fast as SQS allows. */
    maxPerSecond?: number;
    /** Count and report, change nothing. */
    dryRun?: boolean;
    mode?: RedriveMode;
    /** Loop mode: message IDs already sent but maybe not yet deleted. Default .redrive/<dlq name>.journal. */
    journalPath?: string;
    /** Loop mode: how long a received message stays hidden from other receivers while it is being moved. */
    visibilityTimeoutSeconds?: number;
    /** Loop mode: long-poll wait per receive; an empty receive ends the run. */
    waitTimeSeconds?: number;
}

export interface RedriveDeps {
    sqs: SQSClient;
    /** Injected so tests drive time; the CLI uses real time. */
    clock: { now(): number; sleep(ms: number): Promise<void> };
    progress(line: string): void;
    /** Test hook: runs after a batch was sent and journaled, before it is deleted from the DLQ. */
    afterSend?(messages: Message[]): void;
}

export interface RedriveSummary {
    mode: "move-task" | "loop" | "dry-run";
    source: string;
    destination: string;
    /** Messages now in the destination because of this run. */
    moved: number;
    /** Loop mode: messages found in the journal (sent by an interrupted run) and only deleted now. */
    resumed: number;
    /** Dry run: messages that would move. */
    wouldMove?: number;
}

export class RedriveError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "RedriveError";
    }
}

const MAX_SEND_ATTEMPTS = 3;

async function attribute(sqs: SQSClient, queueUrl: string, name: "QueueArn" | "ApproximateNumberOfMessages"): Promise<string> {
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [name] }));
    const value = Attributes?.[name];
    if (value === undefined) throw new RedriveError(`${queueUrl} has no ${name}`);
    return value;
}

async function destinationOf(sqs: SQSClient, dlqUrl: string): Promise<string> {
    const { queueUrls = [] } = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }));
    if (queueUrls.length !== 1) {
        throw new RedriveError(`${dlqUrl} is the DLQ of ${queueUrls.length} queues (${queueUrls.join(", ") || "none: fed by SNS, EventBridge or Lambda"}); name the destination with --to <queue url>`);
    }
    return queueUrls[0];
}

export async function redrive(options: RedriveOptions, deps: RedriveDeps): Promise<RedriveSummary> {
    const { sqs } = deps;
    if (options.maxPerSecond !== undefined && !(Number.isInteger(options.maxPerSecond) && options.maxPerSecond >= 1 && options.maxPerSecond <= 500)) {
        throw new RedriveError(`--max-per-second ${options.maxPerSecond}: allowed an integer 1–500 (SQS message move task limit)`);
    }
    const destination = options.destinationUrl ?? await destinationOf(sqs, options.dlqUrl);
    if (destination === options.dlqUrl) throw new RedriveError("the destination is the DLQ itself");
    const waiting = Number(await attribute(sqs, options.dlqUrl, "ApproximateNumberOfMessages"));
    if (options.dryRun) {
        deps.progress(`dry run: ${waiting} messages would move from ${options.dlqUrl} to ${destination}; nothing changed`);
        return { mode: "dry-run", source: options.dlqUrl, destination, moved: 0, resumed: 0, wouldMove: waiting };
    }
    const mode = options.mode ?? "auto";
    if (mode !== "loop") {
        try {
            return await moveTask(options, destination, deps);
        } catch (error) {
            if (mode === "move-task" || !(error instanceof MoveTaskRefused)) throw error;
            deps.progress(`SQS refused a message move task (${error.message}); moving with receive/send/delete instead`);
        }
    }
    return loop(options, destination, deps);
}

class MoveTaskRefused extends Error {}

/** SQS moves the messages itself; if this process stops, the task goes on, and a rerun follows it instead of starting another. */
async function moveTask(options: RedriveOptions, destination: string, deps: RedriveDeps): Promise<RedriveSummary> {
    const { sqs } = deps;
    const sourceArn = await attribute(sqs, options.dlqUrl, "QueueArn");
    const destinationArn = await attribute(sqs, destination, "QueueArn");
    const running = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }))).Results?.[0];
    if (running?.Status === "RUNNING") {
        deps.progress(`following the message move task already running from ${options.dlqUrl}`);
    } else {
        try {
            await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: destinationArn, MaxNumberOfMessagesPerSecond: options.maxPerSecond }));
        } catch (error) {
            const name = (error as Error).name;
            // What SQS answers for a DLQ whose sources are not SQS queues, or where move tasks are unavailable.
            if (["UnsupportedOperation", "InvalidParameterValueException", "InvalidParameterValue", "AWS.SimpleQueueService.UnsupportedOperation"].includes(name)) {
                throw new MoveTaskRefused(`${name}: ${(error as Error).message}`);
            }
            throw error;
        }
    }
    for (;;) {
        await deps.clock.sleep(1000);
        const task = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }))).Results?.[0];
        if (!task) throw new RedriveError("the message move task disappeared");
        deps.progress(`move task ${task.Status}: ${task.ApproximateNumberOfMessagesMoved ?? 0}/${task.ApproximateNumberOfMessagesToMove ?? "?"} moved`);
        if (task.Status === "COMPLETED") {
            return { mode: "move-task", source: options.dlqUrl, destination, moved: task.ApproximateNumberOfMessagesMoved ?? 0, resumed: 0 };
        }
        if (task.Status !== "RUNNING" && task.Status !== "CANCELLING") {
            throw new RedriveError(`message move task ${task.Status}: ${task.FailureReason ?? "no reason given"}`);
        }
    }
}

/** The IDs of messages sent but not known deleted, one per line, appended before each delete. */
class Journal {
    private readonly sent: Set<string>;
    constructor(readonly file: string) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        this.sent = new Set(fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : []);
    }
    has(id: string): boolean {
        return this.sent.has(id);
    }
    record(ids: string[]): void {
        if (ids.length === 0) return;
        const fd = fs.openSync(this.file, "a");
        try {
            fs.writeSync(fd, ids.map((id) => `${id}\n`).join(""));
            fs.fsyncSync(fd); // on disk before the delete: a crash between the two must not lose the fact
        } finally {
            fs.closeSync(fd);
        }
        ids.forEach((id) => this.sent.add(id));
    }
    remove(): void {
        fs.rmSync(this.file, { force: true });
    }
}

function resendEntry(message: Message, index: number, fifo: boolean): SendMessageBatchRequestEntry {
    return {
        Id: String(index),
        MessageBody: message.Body ?? "",
        MessageAttributes: message.MessageAttributes,
        // A FIFO destination keeps the group; the DLQ message ID deduplicates a resend inside SQS's 5-minute window.
        ...(fifo ? { MessageGroupId: message.Attributes?.MessageGroupId ?? "redrive", MessageDeduplicationId: message.MessageId } : {}),
    };
}

/**
 * Receive up to 10, send them to the destination, journal their IDs, then delete them from the DLQ: a message is
 * deleted only after its send succeeded, and a rerun after a crash deletes what the journal says was sent
 * instead of sending it again.
 */
async function loop(options: RedriveOptions, destination: string, deps: RedriveDeps): Promise<RedriveSummary> {
    const { sqs, clock } = deps;
    const name = options.dlqUrl.split("/").pop() ?? "dlq";
    const journal = new Journal(options.journalPath ?? path.join(".redrive", `${name}.journal`));
    const fifo = destination.endsWith(".fifo");
    const attempts = new Map<string, number>();
    const started = clock.now();
    let moved = 0;
    let resumed = 0;
    let deleteFailures = 0;
    for (;;) {
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({
            QueueUrl: options.dlqUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: options.waitTimeSeconds ?? 1,
            VisibilityTimeout: options.visibilityTimeoutSeconds ?? 60,
            AttributeNames: ["All"],
            MessageSystemAttributeNames: ["All"],
            MessageAttributeNames: ["All"],
        }));
        if (Messages.length === 0) break;

        const fresh = Messages.filter((m) => !journal.has(m.MessageId!));
        const alreadySent = Messages.filter((m) => journal.has(m.MessageId!));
        const sent: Message[] = [];
        if (fresh.length > 0) {
            if (options.maxPerSecond) {
                const earliest = started + ((moved + fresh.length) / options.maxPerSecond) * 1000;
                if (earliest > clock.now()) await clock.sleep(earliest - clock.now());
            }
            const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: destination, Entries: fresh.map((m, i) => resendEntry(m, i, fifo)) }));
            for (const ok of result.Successful ?? []) sent.push(fresh[Number(ok.Id)]);
            for (const failed of result.Failed ?? []) {
                const id = fresh[Number(failed.Id)].MessageId!;
                const n = (attempts.get(id) ?? 0) + 1;
                attempts.set(id, n);
                deps.progress(`send failed for ${id} (${failed.Code}: ${failed.Message}); it stays in the DLQ`);
                if (n >= MAX_SEND_ATTEMPTS) throw new RedriveError(`${id} could not be sent ${n} times (${failed.Code}); it is still in the DLQ`);
            }
            journal.record(sent.map((m) => m.MessageId!));
            deps.afterSend?.(sent);
        }
        const done = [...sent, ...alreadySent];
        if (done.length > 0) {
            const deleted = await sqs.send(new DeleteMessageBatchCommand({
                QueueUrl: options.dlqUrl,
                Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
            }));
            // A failed delete leaves a copy in the DLQ; the journal makes the next receive delete it without resending.
            deleteFailures += deleted.Failed?.length ?? 0;
            for (const failed of deleted.Failed ?? []) deps.progress(`delete failed for ${done[Number(failed.Id)].MessageId} (${failed.Code}); retried on the next receive`);
        }
        moved += sent.length;
        resumed += alreadySent.length;
        const seconds = Math.max((clock.now() - started) / 1000, 0.001);
        deps.progress(`moved ${moved}${resumed ? ` (+${resumed} sent by an earlier run)` : ""} to ${destination}, ${(moved / seconds).toFixed(1)}/s`);
    }
    // The journal may go only when nothing it names can come back: no failed delete, nothing in flight.
    const inFlight = Number((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: options.dlqUrl, AttributeNames: ["ApproximateNumberOfMessagesNotVisible"] })))
        .Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
    if (deleteFailures === 0 && inFlight === 0) journal.remove();
    else deps.progress(`${inFlight} messages still in flight in the DLQ; keeping ${journal.file}: rerun after their visibility timeout`);
    return { mode: "loop", source: options.dlqUrl, destination, moved, resumed };
}

/** Parses the CLI's arguments; a bad one names itself and what is allowed. */
export function parseArgs(argv: string[]): RedriveOptions {
    const options: Partial<RedriveOptions> = {};
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new RedriveError(`${arg} needs a value`);
            return v;
        };
        switch (arg) {
            case "--dlq": options.dlqUrl = value(); break;
            case "--to": options.destinationUrl = value(); break;
            case "--max-per-second": options.maxPerSecond = Number(value()); break;
            case "--dry-run": options.dryRun = true; break;
            case "--journal": options.journalPath = value(); break;
            case "--mode": {
                const mode = value();
                if (mode !== "auto" && mode !== "move-task" && mode !== "loop") throw new RedriveError(`--mode ${mode}: allowed auto, move-task or loop`);
                options.mode = mode;
                break;
            }
            default: throw new RedriveError(`unknown argument ${arg}; usage: npm run redrive -- --dlq <url> [--to <url>] [--max-per-second N] [--dry-run] [--mode auto|move-task|loop]`);
        }
    }
    if (!options.dlqUrl) throw new RedriveError("--dlq <queue url> is required");
    return options as RedriveOptions;
}

async function main(): Promise<void> {
    const options = parseArgs(process.argv.slice(2));
    quietNodeVersionNotice();
    const summary = await redrive(options, {
        sqs: new SQSClient({}),
        clock: { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
        progress: (line) => console.log(line),
    });
    console.log(`done: ${JSON.stringify(summary)}`);
}

if (require.main === module) {
    main().catch((error) => {
        console.error(error instanceof RedriveError ? `redrive: ${error.message}` : error);
        process.exit(1);
    });
}
