/** Exit codes shared by every command. */
export const EXIT = {
  ok: 0,
  /** The command ran and found something at or above the failure threshold. */
  findings: 1,
  /** Bad arguments, a bad stack file, or bad input. */
  usage: 2,
  /** AWS refused or failed. */
  aws: 3,
  /** An unexpected error: a bug. Only its kind is printed (details may hold what was read). */
  internal: 4,
} as const;

/** A problem with what the user asked for: exit 2, message printed as is. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** AWS refused or failed (access denied, throttled past retries, unreachable): exit 3. */
export class AwsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AwsError";
  }
}
