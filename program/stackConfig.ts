/**
 * Stack configuration: parsing and validation shared by the Pulumi program (index.ts) and the
 * CLI (which reads Pulumi.<stack>.yaml). Pure: no Pulumi import. Every problem is collected and
 * reported at once, each naming its field, before anything is created.
 */
import {
  DEFAULT_POLICY,
  RotationPolicy,
  validatePolicy,
} from "../components/rotatedKeyUser/rotationModel";
import { isIsoDate } from "../lib/days";
import { RECORD_TAG_KEYS, TAG_PREFIX } from "../components/rotatedKeyUser/rotationRecord";
import {
  DEFAULT_PATH,
  DEFAULT_SECRET_PREFIX,
  policyLabel,
} from "../components/rotatedKeyUser/settings";
import {
  COMPLIANCE_KEYS,
  ComplianceSettings,
  parseComplianceConfig,
} from "../components/keyRotationCompliance/settings";
import {
  GITHUB_KEYS,
  GithubConfig,
  githubLimitProblems,
  parseGithubConfig,
} from "../components/githubOidcRole/settings";
import { got, isPlainObject, markWrittenWithoutValue, unknownKeys } from "../lib/validation";

/** The Pulumi project name: config keys live in this namespace (`iam-key-rotation:users`). */
export const PROJECT = "iam-key-rotation";

export interface UserConfig {
  /** IAM user name. */
  readonly name: string;
  /** Managed policies attached to the user. */
  readonly policyArns: readonly string[];
  /** The user's rotation policy: the stack's `rotation` with the user's overrides. */
  readonly rotation: RotationPolicy;
  /** Extra tags on the IAM user (the `key-rotation:` prefix is reserved). */
  readonly tags: Readonly<Record<string, string>>;
  /** Revoke every key of this user issued before this day (YYYY-MM-DD), e.g. after a leak. */
  readonly revokeIssuedBefore?: string;
  /** IAM path of the user: its own `path`, else the stack's. */
  readonly path: string;
  /** Take over the existing user in place; `deleteInactiveKey` lets the run delete an Inactive key. */
  readonly adopt?: { readonly deleteInactiveKey: boolean };
  /** Rebuild the rotation record from the published document and IAM's keys, ignoring the tags. */
  readonly rebuildRecord: boolean;
  /** The user may read its own secret. */
  readonly selfRead: boolean;
}

export interface StackConfig {
  readonly users: readonly UserConfig[];
  /** The stack's default rotation policy. */
  readonly rotation: RotationPolicy;
  /** IAM path every managed user lives under. */
  readonly path: string;
  /** Secrets Manager name prefix: the secret of user U is `${secretPrefix}${U}`. */
  readonly secretPrefix: string;
  /** Wait until STS accepts a newly issued key before publishing it. */
  readonly waitForNewKey: boolean;
  /** Default of every user's selfRead. */
  readonly selfRead: boolean;
  /** The KeyRotationCompliance settings; undefined when `compliance` is absent or disabled. */
  readonly compliance?: ComplianceSettings;
  /** Keyless CI from GitHub Actions (components/githubOidcRole/settings.ts); undefined: none. */
  readonly github?: GithubConfig;
}

/** Thrown with every configuration problem; the message lists them one per line. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}); ` +
        `nothing was changed:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "ConfigError";
  }
}

/** Top-level keys of the project namespace and whether their value is an object or list. */
export const CONFIG_KEYS = {
  users: "structured",
  rotation: "structured",
  path: "string",
  secretPrefix: "string",
  waitForNewKey: "boolean",
  selfRead: "boolean",
  compliance: "structured",
  github: "structured",
} as const;
export type ConfigKey = keyof typeof CONFIG_KEYS;

/**
 * Decodes a value as Pulumi hands it to a program (every value a string; objects and lists as
 * JSON) into the structure the YAML holds. Undecodable values are returned as-is for the
 * parser to report.
 */
