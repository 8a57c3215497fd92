/**
 * The permissions of the CI roles, as plain IAM policy documents: the apply role's and the
 * preview role's inline policies, the per-user grants split into managed policies that fit IAM's
 * size limits, the state backend and KeyRotationCompliance reads, and explicit Denies on the CI
 * identity itself, on users' inline policies and on the compliance paging path (so CI cannot
 * widen its own permissions or silence the backstop). Pure: a CiScope in, documents out (tests
 * deep-equal them, and check them against moto_server).
 */
import type * as aws from "@pulumi/aws";
import { githubProviderArn } from "./trust";
import { nonCompliantName } from "../keyRotationCompliance/documents";
import { RECORD_TAG_KEYS, TAG_PREFIX } from "../rotatedKeyUser/rotationRecord";

/** Names of the inline policies of the two roles. */
export const APPLY_POLICY_NAME = "iam-key-rotation-apply";
export const PREVIEW_POLICY_NAME = "iam-key-rotation-preview";
/** IAM allows 10,240 characters (whitespace excluded) of inline policy per role. */
export const MAX_INLINE_POLICY_CHARS = 10_240;
/** IAM allows 6,144 characters (whitespace excluded) per customer managed policy. */
export const MAX_MANAGED_POLICY_CHARS = 6_144;
/** IAM attaches at most 10 managed policies to a role (the default quota). */
export const MAX_USER_POLICIES_PER_ROLE = 10;

/** The tag RotatedKeyUser adds to each published secret. */
const SECRET_USER_TAG = `${TAG_PREFIX}user`;

/** One managed user, as its grants need it: where it lives, its tags and its policies. */
export interface ManagedUser {
  readonly name: string;
  /** The user's IAM path (the stack's `path` unless the user has its own). */
  readonly path: string;
  /** Tags the stack puts on the user and its secret besides the record: CI may set exactly these. */
  readonly tags: Readonly<Record<string, string>>;
  /** Managed policies the stack attaches to the user: CI may attach exactly these. */
  readonly policyArns: readonly string[];
}

/** Everything the permission documents depend on, as plain values. */
export interface CiScope {
  readonly partition: string;
  readonly accountId: string;
  readonly region: string;
  /** Pulumi project and stack: the state objects the roles may touch. */
  readonly project: string;
  readonly stack: string;
  readonly secretPrefix: string;
  /** The managed users. */
  readonly users: readonly ManagedUser[];
  readonly applyRoleName: string;
  /** Undefined when there is no preview role. */
  readonly previewRoleName?: string;
  readonly providerArn: string;
  /** Whether this stack manages the OIDC provider (then the roles may read it for refresh). */
  readonly manageProvider: boolean;
  readonly stateBucket?: string;
  readonly stateKeyPrefix: string;
  readonly secretsProviderKmsKeyArn?: string;
  readonly compliance?: {
    readonly componentName: string;
    readonly ruleName: string;
    readonly recorder: boolean;
    readonly organization: boolean;
  };
}

type Statement = aws.iam.PolicyStatement;
type Document = aws.iam.PolicyDocument;

const sorted = (items: Iterable<string>): string[] => [...new Set(items)].sort();

/** `arn:<partition>:iam::<account>:<resource>` */
function iamArn(scope: Pick<CiScope, "partition" | "accountId">, resource: string): string {
  return `arn:${scope.partition}:iam::${scope.accountId}:${resource}`;
}

type Place = Pick<CiScope, "partition" | "accountId" | "region">;
/** What the per-user grants depend on. */
type UsersScope = Place & Pick<CiScope, "secretPrefix" | "users">;

function regionalArn(scope: Place, service: string, resource: string): string {
  return `arn:${scope.partition}:${service}:${scope.region}:${scope.accountId}:${resource}`;
}

/** ARNs of the CI roles themselves (role path "/"). */
function ciRoleArns(scope: CiScope): string[] {
  return [scope.applyRoleName, scope.previewRoleName]
    .filter((name): name is string => name !== undefined)
    .map((name) => iamArn(scope, `role/${name}`));
}

