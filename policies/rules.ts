/**
 * The policies of the iam-key-rotation pack, one exported const each, and `policies`, the list
 * `index.ts` serves. Tests import this module and call `validateResource` / `validateStack`
 * with arguments built the way the policy server builds them (test/support/policyHarness.ts);
 * nothing here starts a server.
 *
 * What a policy sees (pulumi/pulumi pkg/resource/deploy/step_generator.go):
 * - `validateResource` gets a resource's *inputs* as it is registered, with `opts.parent`
 *   (the parent's URN); components are analyzed too, with the inputs they register
 *   (RotatedKeyUser registers its settings).
 * - `validateStack` gets every resource's *outputs* once the plan is complete. During preview
 *   those are the old outputs of resources the update leaves alone or updates in place, and
 *   unknown for computed outputs of resources it creates or replaces: an AccessKey's
 *   `createDate` and `id` are unknown exactly when this update issues that key.
 * Reading an unknown value throws; values.ts turns that into UNKNOWN, which no policy ever
 * reports as a violation.
 */
import {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { fromDay, toDay } from "../lib/days";
import { GITHUB_OIDC_AUDIENCE } from "../components/githubOidcRole/trust";
import { analyzeGithubTrust, TrustProblem } from "./githubTrust";
import {
  checkLiveKeys,
  createIamClient,
  iamReader,
  LiveCheckError,
  liveCheckErrorMessage,
  ManagedUser,
} from "./liveCheck";
import {
  asOfSchema,
  dayOf,
  DEFAULT_MAX_AGE_DAYS,
  DEFAULT_WARN_DAYS,
  maxAgeDaysSchema,
  warnDaysSchema,
  withDefaults,
} from "./settings";
import { knownNumber, knownString, parseUrn, plain, read, UNKNOWN, Unknown } from "./values";
import { ROTATED_KEY_USER_TYPE } from "../components/typeTokens";

export const ACCESS_KEY_TYPE = "aws:iam/accessKey:AccessKey";
export const USER_TYPE = "aws:iam/user:User";
export const ROLE_TYPE = "aws:iam/role:Role";
export const CONFIG_RULE_TYPE = "aws:cfg/rule:Rule";
export const ORGANIZATION_MANAGED_RULE_TYPE =
  "aws:cfg/organizationManagedRule:OrganizationManagedRule";
export const ACCESS_KEYS_ROTATED = "ACCESS_KEYS_ROTATED";
/** AWS's default maxAccessKeyAge for ACCESS_KEYS_ROTATED. */
export const AWS_DEFAULT_MAX_ACCESS_KEY_AGE = 90;

const SLOT_SUFFIXES = ["blue", "green"] as const;

// -------------------------------------------------------------------------------------------
// Shared readers

/** Like validateResourceOfType: marks the policy not applicable to other resource types. */
function onlyFor(args: ResourceValidationArgs, ...types: string[]): void {
  if (!types.includes(args.type)) {
    args.notApplicable(`Policy only applies to resources of type '${types.join("', '")}'`);
  }
}

interface AgeConfig {
  maxAgeDays: number;
  asOf?: string;
}

interface KeyFacts {
  resource: PolicyResource;
  user: string | undefined;
  id: string | undefined;
  /** "Active" when the provider default applies; UNKNOWN while not known. */
  status: string | Unknown;
  /** Day number of createDate; UNKNOWN while this update issues the key; undefined if absent. */
  createdOn: number | Unknown | undefined;
}

function keyFacts(resource: PolicyResource): KeyFacts {
  const props = resource.props;
  const status = read(() => props.status as unknown);
  const createDate = read(() => props.createDate as unknown);
  let createdOn: number | Unknown | undefined;
  if (createDate === UNKNOWN) createdOn = UNKNOWN;
  else if (typeof createDate === "string" && !Number.isNaN(Date.parse(createDate))) {
    createdOn = toDay(new Date(Date.parse(createDate)));
  }
  return {
    resource,
    user: knownString(() => props.user),
    id: knownString(() => props.id),
    status: status === UNKNOWN ? UNKNOWN : typeof status === "string" ? status : "Active",
    createdOn,
  };
}

function accessKeys(resources: PolicyResource[]): KeyFacts[] {
  return resources.filter((r) => r.type === ACCESS_KEY_TYPE).map(keyFacts);
}

function keyLabel(key: KeyFacts): string {
  const id = key.id !== undefined ? ` (${key.id})` : "";
  const user = key.user !== undefined ? ` of IAM user "${key.user}"` : "";
  return `Access key "${key.resource.name}"${id}${user}`;
}

function slotNames(component: string): string[] {
  return SLOT_SUFFIXES.map((slot) => `${component}-${slot}`);
}

/**
 * Whether this key is a RotatedKeyUser slot whose other slot this update issues (its createDate
 * is unknown at preview): the update rotates that user.
 */
function siblingIsReissued(key: PolicyResource, resources: PolicyResource[]): boolean {
  const parent = key.parent;
  if (parent?.type !== ROTATED_KEY_USER_TYPE) return false;
  const slots = slotNames(parent.name);
  if (!slots.includes(key.name)) return false;
  return resources.some(
    (r) =>
      r.type === ACCESS_KEY_TYPE &&
      r.parent?.urn === parent.urn &&
      r.name !== key.name &&
      slots.includes(r.name) &&
      keyFacts(r).createdOn === UNKNOWN,
  );
}

// -------------------------------------------------------------------------------------------
// Key age

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

interface WarningConfig extends AgeConfig {
  warnDays: number;
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

// -------------------------------------------------------------------------------------------
// Who owns the keys

export const accessKeyManaged: ResourceValidationPolicy = {
  name: "iam-access-key-managed",
  description:
    "IAM access keys must be key slots of a RotatedKeyUser, the only keys that are rotated.",
  enforcementLevel: "mandatory",
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    onlyFor(args, ACCESS_KEY_TYPE);
    const parent = args.opts.parent !== undefined ? parseUrn(args.opts.parent) : undefined;
    if (parent?.type !== ROTATED_KEY_USER_TYPE) {
      reportViolation(
        `Access key "${args.name}" is not created by a RotatedKeyUser (its parent is ` +
          `${parent?.type ?? "missing"}), so nothing ever rotates it. Declare its IAM user with ` +
          `the RotatedKeyUser component, move the key's consumers to the secret it publishes, ` +
          `and remove this AccessKey.`,
      );
      return;
    }
    const slots = slotNames(parent.name);
    if (!slots.includes(args.name)) {
      reportViolation(
        `Access key "${args.name}" has RotatedKeyUser "${parent.name}" as its parent but is not ` +
          `one of its key slots ("${slots.join('", "')}"), so the rotation never re-issues or ` +
          `deactivates it. Remove it: RotatedKeyUser issues and rotates the user's keys itself.`,
      );
    }
  },
};

/**
 * Both slots re-issued in one update. What validateStack sees at preview, per RotatedKeyUser:
 * - a brand-new user: one key slot, blue, with an unknown createDate (the model issues blue
 *   only when there is no record);
 * - a due rotation: the idle slot's key has an unknown createDate, the current one keeps its
 *   known createDate (at most one slot is re-issued per run);
 * - nothing due: both createDates known.
 * Two slot keys that both have unknown createDates mean both are being created or replaced:
 * the key consumers use now is deleted (deleteBeforeReplace) before they can read the new one.
 * That happens when the component is renamed without an alias (new URNs: both keys are created
 * anew while the old ones still hold the user's two key slots), with `--replace`, when the state
 * lost the keys, or when the rotation record was edited. (A renamed IAM user is a new user: no
 * record under the new name, so blue only.)
 */
export const oneSlotPerUpdate: StackValidationPolicy = {
  name: "iam-access-key-one-slot-per-update",
  description:
    "An update must not re-issue both key slots of a RotatedKeyUser: consumers of the current key would be cut off.",
  enforcementLevel: "mandatory",
  validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
    const components = args.resources.filter((r) => r.type === ROTATED_KEY_USER_TYPE);
    for (const component of components) {
      const children = args.resources.filter((r) => r.parent?.urn === component.urn);
      const slots = slotNames(component.name).map((name) =>
        children.find((r) => r.type === ACCESS_KEY_TYPE && r.name === name),
      );
      const issued = slots.filter((r) => r !== undefined && keyFacts(r).createdOn === UNKNOWN);
      if (issued.length < slots.length) continue;
      const user = children.find((r) => r.type === USER_TYPE);
      const userName = user !== undefined ? knownString(() => user.props.name) : undefined;
      reportViolation(
        `This update re-issues both key slots of RotatedKeyUser "${component.name}"` +
          `${userName !== undefined ? ` (IAM user "${userName}")` : ""}: "${slotNames(component.name).join('" and "')}" ` +
          `are both being created or replaced, so the key consumers use now is deleted before ` +
          `they can read the new one. Find what replaces both keys (a component renamed without an alias, ` +
          `--replace, keys missing from the state, an edited key-rotation:* tag record) and ` +
          `undo it, so that a run re-issues one slot at a time.`,
        component.urn,
      );
    }
  },
};

