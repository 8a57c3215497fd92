/**
 * The `iam-key-rotation` command. Every subcommand returns an exit code (cli/errors.ts) instead
 * of exiting, so tests run it in process with their own output streams.
 */
import { Command, CommanderError, Option } from "commander";
import { utcToday } from "../lib/days";
import { registerAudit } from "./audit";
import { AwsError, EXIT, UsageError } from "./errors";
import { buildPlan, renderPlan } from "./plan";
import { registerVerify } from "./verify";

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Whether stderr is a terminal (progress output). */
  stderrIsTTY: boolean;
  /** The clock; tests pin it. */
  now: () => Date;
}

export function processIo(): Io {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
    stderrIsTTY: Boolean(process.stderr.isTTY),
    now: () => new Date(),
  };
}

/** Context handed to every command: where to write, and where to put the exit code. */
export interface CommandContext {
  io: Io;
  exit: (code: number) => void;
}

function parseInteger(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value))
      throw new UsageError(`${name} must be a whole number (got "${value}").`);
    return Number(value);
  };
}

function registerPlan(program: Command, ctx: CommandContext): void {
  program
    .command("plan")
    .description(
      "Print the rotation calendar of a stack: which key each daily `pulumi up` issues, " +
        "deactivates or deletes. Offline: reads Pulumi.<stack>.yaml, calls nothing.",
    )
    .requiredOption("-s, --stack <name>", "stack whose Pulumi.<stack>.yaml to read, e.g. prod")
    .option("--at <date>", "first day of the calendar, YYYY-MM-DD (UTC)", utcToday(ctx.io.now()))
    .option("--days <n>", "number of days to plan", parseInteger("--days"), 90)
    .option(
      "--state <file>",
      "start from the recorded state: the output of `pulumi stack output --json` (default: plan every user as new)",
    )
    .option("--dir <path>", "project directory holding Pulumi.yaml", ctx.io.cwd)
    .option("--json", "print the calendar as JSON (schema in the README)", false)
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  iam-key-rotation plan --stack prod\n" +
        "  pulumi stack output --json -s prod > state.json\n" +
        "  iam-key-rotation plan --stack prod --state state.json --days 180 --json\n",
    )
    .action(
      (opts: {
        stack: string;
        at: string;
        days: number;
        state?: string;
        dir: string;
        json: boolean;
      }) => {
        const doc = buildPlan({ ...opts });
        ctx.io.stdout(opts.json ? JSON.stringify(doc, null, 2) + "\n" : renderPlan(doc));
        ctx.exit(EXIT.ok);
      },
    );
}

export function buildProgram(ctx: CommandContext): Command {
  const program = new Command()
    .name("iam-key-rotation")
    .description(
      "Zero-downtime IAM access key rotation: plan the calendar, audit the account's keys, " +
        "verify the published keys.",
    )
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: ctx.io.stdout, writeErr: ctx.io.stderr });
  program.addOption(new Option("-V, --version", "print the version").hideHelp(false));
  registerPlan(program, ctx);
  registerAudit(program, ctx);
  registerVerify(program, ctx);
  return program;
}

/** Runs the command line (without the node and script arguments); resolves to the exit code. */
export async function main(args: readonly string[], io: Io = processIo()): Promise<number> {
  let code: number = EXIT.ok;
  const ctx: CommandContext = { io, exit: (c) => (code = c) };
  const program = buildProgram(ctx);
  if (args.includes("-V") || args.includes("--version")) {
    io.stdout(`${version()}\n`);
    return EXIT.ok;
  }
  try {
    await program.parseAsync([...args], { from: "user" });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help asked for help (exit 0); a bare `iam-key-rotation` printed it as an error.
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version")
        return EXIT.ok;
      return EXIT.usage;
    }
    if (err instanceof UsageError) {
      io.stderr(`error: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof AwsError) {
      io.stderr(`error: ${err.message}\n`);
      return EXIT.aws;
    }
    throw err;
  }
}

function version(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require("../package.json") as { version: string }).version;
}
