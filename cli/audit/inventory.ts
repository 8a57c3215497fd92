/**
 * The inventory the audit judges: every IAM user (of a path prefix) with its access keys, as
 * read from the credential report (cli/audit/credentialReport.ts) or user by user
 * (cli/audit/inventoryReader.ts). Types only.
 */

export interface InventoryKey {
  /** null when read from the credential report, which does not name keys. */
  accessKeyId: string | null;
  status: "Active" | "Inactive";
  createdAt: Date;
  /** null: never used (or AWS has no information). */
  lastUsedAt: Date | null;
  lastUsedService: string | null;
  lastUsedRegion: string | null;
}

export interface InventoryUser {
  name: string;
  arn: string;
  /** IAM path, e.g. `/key-rotation/`. */
  path: string;
  createdAt: Date;
  keys: InventoryKey[];
}

export interface Inventory {
  source: "credential-report" | "api";
  /** When the credential report was generated; null when read user by user. */
  reportGeneratedAt: Date | null;
  /** Users sorted by name; keys by creation time. */
  users: InventoryUser[];
}
