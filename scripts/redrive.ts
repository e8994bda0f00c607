// `npm run redrive -- --dlq <url> [--to <url>] [--max-per-second N] [--dry-run] [--mode auto|move-task|loop]` (--help)
// Moves a DLQ's messages back to their source once the cause is fixed. SQS's own message move task when it can
// (server side, survives this process); a receive → send → delete loop otherwise (DLQs fed by SNS, EventBridge or
// Lambda, which StartMessageMoveTask refuses), journaled so an interrupted run resumes without duplicates.
import "./node-version"; // first: SDK clients made while the modules below load must not print the Node 20 notice
import * as fs from "fs";
import * as path from "path";
import {
    DeleteMessageBatchCommand, GetQueueAttributesCommand, ListDeadLetterSourceQueuesCommand, ListMessageMoveTasksCommand,
    Message, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageBatchRequestEntry, SQSClient, StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import { Command, CommandError, integerOption, runCommand, UsageError, Values } from "./cli";

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

/** An SQS queue URL, read as SQS writes them: https://sqs.<region>.amazonaws.com/<account>/<queue name>. */
export interface QueueUrl {
    url: string;
    /** The region the host names (sqs.<region>.amazonaws.com, or the legacy <region>.queue.amazonaws.com). */
    region?: string;
    account: string;
    name: string;
}

const QUEUE_URL_EXAMPLE = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq";

/** Parses a queue URL or throws a UsageError naming the option, the value and what is allowed. */
export function parseQueueUrl(option: string, raw: string): QueueUrl {
    const fail = (why: string) => new UsageError(`${option} ${raw}: ${why}; allowed an SQS queue URL, e.g. ${QUEUE_URL_EXAMPLE}`);
    let url: URL;
    try {
        url = new URL(raw);
    } catch {
        throw fail("not a URL");
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw fail(`the scheme is ${url.protocol.replace(":", "")}`);
    const parts = url.pathname.split("/").filter(Boolean);
    if (parts.length !== 2) throw fail("the path is not /<account>/<queue name>");
    const [account, name] = parts;
    if (!/^\d{12}$/.test(account)) throw fail(`${account} is not a 12-digit account ID`);
    if (!/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(name) || name.length > 80) throw fail(`${name} is not a queue name (1–80 letters, digits, - and _, FIFO names end in .fifo)`);
    const host = url.hostname.toLowerCase();
    const region = /^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(host)?.[1]
        ?? /^sqs\.([a-z0-9-]+)\.api\.aws$/.exec(host)?.[1]
        ?? /^([a-z0-9-]+)\.queue\.amazonaws\.com(\.cn)?$/.exec(host)?.[1]
        ?? (host === "queue.amazonaws.com" ? "us-east-1" : undefined);
    return { url: raw, region, account, name };
}

/** The region the client calls: AWS_REGION when set, else the one the DLQ's URL names. */
export function regionFor(dlq: QueueUrl, env: NodeJS.ProcessEnv = process.env): string {
    const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? dlq.region;
    if (!region) throw new UsageError(`--dlq ${dlq.url}: the host names no AWS region (an SQS-compatible endpoint?); allowed with AWS_REGION set`);
    return region;
}

/** The options the command's arguments give; every bad one is a UsageError naming itself and what is allowed. */
export function redriveOptions(values: Values): RedriveOptions {
    if (values.dlq === undefined) throw new UsageError("--dlq <queue url> is required");
    const dlq = parseQueueUrl("--dlq", values.dlq as string);
    const to = values.to === undefined ? undefined : parseQueueUrl("--to", values.to as string);
    if (to && to.url === dlq.url) throw new UsageError(`--to ${to.url}: the destination is the DLQ itself; allowed another queue, or none (the DLQ's source)`);
    const mode = values.mode as string | undefined;
    if (mode !== undefined && mode !== "auto" && mode !== "move-task" && mode !== "loop") throw new UsageError(`--mode ${mode}: allowed auto, move-task or loop`);
    return {
        dlqUrl: dlq.url,
        ...(to ? { destinationUrl: to.url } : {}),
        ...(values["max-per-second"] !== undefined ? { maxPerSecond: integerOption("max-per-second", values["max-per-second"] as string, 1, 500) } : {}),
        ...(values["dry-run"] ? { dryRun: true } : {}),
        ...(values.journal !== undefined ? { journalPath: values.journal as string } : {}),
        ...(mode ? { mode: mode as RedriveMode } : {}),
    };
}

/** An SDK failure said in one line, with what to do where that is clear. */
function commandErrorOf(error: unknown): unknown {
    if (!(error instanceof Error) || error instanceof UsageError) return error;
    if (error instanceof RedriveError) return new CommandError(error.message);
    const name = error.name;
    if (name === "CredentialsProviderError") return new CommandError(`no AWS credentials: ${error.message.split("\n")[0]}`, "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    if (name === "QueueDoesNotExist" || name === "AWS.SimpleQueueService.NonExistentQueue") return new CommandError(`${error.message} (${name})`, "check the URL with `pulumi stack output`");
    if (name === "AccessDenied" || name === "AccessDeniedException") return new CommandError(`${error.message} (${name})`, "the caller needs sqs:ReceiveMessage, sqs:SendMessage, sqs:DeleteMessage and sqs:StartMessageMoveTask on these queues");
    const fault = (error as { $fault?: string }).$fault;
    return fault ? new CommandError(`${error.message} (${name}, ${fault} error)`) : error;
}

export const REDRIVE_COMMAND: Command = {
    name: "npm run redrive --",
    usage: `usage: npm run redrive -- --dlq <queue url> [--to <queue url>] [--max-per-second N] [--dry-run] [--mode auto|move-task|loop] [--journal FILE] [--verbose]
Moves a DLQ's messages back to their source queue once the cause is fixed.
  --dlq URL             the dead-letter queue, e.g. ${QUEUE_URL_EXAMPLE}; the region is the URL's unless AWS_REGION is set
  --to URL              where to send them; default the DLQ's one source queue (ListDeadLetterSourceQueues)
  --max-per-second N    rate limit, an integer 1–500 (the message move task's limit); default as fast as SQS allows
  --dry-run             count and report; change nothing
  --mode MODE           auto (default: SQS's message move task, else the loop), move-task, or loop
                        (receive → send → delete, journaled: an interrupted run resumes without duplicates)
  --journal FILE        the loop's journal; default .redrive/<dlq name>.journal
Exit status: 0 done, 1 a failure (one line, and what to do), 2 a wrong argument.`,
    options: {
        dlq: { type: "string" },
        to: { type: "string" },
        "max-per-second": { type: "string" },
        "dry-run": { type: "boolean" },
        mode: { type: "string" },
        journal: { type: "string" },
    },
    async run(values) {
        const options = redriveOptions(values);
        const dlq = parseQueueUrl("--dlq", options.dlqUrl);
        // An SQS-compatible server (LocalStack, a test server) answers at the URL's own host.
        const sqs = new SQSClient({ region: regionFor(dlq), ...(dlq.region ? {} : { endpoint: new URL(dlq.url).origin }) });
        try {
            const summary = await redrive(options, {
                sqs,
                clock: { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
                progress: (line) => console.log(line),
            });
            console.log(`done: ${JSON.stringify(summary)}`);
            return 0;
        } catch (error) {
            throw commandErrorOf(error);
        } finally {
            sqs.destroy();
        }
    },
};

if (require.main === module) runCommand(REDRIVE_COMMAND);
