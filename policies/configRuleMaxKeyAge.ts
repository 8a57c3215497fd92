import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { CONFIG_RULE_TYPE, onlyFor, ORGANIZATION_MANAGED_RULE_TYPE } from "./resourceTypes";
import { DEFAULT_MAX_AGE_DAYS, maxAgeDaysSchema, withDefaults } from "./thresholds";
import { knownString, plain, read, UNKNOWN, Unknown } from "./unknownValues";

const ACCESS_KEYS_ROTATED = "ACCESS_KEYS_ROTATED";
/** AWS's default maxAccessKeyAge for ACCESS_KEYS_ROTATED. */
const AWS_DEFAULT_MAX_ACCESS_KEY_AGE = 90;

interface MaxAgeConfig {
  maxAgeDays: number;
}

export const configRuleMaxKeyAge: ResourceValidationPolicy = {
  name: "iam-config-rule-max-key-age",
  description:
    "AWS Config ACCESS_KEYS_ROTATED rules must not allow older access keys than the pack's maximum age.",
  configSchema: { properties: { maxAgeDays: maxAgeDaysSchema } },
  enforcementLevel: "mandatory",
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    onlyFor(args, CONFIG_RULE_TYPE, ORGANIZATION_MANAGED_RULE_TYPE);
    const config = withDefaults<MaxAgeConfig>(
      { maxAgeDays: DEFAULT_MAX_AGE_DAYS },
      args.getConfig<Partial<MaxAgeConfig>>(),
    );
    const props = args.props;
    const identifier =
      args.type === CONFIG_RULE_TYPE
        ? knownString(() => (props.source as Record<string, unknown> | undefined)?.sourceIdentifier)
        : knownString(() => props.ruleIdentifier);
    if (identifier?.toUpperCase() !== ACCESS_KEYS_ROTATED) return;

    const raw = read(() => props.inputParameters as unknown);
    if (raw === UNKNOWN) return;
    const rule = `AWS Config rule "${args.name}" (${ACCESS_KEYS_ROTATED})`;
    const fix =
      `Set maxAccessKeyAge to ${config.maxAgeDays} or less in inputParameters, e.g. ` +
      `{"maxAccessKeyAge":"${config.maxAgeDays}"}.`;
    const value = maxAccessKeyAge(raw);
    if (value === undefined) {
      if (AWS_DEFAULT_MAX_ACCESS_KEY_AGE > config.maxAgeDays) {
        reportViolation(
          `${rule} sets no maxAccessKeyAge, so AWS uses its default of ` +
            `${AWS_DEFAULT_MAX_ACCESS_KEY_AGE} days, more than this policy pack's maximum of ` +
            `${config.maxAgeDays} days. ${fix}`,
        );
      }
    } else if (value === UNKNOWN) {
      return;
    } else if (typeof value !== "number") {
      reportViolation(
        `${rule} has maxAccessKeyAge ${value.invalid}, which is not a whole number of days. ${fix}`,
      );
    } else if (value > config.maxAgeDays) {
      reportViolation(
        `${rule} allows access keys up to ${value} days old (maxAccessKeyAge), more than this ` +
          `policy pack's maximum of ${config.maxAgeDays} days, so it reports keys compliant that ` +
          `the pack blocks. ${fix}`,
      );
    }
  },
};

/** maxAccessKeyAge from inputParameters (a JSON string, or an object). */
function maxAccessKeyAge(raw: unknown): number | Unknown | { invalid: string } | undefined {
  let parameters: unknown = raw;
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (typeof raw === "string") {
    try {
      parameters = JSON.parse(raw);
    } catch {
      return { invalid: `in unreadable inputParameters ${JSON.stringify(raw)}` };
    }
  } else {
    parameters = plain(raw);
  }
  if (typeof parameters !== "object" || parameters === null || Array.isArray(parameters)) {
    return { invalid: `in unreadable inputParameters ${JSON.stringify(raw)}` };
  }
  const value = (parameters as Record<string, unknown>).maxAccessKeyAge;
  if (value === undefined) return undefined;
  if (value === UNKNOWN) return UNKNOWN;
  if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
  if (typeof value === "string" && /^[0-9]+$/.test(value.trim()) && Number(value) > 0) {
    return Number(value);
  }
  return { invalid: JSON.stringify(value) };
}