/** Name of the i-th managed policy holding a role's per-user grants. */
export function usersPolicyName(roleName: string, index: number): string {
  return `${roleName}-users-${index}`;
}

/** ARNs (pattern) of the managed policies holding the CI roles' per-user grants. */
function ciUsersPolicyArns(scope: CiScope): string[] {
  return [scope.applyRoleName, scope.previewRoleName]
    .filter((name): name is string => name !== undefined)
    .map((name) => iamArn(scope, `policy/${name}-users-*`));
}

/** Users: GetUser on every user, so a user not created yet reads as NoSuchEntity, not AccessDenied. */
function readAnyUser(scope: CiScope): Statement {
  return {
    Sid: "ReadUsersRotationRecord",
    Effect: "Allow",
    Action: "iam:GetUser",
    Resource: iamArn(scope, "user/*"),
  };
}

/** The exact ARN of a managed user: `arn:aws:iam::<account>:user/key-rotation/NAME`. */
function userArn(scope: Place, user: ManagedUser): string {
  return iamArn(scope, `user${user.path}${user.name}`);
}

/** The exact ARN pattern of a user's secret (Secrets Manager appends six random characters). */
function secretArn(scope: UsersScope, user: ManagedUser): string {
  return regionalArn(scope, "secretsmanager", `secret:${scope.secretPrefix}${user.name}-??????`);
}

/** Users grouped by a key (their tags, their policies), groups and members in a stable order. */
function groupBy(
  users: readonly ManagedUser[],
  key: (user: ManagedUser) => string,
): ManagedUser[][] {
  const groups = new Map<string, ManagedUser[]>();
  for (const user of [...users].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const k = key(user);
    groups.set(k, [...(groups.get(k) ?? []), user]);
  }
  return [...groups.keys()].sort().map((k) => groups.get(k)!);
}

/** A canonical text of a tag map (sorted keys), to group users with the same tags. */
const tagsKey = (tags: Readonly<Record<string, string>>): string =>
  JSON.stringify(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * The request may carry only these tag keys, and each of `values` only with its value. IfExists:
 * the AWS provider's TagUser and TagResource calls carry only the tags that changed (the record,
 * on most days), and a plain StringEquals is false for a key the request does not carry.
 */
function tagCondition(keys: Iterable<string>, values: Readonly<Record<string, string>>) {
  const pins = Object.keys(values)
    .sort()
    .map((key): [string, string] => [`aws:RequestTag/${key}`, values[key]]);
  return {
    "ForAllValues:StringEquals": { "aws:TagKeys": sorted(keys) },
    ...(pins.length > 0 && { StringEqualsIfExists: Object.fromEntries(pins) }),
  };
}

/** `items` as an IAM element: one string alone, a list otherwise. */
const oneOrMany = (items: string[]): string | string[] => (items.length === 1 ? items[0] : items);

/**
 * Tags of the managed users and their secrets, each request held to the exact user and to the
 * values the stack config gives that user:
 * - the record tags (RECORD_TAG_KEYS), on every managed user: set and removed each run;
 * - each user's own tags, with their configured values (users with the same tags share a
 *   statement); never removed by CI (removing one is a config change, so an administrator's
 *   apply, see docs/keyless-ci.md);
 * - each secret's `key-rotation:user` (its user's name) and its user's tags, per secret.
 */
