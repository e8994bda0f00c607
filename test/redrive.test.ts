// The redrive command against a real SQS API (local-aws-sqs on loopback): messages that reached the DLQ by SQS
// redrive go back to their source, none lost, none duplicated, also when a run is interrupted and resumed.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as FakeTimers from "@sinonjs/fake-timers";
import { ChangeMessageVisibilityCommand, CreateQueueCommand, GetQueueAttributesCommand, Message, ReceiveMessageCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { parseCommandLine } from "../scripts/cli";
import { parseQueueUrl, redrive, REDRIVE_COMMAND, RedriveDeps, RedriveError, redriveOptions, RedriveOptions, regionFor } from "../scripts/redrive";
import { LocalSqs, startLocalSqs } from "./servers/sqs";

let sqs: LocalSqs;
let queues = 0;
let scratch: string;

before(async () => {
    sqs = await startLocalSqs();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "redrive-"));
});
after(async () => {
    await sqs?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
});

/** Receives everything visible, hiding what it got so nothing is counted twice. */
async function drain(queueUrl: string) {
    const all: { body: string; correlationId?: string }[] = [];
    for (;;) {
        const { Messages = [] } = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 600, MessageAttributeNames: ["All"] }));
        if (Messages.length === 0) return all;
        all.push(...Messages.map((m) => ({ body: m.Body!, correlationId: m.MessageAttributes?.correlationId?.StringValue })));
    }
}

const visible = async (queueUrl: string) =>
    Number((await sqs.client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }))).Attributes!.ApproximateNumberOfMessages);

/** A source queue whose DLQ holds `n` poison messages, put there by SQS redrive after their one allowed receive. */
async function poisoned(n: number) {
    const q = await sqs.createQueueWithDlq(`orders-${++queues}`, 1);
    for (let i = 0; i < n; i += 10) {
        await sqs.client.send(new SendMessageBatchCommand({
            QueueUrl: q.queueUrl,
            Entries: Array.from({ length: Math.min(10, n - i) }, (_, j) => ({
                Id: String(j),
                MessageBody: JSON.stringify({ orderId: `o-${i + j}`, amount: 1 }),
                MessageAttributes: { correlationId: { DataType: "String", StringValue: `corr-${i + j}` } },
            })),
        }));
    }
    // Each message is received once and not deleted (a failing consumer); the next receive moves it to the DLQ.
    let received = 0;
    while (received < n) {
        const { Messages = [] } = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: q.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 0 }));
        received += Messages.length;
    }
    assert.deepEqual(await drainCount(q.queueUrl), 0, "the source is empty");
    assert.equal(await visible(q.dlqUrl), n, "all in the DLQ");
    return q;
}
const drainCount = async (url: string) => (await drain(url)).length;

function deps(overrides: Partial<RedriveDeps> = {}): RedriveDeps & { lines: string[] } {
    const lines: string[] = [];
    let now = 0;
    return {
        sqs: sqs.client,
        clock: { now: () => now, sleep: async (ms) => { now += ms; } },
        progress: (line) => lines.push(line),
        lines,
        ...overrides,
    };
}

const expected = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ orderId: `o-${i}`, amount: 1 })).sort();

