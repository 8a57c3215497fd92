/**
 * The `iam-key-rotation` command. Every subcommand returns an exit code (cli/errors.ts) instead
 * of exiting, so tests run it in process with their own output streams.
 */
import { Command, CommanderError, Option } from "commander";
import * as path from "node:path";
import { registerAudit } from "./commands/audit";
import { registerCredentials } from "./commands/credentials";
import { registerPlan } from "./commands/plan";
import { registerSummary } from "./commands/summary";
import { registerVerify } from "./commands/verify";
import { CommandContext, Io, processIo } from "./context";
import { AwsError, EXIT, UsageError } from "./errors";

function buildProgram(ctx: CommandContext): Command {
  const program = new Command()
    .name("iam-key-rotation")
    .description(
      "Zero-downtime IAM access key rotation: plan the calendar, audit the account's keys, " +
        "verify the published keys, give consumers the current key (credential_process), " +
        "summarize a run (GitHub job summary).",
    )
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: ctx.io.stdout, writeErr: ctx.io.stderr });
  program.addOption(new Option("-V, --version", "print the version").hideHelp(false));
  registerPlan(program, ctx);
  registerAudit(program, ctx);
  registerVerify(program, ctx);
  registerCredentials(program, ctx);
  registerSummary(program, ctx);
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
    // A bug. Its message and stack may quote what the command read (a secret, a file), so
    // they are printed only when asked for.
    if (io.env.IAM_KEY_ROTATION_DEBUG === "1") {
      io.stderr(`error: ${err instanceof Error && err.stack ? err.stack : String(err)}\n`);
    } else {
      io.stderr(
        `error: internal error (${err instanceof Error ? err.name : typeof err}); ` +
          "set IAM_KEY_ROTATION_DEBUG=1 to print its details, which may include data the " +
          "command read.\n",
      );
    }
    return EXIT.internal;
  }
}

function version(): string {
  // The package root is one folder up from cli/, two from the build's dist/cli/.
  const up = path.basename(path.dirname(__dirname)) === "dist" ? "../.." : "..";
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(`${up}/package.json`) as { version: string }).version;
}
