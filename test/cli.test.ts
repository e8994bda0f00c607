// Every command as a user runs it: `--help` on stdout with exit 0; a wrong argument as one line naming it, the value
// and what is allowed, exit 2; a failure as one line (and a hint), exit 1; never a stack trace without --verbose.
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { Command, execute } from "../scripts/cli";

const ROOT = path.resolve(__dirname, "..");
const run = promisify(execFile);

interface Outcome { code: number; stdout: string; stderr: string }

/** Runs `node -r tsx/cjs <script> ...args` (what `npm run <command> -- args` runs), in the project folder unless told. */
async function cli(script: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): Promise<Outcome> {
    try {
        const { stdout, stderr } = await run(process.execPath, ["-r", require.resolve("tsx/cjs"), path.join(ROOT, script), ...args], {
            cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 60_000,
        });
        return { code: 0, stdout, stderr };
    } catch (error) {
        const e = error as { code?: number; stdout?: string; stderr?: string };
        if (typeof e.code !== "number") throw error;
        return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    }
}

const LAB = "lab/cli.ts";
const PREVIEW = "scripts/preview-policy.ts";
const REDRIVE = "scripts/redrive.ts";
const BENCH = "bench/index.ts";
const BUILD = "scripts/build-functions.ts";
const DLQ = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq";

/** A folder where the lab's default output folder, lab-output, is a file: nothing can be written there. */
const BLOCKED = fs.mkdtempSync(path.join(os.tmpdir(), "lab-cli-"));
fs.writeFileSync(path.join(BLOCKED, "lab-output"), "not a folder\n");
/** What `npm run lab --all` (no `--`) hands the script: no argument, and npm's own config set instead. */
const NPM_TOOK_ALL = { npm_lifecycle_event: "lab", npm_config_all: "true" };

