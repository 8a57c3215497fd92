import * as assert from "node:assert/strict";
import {
  applyRolePolicy,
  MAX_INLINE_POLICY_CHARS,
  policySize,
  previewRolePolicy,
  stateObjectArns,
  usersPolicy,
  usersPolicyChunks,
} from "../../../components/githubOidcRole/permissions";
import { ACCOUNT, REGION } from "../../support/mocks";
import {
  actionsOf,
  APPLY_ROLE,
  APPLY_USERS_POLICIES,
  BASE,
  bySid,
  COMPLIANCE,
  DENY_SELF_CHANGE,
  EXPECTED_APPLY,
  EXPECTED_APPLY_USERS,
  EXPECTED_PREVIEW,
  EXPECTED_PREVIEW_USERS,
  KMS_KEY,
  PROVIDER,
  READ_ONLY,
  RULE,
  STATE,
  statements,
} from "./fixtures";

describe("GithubOidcRole policy documents", () => {
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
