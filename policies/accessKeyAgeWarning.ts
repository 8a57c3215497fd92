import { ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { fromDay } from "../lib/days";
import { keyLabel } from "./accessKeys";
import { indexStack, maxAgeOfKey } from "./stackIndex";
import {
  asOfSchema,
  DEFAULT_MAX_AGE_DAYS,
  DEFAULT_WARN_DAYS,
  evaluationDay,
  maxAgeDaysSchema,
  maximumText,
  warnDaysSchema,
  withDefaults,
} from "./thresholds";

interface WarningConfig {
  maxAgeDays: number;
  warnDays: number;
  asOf?: string;
}

const NAME = "iam-access-key-age-warning";

export const accessKeyAgeWarning: StackValidationPolicy = {
  name: NAME,
  description:
    "Warns about Active IAM access keys that reach the maximum age within the warning window.",
  configSchema: {
    properties: { maxAgeDays: maxAgeDaysSchema, warnDays: warnDaysSchema, asOf: asOfSchema },
  },
  enforcementLevel: "advisory",
  validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
    const config = withDefaults<WarningConfig>(
      { maxAgeDays: DEFAULT_MAX_AGE_DAYS, warnDays: DEFAULT_WARN_DAYS },
      args.getConfig<Partial<WarningConfig>>(),
    );
    const today = evaluationDay(NAME, config.asOf, reportViolation);
    const index = indexStack(args.resources);
    for (const key of index.keys) {
      // Keys over the maximum, or of unknown age, are iam-access-key-max-age's.
      if (key.status !== "Active" || typeof key.createdOn !== "number") continue;
      const bound = maxAgeOfKey(index, key, config.maxAgeDays);
      const age = today - key.createdOn;
      if (age > bound.days || age <= bound.days - config.warnDays) continue;
      const lastDay = fromDay(key.createdOn + bound.days);
      reportViolation(
        `${keyLabel(key)} is ${age} days old (created ${fromDay(key.createdOn)}) and reaches ` +
          `${maximumText(bound)} on ${lastDay}. Make sure a rotation re-issues it before then ` +
          `(the daily \`pulumi up\` must run), or iam-access-key-max-age blocks every deployment ` +
          `from the day after.`,
        key.resource.urn,
      );
    }
  },
};
