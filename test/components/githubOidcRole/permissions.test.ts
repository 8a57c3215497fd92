import * as assert from "node:assert/strict";
import {
  applyRolePolicy,
  MAX_INLINE_POLICY_CHARS,
  MAX_MANAGED_POLICY_CHARS,
  policySize,
  previewRolePolicy,
  stateObjectArns,
  usersPolicy,
  usersPolicyChunks,
  WORST_CASE_PLACE,
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
  ECR,
  EXPECTED_APPLY,
  EXPECTED_APPLY_USERS,
  EXPECTED_PREVIEW,
  EXPECTED_PREVIEW_USERS,
  KMS_KEY,
  PROVIDER,
  READ_ONLY,
  RECORD_KEYS,
  RULE,
  S3RO,
  STATE,
  statements,
  user,
} from "./fixtures";

const arnOf = (name: string, path = "/key-rotation/") =>
  `arn:aws:iam::${ACCOUNT}:user${path}${name}`;
const secretOf = (name: string) =>
  `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:key-rotation/${name}-??????`;

/** Every action the document allows, once each. */
const allowed = (...docs: object[]) =>
  new Set(
    docs
      .flatMap((d) => statements(d))
      .filter((s) => s.Effect === "Allow")
      .flatMap(actionsOf),
  );

