/**
 * GithubOidcRole: keyless CI for this stack. GitHub Actions' OIDC provider (or an existing one),
 * an apply role that runs `pulumi up` and a read-only preview role for pull requests, each
 * trusting exact `sub` values only, with least-privilege inline policies built by the pure
 * helpers below (tests deep-equal them).
 *
 * Why CI cannot widen its own permissions: these roles and their policies are resources of the
 * same stack, but neither role may write any IAM role or policy (an explicit Deny covers the CI
 * roles and the OIDC provider). A change that would widen them (a new `policyArns` entry, a new
 * tag key, another path or prefix, the `github` section itself) makes CI's `pulumi up` fail with
 * AccessDenied until an administrator reviews it and runs `pulumi up` with their own credentials:
 * the same way the roles were bootstrapped (README, "Keyless CI").
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  COMPLIANCE_COMPONENT_NAME,
  DEFAULT_RULE_NAME,
  NON_COMPLIANT_SUFFIX,
} from "../keyRotationCompliance/settings";
import { StackConfig } from "../../program/stackConfig";
import { DEFAULT_PATH, DEFAULT_SECRET_PREFIX } from "../rotatedKeyUser/settings";
import {
  checkSubject,
  DEFAULT_APPLY_ROLE_NAME,
  DEFAULT_PREVIEW_ROLE_NAME,
  GITHUB_OIDC_AUDIENCE,
  GITHUB_OIDC_HOST,
} from "./settings";
import { RECORD_TAG_KEYS, TAG_PREFIX } from "../rotatedKeyUser/rotationRecord";
import { accountOf, parseArn } from "../../lib/arn";
import { GITHUB_OIDC_ROLE_TYPE } from "../typeTokens";

export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;
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
export const SECRET_USER_TAG = `${TAG_PREFIX}user`;

export interface GithubOidcRoleArgs {
  /** OIDC subjects (exact `sub` values) allowed to assume the apply role. Required. */
  readonly applySubjects: readonly string[];
  /** OIDC subjects allowed to assume the read-only preview role. Defaults to none: no preview role. */
  readonly previewSubjects?: readonly string[];
  /**
   * ARN of the account's existing GitHub Actions OIDC provider (an account holds one per URL).
   * Defaults to creating the provider.
   */
  readonly providerArn?: string;
  /** Name of the apply role. Defaults to "key-rotation-github-apply". */
  readonly applyRoleName?: string;
  /** Name of the preview role. Defaults to "key-rotation-github-preview". */
  readonly previewRoleName?: string;
  /**
   * Names of the managed users. The roles may touch the keys of exactly these users and the
   * secrets of exactly these users; a user outside the list, even under `path`, is out of reach.
   * Required, at least one.
   */
  readonly users: readonly string[];
  /** IAM path of the managed users. Defaults to "/key-rotation/". */
  readonly path?: string;
  /** Secrets Manager name prefix of the published keys. Defaults to "key-rotation/". */
  readonly secretPrefix?: string;
  /** Managed policies the apply role may attach to (and detach from) managed users. Defaults to none. */
  readonly policyArns?: readonly string[];
  /** Tag keys the stack puts on users and secrets besides the record tags. Defaults to none. */
  readonly userTagKeys?: readonly string[];
  /** S3 bucket of the Pulumi state (`s3://<bucket>/<prefix>`). Defaults to none (another backend). */
  readonly stateBucket?: string;
  /** Key prefix of the state in `stateBucket`: "" or ending with "/". Defaults to "". */
  readonly stateKeyPrefix?: string;
  /** KMS key ARN of the stack's `awskms://` secrets provider. Defaults to none. */
  readonly secretsProviderKmsKeyArn?: string;
  /** Let the apply role manage the KeyRotationCompliance resources. Defaults to false. */
  readonly compliance?: boolean;
  /** Name of the KeyRotationCompliance component. Defaults to "key-rotation-compliance". */
  readonly complianceComponentName?: string;
  /** Its Config rule name (`compliance.ruleName`). Defaults to "iam-key-rotation-access-keys-rotated". */
  readonly complianceRuleName?: string;
  /** It creates the recorder, delivery channel, bucket and role (`createRecorder`). Defaults to false. */
  readonly complianceRecorder?: boolean;
  /** It deploys an organization rule (`organization`). Defaults to false. */
  readonly complianceOrganization?: boolean;
  /** Maximum session of the roles, in seconds (3600 to 43200). Defaults to 3600. */
  readonly maxSessionDuration?: number;
}

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
export function iamArn(scope: Pick<CiScope, "partition" | "accountId">, resource: string): string {
  return `arn:${scope.partition}:iam::${scope.accountId}:${resource}`;
}