/** [what, command, args, exit status, the one stderr line (a regexp over it), env, working folder] */
type Case = [string, string, string[], number, RegExp, NodeJS.ProcessEnv?, string?];
const CASES: Case[] = [
    ["lab: an unknown scenario", LAB, ["no-such-scenario"], 2, /^lab: no scenario "no-such-scenario"; allowed poison-message, .*steady-idempotent-consumer \(see npm run lab -- --help\)$/],
    ["lab: a count that is not an integer", LAB, ["poison-message", "--set", "messages=2.5"], 2, /^lab: --set messages=2\.5: poison-message allows an integer 1–100000 /],
    ["lab: more poison messages than messages", LAB, ["poison-message", "--set", "poisonMessages=20"], 2, /^lab: poison-message: poisonMessages=20 is more than messages=10: allowed at most as many/],
    ["lab: --all with a key some scenario lacks, before any report", LAB, ["--all", "--set", "messages=5"], 2, /^lab: --set messages=5: \S+ has no such key; allowed /],
    ["lab: a settings field with a fraction", LAB, ["poison-message", "--set", "memorySizeMb=256.5"], 2, /^lab: --set memorySizeMb=256\.5: poison-message allows an integer 128–10240 \(Lambda memory\)/],
    ["lab: an --svg path in a folder that does not exist", LAB, ["poison-message", "--svg", "/no/such/folder/x.svg"], 2, /^lab: --svg \/no\/such\/folder\/x\.svg: the folder \/no\/such\/folder does not exist/],
    ["lab: a --json path in a folder that does not exist", LAB, ["poison-message", "--json", "/no/such/x.json"], 2, /^lab: --json \/no\/such\/x\.json: the folder \/no\/such does not exist/],
    ["lab: a seed that is not an integer", LAB, ["--all", "--seed", "abc"], 2, /^lab: --seed abc: allowed an integer 0–4294967295/],
    ["lab: a sweep without --vary", LAB, ["sweep", "poison-message"], 2, /^lab: --vary key=from\.\.to\[:steps\] is required, e\.g\. --vary maxReceiveCount=1\.\.10/],
    ["lab: a sweep range that is not from..to", LAB, ["sweep", "poison-message", "--vary", "maxReceiveCount=5"], 2, /^lab: --vary maxReceiveCount=5: allowed key=from\.\.to or key=from\.\.to:steps/],
    ["lab: a sweep over a key that takes whole numbers, with fractions", LAB, ["sweep", "poison-message", "--vary", "maxReceiveCount=1.5..3"], 2, /^lab: --vary maxReceiveCount=1\.5\.\.3: maxReceiveCount takes whole numbers/],
    ["lab: a sweep point outside what the key allows", LAB, ["sweep", "poison-message", "--vary", "maxReceiveCount=0..3"], 2, /^lab: --set maxReceiveCount=0: poison-message allows an integer 1–1000/],
    ["lab: a sweep of a key that is not a number", LAB, ["sweep", "eventbridge-target-dlq", "--vary", "failure=1..2"], 2, /^lab: --vary failure: a sweep varies a number; failure is one of retriable, non-retriable/],
    ["lab: --vary outside a sweep", LAB, ["poison-message", "--vary", "maxReceiveCount=1..3"], 2, /^lab: --vary belongs to sweeps: npm run lab -- sweep …/],
    ["lab: an unknown curated sweep", LAB, ["sweep", "--curated", "nope"], 2, /^lab: no curated sweep "nope"; allowed visibility-timeout-duplicates, /],
    ["lab: --sweeps without --html", LAB, ["--all", "--sweeps"], 2, /^lab: --sweeps adds the curated sweeps to the HTML report: use it with --html FILE/],
    ["lab: a negative seed", LAB, ["poison-message", "--seed", "-1"], 2, /^lab: --seed -1: allowed an integer 0–4294967295 /],
    ["lab: an option given twice", LAB, ["poison-message", "--seed", "1", "--seed", "2"], 2, /^lab: --seed given 2 times \(1, then 2\): give it once /],
    ["lab: a flag given twice", LAB, ["--all", "--all"], 2, /^lab: --all given 2 times: give it once /],
    ["lab: one --set key given twice", LAB, ["poison-message", "--set", "messages=5", "--set", "messages=6"], 2, /^lab: --set messages given twice \(5, then 6\): give it once /],
    ["lab: --svg FILE.svg for several scenarios", LAB, ["poison-message", "sns-filtering", "--svg", "chart.svg"], 2, /^lab: --svg chart\.svg: names one file, but 2 scenarios write 2 charts; allowed a folder /],
    ["lab: --write-docs with a seed", LAB, ["--all", "--write-docs", "--seed", "3"], 2, /^lab: --write-docs documents the default seed \(1\): drop --seed 3 /],
    ["lab: --all where the default output folder cannot be written, before any report", LAB, ["--all"], 2, /^lab: --all writes its charts to lab-output\/ \(no --svg given\): \S+lab-output is not a folder /, {}, BLOCKED],
    ["lab: npm run lab --all without --", LAB, [], 2, /^lab: npm took --all as its own option, so the command never saw it: put the command's options after --, e\.g\. npm run lab -- --all /, NPM_TOOK_ALL],
    ["preview:policy: a toggle that is not a boolean", PREVIEW, ["--config", "queueWorker=maybe"], 2, /^preview:policy: --config: Invalid config serverless-patterns-lab:queueWorker = "maybe": allowed true or false/],
    ["preview:policy: a path value outside the AWS limit", PREVIEW, ["--config", "queueWorkerSettings.batchSize=20000"], 2, /^preview:policy: --config: Invalid config serverless-patterns-lab:queueWorkerSettings\.batchSize = 20000: allowed an integer 1–10000/],
    ["preview:policy: a toggle that --all-combinations makes meaningless", PREVIEW, ["--config", "queueWorker=true", "--all-combinations"], 2, /^preview:policy: --config queueWorker=true: --all-combinations previews every value of every toggle; drop one of them /],
    ["preview:policy: one --config key given twice", PREVIEW, ["--config", "queueWorker=true", "--config", "queueWorker=false"], 2, /^preview:policy: --config queueWorker given twice \(true, then false\): give it once/],
    ["preview:policy: one --config path given twice, once with the project's namespace", PREVIEW, ["--config", "queueWorkerSettings.batchSize=10", "--config", "queueWorkerSettings.memorySizeMb=512", "--config", "serverless-patterns-lab:queueWorkerSettings.batchSize=20"], 2, /^preview:policy: --config serverless-patterns-lab:queueWorkerSettings\.batchSize given twice \(10, then 20\): give it once/],
    ["preview:policy: a policy config file that does not exist", PREVIEW, ["--policy-config", "no-such-file.json"], 2, /^preview:policy: --policy-config no-such-file\.json: no such file/],
    ["preview:policy: a policy config file that is not JSON", PREVIEW, ["--policy-config", "README.md"], 2, /^preview:policy: --policy-config README\.md: not JSON \(/],
    ["redrive: a DLQ that is not a URL", REDRIVE, ["--dlq", "not-a-url"], 2, /^redrive: --dlq not-a-url: not a URL; allowed an SQS queue URL, e\.g\. https:\/\/sqs\./],
    ["redrive: a rate that is not a number", REDRIVE, ["--max-per-second", "abc", "--dlq", DLQ], 2, /^redrive: --max-per-second abc: allowed an integer 1–500/],
    ["redrive: an option that needs a value", REDRIVE, ["--dlq"], 2, /^redrive: --dlq takes a value/],
    ["redrive: an option given twice", REDRIVE, ["--dlq", DLQ, "--max-per-second", "5", "--max-per-second", "50"], 2, /^redrive: --max-per-second given 2 times \(5, then 50\): give it once /],
    ["bench: an unknown part", BENCH, ["warp-speed"], 2, /^bench: unknown part warp-speed; allowed cold-start, idempotency, policy, lab/],
    ["build: an unknown option", BUILD, ["--minify"], 2, /^build: unknown option --minify; allowed --help, --verbose/],
    // A failure at run time: nothing listens on the queue URL's port; one line, no stack.
    ["redrive: SQS unreachable", REDRIVE, ["--dlq", "http://127.0.0.1:9/123456789012/orders-dlq", "--dry-run"], 1, /^redrive: .*ECONNREFUSED/,
        { AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_MAX_ATTEMPTS: "1" }],
];

/** The command object each script runs (what `runCommand` executes). */
function commandOf(script: string): Command {
    /* eslint-disable @typescript-eslint/no-var-requires */
    switch (script) {
        case LAB: return require("../lab/cli").LAB_COMMAND;
        case PREVIEW: return require("../scripts/preview-policy").PREVIEW_COMMAND;
        case REDRIVE: return require("../scripts/redrive").REDRIVE_COMMAND;
        case BENCH: return require("../bench/index").BENCH_COMMAND;
        default: return require("../scripts/build-functions").BUILD_COMMAND;
    }
}

/** `--help`: usage on stdout, the exit statuses, nothing on stderr, exit 0. */
function assertHelp({ code, stdout, stderr }: Outcome): void {
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^usage: npm run \S+/);
    assert.match(stdout, /Exit status: 0 /);
    assert.equal(stderr, "");
}

function assertOneLine({ code, stdout, stderr }: Outcome, expected: number, line: RegExp): void {
    assert.equal(code, expected, stderr);
    const lines = stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, `one line on stderr, got:\n${stderr}`);
    assert.match(lines[0], line);
    assert.doesNotMatch(stderr + stdout, /\n\s+at /, "no stack trace");
    if (expected === 2) assert.equal(stdout, "", "nothing ran");
}

