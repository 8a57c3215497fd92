/**
 * Shared values of the GithubOidcRole tests: the scope of a two-user stack (BASE) and the exact
 * documents the roles get for it, and helpers to pick statements out of a document.
 */
import * as assert from "node:assert/strict";
import type * as pulumi from "@pulumi/pulumi";
import type { CiScope, ManagedUser } from "../../../components/githubOidcRole/permissions";
import { RECORD_TAG_KEYS } from "../../../components/rotatedKeyUser/rotationRecord";
import { ACCOUNT, REGION } from "../../support/mocks";

export const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
export const APPLY_SUB = "repo:acme/iam-key-rotation:environment:prod";
export const PR_SUB = "repo:acme/iam-key-rotation:pull_request";
/** Exactly the managed users, and exactly their secrets. */
export const ATHENA = `arn:aws:iam::${ACCOUNT}:user/key-rotation/bi-vendor-athena`;
export const JENKINS = `arn:aws:iam::${ACCOUNT}:user/key-rotation/onprem-jenkins-ecr`;
export const USERS = [ATHENA, JENKINS];
export const ATHENA_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:key-rotation/bi-vendor-athena-??????`;
export const JENKINS_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:key-rotation/onprem-jenkins-ecr-??????`;
export const SECRETS = [ATHENA_SECRET, JENKINS_SECRET];
export const APPLY_ROLE = `arn:aws:iam::${ACCOUNT}:role/key-rotation-github-apply`;
export const PREVIEW_ROLE = `arn:aws:iam::${ACCOUNT}:role/key-rotation-github-preview`;
export const APPLY_USERS_POLICIES = `arn:aws:iam::${ACCOUNT}:policy/key-rotation-github-apply-users-*`;
export const PREVIEW_USERS_POLICIES = `arn:aws:iam::${ACCOUNT}:policy/key-rotation-github-preview-users-*`;
export const ECR = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser";
export const S3RO = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
export const KMS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

export const BASE: CiScope = {
  partition: "aws",
  accountId: ACCOUNT,
  region: REGION,
  project: "iam-key-rotation",
  stack: "prod",
  secretPrefix: "key-rotation/",
  users: [
    {
      name: "onprem-jenkins-ecr",
      path: "/key-rotation/",
      tags: { team: "platform" },
      policyArns: [ECR],
    },
    {
      name: "bi-vendor-athena",
      path: "/key-rotation/",
      tags: { team: "data", consumer: "bi-vendor" },
      policyArns: [S3RO],
    },
  ],
  applyRoleName: "key-rotation-github-apply",
  previewRoleName: "key-rotation-github-preview",
  providerArn: PROVIDER,
  manageProvider: true,
  stateKeyPrefix: "",
};

/** A managed user under the default path, without tags or policies unless given. */
export const user = (name: string, more: Partial<ManagedUser> = {}): ManagedUser => ({
  name,
  path: "/key-rotation/",
  tags: {},
  policyArns: [],
  ...more,
});

export const DENY_SELF_CHANGE = {
  Sid: "DenyChangingCiIdentity",
  Effect: "Deny",
  Action: [
    "iam:AddClientIDToOpenIDConnectProvider",
    "iam:AttachRolePolicy",
    "iam:CreateOpenIDConnectProvider",
    "iam:CreatePolicyVersion",
    "iam:DeleteOpenIDConnectProvider",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:DeleteRole",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:RemoveClientIDFromOpenIDConnectProvider",
    "iam:SetDefaultPolicyVersion",
    "iam:TagOpenIDConnectProvider",
    "iam:TagPolicy",
    "iam:TagRole",
    "iam:UntagOpenIDConnectProvider",
    "iam:UntagPolicy",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateOpenIDConnectProviderThumbprint",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
  ],
  Resource: [APPLY_ROLE, PREVIEW_ROLE, APPLY_USERS_POLICIES, PREVIEW_USERS_POLICIES, PROVIDER],
};

export const READ_CI_ROLES = {
  Sid: "ReadCiRoles",
  Effect: "Allow",
  Action: [
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
    "iam:ListRoleTags",
  ],
  Resource: [APPLY_ROLE, PREVIEW_ROLE],
};

export const READ_CI_POLICIES = {
  Sid: "ReadCiPolicies",
  Effect: "Allow",
  Action: ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyTags"],
  Resource: [APPLY_USERS_POLICIES, PREVIEW_USERS_POLICIES],
};

export const READ_PROVIDER = {
  Sid: "ReadOidcProvider",
  Effect: "Allow",
  Action: ["iam:GetOpenIDConnectProvider", "iam:ListOpenIDConnectProviderTags"],
  Resource: PROVIDER,
};

export const DENY_USER_INLINE_POLICIES = {
  Sid: "DenyUserInlinePolicies",
  Effect: "Deny",
  Action: ["iam:DeleteUserPolicy", "iam:PutUserPolicy"],
  Resource: `arn:aws:iam::${ACCOUNT}:user/*`,
};

const READ_ANY_USER = {
  Sid: "ReadUsersRotationRecord",
  Effect: "Allow",
  Action: "iam:GetUser",
  Resource: `arn:aws:iam::${ACCOUNT}:user/*`,
};

export const EXPECTED_APPLY = {
  Version: "2012-10-17",
  Statement: [
    READ_ANY_USER,
    {
      Sid: "AuditCredentialReport",
      Effect: "Allow",
      Action: ["iam:GenerateCredentialReport", "iam:GetCredentialReport", "iam:ListUsers"],
      Resource: "*",
    },
    READ_CI_ROLES,
    READ_CI_POLICIES,
    READ_PROVIDER,
    DENY_SELF_CHANGE,
    DENY_USER_INLINE_POLICIES,
  ],
};

