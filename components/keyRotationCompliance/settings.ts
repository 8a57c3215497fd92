/**
 * Settings of the KeyRotationCompliance component and the `compliance` section of the stack
 * configuration: defaults, validation (every problem names its field) and the parser that
 * program/stackConfig.ts calls. Pure: no Pulumi import, so the CLI can use it too.
 */
import { MAX_DAYS, RotationPolicy } from "../rotatedKeyUser/rotationModel";
import { got, isInt, isPlainObject, unknownKeys } from "../../lib/validation";

/** The AWS Config managed rule this component deploys. */
export const RULE_IDENTIFIER = "ACCESS_KEYS_ROTATED";

/**
 * Name the program gives its KeyRotationCompliance component. Its auto-named children (SNS topic,
 * recorder bucket and role) are named `<component name>-<child>-<random>`, which is how the CI
 * apply role is scoped to them (components/githubOidcRole).
 */
export const COMPLIANCE_COMPONENT_NAME = "key-rotation-compliance";

/** Default name of the Config rule (and the base of the EventBridge rule and alarm names). */
export const DEFAULT_RULE_NAME = "iam-key-rotation-access-keys-rotated";

/** Every value of AWS Config's MaximumExecutionFrequency enum (API reference). */
const AWS_EXECUTION_FREQUENCIES = [
  "One_Hour",
  "Three_Hours",
  "Six_Hours",
  "Twelve_Hours",
  "TwentyFour_Hours",
] as const;

/**
 * The frequencies accepted here: six hours or longer. AWS documents that re-evaluating
 * ACCESS_KEYS_ROTATED within 4 hours of an evaluation has no effect on its results (the IAM
 * credential report behind it is regenerated at most every 4 hours).
 */
const EXECUTION_FREQUENCIES = ["Six_Hours", "Twelve_Hours", "TwentyFour_Hours"] as const;
export type ExecutionFrequency = (typeof EXECUTION_FREQUENCIES)[number];
const DEFAULT_EXECUTION_FREQUENCY: ExecutionFrequency = "TwentyFour_Hours";

/** AWS Config accepts at most this many excluded accounts on an organization rule. */
const MAX_EXCLUDED_ACCOUNTS = 1000;

/**
 * Suffix of the EventBridge rule and CloudWatch alarm names. EventBridge rule names are at most
 * 64 characters, so the Config rule name is at most 64 - 14 = 50.
 */
export const NON_COMPLIANT_SUFFIX = "-non-compliant";
const MAX_RULE_NAME_LENGTH = 64 - NON_COMPLIANT_SUFFIX.length;

/** The settings of a KeyRotationCompliance component, every default applied. */
export interface ComplianceSettings {
  /** Name of the Config rule (or organization rule). */
  ruleName: string;
  /** Days after which an active access key is NON_COMPLIANT (1 to 365). */
  maxAccessKeyAge: number;
  /** How often AWS Config evaluates the rule. */
  maximumExecutionFrequency: ExecutionFrequency;
  /** Create the configuration recorder, its bucket, role and delivery channel. */
  createRecorder: boolean;
  /** Email addresses subscribed to the notification topic. */
  emails: string[];
  /** Deploy the rule to every account of the organization (management or delegated admin). */
  organization: boolean;
  /** Accounts the organization rule skips (organization mode only). */
  excludedAccounts: string[];
}

/** Keys of the `compliance` stack setting. `enabled` is the only one not in ComplianceSettings. */
export const COMPLIANCE_KEYS = [
  "enabled",
  "ruleName",
  "maxAccessKeyAge",
  "maximumExecutionFrequency",
  "createRecorder",
  "emails",
  "organization",
  "excludedAccounts",
] as const;

const RULE_NAME_RE = /^[A-Za-z0-9_-]+$/;
const ACCOUNT_RE = /^\d{12}$/;
// Pragmatic address check: one @, no spaces, a dot in the domain. SNS sends a confirmation
// mail to each address, which is the real test.
const EMAIL_RE = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;
const MAX_EMAIL_LENGTH = 254;

