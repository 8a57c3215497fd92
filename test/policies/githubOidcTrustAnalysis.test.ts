/**
 * The trust-policy analysis on its own: plain documents in, problems out (the policy's
 * messages for each problem are asserted in githubOidcTrust.test.ts).
 */
import * as assert from "node:assert/strict";
import { analyzeGithubTrust } from "../../policies/githubOidcTrustAnalysis";
import { UNKNOWN } from "../../policies/unknownValues";
import { githubTrustDocument } from "./fixtures";

const AUD = "token.actions.githubusercontent.com:aud";
const SUB = "token.actions.githubusercontent.com:sub";

/** The fixture's trust document with its only statement's Condition replaced. */
function withCondition(condition: unknown): Record<string, any> {
  const doc = githubTrustDocument();
  doc.Statement[0].Condition = condition;
  return doc;
}

describe("analyzeGithubTrust", () => {
  it("finds no problem in the trust GithubOidcRole writes, as a string or an object", () => {
    const doc = githubTrustDocument();
    assert.deepEqual(analyzeGithubTrust(JSON.stringify(doc)), { kind: "read", problems: [] });
    assert.deepEqual(analyzeGithubTrust(doc), { kind: "read", problems: [] });
  });

  it("says when the document, or its statements, are not known yet", () => {
    assert.deepEqual(analyzeGithubTrust(UNKNOWN), { kind: "unknown" });
    assert.deepEqual(analyzeGithubTrust({ Statement: UNKNOWN }), { kind: "unknown" });
  });

  it("says when the document is not a JSON policy object", () => {
    assert.deepEqual(analyzeGithubTrust("{not json"), { kind: "unreadable" });
    assert.deepEqual(analyzeGithubTrust("[]"), { kind: "unreadable" });
    assert.deepEqual(analyzeGithubTrust(42), { kind: "unreadable" });
  });

  it("reports each claim's problem, by kind, naming the statement", () => {
    const cases: [unknown, unknown[]][] = [
      [
        { StringEquals: { [SUB]: "repo:acme/app:ref:refs/heads/main" } },
        [{ kind: "no-aud", statement: "statement 1" }],
      ],
      [
        { StringEquals: { [AUD]: ["sts.amazonaws.com", "sigstore"] } },
        [
          {
            kind: "wrong-aud",
            statement: "statement 1",
            values: ["sts.amazonaws.com", "sigstore"],
          },
          { kind: "no-sub", statement: "statement 1" },
        ],
      ],
      [
        { StringEquals: { [AUD]: "sts.amazonaws.com" }, StringLike: { [SUB]: ["repo:acme/*"] } },
        [{ kind: "wildcard-sub", statement: "statement 1", values: ["repo:acme/*"] }],
      ],
      [
        {
          StringEqualsIfExists: { [AUD]: "sts.amazonaws.com" },
          StringLike: { [SUB]: "repo:acme/app:environment:prod" },
        },
        [
          {
            kind: "weak-operator",
            statement: "statement 1",
            claim: "aud",
            operators: ["StringEqualsIfExists"],
          },
        ],
      ],
    ];
    for (const [condition, problems] of cases) {
      assert.deepEqual(
        analyzeGithubTrust(withCondition(condition)),
        { kind: "read", problems },
        JSON.stringify(condition),
      );
    }
  });

  it("reports nothing for a condition block or claim values that are not known yet", () => {
    assert.deepEqual(analyzeGithubTrust(withCondition({ StringEquals: UNKNOWN })), {
      kind: "read",
      problems: [],
    });
    assert.deepEqual(
      analyzeGithubTrust(withCondition({ StringEquals: { [AUD]: UNKNOWN, [SUB]: [UNKNOWN] } })),
      { kind: "read", problems: [] },
    );
  });

  it("leaves statements that do not trust GitHub alone", () => {
    const doc = {
      Statement: [
        { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
        { Effect: "Deny", Principal: { Federated: "token.actions.githubusercontent.com" } },
      ],
    };
    assert.deepEqual(analyzeGithubTrust(doc), { kind: "read", problems: [] });
  });
});