// -------------------------------------------------------------------------------------------
// Rotation settings

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

// -------------------------------------------------------------------------------------------
// GitHub Actions OIDC trust

function trustMessage(role: string, problem: TrustProblem): string {
  const trusts = `Role "${role}" trusts GitHub's OIDC provider in ${problem.statement}`;
  const exampleSub = `"repo:ORG/REPO:ref:refs/heads/main" or "repo:ORG/REPO:environment:prod"`;
  switch (problem.kind) {
    case "no-aud":
      return (
        `${trusts} without pinning the audience. Add "StringEquals": ` +
        `{"token.actions.githubusercontent.com:aud": "${GITHUB_OIDC_AUDIENCE}"} to that statement.`
      );
    case "wrong-aud":
      return (
        `${trusts} with audience ${JSON.stringify(problem.values)}. Pin ` +
        `token.actions.githubusercontent.com:aud to exactly "${GITHUB_OIDC_AUDIENCE}" with StringEquals.`
      );
    case "no-sub":
      return (
        `${trusts} without a token.actions.githubusercontent.com:sub condition, so a workflow in ` +
        `any GitHub repository can assume it. Add a StringEquals condition on ` +
        `token.actions.githubusercontent.com:sub listing the exact subjects allowed, such as ${exampleSub}.`
      );
    case "wildcard-sub":
      return (
        `${trusts} with wildcard subject ${JSON.stringify(problem.values)}, so every workflow the ` +
        `pattern matches can assume it (an organization-wide pattern admits all of the ` +
        `organization's repositories). List exact subjects instead, such as ${exampleSub}, ` +
        `under StringEquals.`
      );
    case "weak-operator":
      return (
        `${trusts} and constrains token.actions.githubusercontent.com:${problem.claim} only with ` +
        `${problem.operators.join(", ")}, which also admits tokens without a matching claim. ` +
        `Use StringEquals with ${problem.claim === "aud" ? `"${GITHUB_OIDC_AUDIENCE}"` : `exact subjects such as ${exampleSub}`}.`
      );
  }
}