describe("GithubOidcRole policy documents", () => {
  it("apply: audit reads, CI identity reads, no self-change, no user inline policies", () => {
    assert.deepEqual(applyRolePolicy(BASE), EXPECTED_APPLY);
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

  it("per-user grants: keys, record tags, configured tags and policies of exactly the listed users, exactly their secrets", () => {
    assert.deepEqual(usersPolicy(BASE, true), EXPECTED_APPLY_USERS);
    assert.deepEqual(usersPolicy(BASE, false), EXPECTED_PREVIEW_USERS);
  });

  it("users with the same tags or policies share a statement; users without any have only the record's", () => {
    const doc = usersPolicy(
      {
        ...BASE,
        users: [
          user("c", { tags: { team: "data" }, policyArns: [S3RO, ECR] }),
          user("a", { tags: { team: "data" }, policyArns: [ECR, S3RO] }),
          user("b"),
        ],
      },
      true,
    );
    assert.deepEqual(statements(doc).slice(2), [
      {
        Sid: "ManagedUsersRecordTags",
        Effect: "Allow",
        Action: ["iam:CreateUser", "iam:TagUser", "iam:UntagUser"],
        Resource: [arnOf("a"), arnOf("b"), arnOf("c")],
        Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": RECORD_KEYS } },
      },
      {
        Effect: "Allow",
        Action: ["iam:CreateUser", "iam:TagUser"],
        Resource: [arnOf("a"), arnOf("c")],
        Condition: {
          "ForAllValues:StringEquals": { "aws:TagKeys": [...RECORD_KEYS, "team"].sort() },
          StringEqualsIfExists: { "aws:RequestTag/team": "data" },
        },
      },
      ...["a", "b", "c"].map((name) => ({
        Effect: "Allow",
        Action: ["secretsmanager:CreateSecret", "secretsmanager:TagResource"],
        Resource: secretOf(name),
        Condition: {
          "ForAllValues:StringEquals": {
            "aws:TagKeys": name === "b" ? ["key-rotation:user"] : ["key-rotation:user", "team"],
          },
          StringEqualsIfExists: {
            "aws:RequestTag/key-rotation:user": name,
            ...(name !== "b" && { "aws:RequestTag/team": "data" }),
          },
        },
      })),
      {
        Effect: "Allow",
        Action: "iam:AttachUserPolicy",
        Resource: [arnOf("a"), arnOf("c")],
        Condition: { StringEquals: { "iam:PolicyARN": [ECR, S3RO] } },
      },
    ]);
  });

  it("never lets CI delete a user or a secret, detach a policy, remove a configured tag or write an inline user policy", () => {
    const full = { ...BASE, ...STATE, ...COMPLIANCE };
    const actions = allowed(applyRolePolicy(full), usersPolicy(full, true));
    for (const action of [
      "iam:DeleteUser",
      "iam:DetachUserPolicy",
      "iam:PutUserPolicy",
      "iam:DeleteUserPolicy",
      "secretsmanager:DeleteSecret",
      "secretsmanager:UntagResource",
    ]) {
      assert.equal(actions.has(action), false, action);
    }
    // UntagUser only ever with record tag keys.
    const untag = statements(usersPolicy(full, true)).filter((s) =>
      actionsOf(s).includes("iam:UntagUser"),
    );
    assert.deepEqual(
      untag.map((s) => s.Condition),
      [{ "ForAllValues:StringEquals": { "aws:TagKeys": RECORD_KEYS } }],
    );
  });

  it("a user with its own path is granted under that path", () => {
    const doc = usersPolicy({ ...BASE, users: [user("legacy", { path: "/ops/" })] }, true);
    assert.deepEqual(bySid(doc, "ManagedUsersKeys").Resource, [arnOf("legacy", "/ops/")]);
    assert.equal(bySid(doc, "ManagedUsersRecordTags").Resource, arnOf("legacy", "/ops/"));
  });

  it("splits the per-user grants into managed policies that each fit IAM's 6,144 characters", () => {
    const users = Array.from({ length: 100 }, (_, i) =>
      user(`service-account-${String(i).padStart(3, "0")}`, {
        tags: { team: `team-${i % 3}` },
        policyArns: [i % 2 === 0 ? ECR : S3RO],
      }),
    );
    const chunks = usersPolicyChunks(BASE, users, true);
    assert.deepEqual(
      chunks.flat().map((u) => u.name),
      users.map((u) => u.name),
      "every user once, in order",
    );
    assert.ok(chunks.length > 1, `${chunks.length} policies`);
    for (const chunk of chunks) {
      // Sized with the longest partition and region: the real documents are no larger.
      const size = policySize(usersPolicy({ ...BASE, ...WORST_CASE_PLACE, users: chunk }, true));
      assert.ok(size <= MAX_MANAGED_POLICY_CHARS, `${size} characters`);
      // ...and greedy: the next user would not have fitted.
      const next = users[users.indexOf(chunk[chunk.length - 1]) + 1];
      if (next !== undefined) {
        const more = usersPolicy({ ...BASE, ...WORST_CASE_PLACE, users: [...chunk, next] }, true);
        assert.ok(policySize(more) > MAX_MANAGED_POLICY_CHARS);
      }
    }
    assert.deepEqual(
      usersPolicyChunks(BASE, [user("b"), user("a")], true).map((c) => c.map((u) => u.name)),
      [["a", "b"]],
    );
  });

  it("scopes to each user's path, the prefix and the partition", () => {
    const scope = {
      ...BASE,
      partition: "aws-cn",
      region: "cn-north-1",
      secretPrefix: "ci-keys-",
      users: [user("bi", { path: "/ci/keys/" }), user("op", { path: "/ci/keys/" })],
    };
    const users = usersPolicy(scope, true);
    assert.deepEqual(bySid(users, "ManagedUsersKeys").Resource, [
      `arn:aws-cn:iam::${ACCOUNT}:user/ci/keys/bi`,
      `arn:aws-cn:iam::${ACCOUNT}:user/ci/keys/op`,
    ]);
    assert.deepEqual(bySid(users, "ManagedSecrets").Resource, [
      `arn:aws-cn:secretsmanager:cn-north-1:${ACCOUNT}:secret:ci-keys-bi-??????`,
      `arn:aws-cn:secretsmanager:cn-north-1:${ACCOUNT}:secret:ci-keys-op-??????`,
    ]);
    assert.equal(
      bySid(applyRolePolicy(scope), "ReadUsersRotationRecord").Resource,
      `arn:aws-cn:iam::${ACCOUNT}:user/*`,
    );
  });

  it("state backend: exactly the objects and listings of this stack's DIY backend; no deletes but the lock", () => {
    const bucket = "arn:aws:s3:::acme-pulumi-state";
    const base = `${bucket}/infra/.pulumi`;
    const o = stateObjectArns({ ...BASE, ...STATE });
    assert.deepEqual(o, {
      bucket,
      metadata: `${base}/meta.yaml`,
      checkpoint: `${base}/stacks/iam-key-rotation/prod.json*`,
      stackFiles: `${base}/stacks/iam-key-rotation/prod.*`,
      history: `${base}/history/iam-key-rotation/prod/*`,
      backups: `${base}/backups/iam-key-rotation/prod/*`,
      locks: `${base}/locks/organization/iam-key-rotation/prod/*`,
      listPrefixes: {
        checkpoint: "infra/.pulumi/stacks/iam-key-rotation/prod.json",
        locks: "infra/.pulumi/locks/organization/iam-key-rotation/prod/",
      },
    });
    const key = {
      Sid: "StateSecretsKey",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: KMS_KEY,
    };
    const apply = statements(applyRolePolicy({ ...BASE, ...STATE }));
    const at = apply.findIndex((s) => s.Sid === "StateBucketList");
    assert.deepEqual(apply.slice(at, at + 5), [
      {
        Sid: "StateBucketList",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: bucket,
        Condition: {
          StringEquals: {
            "s3:prefix": [
              "infra/.pulumi/stacks/iam-key-rotation/prod.json",
              "infra/.pulumi/locks/organization/iam-key-rotation/prod/",
            ],
          },
        },
      },
      {
        Sid: "StateObjectsRead",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: [
          `${base}/meta.yaml`,
          `${base}/stacks/iam-key-rotation/prod.*`,
          `${base}/locks/organization/iam-key-rotation/prod/*`,
        ],
      },
      {
        Sid: "StateObjectsWrite",
        Effect: "Allow",
        Action: "s3:PutObject",
        Resource: [
          `${base}/stacks/iam-key-rotation/prod.json*`,
          `${base}/history/iam-key-rotation/prod/*`,
          `${base}/backups/iam-key-rotation/prod/*`,
          `${base}/locks/organization/iam-key-rotation/prod/*`,
        ],
      },
      {
        Sid: "StateLockRelease",
        Effect: "Allow",
        Action: "s3:DeleteObject",
        Resource: `${base}/locks/organization/iam-key-rotation/prod/*`,
      },
      key,
    ]);
    const preview = statements(previewRolePolicy({ ...BASE, ...STATE }));
    const p = preview.findIndex((s) => s.Sid === "StateBucketList");
    assert.deepEqual(preview.slice(p, p + 3), [
      {
        Sid: "StateBucketList",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: bucket,
        Condition: {
          StringEquals: { "s3:prefix": "infra/.pulumi/stacks/iam-key-rotation/prod.json" },
        },
      },
      {
        Sid: "StateObjectsRead",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: [`${base}/meta.yaml`, `${base}/stacks/iam-key-rotation/prod.*`],
      },
      key,
    ]);
    // Without a key prefix, the keys start at .pulumi/.
    assert.equal(
      stateObjectArns({ ...BASE, ...STATE, stateKeyPrefix: "" }).listPrefixes.checkpoint,
      ".pulumi/stacks/iam-key-rotation/prod.json",
    );
  });

  it("compliance: read-only for both roles, by exact name where the ARN has one, and the paging path denied", () => {
    const scope = {
      ...BASE,
      compliance: {
        componentName: "key-rotation-compliance",
        ruleName: RULE,
        recorder: false,
        organization: false,
      },
    };
    const doc = applyRolePolicy(scope);
    const sids = statements(doc).map((s) => s.Sid);
    const tail = [
      "ComplianceConfigRule",
      "ComplianceEventRule",
      "ComplianceTopic",
      "ComplianceAlarm",
      "ComplianceTopicKeyRead",
      "DenyChangingCiIdentity",
      "DenyUserInlinePolicies",
      "DenySilencingCompliance",
      "DenySilencingConfig",
    ];
    assert.deepEqual(sids.slice(sids.indexOf("ReadOidcProvider") + 1), tail);
    // The same reads and Denies in the preview role's policy.
    const previewTail = statements(previewRolePolicy(scope)).filter((s) => tail.includes(s.Sid));
    assert.deepEqual(
      previewTail,
      statements(doc).filter((s) => tail.includes(s.Sid)),
    );

    const rule = `arn:aws:events:${REGION}:${ACCOUNT}:rule/${RULE}-non-compliant`;
    const topic = `arn:aws:sns:${REGION}:${ACCOUNT}:key-rotation-compliance-*`;
    const alarm = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${RULE}-non-compliant`;
    assert.deepEqual(
      statements(doc).filter((s) => s.Sid.startsWith("Compliance")),
      [
        {
          Sid: "ComplianceConfigRule",
          Effect: "Allow",
          Action: ["config:DescribeConfigRules", "config:ListTagsForResource"],
          Resource: `arn:aws:config:${REGION}:${ACCOUNT}:config-rule/*`,
        },
        {
          Sid: "ComplianceEventRule",
          Effect: "Allow",
          Action: ["events:DescribeRule", "events:ListTagsForResource", "events:ListTargetsByRule"],
          Resource: rule,
        },
        {
          Sid: "ComplianceTopic",
          Effect: "Allow",
          Action: [
            "sns:GetSubscriptionAttributes",
            "sns:GetTopicAttributes",
            "sns:ListSubscriptionsByTopic",
            "sns:ListTagsForResource",
          ],
          Resource: topic,
        },
        {
          Sid: "ComplianceAlarm",
          Effect: "Allow",
          Action: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
          Resource: alarm,
        },
        {
          Sid: "ComplianceTopicKeyRead",
          Effect: "Allow",
          Action: [
            "kms:DescribeKey",
            "kms:GetKeyPolicy",
            "kms:GetKeyRotationStatus",
            "kms:ListResourceTags",
          ],
          Resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/*`,
        },
      ],
    );
    assert.deepEqual(bySid(doc, "DenySilencingCompliance"), {
      Sid: "DenySilencingCompliance",
      Effect: "Deny",
      Action: [
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
      ],
      Resource: [alarm, rule, topic],
    });
    assert.deepEqual(bySid(doc, "DenySilencingConfig"), {
      Sid: "DenySilencingConfig",
      Effect: "Deny",
      Action: [
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
      ],
      Resource: "*",
    });
  });

  it("compliance in organization mode: reads of the organization rule instead of the account rule", () => {
    const doc = applyRolePolicy({
      ...BASE,
      compliance: {
        componentName: "key-rotation-compliance",
        ruleName: RULE,
        recorder: false,
        organization: true,
      },
    });
    assert.deepEqual(bySid(doc, "ComplianceOrganizationRule"), {
      Sid: "ComplianceOrganizationRule",
      Effect: "Allow",
      Action: [
        "config:DescribeOrganizationConfigRuleStatuses",
        "config:DescribeOrganizationConfigRules",
      ],
      Resource: `arn:aws:config:${REGION}:${ACCOUNT}:organization-config-rule/*`,
    });
    assert.equal(
      statements(doc).some((s) => s.Sid === "ComplianceConfigRule"),
      false,
    );
  });

  it("compliance recorder: reads of the recorder, its role and bucket; no write, no PassRole", () => {
    const doc = applyRolePolicy({ ...BASE, ...COMPLIANCE });
    assert.deepEqual(bySid(doc, "ComplianceRecorder"), {
      Sid: "ComplianceRecorder",
      Effect: "Allow",
      Action: [
        "config:DescribeConfigurationRecorderStatus",
        "config:DescribeConfigurationRecorders",
        "config:DescribeDeliveryChannels",
      ],
      Resource: "*",
    });
    assert.deepEqual(
      bySid(doc, "ComplianceRecorderRoleRead").Resource,
      `arn:aws:iam::${ACCOUNT}:role/key-rotation-compliance-*`,
    );
    assert.deepEqual(
      bySid(doc, "ComplianceBucket").Resource,
      "arn:aws:s3:::key-rotation-compliance-*",
    );
    const compliance = statements(doc).filter(
      (s) => s.Effect === "Allow" && s.Sid.startsWith("Compliance"),
    );
    assert.deepEqual(
      compliance.flatMap(actionsOf).filter((a) => !READ_ONLY.test(a)),
      [],
    );
  });

  it("preview: reads only", () => {
    assert.deepEqual(previewRolePolicy(BASE), EXPECTED_PREVIEW);
    const full = { ...BASE, ...STATE, ...COMPLIANCE };
    const actions = [...allowed(previewRolePolicy(full), usersPolicy(full, false))];
    assert.deepEqual(
      actions.filter((a) => !READ_ONLY.test(a)),
      [],
    );
    assert.ok(actions.includes("config:DescribeConfigurationRecorders"));
    assert.deepEqual(bySid(previewRolePolicy(full), "DenyChangingCiIdentity"), DENY_SELF_CHANGE);
  });

  it("every apply action outside the preview is a write the preview role never gets", () => {
    const full = { ...BASE, ...STATE, ...COMPLIANCE };
    const preview = allowed(previewRolePolicy(full), usersPolicy(full, false));
    const writes = [...allowed(applyRolePolicy(full), usersPolicy(full, true))].filter(
      (a) => !preview.has(a),
    );
    assert.deepEqual(writes.sort(), [
      "iam:AttachUserPolicy",
      "iam:CreateAccessKey",
      "iam:CreateUser",
      "iam:DeleteAccessKey",
      // `iam-key-rotation audit`, after the update.
      "iam:GenerateCredentialReport",
      "iam:GetCredentialReport",
      "iam:ListUsers",
      "iam:TagUser",
      "iam:UntagUser",
      "iam:UpdateAccessKey",
      "s3:DeleteObject",
      "s3:PutObject",
      "secretsmanager:CreateSecret",
      "secretsmanager:PutSecretValue",
      "secretsmanager:TagResource",
      "secretsmanager:UpdateSecret",
      "secretsmanager:UpdateSecretVersionStage",
    ]);
  });

  it("fits IAM's inline policy quota with everything on, in the longest partition and region", () => {
    const scope = {
      ...BASE,
      ...STATE,
      ...COMPLIANCE,
      ...WORST_CASE_PLACE,
      stack: "x".repeat(100),
    };
    for (const doc of [applyRolePolicy(scope), previewRolePolicy(scope)]) {
      const size = policySize(doc);
      assert.ok(size < MAX_INLINE_POLICY_CHARS, `${size} characters`);
    }
  });
});
