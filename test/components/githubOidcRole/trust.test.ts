import * as assert from "node:assert/strict";
import { githubTrustPolicy } from "../../../components/githubOidcRole/trust";
import { githubOidcTrust } from "../../../policies/githubOidcTrust";
import { STACK_URN } from "../../policies/fixtures";
import { messages, runResource } from "../../support/policyHarness";
import { APPLY_SUB, PR_SUB, PROVIDER } from "./fixtures";

describe("GithubOidcRole trust policy", () => {
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