// Spawned as a user runs them: the lab's --help, one wrong argument and one failure at run time; with
// SPAWN_EVERY_CASE=1 (`npm run test:cli`, which CI runs) every command's --help and every case below. The processes start while mocha loads the
// test files, two at a time (each is mostly start-up), beside the suites before this one. Every case also runs
// through the command object its script runs, in process: the same parsing, messages and exit status.
const EVERY = process.env.SPAWN_EVERY_CASE === "1";
const HELP = EVERY ? [LAB, PREVIEW, REDRIVE, BENCH, BUILD] : [LAB];
const SPAWNED = EVERY
    ? CASES.map(([what]) => what)
    : ["lab: an unknown scenario", "preview:policy: a toggle that is not a boolean", "redrive: SQS unreachable"];
const outcomes = new Map<string, Promise<Outcome>>();
{
    const jobs: [string, () => Promise<Outcome>][] = [
        ...HELP.map((script): [string, () => Promise<Outcome>] => [`help ${script}`, () => cli(script, ["--help"])]),
        ...CASES.filter(([what]) => SPAWNED.includes(what)).map(([what, script, args, , , env, cwd]): [string, () => Promise<Outcome>] => [what, () => cli(script, args, env, cwd)]),
    ];
    let next = 0;
    const settle: ((o: Promise<Outcome>) => void)[] = [];
    for (const [name] of jobs) outcomes.set(name, new Promise((resolve) => settle.push(resolve)));
    const worker = async () => {
        while (next < jobs.length) {
            const i = next++;
            const outcome = jobs[i][1]();
            settle[i](outcome);
            await outcome.catch(() => undefined);
        }
    };
    void worker();
    void worker();
}

describe("commands behave like well-made CLIs", () => {
    after(() => fs.rmSync(BLOCKED, { recursive: true, force: true }));
    describe("spawned as a user runs them", () => {
        for (const script of HELP) {
            it(`${script} --help prints usage on stdout and exits 0`, async () => assertHelp(await outcomes.get(`help ${script}`)!));
        }
        for (const [what, , , expected, line] of CASES.filter(([w]) => SPAWNED.includes(w))) {
            it(`${what}: one line, exit ${expected}`, async () => assertOneLine(await outcomes.get(what)!, expected, line));
        }
    });

    describe("every case, through the command each script runs (the same parsing, messages and exit status)", () => {
        for (const script of [LAB, PREVIEW, REDRIVE, BENCH, BUILD]) {
            it(`${script} --help: usage on stdout, exit 0`, async () => {
                let stdout = "";
                let stderr = "";
                const code = await execute(commandOf(script), ["--help"], { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
                assertHelp({ code, stdout, stderr });
            });
        }
        for (const [what, script, args, expected, line, env, cwd] of CASES) {
            it(`${what}: one line, exit ${expected}`, async () => {
                let stdout = "";
                let stderr = "";
                const saved = { ...process.env };
                const folder = process.cwd();
                Object.assign(process.env, env);
                if (cwd) process.chdir(cwd);
                const log = console.log;
                console.log = (...parts: unknown[]) => { stdout += `${parts.join(" ")}\n`; };
                try {
                    const code = await execute(commandOf(script), args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
                    assertOneLine({ code, stdout, stderr }, expected, line);
                } finally {
                    process.chdir(folder);
                    console.log = log;
                    for (const k of Object.keys(env ?? {})) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
                }
            });
        }
    });
});
