/**
 * Thresholds every policy of the pack shares, as JSON-schema fragments for `configSchema`, and
 * how a policy reads them. The engine fills each policy's config with the schema defaults and
 * validates it against the schema before the first validation (pulumi/pulumi
 * `ReconcilePolicyPackConfig`); the readers below still fall back to the defaults, so a
 * policy never runs on an undefined threshold.
 */
import { PolicyConfigSchema } from "@pulumi/policy";
import { isIsoDate, toDay, utcToday } from "../lib/days";

/** One property of a configSchema (the SDK does not export the JSON-schema type by name). */
type PropertySchema = PolicyConfigSchema["properties"][string];

export const DEFAULT_MAX_AGE_DAYS = 90;
export const DEFAULT_WARN_DAYS = 14;

export const maxAgeDaysSchema: PropertySchema = {
  type: "integer",
  minimum: 1,
  maximum: 365,
  default: DEFAULT_MAX_AGE_DAYS,
  description:
    "Maximum age in days of an Active access key (CIS AWS 1.14 and AWS Config ACCESS_KEYS_ROTATED use 90).",
};

export const warnDaysSchema: PropertySchema = {
  type: "integer",
  minimum: 1,
  maximum: 365,
  default: DEFAULT_WARN_DAYS,
  description: "Warn this many days before an Active access key reaches maxAgeDays.",
};

export const asOfSchema: PropertySchema = {
  type: "string",
  pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
  description:
    "Evaluate key ages as of this UTC day (YYYY-MM-DD) instead of today, e.g. to see what a preview next week will block.",
};

/** The config a policy gets, over the defaults it declares. */
export function withDefaults<T extends object>(defaults: T, given: Partial<T>): T {
  const merged = { ...defaults };
  for (const [key, value] of Object.entries(given)) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}

/** Today's day number, or the `asOf` day when configured. */
export function dayOf(asOf: string | undefined): number {
  if (asOf === undefined) return toDay(utcToday());
  if (!isIsoDate(asOf)) {
    throw new RangeError(
      `[asOf] must be a real date written YYYY-MM-DD (got ${JSON.stringify(asOf)}).`,
    );
  }
  return toDay(asOf);
}