/** Every problem with a complete set of settings; each names its field under `field`. */
export function validateComplianceSettings(
  settings: ComplianceSettings,
  field = "compliance",
): string[] {
  const problems: string[] = [];
  const f = (key: string) => `[${field}.${key}]`;
  const s = settings as unknown as Record<string, unknown>;

  const { ruleName } = s;
  if (
    typeof ruleName !== "string" ||
    ruleName.length > MAX_RULE_NAME_LENGTH ||
    !RULE_NAME_RE.test(ruleName)
  ) {
    problems.push(
      `${f("ruleName")} must be 1 to ${MAX_RULE_NAME_LENGTH} letters, digits, hyphens or ` +
        `underscores (got ${got(ruleName)}).`,
    );
  }

  const { maxAccessKeyAge } = s;
  if (!isInt(maxAccessKeyAge) || maxAccessKeyAge < 1 || maxAccessKeyAge > MAX_DAYS) {
    problems.push(
      `${f("maxAccessKeyAge")} must be an integer from 1 to ${MAX_DAYS} (got ${got(maxAccessKeyAge)}).`,
    );
  }

  const frequency = s.maximumExecutionFrequency;
  if (!(EXECUTION_FREQUENCIES as readonly unknown[]).includes(frequency)) {
    problems.push(
      (AWS_EXECUTION_FREQUENCIES as readonly unknown[]).includes(frequency)
        ? `${f("maximumExecutionFrequency")} must be at least Six_Hours (got ${got(frequency)}): ` +
            `re-evaluating ${RULE_IDENTIFIER} within 4 hours has no effect on its results, because ` +
            `the IAM credential report behind it is regenerated at most every 4 hours.`
        : `${f("maximumExecutionFrequency")} must be one of ${EXECUTION_FREQUENCIES.join(", ")} ` +
            `(got ${got(frequency)}).`,
    );
  }

  for (const key of ["createRecorder", "organization"]) {
    if (typeof s[key] !== "boolean") {
      problems.push(`${f(key)} must be true or false (got ${got(s[key])}).`);
    }
  }

  problems.push(...validateEmails(s.emails, f("emails"), (i) => f(`emails[${i}]`)));
  problems.push(
    ...validateAccounts(s.excludedAccounts, f("excludedAccounts"), (i) =>
      f(`excludedAccounts[${i}]`),
    ),
  );
  if (
    s.organization === false &&
    Array.isArray(s.excludedAccounts) &&
    s.excludedAccounts.length > 0
  ) {
    problems.push(
      `${f("excludedAccounts")} only applies to an organization rule: set ${f("organization")} ` +
        `to true, or remove the exclusions (an account rule covers this account only).`,
    );
  }
  return problems;
}

