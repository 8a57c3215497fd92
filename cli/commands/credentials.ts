/**
 * `iam-key-rotation credentials`: an AWS `credential_process` that follows rotations. It prints
 * `{Version: 1, AccessKeyId, SecretAccessKey, Expiration}` for the current key of a published
 * secret, reading that secret with the key it cached last time (the managed user may read its
 * own secret: self-read), and moves to the new key as soon as one is published, so any SDK or
 * the AWS CLI configured with `credential_process` follows rotations with no code change.
 *
 * Bootstrapped once (`--init`) with a key of the user given by an operator. Secrets go to
 * stdout only inside that JSON; stderr carries warnings and errors, never a secret; failures
 * are sentences, never stack traces. Documented in docs/cli.md (DOCS below).
 */
import * as path from "node:path";
import { secretsManagerSdk } from "../sdk";
import { Command } from "commander";
import { waitUntilKeyWorks } from "../../components/rotatedKeyUser/keyPropagation";
import {
  parseKeyDocument,
  PublishedKeyDocument,
} from "../../components/rotatedKeyUser/publishedKey";
import { parseArn } from "../../lib/arn";
import {
  addAwsOptions,
  AwsOptions,
  awsErrorText,
  failureKind,
  profileRegion,
  resolveEndpoint,
  resolveMaxAttempts,
  secretsManagerWithKey,
} from "../aws";
import type { CommandContext } from "../context";
import {
  CacheError,
  CachedKey,
  defaultCacheFile,
  readCache,
  SECRET_ACCESS_KEY_RE,
  writeCache,
} from "../credentialsCache";
import { LIMITS, readErrorText, readTextFile, TooLargeError } from "../boundedRead";
import { EXIT, UsageError } from "../errors";
import { isoSecond } from "../format";
import { wholeNumber } from "../options";
import { ACCESS_KEY_ID_RE } from "../shape";

/** Where the command is documented. */
const DOCS = 'docs/cli.md, "credentials: a credential_process that follows rotations"';

/** Default lifetime of the printed credentials, in minutes (docs/cli.md explains the choice). */
export const DEFAULT_LIFETIME_MINUTES = 60;
/** Lifetime when the key could not be confirmed this time (AWS unreachable...): ask again soon. */
const RETRY_LIFETIME_MINUTES = 5;
/** Each call to AWS gives up after this long (per attempt): a credential process must not hang. */
const CALL_TIMEOUT_MS = 10_000;
/** Attempts per call (AWS_MAX_ATTEMPTS overrides). */
const MAX_ATTEMPTS = 3;

/** A secret name (the characters Secrets Manager allows) or a secret's ARN. */
const SECRET_ID_RE =
  /^(?:[A-Za-z0-9/_+=.@-]{1,512}|arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512})$/;

interface CredentialsOptions extends AwsOptions {
  secret: string;
  cache?: string;
  init: boolean;
  keyFile?: string;
  lifetime: number;
}

