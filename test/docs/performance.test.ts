/**
 * README.md's "Performance and scale" states what the code computes: the users a stack holds
 * with the keyless CI roles (githubLimitProblems, the limit `plan` and `pulumi up` enforce).
 */
import * as assert from "node:assert/strict";
import { githubLimitProblems, parseGithubConfig } from "../../components/githubOidcRole/settings";
import { section } from "../support/readme";

/** The most users of names `length` long a stack with the CI roles' default names holds. */
function maxUsers(length: number): number {
  const problems: string[] = [];
  const github = parseGithubConfig(
    {
      applySubjects: ["repo:acme/iam-key-rotation:environment:prod"],
      previewSubjects: ["repo:acme/iam-key-rotation:pull_request"],
    },
    problems,
  )!;
  assert.deepEqual(problems, []);
  const users = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      name: `${String(i).padStart(4, "0")}${"x".repeat(60)}`.slice(0, length),
    }));
  const fits = (n: number) => githubLimitProblems({ github, users: users(n) }).length === 0;
  let lo = 1;
  let hi = 1000;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

describe("README.md, Performance and scale", () => {
  const text = section("README.md", "## Performance and scale").replace(/\s+/g, " ");

  it("states the users per stack the CI roles' limits allow, for 20- and 64-character names", () => {
    const stated =
      /at most \*\*(\d+) users\*\* with 20-character names and \*\*(\d+)\*\* with 64-character names/.exec(
        text,
      );
    assert.ok(stated, "the sentence is there");
    assert.deepEqual([Number(stated[1]), Number(stated[2])], [maxUsers(20), maxUsers(64)]);
  });
});
