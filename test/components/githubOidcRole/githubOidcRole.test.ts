import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
  validateGithubOidcRoleArgs,
  usersPolicy,
  usersPolicyChunks,
  applyRolePolicy,
  CiScope,
  GithubOidcRole,
  githubOidcRoleArgs,
  githubTrustPolicy,
  MAX_INLINE_POLICY_CHARS,
  policySize,
  previewRolePolicy,
  stateObjectArns,
} from "../../../components/githubOidcRole/githubOidcRole";
import { GITHUB_OIDC_ROLE_TYPE } from "../../../components/typeTokens";
import { parseStackConfig } from "../../../program/stackConfig";
import { utcToday } from "../../../lib/days";
import { githubOidcTrust } from "../../../policies/githubOidcTrust";
import { STACK_URN } from "../../policies/fixtures";
import { allRegistered, ComplianceMocks } from "../../support/complianceMocks";
import { messages, runResource } from "../../support/policyHarness";
import {
  ACCOUNT,
  optionsSpy,
  RecordingMocks,
  REGION,
  useMocks,
  valueOf,
} from "../../support/mocks";

const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
const APPLY_SUB = "repo:acme/iam-key-rotation:environment:prod";
const PR_SUB = "repo:acme/iam-key-rotation:pull_request";
/** Any user under the managed path: creating users, tags and listed policies only. */
const UNDER_PATH = `arn:aws:iam::${ACCOUNT}:user/key-rotation/*`;
/** Exactly the managed users, and exactly their secrets. */
const USERS = [
  `arn:aws:iam::${ACCOUNT}:user/key-rotation/bi-vendor-athena`,
  `arn:aws:iam::${ACCOUNT}:user/key-rotation/onprem-jenkins-ecr`,
];
const SECRETS = [
  `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:key-rotation/bi-vendor-athena-??????`,
  `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:key-rotation/onprem-jenkins-ecr-??????`,
];
const APPLY_ROLE = `arn:aws:iam::${ACCOUNT}:role/key-rotation-github-apply`;
const PREVIEW_ROLE = `arn:aws:iam::${ACCOUNT}:role/key-rotation-github-preview`;
const APPLY_USERS_POLICIES = `arn:aws:iam::${ACCOUNT}:policy/key-rotation-github-apply-users-*`;
const PREVIEW_USERS_POLICIES = `arn:aws:iam::${ACCOUNT}:policy/key-rotation-github-preview-users-*`;
const UNDER_PREFIX = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:key-rotation/*`;
const ECR = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser";
const S3RO = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
const KMS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

const BASE: CiScope = {
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

const DENY_SELF_CHANGE = {
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

const READ_CI_ROLES = {
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

const READ_CI_POLICIES = {
  Sid: "ReadCiPolicies",
  Effect: "Allow",
  Action: ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyTags"],
  Resource: [APPLY_USERS_POLICIES, PREVIEW_USERS_POLICIES],
};

const READ_PROVIDER = {
  Sid: "ReadOidcProvider",
  Effect: "Allow",
  Action: ["iam:GetOpenIDConnectProvider", "iam:ListOpenIDConnectProviderTags"],
  Resource: PROVIDER,
};

const EXPECTED_APPLY = {
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

const EXPECTED_PREVIEW = {
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
const EXPECTED_APPLY_USERS = {
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

const EXPECTED_PREVIEW_USERS = {
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

type AnyStatement = {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: unknown;
};
const statements = (doc: pulumi.Input<unknown>): AnyStatement[] =>
  (doc as { Statement: AnyStatement[] }).Statement;
const bySid = (doc: pulumi.Input<unknown>, sid: string): AnyStatement => {
  const found = statements(doc).filter((s) => s.Sid === sid);
  assert.equal(found.length, 1, `one statement ${sid}`);
  return found[0];
};
const actionsOf = (s: AnyStatement): string[] => [s.Action].flat();

const READ_ONLY = /^[a-z0-9]+:(Get|List|Describe)[A-Za-z*]*$|^kms:Decrypt$/;

const STATE: Partial<CiScope> = {
  stateBucket: "acme-pulumi-state",
  stateKeyPrefix: "infra/",
  secretsProviderKmsKeyArn: KMS_KEY,
};
const RULE = "iam-key-rotation-access-keys-rotated";
const COMPLIANCE: Partial<CiScope> = {
  compliance: {
    componentName: "key-rotation-compliance",
    ruleName: RULE,
    recorder: true,
    organization: false,
  },
};

describe("GithubOidcRole policy documents", () => {
  it("trusts only the audience and the exact subjects, with StringEquals", () => {
    assert.deepEqual(githubTrustPolicy(PROVIDER, [APPLY_SUB, "repo:acme/x:ref:refs/heads/main"]), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "GithubActionsOidc",
          Effect: "Allow",
          Principal: { Federated: PROVIDER },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
              "token.actions.githubusercontent.com:sub": [
                APPLY_SUB,
                "repo:acme/x:ref:refs/heads/main",
              ],
            },
          },
        },
      ],
    });
    assert.throws(() => githubTrustPolicy(PROVIDER, []), {
      message: "A GitHub OIDC trust needs at least one subject.",
    });
  });

  it("apply: keys, tags and listed policies of managed users, managed secrets, audit reads, no self-change", () => {
    assert.deepEqual(applyRolePolicy(BASE), EXPECTED_APPLY);
  });

  it("apply: no policy attachment at all when no user lists a policy", () => {
    const doc = applyRolePolicy({ ...BASE, policyArns: [] });
    assert.deepEqual(
      statements(doc).map((s) => s.Sid),
      statements(EXPECTED_APPLY)
        .map((s) => s.Sid)
        .filter((sid) => sid !== "ManagedUsersPolicies"),
    );
  });

  it("apply: reads a reused provider nowhere, still denies changing it", () => {
    const doc = applyRolePolicy({ ...BASE, manageProvider: false, previewRoleName: undefined });
    assert.equal(
      statements(doc).some((s) => s.Sid === "ReadOidcProvider"),
      false,
    );
    assert.deepEqual(bySid(doc, "ReadCiRoles").Resource, [APPLY_ROLE]);
    assert.deepEqual(bySid(doc, "DenyChangingCiIdentity").Resource, [
      APPLY_ROLE,
      APPLY_USERS_POLICIES,
      PROVIDER,
    ]);
  });

  it("per-user grants: keys of exactly the listed users, exactly their secrets", () => {
    assert.deepEqual(usersPolicy(BASE, true), EXPECTED_APPLY_USERS);
    assert.deepEqual(usersPolicy(BASE, false), EXPECTED_PREVIEW_USERS);
  });

  it("splits the per-user grants into managed policies that each fit IAM's 6,144 characters", () => {
    const users = Array.from(
      { length: 100 },
      (_, i) => `service-account-${String(i).padStart(3, "0")}`,
    );
    const chunks = usersPolicyChunks(BASE, users, true);
    assert.deepEqual(chunks.flat(), users, "every user once, in order");
    assert.ok(chunks.length > 1 && chunks.length <= 10, `${chunks.length} policies`);
    for (const chunk of chunks) {
      // Sized with the longest partition and region: the real documents are no larger.
      const size = policySize(
        usersPolicy(
          { ...BASE, partition: "aws-us-gov", region: "ap-southeast-3", users: chunk },
          true,
        ),
      );
      assert.ok(size <= 6144, `${size} characters`);
    }
    assert.deepEqual(usersPolicyChunks(BASE, ["a", "b"], true), [["a", "b"]]);
  });

  it("scopes to the configured path, prefix and partition", () => {
    const doc = applyRolePolicy({
      ...BASE,
      partition: "aws-cn",
      region: "cn-north-1",
      path: "/ci/keys/",
      secretPrefix: "ci-keys-",
    });
    const users = usersPolicy(
      {
        ...BASE,
        partition: "aws-cn",
        region: "cn-north-1",
        path: "/ci/keys/",
        secretPrefix: "ci-keys-",
      },
      true,
    );
    assert.deepEqual(bySid(users, "ManagedUsersKeys").Resource, [
      `arn:aws-cn:iam::${ACCOUNT}:user/ci/keys/bi-vendor-athena`,
      `arn:aws-cn:iam::${ACCOUNT}:user/ci/keys/onprem-jenkins-ecr`,
    ]);
    assert.equal(
      bySid(doc, "ManagedUsersTags").Resource,
      `arn:aws-cn:iam::${ACCOUNT}:user/ci/keys/*`,
    );
    assert.equal(
      bySid(doc, "ManagedSecretsTags").Resource,
      `arn:aws-cn:secretsmanager:cn-north-1:${ACCOUNT}:secret:ci-keys-*`,
    );
    assert.deepEqual(bySid(users, "ManagedSecrets").Resource, [
      `arn:aws-cn:secretsmanager:cn-north-1:${ACCOUNT}:secret:ci-keys-bi-vendor-athena-??????`,
      `arn:aws-cn:secretsmanager:cn-north-1:${ACCOUNT}:secret:ci-keys-onprem-jenkins-ecr-??????`,
    ]);
  });

  it("reaches the keys and secrets of the listed users only, never a stranger under the path", () => {
    const doc = usersPolicy({ ...BASE, users: ["a"] }, true);
    assert.deepEqual(bySid(doc, "ManagedUsersKeys").Resource, [
      `arn:aws:iam::${ACCOUNT}:user/key-rotation/a`,
    ]);
    assert.deepEqual(bySid(doc, "ManagedSecrets").Resource, [
      `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:key-rotation/a-??????`,
    ]);
  });

  it("state backend: this stack's objects only; the preview role reads, never writes", () => {
    const base = "arn:aws:s3:::acme-pulumi-state/infra/.pulumi";
    assert.deepEqual(stateObjectArns({ ...BASE, ...STATE }), {
      metadata: `${base}/meta.yaml`,
      stack: [
        `${base}/stacks/iam-key-rotation/prod.*`,
        `${base}/history/iam-key-rotation/prod/*`,
        `${base}/backups/iam-key-rotation/prod/*`,
        `${base}/journal/iam-key-rotation/prod/*`,
        `${base}/locks/organization/iam-key-rotation/prod/*`,
      ],
    });
    const list = {
      Sid: "StateBucketList",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: "arn:aws:s3:::acme-pulumi-state",
    };
    const key = {
      Sid: "StateSecretsKey",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: KMS_KEY,
    };
    const apply = statements(applyRolePolicy({ ...BASE, ...STATE }));
    const at = apply.findIndex((s) => s.Sid === "StateBucketList");
    assert.deepEqual(apply.slice(at, at + 4), [
      list,
      {
        Sid: "StateObjects",
        Effect: "Allow",
        Action: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
        Resource: stateObjectArns({ ...BASE, ...STATE }).stack,
      },
      {
        Sid: "StateMetadata",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: `${base}/meta.yaml`,
      },
      key,
    ]);
    const preview = statements(previewRolePolicy({ ...BASE, ...STATE }));
    const p = preview.findIndex((s) => s.Sid === "StateBucketList");
    assert.deepEqual(preview.slice(p, p + 3), [
      list,
      {
        Sid: "StateObjects",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: [`${base}/meta.yaml`, `${base}/stacks/iam-key-rotation/prod.*`],
      },
      key,
    ]);
  });

  it("compliance: the rule, the event rule and alarm by exact name, the topic by component name", () => {
    const doc = applyRolePolicy({
      ...BASE,
      compliance: {
        componentName: "key-rotation-compliance",
        ruleName: RULE,
        recorder: false,
        organization: false,
      },
    });
    const sids = statements(doc).map((s) => s.Sid);
    assert.deepEqual(sids.slice(sids.indexOf("ReadOidcProvider") + 1), [
      "ComplianceConfigRule",
      "ComplianceEventRule",
      "ComplianceTopic",
      "ComplianceAlarm",
      "ComplianceTopicKeyRead",
      "DenyChangingCiIdentity",
    ]);
    // Reads only: a write grant on config-rule/* would reach every rule of the region.
    assert.deepEqual(bySid(doc, "ComplianceConfigRule"), {
      Sid: "ComplianceConfigRule",
      Effect: "Allow",
      Action: ["config:DescribeConfigRules", "config:ListTagsForResource"],
      Resource: `arn:aws:config:${REGION}:${ACCOUNT}:config-rule/*`,
    });
    assert.deepEqual(
      bySid(doc, "ComplianceEventRule").Resource,
      `arn:aws:events:${REGION}:${ACCOUNT}:rule/${RULE}-non-compliant`,
    );
    assert.deepEqual(
      bySid(doc, "ComplianceTopic").Resource,
      `arn:aws:sns:${REGION}:${ACCOUNT}:key-rotation-compliance-*`,
    );
    assert.deepEqual(bySid(doc, "ComplianceAlarm"), {
      Sid: "ComplianceAlarm",
      Effect: "Allow",
      Action: [
        "cloudwatch:DeleteAlarms",
        "cloudwatch:DescribeAlarms",
        "cloudwatch:ListTagsForResource",
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:TagResource",
        "cloudwatch:UntagResource",
      ],
      Resource: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${RULE}-non-compliant`,
    });
    // The topic's key has no alias or tag to scope by; metadata reads only (refresh).
    assert.deepEqual(bySid(doc, "ComplianceTopicKeyRead"), {
      Sid: "ComplianceTopicKeyRead",
      Effect: "Allow",
      Action: [
        "kms:DescribeKey",
        "kms:GetKeyPolicy",
        "kms:GetKeyRotationStatus",
        "kms:ListResourceTags",
      ],
      Resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/*`,
    });
  });

  it("compliance in organization mode: reads of the organization rule, no writes", () => {
    const doc = applyRolePolicy({
      ...BASE,
      compliance: {
        componentName: "key-rotation-compliance",
        ruleName: RULE,
        recorder: false,
        organization: true,
      },
    });
    const at = statements(doc).findIndex((s) => s.Sid === "ComplianceOrganizationRule");
    assert.deepEqual(statements(doc).slice(at, at + 2), [
      {
        Sid: "ComplianceOrganizationRule",
        Effect: "Allow",
        Action: [
          "config:DescribeOrganizationConfigRuleStatuses",
          "config:DescribeOrganizationConfigRules",
        ],
        Resource: `arn:aws:config:${REGION}:${ACCOUNT}:organization-config-rule/*`,
      },
      {
        Sid: "ComplianceEventRule",
        Effect: "Allow",
        Action: [
          "events:DeleteRule",
          "events:DescribeRule",
          "events:DisableRule",
          "events:EnableRule",
          "events:ListTagsForResource",
          "events:ListTargetsByRule",
          "events:PutRule",
          "events:PutTargets",
          "events:RemoveTargets",
          "events:TagResource",
          "events:UntagResource",
        ],
        Resource: `arn:aws:events:${REGION}:${ACCOUNT}:rule/${RULE}-non-compliant`,
      },
    ]);
    assert.equal(
      statements(doc).some((s) => s.Sid === "ComplianceConfigRule"),
      false,
    );
  });

  it("compliance recorder: region-bound recorder calls, role read and pass to AWS Config only, never role writes", () => {
    const doc = applyRolePolicy({ ...BASE, ...COMPLIANCE });
    assert.deepEqual(bySid(doc, "ComplianceRecorder"), {
      Sid: "ComplianceRecorder",
      Effect: "Allow",
      Action: [
        "config:DeleteConfigurationRecorder",
        "config:DeleteDeliveryChannel",
        "config:DescribeConfigurationRecorderStatus",
        "config:DescribeConfigurationRecorders",
        "config:DescribeDeliveryChannels",
        "config:PutConfigurationRecorder",
        "config:PutDeliveryChannel",
        "config:StartConfigurationRecorder",
        "config:StopConfigurationRecorder",
      ],
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestedRegion": REGION } },
    });
    assert.deepEqual(bySid(doc, "ComplianceRecorderRolePass"), {
      Sid: "ComplianceRecorderRolePass",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: `arn:aws:iam::${ACCOUNT}:role/key-rotation-compliance-*`,
      Condition: { StringEquals: { "iam:PassedToService": "config.amazonaws.com" } },
    });
    assert.deepEqual(
      bySid(doc, "ComplianceBucket").Resource,
      "arn:aws:s3:::key-rotation-compliance-*",
    );
    // No IAM write on any role, anywhere in the document (PassRole grants nothing by itself).
    const roleWrites = statements(doc)
      .filter((s) => s.Effect === "Allow")
      .flatMap(actionsOf)
      .filter((a) => /^iam:(Create|Put|Attach|Detach|Delete|Update|Tag|Untag).*Role/.test(a));
    assert.deepEqual(roleWrites, []);
  });

  it("preview: reads only", () => {
    assert.deepEqual(previewRolePolicy(BASE), EXPECTED_PREVIEW);
    const full = previewRolePolicy({ ...BASE, ...STATE, ...COMPLIANCE });
    const allowed = statements(full)
      .filter((s) => s.Effect === "Allow")
      .flatMap(actionsOf);
    assert.deepEqual(
      allowed.filter((a) => !READ_ONLY.test(a)),
      [],
    );
    assert.ok(allowed.includes("config:DescribeConfigurationRecorders"));
    assert.deepEqual(bySid(full, "DenyChangingCiIdentity"), DENY_SELF_CHANGE);
  });

  it("every apply action outside the preview is a write the preview role never gets", () => {
    const full = { ...BASE, ...STATE, ...COMPLIANCE };
    const preview = new Set(
      [...statements(previewRolePolicy(full)), ...statements(usersPolicy(full, false))]
        .filter((s) => s.Effect === "Allow")
        .flatMap(actionsOf),
    );
    const writes = [...statements(applyRolePolicy(full)), ...statements(usersPolicy(full, true))]
      .filter((s) => s.Effect === "Allow")
      .flatMap(actionsOf)
      .filter((a) => !preview.has(a));
    assert.ok(writes.includes("iam:CreateAccessKey"));
    assert.ok(writes.includes("s3:PutObject"));
    // The only reads the apply role has beyond the preview's serve the audit command and the
    // deletion of a user (the AWS provider lists its groups first).
    assert.deepEqual(writes.filter((a) => READ_ONLY.test(a)).sort(), [
      "iam:GetAccessKeyLastUsed",
      "iam:GetCredentialReport",
      "iam:ListGroupsForUser",
      "iam:ListUsers",
    ]);
  });

  it("fits IAM's inline policy quota with everything on and twenty policies", () => {
    const policyArns = Array.from(
      { length: 20 },
      (_, i) => `arn:aws:iam::${ACCOUNT}:policy/team-${i}-access`,
    );
    const size = policySize(applyRolePolicy({ ...BASE, ...STATE, ...COMPLIANCE, policyArns }));
    assert.ok(size < MAX_INLINE_POLICY_CHARS, `${size} characters`);
  });
});

// --- the component, under mocks ---------------------------------------------------------------

/** Mocks with IAM-shaped ARNs for roles and the OIDC provider. */
class CiMocks extends RecordingMocks {
  newResource(args: pulumi.runtime.MockResourceArgs) {
    const result = super.newResource(args);
    if (result.id === undefined) return result; // preview: nothing computed
    if (args.type === "aws:iam/role:Role") {
      result.state.arn = `arn:aws:iam::${ACCOUNT}:role/${String(args.inputs.name)}`;
    }
    if (args.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider") {
      result.state.arn = `arn:aws:iam::${ACCOUNT}:oidc-provider/${String(args.inputs.url).replace("https://", "")}`;
    }
    return result;
  }
}