interface Key {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Where to call AWS, and how. */
interface Target {
  secretId: string;
  region: string;
  endpoint?: string;
  maxAttempts: number;
}

/** What reading the secret with a key gave. */
type ReadOutcome =
  | { kind: "read"; document: PublishedKeyDocument }
  /** Read, but not a key document: `why` names the fields, never the values. */
  | { kind: "unusable"; why: string }
  /** AWS does not take the key at all (deleted, Inactive, wrong secret). */
  | { kind: "rejected"; why: string }
  /** The key works but may not read the secret (no self-read grant, or no such secret). */
  | { kind: "denied"; why: string }
  /** Anything else: AWS unreachable, throttled, a 5xx, an error page. */
  | { kind: "failed"; why: string };

/** Reads the secret signed with `key`; never throws for an AWS failure. */
async function readSecretWith(key: Key, target: Target): Promise<ReadOutcome> {
  const client = secretsManagerWithKey(key, { ...target, timeoutMs: CALL_TIMEOUT_MS });
  try {
    const answer = await client.send(
      new (secretsManagerSdk().GetSecretValueCommand)({ SecretId: target.secretId }),
    );
    if (answer.SecretString === undefined) {
      return { kind: "unusable", why: "the secret holds binary data, not a key document" };
    }
    const parsed = parseKeyDocument(answer.SecretString);
    return parsed.ok
      ? { kind: "read", document: parsed.document }
      : { kind: "unusable", why: parsed.problem };
  } catch (err) {
    const why = awsErrorText(err);
    if ((err as Error).name === "ResourceNotFoundException") {
      return { kind: "denied", why: `${why} (the secret does not exist)` };
    }
    const kind = failureKind(err);
    if (kind === "rejected") return { kind, why };
    if (kind === "denied") {
      // A 403 may also be a key AWS does not take (some endpoints answer so): ask STS, which
      // accepts any working key without a permission.
      return (await keyIsRejected(key, target)) ? { kind: "rejected", why } : { kind, why };
    }
    return { kind: "failed", why };
  } finally {
    client.destroy();
  }
}

/** True when STS says it does not take `key` at all; false when it does or cannot say. */
async function keyIsRejected(key: Key, target: Target): Promise<boolean> {
  try {
    await waitUntilKeyWorks(key, {
      region: target.region,
      endpoint: target.endpoint,
      timeoutMs: 0,
    });
    return false;
  } catch (err) {
    return failureKind((err as Error).cause) === "rejected";
  }
}

/** The credential_process JSON (the only output that holds a secret). */
function credentialJson(key: Key, now: Date, minutes: number): string {
  return (
    JSON.stringify({
      Version: 1,
      AccessKeyId: key.accessKeyId,
      SecretAccessKey: key.secretAccessKey,
      Expiration: isoSecond(new Date(now.getTime() + minutes * 60_000)),
    }) + "\n"
  );
}

function cachedFrom(secretId: string, doc: PublishedKeyDocument, now: Date): CachedKey {
  return {
    version: 1,
    secretId,
    accessKeyId: doc.accessKeyId,
    secretAccessKey: doc.secretAccessKey,
    userName: doc.userName,
    slot: doc.slot,
    issuedOn: doc.issuedOn,
    savedAt: isoSecond(now),
  };
}

/** `key AKIA... (user ci, slot green, issued 2026-12-22)`: nothing secret. */
function describeKey(key: {
  accessKeyId: string;
  userName?: string | null;
  slot?: string | null;
  issuedOn?: string | null;
}): string {
  const facts = [
    key.userName ? `user ${key.userName}` : "",
    key.slot ? `slot ${key.slot}` : "",
    key.issuedOn ? `issued ${key.issuedOn}` : "",
  ].filter((f) => f !== "");
  return `key ${key.accessKeyId}${facts.length > 0 ? ` (${facts.join(", ")})` : ""}`;
}

/**
 * The command line of `--init` for these options, to paste into a shell or a profile's
 * credential_process (which the AWS CLI and boto3 split like a POSIX shell, and the JavaScript
 * SDK runs in one). The region is the one resolved (from --region, the secret's ARN, the
 * environment or a profile): the AWS CLI hands the process neither its profile nor its region.
 */
function initCommand(
  options: CredentialsOptions,
  target: Target,
  cacheFile: string,
  isDefaultCache: boolean,
) {
  return (
    `iam-key-rotation credentials --init --secret ${shellWord(options.secret)}` +
    ` --region ${shellWord(target.region)}` +
    (options.endpointUrl !== undefined ? ` --endpoint-url ${shellWord(options.endpointUrl)}` : "") +
    (isDefaultCache ? "" : ` --cache ${shellWord(cacheFile)}`)
  );
}

/** `word` as one word of a POSIX shell command line: quoted unless it only has safe characters. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function bootstrapHelp(
  options: CredentialsOptions,
  target: Target,
  cacheFile: string,
  isDefault: boolean,
) {
  return (
    "Bootstrap it once with a current key of the user, given by an operator, in the " +
    "environment:\n" +
    `  AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... ${initCommand(options, target, cacheFile, isDefault)}\n` +
    "or in a file (--key-file FILE: the published document, the output of `aws iam " +
    `create-access-key\`, or the console's CSV). See ${DOCS}.`
  );
}

/** The operator's key for --init: --key-file (or stdin with "-"), else the environment. */
async function bootstrapKey(options: CredentialsOptions, ctx: CommandContext): Promise<Key> {
  const { env } = ctx.io;
  let key: Partial<Key>;
  let source: string;
  if (options.keyFile !== undefined) {
    source = `--key-file ${options.keyFile}`;
    if (options.keyFile === "-" && ctx.io.stdinIsTTY === true) {
      throw new UsageError(
        "--key-file -: the standard input is a terminal; pipe the key in (... | " +
          "iam-key-rotation credentials --init ... --key-file -) or pass --key-file FILE.",
      );
    }
    let text: string;
    try {
      text =
        options.keyFile === "-"
          ? await (ctx.io.readStdin ?? (() => Promise.resolve("")))(LIMITS.keyFile)
          : readTextFile(options.keyFile, LIMITS.keyFile);
    } catch (err) {
      if (err instanceof TooLargeError) {
        throw new UsageError(`${source}: not a key file (${err.message}).`);
      }
      throw new UsageError(`${source}: cannot read it (${readErrorText(err)}).`);
    }
    key = keyInText(text);
  } else {
    source = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";
    if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) {
      throw new UsageError(
        "--init needs a key of the user: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or " +
          "pass --key-file FILE.",
      );
    }
    if (env.AWS_SESSION_TOKEN) {
      throw new UsageError(
        "--init needs an IAM user's access key, not temporary credentials (AWS_SESSION_TOKEN " +
          "is set): the cache must hold a key that keeps working.",
      );
    }
    key = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };
  }
  const problems: string[] = [];
  if (key.accessKeyId === undefined || !ACCESS_KEY_ID_RE.test(key.accessKeyId)) {
    problems.push("the access key id is missing or not one (16 to 128 A-Z and 0-9)");
  }
  if (key.secretAccessKey === undefined || !SECRET_ACCESS_KEY_RE.test(key.secretAccessKey)) {
    problems.push("the secret access key is missing or not one (1 to 128 printable characters)");
  }
  if (problems.length > 0) {
    throw new UsageError(`${source}: ${problems.join("; ")} (content not shown).`);
  }
  return key as Key;
}

