import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { GithubOidcRole } from "../../../components/githubOidcRole/githubOidcRole";
import { applyRolePolicy, usersPolicy } from "../../../components/githubOidcRole/permissions";
import { githubTrustPolicy } from "../../../components/githubOidcRole/trust";
import { GITHUB_OIDC_ROLE_TYPE } from "../../../components/typeTokens";
import { allRegistered, ComplianceMocks } from "../../support/complianceMocks";
import {
  ACCOUNT,
  noSuchUser,
  optionsSpy,
  RecordingMocks,
  REGION,
  useMocks,
  valueOf,
} from "../../support/mocks";
import {
  APPLY_ROLE,
  APPLY_SUB,
  BASE,
  bySid,
  COMPLIANCE,
  ECR,
  EXPECTED_APPLY,
  EXPECTED_APPLY_USERS,
  EXPECTED_PREVIEW,
  EXPECTED_PREVIEW_USERS,
  KMS_KEY,
  PR_SUB,
  PREVIEW_ROLE,
  PROVIDER,
  S3RO,
  STATE,
  statements,
  user,
} from "./fixtures";

/** The policy document of a `<role>-users-N` managed policy (its attachment has the same name). */
const usersPolicyOf = (mocks: RecordingMocks, name: string): string =>
  mocks.ofType("aws:iam/policy:Policy").find((r) => r.name === name)!.inputs.policy;

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
      userTags: {
        "onprem-jenkins-ecr": { team: "platform" },
        "bi-vendor-athena": { team: "data", consumer: "bi-vendor" },
      },
      userPolicyArns: { "onprem-jenkins-ecr": [ECR], "bi-vendor-athena": [S3RO] },
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

  it("registers its settings as the component's inputs (what a policy pack sees)", async () => {
    const ci = new GithubOidcRole("github", {
      users: ["onprem-jenkins-ecr", "bi-vendor-athena"],
      applySubjects: [APPLY_SUB],
      previewSubjects: [PR_SUB],
      userTags: { "onprem-jenkins-ecr": { team: "platform" } },
      userPolicyArns: { "onprem-jenkins-ecr": [ECR, S3RO] },
      userPaths: { "bi-vendor-athena": "/legacy/" },
      stateBucket: "acme-pulumi-state",
      stateKeyPrefix: "infra/",
      secretsProviderKmsKeyArn: KMS_KEY,
      compliance: true,
      complianceRecorder: true,
      maxSessionDuration: 7200,
    });
    await valueOf(ci.applyRoleArn);
    assert.deepEqual(mocks.named("github"), {
      type: GITHUB_OIDC_ROLE_TYPE,
      name: "github",
      inputs: {
        applySubjects: [APPLY_SUB],
        previewSubjects: [PR_SUB],
        applyRoleName: "key-rotation-github-apply",
        previewRoleName: "key-rotation-github-preview",
        users: ["onprem-jenkins-ecr", "bi-vendor-athena"],
        path: "/key-rotation/",
        secretPrefix: "key-rotation/",
        userTags: { "onprem-jenkins-ecr": { team: "platform" } },
        userPolicyArns: { "onprem-jenkins-ecr": [ECR, S3RO] },
        userPaths: { "bi-vendor-athena": "/legacy/" },
        stateBucket: "acme-pulumi-state",
        stateKeyPrefix: "infra/",
        secretsProviderKmsKeyArn: KMS_KEY,
        compliance: {
          componentName: "key-rotation-compliance",
          ruleName: "iam-key-rotation-access-keys-rotated",
          recorder: true,
          organization: false,
        },
        maxSessionDuration: 7200,
      },
      id: "github-id",
    });
  });

  it("registers a reused provider's ARN, and no preview role or compliance scope when there is none", async () => {
    const ci = new GithubOidcRole("github", {
      users: ["bi-vendor-athena"],
      applySubjects: [APPLY_SUB],
      providerArn: PROVIDER,
    });
    await valueOf(ci.applyRoleArn);
    assert.deepEqual(mocks.named("github").inputs, {
      applySubjects: [APPLY_SUB],
      previewSubjects: [],
      providerArn: PROVIDER,
      applyRoleName: "key-rotation-github-apply",
      users: ["bi-vendor-athena"],
      path: "/key-rotation/",
      secretPrefix: "key-rotation/",
      userTags: {},
      userPolicyArns: {},
      userPaths: {},
      stateKeyPrefix: "",
      maxSessionDuration: 3600,
    });
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
        "AuditCredentialReport",
        "ReadCiRoles",
        "ReadCiPolicies",
        "DenyChangingCiIdentity",
        "DenyUserInlinePolicies",
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

  it("grants each user under its own path, with its own tags and policies", async () => {
    const ci = new GithubOidcRole("github", {
      users: ["onprem-jenkins-ecr", "bi-vendor-athena"],
      applySubjects: [APPLY_SUB],
      userTags: { "onprem-jenkins-ecr": { team: "platform" } },
      userPolicyArns: { "onprem-jenkins-ecr": [ECR] },
      userPaths: { "bi-vendor-athena": "/legacy/" },
    });
    await valueOf(ci.applyRoleArn);
    const policy = JSON.parse(usersPolicyOf(mocks, "github-apply-users-0"));
    assert.deepEqual(
      policy,
      usersPolicy(
        {
          ...BASE,
          users: [
            user("onprem-jenkins-ecr", { tags: { team: "platform" }, policyArns: [ECR] }),
            user("bi-vendor-athena", { path: "/legacy/" }),
          ],
        },
        true,
      ),
    );
    assert.deepEqual(bySid(policy, "ManagedUsersKeys").Resource, [
      `arn:aws:iam::${ACCOUNT}:user/key-rotation/onprem-jenkins-ecr`,
      `arn:aws:iam::${ACCOUNT}:user/legacy/bi-vendor-athena`,
    ]);
  });

  it("checks every IAM limit before registering anything, itself included", () => {
    const users = Array.from({ length: 400 }, (_, i) => `service-account-${i}`);
    assert.throws(
      () => new GithubOidcRole("github", { users, applySubjects: [APPLY_SUB] }),
      (err: Error) => {
        assert.match(
          err.message,
          /^GithubOidcRole "github": \[users\] lists 400 users: their grants need \d+ managed policies, more than the 10 IAM attaches to a role; split the users across stacks \(the first \d+ fit in one\)\.$/,
        );
        return true;
      },
    );
    assert.deepEqual(mocks.resources, []);
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
      // New users (as the other program tests): the run reads nothing else.
      "aws:iam/getUser:getUser": (inputs) => {
        throw noSuchUser(inputs.userName as string);
      },
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
    assert.deepEqual(
      mocks.invokes.map((i) => [i.token, i.inputs]),
      [
        ["aws:iam/getUser:getUser", { userName: "jenkins" }],
        ["aws:iam/getUser:getUser", { userName: "vendor" }],
      ],
    );
    assert.equal(await valueOf(outputs.github.applyRoleArn), APPLY_ROLE);
    assert.equal(await valueOf(outputs.github.previewRoleArn), PREVIEW_ROLE);
    assert.equal(await valueOf(outputs.github.providerArn), PROVIDER);
    await allRegistered();

    const policy = JSON.parse(mocks.named("github-apply-permissions").inputs.policy);
    assert.deepEqual(
      policy,
      applyRolePolicy({
        ...BASE,
        users: [user("jenkins", { tags: { team: "platform" } }), user("vendor")],
        compliance: {
          componentName: "key-rotation-compliance",
          ruleName: "acme-keys",
          recorder: true,
          organization: false,
        },
      }),
    );
    // Each user's configured tags and policies, pinned in the per-user grants.
    assert.deepEqual(
      JSON.parse(usersPolicyOf(mocks, "github-apply-users-0")),
      usersPolicy(
        {
          ...BASE,
          users: [
            user("jenkins", { tags: { team: "platform" }, policyArns: [ECR] }),
            user("vendor", { policyArns: [S3RO, ECR] }),
          ],
        },
        true,
      ),
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
