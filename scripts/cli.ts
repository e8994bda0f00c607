// How every command of the lab (lab, preview:policy, redrive, bench, build) reads its arguments and reports errors:
// node:util parseArgs, `--help` on stdout with exit 0, a usage error as one line naming the argument, the value and
// what is allowed with exit 2, a failure as one line (and a hint) with exit 1, a stack trace only with --verbose
// or DEBUG set.
import { parseArgs, ParseArgsConfig } from "node:util";

/** A wrong argument: one line, exit 2. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** A failure the user can act on: one line, an optional hint, exit 1. */
export class CommandError extends Error {
    constructor(message: string, readonly hint?: string) {
        super(message);
        this.name = "CommandError";
    }
}

export type Options = NonNullable<ParseArgsConfig["options"]>;
export type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface Command {
    /** As the user types it, e.g. "npm run lab --". */
    name: string;
    /** The whole --help text. */
    usage: string;
    options: Options;
    /** Whether bare words are allowed (scenario names, bench parts). */
    positionals?: boolean;
    run(values: Values, positionals: string[]): Promise<number>;
}

const BUILT_IN: Options = {
    help: { type: "boolean", short: "h" },
    verbose: { type: "boolean" },
};

/** parseArgs's own errors, said the way this project says them: argument, value, what is allowed. */
function usageErrorOf(error: unknown, options: Options): UsageError | undefined {
    const code = (error as { code?: string }).code;
    const message = (error as Error).message;
    const allowed = Object.entries({ ...options, ...BUILT_IN }).map(([name, o]) => `--${name}${o.type === "string" ? " <value>" : ""}`).join(", ");
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
        const given = /'([^']+)'/.exec(message)?.[1] ?? message;
        return new UsageError(`unknown option ${given}; allowed ${allowed}`);
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
        const option = /Option '([^']+)'/.exec(message)?.[1]?.split(",").pop()?.trim() ?? "an option";
        const name = option.replace(/^-+/, "").replace(/ .*/, "");
        const expects = options[name]?.type === "string" ? "a value" : "no value";
        return new UsageError(`${option.replace(/ .*/, "")} takes ${expects}`);
    }
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
        const given = /'([^']+)'/.exec(message)?.[1] ?? message;
        return new UsageError(`unexpected argument ${given}; allowed ${allowed}`);
    }
    return undefined;
}

/**
 * `--seed -1` as `--seed=-1`: parseArgs takes a value starting with a dash for an option name ("argument is
 * ambiguous"), but a negative number is a value, and the command's own check then names what is allowed.
 */
function negativeValues(command: Command, argv: string[]): string[] {
    const out = [...argv];
    for (let i = 0; i < out.length - 1; i++) {
        const name = out[i].startsWith("--") ? out[i].slice(2) : undefined;
        if (name && command.options[name]?.type === "string" && /^-\d/.test(out[i + 1])) out.splice(i, 2, `${out[i]}=${out[i + 1]}`);
    }
    return out;
}

/** Parses `argv` for `command`; a usage problem is a UsageError, an option given twice (that cannot repeat) included. */
export function parseCommandLine(command: Command, argv: string[]): { values: Values; positionals: string[] } {
    const options = { ...BUILT_IN, ...command.options };
    let parsed: ReturnType<typeof parseArgs>;
    try {
        parsed = parseArgs({ args: negativeValues(command, argv), options, allowPositionals: command.positionals ?? false, strict: true, tokens: true });
    } catch (error) {
        throw usageErrorOf(error, command.options) ?? error;
    }
    // parseArgs keeps the last of a repeated option: refuse the repeat rather than drop a value the user typed.
    const given = new Map<string, string[]>();
    for (const token of parsed.tokens ?? []) if (token.kind === "option") given.set(token.name, [...(given.get(token.name) ?? []), token.value ?? ""]);
    for (const [name, values] of given) {
        if (values.length > 1 && !options[name]?.multiple) {
            const shown = options[name]?.type === "string" ? ` (${values.join(", then ")})` : "";
            throw new UsageError(`--${name} given ${values.length} times${shown}: give it once`);
        }
    }
    return { values: parsed.values as Values, positionals: parsed.positionals };
}

/**
 * Options npm took as its own. `npm run lab --all` (no `--`) gives npm `--all`: npm sets npm_config_all=true, runs the
 * script without it, and passes a value that followed (`--seed 5`) as a bare word. Only under `npm run`.
 */
export function swallowedByNpm(command: Command, argv: string[], env: NodeJS.ProcessEnv = process.env): string[] {
    if (env.npm_lifecycle_event === undefined) return [];
    return Object.keys(command.options).filter((name) => env[`npm_config_${name.replace(/-/g, "_")}`] !== undefined
        && !argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`)));
}

/** Where a command writes: the process's streams, or a test's buffers. */
export interface CommandIo {
    stdout: (text: string) => void;
    stderr: (text: string) => void;
}

const PROCESS_IO: CommandIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };

/** Parses `argv`, runs `command` and resolves to its exit status: 0 done, 1 failed, 2 a usage error. */
export async function execute(command: Command, argv: string[], io: CommandIo = PROCESS_IO): Promise<number> {
    const verbose = argv.includes("--verbose") || Boolean(process.env.DEBUG);
    try {
        const swallowed = swallowedByNpm(command, argv);
        if (swallowed.length > 0) {
            const flags = swallowed.map((n) => `--${n}`).join(", ");
            throw new UsageError(`npm took ${flags} as its own option${swallowed.length === 1 ? "" : "s"}, so the command never saw ${swallowed.length === 1 ? "it" : "them"}: `
                + `put the command's options after --, e.g. ${command.name} ${swallowed.map((n) => (command.options[n].type === "string" ? `--${n} <value>` : `--${n}`)).join(" ")}`);
        }
        const { values, positionals } = parseCommandLine(command, argv);
        if (values.help) {
            io.stdout(`${command.usage.trimEnd()}\n`);
            return 0;
        }
        return await command.run(values, positionals);
    } catch (error) {
        report(command, error, verbose, io);
        return error instanceof UsageError ? 2 : 1;
    }
}

/** The entry point of a command's script: runs it with the process's arguments and sets the exit status. */
export function runCommand(command: Command, argv = process.argv.slice(2)): void {
    execute(command, argv).then((code) => {
        process.exitCode = code;
    });
}

function report(command: Command, error: unknown, verbose: boolean, io: CommandIo): void {
    const prefix = command.name.replace(/^npm run /, "").replace(/ --$/, "");
    const message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    const help = error instanceof UsageError ? ` (see ${command.name} --help)` : "";
    io.stderr(`${prefix}: ${message}${help}\n`);
    if (error instanceof CommandError && error.hint) io.stderr(`  ${error.hint}\n`);
    if (verbose && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
}

/** An integer option within [min, max], or a UsageError naming it, the value and the range. */
export function integerOption(name: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isInteger(value) || value < min || value > max) {
        const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer ${min}–${max}`;
        throw new UsageError(`--${name} ${raw}: allowed ${range}`);
    }
    return value;
}