/** Only used when no aws:region is configured. */
const GET_REGION = {
  "aws:index/getRegion:getRegion": () => ({
    region: "eu-west-1",
    name: "eu-west-1",
    id: "eu-west-1",
    description: "Europe (Ireland)",
    endpoint: "ec2.eu-west-1.amazonaws.com",
  }),
};

describe("GithubOidcRole component", () => {
  let mocks: CiMocks;
  beforeEach(async () => {
    mocks = new CiMocks(GET_REGION);
    await useMocks(mocks, { stack: "prod" });
  });

  it("creates the provider, both roles and their inline policies, all children of the component", async () => {
    const ci = new GithubOidcRole("github", {
      users: ["bi-vendor-athena", "onprem-jenkins-ecr"],
      applySubjects: [APPLY_SUB],
      previewSubjects: [PR_SUB],
      policyArns: [ECR, S3RO],
      userTagKeys: ["team"],
    });
    assert.equal(await valueOf(ci.applyRoleArn), APPLY_ROLE);
    assert.equal(await valueOf(ci.previewRoleArn), PREVIEW_ROLE);
    assert.equal(await valueOf(ci.providerArn), PROVIDER);

    assert.deepEqual(
      mocks.resources.map((r) => [r.type, r.name]).sort(),
      [
        [GITHUB_OIDC_ROLE_TYPE, "github"],
        ["aws:iam/openIdConnectProvider:OpenIdConnectProvider", "github-provider"],
        ["aws:iam/role:Role", "github-apply"],
        ["aws:iam/role:Role", "github-preview"],
        ["aws:iam/rolePolicy:RolePolicy", "github-apply-permissions"],
        ["aws:iam/rolePolicy:RolePolicy", "github-preview-permissions"],
        ["aws:iam/policy:Policy", "github-apply-users-0"],
        ["aws:iam/policy:Policy", "github-preview-users-0"],
        ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", "github-apply-users-0"],
        ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", "github-preview-users-0"],
      ].sort(),
    );
    assert.deepEqual(mocks.named("github-provider").inputs, {
      url: "https://token.actions.githubusercontent.com",
      clientIdLists: ["sts.amazonaws.com"],
    });

    const apply = mocks.named("github-apply").inputs;
    assert.equal(apply.name, "key-rotation-github-apply");
    assert.equal(apply.maxSessionDuration, 3600);
    assert.deepEqual(JSON.parse(apply.assumeRolePolicy), githubTrustPolicy(PROVIDER, [APPLY_SUB]));
    const preview = mocks.named("github-preview").inputs;
    assert.equal(preview.name, "key-rotation-github-preview");
    assert.deepEqual(JSON.parse(preview.assumeRolePolicy), githubTrustPolicy(PROVIDER, [PR_SUB]));

    const applyPolicy = mocks.named("github-apply-permissions").inputs;
    assert.equal(applyPolicy.name, "iam-key-rotation-apply");
    assert.equal(applyPolicy.role, "key-rotation-github-apply");
    assert.deepEqual(JSON.parse(applyPolicy.policy), EXPECTED_APPLY);
    const previewPolicy = mocks.named("github-preview-permissions").inputs;
    assert.equal(previewPolicy.name, "iam-key-rotation-preview");
    assert.equal(previewPolicy.role, "key-rotation-github-preview");
    assert.deepEqual(JSON.parse(previewPolicy.policy), EXPECTED_PREVIEW);

    // The per-user grants, in managed policies attached to each role.
    for (const [role, expected] of [
      ["apply", EXPECTED_APPLY_USERS],
      ["preview", EXPECTED_PREVIEW_USERS],
    ] as const) {
      const policy = mocks.resources.find(
        (r) => r.type === "aws:iam/policy:Policy" && r.name === `github-${role}-users-0`,
      )!;
      assert.equal(policy.inputs.name, `key-rotation-github-${role}-users-0`);
      assert.equal(
        policy.inputs.description,
        "Keys and secrets of 2 managed user(s) of iam-key-rotation stack prod.",
      );
      assert.deepEqual(JSON.parse(policy.inputs.policy), expected);
      const attachment = mocks.resources.find(
        (r) =>
          r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" &&
          r.name === `github-${role}-users-0`,
      )!;
      assert.deepEqual(attachment.inputs, {
        role: `key-rotation-github-${role}`,
        policyArn: policy.inputs.arn ?? attachment.inputs.policyArn,
      });
    }

    // Partition and account come from the role's ARN, the region from aws:region: no invoke.
    assert.deepEqual(mocks.invokes, []);
    const urn = await valueOf(ci.urn);
    assert.ok(urn.endsWith(`::${GITHUB_OIDC_ROLE_TYPE}::github`), urn);
  });

  it("parents every child to the component (a transformation on it sees them all)", async () => {
    const spy = optionsSpy();
    const ci = new GithubOidcRole(
      "github",
      { users: ["bi-vendor-athena", "onprem-jenkins-ecr"], applySubjects: [APPLY_SUB] },
      { transformations: [spy.transformation] },
    );
    await valueOf(ci.applyRoleArn);
    assert.deepEqual(
      spy.seen
        .filter((c) => c.type !== GITHUB_OIDC_ROLE_TYPE)
        .map((c) => [c.type, c.name, c.opts.parent === ci]),
      [
        ["aws:iam/openIdConnectProvider:OpenIdConnectProvider", "github-provider", true],
        ["aws:iam/role:Role", "github-apply", true],
        ["aws:iam/rolePolicy:RolePolicy", "github-apply-permissions", true],
        ["aws:iam/policy:Policy", "github-apply-users-0", true],
        ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", "github-apply-users-0", true],
      ],
    );
  });

  it("reuses an existing provider: no provider resource, the trust names the given ARN", async () => {
    const existing = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
    const ci = new GithubOidcRole("github", {
      users: ["bi-vendor-athena", "onprem-jenkins-ecr"],
      applySubjects: [APPLY_SUB],
      providerArn: existing,
    });
    await valueOf(ci.applyRoleArn);
    assert.deepEqual(mocks.ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider"), []);
    assert.equal(await valueOf(ci.providerArn), existing);
    assert.deepEqual(
      JSON.parse(mocks.named("github-apply").inputs.assumeRolePolicy),
      githubTrustPolicy(existing, [APPLY_SUB]),
    );
    const policy = JSON.parse(mocks.named("github-apply-permissions").inputs.policy);
    assert.deepEqual(
      statements(policy).map((s) => s.Sid),
      [
        "ReadUsersRotationRecord",
        "ManagedUsersTags",
        "ManagedSecretsTags",
        "AuditCredentialReport",
        "ReadCiRoles",
        "ReadCiPolicies",
        "DenyChangingCiIdentity",
      ],
    );
  });

  it("creates no preview role without preview subjects", async () => {
    const ci = new GithubOidcRole("github", {
      users: ["bi-vendor-athena", "onprem-jenkins-ecr"],
      applySubjects: [APPLY_SUB],
    });
    await valueOf(ci.applyRoleArn);
    assert.equal(await valueOf(ci.previewRoleArn), undefined);
    assert.deepEqual(
      mocks.ofType("aws:iam/role:Role").map((r) => r.name),
      ["github-apply"],
    );
  });

  it("passes custom names, the state backend and compliance into the policy", async () => {
    const ci = new GithubOidcRole("ci", {
      users: ["bi-vendor-athena", "onprem-jenkins-ecr"],
      applySubjects: [APPLY_SUB],
      applyRoleName: "acme-ci-apply",
      stateBucket: "acme-pulumi-state",
      stateKeyPrefix: "infra/",
      secretsProviderKmsKeyArn: KMS_KEY,
      compliance: true,
      complianceRecorder: true,
      maxSessionDuration: 7200,
    });
    await valueOf(ci.applyRoleArn);
    const role = mocks.named("ci-apply").inputs;
    assert.equal(role.name, "acme-ci-apply");
    assert.equal(role.maxSessionDuration, 7200);
    const policy = JSON.parse(mocks.named("ci-apply-permissions").inputs.policy);
    assert.deepEqual(
      policy,
      applyRolePolicy({
        ...BASE,
        ...STATE,
        ...COMPLIANCE,
        policyArns: [],
        userTagKeys: [],
        applyRoleName: "acme-ci-apply",
        previewRoleName: undefined,
      }),
    );
  });

  it("asks AWS for the region only when no aws:region is configured", async () => {
    const env = {
      AWS_REGION: process.env.AWS_REGION,
      AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION,
    };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      pulumi.runtime.setAllConfig({});
      const ci = new GithubOidcRole("github", {
        users: ["bi-vendor-athena", "onprem-jenkins-ecr"],
        applySubjects: [APPLY_SUB],
      });
      await valueOf(ci.applyRoleArn);
      assert.deepEqual(
        mocks.invokes.map((i) => i.token),
        ["aws:index/getRegion:getRegion"],
      );
      const usersPolicyResource = mocks
        .ofType("aws:iam/policy:Policy")
        .find((r) => r.name === "github-apply-users-0")!;
      const policy = JSON.parse(usersPolicyResource.inputs.policy);
      assert.deepEqual(bySid(policy, "ManagedSecrets").Resource, [
        `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:key-rotation/bi-vendor-athena-??????`,
        `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:key-rotation/onprem-jenkins-ecr-??????`,
      ]);
    } finally {
      for (const [k, v] of Object.entries(env)) if (v !== undefined) process.env[k] = v;
    }
  });

  it("rejects bad arguments, naming each field", () => {
    assert.throws(
      () =>
        new GithubOidcRole("github", {
          users: ["bi-vendor-athena", "onprem-jenkins-ecr"],
          applySubjects: ["repo:acme/*", PR_SUB],
          previewSubjects: ["*"],
          maxSessionDuration: 60,
        }),
      {
        message:
          'GithubOidcRole "github": [applySubjects[0]] must name one repository, not a pattern: "repo:acme/*" lets every matching repository of acme assume the role (got "repo:acme/*"). ' +
          "[applySubjects[1]] must not be a pull_request subject: the apply role changes AWS. " +
          '[previewSubjects[0]] must not be "*": every GitHub Actions workflow of every repository could assume the role. ' +
          "[maxSessionDuration] must be an integer from 3600 to 43200 seconds (got 60).",
      },
    );
    assert.throws(
      () =>
        new GithubOidcRole("github", {
          users: ["bi-vendor-athena", "onprem-jenkins-ecr"],
          applySubjects: [],
        }),
      {
        message: 'GithubOidcRole "github": [applySubjects] must list at least one subject.',
      },
    );
  });
});

