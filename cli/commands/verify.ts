/**
 * `iam-key-rotation verify`: reads each published secret (the document RotatedKeyUser writes,
 * components/rotatedKeyUser/publishedKey.ts) and proves its key works: STS GetCallerIdentity
 * signed with the key, retried for up to --wait seconds (new keys take seconds to be accepted
 * everywhere), must answer with the expected IAM user of the secret's account. During an
 * overlap the previous key is checked the same way. Secret material is never printed, by
 * construction: a document is split as soon as it is parsed into the facts printed (key ids,
 * slots, dates) and the credentials handed to STS only; results and messages are built from the
 * facts and AWS's answers, never from a secret or the secret's text.
 * Nothing read is printed unchecked: the document's fields are checked by its parser, and what
 * AWS answers (messages, ARNs) is printed on one printable line (cli/format.ts `oneLine`).
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Command, Option } from "commander";
import { waitUntilKeyWorks } from "../../components/rotatedKeyUser/keyPropagation";
import {
  parseKeyDocument,
  PublishedPreviousKey,
} from "../../components/rotatedKeyUser/publishedKey";
import { accountOf, parseArn } from "../../lib/arn";
import { mapConcurrent } from "../../lib/pool";
import { secretNameOf } from "../../program/stackConfig";
import {
  addAwsOptions,
  awsErrorText,
  AwsOptions,
  describeAwsFailure,
  isAwsFailure,
  openAwsSession,
  REJECTED_CREDENTIALS,
} from "../aws";
import type { CommandContext } from "../context";
import { EXIT, UsageError } from "../errors";
import { formatTable, isoSecond, oneLine, plural } from "../format";
import { collect, wholeNumber } from "../options";
import { loadStack } from "../stackFile";

/** ok: proven; failed: the published key is broken (exit 1); error: could not check (exit 3). */
type CheckStatus = "ok" | "failed" | "error";

interface VerifyKeyResult {
  role: "current" | "previous";
  accessKeyId: string;
  slot: string;
  issuedOn: string;
  /** Previous key only: the day it is deactivated, when the document says. */
  deactivatesOn: string | null;
  status: CheckStatus;
  /** The identity STS answered with, when it accepted the key. */
  arn: string | null;
  /** GetCallerIdentity calls until STS accepted the key; null when it never did. */
  attempts: number | null;
  problem: string | null;
}

interface VerifySecretResult {
  secretId: string;
  secretArn: string | null;
  /** The IAM user the key must belong to: from the stack, else from the document. */
  user: string | null;
  /** The worst of the secret's own problem and its keys' results. */
  status: CheckStatus;
  /** A problem with the secret itself (missing, unreadable, not a key document, wrong user). */
  problem: string | null;
  keys: VerifyKeyResult[];
}

/** The `--format json` document. Stable: fields are only ever added. */
export interface VerifyDocument {
  version: 1;
  checkedAt: string;
  results: VerifySecretResult[];
  summary: { secrets: number; ok: number; failed: number; error: number };
}

interface VerifyTarget {
  secretId: string;
  /** Set when the stack says whose key the secret must hold. */
  expectedUser?: string;
}

const RANK: Record<CheckStatus, number> = { ok: 0, failed: 1, error: 2 };
const worst = (statuses: CheckStatus[]): CheckStatus =>
  statuses.reduce<CheckStatus>((a, b) => (RANK[b] > RANK[a] ? b : a), "ok");

/** An ARN as AWS sent it, when it is one: printable, no spaces, at most 2,048 characters. */
function safeArn(arn: string | undefined): string | null {
  return arn !== undefined && /^arn:[\x21-\x7e]{1,2044}$/.test(arn) ? arn : null;
}

/**
 * Null when `arn` is IAM user `userName` (of `account`, when known); else what is wrong.
 * `arn:aws:iam::123456789012:user/key-rotation/alice` is user alice at path /key-rotation/.
 */
function arnMismatch(arn: string, userName: string, account?: string): string | null {
  const parsed = parseArn(arn);
  const isUser =
    parsed !== undefined &&
    parsed.service === "iam" &&
    parsed.resource.startsWith("user/") &&
    parsed.resource.slice(parsed.resource.lastIndexOf("/") + 1) === userName;
  if (isUser && (account === undefined || parsed.accountId === account)) return null;
  return (
    `the key signs in as ${arn}, not as IAM user ${userName}` +
    (account !== undefined ? ` of account ${account}` : "")
  );
}

interface CheckSettings {
  region: string;
  endpoint?: string;
  waitSeconds: number;
}

/** What is printed about a published key: nothing secret. */
interface KeyFacts {
  accessKeyId: string;
  slot: string;
  issuedOn: string;
  deactivatesOn: string | null;
}

