/**
 * What `iam-key-rotation audit` prints: the verdict rules (cli/audit/verdict.ts) applied to an
 * inventory (cli/audit/inventory.ts), or to one per account of an organization, as the
 * `--format json` document, a table or CSV. Pure.
 */
import { stringify } from "csv-stringify/sync";
import { formatTable, isoSecond, plural } from "../format";
import type { Inventory, InventoryUser } from "./inventory";
import type { KeyManagement, Managed } from "./managed";
import { assessKey, FailOn, failsOn, Thresholds, Verdict, VERDICTS } from "./verdict";

/** The `--format json` document. Stable: fields are only ever added (bump `version` otherwise). */
export interface AuditDocument {
  version: 1;
  /** The clock the ages were computed with (ISO 8601, UTC, seconds). */
  generatedAt: string;
  /**
   * Where the keys were read: the credential report, or user by user ("api"); with
   * --organization, "mixed" when the audited accounts did not all use the same (or none was
   * audited).
   */
  source: Inventory["source"] | "mixed";
  /**
   * When the credential report was generated (the oldest one with --organization); null when
   * read user by user.
   */
  reportGeneratedAt: string | null;
  pathPrefix: string;
  thresholds: Thresholds;
  failOn: FailOn;
  /** With --stack: the stack whose keys `managed` marks, `<project>/<stack>`. */
  stack?: string;
  /** With --organization: the role assumed in each account, and every account. */
  organization?: { roleName: string; accounts: AuditAccount[] };
  summary: {
    users: number;
    usersWithoutKeys: number;
    keys: number;
    /** Keys per verdict (every verdict present, 0 included). */
    verdicts: Record<Verdict, number>;
    /** Keys at or above failOn: the exit code is 1 when this is not 0. */
    failing: number;
    /** With --stack: keys per `managed` value. */
    managed?: Record<Managed, number>;
    /** With --organization: accounts per status. */
    accounts?: Record<AuditAccount["status"], number>;
  };
  users: AuditUser[];
}

export interface AuditAccount {
  id: string;
  name: string;
  /**
   * audited; unreachable (the role could not be assumed or the account's keys not read:
   * `reason` says why, and the exit code is 3); skipped (not ACTIVE in the organization).
   */
  status: "audited" | "unreachable" | "skipped";
  reason: string | null;
  source: Inventory["source"] | null;
  reportGeneratedAt: string | null;
}

interface AuditUser {
  /** With --organization: the account of the user. */
  account?: string;
  name: string;
  arn: string;
  path: string;
  createdAt: string;
  /** The account root user (name `<root_account>`), listed only when it has access keys. */
  root?: true;
  keys: AuditKey[];
}