/**
 * The key in a key file: JSON with accessKeyId/secretAccessKey (the published document) or
 * AccessKeyId/SecretAccessKey (a credential_process answer), possibly under AccessKey (the
 * output of `aws iam create-access-key`), or the console's CSV (`Access key ID,Secret access
 * key` then the values).
 */
function keyInText(text: string): Partial<Key> {
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  try {
    const doc = JSON.parse(text) as Record<string, unknown> | null;
    const inner = (doc?.AccessKey ?? doc) as Record<string, unknown> | null;
    return {
      accessKeyId: str(inner?.accessKeyId) ?? str(inner?.AccessKeyId),
      secretAccessKey: str(inner?.secretAccessKey) ?? str(inner?.SecretAccessKey),
    };
  } catch {
    const lines = text
      .replace(/^\uFEFF/, "")
      .trim()
      .split(/\r?\n/);
    const header = (lines[0] ?? "").split(",").map((h) => h.trim().toLowerCase());
    const values = (lines[1] ?? "").split(",").map((v) => v.trim());
    return {
      accessKeyId: values[header.indexOf("access key id")],
      secretAccessKey: values[header.indexOf("secret access key")],
    };
  }
}

async function resolveTarget(options: CredentialsOptions, env: NodeJS.ProcessEnv): Promise<Target> {
  const endpoint = resolveEndpoint(options, env);
  const maxAttempts = resolveMaxAttempts(env, MAX_ATTEMPTS);
  // Credentials never come from a profile here (the profile may be the one whose
  // credential_process is this command): --profile and AWS_PROFILE only give a region.
  const profile = options.profile ?? (env.AWS_PROFILE || undefined);
  const region =
    options.region ??
    (options.secret.startsWith("arn:") ? parseArn(options.secret)?.region : undefined) ??
    (env.AWS_REGION || undefined) ??
    (env.AWS_DEFAULT_REGION || undefined) ??
    (await profileRegion(profile));
  if (region === undefined) {
    const source = options.profile !== undefined ? "--profile" : "AWS_PROFILE";
    throw new UsageError(
      "no AWS region: " +
        (profile !== undefined
          ? `the profile ${JSON.stringify(profile)} (${source}) gives none (it is not in the ` +
            "AWS config files, or has no region there): "
          : "") +
        "pass --region, give --secret as an ARN, or set AWS_REGION.",
    );
  }
  return { secretId: options.secret, region, endpoint, maxAttempts };
}