function tagStatements(scope: UsersScope): Statement[] {
  const statements: Statement[] = [
    {
      Sid: "ManagedUsersRecordTags",
      Effect: "Allow",
      Action: sorted(["iam:CreateUser", "iam:TagUser", "iam:UntagUser"]),
      Resource: oneOrMany(sorted(scope.users.map((u) => userArn(scope, u)))),
      Condition: tagCondition(RECORD_TAG_KEYS, {}),
    },
  ];
  const tagged = scope.users.filter((u) => Object.keys(u.tags).length > 0);
  for (const group of groupBy(tagged, (u) => tagsKey(u.tags))) {
    const tags = group[0].tags;
    statements.push({
      Effect: "Allow",
      Action: sorted(["iam:CreateUser", "iam:TagUser"]),
      Resource: oneOrMany(group.map((u) => userArn(scope, u))),
      Condition: tagCondition([...RECORD_TAG_KEYS, ...Object.keys(tags)], tags),
    });
  }
  for (const user of [...scope.users].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    statements.push({
      Effect: "Allow",
      Action: sorted(["secretsmanager:CreateSecret", "secretsmanager:TagResource"]),
      Resource: secretArn(scope, user),
      Condition: tagCondition([SECRET_USER_TAG, ...Object.keys(user.tags)], {
        ...user.tags,
        [SECRET_USER_TAG]: user.name,
      }),
    });
  }
  return statements;
}

/** Attaching exactly the policies the stack lists for a user (users with the same list share). */
function policyStatements(scope: UsersScope): Statement[] {
  const withPolicies = scope.users.filter((u) => u.policyArns.length > 0);
  return groupBy(withPolicies, (u) => JSON.stringify(sorted(u.policyArns))).map((group) => ({
    Effect: "Allow",
    Action: "iam:AttachUserPolicy",
    Resource: oneOrMany(group.map((u) => userArn(scope, u))),
    Condition: { StringEquals: { "iam:PolicyARN": oneOrMany(sorted(group[0].policyArns)) } },
  }));
}

/**
 * The Pulumi DIY backend objects of this stack, `s3://<bucket>/<prefix>` (pulumi/pulumi
 * pkg/backend/diy at the pinned CLI, see docs/keyless-ci.md, "State backend"): the metadata
 * file, the stack's checkpoint (`.json`, `.json.gz`, `.json.zst`, its `.bak` copy and the
 * `.pulumi-tags` file), its history and backups (written once per update under timestamped
 * names), and its lock directory.
 */
export function stateObjectArns(scope: CiScope) {
  const bucket = `arn:${scope.partition}:s3:::${scope.stateBucket}`;
  const { project, stack } = scope;
  const root = `${scope.stateKeyPrefix}.pulumi`;
  return {
    bucket,
    metadata: `${bucket}/${root}/meta.yaml`,
    /** `<stack>.json*`: the checkpoint in any compression, and its `.bak` copy. */
    checkpoint: `${bucket}/${root}/stacks/${project}/${stack}.json*`,
    /** `<stack>.*`: the checkpoint and the stack's tags file (`pulumi stack tag`). */
    stackFiles: `${bucket}/${root}/stacks/${project}/${stack}.*`,
    history: `${bucket}/${root}/history/${project}/${stack}/*`,
    backups: `${bucket}/${root}/backups/${project}/${stack}/*`,
    locks: `${bucket}/${root}/locks/organization/${project}/${stack}/*`,
    /** The prefixes the backend lists: the checkpoint's variants, and the lock directory. */
    listPrefixes: {
      checkpoint: `${root}/stacks/${project}/${stack}.json`,
      locks: `${root}/locks/organization/${project}/${stack}/`,
    },
  };
}

function stateStatements(scope: CiScope, write: boolean): Statement[] {
  const statements: Statement[] = [];
  if (scope.stateBucket !== undefined) {
    const o = stateObjectArns(scope);
    const prefixes = write
      ? [o.listPrefixes.checkpoint, o.listPrefixes.locks]
      : [o.listPrefixes.checkpoint];
    statements.push({
      // Only the listings the backend makes: which checkpoint variant exists, and (apply) whose
      // lock is held. Not the bucket, not the history, not another stack.
      Sid: "StateBucketList",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: o.bucket,
      Condition: { StringEquals: { "s3:prefix": oneOrMany(prefixes) } },
    });
    statements.push({
      Sid: "StateObjectsRead",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: write ? [o.metadata, o.stackFiles, o.locks] : [o.metadata, o.stackFiles],
    });
    if (write) {
      statements.push(
        {
          // History and backups are only ever added to (timestamped names), never read back
          // or deleted by an update.
          Sid: "StateObjectsWrite",
          Effect: "Allow",
          Action: "s3:PutObject",
          Resource: [o.checkpoint, o.history, o.backups, o.locks],
        },
        {
          // The only object an update deletes: its own lock, when it ends.
          Sid: "StateLockRelease",
          Effect: "Allow",
          Action: "s3:DeleteObject",
          Resource: o.locks,
        },
      );
    }
  }
  if (scope.secretsProviderKmsKeyArn !== undefined) {
    statements.push({
      // The awskms:// secrets provider decrypts the stack's data key; encryption is local.
      Sid: "StateSecretsKey",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: scope.secretsProviderKmsKeyArn,
    });
  }
  return statements;
}