interface AuditKey {
  /** null when read from the credential report, which does not name keys (use --fresh). */
  accessKeyId: string | null;
  status: "Active" | "Inactive";
  /** null only for a root user's key whose report row has no creation date. */
  createdAt: string | null;
  ageDays: number | null;
  lastUsed: { date: string | null; service: string | null; region: string | null };
  verdict: Verdict;
  /** Every finding, most severe first (empty for ok). */
  findings: Verdict[];
  detail: string;
  /** With --stack: whether the stack manages the key (cli/audit/managed.ts). */
  managed?: Managed;
  /** With --stack: the slot holding the key when managed and known, else null. */
  slot?: KeyManagement["slot"];
  /** With --stack: the key predates the stack, which adopted its user. */
  adopted?: boolean;
  /** With --stack: why `managed` says what it says. */
  managedReason?: string;
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

/** Columns `--stack` appends. */
export const STACK_CSV_COLUMNS = ["managed", "managed_slot", "adopted", "managed_reason"] as const;
/**
 * The columns `--organization` appends: each key's account, and each account's name, status
 * and reason. An account not audited (unreachable, skipped) is a row of its own, its key
 * columns empty, so the CSV says which accounts it does not cover, and why.
 */
export const ORGANIZATION_CSV_COLUMNS = [
  "account",
  "account_name",
  "account_status",
  "account_reason",
] as const;

/** What an audit adds to the keys: the stack's management of each user's keys. */
export interface StackMarks {
  /** `<project>/<stack>`. */
  stack: string;
  /** Each key's management, in the order of the user's keys. */
  of: (user: InventoryUser) => KeyManagement[];
}

const MANAGED_VALUES: readonly Managed[] = ["yes", "no", "unknown"];

class Tally {
  verdicts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  managed = Object.fromEntries(MANAGED_VALUES.map((m) => [m, 0])) as Record<Managed, number>;
  failing = 0;
  keys = 0;
}

function assessUsers(
  users: readonly InventoryUser[],
  now: Date,
  thresholds: Thresholds,
  failOn: FailOn,
  tally: Tally,
  marks: StackMarks | undefined,
  account: string | undefined,
): AuditUser[] {
  return users.map((user): AuditUser => {
    const active = user.keys.filter((k) => k.status === "Active").length;
    const management = marks?.of(user);
    return {
      ...(account !== undefined ? { account } : {}),
      name: user.name,
      arn: user.arn,
      path: user.path,
      createdAt: isoSecond(user.createdAt),
      ...(user.root ? { root: true as const } : {}),
      keys: user.keys.map((key, i): AuditKey => {
        const a = assessKey(
          {
            status: key.status,
            createdAt: key.createdAt,
            lastUsedAt: key.lastUsedAt,
            activeKeysOfUser: active,
            root: user.root === true,
            userCreatedAt: user.createdAt,
            passwordEnabled: user.passwordEnabled,
          },
          now,
          thresholds,
        );
        tally.keys++;
        tally.verdicts[a.verdict]++;
        if (failsOn(a.verdict, failOn)) tally.failing++;
        const out: AuditKey = {
          accessKeyId: key.accessKeyId,
          status: key.status,
          createdAt: key.createdAt === null ? null : isoSecond(key.createdAt),
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
        if (management !== undefined) {
          const m = management[i];
          tally.managed[m.managed]++;
          Object.assign(out, {
            managed: m.managed,
            slot: m.slot,
            adopted: m.adopted,
            managedReason: m.reason,
          });
        }
        return out;
      }),
    };
  });
}

function summaryOf(users: AuditUser[], tally: Tally): AuditDocument["summary"] {
  return {
    users: users.length,
    usersWithoutKeys: users.filter((u) => u.keys.length === 0).length,
    keys: tally.keys,
    verdicts: tally.verdicts,
    failing: tally.failing,
  };
}

/** Applies the verdict rules to an inventory (and, with `marks`, the stack's management). */
export function buildAuditDocument(
  inventory: Inventory,
  now: Date,
  thresholds: Thresholds,
  failOn: FailOn,
  pathPrefix: string,
  marks?: StackMarks,
): AuditDocument {
  const tally = new Tally();
  const users = assessUsers(inventory.users, now, thresholds, failOn, tally, marks, undefined);
  const summary = summaryOf(users, tally);
  if (marks !== undefined) summary.managed = tally.managed;
  return {
    version: 1,
    generatedAt: isoSecond(now),
    source: inventory.source,
    reportGeneratedAt:
      inventory.reportGeneratedAt === null ? null : isoSecond(inventory.reportGeneratedAt),
    pathPrefix,
    thresholds: { ...thresholds },
    failOn,
    ...(marks !== undefined ? { stack: marks.stack } : {}),
    summary,
    users,
  };
}

/** One account of an organization-wide audit: its inventory, or why there is none. */
export interface AccountAudit {
  id: string;
  name: string;
  status: AuditAccount["status"];
  reason: string | null;
  inventory: Inventory | null;
}

/** Applies the verdict rules to every audited account: one document, users by account. */
export function buildOrganizationDocument(
  accounts: readonly AccountAudit[],
  roleName: string,
  now: Date,
  thresholds: Thresholds,
  failOn: FailOn,
  pathPrefix: string,
): AuditDocument {
  const tally = new Tally();
  const users = accounts.flatMap((a) =>
    a.inventory === null
      ? []
      : assessUsers(a.inventory.users, now, thresholds, failOn, tally, undefined, a.id),
  );
  const inventories = accounts.flatMap((a) => (a.inventory === null ? [] : [a.inventory]));
  const sources = new Set(inventories.map((i) => i.source));
  const reports = inventories
    .map((i) => i.reportGeneratedAt)
    .filter((d): d is Date => d !== null)
    .sort((a, b) => a.getTime() - b.getTime());
  const statuses = { audited: 0, unreachable: 0, skipped: 0 };
  for (const a of accounts) statuses[a.status]++;
  return {
    version: 1,
    generatedAt: isoSecond(now),
    source: sources.size === 1 ? [...sources][0] : "mixed",
    reportGeneratedAt: reports.length === 0 ? null : isoSecond(reports[0]),
    pathPrefix,
    thresholds: { ...thresholds },
    failOn,
    organization: {
      roleName,
      accounts: accounts.map((a) => ({
        id: a.id,
        name: a.name,
        status: a.status,
        reason: a.reason,
        source: a.inventory?.source ?? null,
        reportGeneratedAt:
          a.inventory?.reportGeneratedAt == null ? null : isoSecond(a.inventory.reportGeneratedAt),
      })),
    },
    summary: { ...summaryOf(users, tally), accounts: statuses },
    users,
  };
}

function lastUsedText(key: AuditKey): string {
  if (key.lastUsed.date === null) return "never";
  return [key.lastUsed.date.slice(0, 10), key.lastUsed.service, key.lastUsed.region]
    .filter((part) => part !== null)
    .join(" ");
}

function managedText(key: AuditKey): string {
  if (key.managed !== "yes" || key.slot == null) return key.managed ?? "";
  return `yes (${key.slot}${key.adopted ? ", adopted" : ""})`;
}

function sourceText(doc: AuditDocument): string {
  if (doc.organization !== undefined) {
    return doc.source === "credential-report"
      ? "from the credential reports"
      : doc.source === "api"
        ? "read user by user"
        : "from the credential reports or user by user";
  }
  return doc.source === "credential-report"
    ? `from the credential report generated ${doc.reportGeneratedAt}`
    : // Said where it applies: no API but the report lists the root user's keys or tells a
      // console password, so root-key and setup-key cannot be found this way.
      "read user by user (the root user's keys and setup-key are only seen in the credential " +
        "report)";
}

function countsText(counts: Record<string, number>, order: readonly string[]): string {
  return order
    .filter((k) => counts[k] > 0)
    .map((k) => `${counts[k]} ${k}`)
    .join(", ");
}

export function renderAuditTable(doc: AuditDocument): string {
  const out: string[] = [];
  const org = doc.organization;
  const where =
    org === undefined
      ? ""
      : ` in ${plural(org.accounts.length, "account")} of the organization (role ${org.roleName})`;
  out.push(
    `Access keys of IAM users under ${doc.pathPrefix}${where} on ${doc.generatedAt}, ` +
      `${sourceText(doc)}. Stale after ${doc.thresholds.maxAgeDays} days.` +
      (doc.stack !== undefined ? ` MANAGED: keys of stack ${doc.stack}.` : ""),
  );
  out.push("");
  const headers = [
    ...(org !== undefined ? ["ACCOUNT"] : []),
    "USER",
    "ACCESS KEY",
    "STATUS",
    "AGE",
    "LAST USED",
    "VERDICT",
    ...(doc.stack !== undefined ? ["MANAGED"] : []),
    "DETAIL",
  ];
  const rows = doc.users.flatMap((u) =>
    u.keys.map((k) => [
      ...(org !== undefined ? [u.account ?? ""] : []),
      u.name,
      k.accessKeyId ?? "-",
      k.status,
      k.ageDays === null ? "?" : `${k.ageDays}d`,
      lastUsedText(k),
      k.verdict,
      ...(doc.stack !== undefined ? [managedText(k)] : []),
      k.detail,
    ]),
  );
  out.push(rows.length === 0 ? "No access keys." : formatTable(headers, rows));
  out.push("");
  const s = doc.summary;
  const byVerdict = countsText(s.verdicts, [...VERDICTS].reverse());
  out.push(
    `${plural(s.keys, "key")} of ${plural(s.users, "user")}` +
      (byVerdict !== "" ? `: ${byVerdict}` : "") +
      "." +
      (s.usersWithoutKeys > 0 ? ` ${plural(s.usersWithoutKeys, "user")} without keys.` : ""),
  );
  if (s.managed !== undefined && s.keys > 0) {
    out.push(`Managed by stack ${doc.stack}: ${countsText(s.managed, MANAGED_VALUES)}.`);
  }
  if (org !== undefined && s.accounts !== undefined) {
    out.push(
      `Accounts: ${countsText(s.accounts, ["audited", "unreachable", "skipped"]) || "none"}.`,
    );
    for (const a of org.accounts) {
      if (a.status !== "audited") out.push(`  ${a.id} (${a.name}) ${a.status}: ${a.reason}`);
    }
  }
  if (s.failing > 0) out.push(`${plural(s.failing, "key")} at or above --fail-on ${doc.failOn}.`);
  return out.join("\n") + "\n";
}

export function renderAuditCsv(doc: AuditDocument): string {
  const columns: string[] = [
    ...CSV_COLUMNS,
    ...(doc.stack !== undefined ? STACK_CSV_COLUMNS : []),
    ...(doc.organization !== undefined ? ORGANIZATION_CSV_COLUMNS : []),
  ];
  const accounts =
    doc.organization === undefined
      ? undefined
      : new Map(doc.organization.accounts.map((a) => [a.id, a]));
  const records = doc.users.flatMap((u) =>
    u.keys.map((k) => ({
      user: u.name,
      user_arn: u.arn,
      user_path: u.path,
      access_key_id: k.accessKeyId ?? "",
      status: k.status,
      created: k.createdAt ?? "",
      age_days: k.ageDays ?? "",
      last_used_date: k.lastUsed.date ?? "",
      last_used_service: k.lastUsed.service ?? "",
      last_used_region: k.lastUsed.region ?? "",
      verdict: k.verdict,
      findings: k.findings.join(" "),
      detail: k.detail,
      managed: k.managed ?? "",
      managed_slot: k.slot ?? "",
      adopted: k.adopted === undefined ? "" : String(k.adopted),
      managed_reason: k.managedReason ?? "",
      ...(accounts !== undefined && accountColumns(accounts.get(u.account ?? ""))),
    })),
  );
  const notAudited = (doc.organization?.accounts ?? [])
    .filter((a) => a.status !== "audited")
    .map((a) => accountColumns(a));
  // Names and messages come from the audited accounts: a field a spreadsheet would run as a
  // formula (=, +, -, @, a tab...) is prefixed with a quote (OWASP "CSV injection").
  return stringify([...records, ...notAudited], { header: true, columns, escape_formulas: true });
}

/** The organization columns of a CSV row: its account's id, name, status and reason. */
function accountColumns(
  account: { id: string; name: string; status: string; reason: string | null } | undefined,
): Record<(typeof ORGANIZATION_CSV_COLUMNS)[number], string> {
  return {
    account: account?.id ?? "",
    account_name: account?.name ?? "",
    account_status: account?.status ?? "",
    account_reason: account?.reason ?? "",
  };
}