/** The key to sign with: handed to STS, never to a result or a message. */
interface SigningKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** A published key split into what may be printed and what may only sign. */
function splitKey(key: PublishedPreviousKey): { facts: KeyFacts; signing: SigningKey } {
  return {
    facts: {
      accessKeyId: key.accessKeyId,
      slot: key.slot,
      issuedOn: key.issuedOn,
      deactivatesOn: key.deactivatesOn ?? null,
    },
    signing: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
  };
}

/**
 * Why STS did not accept a key: waitUntilKeyWorks's sentence (it counts the attempts) ending
 * with STS's answer as awsErrorText writes it (printable, one line; `HTTP 502` for an error
 * page).
 */
function notAcceptedProblem(err: Error, accessKeyId: string): string {
  const lead = /^Access key \S+ was not accepted by STS after \d+ attempts? in \d+ s: /.exec(
    err.message,
  );
  const answer = err.cause !== undefined ? awsErrorText(err.cause) : oneLine(err.message);
  return `${lead?.[0] ?? `Access key ${accessKeyId} was not accepted by STS: `}${answer}`;
}

async function checkKey(
  role: VerifyKeyResult["role"],
  { facts, signing }: { facts: KeyFacts; signing: SigningKey },
  userName: string,
  account: string | undefined,
  settings: CheckSettings,
): Promise<VerifyKeyResult> {
  const base = { role, ...facts, deactivatesOn: role === "previous" ? facts.deactivatesOn : null };
  try {
    const identity = await waitUntilKeyWorks(
      { accessKeyId: signing.accessKeyId, secretAccessKey: signing.secretAccessKey },
      {
        region: settings.region,
        endpoint: settings.endpoint,
        timeoutMs: settings.waitSeconds * 1000,
        intervalMs: 2000,
      },
    );
    const arn = safeArn(identity.arn);
    const mismatch =
      arn === null
        ? "STS answered with an identity that is not an ARN"
        : arnMismatch(arn, userName, account);
    return {
      ...base,
      status: mismatch === null ? "ok" : "failed",
      arn,
      attempts: identity.attempts,
      problem: mismatch,
    };
  } catch (err) {
    const cause = (err as Error).cause;
    // AWS answered that it does not take this key: the published key is broken. Anything
    // else (unreachable, throttled, a disabled region, 5xx) means it could not be checked:
    // STS's query protocol answers throttling with a 400 too, so the status code alone says
    // nothing.
    const rejected = REJECTED_CREDENTIALS.has((cause as Error | undefined)?.name ?? "");
    return {
      ...base,
      status: rejected ? "failed" : "error",
      arn: null,
      attempts: null,
      problem: notAcceptedProblem(err as Error, facts.accessKeyId),
    };
  }
}

async function verifyTarget(
  target: VerifyTarget,
  client: SecretsManagerClient,
  settings: CheckSettings,
): Promise<VerifySecretResult> {
  const result = (
    status: CheckStatus,
    problem: string | null,
    extra: Partial<VerifySecretResult> = {},
  ): VerifySecretResult => ({
    secretId: target.secretId,
    secretArn: null,
    user: target.expectedUser ?? null,
    status,
    problem,
    keys: [],
    ...extra,
  });
  let secret;
  try {
    secret = await client.send(new GetSecretValueCommand({ SecretId: target.secretId }));
  } catch (err) {
    if ((err as Error).name === "ResourceNotFoundException") {
      return result("failed", "the secret does not exist (or has no current value)");
    }
    if (isAwsFailure(err)) return result("error", describeAwsFailure(err));
    throw err;
  }
  const secretArn = safeArn(secret.ARN);
  if (secret.SecretString === undefined) {
    return result("failed", "the secret holds binary data, not a key document", { secretArn });
  }
  // The text and the parsed document hold the secrets: only their split survives this point.
  const parsed = parseKeyDocument(secret.SecretString);
  if (!parsed.ok) return result("failed", parsed.problem, { secretArn });
  const doc = parsed.document;
  const current = splitKey(doc);
  const previous = doc.previous !== undefined ? splitKey(doc.previous) : undefined;

  const user = target.expectedUser ?? doc.userName;
  const problem =
    doc.userName !== user
      ? `the secret holds a key of user ${doc.userName}, but the stack publishes user ${user}'s here`
      : null;
  const account = accountOf(secret.ARN);
  const keys = await Promise.all([
    checkKey("current", current, user, account, settings),
    ...(previous ? [checkKey("previous", previous, user, account, settings)] : []),
  ]);
  return {
    secretId: target.secretId,
    secretArn,
    user,
    status: worst([problem === null ? "ok" : "failed", ...keys.map((k) => k.status)]),
    problem,
    keys,
  };
}

