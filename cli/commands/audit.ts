/**
 * `iam-key-rotation audit`: every IAM user's access keys with age, status, last use and a
 * verdict (cli/audit/verdict.ts), from the credential report when it is fresh enough, else read
 * user by user (cli/audit/inventoryReader.ts); with --stack, which keys the stack manages
 * (cli/audit/stackMarks.ts); with --organization, every account of the AWS Organization
 * (cli/audit/organization.ts). Table, JSON or CSV (cli/audit/auditDocument.ts); exit 1 when a
 * key is at or above --fail-on, 3 when an account could not be audited.
 */
import { Command, Option } from "commander";
import {
  AuditDocument,
  buildAuditDocument,
  buildOrganizationDocument,
  renderAuditCsv,
  renderAuditTable,
  StackMarks,
} from "../audit/auditDocument";
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
import { dirOption, wholeNumber } from "../options";
import { Progress, progressBar } from "../progress";
import { loadStack } from "../stackFile";

const PATH_PREFIX_RE = /^\/[\x21-\x7e]{0,511}$/;
/** An IAM role name, optionally after its path: `OrganizationAccountAccessRole`, `audit/Reader`. */
const ROLE_NAME_RE = /^(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

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
  stack?: string;
  dir: string;
  organization: boolean;
  roleName?: string;
  accountConcurrency: number;
}

/** The options given on the command line (not defaults), by attribute name. */
type Given = (name: keyof AuditOptions) => boolean;

function checkModes(options: AuditOptions, given: Given): void {
  if (options.organization) {
    if (options.roleName === undefined) {
      throw new UsageError(
        "--organization needs --role-name: the role to assume in each account, the management " +
          "account included (e.g. iam-key-rotation-audit; docs/cli.md says what it needs).",
      );
    }
    if (options.stack !== undefined) {
      throw new UsageError(
        "--stack marks the keys of one account's stack; it cannot be combined with --organization.",
      );
    }
  } else if (options.roleName !== undefined) {
    throw new UsageError("--role-name is the role each account of --organization is audited with.");
  } else if (given("accountConcurrency")) {
    throw new UsageError(
      "--account-concurrency is the number of accounts --organization audits at a time.",
    );
  }
  if (options.roleName !== undefined && !ROLE_NAME_RE.test(options.roleName)) {
    throw new UsageError(
      `--role-name must be an IAM role name, optionally after its path (got ${JSON.stringify(options.roleName)}).`,
    );
  }
}

const silent: Progress = {
  tick: () => undefined,
  write: () => undefined,
  done: () => undefined,
};

function print(doc: AuditDocument, options: AuditOptions, ctx: CommandContext): void {
  const { io } = ctx;
  if (options.format === "json") io.stdout(JSON.stringify(doc, null, 2) + "\n");
  else if (options.format === "csv") io.stdout(renderAuditCsv(doc));
  else io.stdout(renderAuditTable(doc));
}

async function runAudit(options: AuditOptions, ctx: CommandContext, given: Given): Promise<number> {
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
  checkModes(options, given);
  const stack = options.stack === undefined ? undefined : loadStack(options.dir, options.stack);

  const now = io.now();
  const session = await openAwsSession(options, io.env);
  const inventoryOptions = {
    pathPrefix: options.pathPrefix,
    fresh: options.fresh,
    maxReportAgeHours: options.maxReportAge,
    reportWaitSeconds: options.reportWait,
    concurrency: options.concurrency,
    now,
  };
  try {
    if (options.organization) {
      const { auditOrganization } = await import("../audit/organization");
      // Until the accounts are listed: no bar, notes written as they come.
      let bar: Progress = progressBar(io, "auditing accounts", 0);
      const accounts = await auditOrganization(session, {
        roleName: options.roleName!,
        accountConcurrency: options.accountConcurrency,
        listed: (total) => (bar = progressBar(io, "auditing accounts", total)),
        done: () => bar.tick(),
        readAccount: (iam, id) =>
          readInventory(iam, {
            ...inventoryOptions,
            // Through the bar: on a terminal, a note must not land in the middle of it.
            notice: (text) => bar.write(`note: account ${id}: ${text}\n`),
            progress: () => silent,
          }),
      }).finally(() => bar.done());
      const doc = buildOrganizationDocument(
        accounts,
        options.roleName!,
        now,
        thresholds,
        options.failOn,
        options.pathPrefix,
      );
      print(doc, options, ctx);
      const unreachable = accounts.filter((a) => a.status === "unreachable");
      if (unreachable.length > 0) {
        io.stderr(
          `error: ${unreachable.length} of ${accounts.length} accounts could not be audited ` +
            `(${unreachable.map((a) => a.id).join(", ")}); the report lists why.\n`,
        );
        return EXIT.aws;
      }
      return doc.summary.failing > 0 ? EXIT.findings : EXIT.ok;
    }
    const iam = session.iam();
    const inventory = await readInventory(iam, {
      ...inventoryOptions,
      notice: (text) => io.stderr(`note: ${text}\n`),
      progress: (total) => progressBar(io, "reading access keys", total),
    });
    let marks: StackMarks | undefined;
    if (stack !== undefined) {
      // Loaded only when used, like the organization's modules: less to load on every run.
      const { markStackKeys } = await import("../audit/stackMarks");
      const id = `${stack.project}/${options.stack}`;
      const userNames = stack.config.users.map((u) => u.name);
      marks = await markStackKeys(iam, inventory.users, { id, userNames }, options.concurrency);
    }
    const doc = buildAuditDocument(
      inventory,
      now,
      thresholds,
      options.failOn,
      options.pathPrefix,
      marks,
    );
    print(doc, options, ctx);
    return doc.summary.failing > 0 ? EXIT.findings : EXIT.ok;
  } catch (err) {
    return rethrowAsAwsError(err);
  } finally {
    if (options.apiStats) io.stderr(`${session.stats.format()}\n`);
    session.destroy();
  }
}

