/**
 * Parses the IAM credential report (GetCredentialReport's CSV) into the audit's inventory.
 * Pure: text in, users out. Column reference:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
 */
import { parse } from "csv-parse/sync";
import { parseArn } from "../../lib/arn";
import type { InventoryKey, InventoryUser } from "./inventory";

/** The report's name for the account root user, whose keys ListUsers cannot see either. */
const ROOT_ROW = "<root_account>";

const KEY_COLUMNS = (n: 1 | 2) =>
  [
    `access_key_${n}_active`,
    `access_key_${n}_last_rotated`,
    `access_key_${n}_last_used_date`,
    `access_key_${n}_last_used_region`,
    `access_key_${n}_last_used_service`,
  ] as const;

export const REQUIRED_COLUMNS = [
  "user",
  "arn",
  "user_creation_time",
  ...KEY_COLUMNS(1),
  ...KEY_COLUMNS(2),
] as const;

/** The report is not in the format this parser knows. */
export class ReportFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReportFormatError";
  }
}

/** Values the report writes where there is nothing to say. */
const NOTHING = new Set(["N/A", "not_supported", "no_information", ""]);

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

function parseTime(value: string, where: string): Date {
  const date = new Date(value);
  if (!ISO_RE.test(value) || Number.isNaN(date.getTime())) {
    throw new ReportFormatError(`${where} is not a date (got ${JSON.stringify(value)}).`);
  }
  return date;
}

const orNull = (value: string | undefined): string | null =>
  value === undefined || NOTHING.has(value) ? null : value;

/**
 * The IAM path of a user from its ARN (`arn:aws:iam::123456789012:user/division/bob` →
 * `/division/`). User names cannot contain "/", so the path is everything before the last one.
 */
export function userPathFromArn(arn: string): string {
  const resource = parseArn(arn)?.resource ?? "";
  if (!resource.startsWith("user/")) {
    throw new ReportFormatError(`${JSON.stringify(arn)} is not the ARN of an IAM user.`);
  }
  const rest = resource.slice("user".length); // "/division/bob"
  return rest.slice(0, rest.lastIndexOf("/") + 1);
}

/**
 * Every IAM user of the report (the root user's row is left out) with its access keys, in the
 * report's order. The report does not name keys: `accessKeyId` is null. A key slot whose
 * `last_rotated` is N/A holds no key. Throws ReportFormatError naming the row and column.
 */
export function parseCredentialReport(csv: string): InventoryUser[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(csv, {
      columns: (header: string[]) => {
        const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
        if (missing.length > 0) {
          throw new ReportFormatError(
            `missing column${missing.length === 1 ? "" : "s"} ${missing.join(", ")}.`,
          );
        }
        return header;
      },
      skip_empty_lines: true,
    });
  } catch (err) {
    if (err instanceof ReportFormatError) throw err;
    throw new ReportFormatError(`not valid CSV: ${(err as Error).message}`);
  }
  const users: InventoryUser[] = [];
  rows.forEach((row, i) => {
    const line = `row ${i + 2}`;
    if (row.user === ROOT_ROW) return;
    const keys: InventoryKey[] = [];
    for (const n of [1, 2] as const) {
      const [active, rotated, usedDate, usedRegion, usedService] = KEY_COLUMNS(n).map(
        (c) => row[c],
      );
      if (NOTHING.has(rotated)) continue;
      if (active !== "true" && active !== "false") {
        throw new ReportFormatError(
          `${line}: access_key_${n}_active must be true or false (got ${JSON.stringify(active)}).`,
        );
      }
      const lastUsed = orNull(usedDate);
      keys.push({
        accessKeyId: null,
        status: active === "true" ? "Active" : "Inactive",
        createdAt: parseTime(rotated, `${line}: access_key_${n}_last_rotated`),
        lastUsedAt:
          lastUsed === null ? null : parseTime(lastUsed, `${line}: access_key_${n}_last_used_date`),
        lastUsedService: orNull(usedService),
        lastUsedRegion: orNull(usedRegion),
      });
    }
    let path: string;
    try {
      path = userPathFromArn(row.arn);
    } catch (err) {
      throw new ReportFormatError(`${line}: ${(err as Error).message}`);
    }
    users.push({
      name: row.user,
      arn: row.arn,
      path,
      createdAt: parseTime(row.user_creation_time, `${line}: user_creation_time`),
      keys,
    });
  });
  return users;
}
