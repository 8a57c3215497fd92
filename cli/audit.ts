/**
 * `iam-key-rotation audit`: every IAM user's access keys with age, status, last use and a
 * verdict (cli/verdict.ts), from the credential report when it is fresh enough, else read user
 * by user (cli/inventory.ts). Table, JSON or CSV; exit 1 when a key is at or above --fail-on.
 */
import { Command, Option } from "commander";
import { stringify } from "csv-stringify/sync";
import { addAwsOptions, AwsOptions, openAwsSession, rethrowAsAwsError } from "./aws";
import { EXIT, UsageError } from "./errors";
import { Inventory, readInventory } from "./inventory";
import type { CommandContext } from "./main";
import { wholeNumber } from "./options";
import { progressBar } from "./progress";
import { formatTable } from "./table";
import {
  assessKey,
  DEFAULT_THRESHOLDS,
  FAIL_ON,
  FailOn,
  failsOn,
  Thresholds,
  validateThresholds,
  Verdict,
  VERDICTS,
} from "./verdict";

/** The `--format json` document. Stable: fields are only ever added (bump `version` otherwise). */
export interface AuditDocument {
  version: 1;
  /** The clock the ages were computed with (ISO 8601, UTC, seconds). */
  generatedAt: string;
  /** Where the keys were read: the credential report, or user by user ("api"). */
  source: Inventory["source"];
  /** When the credential report was generated; null when read user by user. */
  reportGeneratedAt: string | null;
  pathPrefix: string;
  thresholds: Thresholds;
  failOn: FailOn;
  summary: {
    users: number;
    usersWithoutKeys: number;
    keys: number;
    /** Keys per verdict (every verdict present, 0 included). */
    verdicts: Record<Verdict, number>;
    /** Keys at or above failOn: the exit code is 1 when this is not 0. */
    failing: number;
  };
  users: AuditUser[];
}

export interface AuditUser {
  name: string;
  arn: string;
  path: string;
  createdAt: string;
  keys: AuditKey[];
}

export interface AuditKey {
  /** null when read from the credential report, which does not name keys (use --fresh). */
  accessKeyId: string | null;
  status: "Active" | "Inactive";
  createdAt: string;
  ageDays: number;
  lastUsed: { date: string | null; service: string | null; region: string | null };
  verdict: Verdict;
  /** Every finding, most severe first (empty for ok). */
  findings: Verdict[];
  detail: string;
}

/** `--format csv` columns, one row per key (users without keys have no row). */
export const CSV_COLUMNS = [
  "user",
  "user_arn",
  "user_path",
  "access_key_id",
  "status",
  "created",
  "age_days",
  "last_used_date",
  "last_used_service",
  "last_used_region",
  "verdict",
  "findings",
  "detail",
] as const;

