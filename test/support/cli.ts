/** Runs the CLI in process with captured output, a pinned clock and its own environment. */
import { Readable } from "node:stream";
import { readTextStream } from "../../cli/boundedRead";
import { main } from "../../cli/main";

import { ROOT } from "./root";

export { ROOT };
export { setMotoAuth } from "./moto";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  env?: NodeJS.ProcessEnv;
  now?: Date;
  stderrIsTTY?: boolean;
  cwd?: string;
  /** Standard input, for commands that read it. */
  stdin?: string;
  /** Whether standard input is a terminal (default: false, something is piped in). */
  stdinIsTTY?: boolean;
}

/** Credentials and region for moto with authentication off. */
export const MOTO_ENV: NodeJS.ProcessEnv = Object.freeze({
  AWS_ACCESS_KEY_ID: "testing",
  AWS_SECRET_ACCESS_KEY: "testing",
  AWS_REGION: "us-east-1",
});

export async function runCli(
  args: readonly string[],
  options: CliRunOptions = {},
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const now = options.now ?? new Date();
  const code = await main(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd: options.cwd ?? ROOT,
    env: options.env ?? MOTO_ENV,
    stderrIsTTY: options.stderrIsTTY ?? false,
    stdinIsTTY: options.stdinIsTTY ?? false,
    now: () => now,
    readStdin: (limit) => readTextStream(Readable.from([Buffer.from(options.stdin ?? "")]), limit),
  });
  return { code, stdout, stderr };
}