/** `--init`: reads the secret with the operator's key and caches the current key. */
async function runInit(
  options: CredentialsOptions,
  ctx: CommandContext,
  target: Target,
  cacheFile: string,
  isDefaultCache: boolean,
): Promise<number> {
  const { io } = ctx;
  const given = await bootstrapKey(options, ctx);
  const outcome = await readSecretWith(given, target);
  if (outcome.kind === "rejected") {
    throw new InitError(
      `AWS does not take the key given (${given.accessKeyId}): ${outcome.why}. Give a current ` +
        "key of the user (the one the secret publishes, or the previous one during an overlap).",
    );
  }
  if (outcome.kind === "denied") {
    throw new InitError(
      `the key given (${given.accessKeyId}) may not read secret ${target.secretId}: ` +
        `${outcome.why}. The user needs its self-read grant (the stack's default; ` +
        "docs/configuration.md, selfRead), and --secret must be its own secret.",
    );
  }
  if (outcome.kind === "failed") {
    throw new InitError(`could not read secret ${target.secretId}: ${outcome.why}.`);
  }
  if (outcome.kind === "unusable") {
    throw new InitError(`secret ${target.secretId} cannot be used: ${outcome.why}.`);
  }
  let cached = cachedFrom(target.secretId, outcome.document, io.now());
  const notes: string[] = [];
  if (outcome.document.accessKeyId !== given.accessKeyId) {
    // Prove the published key reads the secret too before trusting it alone.
    const check = await readSecretWith(outcome.document, target);
    if (check.kind === "read") {
      notes.push(
        `The key given (${given.accessKeyId}) is not the one published as current: cached ` +
          "the current key instead.",
      );
    } else {
      cached = {
        ...cached,
        ...given,
        userName: outcome.document.userName,
        slot: null,
        issuedOn: null,
      };
      notes.push(
        `The current key published (${outcome.document.accessKeyId}) could not read the ` +
          `secret (${check.why}): cached the key given; the next run moves to the current key.`,
      );
    }
  }
  saveCache(cacheFile, cached);
  io.stdout(
    `Cached ${describeKey(cached)} of secret ${target.secretId} in ${cacheFile} (mode 0600).\n` +
      notes.map((n) => `${n}\n`).join("") +
      "Use it as the credential_process of an AWS profile (~/.aws/config):\n" +
      `  credential_process = ${initCommand(options, target, cacheFile, isDefaultCache).replace(" --init", "")}\n`,
  );
  return EXIT.ok;
}

/** An --init that cannot bootstrap: exit 3, nothing written. */
class InitError extends Error {}

