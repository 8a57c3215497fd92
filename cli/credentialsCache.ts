/**
 * The local cache of `iam-key-rotation credentials`: the last key it saw of one published
 * secret, in a JSON file only its owner may read (mode 0600, in a directory of mode 0700),
 * replaced atomically (written to a temporary file in the same directory, flushed, then
 * renamed over the old one), so a reader never sees half a file and a crash never loses the
 * key. Problems name the file and what is wrong, never its content.
 */
import { createHash } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import { isIsoDate } from "../lib/days";
import { LIMITS, readErrorText, readTextFile } from "./boundedRead";
import { UsageError } from "./errors";
import { ACCESS_KEY_ID_RE, IAM_USER_NAME_RE, isIsoTime, ShapeChecker } from "./shape";

/** A secret access key: printable ASCII without spaces, as the published document requires. */
export const SECRET_ACCESS_KEY_RE = /^[\x21-\x7e]{1,128}$/;

/** The cache file's content (version 1). */
export interface CachedKey {
  version: 1;
  /** The secret the key was read from, as given to --secret. */
  secretId: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** What the published document said about the key; null when it came from --init alone. */
  userName: string | null;
  slot: "blue" | "green" | null;
  issuedOn: string | null;
  /** When this key was written to the cache (ISO 8601 UTC). */
  savedAt: string;
}

/**
 * The default cache file of a secret: `<cache dir>/iam-key-rotation/credentials/<name>.json`,
 * where the cache dir is $XDG_CACHE_HOME, else ~/Library/Caches (macOS), %LOCALAPPDATA%
 * (Windows) or ~/.cache, and the name is the secret id with every character other than
 * letters, digits, `.`, `_`, `-` replaced by `_`, then 8 hex digits of its SHA-256 (so
 * `key-rotation/a_b` and `key-rotation_a/b` differ):
 * `~/.cache/iam-key-rotation/credentials/key-rotation_ci-5d41402a.json`.
 */
export function defaultCacheFile(secretId: string, env: NodeJS.ProcessEnv): string {
  const home = env.HOME || homedir();
  const cacheHome =
    env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)
      ? env.XDG_CACHE_HOME
      : process.platform === "darwin"
        ? path.join(home, "Library", "Caches")
        : process.platform === "win32" && env.LOCALAPPDATA
          ? env.LOCALAPPDATA
          : path.join(home, ".cache");
  const name = secretId.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 200);
  const hash = createHash("sha256").update(secretId).digest("hex").slice(0, 8);
  return path.join(cacheHome, "iam-key-rotation", "credentials", `${name}-${hash}.json`);
}

/** Checks a cache file's JSON; every problem names a field, never a value. */
function checkCached(doc: unknown): { cached?: CachedKey; problems: string[] } {
  const shape = new ShapeChecker();
  const raw = shape.object(doc, "the file");
  if (raw === undefined) return { problems: shape.problems };
  if (raw.version !== 1) shape.fail("version", "1", raw.version);
  const secretId =
    typeof raw.secretId === "string" && raw.secretId !== ""
      ? raw.secretId
      : shape.fail("secretId", "a secret id", raw.secretId);
  const accessKeyId = shape.string(
    raw.accessKeyId,
    "accessKeyId",
    ACCESS_KEY_ID_RE,
    "an access key id",
  );
  const secretAccessKey = shape.string(
    raw.secretAccessKey,
    "secretAccessKey",
    SECRET_ACCESS_KEY_RE,
    "a secret access key",
  );
  const userName =
    shape.optional(raw.userName, (v) =>
      shape.string(v, "userName", IAM_USER_NAME_RE, "an IAM user name"),
    ) ?? null;
  const slot =
    shape.optional(raw.slot, (v) => shape.oneOf(v, "slot", ["blue", "green"] as const)) ?? null;
  const issuedOn = shape.optional(raw.issuedOn, (v) => shape.date(v, "issuedOn")) ?? null;
  const savedAt = isIsoTime(raw.savedAt)
    ? raw.savedAt
    : shape.fail("savedAt", "an ISO 8601 time", raw.savedAt);
  if (shape.problems.length > 0) return { problems: shape.problems };
  return {
    cached: {
      version: 1,
      secretId: secretId!,
      accessKeyId: accessKeyId!,
      secretAccessKey: secretAccessKey!,
      userName,
      slot,
      issuedOn: issuedOn !== null && isIsoDate(issuedOn) ? issuedOn : null,
      savedAt: savedAt!,
    },
    problems: [],
  };
}

/** Why a cache cannot be used: not there (`missing`) or not usable (`invalid`, with a reason). */
export class CacheError extends UsageError {
  constructor(
    readonly kind: "missing" | "invalid",
    message: string,
  ) {
    super(message);
    this.name = "CacheError";
  }
}

/**
 * Reads the cache. Refuses (CacheError) a file that does not exist, that other users may read
 * or write (its key may have leaked: like ssh with a private key), that someone else owns, or
 * whose content is not a cache this command wrote.
 */
export function readCache(file: string): CachedKey {
  let text: string;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new CacheError("invalid", `${file} is not a regular file`);
    if (process.platform !== "win32") {
      if (typeof process.getuid === "function" && stat.uid !== process.getuid()) {
        throw new CacheError("invalid", `${file} belongs to another user`);
      }
      if ((stat.mode & 0o077) !== 0) {
        throw new CacheError(
          "invalid",
          `${file} may be read or written by other users (mode ` +
            `${(stat.mode & 0o777).toString(8).padStart(4, "0")}, must be 0600): the key in it ` +
            "may have leaked",
        );
      }
    }
    text = readTextFile(file, LIMITS.cache);
  } catch (err) {
    if (err instanceof CacheError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new CacheError("missing", `${file} does not exist`);
    throw new CacheError("invalid", `${file} cannot be read (${readErrorText(err)})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new CacheError("invalid", `${file} is not JSON (content not shown)`);
  }
  const { cached, problems } = checkCached(doc);
  if (cached === undefined) {
    throw new CacheError(
      "invalid",
      `${file} is not a cache this command wrote (${problems.join("; ")})`,
    );
  }
  return cached;
}

/**
 * Writes the cache atomically with mode 0600: a temporary file beside it (created exclusively,
 * never following a planted file), flushed to disk, renamed over the cache. Creates the
 * directory (mode 0700) if needed.
 */
export function writeCache(file: string, cached: CachedKey): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${createHash("sha256")
      .update(`${Date.now()}${Math.random()}`)
      .digest("hex")
      .slice(0, 8)}.tmp`,
  );
  const fd = openSync(temp, "wx", 0o600);
  try {
    writeSync(fd, JSON.stringify(cached, null, 2) + "\n");
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(temp);
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(temp, file);
  } catch (err) {
    unlinkSync(temp);
    throw err;
  }
}