function validateEmails(
  emails: unknown,
  listField: string,
  itemField: (i: number) => string,
): string[] {
  if (!Array.isArray(emails)) {
    return [`${listField} must be a list of email addresses (got ${got(emails)}).`];
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  emails.forEach((email: unknown, i) => {
    if (typeof email !== "string" || email.length > MAX_EMAIL_LENGTH || !EMAIL_RE.test(email)) {
      problems.push(
        `${itemField(i)} must be an email address like security@example.com (got ${got(email)}).`,
      );
      return;
    }
    const lower = email.toLowerCase();
    if (seen.has(lower)) problems.push(`${listField} lists ${got(email)} twice.`);
    seen.add(lower);
  });
  return problems;
}

function validateAccounts(
  accounts: unknown,
  listField: string,
  itemField: (i: number) => string,
): string[] {
  if (!Array.isArray(accounts)) {
    return [`${listField} must be a list of 12-digit AWS account IDs (got ${got(accounts)}).`];
  }
  const problems: string[] = [];
  if (accounts.length > MAX_EXCLUDED_ACCOUNTS) {
    problems.push(
      `${listField} lists ${accounts.length} accounts; AWS Config accepts at most ${MAX_EXCLUDED_ACCOUNTS}.`,
    );
  }
  const seen = new Set<string>();
  accounts.forEach((account: unknown, i) => {
    if (typeof account !== "string" || !ACCOUNT_RE.test(account)) {
      problems.push(
        `${itemField(i)} must be a 12-digit AWS account ID written as a quoted string, ` +
          `e.g. "111122223333" (got ${got(account)}).`,
      );
      return;
    }
    if (seen.has(account)) problems.push(`${listField} lists ${got(account)} twice.`);
    seen.add(account);
  });
  return problems;
}

/** The settings with every default applied over `partial`. */
export function complianceDefaults(
  partial: Partial<ComplianceSettings>,
  defaultMaxAge: number,
): ComplianceSettings {
  return {
    ruleName: partial.ruleName ?? DEFAULT_RULE_NAME,
    maxAccessKeyAge: partial.maxAccessKeyAge ?? defaultMaxAge,
    maximumExecutionFrequency: partial.maximumExecutionFrequency ?? DEFAULT_EXECUTION_FREQUENCY,
    createRecorder: partial.createRecorder ?? false,
    emails: [...(partial.emails ?? [])],
    organization: partial.organization ?? false,
    excludedAccounts: [...(partial.excludedAccounts ?? [])],
  };
}

/**
 * Reads the `compliance` stack setting. Absent, or `enabled: false`: returns undefined (no
 * compliance resources). Otherwise returns the settings with defaults applied;
 * `maxAccessKeyAge` defaults to `defaultMaxAge` (the stack's rotation.maxAgeDays). Problems,
 * each naming its field, are appended to `problems`.
 */
export function parseComplianceConfig(
  raw: unknown,
  defaultMaxAge: number,
  problems: string[],
): ComplianceSettings | undefined {
  if (raw === undefined) return undefined;
  if (!isPlainObject(raw)) {
    problems.push(
      `[compliance] must be an object of compliance settings, e.g. ` +
        `{ emails: [security@example.com] } (got ${got(raw)}).`,
    );
    return undefined;
  }
  problems.push(...unknownKeys(raw, COMPLIANCE_KEYS, "compliance"));
  const enabled = raw.enabled ?? true;
  const local: string[] = [];
  if (typeof enabled !== "boolean") {
    local.push(`[compliance.enabled] must be true or false (got ${got(enabled)}).`);
  }
  // Lists are copied by complianceDefaults; anything else is kept as given to be reported.
  const { emails, excludedAccounts, ...scalars } = raw;
  const settings = {
    ...complianceDefaults(
      scalars,
      // A bad rotation.maxAgeDays is reported under its own name; don't report it twice.
      isInt(defaultMaxAge) && defaultMaxAge >= 1 && defaultMaxAge <= MAX_DAYS
        ? defaultMaxAge
        : MAX_DAYS,
    ),
    ...(emails !== undefined ? { emails } : {}),
    ...(excludedAccounts !== undefined ? { excludedAccounts } : {}),
  } as ComplianceSettings;
  local.push(...validateComplianceSettings(settings));
  problems.push(...local);
  if (local.length > 0 || enabled === false) return undefined;
  return settings;
}

/**
 * The age a managed user's key reaches while Active in normal operation (daily runs): the
 * previous key stays Active for overlapDays after its successor is published, or until the next
 * run when overlapDays is 0.
 */
function longestActiveAge(policy: RotationPolicy): number {
  return policy.everyDays + Math.max(policy.overlapDays, 1);
}

/**
 * Warnings (not errors: a low maxAccessKeyAge is also how the alarm is tested) for managed users
 * whose keys the rule would report NON_COMPLIANT during normal rotation.
 */
export function complianceWarnings(
  settings: Pick<ComplianceSettings, "maxAccessKeyAge">,
  users: readonly { name: string; rotation: RotationPolicy }[],
): string[] {
  return users
    .filter((u) => longestActiveAge(u.rotation) > settings.maxAccessKeyAge)
    .map(
      (u) =>
        `[compliance.maxAccessKeyAge] is ${settings.maxAccessKeyAge}, but user "${u.name}" keeps ` +
        `a key Active up to ${longestActiveAge(u.rotation)} days in normal rotation (everyDays ` +
        `${u.rotation.everyDays}, overlapDays ${u.rotation.overlapDays}): AWS Config will report ` +
        `it NON_COMPLIANT and page. Raise maxAccessKeyAge or shorten that user's rotation.`,
    );
}
