import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { ROTATED_KEY_USER_TYPE } from "../components/typeTokens";
import { onlyFor } from "./resourceTypes";
import { DEFAULT_MAX_AGE_DAYS, maxAgeDaysSchema, withDefaults } from "./thresholds";
import { knownNumber, read, UNKNOWN } from "./unknownValues";

interface MaxAgeConfig {
  maxAgeDays: number;
}

export const rotationSettings: ResourceValidationPolicy = {
  name: "iam-rotation-settings",
  description:
    "RotatedKeyUser rotation settings must retire every key before its maximum age, and that maximum must not exceed the pack's.",
  configSchema: { properties: { maxAgeDays: maxAgeDaysSchema } },
  enforcementLevel: "mandatory",
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    onlyFor(args, ROTATED_KEY_USER_TYPE);
    const config = withDefaults<MaxAgeConfig>(
      { maxAgeDays: DEFAULT_MAX_AGE_DAYS },
      args.getConfig<Partial<MaxAgeConfig>>(),
    );
    const props = args.props;
    const rotation = read(() => props.rotation as unknown);
    if (rotation === UNKNOWN || rotation === undefined || rotation === null) return;
    const everyDays = knownNumber(() => (props.rotation as Record<string, unknown>).everyDays);
    const overlapDays = knownNumber(() => (props.rotation as Record<string, unknown>).overlapDays);
    const maxAgeDays = knownNumber(() => (props.rotation as Record<string, unknown>).maxAgeDays);
    if (maxAgeDays === undefined) return;

    if (everyDays !== undefined && overlapDays !== undefined) {
      // The previous key is deactivated by the first run after its overlap: with overlapDays 0,
      // by the next day's run.
      const activeDays = everyDays + Math.max(overlapDays, 1);
      if (activeDays > maxAgeDays) {
        const sum =
          overlapDays >= 1
            ? `rotation.everyDays ${everyDays} + rotation.overlapDays ${overlapDays}`
            : `rotation.everyDays ${everyDays} + 1 day until the next run deactivates the previous key`;
        reportViolation(
          `RotatedKeyUser "${args.name}" keeps a key Active up to ${activeDays} days (${sum}), ` +
            `longer than its rotation.maxAgeDays of ${maxAgeDays}. Lower rotation.everyDays or ` +
            `rotation.overlapDays, or raise rotation.maxAgeDays to at least ${activeDays}.`,
        );
      }
    }
    if (maxAgeDays > config.maxAgeDays) {
      reportViolation(
        `RotatedKeyUser "${args.name}" lets keys reach ${maxAgeDays} days (rotation.maxAgeDays), ` +
          `more than this policy pack's maximum of ${config.maxAgeDays} days. Set ` +
          `rotation.maxAgeDays to ${config.maxAgeDays} or less.`,
      );
    }
  },
};
