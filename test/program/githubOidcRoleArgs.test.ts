import * as assert from "node:assert/strict";
import { githubOidcRoleArgs } from "../../program/githubOidcRoleArgs";
import { parseStackConfig } from "../../program/stackConfig";

const APPLY_SUB = "repo:acme/iam-key-rotation:environment:prod";
const PR_SUB = "repo:acme/iam-key-rotation:pull_request";
const ECR = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser";
const S3RO = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";

describe("githubOidcRoleArgs", () => {
  it("passes each user's tags and policies, by name (the CI role may set exactly those)", () => {
    const config = parseStackConfig({
      users: [
        { name: "a", policyArns: [ECR, S3RO], tags: { team: "x" } },
        { name: "b", policyArns: [S3RO], tags: { consumer: "y", team: "z" } },
        { name: "c" },
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
      users: ["a", "b", "c"],
      path: "/ci/",
      secretPrefix: "ci/",
      userTags: { a: { team: "x" }, b: { consumer: "y", team: "z" } },
      userPolicyArns: { a: [ECR, S3RO], b: [S3RO] },
      userPaths: {},
      stateBucket: "acme-state",
      stateKeyPrefix: "",
      secretsProviderKmsKeyArn: undefined,
      compliance: false,
    });
    assert.equal(githubOidcRoleArgs(parseStackConfig({ users: [{ name: "a" }] })), undefined);
  });

  it("passes a user's own path where it differs from the stack's", () => {
    const config = parseStackConfig({
      users: [{ name: "a" }, { name: "b" }, { name: "c" }],
      path: "/ci/",
      github: { applySubjects: [APPLY_SUB] },
    });
    // A stack config whose users carry their own path (adopted users keep theirs).
    const withPaths = {
      ...config,
      users: config.users.map((u, i) => ({
        ...u,
        ...(i > 0 && { path: ["", "/ci/", "/old/"][i] }),
      })),
    };
    assert.deepEqual(githubOidcRoleArgs(withPaths)?.userPaths, { c: "/old/" });
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