/** Reads a refresh needs on the CI roles and the provider this stack manages. */
function ciIdentityReads(scope: CiScope): Statement[] {
  const statements: Statement[] = [
    {
      Sid: "ReadCiRoles",
      Effect: "Allow",
      Action: sorted([
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListAttachedRolePolicies",
        "iam:ListRolePolicies",
        "iam:ListRoleTags",
      ]),
      Resource: ciRoleArns(scope),
    },
    {
      Sid: "ReadCiPolicies",
      Effect: "Allow",
      Action: sorted(["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyTags"]),
      Resource: ciUsersPolicyArns(scope),
    },
  ];
  if (scope.manageProvider) {
    statements.push({
      Sid: "ReadOidcProvider",
      Effect: "Allow",
      Action: sorted(["iam:GetOpenIDConnectProvider", "iam:ListOpenIDConnectProviderTags"]),
      Resource: scope.providerArn,
    });
  }
  return statements;
}

/**
 * Explicit Deny of every write to the CI roles and the OIDC provider: even if a broader policy
 * is attached to a CI role by mistake, CI still cannot widen its own permissions or trust.
 */
function denySelfChange(scope: CiScope): Statement {
  return {
    Sid: "DenyChangingCiIdentity",
    Effect: "Deny",
    Action: sorted([
      "iam:AddClientIDToOpenIDConnectProvider",
      "iam:AttachRolePolicy",
      "iam:CreateOpenIDConnectProvider",
      "iam:DeleteOpenIDConnectProvider",
      "iam:DeleteRole",
      "iam:DeleteRolePermissionsBoundary",
      "iam:DeleteRolePolicy",
      "iam:DetachRolePolicy",
      "iam:PutRolePermissionsBoundary",
      "iam:PutRolePolicy",
      "iam:RemoveClientIDFromOpenIDConnectProvider",
      "iam:TagOpenIDConnectProvider",
      "iam:TagRole",
      "iam:UntagOpenIDConnectProvider",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateOpenIDConnectProviderThumbprint",
      "iam:UpdateRole",
      "iam:UpdateRoleDescription",
      "iam:CreatePolicyVersion",
      "iam:DeletePolicy",
      "iam:DeletePolicyVersion",
      "iam:SetDefaultPolicyVersion",
      "iam:TagPolicy",
      "iam:UntagPolicy",
    ]),
    Resource: [...ciRoleArns(scope), ...ciUsersPolicyArns(scope), githubProviderArn(scope)],
  };
}

/**
 * Explicit Deny of users' inline policies (the managed users' `iam-key-rotation-self-read`
 * included): an inline policy on a managed user whose key CI can read would make CI anything
 * it likes, so only an administrator writes them.
 */
function denyUserInlinePolicies(scope: CiScope): Statement {
  return {
    Sid: "DenyUserInlinePolicies",
    Effect: "Deny",
    Action: ["iam:DeleteUserPolicy", "iam:PutUserPolicy"],
    Resource: iamArn(scope, "user/*"),
  };
}

/** A family of compliance resources CI may read (refresh), and never write. */
interface Grant {
  sid: string;
  read: string[];
  resource: string | string[];
}

