/**
 * Reading what the user points a command at, with a ceiling. `readFileSync` reads until the end
 * of the file, and some files have none: `--key-file /dev/zero` (or a pipe that never closes)
 * would fill memory until the process is killed. These readers stop at a size no genuine input
 * comes near and say so, while still accepting what is not a regular file but ends: a pipe, a
 * process substitution (`--key-file <(pass show aws/key)`), standard input.
 */
import { closeSync, openSync, readSync } from "node:fs";

/** The input has more bytes than `limit`: it is not what the command asked for. */
export class TooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`larger than ${sizeText(limit)}`);
    this.name = "TooLargeError";
  }
}

/** `65536` → "64 KiB", `16777216` → "16 MiB". */
export function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** Ceilings, far above any genuine input of each kind. */
export const LIMITS = {
  /** A key file: the published document, `aws iam create-access-key`'s output, a console CSV. */
  keyFile: 64 * 1024,
  /** The credentials cache (a few hundred bytes when this tool wrote it). */
  cache: 64 * 1024,
  /** Pulumi.yaml or Pulumi.<stack>.yaml (the largest stack the CI role allows is a few KiB). */
  stackFile: 16 * 1024 * 1024,
  /** `pulumi stack output --json` (about 2 KiB per user). */
  outputs: 64 * 1024 * 1024,
} as const;

/**
 * The file's text (UTF-8, without a byte-order mark), read in chunks; throws TooLargeError
 * past `limit` bytes and the file system's own errors (ENOENT, EISDIR, EACCES...) as they are.
 */
export function readTextFile(file: string, limit: number): string {
  const fd = openSync(file, "r");
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    const chunk = Buffer.allocUnsafe(64 * 1024);
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > limit) throw new TooLargeError(limit);
      chunks.push(Buffer.from(chunk.subarray(0, n)));
    }
    return withoutBom(Buffer.concat(chunks, total).toString("utf8"));
  } finally {
    closeSync(fd);
  }
}

/**
 * All of a stream (standard input) as UTF-8 without a byte-order mark; throws TooLargeError
 * past `limit` bytes.
 */
export async function readTextStream(
  stream: AsyncIterable<Buffer | string>,
  limit: number,
): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const part of stream) {
    const buf = typeof part === "string" ? Buffer.from(part) : part;
    total += buf.length;
    if (total > limit) throw new TooLargeError(limit);
    chunks.push(buf);
  }
  return withoutBom(Buffer.concat(chunks, total).toString("utf8"));
}

/** Without a leading byte-order mark (Windows editors write one; JSON.parse refuses it). */
function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Why a file could not be read, in words: "no such file", "it is a directory", or the code. */
export function readErrorText(err: unknown): string {
  if (err instanceof TooLargeError) return err.message;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES") return "permission denied";
  return code ?? "error";
}
