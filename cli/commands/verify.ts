/**
 * `iam-key-rotation verify`: reads each published secret (the document RotatedKeyUser writes,
 * components/rotatedKeyUser/publishedKey.ts) and proves its key works: STS GetCallerIdentity
 * signed with the key, retried for up to --wait seconds (new keys take seconds to be accepted
 * everywhere), must answer with the expected IAM user of the secret's account. During an
 * overlap the previous key's last use is read (before anything signs with it) and compared
 * with the day the current key was published; with --prove-previous it is checked with STS
 * too.
 *
 * Secret material is never printed, by construction: a document is split as soon as it is
 * parsed into the facts printed (key ids, slots, dates) and the credentials handed to STS only;
 * results and messages are built from the facts and AWS's answers, never from a secret or the
 * secret's text. Nothing read is printed unchecked: the document's fields are checked by its
 * parser, and what AWS answers (messages, ARNs) is printed on one printable line
 * (cli/format.ts `oneLine`).
 */
import type { IAMClient } from "@aws-sdk/client-iam";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { iamSdk, secretsManagerSdk } from "../sdk";
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
import { collect, dirOption, wholeNumber } from "../options";
import { AWS_NAME_RE, IAM_USER_NAME_RE } from "../shape";
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

/** "yes": used on or after the day the current key was published; "unknown": cannot tell. */
type InUse = "yes" | "no" | "unknown";

/** Whether the previous key (published during an overlap) is still used, and by what. */
interface PreviousKeyUse {
  accessKeyId: string;
  slot: string;
  issuedOn: string;
  deactivatesOn: string | null;
  /** GetAccessKeyLastUsed, read before anything signs with the key; null when unreadable. */
  lastUsed: { date: string | null; service: string | null; region: string | null } | null;
  inUse: InUse;
  /** Why inUse is "unknown", or what else is wrong (the key belongs to another user). */
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
  /** The keys proven with STS: the current one (and the previous one with --prove-previous). */
  keys: VerifyKeyResult[];
  /** Day the current key was published (the document's record.publishedOn), when it says. */
  publishedOn: string | null;
  /** The previous key's use; null outside an overlap (no previous key published). */
  previousKey: PreviousKeyUse | null;
}

/** The `--format json` document. Stable: fields are only ever added. */
export interface VerifyDocument {
  version: 1;
  checkedAt: string;
  results: VerifySecretResult[];
  summary: {
    secrets: number;
    ok: number;
    failed: number;
    error: number;
    /** Previous keys used on or after the day their replacement was published. */
    previousKeysInUse: number;
  };
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
  /** Also sign with the previous key (which AWS then records as a use of it). */
  provePrevious: boolean;
  /** Reads a key's last use (iam:GetAccessKeyLastUsed). */
  iam: IAMClient;
}

/**
 * The previous key's last use, read before anything signs with it (a signed call is a use),
 * compared with the day the current key was published.
 */
async function previousKeyUse(
  facts: KeyFacts,
  userName: string,
  publishedOn: string | null,
  iam: IAMClient,
): Promise<PreviousKeyUse> {
  const base = { ...facts, lastUsed: null };
  let answer;
  try {
    answer = await iam.send(
      new (iamSdk().GetAccessKeyLastUsedCommand)({ AccessKeyId: facts.accessKeyId }),
    );
  } catch (err) {
    if (!isAwsFailure(err)) throw err;
    return { ...base, inUse: "unknown", problem: describeAwsFailure(err) };
  }
  const used = answer.AccessKeyLastUsed;
  const name = (value: string | undefined) =>
    value !== undefined && AWS_NAME_RE.test(value) ? value : null;
  const date = used?.LastUsedDate;
  const lastUsed = {
    date: date instanceof Date && !Number.isNaN(date.getTime()) ? isoSecond(date) : null,
    service: name(used?.ServiceName),
    region: name(used?.Region),
  };
  const owner = answer.UserName;
  const problems: string[] = [];
  if (owner !== undefined && owner !== userName) {
    problems.push(
      IAM_USER_NAME_RE.test(owner)
        ? `the key belongs to IAM user ${owner}, not ${userName}`
        : `the key does not belong to IAM user ${userName}`,
    );
  }
  let inUse: InUse;
  if (lastUsed.date === null) inUse = "no";
  else if (publishedOn === null) {
    inUse = "unknown";
    problems.unshift(
      "the document does not say when the current key was published (no record.publishedOn)",
    );
  } else inUse = lastUsed.date.slice(0, 10) >= publishedOn ? "yes" : "no";
  return { ...base, lastUsed, inUse, problem: problems.length > 0 ? problems.join("; ") : null };
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
    publishedOn: null,
    previousKey: null,
    ...extra,
  });
  let secret;
  try {
    secret = await client.send(
      new (secretsManagerSdk().GetSecretValueCommand)({ SecretId: target.secretId }),
    );
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
  const publishedOn = doc.record?.publishedOn ?? null;

  const user = target.expectedUser ?? doc.userName;
  const problem =
    doc.userName !== user
      ? `the secret holds a key of user ${doc.userName}, but the stack publishes user ${user}'s here`
      : null;
  const account = accountOf(secret.ARN);
  const checks = [checkKey("current", current, user, account, settings)];
  let previousKey: PreviousKeyUse | null = null;
  if (previous !== undefined) {
    // Its last use first: proving it below is a use of it.
    previousKey = await previousKeyUse(previous.facts, user, publishedOn, settings.iam);
    if (settings.provePrevious)
      checks.push(checkKey("previous", previous, user, account, settings));
  }
  const keys = await Promise.all(checks);
  return {
    secretId: target.secretId,
    secretArn,
    user,
    status: worst([problem === null ? "ok" : "failed", ...keys.map((k) => k.status)]),
    problem,
    keys,
    publishedOn,
    previousKey,
  };
}

