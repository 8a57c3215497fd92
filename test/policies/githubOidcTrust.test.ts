import * as assert from "node:assert/strict";
import { githubOidcTrust } from "../../policies/githubOidcTrust";
import { messages, runResource, UNKNOWN_VALUE } from "../support/policyHarness";
import { configRule, githubRole, githubTrustDocument, STACK_URN } from "./fixtures";

const AUD = "token.actions.githubusercontent.com:aud";
const SUB = "token.actions.githubusercontent.com:sub";
const EXAMPLES = '"repo:ORG/REPO:ref:refs/heads/main" or "repo:ORG/REPO:environment:prod"';

/** The fixture's trust document with one change to its only statement. */
function document(change: (statement: Record<string, any>) => void): Record<string, any> {
  const doc = githubTrustDocument();
  change(doc.Statement[0]);
  return doc;
}

async function check(doc: unknown): Promise<string[]> {
  const role = githubRole();
  role.props.assumeRolePolicy = doc;
  const outcome = await runResource(githubOidcTrust, role);
  assert.deepEqual(outcome.cannotRun, []);
  return messages(outcome);
}

describe("policy iam-github-oidc-trust", () => {
  it("passes a role with exact aud and sub (trust policy as a JSON string)", async () => {
    const outcome = await runResource(githubOidcTrust, githubRole());
    assert.deepEqual(outcome, {
      enforcementLevel: "mandatory",
      violations: [],
      notApplicable: [],
      cannotRun: [],
    });
  });

  it("reads a trust policy given as an object", async () => {
    assert.deepEqual(await check(githubTrustDocument()), []);
  });

  it("reads a single statement that is not in a list", async () => {
    const doc = githubTrustDocument();
    doc.Statement = doc.Statement[0];
    assert.deepEqual(await check(JSON.stringify(doc)), []);
  });

  it("blocks a statement without an aud condition", async () => {
    const doc = document((s) => delete s.Condition.StringEquals[AUD]);
    assert.deepEqual(await check(JSON.stringify(doc)), [
      `Role "deploy" trusts GitHub's OIDC provider in statement 1 without pinning the audience. ` +
        `Add "StringEquals": {"${AUD}": "sts.amazonaws.com"} to that statement.`,
    ]);
  });

  it("blocks an audience other than sts.amazonaws.com", async () => {
    const doc = document(
      (s) => (s.Condition.StringEquals[AUD] = ["sts.amazonaws.com", "sigstore"]),
    );
    assert.deepEqual(await check(JSON.stringify(doc)), [
      `Role "deploy" trusts GitHub's OIDC provider in statement 1 with audience ` +
        `["sts.amazonaws.com","sigstore"]. Pin ${AUD} to exactly "sts.amazonaws.com" with StringEquals.`,
    ]);
  });

  it("blocks a statement without a sub condition", async () => {
    const doc = document((s) => delete s.Condition.StringEquals[SUB]);
    assert.deepEqual(await check(JSON.stringify(doc)), [
      `Role "deploy" trusts GitHub's OIDC provider in statement 1 without a ${SUB} condition, ` +
        `so a workflow in any GitHub repository can assume it. Add a StringEquals condition on ` +
        `${SUB} listing the exact subjects allowed, such as ${EXAMPLES}.`,
    ]);
  });

  it("blocks an organization-wide wildcard subject", async () => {
    const doc = document((s) => {
      delete s.Condition.StringEquals[SUB];
      s.Condition.StringLike = { [SUB]: "repo:acme/*" };
    });
    assert.deepEqual(await check(JSON.stringify(doc)), [
      `Role "deploy" trusts GitHub's OIDC provider in statement 1 with wildcard subject ` +
        `["repo:acme/*"], so every workflow the pattern matches can assume it (an ` +
        `organization-wide pattern admits all of the organization's repositories). List exact ` +
        `subjects instead, such as ${EXAMPLES}, under StringEquals.`,
    ]);
  });

  it("blocks a sub of *", async () => {
    const doc = document((s) => (s.Condition.StringEquals[SUB] = "*"));
    assert.deepEqual(await check(JSON.stringify(doc)), [
      `Role "deploy" trusts GitHub's OIDC provider in statement 1 with wildcard subject ` +
        `["*"], so every workflow the pattern matches can assume it (an organization-wide ` +
        `pattern admits all of the organization's repositories). List exact subjects instead, ` +
        `such as ${EXAMPLES}, under StringEquals.`,
    ]);
  });

  it("blocks a sub pinned only with an operator that also matches a missing claim", async () => {
    const doc = document((s) => {
      s.Condition.StringEqualsIfExists = { [SUB]: s.Condition.StringEquals[SUB] };
      delete s.Condition.StringEquals[SUB];
    });
    assert.deepEqual(await check(JSON.stringify(doc)), [
      `Role "deploy" trusts GitHub's OIDC provider in statement 1 and constrains ${SUB} only ` +
        `with StringEqualsIfExists, which also admits tokens without a matching claim. Use ` +
        `StringEquals with exact subjects such as ${EXAMPLES}.`,
    ]);
  });

  it("accepts ForAnyValue:StringLike with exact subjects and mixed-case condition keys", async () => {
    const doc = document((s) => {
      s.Condition = {
        StringEquals: { "Token.Actions.GitHubUserContent.com:AUD": "sts.amazonaws.com" },
        "ForAnyValue:StringLike": {
          "token.actions.githubusercontent.com:SUB": ["repo:acme/app:ref:refs/heads/main"],
        },
      };
    });
    assert.deepEqual(await check(JSON.stringify(doc)), []);
  });

  it("accepts a wildcard that an exact subject condition already narrows (conditions AND)", async () => {
    const doc = document((s) => (s.Condition.StringLike = { [SUB]: "repo:acme/*" }));
    assert.deepEqual(await check(JSON.stringify(doc)), []);
  });

  it("names the statement by its Sid, or by its position", async () => {
    const doc = githubTrustDocument();
    const bad = structuredClone(doc.Statement[0]);
    delete bad.Condition.StringEquals[AUD];
    doc.Statement.push(bad, { ...structuredClone(bad), Sid: "Release" });
    assert.deepEqual(
      (await check(JSON.stringify(doc))).map((m) => m.slice(0, 73)),
      [
        `Role "deploy" trusts GitHub's OIDC provider in statement 2 without pinnin`,
        `Role "deploy" trusts GitHub's OIDC provider in statement "Release" withou`,
      ],
    );
  });

  it("recognizes GitHub trust by its condition keys while the provider ARN is unknown", async () => {
    const doc = document((s) => {
      s.Principal.Federated = UNKNOWN_VALUE.string;
      s.Condition.StringEquals[SUB] = "*";
    });
    const found = await check(doc);
    assert.equal(found.length, 1);
    assert.match(
      found[0],
      /^Role "deploy" trusts GitHub's OIDC provider in statement 1 with wildcard subject \["\*"\]/,
    );
  });

  it("passes a good trust policy whose provider ARN is unknown", async () => {
    assert.deepEqual(
      await check(document((s) => (s.Principal.Federated = UNKNOWN_VALUE.string))),
      [],
    );
  });

  it("never reports a trust policy that is unknown during preview", async () => {
    assert.deepEqual(await check(UNKNOWN_VALUE.string), []);
  });

  it("never reports a claim whose values are unknown during preview", async () => {
    const doc = document((s) => (s.Condition.StringEquals[SUB] = [UNKNOWN_VALUE.string]));
    assert.deepEqual(await check(doc), []);
  });

  it("ignores roles that do not trust GitHub", async () => {
    const doc = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
      ],
    };
    assert.deepEqual(await check(JSON.stringify(doc)), []);
  });

  it("ignores Deny statements", async () => {
    const doc = document((s) => {
      s.Effect = "Deny";
      delete s.Condition;
    });
    assert.deepEqual(await check(JSON.stringify(doc)), []);
  });

  it("ignores a trust policy that is not JSON (AWS rejects it)", async () => {
    assert.deepEqual(await check("{not json"), []);
  });

  it("does not apply to other resource types", async () => {
    const outcome = await runResource(githubOidcTrust, { ...configRule(), parent: STACK_URN });
    assert.deepEqual(outcome.notApplicable, [
      "Policy only applies to resources of type 'aws:iam/role:Role'",
    ]);
  });
});
