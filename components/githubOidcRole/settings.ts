/**
 * Settings of the GithubOidcRole component: the `github` stack config section (who may run this
 * stack from GitHub Actions, keyless, through GitHub's OIDC provider), the component's defaults
 * and the validation of its arguments (the users' grants sized with ./permissions.ts). Pure:
 * nothing from Pulumi at run time (its documents only use Pulumi's types), so the CLI can parse
 * stack files without loading the AWS SDK. Every problem is a sentence naming its field.
 */
import { got, isPlainObject, unknownKeys, writtenWithoutValue } from "../../lib/validation";
import { GITHUB_OIDC_HOST, githubProviderArn, githubTrustPolicy } from "./trust";
import {
  applyRolePolicy,
  CiScope,
  ManagedUser,
  MAX_INLINE_POLICY_CHARS,
  MAX_MANAGED_POLICY_CHARS,
  MAX_USER_POLICIES_PER_ROLE,
  policySize,
  previewRolePolicy,
  usersPolicy,
  usersPolicyChunks,
  WORST_CASE_PLACE,
} from "./permissions";
import { DEFAULT_RULE_NAME, COMPLIANCE_COMPONENT_NAME } from "../keyRotationCompliance/settings";
import { DEFAULT_PATH, DEFAULT_SECRET_PREFIX } from "../rotatedKeyUser/settings";

const DEFAULT_APPLY_ROLE_NAME = "key-rotation-github-apply";
const DEFAULT_PREVIEW_ROLE_NAME = "key-rotation-github-preview";
/** Maximum session of the CI roles, in seconds, unless set. */
const DEFAULT_MAX_SESSION_DURATION = 3600;

export interface GithubConfig {
  /** OIDC subjects allowed to assume the apply role (runs `pulumi up`). */
  readonly applySubjects: readonly string[];
  /** OIDC subjects allowed to assume the read-only preview role; empty: no preview role. */
  readonly previewSubjects: readonly string[];
  /** ARN of an existing GitHub Actions OIDC provider; undefined: the stack creates one. */
  readonly providerArn?: string;
  readonly applyRoleName: string;
  readonly previewRoleName: string;
  /** S3 bucket of the Pulumi state backend (`pulumi login s3://<bucket>/<prefix>`), if any. */
  readonly stateBucket?: string;
  /** Key prefix of the state inside the bucket: "" or ending with "/". */
  readonly stateKeyPrefix: string;
  /** KMS key of the stack's `awskms://` secrets provider, if any. */
  readonly secretsProviderKmsKeyArn?: string;
}

export const GITHUB_KEYS = [
  "applySubjects",
  "previewSubjects",
  "providerArn",
  "applyRoleName",
  "previewRoleName",
  "stateBucket",
  "stateKeyPrefix",
  "secretsProviderKmsKeyArn",
] as const;

const FORMS =
  "repo:OWNER/REPO:ref:refs/heads/BRANCH, repo:OWNER/REPO:environment:NAME or " +
  "repo:OWNER/REPO:pull_request";