export function decodeProgramValue(key: string, raw: string): unknown {
  const kind = (CONFIG_KEYS as Record<string, string>)[key];
  if (kind === "string" || kind === undefined) return raw;
  if (kind === "boolean") return raw === "true" ? true : raw === "false" ? false : raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** The secret name of a user. */
export function secretNameOf(config: Pick<StackConfig, "secretPrefix">, userName: string): string {
  return `${config.secretPrefix}${userName}`;
}

export const USER_KEYS = [
  "name",
  "policyArns",
  "rotation",
  "tags",
  "revokeIssuedBefore",
  "path",
  "adopt",
  "selfRead",
  "rebuildRecord",
] as const;
const ADOPT_KEYS = ["deleteInactiveKey"] as const;
export const POLICY_KEYS = ["everyDays", "overlapDays", "maxAgeDays"] as const;

// IAM limits, from the IAM API reference.
const USER_NAME_RE = /^[\w+=,.@-]{1,64}$/;
// IAM allows any printable ASCII in a path; "*" and "?" are excluded here: the CI roles' grants
// put the path into ARN patterns, where they would be wildcards reaching other users.
const PATH_RE = /^\/(?:[\x21-\x29\x2b-\x3e\x40-\x7e]+\/)?$/;
// Tag keys and values that IAM and Secrets Manager accept: letters, digits, spaces, _.:/=+-@.
const TAG_KEY_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
// A managed policy's ARN: its path ("/" or "/a/b/"), then its name (1 to 128 characters).
const POLICY_ARN_RE =
  /^arn:aws(?:-cn|-us-gov|-iso|-iso-b)?:iam::(?:aws|\d{12}):policy\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/;
/** IAM attaches at most 20 managed policies to a user (10 by default: a quota raised on request). */
const MAX_USER_POLICIES = 20;
const SECRET_NAME_RE = /^[A-Za-z0-9/_+=.@-]+$/;
const MAX_USER_TAGS = 50;

/**
 * Reads a policy object (full or partial) over `base`. Problems name `field`. Returns the
 * merged policy; validation of the merged values is left to `validatePolicy`.
 */
function readPolicy(
  raw: unknown,
  base: RotationPolicy,
  field: string,
  problems: string[],
): RotationPolicy {
  if (raw === undefined) return { ...base };
  if (!isPlainObject(raw)) {
    problems.push(
      `[${field}] must be an object with everyDays, overlapDays, maxAgeDays (got ${got(raw)}).`,
    );
    return { ...base };
  }
  problems.push(...unknownKeys(raw, POLICY_KEYS, field));
  const merged = { ...base };
  for (const key of POLICY_KEYS) {
    if (raw[key] !== undefined) merged[key] = raw[key] as number;
  }
  return merged;
}

/**
 * The maps whose keys may be written with no value (YAML's null), by the path of the map, and
 * the keys each knows (`true`: any key, a tag name). A key not listed is left to its map's
 * unknown-key check, so a misspelt key is named as unknown, not as empty; required keys (the
 * users list, a user's name, the CI's applySubjects) are left to their own checks, which
 * already say `(got null)`.
 */
const NULLABLE_KEYS: readonly [RegExp, readonly string[] | true][] = [
  [/^$/, Object.keys(CONFIG_KEYS).filter((k) => k !== "users")],
  [/^(users\[\d+\]\.)?rotation$/, POLICY_KEYS],
  [/^users\[\d+\]$/, USER_KEYS.filter((k) => k !== "name")],
  [/^users\[\d+\]\.adopt$/, ADOPT_KEYS],
  [/^users\[\d+\]\.tags$/, true],
  [/^compliance$/, COMPLIANCE_KEYS],
  [/^github$/, GITHUB_KEYS.filter((k) => k !== "applySubjects")],
];

/**
 * A key written with no value (`tags:` alone in YAML) reads as null. Whether that meant the
 * default or a value left out cannot be told (`revokeIssuedBefore:` without its date would
 * revoke nothing), so each such key is a problem, named, and is dropped from the copy returned
 * so the other checks read it as absent and do not report it twice (a check of a key that
 * needs it asks lib/validation's writtenWithoutValue). Only the maps of the
 * settings' shape are walked (NULLABLE_KEYS and the users list): a value of the wrong shape is
 * left whole for its own check to quote.
 */
function withoutNulls(value: unknown, field: string, problems: string[], user = ""): unknown {
  if (field === "users" && Array.isArray(value)) {
    return value.map((item, i) => withoutNulls(item, `users[${i}]`, problems));
  }
  const keys = NULLABLE_KEYS.find(([re]) => re.test(field))?.[1];
  if (keys === undefined || !isPlainObject(value)) return value;
  if (
    /^users\[\d+\]$/.test(field) &&
    typeof value.name === "string" &&
    USER_NAME_RE.test(value.name)
  ) {
    user = `user ${got(value.name)}: `;
  }
  const out: Record<string, unknown> = {};
  const empty: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    const at = field === "" ? key : `${field}.${key}`;
    if (item === null && (keys === true || keys.includes(key))) {
      problems.push(`${user}[${at}] has no value (null): give it one, or leave the key out.`);
      empty.push(key);
      continue;
    }
    out[key] = withoutNulls(item, at, problems, user);
  }
  markWrittenWithoutValue(out, empty);
  return out;
}