/** ISO 8601 UTC to the second: `2026-11-22T04:05:02Z`. */
export function isoSecond(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Applies the verdict rules to an inventory. Pure. */
export function buildAuditDocument(
  inventory: Inventory,
  now: Date,
  thresholds: Thresholds,
  failOn: FailOn,
  pathPrefix: string,
): AuditDocument {
  const verdicts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  let failing = 0;
  let keys = 0;
  const users = inventory.users.map((user): AuditUser => {
    const active = user.keys.filter((k) => k.status === "Active").length;
    return {
      name: user.name,
      arn: user.arn,
      path: user.path,
      createdAt: isoSecond(user.createdAt),
      keys: user.keys.map((key): AuditKey => {
        const a = assessKey(
          {
            status: key.status,
            createdAt: key.createdAt,
            lastUsedAt: key.lastUsedAt,
            activeKeysOfUser: active,
          },
          now,
          thresholds,
        );
        keys++;
        verdicts[a.verdict]++;
        if (failsOn(a.verdict, failOn)) failing++;
        return {
          accessKeyId: key.accessKeyId,
          status: key.status,
          createdAt: isoSecond(key.createdAt),
          ageDays: a.ageDays,
          lastUsed: {
            date: key.lastUsedAt === null ? null : isoSecond(key.lastUsedAt),
            service: key.lastUsedService,
            region: key.lastUsedRegion,
          },
          verdict: a.verdict,
          findings: a.findings,
          detail: a.detail,
        };
      }),
    };
  });
  return {
    version: 1,
    generatedAt: isoSecond(now),
    source: inventory.source,
    reportGeneratedAt:
      inventory.reportGeneratedAt === null ? null : isoSecond(inventory.reportGeneratedAt),
    pathPrefix,
    thresholds: { ...thresholds },
    failOn,
    summary: {
      users: users.length,
      usersWithoutKeys: users.filter((u) => u.keys.length === 0).length,
      keys,
      verdicts,
      failing,
    },
    users,
  };
}

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function lastUsedText(key: AuditKey): string {
  if (key.lastUsed.date === null) return "never";
  return [key.lastUsed.date.slice(0, 10), key.lastUsed.service, key.lastUsed.region]
    .filter((part) => part !== null)
    .join(" ");
}

export function renderAuditTable(doc: AuditDocument): string {
  const out: string[] = [];
  const source =
    doc.source === "credential-report"
      ? `from the credential report generated ${doc.reportGeneratedAt}`
      : "read user by user";
  out.push(
    `Access keys of IAM users under ${doc.pathPrefix} on ${doc.generatedAt}, ${source}. ` +
      `Stale after ${doc.thresholds.maxAgeDays} days.`,
  );
  out.push("");
  const rows = doc.users.flatMap((u) =>
    u.keys.map((k) => [
      u.name,
      k.accessKeyId ?? "-",
      k.status,
      `${k.ageDays}d`,
      lastUsedText(k),
      k.verdict,
      k.detail,
    ]),
  );
  if (rows.length === 0) {
    out.push("No access keys.");
  } else {
    out.push(
      formatTable(["USER", "ACCESS KEY", "STATUS", "AGE", "LAST USED", "VERDICT", "DETAIL"], rows),
    );
  }
  out.push("");
  const s = doc.summary;
  const byVerdict = [...VERDICTS]
    .reverse()
    .filter((v) => s.verdicts[v] > 0)
    .map((v) => `${s.verdicts[v]} ${v}`);
  out.push(
    `${count(s.keys, "key")} of ${count(s.users, "user")}` +
      (byVerdict.length > 0 ? `: ${byVerdict.join(", ")}` : "") +
      "." +
      (s.usersWithoutKeys > 0 ? ` ${count(s.usersWithoutKeys, "user")} without keys.` : ""),
  );
  if (s.failing > 0) out.push(`${count(s.failing, "key")} at or above --fail-on ${doc.failOn}.`);
  return out.join("\n") + "\n";
}

export function renderAuditCsv(doc: AuditDocument): string {
  const records = doc.users.flatMap((u) =>
    u.keys.map((k) => ({
      user: u.name,
      user_arn: u.arn,
      user_path: u.path,
      access_key_id: k.accessKeyId ?? "",
      status: k.status,
      created: k.createdAt,
      age_days: k.ageDays,
      last_used_date: k.lastUsed.date ?? "",
      last_used_service: k.lastUsed.service ?? "",
      last_used_region: k.lastUsed.region ?? "",
      verdict: k.verdict,
      findings: k.findings.join(" "),
      detail: k.detail,
    })),
  );
  return stringify(records, { header: true, columns: [...CSV_COLUMNS] });
}

const PATH_PREFIX_RE = /^\/[\x21-\x7e]{0,511}$/;

export interface AuditOptions extends AwsOptions {
  pathPrefix: string;
  format: "table" | "json" | "csv";
  failOn: FailOn;
  maxAgeDays: number;
  warnDays: number;
  unusedDays: number;
  fresh: boolean;
  maxReportAge: number;
  reportWait: number;
  concurrency: number;
  apiStats: boolean;
}

export async function runAudit(options: AuditOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  if (!PATH_PREFIX_RE.test(options.pathPrefix)) {
    throw new UsageError(
      `--path-prefix must be an IAM path prefix: "/" followed by up to 511 printable ASCII ` +
        `characters, e.g. /key-rotation/ (got ${JSON.stringify(options.pathPrefix)}).`,
    );
  }
  const thresholds: Thresholds = {
    maxAgeDays: options.maxAgeDays,
    warnDays: options.warnDays,
    unusedDays: options.unusedDays,
  };
  const problems = validateThresholds(thresholds);
  if (problems.length > 0) throw new UsageError(problems.join(" "));

  const now = io.now();
  const session = await openAwsSession(options, io.env);
  try {
    const inventory = await readInventory(session.iam(), {
      pathPrefix: options.pathPrefix,
      fresh: options.fresh,
      maxReportAgeHours: options.maxReportAge,
      reportWaitSeconds: options.reportWait,
      concurrency: options.concurrency,
      now,
      notice: (text) => io.stderr(`note: ${text}\n`),
      progress: (total) => progressBar(io, "reading access keys", total),
    });
    const doc = buildAuditDocument(inventory, now, thresholds, options.failOn, options.pathPrefix);
    if (options.format === "json") io.stdout(JSON.stringify(doc, null, 2) + "\n");
    else if (options.format === "csv") io.stdout(renderAuditCsv(doc));
    else io.stdout(renderAuditTable(doc));
    return doc.summary.failing > 0 ? EXIT.findings : EXIT.ok;
  } catch (err) {
    return rethrowAsAwsError(err);
  } finally {
    if (options.apiStats) io.stderr(`${session.stats.format()}\n`);
    session.destroy();
  }
}

const AUDIT_HELP = `
Verdicts, most severe first (an Active key gets the most severe that applies; an Inactive
key cannot sign requests and is always ok; ages are whole days, like the AWS Config rule
ACCESS_KEYS_ROTATED):
  stale        Active and more than --max-age-days old
  unused       Active and not used for --unused-days days (or never used and that old)
  two-active   its user has two Active keys (normal during a blue/green overlap)
  rotate-soon  Active and stale within --warn-days days
  ok           none of these

Where the keys come from: the IAM credential report (a handful of API calls for any number
of users) unless --fresh, the report is older than --max-report-age, or it is not ready
within --report-wait; then ListUsers, ListAccessKeys and GetAccessKeyLastUsed for each
user, --concurrency at a time, with adaptive retries on throttling (AWS_MAX_ATTEMPTS,
default 10). The report does not name keys: the ACCESS KEY column shows "-" (use --fresh).

Exit codes:
  0  no key at or above --fail-on
  1  at least one key at or above --fail-on
  2  bad arguments
  3  AWS error (access denied names the missing permission, e.g. iam:GenerateCredentialReport)

Examples:
  iam-key-rotation audit
  iam-key-rotation audit --path-prefix /key-rotation/ --fail-on unused
  iam-key-rotation audit --format csv > keys.csv
  iam-key-rotation audit --fresh --concurrency 4 --format json --profile security-audit
  iam-key-rotation audit --endpoint-url http://127.0.0.1:5000 --region us-east-1
`;

export function registerAudit(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command("audit")
    .description(
      "Report every IAM user's access keys with age, status, last use and a verdict " +
        "(ok, rotate-soon, two-active, unused, stale).",
    )
    .option("--path-prefix <path>", "only users whose IAM path starts with this", "/")
    .addOption(
      new Option("--format <format>", "output format (JSON and CSV columns in the README)")
        .choices(["table", "json", "csv"])
        .default("table"),
    )
    .addOption(
      new Option("--fail-on <verdict>", "exit 1 when a key has this verdict or a more severe one")
        .choices([...FAIL_ON])
        .default("stale"),
    )
    .option(
      "--max-age-days <days>",
      "an Active key older than this is stale",
      wholeNumber("--max-age-days", 1, 3650),
      DEFAULT_THRESHOLDS.maxAgeDays,
    )
    .option(
      "--warn-days <days>",
      "rotate-soon when a key is stale within this many days",
      wholeNumber("--warn-days", 0, 3650),
      DEFAULT_THRESHOLDS.warnDays,
    )
    .option(
      "--unused-days <days>",
      "an Active key not used for this many days is unused",
      wholeNumber("--unused-days", 1, 3650),
      DEFAULT_THRESHOLDS.unusedDays,
    )
    .option("--fresh", "skip the credential report: read every user's keys", false)
    .option(
      "--max-report-age <hours>",
      "read user by user when the credential report is older than this",
      wholeNumber("--max-report-age", 0, 1_000_000),
      4,
    )
    .option(
      "--report-wait <seconds>",
      "wait at most this long for the credential report to be generated",
      wholeNumber("--report-wait", 0, 3600),
      60,
    )
    .option(
      "--concurrency <n>",
      "users read in parallel when reading user by user",
      wholeNumber("--concurrency", 1, 64),
      8,
    )
    .option("--api-stats", "print the number of AWS API calls by action on stderr", false);
  addAwsOptions(cmd)
    .addHelpText("after", AUDIT_HELP)
    .action(async (opts: AuditOptions) => {
      ctx.exit(await runAudit(opts, ctx));
    });
}
