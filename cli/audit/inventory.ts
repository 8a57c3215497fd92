/**
 * The inventory the audit judges: every IAM user (of a path prefix) with its access keys, as
 * read from the credential report (cli/audit/credentialReport.ts) or user by user
 * (cli/audit/inventoryReader.ts), and the account root user's keys when the report shows any.
 * Types only (and the root user's name).
 */

/** The credential report's name for the account root user. */
export const ROOT_USER_NAME = "<root_account>";

export interface InventoryKey {
  /** null when read from the credential report, which does not name keys. */
  accessKeyId: string | null;
  status: "Active" | "Inactive";
  /**
   * null only for a root user's key whose report row has no creation date (no API lists the
   * root user's keys, so it cannot be read another way; it is reported all the same).
   */
  createdAt: Date | null;
  /** null: never used (or AWS has no information). */
  lastUsedAt: Date | null;
  lastUsedService: string | null;
  lastUsedRegion: string | null;
}

export interface InventoryUser {
  name: string;
  arn: string;
  /** IAM path, e.g. `/key-rotation/` ("/" for the root user). */
  path: string;
  createdAt: Date;
  /**
   * Whether the user can sign in to the console (a password): the report's `password_enabled`;
   * null when unknown (read user by user, or the root user), and then no finding depends on it.
   */
  passwordEnabled: boolean | null;
  /** The account root user (the report's `<root_account>` row). */
  root?: true;
  keys: InventoryKey[];
}

export interface Inventory {
  source: "credential-report" | "api";
  /** When the credential report was generated; null when read user by user. */
  reportGeneratedAt: Date | null;
  /** The root user first when it has keys, then users sorted by name; keys by creation time. */
  users: InventoryUser[];
}