/** The compliance resources' ARNs (patterns), as CI's statements scope them. */
function complianceResources(
  scope: CiScope,
  compliance: NonNullable<CiScope["compliance"]>,
): { eventRule: string; topic: string; alarm: string; role: string; bucket: string } {
  const notifications = nonCompliantName(compliance.ruleName);
  return {
    eventRule: regionalArn(scope, "events", `rule/${notifications}`),
    // The topic and, as `<topic ARN>:<id>`, its subscriptions.
    topic: regionalArn(scope, "sns", `${compliance.componentName}-*`),
    alarm: regionalArn(scope, "cloudwatch", `alarm:${notifications}`),
    role: iamArn(scope, `role/${compliance.componentName}-*`),
    bucket: `arn:${scope.partition}:s3:::${compliance.componentName}-*`,
  };
}

/**
 * What KeyRotationCompliance manages, read-only for CI: its Config rule (or organization rule),
 * EventBridge rule and target, SNS topic, policy and subscriptions, CloudWatch alarm, the topic's
 * KMS key and, with a recorder, the recorder, delivery channel, bucket and role. Every one of
 * them is on the compliance paging path (a stopped recorder silences the rule as surely as a
 * deleted subscription), so creating or changing them is an administrator's apply, like the
 * Config rule whose ARN carries a generated id. Scoped by name where the ARN carries one.
 */
function complianceGrants(scope: CiScope): Grant[] {
  if (scope.compliance === undefined) return [];
  const { recorder, organization } = scope.compliance;
  const r = complianceResources(scope, scope.compliance);
  const grants: Grant[] = [
    organization
      ? {
          sid: "ComplianceOrganizationRule",
          read: [
            "config:DescribeOrganizationConfigRuleStatuses",
            "config:DescribeOrganizationConfigRules",
          ],
          resource: regionalArn(scope, "config", "organization-config-rule/*"),
        }
      : {
          sid: "ComplianceConfigRule",
          read: ["config:DescribeConfigRules", "config:ListTagsForResource"],
          resource: regionalArn(scope, "config", "config-rule/*"),
        },
    {
      sid: "ComplianceEventRule",
      read: ["events:DescribeRule", "events:ListTagsForResource", "events:ListTargetsByRule"],
      resource: r.eventRule,
    },
    {
      sid: "ComplianceTopic",
      read: [
        "sns:GetSubscriptionAttributes",
        "sns:GetTopicAttributes",
        "sns:ListSubscriptionsByTopic",
        "sns:ListTagsForResource",
      ],
      resource: r.topic,
    },
    {
      sid: "ComplianceAlarm",
      read: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
      resource: r.alarm,
    },
    {
      sid: "ComplianceTopicKeyRead",
      read: [
        "kms:DescribeKey",
        "kms:GetKeyPolicy",
        "kms:GetKeyRotationStatus",
        "kms:ListResourceTags",
      ],
      resource: regionalArn(scope, "kms", "key/*"),
    },
  ];
  if (recorder) {
    grants.push(
      {
        sid: "ComplianceRecorder",
        read: [
          "config:DescribeConfigurationRecorderStatus",
          "config:DescribeConfigurationRecorders",
          "config:DescribeDeliveryChannels",
        ],
        // Recorders and delivery channels have no ARN to scope by.
        resource: "*",
      },
      {
        sid: "ComplianceRecorderRoleRead",
        read: [
          "iam:GetRole",
          "iam:GetRolePolicy",
          "iam:ListAttachedRolePolicies",
          "iam:ListRolePolicies",
          "iam:ListRoleTags",
        ],
        resource: r.role,
      },
      {
        sid: "ComplianceBucket",
        read: [
          "s3:GetAccelerateConfiguration",
          "s3:GetBucket*",
          "s3:GetEncryptionConfiguration",
          "s3:GetLifecycleConfiguration",
          "s3:GetReplicationConfiguration",
          "s3:ListBucket",
        ],
        resource: r.bucket,
      },
    );
  }
  return grants;
}

/**
 * Explicit Deny of every write on the compliance paging path: the event rule and its targets,
 * the topic, its policy and subscriptions, the alarm (its actions and state included), AWS
 * Config's rules, recorder and delivery channel, and the keys' policies and lifecycle. It holds
 * even if a broader policy is attached to a CI role by mistake.
 */