/** Deeper than any setting (`users[0].tags.team` is 3 levels below its key). */
const MAX_DEPTH = 16;

/** How many objects or lists deep `value` goes (0 for a scalar), without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!;
    if (typeof item !== "object" || item === null) continue;
    if (depth + 1 > deepest) deepest = depth + 1;
    if (deepest > MAX_DEPTH) return deepest;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Parses the project's config values (keys without the `iam-key-rotation:` namespace, values as
 * YAML/JSON structures). Throws a ConfigError listing every problem.
 */
export function parseStackConfig(given: Record<string, unknown>): StackConfig {
  const problems: string[] = [];
  const shallow: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) {
    // Checked without recursion: a value nested thousands deep (a JSON string can hold one)
    // would otherwise end the run in a stack overflow instead of a message.
    if (depthOf(value) > MAX_DEPTH) {
      problems.push(`[${key}] is nested more than ${MAX_DEPTH} levels deep; no setting is.`);
    } else {
      shallow[key] = value;
    }
  }
  const raw = withoutNulls(shallow, "", problems) as Record<string, unknown>;
  const known = Object.keys(CONFIG_KEYS);
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) {
      problems.push(`[${key}] is not a known setting of ${PROJECT} (known: ${known.join(", ")}).`);
    }
  }

  const rotation = readPolicy(raw.rotation, DEFAULT_POLICY, "rotation", problems);
  problems.push(...validatePolicy(rotation, "rotation"));

  const path = raw.path ?? DEFAULT_PATH;
  const pathProblem = checkPath(path, "path");
  if (pathProblem !== undefined) problems.push(pathProblem);
  const secretPrefix = raw.secretPrefix ?? DEFAULT_SECRET_PREFIX;
  if (
    typeof secretPrefix !== "string" ||
    secretPrefix === "" ||
    !SECRET_NAME_RE.test(secretPrefix)
  ) {
    problems.push(
      `[secretPrefix] must be a non-empty Secrets Manager name prefix of letters, digits and /_+=.@- ` +
        `(got ${got(secretPrefix)}).`,
    );
  }

  const waitForNewKey = raw.waitForNewKey ?? true;
  if (typeof waitForNewKey !== "boolean") {
    problems.push(`[waitForNewKey] must be true or false (got ${got(waitForNewKey)}).`);
  }
  const selfRead = raw.selfRead ?? true;
  if (typeof selfRead !== "boolean") {
    problems.push(`[selfRead] must be true or false (got ${got(selfRead)}).`);
  }

  const compliance = parseComplianceConfig(raw.compliance, rotation.maxAgeDays, problems);
  const github = raw.github === undefined ? undefined : parseGithubConfig(raw.github, problems);

  const users: UserConfig[] = [];
  /** Each read user's index in [users] (users with problems are not read). */
  const indexOf = new Map<UserConfig, number>();
  if (!Array.isArray(raw.users) || raw.users.length === 0) {
    problems.push(
      `[users] must be a non-empty list of users, e.g. [{ name: "ci-deployer" }] (got ${got(raw.users)}).`,
    );
  } else {
    const seen = new Map<string, number>();
    raw.users.forEach((entry: unknown, i: number) => {
      const name = isPlainObject(entry) && typeof entry.name === "string" ? entry.name : undefined;
      const first = name === undefined ? undefined : seen.get(name.toLowerCase());
      const duplicate = name !== undefined && first !== undefined;
      if (duplicate) {
        problems.push(
          `user "${name}": [users[${i}].name] duplicates [users[${first}].name] ` +
            `(IAM user names are unique regardless of case).`,
        );
      } else if (name !== undefined) {
        seen.set(name.toLowerCase(), i);
      }
      const user = readUser(
        entry,
        i,
        {
          policy: rotation,
          path: typeof path === "string" ? path : DEFAULT_PATH,
          selfRead: selfRead === true,
        },
        problems,
      );
      // A duplicate's own problems are reported too; the duplicate itself is not kept.
      if (user !== undefined && !duplicate) {
        users.push(user);
        indexOf.set(user, i);
      }
    });
  }

  // A user's attachments are named `<user>-<owner>-<policy name>`, and a child's URN does not
  // hold its parent's name: user "a" with policy "x-aws-y" and user "a-aws-x" with policy "y"
  // would both have an attachment "a-aws-x-aws-y", and the run would fail half-way.
  const attachments = new Map<string, { i: number; j: number; user: string; arn: string }>();
  users.forEach((user) => {
    const i = indexOf.get(user)!;
    user.policyArns.forEach((arn, j) => {
      const child = `${user.name}-${policyLabel(arn)}`;
      const other = attachments.get(child);
      if (other === undefined) {
        attachments.set(child, { i, j, user: user.name, arn });
      } else if (other.i !== i) {
        problems.push(
          `user ${got(user.name)}: [users[${i}].policyArns[${j}]] ${got(arn)} would name its ` +
            `attachment ${got(child)}, as [users[${other.i}].policyArns[${other.j}]] ` +
            `${got(other.arn)} of user ${got(other.user)} does: two resources of one type ` +
            `cannot share a name in a stack. Manage one of these users in another stack.`,
        );
      }
    });
  });

  if (typeof secretPrefix === "string" && SECRET_NAME_RE.test(secretPrefix)) {
    users.forEach((user) => {
      const i = indexOf.get(user)!;
      const secretName = `${secretPrefix}${user.name}`;
      if (!SECRET_NAME_RE.test(secretName)) {
        // IAM allows "," in a user name; Secrets Manager does not in a secret's.
        problems.push(
          `[users[${i}].name] ${got(user.name)} makes the secret name ${got(secretName)}, which ` +
            `Secrets Manager does not allow: letters, digits and /_+=.@- only.`,
        );
      } else if (secretName.length > 512) {
        problems.push(
          `[users[${i}].name] ${got(user.name)} makes the secret name ${secretName.length} ` +
            `characters long ([secretPrefix] ${got(secretPrefix)} and the name); Secrets Manager ` +
            `allows at most 512.`,
        );
      }
    });
  }

  // The CI roles' limits (users per role, policy sizes), once the rest is well-formed: checked
  // here so `pulumi up` and `plan` both reject the stack before anything is registered.
  if (github !== undefined && problems.length === 0) {
    problems.push(
      ...githubLimitProblems({
        github,
        users,
        path: path as string,
        secretPrefix: secretPrefix as string,
        ...(compliance && {
          compliance: {
            ruleName: compliance.ruleName,
            createRecorder: compliance.createRecorder,
            organization: compliance.organization,
          },
        }),
      }),
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    users,
    rotation,
    path: path as string,
    secretPrefix: secretPrefix as string,
    waitForNewKey: waitForNewKey as boolean,
    selfRead: selfRead as boolean,
    ...(compliance ? { compliance } : {}),
    ...(github !== undefined && { github }),
  };
}

