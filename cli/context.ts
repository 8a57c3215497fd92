/**
 * What every command is handed: where to write, the environment and the clock (Io), and where
 * to put its exit code. Commands never touch `process` themselves, so tests run them in process
 * with their own output streams and a pinned clock.
 */
import { readTextStream } from "./boundedRead";

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Whether stderr is a terminal (progress output). */
  stderrIsTTY: boolean;
  /** The clock; tests pin it. */
  now: () => Date;
  /**
   * All of standard input, for commands that read it (`summary`, `credentials --key-file -`);
   * throws TooLargeError past `limit` bytes.
   */
  readStdin?: (limit: number) => Promise<string>;
  /** Whether standard input is a terminal (nothing piped in). */
  stdinIsTTY?: boolean;
}

/** The real process: its streams, working directory, environment and clock. */
export function processIo(): Io {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    now: () => new Date(),
    readStdin: (limit) => readTextStream(process.stdin, limit),
  };
}

/** Context handed to every command: where to write, and where to put the exit code. */
export interface CommandContext {
  io: Io;
  exit: (code: number) => void;
}
