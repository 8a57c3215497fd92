/**
 * The permissions of the CI roles, as plain IAM policy documents: the apply role's and the
 * preview role's inline policies, the per-user grants split into managed policies that fit IAM's
 * size limits, the state backend and KeyRotationCompliance grants, and an explicit Deny on the
 * CI identity itself (so CI cannot widen its own permissions). Pure: a CiScope in, documents
 * out (tests deep-equal them, and check them against moto_server).
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
const MAX_MANAGED_POLICY_CHARS = 6_144;
/** IAM attaches at most 10 managed policies to a role (the default quota). */
export const MAX_USER_POLICIES_PER_ROLE = 10;

/** The tag RotatedKeyUser adds to each published secret. */
const SECRET_USER_TAG = `${TAG_PREFIX}user`;

/** Everything the permission documents depend on, as plain values. */
export interface CiScope {
  readonly partition: string;
  readonly accountId: string;
  readonly region: string;
  /** Pulumi project and stack: the state objects the roles may touch. */
  readonly project: string;
  readonly stack: string;
  readonly path: string;
  readonly secretPrefix: string;
  /** The managed users, by name. */
  readonly users: readonly string[];
  readonly policyArns: readonly string[];
  readonly userTagKeys: readonly string[];
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
type UsersScope = Place & Pick<CiScope, "path" | "secretPrefix" | "users">;

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

/** Any user under the managed path: for creating users, tagging and listed policies only. */
function usersUnderPath(scope: CiScope): string {
  return iamArn(scope, `user${scope.path}*`);
}

/**
 * Exactly the managed users: keys are only ever created, read or deleted for them (a key of
 * any other user, with its policies, would be a way around the listed policies).
 */
function managedUsers(scope: UsersScope): string[] {
  return sorted(scope.users.map((user) => iamArn(scope, `user${scope.path}${user}`)));
}

/** Any secret under the prefix: for creating secrets and tagging them only. */
function secretsUnderPrefix(scope: CiScope): string {
  return regionalArn(scope, "secretsmanager", `secret:${scope.secretPrefix}*`);
}

/** Exactly the managed users' secrets (Secrets Manager appends six random characters). */
function managedSecrets(scope: UsersScope): string[] {
  return sorted(
    scope.users.map((user) =>
      regionalArn(scope, "secretsmanager", `secret:${scope.secretPrefix}${user}-??????`),
    ),
  );
}

function tagKeysCondition(keys: Iterable<string>) {
  return { "ForAllValues:StringEquals": { "aws:TagKeys": sorted(keys) } };
}

/** The state backend objects of this stack (pulumi/pulumi pkg/backend/diy: store.go, lock.go). */
export function stateObjectArns(scope: CiScope): { metadata: string; stack: string[] } {
  const base = `arn:${scope.partition}:s3:::${scope.stateBucket}/${scope.stateKeyPrefix}.pulumi`;
  const { project, stack } = scope;
  return {
    metadata: `${base}/meta.yaml`,
    stack: [
      `${base}/stacks/${project}/${stack}.*`,
      `${base}/history/${project}/${stack}/*`,
      `${base}/backups/${project}/${stack}/*`,
      `${base}/journal/${project}/${stack}/*`,
      `${base}/locks/organization/${project}/${stack}/*`,
    ],
  };
}

function stateStatements(scope: CiScope, write: boolean): Statement[] {
  const statements: Statement[] = [];
  if (scope.stateBucket !== undefined) {
    const objects = stateObjectArns(scope);
    statements.push({
      // Without ListBucket a missing object reads as 403, not 404 (Pulumi probes for some).
      Sid: "StateBucketList",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: `arn:${scope.partition}:s3:::${scope.stateBucket}`,
    });
    statements.push(
      write
        ? {
            Sid: "StateObjects",
            Effect: "Allow",
            Action: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
            Resource: objects.stack,
          }
        : {
            Sid: "StateObjects",
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: [objects.metadata, objects.stack[0]],
          },
    );
    if (write) {
      statements.push({
        Sid: "StateMetadata",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: objects.metadata,
      });
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

/** A family of compliance resources: what a preview reads, what an apply also writes. */
interface Grant {
  sid: string;
  read: string[];
  write: string[];
  resource: string | string[];
  condition?: Record<string, Record<string, string | string[]>>;
}

/**
 * What KeyRotationCompliance manages: its Config rule (or organization rule), EventBridge rule
 * and target, SNS topic, policy and subscriptions, CloudWatch alarm and, with a recorder, the
 * recorder, delivery channel and bucket. Scoped by name where the ARN carries one: the event rule
 * and alarm exactly, the topic, bucket and role by the component's name. Config rule ARNs carry a
 * generated id, recorders and delivery channels have no ARN to scope, the topic's KMS key has no
 * alias: those are scoped to the account and region. The topic key's policy and the recorder
 * role grant privileges: CI may read them (refresh) and pass the role to AWS Config, never change
 * them (an administrator's apply creates and changes them).
 */
function complianceGrants(scope: CiScope): Grant[] {
  if (scope.compliance === undefined) return [];
  const { componentName, ruleName, recorder, organization } = scope.compliance;
  const notifications = nonCompliantName(ruleName);
  const grants: Grant[] = organization
    ? [
        {
          sid: "ComplianceOrganizationRule",
          read: [
            "config:DescribeOrganizationConfigRuleStatuses",
            "config:DescribeOrganizationConfigRules",
          ],
          // No writes: organization rule ARNs carry a generated id, so a write grant would
          // reach every organization rule. Creating or changing it is an administrator's apply.
          write: [],
          resource: regionalArn(scope, "config", "organization-config-rule/*"),
        },
      ]
    : [
        {
          sid: "ComplianceConfigRule",
          read: ["config:DescribeConfigRules", "config:ListTagsForResource"],
          // No writes: Config rule ARNs carry a generated id, so a write grant would reach every
          // rule of the region (the backstop included). Creating or changing it is an
          // administrator's apply.
          write: [],
          resource: regionalArn(scope, "config", "config-rule/*"),
        },
      ];
  grants.push(
    {
      sid: "ComplianceEventRule",
      read: ["events:DescribeRule", "events:ListTagsForResource", "events:ListTargetsByRule"],
      write: [
        "events:DeleteRule",
        "events:DisableRule",
        "events:EnableRule",
        "events:PutRule",
        "events:PutTargets",
        "events:RemoveTargets",
        "events:TagResource",
        "events:UntagResource",
      ],
      resource: regionalArn(scope, "events", `rule/${notifications}`),
    },
    {
      sid: "ComplianceTopic",
      read: [
        "sns:GetSubscriptionAttributes",
        "sns:GetTopicAttributes",
        "sns:ListSubscriptionsByTopic",
        "sns:ListTagsForResource",
      ],
      write: [
        "sns:CreateTopic",
        "sns:DeleteTopic",
        "sns:SetSubscriptionAttributes",
        "sns:SetTopicAttributes",
        "sns:Subscribe",
        "sns:TagResource",
        "sns:Unsubscribe",
        "sns:UntagResource",
      ],
      resource: regionalArn(scope, "sns", `${componentName}-*`),
    },
    {
      sid: "ComplianceAlarm",
      read: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
      write: [
        "cloudwatch:DeleteAlarms",
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:TagResource",
        "cloudwatch:UntagResource",
      ],
      resource: regionalArn(scope, "cloudwatch", `alarm:${notifications}`),
    },
    {
      sid: "ComplianceTopicKeyRead",
      read: [
        "kms:DescribeKey",
        "kms:GetKeyPolicy",
        "kms:GetKeyRotationStatus",
        "kms:ListResourceTags",
      ],
      write: [],
      resource: regionalArn(scope, "kms", "key/*"),
    },
  );
  if (recorder) {
    grants.push(
      {
        sid: "ComplianceRecorder",
        read: [
          "config:DescribeConfigurationRecorderStatus",
          "config:DescribeConfigurationRecorders",
          "config:DescribeDeliveryChannels",
        ],
        write: [
          "config:DeleteConfigurationRecorder",
          "config:DeleteDeliveryChannel",
          "config:PutConfigurationRecorder",
          "config:PutDeliveryChannel",
          "config:StartConfigurationRecorder",
          "config:StopConfigurationRecorder",
        ],
        resource: "*",
        condition: { StringEquals: { "aws:RequestedRegion": scope.region } },
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
        write: [],
        resource: iamArn(scope, `role/${componentName}-*`),
      },
      {
        sid: "ComplianceRecorderRolePass",
        read: [],
        write: ["iam:PassRole"],
        resource: iamArn(scope, `role/${componentName}-*`),
        condition: { StringEquals: { "iam:PassedToService": "config.amazonaws.com" } },
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
        write: [
          "s3:CreateBucket",
          "s3:DeleteBucket",
          "s3:DeleteBucketPolicy",
          "s3:PutBucketOwnershipControls",
          "s3:PutBucketPolicy",
          "s3:PutBucketPublicAccessBlock",
          "s3:PutBucketTagging",
          "s3:PutBucketVersioning",
          "s3:PutEncryptionConfiguration",
          "s3:PutLifecycleConfiguration",
        ],
        resource: `arn:${scope.partition}:s3:::${componentName}-*`,
      },
    );
  }
  return grants;
}

function grantStatements(grants: Grant[], write: boolean): Statement[] {
  return grants.flatMap((grant) => {
    const actions = sorted(write ? [...grant.read, ...grant.write] : grant.read);
    if (actions.length === 0) return [];
    const statement: Statement = {
      Sid: grant.sid,
      Effect: "Allow",
      Action: actions.length === 1 ? actions[0] : actions,
      Resource: grant.resource,
    };
    if (grant.condition !== undefined) statement.Condition = grant.condition;
    return [statement];
  });
}

/**
 * Permissions of the apply role: what `pulumi up --refresh` of this program, `iam-key-rotation
 * verify` and `iam-key-rotation audit` need, and nothing else.
 */
export function applyRolePolicy(scope: CiScope): Document {
  const statements: Statement[] = [
    readAnyUser(scope),
    {
      // Only the record tags and the tag keys the stack config lists: tags can grant access
      // where policies test aws:PrincipalTag.
      Sid: "ManagedUsersTags",
      Effect: "Allow",
      Action: sorted(["iam:CreateUser", "iam:TagUser", "iam:UntagUser"]),
      Resource: usersUnderPath(scope),
      Condition: tagKeysCondition([...RECORD_TAG_KEYS, ...scope.userTagKeys]),
    },
  ];
  if (scope.policyArns.length > 0) {
    statements.push({
      // Only the policies the stack config lists: attaching any other policy to a managed user
      // and reading its key from the secret would make CI anything it likes.
      Sid: "ManagedUsersPolicies",
      Effect: "Allow",
      Action: sorted(["iam:AttachUserPolicy", "iam:DetachUserPolicy"]),
      Resource: usersUnderPath(scope),
      Condition: { StringEquals: { "iam:PolicyARN": sorted(scope.policyArns) } },
    });
  }
  statements.push(
    {
      Sid: "ManagedSecretsTags",
      Effect: "Allow",
      Action: sorted([
        "secretsmanager:CreateSecret",
        "secretsmanager:TagResource",
        "secretsmanager:UntagResource",
      ]),
      Resource: secretsUnderPrefix(scope),
      Condition: tagKeysCondition([SECRET_USER_TAG, ...scope.userTagKeys]),
    },
    {
      // `iam-key-rotation audit`: the credential report is account-wide by nature.
      Sid: "AuditCredentialReport",
      Effect: "Allow",
      Action: sorted(["iam:GenerateCredentialReport", "iam:GetCredentialReport", "iam:ListUsers"]),
      Resource: "*",
    },
    ...ciIdentityReads(scope),
    ...stateStatements(scope, true),
    ...grantStatements(complianceGrants(scope), true),
    denySelfChange(scope),
  );
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
    ...grantStatements(complianceGrants(scope), false),
    denySelfChange(scope),
  ];
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * The per-user grants of a role, for the users of `scope` (one chunk of them): keys of exactly
 * these users and their secrets. Kept apart from the inline policy because they grow with the
 * stack; the component puts them in managed policies (usersPolicyChunks).
 */
export function usersPolicy(scope: UsersScope, write: boolean): Document {
  const statements: Statement[] = write
    ? [
        {
          Sid: "ManagedUsersKeys",
          Effect: "Allow",
          Action: sorted([
            "iam:CreateAccessKey",
            "iam:DeleteAccessKey",
            "iam:DeleteUser",
            "iam:GetAccessKeyLastUsed",
            "iam:ListAccessKeys",
            "iam:ListAttachedUserPolicies",
            // The AWS provider lists a user's groups before deleting it.
            "iam:ListGroupsForUser",
            "iam:ListUserTags",
            "iam:UpdateAccessKey",
          ]),
          Resource: managedUsers(scope),
        },
        {
          Sid: "ManagedSecrets",
          Effect: "Allow",
          Action: sorted([
            "secretsmanager:DeleteSecret",
            "secretsmanager:DescribeSecret",
            "secretsmanager:GetResourcePolicy",
            "secretsmanager:GetSecretValue",
            "secretsmanager:ListSecretVersionIds",
            "secretsmanager:PutSecretValue",
            "secretsmanager:UpdateSecret",
            "secretsmanager:UpdateSecretVersionStage",
          ]),
          Resource: managedSecrets(scope),
        },
      ]
    : [
        {
          Sid: "ManagedUsersRead",
          Effect: "Allow",
          Action: sorted([
            "iam:ListAccessKeys",
            "iam:ListAttachedUserPolicies",
            "iam:ListUserTags",
          ]),
          Resource: managedUsers(scope),
        },
        {
          Sid: "ManagedSecretsRead",
          Effect: "Allow",
          Action: sorted([
            "secretsmanager:DescribeSecret",
            "secretsmanager:GetResourcePolicy",
            "secretsmanager:GetSecretValue",
            "secretsmanager:ListSecretVersionIds",
          ]),
          Resource: managedSecrets(scope),
        },
      ];
  return { Version: "2012-10-17", Statement: statements };
}

/** The longest values a partition, account and region can have: a chunk that fits with them fits. */
const WORST_CASE = { partition: "aws-iso-b-x", accountId: "000000000000", region: "x".repeat(20) };

/**
 * The users, split into groups whose per-user grants each fit one managed policy (in order,
 * greedily, sized with the longest partition and region there are, so it is known before the
 * account is). A single user too long for a policy on their own is a group of one.
 */
export function usersPolicyChunks(
  scope: Pick<CiScope, "path" | "secretPrefix">,
  users: readonly string[],
  write: boolean,
): string[][] {
  const chunks: string[][] = [];
  let chunk: string[] = [];
  for (const user of sorted(users)) {
    const candidate = [...chunk, user];
    const size = policySize(
      usersPolicy(
        { ...WORST_CASE, path: scope.path, secretPrefix: scope.secretPrefix, users: candidate },
        write,
      ),
    );
    if (size > MAX_MANAGED_POLICY_CHARS && chunk.length > 0) {
      chunks.push(chunk);
      chunk = [user];
    } else {
      chunk = candidate;
    }
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** Characters IAM counts against the inline policy quota (whitespace excluded). */
export function policySize(document: Document): number {
  return JSON.stringify(document).replace(/\s/g, "").length;
}