/** Problem with an IAM path setting, naming `field`; undefined when it is fine. */
function checkPath(path: unknown, field: string): string | undefined {
  if (typeof path === "string" && path.length <= 512 && PATH_RE.test(path)) return undefined;
  if (typeof path === "string" && /[*?]/.test(path)) {
    return (
      `[${field}] must not contain "*" or "?": the CI roles' grants use the path in ARN ` +
      `patterns, where these are wildcards that reach other users (got ${got(path)}).`
    );
  }
  return `[${field}] must be an IAM path that starts and ends with "/" (e.g. "${DEFAULT_PATH}") (got ${got(path)}).`;
}

function readUser(
  entry: unknown,
  i: number,
  stack: { policy: RotationPolicy; path: string; selfRead: boolean },
  problems: string[],
): UserConfig | undefined {
  const stackPolicy = stack.policy;
  const field = `users[${i}]`;
  if (!isPlainObject(entry)) {
    problems.push(`[${field}] must be an object with at least a name (got ${got(entry)}).`);
    return undefined;
  }
  const { name } = entry;
  // A bad name is reported, and the rest of the entry still read: every problem at once.
  const named = typeof name === "string" && USER_NAME_RE.test(name);
  if (!named) {
    problems.push(
      `[${field}.name] must be an IAM user name: 1 to 64 letters, digits or +=,.@_- (got ${got(name)}).`,
    );
  }
  const local: string[] = [];
  local.push(...unknownKeys(entry, USER_KEYS, field));

  const policyArns = entry.policyArns ?? [];
  if (!Array.isArray(policyArns)) {
    local.push(`[${field}.policyArns] must be a list of IAM policy ARNs (got ${got(policyArns)}).`);
  } else {
    policyArns.forEach((arn: unknown, j: number) => {
      if (typeof arn !== "string" || !POLICY_ARN_RE.test(arn)) {
        local.push(
          `[${field}.policyArns[${j}]] must be an IAM policy ARN like ` +
            `arn:aws:iam::aws:policy/ReadOnlyAccess (got ${got(arn)}).`,
        );
      }
    });
    if (policyArns.length > MAX_USER_POLICIES) {
      local.push(
        `[${field}.policyArns] lists ${policyArns.length} policies; IAM attaches at most ` +
          `${MAX_USER_POLICIES} managed policies to a user (10 unless the account's quota was raised).`,
      );
    }
    const dupes = policyArns.filter((arn, j) => policyArns.indexOf(arn) !== j);
    for (const arn of new Set(dupes)) local.push(`[${field}.policyArns] lists ${got(arn)} twice.`);
    // Each attachment is a child named after the policy's owner and name: two ARNs that differ
    // only in their path would get the same name, and the run would fail half-way.
    const labels = new Map<string, string>();
    for (const arn of new Set(policyArns.filter((a): a is string => typeof a === "string"))) {
      const label = policyLabel(arn);
      const other = labels.get(label);
      if (other !== undefined) {
        local.push(
          `[${field}.policyArns] lists ${got(other)} and ${got(arn)}: policies of the same owner ` +
            `and name, whose attachments would both be named "${String(name)}-${label}".`,
        );
      }
      labels.set(label, arn);
    }
  }

  const rotation = readPolicy(entry.rotation, stackPolicy, `${field}.rotation`, local);
  if (entry.rotation !== undefined) local.push(...validatePolicy(rotation, `${field}.rotation`));

  const tags = entry.tags ?? {};
  if (!isPlainObject(tags)) {
    local.push(`[${field}.tags] must be a map of tag names to values (got ${got(tags)}).`);
  } else {
    // IAM compares a user's tag keys without case ("Team" replaces "team"): the reserved
    // prefixes and duplicates are checked the same way.
    const seen = new Map<string, string>();
    for (const [key, value] of Object.entries(tags)) {
      const other = seen.get(key.toLowerCase());
      if (other !== undefined) {
        local.push(
          `[${field}.tags] has the tags ${got(other)} and ${got(key)}: IAM does not tell tag ` +
            `names apart by case, so one would replace the other.`,
        );
      }
      seen.set(key.toLowerCase(), key);
      const lower = key.toLowerCase();
      if (lower.startsWith(TAG_PREFIX.toLowerCase()) || lower.startsWith("aws:")) {
        local.push(`[${field}.tags.${key}] uses a reserved prefix (${TAG_PREFIX} or aws:).`);
      } else if (key.length > 128) {
        local.push(`[${field}.tags.${key}] tag names are at most 128 characters.`);
      } else if (!TAG_KEY_RE.test(key)) {
        local.push(
          `[${field}.tags.${key}] tag names may hold only letters, digits, spaces and _.:/=+-@ ` +
            `(IAM and Secrets Manager reject the others).`,
        );
      }
      if (typeof value !== "string" || value.length > 256) {
        local.push(
          `[${field}.tags.${key}] must be a string of at most 256 characters (got ${got(value)}).`,
        );
      } else if (!TAG_VALUE_RE.test(value)) {
        local.push(
          `[${field}.tags.${key}] tag values may hold only letters, digits, spaces and _.:/=+-@ ` +
            `(got ${got(value)}).`,
        );
      }
    }
    const room = MAX_USER_TAGS - RECORD_TAG_KEYS.length;
    if (Object.keys(tags).length > room) {
      local.push(
        `[${field}.tags] has ${Object.keys(tags).length} tags; at most ${room} fit beside the rotation record.`,
      );
    }
  }

  const { revokeIssuedBefore } = entry;
  if (revokeIssuedBefore !== undefined && !isIsoDate(revokeIssuedBefore)) {
    local.push(
      `[${field}.revokeIssuedBefore] must be a date written YYYY-MM-DD (got ${got(revokeIssuedBefore)}).`,
    );
  }

  const path = entry.path ?? stack.path;
  if (entry.path !== undefined) {
    const problem = checkPath(path, `${field}.path`);
    if (problem !== undefined) local.push(problem);
  }
  const flag = (key: "selfRead" | "rebuildRecord", fallback: boolean): boolean => {
    const value = entry[key] ?? fallback;
    if (typeof value !== "boolean") {
      local.push(`[${field}.${key}] must be true or false (got ${got(value)}).`);
      return fallback;
    }
    return value;
  };
  const selfRead = flag("selfRead", stack.selfRead);
  const rebuildRecord = flag("rebuildRecord", false);
  const adopt = readAdopt(entry.adopt, `${field}.adopt`, local);
  if (adopt !== undefined && rebuildRecord) {
    local.push(
      `[${field}.rebuildRecord] cannot be used with [${field}.adopt]: adoption writes the first record.`,
    );
  }

  problems.push(...local.map((p) => (named ? `user "${name}": ${p}` : p)));
  if (!named || local.length > 0) return undefined;
  return {
    name,
    policyArns: policyArns as string[],
    rotation,
    tags: tags as Record<string, string>,
    ...(revokeIssuedBefore !== undefined && { revokeIssuedBefore: revokeIssuedBefore as string }),
    path: path as string,
    ...(adopt !== undefined && { adopt }),
    rebuildRecord,
    selfRead,
  };
}

/** `adopt: true` or `adopt: { deleteInactiveKey: true }`; undefined when absent or false. */
function readAdopt(
  raw: unknown,
  field: string,
  problems: string[],
): { deleteInactiveKey: boolean } | undefined {
  if (raw === undefined || raw === false) return undefined;
  if (raw === true) return { deleteInactiveKey: false };
  if (!isPlainObject(raw)) {
    problems.push(
      `[${field}] must be true, false or { deleteInactiveKey: true } (got ${got(raw)}).`,
    );
    return undefined;
  }
  problems.push(...unknownKeys(raw, ADOPT_KEYS, field));
  const del = raw.deleteInactiveKey ?? false;
  if (typeof del !== "boolean") {
    problems.push(`[${field}.deleteInactiveKey] must be true or false (got ${got(del)}).`);
  }
  return { deleteInactiveKey: del === true };
}