/** Partition and account of an ARN (`arn:<partition>:<service>:<region>:<account>:...`). */
function arnAccount(arn: string): { partition: string; accountId: string } {
  const accountId = accountOf(arn);
  if (accountId === undefined) {
    throw new Error(`Not an ARN with an account: ${JSON.stringify(arn)}.`);
  }
  return { partition: parseArn(arn)!.partition, accountId };
}

/** ARN of the account's GitHub Actions OIDC provider. */
export function githubProviderArn(scope: Pick<CiScope, "partition" | "accountId">): string {
  return iamArn(scope, `oidc-provider/${GITHUB_OIDC_HOST}`);
}

type Place = Pick<CiScope, "partition" | "accountId" | "region">;
/** What the per-user grants depend on. */
export type UsersScope = Place & Pick<CiScope, "path" | "secretPrefix" | "users">;

function regionalArn(scope: Place, service: string, resource: string): string {
  return `arn:${scope.partition}:${service}:${scope.region}:${scope.accountId}:${resource}`;
}

/** ARNs of the CI roles themselves (role path "/"). */
export function ciRoleArns(scope: CiScope): string[] {
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

/**
 * Trust policy of a GitHub Actions role: web identity from the provider, audience
 * sts.amazonaws.com and exactly the listed subjects (StringEquals, never a pattern).
 */
export function githubTrustPolicy(providerArn: string, subjects: readonly string[]): Document {
  if (subjects.length === 0) throw new Error("A GitHub OIDC trust needs at least one subject.");
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "GithubActionsOidc",
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
            [`${GITHUB_OIDC_HOST}:sub`]: [...subjects],
          },
        },
      },
    ],
  };
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
  const notifications = `${ruleName}${NON_COMPLIANT_SUFFIX}`;
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
 * and the stack's state, which a preview must decrypt, holds every key anyway (README, "What the
 * preview role can read").
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

/**
 * Problems with the plain arguments, each naming its field: every subject must be exact and
 * well-formed (./settings.ts, checkSubject), the apply role must not trust pull
 * requests, and the session length must be one IAM accepts.
 */
export function validateGithubOidcRoleArgs(args: GithubOidcRoleArgs): string[] {
  const problems: string[] = [];
  if (args.applySubjects.length === 0) {
    problems.push("[applySubjects] must list at least one subject.");
  }
  if (args.users.length === 0) {
    problems.push("[users] must list at least one managed user: the roles manage exactly these.");
  }
  const policies = usersPolicyChunks(
    { path: args.path ?? DEFAULT_PATH, secretPrefix: args.secretPrefix ?? DEFAULT_SECRET_PREFIX },
    args.users,
    true,
  ).length;
  if (policies > MAX_USER_POLICIES_PER_ROLE) {
    problems.push(
      `[users] lists ${args.users.length} users: their grants need ${policies} managed policies, ` +
        `more than the ${MAX_USER_POLICIES_PER_ROLE} IAM attaches to a role; split the users ` +
        `across stacks.`,
    );
  }
  args.applySubjects.forEach((value, i) => {
    const checked = checkSubject(value, `applySubjects[${i}]`);
    if (typeof checked === "string") problems.push(checked);
    else if (checked.kind === "pull_request") {
      problems.push(
        `[applySubjects[${i}]] must not be a pull_request subject: the apply role changes AWS.`,
      );
    }
  });
  (args.previewSubjects ?? []).forEach((value, i) => {
    const checked = checkSubject(value, `previewSubjects[${i}]`);
    if (typeof checked === "string") problems.push(checked);
  });
  const session = args.maxSessionDuration ?? 3600;
  if (!Number.isInteger(session) || session < 3600 || session > 43200) {
    problems.push(
      `[maxSessionDuration] must be an integer from 3600 to 43200 seconds (got ${session}).`,
    );
  }
  return problems;
}