const AUDIT_HELP = `
Verdicts, most severe first (a key gets the most severe that applies; ages are whole days,
like the AWS Config rule ACCESS_KEYS_ROTATED; an Inactive key cannot sign requests and is ok,
except the root user's):
  root-key     a key of the account root user, Active or not (CIS 1.4; from the report)
  stale        Active and more than --max-age-days old
  setup-key    Active, never used, created within 10 minutes of its user, who has a console
               password: made "just in case" at user setup (CIS 1.11)
  unused       Active and not used for --unused-days days (or never used and that old)
  two-active   its user has two Active keys (normal during a blue/green overlap)
  rotate-soon  Active and stale within --warn-days days
  ok           none of these

Where the keys come from: the IAM credential report (a handful of API calls for any number
of users) unless --fresh, the report is older than --max-report-age, or it is not ready
within --report-wait; then ListUsers, ListAccessKeys and GetAccessKeyLastUsed for each
user, --concurrency at a time, with adaptive retries on throttling (AWS_MAX_ATTEMPTS,
default 10). A report row with an Active key but no creation date is read the same way, for
that user only. The report does not name keys: the ACCESS KEY column shows "-" (use --fresh).
The root user's keys are only in the report (and only listed with --path-prefix /).

--stack NAME adds MANAGED: "yes" for a key the stack's rotation record accounts for (issued
into a slot, or adopted), "no" for keys of users the stack does not list or that its record
does not account for (hand-made), "unknown" when creation dates cannot tell (docs/cli.md).

--organization lists the accounts of the AWS Organization, assumes --role-name in each, the
management account included (--account-concurrency accounts at a time), and prints one report
with an ACCOUNT column; accounts that cannot be reached are listed with the reason. The role
must exist in every account: OrganizationAccountAccessRole, which AWS creates in the accounts
an organization creates, is not in its management account (docs/cli.md).

Exit codes:
  0  no key at or above --fail-on
  1  at least one key at or above --fail-on
  2  bad arguments (or a bad stack file)
  3  AWS error (access denied names the missing permission, e.g. iam:GenerateCredentialReport)
     or, with --organization, an account that could not be audited (the report is printed)

Examples:
  iam-key-rotation audit
  iam-key-rotation audit --path-prefix /key-rotation/ --fail-on unused
  iam-key-rotation audit --format csv > keys.csv
  iam-key-rotation audit --fresh --concurrency 4 --format json --profile security-audit
  iam-key-rotation audit --stack prod --path-prefix /key-rotation/
  iam-key-rotation audit --organization --role-name iam-key-rotation-audit --format csv
  iam-key-rotation audit --endpoint-url http://127.0.0.1:5000 --region us-east-1
`;

export function registerAudit(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command("audit")
    .description(
      "Report every IAM user's access keys with age, status, last use and a verdict " +
        "(ok, rotate-soon, two-active, unused, setup-key, stale, root-key).",
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
    .option("--api-stats", "print the number of AWS API calls by action on stderr", false)
    .option("-s, --stack <name>", "mark the keys the stack of Pulumi.<name>.yaml manages")
    .addOption(dirOption(ctx.io.cwd, "with --stack: the project directory holding Pulumi.yaml"))
    .option("--organization", "audit every account of the AWS Organization", false)
    .option("--role-name <name>", "with --organization: the role to assume in each account")
    .option(
      "--account-concurrency <n>",
      "with --organization: accounts audited in parallel",
      wholeNumber("--account-concurrency", 1, 32),
      4,
    );
  addAwsOptions(cmd)
    .addHelpText("after", AUDIT_HELP)
    .action(async (opts: AuditOptions, command: Command) => {
      const given: Given = (name) => command.getOptionValueSource(name) === "cli";
      ctx.exit(await runAudit(opts, ctx, given));
    });
}