export const githubOidcTrust: ResourceValidationPolicy = {
  name: "iam-github-oidc-trust",
  description:
    "IAM roles that trust GitHub Actions' OIDC provider must pin the audience to sts.amazonaws.com and the subject to exact repositories, branches or environments.",
  enforcementLevel: "mandatory",
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    onlyFor(args, ROLE_TYPE);
    const policy = read(() => args.props.assumeRolePolicy as unknown);
    // An unknown trust policy (one built from a provider ARN this update creates) is checked
    // by `pulumi up`, which analyzes each resource again with its inputs known.
    const analysis = analyzeGithubTrust(policy === UNKNOWN ? UNKNOWN : plain(policy));
    if (analysis.kind !== "read") return;
    for (const problem of analysis.problems) reportViolation(trustMessage(args.name, problem));
  },
};

// -------------------------------------------------------------------------------------------
// AWS Config

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

// -------------------------------------------------------------------------------------------
// Live check

interface LiveCheckConfig {
  liveCheck: boolean;
  maxAgeDays: number;
  asOf?: string;
  region: string;
  endpoint?: string;
  concurrency: number;
  maxAttempts: number;
}

/** The stack's IAM users with the access keys the stack declares for each. */
export function stackUsers(resources: PolicyResource[]): ManagedUser[] {
  const keys = accessKeys(resources);
  // A key whose user is not known could belong to any user: none of them can be judged.
  const anyUnattributed = keys.some((k) => k.user === undefined);
  const users: ManagedUser[] = [];
  for (const resource of resources.filter((r) => r.type === USER_TYPE)) {
    const name = knownString(() => resource.props.name);
    if (name === undefined) continue;
    const own = keys.filter((k) => k.user?.toLowerCase() === name.toLowerCase());
    users.push({
      name,
      path: knownString(() => resource.props.path) ?? "/",
      urn: resource.urn,
      keys: [
        ...own.map((k) => ({
          id: k.id,
          status: k.status === UNKNOWN ? undefined : k.status,
        })),
        ...(anyUnattributed ? [{ id: undefined, status: undefined }] : []),
      ],
    });
  }
  return users;
}