/**
 * GithubOidcRole arguments from a parsed stack configuration (index.ts): the attachable policies
 * and tag keys of every user, and the compliance resources when the stack has them.
 */
export function githubOidcRoleArgs(
  config: StackConfig,
  complianceComponentName = COMPLIANCE_COMPONENT_NAME,
): GithubOidcRoleArgs | undefined {
  const github = config.github;
  if (github === undefined) return undefined;
  const compliance = config.compliance;
  return {
    applySubjects: github.applySubjects,
    previewSubjects: github.previewSubjects,
    providerArn: github.providerArn,
    applyRoleName: github.applyRoleName,
    previewRoleName: github.previewRoleName,
    users: config.users.map((u) => u.name),
    path: config.path,
    secretPrefix: config.secretPrefix,
    policyArns: sorted(config.users.flatMap((u) => u.policyArns)),
    userTagKeys: sorted(config.users.flatMap((u) => Object.keys(u.tags))),
    stateBucket: github.stateBucket,
    stateKeyPrefix: github.stateKeyPrefix,
    secretsProviderKmsKeyArn: github.secretsProviderKmsKeyArn,
    compliance: compliance !== undefined,
    ...(compliance !== undefined && {
      complianceComponentName,
      complianceRuleName: compliance.ruleName,
      complianceRecorder: compliance.createRecorder,
      complianceOrganization: compliance.organization,
    }),
  };
}

export class GithubOidcRole extends pulumi.ComponentResource {
  /** ARN of the GitHub Actions OIDC provider (created or reused). */
  public readonly providerArn: pulumi.Output<string>;
  /** ARN of the apply role (once its permissions exist): `role-to-assume` of the scheduled workflow. */
  public readonly applyRoleArn: pulumi.Output<string>;
  /** ARN of the preview role (once its permissions exist); undefined without preview subjects. */
  public readonly previewRoleArn: pulumi.Output<string | undefined>;

