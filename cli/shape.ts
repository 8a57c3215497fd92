/**
 * Checking the shape of the JSON the CLI reads (stack outputs, its credentials cache). Each
 * problem names the JSON path and what is wrong with the value there, never the value itself:
 * the files may hold anything, secrets included, and a message must not echo it. Pure.
 *
 *   const shape = new ShapeChecker();
 *   shape.oneOf(doc.current, "users.alice.rotationState.current", ["blue", "green"]);
 *   shape.problems; // ['users.alice.rotationState.current must be "blue" or "green" (got a number)']
 */
import { isIsoDate } from "../lib/days";
import { isPlainObject } from "../lib/validation";

/** An IAM user name: 1 to 64 letters, digits and +=,.@_- (IAM API reference). */
export const IAM_USER_NAME_RE = /^[\w+=,.@-]{1,64}$/;
/** An access key id as IAM issues them: upper-case letters and digits, 16 to 128. */
export const ACCESS_KEY_ID_RE = /^[A-Z0-9]{16,128}$/;
/** An ISO 8601 UTC time such as 2026-11-22T10:00:00Z (fraction of a second allowed). */
const ISO_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
/** An AWS service or region name as GetAccessKeyLastUsed reports them (`s3`, `eu-west-1`). */
export const AWS_NAME_RE = /^[a-z0-9][a-z0-9.-]{0,62}$/;

/** What a value is, in words, without showing it: `a number`, `an empty string`, `null`. */
export function kindOf(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return value === "" ? "an empty string" : "a string";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

/** True for an ISO 8601 time (`2026-11-22T10:00:00Z`) that is a real moment. */
export function isIsoTime(value: unknown): value is string {
  return typeof value === "string" && ISO_TIME_RE.test(value) && !Number.isNaN(Date.parse(value));
}

/**
 * Collects problems while reading a JSON value. Each reader returns the value when it has the
 * expected shape, else undefined after recording `<path> must be <expected> (got <kind>)`.
 */
export class ShapeChecker {
  readonly problems: string[] = [];

  /** Records that `path` is not `expected`; `value` is only described, never shown. */
  fail(path: string, expected: string, value: unknown, kind = kindOf(value)): undefined {
    this.problems.push(
      value === undefined
        ? `${path} is missing (${expected})`
        : `${path} must be ${expected} (got ${kind})`,
    );
    return undefined;
  }

  object(value: unknown, path: string): Record<string, unknown> | undefined {
    return isPlainObject(value) ? value : this.fail(path, "an object", value);
  }

  array(value: unknown, path: string): unknown[] | undefined {
    return Array.isArray(value) ? value : this.fail(path, "an array", value);
  }

  /** A string matching `re`; `expected` says what it must be ("an IAM user name"). */
  string(value: unknown, path: string, re: RegExp, expected: string): string | undefined {
    if (typeof value === "string" && re.test(value)) return value;
    return this.fail(
      path,
      expected,
      value,
      typeof value === "string" ? "another string" : undefined,
    );
  }

  oneOf<T extends string>(value: unknown, path: string, values: readonly T[]): T | undefined {
    if (typeof value === "string" && (values as readonly string[]).includes(value)) {
      return value as T;
    }
    const expected = values.map((v) => JSON.stringify(v)).join(values.length === 2 ? " or " : ", ");
    return this.fail(
      path,
      expected,
      value,
      typeof value === "string" ? "another string" : undefined,
    );
  }

  date(value: unknown, path: string): string | undefined {
    if (isIsoDate(value)) return value;
    return this.fail(
      path,
      "a date YYYY-MM-DD",
      value,
      typeof value === "string" ? "a string that is not one" : undefined,
    );
  }

  /** An ISO 8601 time, or a day YYYY-MM-DD. */
  dateOrTime(value: unknown, path: string): string | undefined {
    if (isIsoDate(value) || isIsoTime(value)) return value;
    return this.fail(
      path,
      "an ISO 8601 time or a date YYYY-MM-DD",
      value,
      typeof value === "string" ? "a string that is neither" : undefined,
    );
  }

  /** `read(value)` unless the value is absent or null (both mean "none"). */
  optional<T>(value: unknown, read: (value: unknown) => T | undefined): T | undefined {
    return value === undefined || value === null ? undefined : read(value);
  }
}

/** A problem list as an indented block, at most `max` lines: `  - a\n  - b\n  - and 3 more`. */
export function problemList(problems: readonly string[], max = 20): string {
  const shown = problems.slice(0, max).map((p) => `  - ${p}.`);
  if (problems.length > max) shown.push(`  - and ${problems.length - max} more.`);
  return shown.join("\n");
}
