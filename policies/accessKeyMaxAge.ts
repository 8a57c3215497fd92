import { ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { fromDay } from "../lib/days";
import { accessKeys, keyLabel, siblingIsReissued } from "./accessKeys";
import {
  asOfSchema,
  dayOf,
  DEFAULT_MAX_AGE_DAYS,
  maxAgeDaysSchema,
  withDefaults,
} from "./thresholds";

interface AgeConfig {
  maxAgeDays: number;
  asOf?: string;
}

export const accessKeyMaxAge: StackValidationPolicy = {
  name: "iam-access-key-max-age",
  description:
    "Active IAM access keys must be younger than the maximum age, unless this update replaces them or rotates them away.",
  configSchema: { properties: { maxAgeDays: maxAgeDaysSchema, asOf: asOfSchema } },
  enforcementLevel: "mandatory",
  validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
    const config = withDefaults<AgeConfig>(
      { maxAgeDays: DEFAULT_MAX_AGE_DAYS },
      args.getConfig<Partial<AgeConfig>>(),
    );
    const today = dayOf(config.asOf);
    for (const key of accessKeys(args.resources)) {
      if (key.status !== "Active" || typeof key.createdOn !== "number") continue;
      const age = today - key.createdOn;
      if (age <= config.maxAgeDays) continue;
      // After runs were missed, the update that rotates the user is the way out: it re-issues the
      // other slot, and the stale key goes Inactive after the overlap. Blocking it would block
      // the recovery (the Config rule's alarm is already reporting the key).
      if (siblingIsReissued(key.resource, args.resources)) continue;
      reportViolation(
        `${keyLabel(key)} is Active and ${age} days old (created ${fromDay(key.createdOn)}), over ` +
          `the ${config.maxAgeDays}-day maximum, and this update does not replace it. Rotate it ` +
          `before deploying: for a RotatedKeyUser key, find out why the daily \`pulumi up\` has ` +
          `not re-issued it (failing runs, rotation.everyDays); for any other key, issue a new ` +
          `one, move its consumers and deactivate this one.`,
        key.resource.urn,
      );
    }
  },
};