function saveCache(file: string, cached: CachedKey): void {
  try {
    writeCache(file, cached);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot write the cache ${file} (${code ?? "error"}).`);
  }
}

/** The credential process itself. */
async function runProcess(
  options: CredentialsOptions,
  ctx: CommandContext,
  target: Target,
  cacheFile: string,
  isDefaultCache: boolean,
): Promise<number> {
  const { io } = ctx;
  const warn = (text: string) => io.stderr(`iam-key-rotation credentials: ${text}\n`);
  let cached: CachedKey;
  try {
    cached = readCache(cacheFile);
  } catch (err) {
    if (!(err instanceof CacheError)) throw err;
    const what = err.kind === "missing" ? "no key is cached yet" : "the cache cannot be used";
    throw new UsageError(
      `${what} for secret ${target.secretId}: ${err.message}.\n` +
        bootstrapHelp(options, target, cacheFile, isDefaultCache),
    );
  }
  if (cached.secretId !== target.secretId) {
    throw new UsageError(
      `the cache ${cacheFile} was written for another secret: pass the --cache of this ` +
        `secret, or bootstrap this one.\n${bootstrapHelp(options, target, cacheFile, isDefaultCache)}`,
    );
  }
  const serve = (key: Key, minutes: number) => {
    io.stdout(credentialJson(key, io.now(), minutes));
    return EXIT.ok;
  };
  const retry = Math.min(options.lifetime, RETRY_LIFETIME_MINUTES);
  const outcome = await readSecretWith(cached, target);
  switch (outcome.kind) {
    case "rejected":
      io.stderr(
        `error: the cached ${describeKey(cached)} no longer works: AWS rejected it reading ` +
          `secret ${target.secretId} (${outcome.why}). It was probably deactivated after its ` +
          "overlap while this consumer was not running, so it cannot read the new key.\n" +
          bootstrapHelp(options, target, cacheFile, isDefaultCache) +
          "\n",
      );
      return EXIT.aws;
    case "denied":
      warn(
        `warning: the cached ${describeKey(cached)} may not read secret ${target.secretId} ` +
          `(${outcome.why}), so it cannot follow a rotation; giving it while it still works. ` +
          "The user needs its self-read grant (docs/configuration.md, selfRead).",
      );
      return serve(cached, retry);
    case "failed":
      warn(
        `warning: could not read secret ${target.secretId} (${outcome.why}); giving the ` +
          `cached ${describeKey(cached)}, saved ${cached.savedAt}, and asking again in ${retry} min.`,
      );
      return serve(cached, retry);
    case "unusable":
      warn(
        `warning: secret ${target.secretId} ${outcome.why.replace(/^the secret /, "")}; ` +
          `giving the cached ${describeKey(cached)}.`,
      );
      return serve(cached, retry);
    case "read":
      break;
  }
  const published = outcome.document;
  if (published.accessKeyId === cached.accessKeyId) return serve(cached, options.lifetime);
  // A new key is published: move to it once it reads the secret itself.
  const check = await readSecretWith(published, target);
  if (check.kind !== "read") {
    warn(
      `warning: the new ${describeKey(published)} does not work yet (${check.why}); giving ` +
        `the cached ${describeKey(cached)} and asking again in ${retry} min.`,
    );
    return serve(cached, retry);
  }
  const next = cachedFrom(target.secretId, check.document, io.now());
  saveCache(cacheFile, next);
  warn(`moved from ${describeKey(cached)} to the new ${describeKey(next)}.`);
  return serve(next, options.lifetime);
}

async function runCredentials(options: CredentialsOptions, ctx: CommandContext): Promise<number> {
  if (!SECRET_ID_RE.test(options.secret)) {
    throw new UsageError(
      "--secret must be a secret name (letters, digits and /_+=.@-) or a secret's ARN.",
    );
  }
  if (options.keyFile !== undefined && !options.init) {
    throw new UsageError("--key-file is only read with --init.");
  }
  const target = await resolveTarget(options, ctx.io.env);
  const isDefaultCache = options.cache === undefined;
  const cacheFile = path.resolve(
    ctx.io.cwd,
    options.cache ?? defaultCacheFile(options.secret, ctx.io.env),
  );
  if (!options.init) return runProcess(options, ctx, target, cacheFile, isDefaultCache);
  try {
    return await runInit(options, ctx, target, cacheFile, isDefaultCache);
  } catch (err) {
    if (!(err instanceof InitError)) throw err;
    ctx.io.stderr(`error: --init: ${err.message} Nothing was cached.\n`);
    return EXIT.aws;
  }
}

const CREDENTIALS_HELP = `
Prints {"Version": 1, "AccessKeyId", "SecretAccessKey", "Expiration"} for the current key of
the secret, as an AWS credential_process. It reads the secret with the key it cached last time
(the user may read its own secret) and moves to the new key as soon as one is published. The
credentials expire after --lifetime minutes, so SDKs and the AWS CLI run it again well within
the shortest overlap (a day). If AWS cannot be reached, the cached key is given with a
5-minute Expiration and a warning on stderr.

Bootstrap once, with a key of the user given by an operator: from AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY, or --key-file FILE ("-": stdin) holding the published document, the
output of \`aws iam create-access-key\` or the console's CSV. Credentials never come from
--profile or AWS_PROFILE (which may name the profile that runs this command): they only give
the region, like --region, the secret's ARN, AWS_REGION and AWS_DEFAULT_REGION.

Exit codes:
  0  printed (--init: cached)
  2  bad arguments, or no usable cache (the message says how to bootstrap)
  3  the cached key no longer works (the message says how to re-bootstrap); --init: the key
     given cannot read the secret

Examples:
  AWS_ACCESS_KEY_ID=AKIA... AWS_SECRET_ACCESS_KEY=... \\
    iam-key-rotation credentials --init --secret key-rotation/onprem-jenkins-ecr --region us-east-1
  iam-key-rotation credentials --secret key-rotation/onprem-jenkins-ecr --region us-east-1

  # ~/.aws/config
  [profile jenkins-ecr]
  credential_process = iam-key-rotation credentials --secret key-rotation/onprem-jenkins-ecr --region us-east-1
`;

export function registerCredentials(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command("credentials")
    .description(
      "An AWS credential_process that follows rotations: print the current key of a " +
        "published secret, read with the key cached last time.",
    )
    .requiredOption(
      "--secret <id>",
      "the user's published secret (name or ARN), e.g. key-rotation/onprem-jenkins-ecr",
    )
    .option(
      "--cache <file>",
      "the cache of the last key seen (default: <cache dir>/iam-key-rotation/credentials/<secret>-<hash>.json, " +
        "the cache dir being $XDG_CACHE_HOME or ~/.cache)",
    )
    .option(
      "--init",
      "bootstrap the cache from an operator's key (environment or --key-file)",
      false,
    )
    .option("--key-file <file>", "with --init: a file holding the key (- for stdin)")
    .option(
      "--lifetime <minutes>",
      "minutes until the printed credentials expire (SDKs run the command again before)",
      wholeNumber("--lifetime", 1, 720),
      DEFAULT_LIFETIME_MINUTES,
    );
  addAwsOptions(
    cmd,
    "the secret's ARN, AWS_REGION, AWS_DEFAULT_REGION, then the profile's region",
    "named profile of ~/.aws/config whose region to use; never its credentials (default: AWS_PROFILE)",
  )
    .addHelpText("after", CREDENTIALS_HELP)
    .action(async (opts: CredentialsOptions) => {
      ctx.exit(await runCredentials(opts, ctx));
    });
}
