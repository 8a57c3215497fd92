/**
 * Parses the IAM credential report (GetCredentialReport's CSV) into the audit's inventory.
 * Pure: text in, users out. Column reference:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
 */
import { parseArn } from "../../lib/arn";
import { CsvError, parseCsv } from "./csv";
import { ROOT_USER_NAME, type InventoryKey, type InventoryUser } from "./inventory";

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
  "password_enabled",
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

/** What the report says, user by user. */
export interface ParsedReport {
  /** The IAM users, in the report's order. */
  users: InventoryUser[];
  /**
   * The account root user (the `<root_account>` row) when it has an access key, Active or
   * not (CIS AWS 1.4: it should have none); undefined when it has none.
   */
  root: InventoryUser | undefined;
  /**
   * Names of users whose row cannot be trusted for their keys: an Active key without a
   * `last_rotated` date, which the report writes only for a missing key. Their keys must be
   * read from the API (ListAccessKeys); the row's other keys are in `users` meanwhile.
   */
  unreadable: string[];
}

/**
 * Every user of the report with its access keys, the root user's keys apart. The report does
 * not name keys: `accessKeyId` is null. A key slot whose `last_rotated` is N/A holds no key,
 * unless it says the key is Active: then the user is `unreadable` (for the root user, whose
 * keys no API lists, the key is kept with an unknown creation date). Throws ReportFormatError
 * naming the row and column.
 */
export function parseCredentialReport(csv: string): ParsedReport {
  let records: string[][];
  try {
    records = parseCsv(csv);
  } catch (err) {
    if (err instanceof CsvError) throw new ReportFormatError(`not valid CSV: ${err.message}`);
    throw err;
  }
  const header = records[0] ?? [];
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new ReportFormatError(
      `missing column${missing.length === 1 ? "" : "s"} ${missing.join(", ")}.`,
    );
  }
  const column = (name: string) => header.indexOf(name);
  const at = {
    user: column("user"),
    arn: column("arn"),
    created: column("user_creation_time"),
    password: column("password_enabled"),
    keys: ([1, 2] as const).map((n) => ({ n, columns: KEY_COLUMNS(n).map(column) })),
  };
  const parsed: ParsedReport = { users: [], root: undefined, unreadable: [] };
  for (let i = 1; i < records.length; i++) {
    const row = records[i];
    const line = `row ${i + 1}`;
    if (row.length !== header.length) {
      throw new ReportFormatError(`${line} has ${row.length} fields, the header ${header.length}.`);
    }
    const name = row[at.user];
    const isRoot = name === ROOT_USER_NAME;
    const keys: InventoryKey[] = [];
    let unreadable = false;
    for (const { n, columns } of at.keys) {
      const [active, rotated, usedDate, usedRegion, usedService] = columns.map((c) => row[c]);
      if (active !== "true" && active !== "false") {
        throw new ReportFormatError(
          `${line}: access_key_${n}_active must be true or false (got ${JSON.stringify(active)}).`,
        );
      }
      const undated = NOTHING.has(rotated);
      if (undated && active === "false") continue; // no key in this slot
      if (undated && !isRoot) {
        unreadable = true;
        continue;
      }
      const lastUsed = orNull(usedDate);
      keys.push({
        accessKeyId: null,
        status: active === "true" ? "Active" : "Inactive",
        createdAt: undated ? null : parseTime(rotated, `${line}: access_key_${n}_last_rotated`),
        lastUsedAt:
          lastUsed === null ? null : parseTime(lastUsed, `${line}: access_key_${n}_last_used_date`),
        lastUsedService: orNull(usedService),
        lastUsedRegion: orNull(usedRegion),
      });
    }
    let path = "/";
    if (!isRoot) {
      try {
        path = userPathFromArn(row[at.arn]);
      } catch (err) {
        throw new ReportFormatError(`${line}: ${(err as Error).message}`);
      }
    }
    const password = row[at.password];
    const user: InventoryUser = {
      name,
      arn: row[at.arn],
      path,
      createdAt: parseTime(row[at.created], `${line}: user_creation_time`),
      passwordEnabled: password === "true" ? true : password === "false" ? false : null,
      keys,
    };
    if (isRoot) {
      user.root = true;
      if (keys.length > 0) parsed.root = user;
    } else {
      parsed.users.push(user);
      if (unreadable) parsed.unreadable.push(name);
    }
  }
  return parsed;
}