function denySilencingCompliance(scope: CiScope): Statement[] {
  if (scope.compliance === undefined) return [];
  const r = complianceResources(scope, scope.compliance);
  return [
    {
      Sid: "DenySilencingCompliance",
      Effect: "Deny",
      Action: sorted([
        "cloudwatch:DeleteAlarms",
        "cloudwatch:DisableAlarmActions",
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:SetAlarmState",
        "cloudwatch:TagResource",
        "cloudwatch:UntagResource",
        "events:DeleteRule",
        "events:DisableRule",
        "events:PutRule",
        "events:PutTargets",
        "events:RemoveTargets",
        "events:TagResource",
        "events:UntagResource",
        "sns:AddPermission",
        "sns:CreateTopic",
        "sns:DeleteTopic",
        "sns:RemovePermission",
        "sns:SetSubscriptionAttributes",
        "sns:SetTopicAttributes",
        "sns:Subscribe",
        "sns:TagResource",
        "sns:Unsubscribe",
        "sns:UntagResource",
      ]),
      Resource: [r.alarm, r.eventRule, r.topic],
    },
    {
      // No ARN to scope Config rules (generated ids), recorders and channels by: CI needs
      // none of these writes anywhere. Nor any key's policy or lifecycle.
      Sid: "DenySilencingConfig",
      Effect: "Deny",
      Action: sorted([
        "config:DeleteConfigRule",
        "config:DeleteConfigurationRecorder",
        "config:DeleteDeliveryChannel",
        "config:DeleteEvaluationResults",
        "config:DeleteOrganizationConfigRule",
        "config:PutConfigRule",
        "config:PutConfigurationRecorder",
        "config:PutDeliveryChannel",
        "config:PutOrganizationConfigRule",
        "config:StopConfigurationRecorder",
        "kms:DisableKey",
        "kms:PutKeyPolicy",
        "kms:ScheduleKeyDeletion",
      ]),
      Resource: "*",
    },
  ];
}

function grantStatements(grants: Grant[]): Statement[] {
  return grants.map((grant) => {
    const actions = sorted(grant.read);
    return {
      Sid: grant.sid,
      Effect: "Allow",
      Action: actions.length === 1 ? actions[0] : actions,
      Resource: grant.resource,
    };
  });
}

/** What both roles' inline policies end with: the compliance reads and the Denies. */
function sharedTail(scope: CiScope): Statement[] {
  return [
    ...grantStatements(complianceGrants(scope)),
    denySelfChange(scope),
    denyUserInlinePolicies(scope),
    ...denySilencingCompliance(scope),
  ];
}

/**
 * Permissions of the apply role: what `pulumi up --refresh` of this program, `iam-key-rotation
 * verify` and `iam-key-rotation audit` need, and nothing else. The grants on the managed users
 * and their secrets are per user, in managed policies (usersPolicy).
 */
