/**
 * What `iam-key-rotation audit` prints: the verdict rules (cli/audit/verdict.ts) applied to an
 * inventory (cli/audit/inventory.ts), as the `--format json` document, a table or CSV. Pure.
 */
import { stringify } from "csv-stringify/sync";
import { formatTable, isoSecond, plural } from "../format";
import type { Inventory } from "./inventory";
import { assessKey, FailOn, failsOn, Thresholds, Verdict, VERDICTS } from "./verdict";

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

interface AuditUser {
  name: string;
  arn: string;
  path: string;
  createdAt: string;
  keys: AuditKey[];
}

interface AuditKey {
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
    `${plural(s.keys, "key")} of ${plural(s.users, "user")}` +
      (byVerdict.length > 0 ? `: ${byVerdict.join(", ")}` : "") +
      "." +
      (s.usersWithoutKeys > 0 ? ` ${plural(s.usersWithoutKeys, "user")} without keys.` : ""),
  );
  if (s.failing > 0) out.push(`${plural(s.failing, "key")} at or above --fail-on ${doc.failOn}.`);
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
