/**
 * `iam-key-rotation audit`: every IAM user's access keys with age, status, last use and a
 * verdict (cli/audit/verdict.ts), from the credential report when it is fresh enough, else read
 * user by user (cli/audit/inventoryReader.ts). Table, JSON or CSV (cli/audit/auditDocument.ts);
 * exit 1 when a key is at or above --fail-on.
 */
import { Command, Option } from "commander";
import { buildAuditDocument, renderAuditCsv, renderAuditTable } from "../audit/auditDocument";
import { readInventory } from "../audit/inventoryReader";
import {
  DEFAULT_THRESHOLDS,
  FAIL_ON,
  FailOn,
  Thresholds,
  validateThresholds,
} from "../audit/verdict";
import { addAwsOptions, AwsOptions, openAwsSession, rethrowAsAwsError } from "../aws";
import type { CommandContext } from "../context";
import { EXIT, UsageError } from "../errors";
import { wholeNumber } from "../options";
import { progressBar } from "../progress";

const PATH_PREFIX_RE = /^\/[\x21-\x7e]{0,511}$/;

interface AuditOptions extends AwsOptions {
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

async function runAudit(options: AuditOptions, ctx: CommandContext): Promise<number> {
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
      new Option("--format <format>", "output format (JSON and CSV columns in docs/cli.md)")
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