export const EXPECTED_PREVIEW = {
  Version: "2012-10-17",
  Statement: [
    READ_ANY_USER,
    READ_CI_ROLES,
    READ_CI_POLICIES,
    READ_PROVIDER,
    DENY_SELF_CHANGE,
    DENY_USER_INLINE_POLICIES,
  ],
};

/** The reads both roles have on exactly the managed users. */
export const USER_READS = [
  "iam:GetAccessKeyLastUsed",
  "iam:GetUserPolicy",
  "iam:ListAccessKeys",
  "iam:ListAttachedUserPolicies",
  "iam:ListGroupsForUser",
  "iam:ListUserPolicies",
  "iam:ListUserTags",
];

/** The record tag keys: CI may set and remove them on every managed user, any value. */
export const RECORD_KEYS = [...RECORD_TAG_KEYS].sort();

/** The per-user grants (managed policies `<role>-users-N`) for BASE's two users. */
export const EXPECTED_APPLY_USERS = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "ManagedUsersKeys",
      Effect: "Allow",
      Action: [
        "iam:CreateAccessKey",
        "iam:DeleteAccessKey",
        ...USER_READS,
        "iam:UpdateAccessKey",
      ].sort(),
      Resource: USERS,
    },
    {
      Sid: "ManagedSecrets",
      Effect: "Allow",
      Action: [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetResourcePolicy",
        "secretsmanager:GetSecretValue",
        "secretsmanager:ListSecretVersionIds",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecret",
        "secretsmanager:UpdateSecretVersionStage",
      ],
      Resource: SECRETS,
    },
    {
      Sid: "ManagedUsersRecordTags",
      Effect: "Allow",
      Action: ["iam:CreateUser", "iam:TagUser", "iam:UntagUser"],
      Resource: USERS,
      Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": RECORD_KEYS } },
    },
    {
      Effect: "Allow",
      Action: ["iam:CreateUser", "iam:TagUser"],
      Resource: ATHENA,
      Condition: {
        "ForAllValues:StringEquals": {
          "aws:TagKeys": [...RECORD_KEYS, "consumer", "team"].sort(),
        },
        StringEqualsIfExists: {
          "aws:RequestTag/consumer": "bi-vendor",
          "aws:RequestTag/team": "data",
        },
      },
    },
    {
      Effect: "Allow",
      Action: ["iam:CreateUser", "iam:TagUser"],
      Resource: JENKINS,
      Condition: {
        "ForAllValues:StringEquals": { "aws:TagKeys": [...RECORD_KEYS, "team"].sort() },
        StringEqualsIfExists: { "aws:RequestTag/team": "platform" },
      },
    },
    {
      Effect: "Allow",
      Action: ["secretsmanager:CreateSecret", "secretsmanager:TagResource"],
      Resource: ATHENA_SECRET,
      Condition: {
        "ForAllValues:StringEquals": {
          "aws:TagKeys": ["consumer", "key-rotation:user", "team"],
        },
        StringEqualsIfExists: {
          "aws:RequestTag/consumer": "bi-vendor",
          "aws:RequestTag/key-rotation:user": "bi-vendor-athena",
          "aws:RequestTag/team": "data",
        },
      },
    },
    {
      Effect: "Allow",
      Action: ["secretsmanager:CreateSecret", "secretsmanager:TagResource"],
      Resource: JENKINS_SECRET,
      Condition: {
        "ForAllValues:StringEquals": { "aws:TagKeys": ["key-rotation:user", "team"] },
        StringEqualsIfExists: {
          "aws:RequestTag/key-rotation:user": "onprem-jenkins-ecr",
          "aws:RequestTag/team": "platform",
        },
      },
    },
    {
      Effect: "Allow",
      Action: "iam:AttachUserPolicy",
      Resource: JENKINS,
      Condition: { StringEquals: { "iam:PolicyARN": ECR } },
    },
    {
      Effect: "Allow",
      Action: "iam:AttachUserPolicy",
      Resource: ATHENA,
      Condition: { StringEquals: { "iam:PolicyARN": S3RO } },
    },
  ],
};

export const EXPECTED_PREVIEW_USERS = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "ManagedUsersRead",
      Effect: "Allow",
      Action: USER_READS,
      Resource: USERS,
    },
    {
      Sid: "ManagedSecretsRead",
      Effect: "Allow",
      Action: [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetResourcePolicy",
        "secretsmanager:GetSecretValue",
        "secretsmanager:ListSecretVersionIds",
      ],
      Resource: SECRETS,
    },
  ],
};

export type AnyStatement = {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: unknown;
};
export const statements = (doc: pulumi.Input<unknown>): AnyStatement[] =>
  (doc as { Statement: AnyStatement[] }).Statement;
export const bySid = (doc: pulumi.Input<unknown>, sid: string): AnyStatement => {
  const found = statements(doc).filter((s) => s.Sid === sid);
  assert.equal(found.length, 1, `one statement ${sid}`);
  return found[0];
};
export const actionsOf = (s: AnyStatement): string[] => [s.Action].flat();

export const READ_ONLY = /^[a-z0-9]+:(Get|List|Describe)[A-Za-z*]*$|^kms:Decrypt$/;

export const STATE: Partial<CiScope> = {
  stateBucket: "acme-pulumi-state",
  stateKeyPrefix: "infra/",
  secretsProviderKmsKeyArn: KMS_KEY,
};
export const RULE = "iam-key-rotation-access-keys-rotated";
export const COMPLIANCE: Partial<CiScope> = {
  compliance: {
    componentName: "key-rotation-compliance",
    ruleName: RULE,
    recorder: true,
    organization: false,
  },
};