function renderVerifyTable(doc: VerifyDocument, waitSeconds: number): string {
  const out: string[] = [];
  out.push(
    `Published keys checked on ${doc.checkedAt} with STS GetCallerIdentity ` +
      `(each retried for up to ${waitSeconds} s).`,
  );
  out.push("");
  const rows: string[][] = [];
  for (const r of doc.results) {
    if (r.problem !== null || r.keys.length === 0) {
      rows.push([r.secretId, r.user ?? "-", "-", "-", "-", "-", r.status, r.problem ?? ""]);
    }
    for (const k of r.keys) {
      rows.push([
        r.secretId,
        r.user ?? "-",
        k.role,
        k.accessKeyId,
        k.slot,
        k.issuedOn,
        k.status,
        k.problem ?? k.arn ?? "",
      ]);
    }
  }
  if (rows.length === 0) out.push("No secrets to check.");
  else {
    out.push(
      formatTable(
        ["SECRET", "USER", "KEY", "ACCESS KEY ID", "SLOT", "ISSUED", "RESULT", "DETAIL"],
        rows,
      ),
    );
  }
  out.push("");
  const s = doc.summary;
  const parts = (["ok", "failed", "error"] as const)
    .filter((k) => s[k] > 0)
    .map((k) => `${s[k]} ${k}`);
  out.push(plural(s.secrets, "secret") + (parts.length > 0 ? `: ${parts.join(", ")}` : "") + ".");
  return out.join("\n") + "\n";
}

interface VerifyOptions extends AwsOptions {
  stack?: string;
  secretId?: string[];
  dir: string;
  wait: number;
  format: "table" | "json";
}

async function runVerify(options: VerifyOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const targets: VerifyTarget[] = [];
  let stackRegion: string | undefined;
  if (options.stack !== undefined) {
    const stack = loadStack(options.dir, options.stack);
    stackRegion = stack.region;
    for (const user of stack.config.users) {
      targets.push({ secretId: secretNameOf(stack.config, user.name), expectedUser: user.name });
    }
  }
  for (const id of options.secretId ?? []) {
    if (id === "") throw new UsageError("--secret-id must not be empty.");
    if (!targets.some((t) => t.secretId === id)) targets.push({ secretId: id });
  }
  if (targets.length === 0) {
    throw new UsageError("pass --stack <name> or --secret-id <id> (repeatable).");
  }
  const session = await openAwsSession(options, io.env, { region: stackRegion });
  try {
    const client = session.secretsManager();
    const settings: CheckSettings = {
      region: session.region!,
      endpoint: session.endpoint,
      waitSeconds: options.wait,
    };
    const results = await mapConcurrent(targets, 8, (t) => verifyTarget(t, client, settings));
    const summary = { secrets: results.length, ok: 0, failed: 0, error: 0 };
    for (const r of results) summary[r.status]++;
    const doc: VerifyDocument = {
      version: 1,
      checkedAt: isoSecond(io.now()),
      results,
      summary,
    };
    io.stdout(
      options.format === "json"
        ? JSON.stringify(doc, null, 2) + "\n"
        : renderVerifyTable(doc, options.wait),
    );
    return summary.error > 0 ? EXIT.aws : summary.failed > 0 ? EXIT.findings : EXIT.ok;
  } finally {
    session.destroy();
  }
}

const VERIFY_HELP = `
Each secret must hold the JSON document RotatedKeyUser publishes (accessKeyId,
secretAccessKey, slot, issuedOn, userName, and previous during an overlap). Both keys are
checked with STS GetCallerIdentity, signed with the key itself, retried for up to --wait
seconds, and must sign in as the expected IAM user (the stack's user, else the document's
userName) of the secret's account. Secret access keys are never printed.

Exit codes:
  0  every published key works
  1  a key was rejected or signs in as another user, or a secret is missing or malformed
  2  bad arguments or a bad stack file
  3  AWS error: a secret could not be read (access denied names the missing permission,
     e.g. secretsmanager:GetSecretValue) or STS could not be reached

Examples:
  iam-key-rotation verify --stack prod
  iam-key-rotation verify --secret-id key-rotation/onprem-jenkins-ecr --format json
  iam-key-rotation verify --stack prod --wait 60 --profile prod-readonly
`;

export function registerVerify(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command("verify")
    .description(
      "Prove the published keys work: read each secret, sign STS GetCallerIdentity with its " +
        "key (and with the previous key during an overlap), check it is the expected user.",
    )
    .option("-s, --stack <name>", "check every user of Pulumi.<stack>.yaml, e.g. prod")
    .option("--secret-id <id>", "check this secret (name or ARN); repeatable", collect)
    .option("--dir <path>", "project directory holding Pulumi.yaml", ctx.io.cwd)
    .option(
      "--wait <seconds>",
      "retry a rejected key for up to this long (new keys take seconds to work)",
      wholeNumber("--wait", 0, 600),
      30,
    )
    .addOption(
      new Option("--format <format>", "output format (JSON schema in docs/cli.md)")
        .choices(["table", "json"])
        .default("table"),
    );
  addAwsOptions(
    cmd,
    "with --stack the stack's aws:region, then AWS_REGION, AWS_DEFAULT_REGION, the profile's region",
  )
    .addHelpText("after", VERIFY_HELP)
    .action(async (opts: VerifyOptions) => {
      ctx.exit(await runVerify(opts, ctx));
    });
}