export const accessKeyLiveCheck: StackValidationPolicy = {
  name: "iam-access-key-live-check",
  description:
    "The stack's IAM users must have no Active access keys that the stack does not manage (off unless liveCheck is true).",
  configSchema: {
    properties: {
      liveCheck: {
        type: "boolean",
        default: false,
        description: "Read the users' keys from IAM (iam:ListUsers, iam:ListAccessKeys).",
      },
      maxAgeDays: maxAgeDaysSchema,
      asOf: asOfSchema,
      region: {
        type: "string",
        default: "us-east-1",
        description: "Region the IAM client signs for (IAM is global).",
      },
      endpoint: {
        type: "string",
        description: "IAM endpoint URL override, e.g. a local moto_server. Defaults to AWS's.",
      },
      concurrency: {
        type: "integer",
        minimum: 1,
        maximum: 20,
        default: 4,
        description: "Most ListAccessKeys calls in flight at once.",
      },
      maxAttempts: {
        type: "integer",
        minimum: 1,
        maximum: 10,
        default: 5,
        description: "Attempts per IAM call; throttled calls are retried with adaptive backoff.",
      },
    },
  },
  enforcementLevel: "advisory",
  validateStack: async (args: StackValidationArgs, reportViolation: ReportViolation) => {
    const config = withDefaults<LiveCheckConfig>(
      {
        liveCheck: false,
        maxAgeDays: DEFAULT_MAX_AGE_DAYS,
        region: "us-east-1",
        concurrency: 4,
        maxAttempts: 5,
      },
      args.getConfig<Partial<LiveCheckConfig>>(),
    );
    if (!config.liveCheck) {
      args.notApplicable(
        "The live check is off; set liveCheck: true in the pack config to run it.",
      );
    }
    const users = stackUsers(args.resources);
    if (users.length === 0) return;
    const today = dayOf(config.asOf);
    const client = createIamClient(config);
    try {
      const findings = await checkLiveKeys(users, iamReader(client), {
        maxAgeDays: config.maxAgeDays,
        today,
        concurrency: config.concurrency,
      });
      for (const finding of findings) reportViolation(finding.message, finding.urn);
    } catch (err) {
      if (!(err instanceof LiveCheckError)) throw err;
      reportViolation(liveCheckErrorMessage(err));
    } finally {
      client.destroy();
    }
  },
};

// -------------------------------------------------------------------------------------------

/** Every policy of the pack, in the order the engine reports them. */
export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  accessKeyMaxAge,
  accessKeyAgeWarning,
  accessKeyManaged,
  oneSlotPerUpdate,
  rotationSettings,
  githubOidcTrust,
  configRuleMaxKeyAge,
  accessKeyLiveCheck,
];
