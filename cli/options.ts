/** Commander option parsers of the commands; their messages name the option (exit 2). */
import { Option } from "commander";
import { UsageError } from "./errors";

/** Commander parser for a whole number within [min, max]; the message names the option. */
export function wholeNumber(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      throw new UsageError(
        `${name} must be a whole number from ${min} to ${max} (got "${value}").`,
      );
    }
    return n;
  };
}

/** Commander collector for a repeatable option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Commander parser for a whole number of any size: `plan --days`, whose range the plan checks
 * itself (with the number unquoted in its message: "from 1 to 3650 (got 0)").
 */
export function parseInteger(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value))
      throw new UsageError(`${name} must be a whole number (got "${value}").`);
    return Number(value);
  };
}

/**
 * `--dir <path>`, defaulting to `cwd`; the help says "the current directory", not the absolute
 * path --help happened to run in.
 */
export function dirOption(cwd: string, description: string): Option {
  return new Option("--dir <path>", description).default(cwd, "the current directory");
}