export function applyRolePolicy(scope: CiScope): Document {
  const statements: Statement[] = [
    readAnyUser(scope),
    {
      // `iam-key-rotation audit`: the credential report is account-wide by nature.
      Sid: "AuditCredentialReport",
      Effect: "Allow",
      Action: sorted(["iam:GenerateCredentialReport", "iam:GetCredentialReport", "iam:ListUsers"]),
      Resource: "*",
    },
    ...ciIdentityReads(scope),
    ...stateStatements(scope, true),
    ...sharedTail(scope),
  ];
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * Permissions of the preview role: `pulumi preview --refresh` reads only. It may read the
 * published secrets: the program reads them during preview (while an overlap waits to start),
 * and the stack's state, which a preview must decrypt, holds every key anyway
 * (docs/keyless-ci.md, "What the preview role can read").
 */
export function previewRolePolicy(scope: CiScope): Document {
  const statements: Statement[] = [
    readAnyUser(scope),
    ...ciIdentityReads(scope),
    ...stateStatements(scope, false),
    ...sharedTail(scope),
  ];
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * Reads of exactly the managed users, for both roles: their keys and each key's last use (the
 * program's live reads, during preview too), their inline and attached policies, groups and
 * tags (a refresh, and the import of an adopted user and its key: the AWS provider's importer
 * of an access key calls GetAccessKeyLastUsed, its Read ListAccessKeys).
 */
const USER_READS = [
  "iam:GetAccessKeyLastUsed",
  "iam:GetUserPolicy",
  "iam:ListAccessKeys",
  "iam:ListAttachedUserPolicies",
  "iam:ListGroupsForUser",
  "iam:ListUserPolicies",
  "iam:ListUserTags",
];

const SECRET_READS = [
  "secretsmanager:DescribeSecret",
  "secretsmanager:GetResourcePolicy",
  "secretsmanager:GetSecretValue",
  "secretsmanager:ListSecretVersionIds",
];

/**
 * The per-user grants of a role, for the users of `scope` (one chunk of them): keys of exactly
 * these users, their record tags and configured tags and policies, and their secrets. Kept apart
 * from the inline policy because they grow with the stack; the component puts them in managed
 * policies (usersPolicyChunks). No DeleteUser, DeleteSecret, DetachUserPolicy or removal of a
 * configured tag: each follows a change of the stack config, which changes these grants too,
 * so an administrator applies it.
 */
export function usersPolicy(scope: UsersScope, write: boolean): Document {
  const users = sorted(scope.users.map((u) => userArn(scope, u)));
  const secrets = sorted(scope.users.map((u) => secretArn(scope, u)));
  const statements: Statement[] = write
    ? [
        {
          Sid: "ManagedUsersKeys",
          Effect: "Allow",
          Action: sorted([
            ...USER_READS,
            "iam:CreateAccessKey",
            "iam:DeleteAccessKey",
            "iam:UpdateAccessKey",
          ]),
          Resource: users,
        },
        {
          Sid: "ManagedSecrets",
          Effect: "Allow",
          Action: sorted([
            ...SECRET_READS,
            "secretsmanager:PutSecretValue",
            "secretsmanager:UpdateSecret",
            "secretsmanager:UpdateSecretVersionStage",
          ]),
          Resource: secrets,
        },
        ...tagStatements(scope),
        ...policyStatements(scope),
      ]
    : [
        {
          Sid: "ManagedUsersRead",
          Effect: "Allow",
          Action: sorted(USER_READS),
          Resource: users,
        },
        {
          Sid: "ManagedSecretsRead",
          Effect: "Allow",
          Action: sorted(SECRET_READS),
          Resource: secrets,
        },
      ];
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * The longest values a partition, account and region can have: a document that fits with them
 * fits in any account (partitions: aws-us-gov and aws-iso-b are the longest today).
 */
export const WORST_CASE_PLACE = {
  partition: "aws-iso-b-x",
  accountId: "000000000000",
  region: "x".repeat(20),
};

/**
 * The users, split into groups whose per-user grants each fit one managed policy (in name
 * order, greedily, sized with the longest partition and region there are, so it is known before
 * the account is). A single user too long for a policy on their own is a group of one.
 */
export function usersPolicyChunks(
  scope: Pick<CiScope, "secretPrefix">,
  users: readonly ManagedUser[],
  write: boolean,
): ManagedUser[][] {
  const chunks: ManagedUser[][] = [];
  let chunk: ManagedUser[] = [];
  const size = (candidate: ManagedUser[]) =>
    policySize(
      usersPolicy(
        { ...WORST_CASE_PLACE, secretPrefix: scope.secretPrefix, users: candidate },
        write,
      ),
    );
  for (const user of [...users].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const candidate = [...chunk, user];
    if (chunk.length > 0 && size(candidate) > MAX_MANAGED_POLICY_CHARS) {
      chunks.push(chunk);
      chunk = [user];
    } else {
      chunk = candidate;
    }
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** Characters IAM counts against the policy quotas (whitespace excluded). */
export function policySize(document: Document | object): number {
  return JSON.stringify(document).replace(/\s/g, "").length;
}