/** The IN USE cell and the detail of the previous key's row. */
function usageText(r: VerifySecretResult, use: PreviousKeyUse): string {
  const last = use.lastUsed;
  const used =
    last === null
      ? null
      : last.date === null
        ? "never used"
        : `last used ${last.date}` +
          (last.service !== null ? ` by ${last.service}` : "") +
          (last.region !== null ? ` in ${last.region}` : "");
  const compared =
    use.inUse === "unknown" || last?.date === null || r.publishedOn === null
      ? ""
      : use.inUse === "yes"
        ? `, on or after the day the current key was published (${r.publishedOn})`
        : `, before the current key was published (${r.publishedOn})`;
  return [used === null ? null : used + compared, use.problem].filter((t) => t !== null).join("; ");
}

function renderVerifyTable(doc: VerifyDocument, options: VerifyOptions): string {
  const out: string[] = [];
  out.push(
    `Published keys checked on ${doc.checkedAt} with STS GetCallerIdentity ` +
      `(each retried for up to ${options.wait} s)` +
      (options.provePrevious
        ? "."
        : "; during an overlap the previous key is not signed with (that would count as a " +
          "use of it): its last use is shown instead."),
  );
  out.push("");
  const rows: string[][] = [];
  for (const r of doc.results) {
    if (r.problem !== null || r.keys.length === 0) {
      rows.push([r.secretId, r.user ?? "-", "-", "-", "-", "-", r.status, "-", r.problem ?? ""]);
    }
    for (const k of r.keys) {
      const use = k.role === "previous" ? r.previousKey : null;
      rows.push([
        r.secretId,
        r.user ?? "-",
        k.role,
        k.accessKeyId,
        k.slot,
        k.issuedOn,
        k.status,
        use?.inUse ?? "-",
        k.problem ?? (use !== null ? usageText(r, use) : (k.arn ?? "")),
      ]);
    }
    const use = r.previousKey;
    if (use !== null && !r.keys.some((k) => k.role === "previous")) {
      rows.push([
        r.secretId,
        r.user ?? "-",
        "previous",
        use.accessKeyId,
        use.slot,
        use.issuedOn,
        "-",
        use.inUse,
        usageText(r, use),
      ]);
    }
  }
  if (rows.length === 0) out.push("No secrets to check.");
  else {
    out.push(
      formatTable(
        ["SECRET", "USER", "KEY", "ACCESS KEY ID", "SLOT", "ISSUED", "RESULT", "IN USE", "DETAIL"],
        rows,
      ),
    );
  }
  out.push("");
  const s = doc.summary;
  const parts = (["ok", "failed", "error"] as const)
    .filter((k) => s[k] > 0)
    .map((k) => `${s[k]} ${k}`);
  out.push(
    plural(s.secrets, "secret") +
      (parts.length > 0 ? `: ${parts.join(", ")}` : "") +
      "." +
      (s.previousKeysInUse > 0
        ? ` ${plural(s.previousKeysInUse, "previous key")} still in use.`
        : ""),
  );
  return out.join("\n") + "\n";
}

interface VerifyOptions extends AwsOptions {
  stack?: string;
  secretId?: string[];
  dir: string;
  wait: number;
  format: "table" | "json";
  provePrevious: boolean;
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
      provePrevious: options.provePrevious,
      iam: session.iam(),
    };
    const results = await mapConcurrent(targets, 8, (t) => verifyTarget(t, client, settings));
    const summary = { secrets: results.length, ok: 0, failed: 0, error: 0, previousKeysInUse: 0 };
    for (const r of results) {
      summary[r.status]++;
      if (r.previousKey?.inUse === "yes") summary.previousKeysInUse++;
    }
    const doc: VerifyDocument = {
      version: 1,
      checkedAt: isoSecond(io.now()),
      results,
      summary,
    };
    io.stdout(
      options.format === "json"
        ? JSON.stringify(doc, null, 2) + "\n"
        : renderVerifyTable(doc, options),
    );
    return summary.error > 0 ? EXIT.aws : summary.failed > 0 ? EXIT.findings : EXIT.ok;
  } finally {
    session.destroy();
  }
}

const VERIFY_HELP = `
Each secret must hold the JSON document RotatedKeyUser publishes (accessKeyId,
secretAccessKey, slot, issuedOn, userName, and previous during an overlap). The current key is
checked with STS GetCallerIdentity, signed with the key itself, retried for up to --wait
seconds, and must sign in as the expected IAM user (the stack's user, else the document's
userName) of the secret's account. Secret access keys are never printed.

During an overlap, the previous key's last use (iam:GetAccessKeyLastUsed: date, service,
region) is shown, and IN USE says whether it was used on or after the day the current key was
published (the document's record.publishedOn; "unknown" without it): a consumer that still
uses it has not moved to the new key. The previous key is not signed with, since AWS would
record that as a use (and the daily run keeps a used key Active); --prove-previous signs with
it too.

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
  iam-key-rotation verify --stack prod --prove-previous
`;

export function registerVerify(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command("verify")
    .description(
      "Prove the published keys work: read each secret, sign STS GetCallerIdentity with its " +
        "key, check it is the expected user; during an overlap, show whether the previous key " +
        "is still used, and by what.",
    )
    .option("-s, --stack <name>", "check every user of Pulumi.<stack>.yaml, e.g. prod")
    .option("--secret-id <id>", "check this secret (name or ARN); repeatable", collect)
    .addOption(dirOption(ctx.io.cwd, "project directory holding Pulumi.yaml"))
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
    )
    .option(
      "--prove-previous",
      "during an overlap, sign with the previous key too (AWS records that as a use of it)",
      false,
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
