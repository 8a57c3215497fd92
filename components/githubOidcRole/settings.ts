/**
 * Settings of the GithubOidcRole component: the `github` stack config section (who may run this
 * stack from GitHub Actions, keyless, through GitHub's OIDC provider), the component's defaults
 * and the validation of its arguments (the users' grants sized with ./permissions.ts). Pure:
 * nothing from Pulumi at run time (its documents only use Pulumi's types), so the CLI can parse
 * stack files without loading the AWS SDK. Every problem is a sentence naming its field.
 */
import { got, isPlainObject, unknownKeys } from "../../lib/validation";
import { GITHUB_OIDC_HOST } from "./trust";
import { CiScope, MAX_USER_POLICIES_PER_ROLE, usersPolicyChunks } from "./permissions";
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
const KEY_PREFIX_RE = /^(?:[A-Za-z0-9!_.'()-]+\/)*[A-Za-z0-9!_.'()-]+\/?$/;
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
  if (applyRoleName.toLowerCase() === previewRoleName.toLowerCase()) {
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
  if (raw.stateKeyPrefix !== undefined && raw.stateBucket === undefined) {
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
  readonly policyArns: readonly string[];
  readonly userTagKeys: readonly string[];
  readonly stateBucket: string | undefined;
  readonly stateKeyPrefix: string;
  readonly secretsProviderKmsKeyArn: string | undefined;
  /** The KeyRotationCompliance resources the apply role may manage; undefined: none. */
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

/**
 * The settings with every default applied: role names "key-rotation-github-apply" and (with
 * preview subjects only) "key-rotation-github-preview", path "/key-rotation/", secret prefix
 * "key-rotation/", no policies or tag keys, state key prefix "", a one-hour session, and the
 * compliance scope of the "key-rotation-compliance" component when `compliance` is true.
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
    policyArns: [...(args.policyArns ?? [])],
    userTagKeys: [...(args.userTagKeys ?? [])],
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

/**
 * Problems with the plain arguments, each naming its field: every subject must be exact and
 * well-formed (checkSubject), the apply role must not trust pull requests, the users' grants
 * must fit the managed policies IAM attaches to a role, and the session length must be one IAM
 * accepts.
 */
export function validateGithubOidcRoleArgs(args: GithubOidcRoleGiven): string[] {
  const settings = githubOidcRoleSettings(args);
  const problems: string[] = [];
  if (settings.applySubjects.length === 0) {
    problems.push("[applySubjects] must list at least one subject.");
  }
  if (settings.users.length === 0) {
    problems.push("[users] must list at least one managed user: the roles manage exactly these.");
  }
  const policies = usersPolicyChunks(settings, settings.users, true).length;
  if (policies > MAX_USER_POLICIES_PER_ROLE) {
    problems.push(
      `[users] lists ${settings.users.length} users: their grants need ${policies} managed ` +
        `policies, more than the ${MAX_USER_POLICIES_PER_ROLE} IAM attaches to a role; split ` +
        `the users across stacks.`,
    );
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
  return problems;
}