// GitHub: owner names are 1-39 alphanumerics or single inner hyphens; repository names are
// 1-100 of letters, digits, ".", "_", "-" (and never "." or "..").
const OWNER_RE = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const REPO_RE = /^(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;
// Git branch names (refs/heads/...), a safe subset: no "..", no "//", no leading or trailing
// "/" or ".", no ".lock" suffix.
const BRANCH_RE = /^(?![./])(?!.*\.\.)(?!.*\/\/)(?!.*\.lock$)[A-Za-z0-9._/+-]{1,255}(?<![./])$/;
const ENVIRONMENT_RE = /^[A-Za-z0-9._-]{1,255}$/;
const ROLE_NAME_RE = /^[\w+=,.@-]{1,64}$/;
const PROVIDER_ARN_RE = new RegExp(
  `^arn:aws(?:-cn|-us-gov)?:iam::\\d{12}:oidc-provider/${GITHUB_OIDC_HOST.replace(/\./g, "\\.")}$`,
);
const BUCKET_RE = /^(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// Empty: the state at the bucket's root (the default).
const KEY_PREFIX_RE = /^(?:(?:[A-Za-z0-9!_.'()-]+\/)*[A-Za-z0-9!_.'()-]+\/?)?$/;
const KMS_KEY_ARN_RE =
  /^arn:aws(?:-cn|-us-gov)?:kms:[a-z0-9-]+:\d{12}:key\/(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The parts of a well-formed subject. */
type Subject =
  | { kind: "branch"; repository: string; branch: string }
  | { kind: "environment"; repository: string; environment: string }
  | { kind: "pull_request"; repository: string };

/**
 * Checks one OIDC `sub` value. Returns the parsed subject, or the problem (naming `field`):
 * "*", wildcards in the owner or repository (which let other repositories in), any other
 * wildcard (the trust compares with StringEquals), malformed repositories, other forms.
 */
export function checkSubject(value: unknown, field: string): Subject | string {
  if (typeof value !== "string") {
    return `[${field}] must be a string like repo:OWNER/REPO:environment:NAME (got ${got(value)}).`;
  }
  if (value === "*") {
    return `[${field}] must not be "*": every GitHub Actions workflow of every repository could assume the role.`;
  }
  if (value.startsWith("repo:")) {
    const [owner, repo = ""] = value.slice("repo:".length).split(":")[0].split("/");
    if (/[*?]/.test(owner)) {
      return (
        `[${field}] must name one repository, not a pattern: a wildcard in the owner lets ` +
        `repositories of any GitHub account assume the role (got ${got(value)}).`
      );
    }
    if (/[*?]/.test(repo)) {
      return (
        `[${field}] must name one repository, not a pattern: "repo:${owner}/${repo}" lets ` +
        `every matching repository of ${owner} assume the role (got ${got(value)}).`
      );
    }
  }
  if (/[*?]/.test(value)) {
    return (
      `[${field}] must be exact: the trust compares it with StringEquals, so "*" and "?" ` +
      `match only themselves; list each branch or environment (got ${got(value)}).`
    );
  }
  const repoMatch = /^repo:([^/:]*)\/([^:]*)(?::(.*))?$/.exec(value);
  if (repoMatch === null) return `[${field}] must be ${FORMS} (got ${got(value)}).`;
  const [, owner, repo, context] = repoMatch;
  if (!OWNER_RE.test(owner) || !REPO_RE.test(repo)) {
    return (
      `[${field}] names a malformed repository ${got(`${owner}/${repo}`)}: OWNER is 1 to 39 ` +
      `letters, digits or single hyphens, REPO 1 to 100 letters, digits, ".", "_" or "-" ` +
      `(got ${got(value)}).`
    );
  }
  const repository = `${owner}/${repo}`;
  if (context === "pull_request") return { kind: "pull_request", repository };
  const branch = context?.startsWith("ref:refs/heads/")
    ? context.slice("ref:refs/heads/".length)
    : undefined;
  if (branch !== undefined && BRANCH_RE.test(branch)) {
    return { kind: "branch", repository, branch };
  }
  const environment = context?.startsWith("environment:")
    ? context.slice("environment:".length)
    : undefined;
  if (environment !== undefined && ENVIRONMENT_RE.test(environment)) {
    return { kind: "environment", repository, environment };
  }
  return `[${field}] must be ${FORMS} (got ${got(value)}).`;
}

function readSubjects(
  raw: unknown,
  field: string,
  required: boolean,
  example: string,
  problems: string[],
): { value: string; subject: Subject; field: string }[] {
  if (raw === undefined && !required) return [];
  if (!Array.isArray(raw) || (required && raw.length === 0)) {
    problems.push(
      `[${field}] must be a${required ? " non-empty" : ""} list of GitHub OIDC subjects, ` +
        `e.g. ["${example}"] (got ${got(raw)}).`,
    );
    return [];
  }
  const out: { value: string; subject: Subject; field: string }[] = [];
  const seen = new Map<string, number>();
  raw.forEach((value: unknown, i: number) => {
    const itemField = `${field}[${i}]`;
    const checked = checkSubject(value, itemField);
    if (typeof checked === "string") {
      problems.push(checked);
      return;
    }
    const first = seen.get(value as string);
    if (first !== undefined) {
      problems.push(`[${itemField}] duplicates [${field}[${first}]] (${got(value)}).`);
      return;
    }
    seen.set(value as string, i);
    out.push({ value: value as string, subject: checked, field: itemField });
  });
  return out;
}

function readOptionalString(
  raw: Record<string, unknown>,
  key: string,
  re: RegExp,
  message: (value: unknown) => string,
  problems: string[],
): string | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !re.test(value)) {
    problems.push(message(value));
    return undefined;
  }
  return value;
}

/**
 * Parses the `github` section. Pushes every problem to `problems` (each naming its field as
 * `[github.<key>]`) and returns undefined when there was any.
 */
export function parseGithubConfig(raw: unknown, problems: string[]): GithubConfig | undefined {
  if (!isPlainObject(raw)) {
    problems.push(`[github] must be an object with at least applySubjects (got ${got(raw)}).`);
    return undefined;
  }
  const local: string[] = [];
  local.push(...unknownKeys(raw, GITHUB_KEYS, "github"));

  const apply = readSubjects(
    raw.applySubjects,
    "github.applySubjects",
    true,
    "repo:acme/iam-key-rotation:environment:prod",
    local,
  );
  for (const { subject, field } of apply) {
    if (subject.kind === "pull_request") {
      local.push(
        `[${field}] must not be a pull_request subject: anyone who can push a branch can run a ` +
          `pull request workflow, and the apply role changes AWS. Give pull requests the ` +
          `read-only preview role ([github.previewSubjects]).`,
      );
    }
  }
  const preview = readSubjects(
    raw.previewSubjects,
    "github.previewSubjects",
    false,
    "repo:acme/iam-key-rotation:pull_request",
    local,
  );

  const providerArn = readOptionalString(
    raw,
    "providerArn",
    PROVIDER_ARN_RE,
    (v) =>
      `[github.providerArn] must be the ARN of the account's GitHub Actions OIDC provider, ` +
      `arn:aws:iam::<account>:oidc-provider/${GITHUB_OIDC_HOST} (got ${got(v)}).`,
    local,
  );
  const roleName = (key: "applyRoleName" | "previewRoleName", fallback: string) =>
    readOptionalString(
      raw,
      key,
      ROLE_NAME_RE,
      (v) =>
        `[github.${key}] must be an IAM role name: 1 to 64 letters, digits or +=,.@_- (got ${got(v)}).`,
      local,
    ) ?? fallback;
  const applyRoleName = roleName("applyRoleName", DEFAULT_APPLY_ROLE_NAME);
  const previewRoleName = roleName("previewRoleName", DEFAULT_PREVIEW_ROLE_NAME);
  // Without previewSubjects there is no preview role, so no name for the apply role to clash with.
  if (preview.length > 0 && applyRoleName.toLowerCase() === previewRoleName.toLowerCase()) {
    local.push(
      `[github.previewRoleName] must differ from [github.applyRoleName] (IAM role names are ` +
        `unique regardless of case; both ${got(previewRoleName)}).`,
    );
  }

  const stateBucket = readOptionalString(
    raw,
    "stateBucket",
    BUCKET_RE,
    (v) =>
      `[github.stateBucket] must be an S3 bucket name (3 to 63 lowercase letters, digits, "." ` +
      `or "-"), without s3:// (got ${got(v)}).`,
    local,
  );
  let stateKeyPrefix =
    readOptionalString(
      raw,
      "stateKeyPrefix",
      KEY_PREFIX_RE,
      (v) =>
        `[github.stateKeyPrefix] must be the state's key prefix inside the bucket, like ` +
        `"pulumi/" (no leading "/", no "*") (got ${got(v)}).`,
      local,
    ) ?? "";
  if (stateKeyPrefix !== "" && !stateKeyPrefix.endsWith("/")) stateKeyPrefix += "/";
  // A stateBucket written with no value is already reported as such: one mistake, one problem.
  if (
    raw.stateKeyPrefix !== undefined &&
    raw.stateBucket === undefined &&
    !writtenWithoutValue(raw, "stateBucket")
  ) {
    local.push(`[github.stateKeyPrefix] needs [github.stateBucket].`);
  }
  const secretsProviderKmsKeyArn = readOptionalString(
    raw,
    "secretsProviderKmsKeyArn",
    KMS_KEY_ARN_RE,
    (v) =>
      `[github.secretsProviderKmsKeyArn] must be a KMS key ARN, ` +
      `arn:aws:kms:<region>:<account>:key/<key-id>; an alias ARN cannot grant kms:Decrypt ` +
      `(got ${got(v)}).`,
    local,
  );

  problems.push(...local);
  if (local.length > 0) return undefined;
  const config: GithubConfig = {
    applySubjects: apply.map((s) => s.value),
    previewSubjects: preview.map((s) => s.value),
    applyRoleName,
    previewRoleName,
    stateKeyPrefix,
  };
  return {
    ...config,
    ...(providerArn !== undefined && { providerArn }),
    ...(stateBucket !== undefined && { stateBucket }),
    ...(secretsProviderKmsKeyArn !== undefined && { secretsProviderKmsKeyArn }),
  };
}

/**
 * Warnings about a parsed `github` section that are not errors: a pull_request subject in
 * `previewSubjects` lets anyone who can push a branch run code with the preview role, which
 * reads every published key and the stack's state. The program logs them (pulumi.log.warn);
 * each names its field.
 */
export function githubConfigWarnings(github: GithubConfig): string[] {
  return github.previewSubjects.flatMap((value, i) => {
    const subject = checkSubject(value, "");
    if (typeof subject === "string" || subject.kind !== "pull_request") return [];
    return [
      `[github.previewSubjects[${i}]] is a pull_request subject: anyone who can push a branch ` +
        `to ${subject.repository} can run a workflow with the preview role, which reads every ` +
        `published key and the stack's state. Put previews behind a GitHub environment with ` +
        `required reviewers (repo:${subject.repository}:environment:preview) ` +
        `(docs/keyless-ci.md, "What the preview role can read").`,
    ];
  });
}

/** The settings of a GithubOidcRole, every default applied: what it registers as its inputs. */
export interface GithubOidcRoleSettings {
  readonly applySubjects: readonly string[];
  readonly previewSubjects: readonly string[];
  /** The existing provider's ARN; undefined: the component creates the provider. */
  readonly providerArn: string | undefined;
  readonly applyRoleName: string;
  /** Undefined without preview subjects: then there is no preview role. */
  readonly previewRoleName: string | undefined;
  readonly users: readonly string[];
  readonly path: string;
  readonly secretPrefix: string;
  /** Each user's own tags, by user name (users without tags are absent). */
  readonly userTags: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Each user's managed policies, by user name (users without policies are absent). */
  readonly userPolicyArns: Readonly<Record<string, readonly string[]>>;
  /** The users whose IAM path is not `path`, by user name. */
  readonly userPaths: Readonly<Record<string, string>>;
  readonly stateBucket: string | undefined;
  readonly stateKeyPrefix: string;
  readonly secretsProviderKmsKeyArn: string | undefined;
  /** The KeyRotationCompliance resources the roles may read; undefined: none. */
  readonly compliance: CiScope["compliance"];
  readonly maxSessionDuration: number;
}

/**
 * The plain arguments the settings are made from (GithubOidcRoleArgs, in ./githubOidcRole.ts,
 * documents each and its default): any setting but the compliance scope, which comes as flat
 * fields; only the subjects and the users are required.
 */
type GithubOidcRoleGiven = Partial<Omit<GithubOidcRoleSettings, "compliance">> &
  Pick<GithubOidcRoleSettings, "applySubjects" | "users"> & {
    readonly compliance?: boolean;
    readonly complianceComponentName?: string;
    readonly complianceRuleName?: string;
    readonly complianceRecorder?: boolean;
    readonly complianceOrganization?: boolean;
  };

const copyMap = <T>(map: Readonly<Record<string, T>> | undefined, copy: (v: T) => T) =>
  Object.fromEntries(Object.entries(map ?? {}).map(([k, v]) => [k, copy(v)]));

/**
 * The settings with every default applied: role names "key-rotation-github-apply" and (with
 * preview subjects only) "key-rotation-github-preview", path "/key-rotation/", secret prefix
 * "key-rotation/", no user tags, policies or own paths, state key prefix "", a one-hour session,
 * and the compliance scope of the "key-rotation-compliance" component when `compliance` is true.
 */
export function githubOidcRoleSettings(args: GithubOidcRoleGiven): GithubOidcRoleSettings {
  const previewSubjects = [...(args.previewSubjects ?? [])];
  return {
    applySubjects: [...args.applySubjects],
    previewSubjects,
    providerArn: args.providerArn,
    applyRoleName: args.applyRoleName ?? DEFAULT_APPLY_ROLE_NAME,
    previewRoleName:
      previewSubjects.length > 0 ? (args.previewRoleName ?? DEFAULT_PREVIEW_ROLE_NAME) : undefined,
    users: [...args.users],
    path: args.path ?? DEFAULT_PATH,
    secretPrefix: args.secretPrefix ?? DEFAULT_SECRET_PREFIX,
    userTags: copyMap(args.userTags, (tags) => ({ ...tags })),
    userPolicyArns: copyMap(args.userPolicyArns, (arns) => [...arns]),
    userPaths: copyMap(args.userPaths, (p) => p),
    stateBucket: args.stateBucket,
    stateKeyPrefix: args.stateKeyPrefix ?? "",
    secretsProviderKmsKeyArn: args.secretsProviderKmsKeyArn,
    compliance: args.compliance
      ? {
          componentName: args.complianceComponentName ?? COMPLIANCE_COMPONENT_NAME,
          ruleName: args.complianceRuleName ?? DEFAULT_RULE_NAME,
          recorder: args.complianceRecorder ?? false,
          organization: args.complianceOrganization ?? false,
        }
      : undefined,
    maxSessionDuration: args.maxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION,
  };
}

/** The managed users as the permission documents need them, in the order of `users`. */
export function managedUsers(settings: GithubOidcRoleSettings): ManagedUser[] {
  return settings.users.map((name) => ({
    name,
    path: settings.userPaths[name] ?? settings.path,
    tags: { ...(settings.userTags[name] ?? {}) },
    policyArns: [...new Set(settings.userPolicyArns[name] ?? [])].sort(),
  }));
}

/** How a limit problem names its fields: the component's arguments or the stack config. */
interface Fields {
  readonly users: string;
  /** The fields that make up one user's grants. */
  user(name: string, index: number): string;
  subjects(role: "apply" | "preview"): string;
  /** What makes up a role's inline policy. */
  inline: string;
}

const ARGS_FIELDS: Fields = {
  users: "[users]",
  user: (name) => `[userTags.${name}] and [userPolicyArns.${name}]`,
  subjects: (role) => `[${role}Subjects]`,
  inline: "[applyRoleName], [previewRoleName], [stateKeyPrefix] and the stack name",
};

const STACK_FIELDS: Fields = {
  users: "[users]",
  user: (name, i) => `user "${name}": [users[${i}].tags] and [users[${i}].policyArns]`,
  subjects: (role) => `[github.${role}Subjects]`,
  inline:
    "[github.applyRoleName], [github.previewRoleName], [github.stateKeyPrefix] and the stack name",
};

/** `1234` → `"1,234"`. */
const count = (n: number): string => n.toLocaleString("en-US");

/** IAM's default quota for a role's trust policy, in characters (whitespace excluded). */
export const MAX_TRUST_POLICY_CHARS = 2_048;

/** Where the stack runs, for sizing its documents; unknown parts are sized at their longest. */
export interface StackPlace {
  /** The Pulumi project. Sized at 100 characters (Pulumi's limit) when unknown. */
  readonly project?: string;
  /** The Pulumi stack. Sized at 100 characters (Pulumi's limit) when unknown. */
  readonly stack?: string;
}

/**
 * Every IAM limit the roles' documents must fit, computed from plain values in the worst case
 * (the longest partition, account and region there are): the users' grants in at most ten
 * managed policies per role, each user's grant in one managed policy, each role's inline
 * policy and each trust policy within IAM's quotas.
 */
function limitProblems(
  settings: GithubOidcRoleSettings,
  fields: Fields,
  place: StackPlace,
): string[] {
  const problems: string[] = [];
  const users = managedUsers(settings);
  const longest = "x".repeat(100);
  const scope: CiScope = {
    ...WORST_CASE_PLACE,
    project: place.project ?? longest,
    stack: place.stack ?? longest,
    secretPrefix: settings.secretPrefix,
    users,
    applyRoleName: settings.applyRoleName,
    previewRoleName: settings.previewRoleName,
    providerArn: settings.providerArn ?? githubProviderArn(WORST_CASE_PLACE),
    manageProvider: settings.providerArn === undefined,
    stateBucket: settings.stateBucket,
    stateKeyPrefix: settings.stateKeyPrefix,
    secretsProviderKmsKeyArn: settings.secretsProviderKmsKeyArn,
    compliance: settings.compliance,
  };

  users.forEach((user, i) => {
    const size = policySize(usersPolicy({ ...scope, users: [user] }, true));
    if (size > MAX_MANAGED_POLICY_CHARS) {
      problems.push(
        `${fields.user(user.name, i)} make the apply role's grant for this user alone ` +
          `${count(size)} characters, more than the ${count(MAX_MANAGED_POLICY_CHARS)} of an ` +
          `IAM managed policy; use fewer or shorter tags and policies.`,
      );
    }
  });
  // The apply role's grants are the larger ones: they bound the number of users.
  const policiesFor = (some: typeof users) =>
    Math.max(
      usersPolicyChunks(settings, some, true).length,
      usersPolicyChunks(settings, some, false).length,
    );
  const policies = policiesFor(users);
  if (policies > MAX_USER_POLICIES_PER_ROLE) {
    // How many of them fit, in their order (the grants grow with each user: a binary search).
    let fit = 0;
    let over = users.length;
    while (over - fit > 1) {
      const mid = Math.floor((fit + over) / 2);
      if (policiesFor(users.slice(0, mid)) <= MAX_USER_POLICIES_PER_ROLE) fit = mid;
      else over = mid;
    }
    problems.push(
      `${fields.users} lists ${settings.users.length} users: their grants need ${policies} ` +
        `managed policies, more than the ${MAX_USER_POLICIES_PER_ROLE} IAM attaches to a role; ` +
        `split the users across stacks (the first ${fit} fit in one).`,
    );
  }

  type Role = {
    role: "apply" | "preview";
    subjects: readonly string[];
    policy: (s: CiScope) => object;
  };
  const roles: Role[] = [
    { role: "apply", subjects: settings.applySubjects, policy: applyRolePolicy },
    ...(settings.previewRoleName === undefined
      ? []
      : [
          {
            role: "preview" as const,
            subjects: settings.previewSubjects,
            policy: previewRolePolicy,
          },
        ]),
  ];
  for (const { role, subjects, policy } of roles) {
    const inline = policySize(policy(scope));
    if (inline > MAX_INLINE_POLICY_CHARS) {
      problems.push(
        `${fields.inline} make the ${role} role's policy ${count(inline)} characters, more ` +
          `than the ${count(MAX_INLINE_POLICY_CHARS)} IAM allows per role; shorten them.`,
      );
    }
    if (subjects.length === 0) continue;
    const trust = policySize(githubTrustPolicy(scope.providerArn, subjects));
    if (trust > MAX_TRUST_POLICY_CHARS) {
      problems.push(
        `${fields.subjects(role)} lists ${subjects.length} subjects: the ${role} role's trust ` +
          `policy would have ${count(trust)} characters, more than the ` +
          `${count(MAX_TRUST_POLICY_CHARS)} IAM allows; list fewer subjects (one environment ` +
          `covers every branch allowed to deploy to it).`,
      );
    }
  }
  return problems;
}

/**
 * Problems with the plain arguments, each naming its field: every subject must be exact and
 * well-formed (checkSubject), the apply role must not trust pull requests, the per-user maps
 * may only name listed users, every IAM limit must hold (as githubLimitProblems), and the
 * session length must be one IAM accepts.
 */
export function validateGithubOidcRoleArgs(
  args: GithubOidcRoleGiven,
  place: StackPlace = {},
): string[] {
  const settings = githubOidcRoleSettings(args);
  const problems: string[] = [];
  if (settings.applySubjects.length === 0) {
    problems.push("[applySubjects] must list at least one subject.");
  }
  if (settings.users.length === 0) {
    problems.push("[users] must list at least one managed user: the roles manage exactly these.");
  }
  const listed = new Set(settings.users);
  for (const key of ["userTags", "userPolicyArns", "userPaths"] as const) {
    for (const name of Object.keys(settings[key])) {
      if (!listed.has(name)) {
        problems.push(`[${key}.${name}] names a user that [users] does not list.`);
      }
    }
  }
  settings.applySubjects.forEach((value, i) => {
    const checked = checkSubject(value, `applySubjects[${i}]`);
    if (typeof checked === "string") problems.push(checked);
    else if (checked.kind === "pull_request") {
      problems.push(
        `[applySubjects[${i}]] must not be a pull_request subject: the apply role changes AWS.`,
      );
    }
  });
  settings.previewSubjects.forEach((value, i) => {
    const checked = checkSubject(value, `previewSubjects[${i}]`);
    if (typeof checked === "string") problems.push(checked);
  });
  const session = settings.maxSessionDuration;
  if (!Number.isInteger(session) || session < 3600 || session > 43200) {
    problems.push(
      `[maxSessionDuration] must be an integer from 3600 to 43200 seconds (got ${session}).`,
    );
  }
  return [...problems, ...limitProblems(settings, ARGS_FIELDS, place)];
}

/** What githubLimitProblems reads of a parsed stack configuration. */
export interface GithubStackLimitsInput extends StackPlace {
  readonly github: GithubConfig;
  readonly users: readonly {
    readonly name: string;
    readonly tags?: Readonly<Record<string, string>>;
    readonly policyArns?: readonly string[];
    /** The user's own IAM path, where it differs from the stack's. */
    readonly path?: string;
  }[];
  readonly path?: string;
  readonly secretPrefix?: string;
  /** The `compliance` section, when the stack has one. */
  readonly compliance?: {
    readonly ruleName: string;
    readonly createRecorder: boolean;
    readonly organization: boolean;
  };
  /** The KeyRotationCompliance component's name. Defaults to "key-rotation-compliance". */
  readonly complianceComponentName?: string;
}

/**
 * Every limit GithubOidcRole enforces, checked from the parsed stack config before anything is
 * registered, each problem a sentence naming its field: how many users the roles' managed
 * policies hold (at most ten per role, worst case over partitions and regions), each user's
 * grant within one managed policy (tags and policies add to it), the inline and trust policy
 * sizes. `stack` and `project` size the state grants; unknown, they are sized at 100
 * characters. The stack config parser calls it, so `pulumi up` and `iam-key-rotation plan` both
 * reject such a stack up front.
 *
 *   githubLimitProblems({ github, users: 400 users, path, secretPrefix })
 *   // ["[users] lists 400 users: their grants need 14 managed policies, more than the 10 ..."]
 */
export function githubLimitProblems(config: GithubStackLimitsInput): string[] {
  const users = config.users;
  const path = config.path ?? DEFAULT_PATH;
  const settings = githubOidcRoleSettings({
    ...config.github,
    users: users.map((u) => u.name),
    path,
    secretPrefix: config.secretPrefix,
    userTags: Object.fromEntries(users.map((u) => [u.name, u.tags ?? {}])),
    userPolicyArns: Object.fromEntries(users.map((u) => [u.name, u.policyArns ?? []])),
    userPaths: Object.fromEntries(
      users.flatMap((u) => (u.path !== undefined && u.path !== path ? [[u.name, u.path]] : [])),
    ),
    compliance: config.compliance !== undefined,
    ...(config.compliance !== undefined && {
      complianceComponentName: config.complianceComponentName,
      complianceRuleName: config.compliance.ruleName,
      complianceRecorder: config.compliance.createRecorder,
      complianceOrganization: config.compliance.organization,
    }),
  });
  return limitProblems(settings, STACK_FIELDS, config);
}
