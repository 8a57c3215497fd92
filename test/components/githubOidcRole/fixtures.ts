/**
 * Shared values of the GithubOidcRole tests: the scope of a two-user stack (BASE) and the exact
 * documents the roles get for it, and helpers to pick statements out of a document.
 */
import * as assert from "node:assert/strict";
import type * as pulumi from "@pulumi/pulumi";
import type { CiScope } from "../../../components/githubOidcRole/permissions";
import { ACCOUNT, REGION } from "../../support/mocks";

export const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
export const APPLY_SUB = "repo:acme/iam-key-rotation:environment:prod";
export const PR_SUB = "repo:acme/iam-key-rotation:pull_request";
/** Any user under the managed path: creating users, tags and listed policies only. */
export const UNDER_PATH = `arn:aws:iam::${ACCOUNT}:user/key-rotation/*`;
/** Exactly the managed users, and exactly their secrets. */
export const USERS = [
  `arn:aws:iam::${ACCOUNT}:user/key-rotation/bi-vendor-athena`,
  `arn:aws:iam::${ACCOUNT}:user/key-rotation/onprem-jenkins-ecr`,
];
export const SECRETS = [
  `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:key-rotation/bi-vendor-athena-??????`,
  `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:key-rotation/onprem-jenkins-ecr-??????`,
];
export const APPLY_ROLE = `arn:aws:iam::${ACCOUNT}:role/key-rotation-github-apply`;
export const PREVIEW_ROLE = `arn:aws:iam::${ACCOUNT}:role/key-rotation-github-preview`;
export const APPLY_USERS_POLICIES = `arn:aws:iam::${ACCOUNT}:policy/key-rotation-github-apply-users-*`;
export const PREVIEW_USERS_POLICIES = `arn:aws:iam::${ACCOUNT}:policy/key-rotation-github-preview-users-*`;
export const UNDER_PREFIX = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:key-rotation/*`;
export const ECR = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser";
export const S3RO = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
export const KMS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

export const BASE: CiScope = {
  partition: "aws",
  accountId: ACCOUNT,
  region: REGION,
  project: "iam-key-rotation",
  stack: "prod",
  path: "/key-rotation/",
  secretPrefix: "key-rotation/",
  users: ["bi-vendor-athena", "onprem-jenkins-ecr"],
  policyArns: [S3RO, ECR],
  userTagKeys: ["team"],
  applyRoleName: "key-rotation-github-apply",
  previewRoleName: "key-rotation-github-preview",
  providerArn: PROVIDER,
  manageProvider: true,
  stateKeyPrefix: "",
};

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

export const EXPECTED_APPLY = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "ReadUsersRotationRecord",
      Effect: "Allow",
      Action: "iam:GetUser",
      Resource: `arn:aws:iam::${ACCOUNT}:user/*`,
    },
    {
      Sid: "ManagedUsersTags",
      Effect: "Allow",
      Action: ["iam:CreateUser", "iam:TagUser", "iam:UntagUser"],
      Resource: UNDER_PATH,
      Condition: {
        "ForAllValues:StringEquals": {
          "aws:TagKeys": [
            "key-rotation:blue",
            "key-rotation:current",
            "key-rotation:green",
            "key-rotation:previous-active-until",
            "key-rotation:revoked-before",
            "team",
          ],
        },
      },
    },
    {
      Sid: "ManagedUsersPolicies",
      Effect: "Allow",
      Action: ["iam:AttachUserPolicy", "iam:DetachUserPolicy"],
      Resource: UNDER_PATH,
      Condition: { StringEquals: { "iam:PolicyARN": [ECR, S3RO] } },
    },
    {
      Sid: "ManagedSecretsTags",
      Effect: "Allow",
      Action: [
        "secretsmanager:CreateSecret",
        "secretsmanager:TagResource",
        "secretsmanager:UntagResource",
      ],
      Resource: UNDER_PREFIX,
      Condition: {
        "ForAllValues:StringEquals": { "aws:TagKeys": ["key-rotation:user", "team"] },
      },
    },
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
  ],
};

export const EXPECTED_PREVIEW = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "ReadUsersRotationRecord",
      Effect: "Allow",
      Action: "iam:GetUser",
      Resource: `arn:aws:iam::${ACCOUNT}:user/*`,
    },
    READ_CI_ROLES,
    READ_CI_POLICIES,
    READ_PROVIDER,
    DENY_SELF_CHANGE,
  ],
};

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
        "iam:DeleteUser",
        "iam:GetAccessKeyLastUsed",
        "iam:ListAccessKeys",
        "iam:ListAttachedUserPolicies",
        "iam:ListGroupsForUser",
        "iam:ListUserTags",
        "iam:UpdateAccessKey",
      ],
      Resource: USERS,
    },
    {
      Sid: "ManagedSecrets",
      Effect: "Allow",
      Action: [
        "secretsmanager:DeleteSecret",
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
  ],
};

export const EXPECTED_PREVIEW_USERS = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "ManagedUsersRead",
      Effect: "Allow",
      Action: ["iam:ListAccessKeys", "iam:ListAttachedUserPolicies", "iam:ListUserTags"],
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