  constructor(name: string, args: GithubOidcRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before anything is registered, the component itself included.
    const problems = validateGithubOidcRoleArgs(args);
    if (problems.length > 0) {
      throw new Error(`GithubOidcRole "${name}": ${problems.join(" ")}`);
    }
    super(GITHUB_OIDC_ROLE_TYPE, name, {}, opts);
    const maxSessionDuration = args.maxSessionDuration ?? 3600;
    const previewSubjects = args.previewSubjects ?? [];
    const applyRoleName = args.applyRoleName ?? DEFAULT_APPLY_ROLE_NAME;
    const previewRoleName =
      previewSubjects.length > 0 ? (args.previewRoleName ?? DEFAULT_PREVIEW_ROLE_NAME) : undefined;

    const provider =
      args.providerArn === undefined
        ? new aws.iam.OpenIdConnectProvider(
            `${name}-provider`,
            { url: GITHUB_OIDC_URL, clientIdLists: [GITHUB_OIDC_AUDIENCE] },
            { parent: this },
          )
        : undefined;
    const providerArn: pulumi.Output<string> = provider?.arn ?? pulumi.output(args.providerArn!);

    const stack = pulumi.getStack();
    const role = (
      suffix: string,
      roleName: string,
      subjects: readonly string[],
      description: string,
    ) =>
      new aws.iam.Role(
        `${name}-${suffix}`,
        {
          name: roleName,
          description,
          maxSessionDuration,
          assumeRolePolicy: pulumi.jsonStringify(
            providerArn.apply((arn) => githubTrustPolicy(arn, subjects)),
          ),
        },
        { parent: this },
      );
    const applyRole = role(
      "apply",
      applyRoleName,
      args.applySubjects,
      `GitHub Actions: pulumi up of iam-key-rotation stack ${stack}. Changed only by an administrator's apply.`,
    );
    const previewRole =
      previewRoleName === undefined
        ? undefined
        : role(
            "preview",
            previewRoleName,
            previewSubjects,
            `GitHub Actions: read-only pulumi preview of iam-key-rotation stack ${stack}.`,
          );

    // The apply role's ARN tells the partition and account; the region is the provider's. No
    // invoke: nothing extra to grant, and nothing to mock.
    const region: pulumi.Output<string> =
      aws.config.region !== undefined
        ? pulumi.output(aws.config.region)
        : aws.getRegionOutput({}, { parent: this }).region;
    const scope: pulumi.Output<CiScope> = pulumi
      .all([applyRole.arn, region, providerArn])
      .apply(([roleArn, regionName, arn]) => ({
        ...arnAccount(roleArn),
        region: regionName,
        project: pulumi.getProject(),
        stack,
        path: args.path ?? DEFAULT_PATH,
        secretPrefix: args.secretPrefix ?? DEFAULT_SECRET_PREFIX,
        users: sorted(args.users),
        policyArns: sorted(args.policyArns ?? []),
        userTagKeys: sorted(args.userTagKeys ?? []),
        applyRoleName,
        previewRoleName,
        providerArn: arn,
        manageProvider: provider !== undefined,
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
      }));

    const path = args.path ?? DEFAULT_PATH;
    const secretPrefix = args.secretPrefix ?? DEFAULT_SECRET_PREFIX;
    const permissions = (
      suffix: string,
      target: aws.iam.Role,
      roleName: string,
      policyName: string,
      policy: (s: CiScope) => aws.iam.PolicyDocument,
      write: boolean,
    ): pulumi.Output<string> => {
      const attached = new aws.iam.RolePolicy(
        `${name}-${suffix}-permissions`,
        {
          name: policyName,
          role: target.name,
          policy: pulumi.jsonStringify(
            scope.apply((s) => {
              const document = policy(s);
              const size = policySize(document);
              if (size > MAX_INLINE_POLICY_CHARS) {
                throw new Error(
                  `GithubOidcRole "${name}": the ${suffix} role's policy has ${size} characters; ` +
                    `IAM allows ${MAX_INLINE_POLICY_CHARS} per role.`,
                );
              }
              return document;
            }),
          ),
        },
        { parent: this },
      );
      // The per-user grants grow with the stack: managed policies, as many as they need.
      const usersAttached = usersPolicyChunks({ path, secretPrefix }, args.users, write).map(
        (users, i) => {
          const usersPolicyResource = new aws.iam.Policy(
            `${name}-${suffix}-users-${i}`,
            {
              name: usersPolicyName(roleName, i),
              description: `Keys and secrets of ${users.length} managed user(s) of iam-key-rotation stack ${stack}.`,
              policy: pulumi.jsonStringify(scope.apply((s) => usersPolicy({ ...s, users }, write))),
            },
            { parent: this },
          );
          return new aws.iam.RolePolicyAttachment(
            `${name}-${suffix}-users-${i}`,
            { role: target.name, policyArn: usersPolicyResource.arn },
            { parent: this },
          ).id;
        },
      );
      // Resolves only once the role has all its permissions (eks' resolvedRole idea).
      return pulumi.all([target.arn, attached.id, ...usersAttached]).apply(([arn]) => arn);
    };
    const apply = permissions(
      "apply",
      applyRole,
      applyRoleName,
      APPLY_POLICY_NAME,
      applyRolePolicy,
      true,
    );
    const preview =
      previewRole === undefined
        ? undefined
        : permissions(
            "preview",
            previewRole,
            previewRoleName!,
            PREVIEW_POLICY_NAME,
            previewRolePolicy,
            false,
          );

    this.providerArn = providerArn;
    this.applyRoleArn = apply;
    this.previewRoleArn = preview ?? pulumi.output(undefined);
    this.registerOutputs({
      providerArn: this.providerArn,
      applyRoleArn: this.applyRoleArn,
      previewRoleArn: this.previewRoleArn,
    });
  }
}
