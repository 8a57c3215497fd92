import * as assert from "node:assert/strict";
import { githubOidcRoleArgs } from "../../program/githubOidcRoleArgs";
import { parseStackConfig } from "../../program/stackConfig";

const APPLY_SUB = "repo:acme/iam-key-rotation:environment:prod";
const PR_SUB = "repo:acme/iam-key-rotation:pull_request";
const ECR = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser";
const S3RO = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";

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