describe("GithubOidcRole users", () => {
  it("needs at least one user, and no more than ten managed policies' worth", () => {
    assert.deepEqual(validateGithubOidcRoleArgs({ applySubjects: [APPLY_SUB], users: [] }), [
      "[users] must list at least one managed user: the roles manage exactly these.",
    ]);
    const many = Array.from(
      { length: 400 },
      (_, i) => `service-account-${String(i).padStart(3, "0")}`,
    );
    const needed = usersPolicyChunks(BASE, many, true).length;
    assert.ok(needed > 10);
    assert.deepEqual(validateGithubOidcRoleArgs({ applySubjects: [APPLY_SUB], users: many }), [
      `[users] lists 400 users: their grants need ${needed} managed policies, more than the 10 ` +
        "IAM attaches to a role; split the users across stacks.",
    ]);
  });
});

describe("githubOidcRoleArgs", () => {
  it("derives the attachable policies and tag keys from every user", () => {
    const config = parseStackConfig({
      users: [
        { name: "a", policyArns: [ECR, S3RO], tags: { team: "x" } },
        { name: "b", policyArns: [S3RO], tags: { consumer: "y", team: "z" } },
      ],
      path: "/ci/",
      secretPrefix: "ci/",
      github: { applySubjects: [APPLY_SUB], previewSubjects: [PR_SUB], stateBucket: "acme-state" },
    });
    assert.deepEqual(githubOidcRoleArgs(config), {
      applySubjects: [APPLY_SUB],
      previewSubjects: [PR_SUB],
      providerArn: undefined,
      applyRoleName: "key-rotation-github-apply",
      previewRoleName: "key-rotation-github-preview",
      users: ["a", "b"],
      path: "/ci/",
      secretPrefix: "ci/",
      policyArns: [ECR, S3RO],
      userTagKeys: ["consumer", "team"],
      stateBucket: "acme-state",
      stateKeyPrefix: "",
      secretsProviderKmsKeyArn: undefined,
      compliance: false,
    });
    assert.equal(githubOidcRoleArgs(parseStackConfig({ users: [{ name: "a" }] })), undefined);
  });

  it("covers the compliance resources once the stack has a compliance section", () => {
    const config = parseStackConfig({
      users: [{ name: "a" }],
      github: { applySubjects: [APPLY_SUB] },
      compliance: { ruleName: "acme-keys", createRecorder: true },
    });
    assert.deepEqual(githubOidcRoleArgs(config, "acme-compliance"), {
      ...githubOidcRoleArgs({ ...config, compliance: undefined }),
      compliance: true,
      complianceComponentName: "acme-compliance",
      complianceRuleName: "acme-keys",
      complianceRecorder: true,
      complianceOrganization: false,
    });
    const off = parseStackConfig({
      users: [{ name: "a" }],
      github: { applySubjects: [APPLY_SUB] },
      compliance: { enabled: false },
    });
    assert.equal(githubOidcRoleArgs(off)?.compliance, false);
  });
});