describe("redrive (local-aws-sqs)", function () {
    this.timeout(20_000);
    const loop = (dlqUrl: string, extra: Partial<RedriveOptions> = {}): RedriveOptions =>
        ({ dlqUrl, mode: "loop", waitTimeSeconds: 0, journalPath: path.join(scratch, `${path.basename(dlqUrl)}.journal`), ...extra });

    it("the loop moves every message back to the DLQ's source, attributes kept, none left, none duplicated", async () => {
        const q = await poisoned(25);
        const d = deps();
        const summary = await redrive(loop(q.dlqUrl), d);
        assert.equal(summary.mode, "loop");
        assert.equal(summary.destination, q.queueUrl, "found by ListDeadLetterSourceQueues");
        assert.equal(summary.moved, 25);
        const back = await drain(q.queueUrl);
        assert.deepEqual(back.map((m) => m.body).sort(), expected(25));
        assert.deepEqual(back.map((m) => m.correlationId).sort(), Array.from({ length: 25 }, (_, i) => `corr-${i}`).sort());
        assert.equal(await drainCount(q.dlqUrl), 0);
        assert.ok(d.lines.some((l) => l.startsWith("moved 25 ")), d.lines.join("\n"));
        assert.equal(fs.existsSync(loop(q.dlqUrl).journalPath!), false, "journal removed once everything is deleted");
    });

    it("a loop interrupted after a send and before its delete, then resumed, still delivers each message exactly once", async () => {
        const q = await poisoned(25);
        let batches = 0;
        let interrupted: Message[] = [];
        const crash = deps({ afterSend: (messages) => { if (++batches === 2) { interrupted = messages; throw new Error("killed"); } } });
        await assert.rejects(redrive(loop(q.dlqUrl), crash), /killed/);
        assert.equal(fs.readFileSync(loop(q.dlqUrl).journalPath!, "utf8").trim().split("\n").length, 20, "both batches journaled");
        // Their visibility timeout passes: the interrupted batch, sent but not deleted, is visible in the DLQ again.
        for (const m of interrupted) await sqs.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: q.dlqUrl, ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 }));
        assert.equal(await visible(q.dlqUrl), 15);
        const resumed = await redrive(loop(q.dlqUrl), deps());
        assert.equal(resumed.resumed, 10, "deleted on the journal's word, not sent again");
        assert.equal(resumed.moved, 5);
        assert.deepEqual((await drain(q.queueUrl)).map((m) => m.body).sort(), expected(25));
        assert.equal(await drainCount(q.dlqUrl), 0);
    });

    it("--dry-run counts and changes nothing", async () => {
        const q = await poisoned(12);
        const d = deps();
        const summary = await redrive({ dlqUrl: q.dlqUrl, dryRun: true }, d);
        assert.equal(summary.wouldMove, 12);
        assert.equal(await visible(q.dlqUrl), 12);
        assert.equal(await visible(q.queueUrl), 0);
        assert.match(d.lines[0], /^dry run: 12 messages would move from .*orders-\d+-dlq to .*orders-\d+; nothing changed$/);
    });

    it("auto mode uses SQS's message move task, following it to completion", async () => {
        const q = await poisoned(25);
        // local-aws-sqs moves on a 1-second interval: fake that interval and let the command's sleep advance it.
        const clock = FakeTimers.install({ toFake: ["setInterval", "clearInterval"] });
        try {
            const d = deps({ clock: { now: () => clock.now, sleep: async (ms) => { await clock.tickAsync(ms); } } });
            const summary = await redrive({ dlqUrl: q.dlqUrl, maxPerSecond: 100 }, d);
            assert.equal(summary.mode, "move-task");
            assert.equal(summary.moved, 25);
            assert.ok(d.lines.some((l) => l.startsWith("move task COMPLETED: 25/25")), d.lines.join("\n"));
        } finally {
            clock.uninstall();
        }
        assert.deepEqual((await drain(q.queueUrl)).map((m) => m.body).sort(), expected(25));
        assert.equal(await drainCount(q.dlqUrl), 0);
    });

    it("refuses a DLQ with no source queue unless told where to send, and rejects bad arguments by name", async () => {
        const orphan = await sqs.createQueueWithDlq(`orders-${++queues}`);
        const lonely = orphan.dlqUrl.replace(/orders-\d+-dlq$/, "lonely");
        await sqs.client.send(new CreateQueueCommand({ QueueName: "lonely" }));
        await assert.rejects(redrive({ dlqUrl: lonely, mode: "loop" }, deps()), (e: Error) => e instanceof RedriveError && /DLQ of 0 queues .*--to <queue url>/.test(e.message));
        await assert.rejects(redrive({ dlqUrl: orphan.dlqUrl, maxPerSecond: 0 }, deps()), /--max-per-second 0: allowed an integer 1–500/);
        const parse = (argv: string[]) => redriveOptions(parseCommandLine(REDRIVE_COMMAND, argv).values);
        const url = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq";
        assert.throws(() => parse(["--mode", "fast", "--dlq", url]), { name: "UsageError", message: "--mode fast: allowed auto, move-task or loop" });
        assert.throws(() => parse([]), { name: "UsageError", message: "--dlq <queue url> is required" });
        assert.throws(() => parse(["--dlq"]), { name: "UsageError", message: "--dlq takes a value" });
        assert.throws(() => parse(["--dlq", url, "--max-per-second", "abc"]), { name: "UsageError", message: "--max-per-second abc: allowed an integer 1–500" });
        assert.deepEqual(parse(["--dlq", url, "--max-per-second", "5", "--dry-run"]), { dlqUrl: url, maxPerSecond: 5, dryRun: true });
    });

    it("reads the region from the queue URL unless AWS_REGION says otherwise, and refuses what is not a queue URL", () => {
        const dlq = parseQueueUrl("--dlq", "https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq");
        assert.deepEqual(dlq, { url: "https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq", region: "eu-west-1", account: "123456789012", name: "orders-dlq" });
        assert.equal(regionFor(dlq, {}), "eu-west-1");
        assert.equal(regionFor(dlq, { AWS_REGION: "us-east-2" }), "us-east-2");
        assert.equal(parseQueueUrl("--dlq", "https://us-west-2.queue.amazonaws.com/123456789012/q.fifo").region, "us-west-2");
        assert.throws(() => regionFor(parseQueueUrl("--dlq", "http://localhost:4566/000000000000/q"), {}), { name: "UsageError", message: /names no AWS region .*AWS_REGION/ });
        for (const [raw, why] of [["not-a-url", "not a URL"], ["ftp://sqs.eu-west-1.amazonaws.com/123456789012/q", "the scheme is ftp"],
            ["https://sqs.eu-west-1.amazonaws.com/q", "the path is not /<account>/<queue name>"], ["https://sqs.eu-west-1.amazonaws.com/12345/q", "12345 is not a 12-digit account ID"],
            ["https://sqs.eu-west-1.amazonaws.com/123456789012/bad name", "bad%20name is not a queue name"]]) {
            assert.throws(() => parseQueueUrl("--dlq", raw), { name: "UsageError", message: new RegExp(`^--dlq ${raw.replace(/[.?/]/g, "\\$&")}: ${why.replace(/[.()<>/]/g, "\\$&")}.*; allowed an SQS queue URL`) }, raw);
        }
    });
});
