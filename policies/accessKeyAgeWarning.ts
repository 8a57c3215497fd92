import { ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { fromDay } from "../lib/days";
import { accessKeys, keyLabel } from "./accessKeys";
import {
  asOfSchema,
  dayOf,
  DEFAULT_MAX_AGE_DAYS,
  DEFAULT_WARN_DAYS,
  maxAgeDaysSchema,
  warnDaysSchema,
  withDefaults,
} from "./thresholds";

interface WarningConfig {
  maxAgeDays: number;
  warnDays: number;
  asOf?: string;
}

export const accessKeyAgeWarning: StackValidationPolicy = {
  name: "iam-access-key-age-warning",
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
    const today = dayOf(config.asOf);
    for (const key of accessKeys(args.resources)) {
      if (key.status !== "Active" || typeof key.createdOn !== "number") continue;
      const age = today - key.createdOn;
      if (age > config.maxAgeDays || age <= config.maxAgeDays - config.warnDays) continue;
      const lastDay = fromDay(key.createdOn + config.maxAgeDays);
      reportViolation(
        `${keyLabel(key)} is ${age} days old (created ${fromDay(key.createdOn)}) and reaches the ` +
          `${config.maxAgeDays}-day maximum on ${lastDay}. Make sure a rotation re-issues it ` +
          `before then (the daily \`pulumi up\` must run), or iam-access-key-max-age blocks ` +
          `every deployment from the day after.`,
        key.resource.urn,
      );
    }
  },
};
