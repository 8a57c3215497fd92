/** Runs the CLI in process with captured output and a pinned clock. */
import * as path from "node:path";
import { Io, main } from "../../cli/main";

export const ROOT = path.join(__dirname, "..", "..");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; now?: string; stderrIsTTY?: boolean } = {},
): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const io: Io = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    cwd: options.cwd ?? ROOT,
    env: options.env ?? {},
    stderrIsTTY: options.stderrIsTTY ?? false,
    now: () => new Date(options.now ?? "2026-11-22T12:00:00Z"),
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}
