/**
 * Thresholds every policy of the pack shares, as JSON-schema fragments for `configSchema`, and
 * how a policy reads them. The engine fills each policy's config with the schema defaults and
 * validates it against the schema before the first validation (pulumi/pulumi
 * `ReconcilePolicyPackConfig`); the readers below still fall back to the defaults, so a
 * policy never runs on an undefined threshold.
 */
import { PolicyConfigSchema, ReportViolation } from "@pulumi/policy";
import { fromDay, isIsoDate, toDay } from "../lib/days";

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
    "Maximum age in days of an Active access key (CIS AWS 1.14 and AWS Config ACCESS_KEYS_ROTATED use 90). A RotatedKeyUser's own rotation.maxAgeDays applies to its keys when it is lower.",
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
    "Evaluate key ages as of this UTC day (YYYY-MM-DD, today or later) instead of today, e.g. to see what a preview next week will block. A day before today is rejected.",
};

/**
 * Where the policies read the time. Only code can change it (the tests pin it): no pack
 * setting or environment variable does, since a clock set back would let stale keys through.
 */
export const policyClock: { now: () => Date } = { now: () => new Date() };

/** Today's UTC day number by the policies' clock. */
export function today(): number {
  return toDay(policyClock.now());
}

/** The config a policy gets, over the defaults it declares. */
export function withDefaults<T extends object>(defaults: T, given: Partial<T>): T {
  const merged = { ...defaults };
  for (const [key, value] of Object.entries(given)) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}

/**
 * The day a policy judges key ages on: today, or the configured `asOf` day when it is today or
 * later. An `asOf` before today would make every key look younger than it is (a way around the
 * age checks), so it is reported as a violation of the policy itself (`policy`, its name) and
 * the keys are judged as of today. An `asOf` that is not a real date throws, naming the field.
 */
export function evaluationDay(
  policy: string,
  asOf: string | undefined,
  reportViolation: ReportViolation,
): number {
  const now = today();
  if (asOf === undefined) return now;
  if (!isIsoDate(asOf)) {
    throw new RangeError(
      `[asOf] must be a real date written YYYY-MM-DD (got ${JSON.stringify(asOf)}).`,
    );
  }
  const day = toDay(asOf);
  if (day >= now) return day;
  reportViolation(
    `The \`asOf\` setting of ${policy} is ${asOf}, earlier than today (${fromDay(now)}): keys ` +
      `judged as of a past day look younger than they are, so a past asOf is not accepted. ` +
      `Remove asOf from this policy's config, or set it to today or a later day. Keys were ` +
      `judged as of today.`,
  );
  return now;
}

/** The maximum age a key is judged against: the pack's, or its RotatedKeyUser's lower one. */
export interface AgeBound {
  days: number;
  /** The RotatedKeyUser whose rotation.maxAgeDays this is; absent for the pack's maxAgeDays. */
  component?: string;
}

/** How a message names a bound: `the 90-day maximum`, or whose it is when it is a user's. */
export function maximumText(bound: AgeBound): string {
  return bound.component === undefined
    ? `the ${bound.days}-day maximum`
    : `the ${bound.days}-day maximum of RotatedKeyUser "${bound.component}" (its rotation.maxAgeDays)`;
}