/** The compliance component's mocks, plus an IAM-shaped ARN for the OIDC provider. */
class ProgramMocks extends ComplianceMocks {
  override newResource(args: pulumi.runtime.MockResourceArgs) {
    const result = super.newResource(args);
    if (args.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider") {
      result.state.arn = PROVIDER;
    }
    return result;
  }
}

describe("the program with a github section", () => {
  it("creates the CI roles beside the users and the compliance resources, scoped to their names", async () => {
    const mocks = new ProgramMocks({
      // Users deployed today with one key: nothing else to read.
      "aws:iam/getUser:getUser": (inputs) => ({
        userName: inputs.userName,
        tags: { "key-rotation:current": "blue", "key-rotation:blue": utcToday() },
      }),
    });
    await useMocks(mocks, {
      stack: "prod",
      config: {
        "iam-key-rotation:users": JSON.stringify([
          { name: "jenkins", policyArns: [ECR], tags: { team: "platform" } },
          { name: "vendor", policyArns: [S3RO, ECR] },
        ]),
        "iam-key-rotation:waitForNewKey": "false",
        "iam-key-rotation:compliance": JSON.stringify({
          ruleName: "acme-keys",
          createRecorder: true,
        }),
        "iam-key-rotation:github": JSON.stringify({
          applySubjects: [APPLY_SUB],
          previewSubjects: [PR_SUB],
        }),
      },
    });
    const program = (await import("../../../index")).default;
    const outputs: any = await program();
    assert.deepEqual(Object.keys(outputs), ["users", "compliance", "github"]);
    assert.equal(await valueOf(outputs.github.applyRoleArn), APPLY_ROLE);
    assert.equal(await valueOf(outputs.github.previewRoleArn), PREVIEW_ROLE);
    assert.equal(await valueOf(outputs.github.providerArn), PROVIDER);
    await allRegistered();

    const policy = JSON.parse(mocks.named("github-apply-permissions").inputs.policy);
    assert.deepEqual(
      policy,
      applyRolePolicy({
        ...BASE,
        users: ["jenkins", "vendor"],
        compliance: {
          componentName: "key-rotation-compliance",
          ruleName: "acme-keys",
          recorder: true,
          organization: false,
        },
      }),
    );
    // The names the compliance component really registers fall under those statements.
    const eventRule = mocks.ofType("aws:cloudwatch/eventRule:EventRule")[0].inputs.name;
    assert.equal(
      bySid(policy, "ComplianceEventRule").Resource,
      `arn:aws:events:${REGION}:${ACCOUNT}:rule/${eventRule}`,
    );
    const alarm = mocks.ofType("aws:cloudwatch/metricAlarm:MetricAlarm")[0].inputs.name;
    assert.equal(
      bySid(policy, "ComplianceAlarm").Resource,
      `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarm}`,
    );
    // Auto-named children (topic, bucket, role) get "<logical name>-<random>": every logical
    // name of the component's children starts with the component's name.
    const children = mocks.resources.filter((r) =>
      ["aws:sns/topic:Topic", "aws:s3/bucket:Bucket", "aws:iam/role:Role"].includes(r.type),
    );
    assert.deepEqual(children.map((r) => [r.type, r.name]).sort(), [
      ["aws:iam/role:Role", "github-apply"],
      ["aws:iam/role:Role", "github-preview"],
      ["aws:iam/role:Role", "key-rotation-compliance-recorder-role"],
      ["aws:s3/bucket:Bucket", "key-rotation-compliance-config-bucket"],
      ["aws:sns/topic:Topic", "key-rotation-compliance-topic"],
    ]);
    for (const r of children.filter((c) => c.name.startsWith("key-rotation-compliance-"))) {
      assert.equal(r.inputs.name ?? r.inputs.bucket, undefined, `${r.name} is auto-named`);
    }
  });
});

describe("the policy pack on the CI roles", () => {
  it("iam-github-oidc-trust passes the trust GithubOidcRole writes, and blocks it with a wildcard", async () => {
    const trust = JSON.stringify(githubTrustPolicy(PROVIDER, [APPLY_SUB, PR_SUB]));
    const role = (assumeRolePolicy: string) => ({
      type: "aws:iam/role:Role",
      name: "github-apply",
      parent: STACK_URN,
      props: { name: "key-rotation-github-apply", assumeRolePolicy },
    });
    assert.deepEqual(await runResource(githubOidcTrust, role(trust)), {
      enforcementLevel: "mandatory",
      violations: [],
      notApplicable: [],
      cannotRun: [],
    });
    // The same document with a pattern the parser rejects: the pack blocks it too.
    const loose = trust.replace(APPLY_SUB, "repo:acme/*");
    assert.equal(messages(await runResource(githubOidcTrust, role(loose))).length, 1);
  });
});
