/** Option parsers shared by the `audit` and `verify` commands. */
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
