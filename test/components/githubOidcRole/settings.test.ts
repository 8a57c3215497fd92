import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { loadStack } from "../../../cli/stackFile";
import { ConfigError, CONFIG_KEYS, parseStackConfig } from "../../../program/stackConfig";
import {
  checkSubject,
  GITHUB_KEYS,
  GithubConfig,
  githubOidcRoleSettings,
  parseGithubConfig,
  validateGithubOidcRoleArgs,
} from "../../../components/githubOidcRole/settings";
import { usersPolicyChunks } from "../../../components/githubOidcRole/permissions";
import { ROOT } from "../../support/root";
import { APPLY_SUB, BASE, ECR, KMS_KEY, PR_SUB, PROVIDER, S3RO } from "./fixtures";

const APPLY = "repo:acme/iam-key-rotation:environment:prod";
const PR = "repo:acme/iam-key-rotation:pull_request";

/** Problems of one `github` value, in order. */
function problemsOf(raw: unknown): string[] {
  const problems: string[] = [];
  const parsed = parseGithubConfig(raw, problems);
  if (problems.length > 0) assert.equal(parsed, undefined);
  return problems;
}

function parse(raw: unknown): GithubConfig {
  const problems: string[] = [];
  const parsed = parseGithubConfig(raw, problems);
  assert.deepEqual(problems, []);
  return parsed!;
}

const FORMS =
  "repo:OWNER/REPO:ref:refs/heads/BRANCH, repo:OWNER/REPO:environment:NAME or " +
  "repo:OWNER/REPO:pull_request";

describe("github stack config", () => {
  it("defaults everything but the apply subjects", () => {
    assert.deepEqual(parse({ applySubjects: [APPLY] }), {
      applySubjects: [APPLY],
      previewSubjects: [],
      applyRoleName: "key-rotation-github-apply",
      previewRoleName: "key-rotation-github-preview",
      stateKeyPrefix: "",
    });
  });

  it("reads every setting and completes the key prefix with a slash", () => {
    assert.deepEqual(
      parse({
        applySubjects: [APPLY, "repo:acme/iam-key-rotation:ref:refs/heads/main"],
        previewSubjects: [PR],
        providerArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
        applyRoleName: "ci-apply",
        previewRoleName: "ci-preview",
        stateBucket: "acme-pulumi-state",
        stateKeyPrefix: "iam/key-rotation",
        secretsProviderKmsKeyArn:
          "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      }),
      {
        applySubjects: [APPLY, "repo:acme/iam-key-rotation:ref:refs/heads/main"],
        previewSubjects: [PR],
        providerArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
        applyRoleName: "ci-apply",
        previewRoleName: "ci-preview",
        stateBucket: "acme-pulumi-state",
        stateKeyPrefix: "iam/key-rotation/",
        secretsProviderKmsKeyArn:
          "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      },
    );
  });

  describe("subjects", () => {
    const table: [string, unknown, string | object][] = [
      [
        "a branch",
        "repo:acme/app:ref:refs/heads/release/v2",
        { kind: "branch", repository: "acme/app", branch: "release/v2" },
      ],
      [
        "an environment",
        "repo:Acme-Corp/app.js:environment:prod-eu_1",
        { kind: "environment", repository: "Acme-Corp/app.js", environment: "prod-eu_1" },
      ],
      [
        "pull requests",
        "repo:acme/app:pull_request",
        { kind: "pull_request", repository: "acme/app" },
      ],
      [
        "a bare star",
        "*",
        '[f] must not be "*": every GitHub Actions workflow of every repository could assume the role.',
      ],
      [
        "an organization-wide wildcard",
        "repo:acme/*",
        '[f] must name one repository, not a pattern: "repo:acme/*" lets every matching repository of acme assume the role (got "repo:acme/*").',
      ],
      [
        "an organization-wide wildcard with a context",
        "repo:acme/*:ref:refs/heads/main",
        '[f] must name one repository, not a pattern: "repo:acme/*" lets every matching repository of acme assume the role (got "repo:acme/*:ref:refs/heads/main").',
      ],
      [
        "a partial repository pattern",
        "repo:acme/app-?:pull_request",
        '[f] must name one repository, not a pattern: "repo:acme/app-?" lets every matching repository of acme assume the role (got "repo:acme/app-?:pull_request").',
      ],
      [
        "a wildcard owner",
        "repo:*/app:ref:refs/heads/main",
        '[f] must name one repository, not a pattern: a wildcard in the owner lets repositories of any GitHub account assume the role (got "repo:*/app:ref:refs/heads/main").',
      ],
      [
        "repo:* alone",
        "repo:*",
        '[f] must name one repository, not a pattern: a wildcard in the owner lets repositories of any GitHub account assume the role (got "repo:*").',
      ],
      [
        "a branch pattern",
        "repo:acme/app:ref:refs/heads/*",
        '[f] must be exact: the trust compares it with StringEquals, so "*" and "?" match only themselves; list each branch or environment (got "repo:acme/app:ref:refs/heads/*").',
      ],
      [
        "a context wildcard",
        "repo:acme/app:*",
        '[f] must be exact: the trust compares it with StringEquals, so "*" and "?" match only themselves; list each branch or environment (got "repo:acme/app:*").',
      ],
      [
        "an owner with a trailing hyphen",
        "repo:acme-/app:pull_request",
        '[f] names a malformed repository "acme-/app": OWNER is 1 to 39 letters, digits or single hyphens, REPO 1 to 100 letters, digits, ".", "_" or "-" (got "repo:acme-/app:pull_request").',
      ],
      [
        "an empty repository",
        "repo:acme/:environment:prod",
        '[f] names a malformed repository "acme/": OWNER is 1 to 39 letters, digits or single hyphens, REPO 1 to 100 letters, digits, ".", "_" or "-" (got "repo:acme/:environment:prod").',
      ],
      [
        "a repository named ..",
        "repo:acme/..:pull_request",
        '[f] names a malformed repository "acme/..": OWNER is 1 to 39 letters, digits or single hyphens, REPO 1 to 100 letters, digits, ".", "_" or "-" (got "repo:acme/..:pull_request").',
      ],
      ["a repository alone", "repo:acme/app", `[f] must be ${FORMS} (got "repo:acme/app").`],
      [
        "no repo: prefix",
        "acme/app:pull_request",
        `[f] must be ${FORMS} (got "acme/app:pull_request").`,
      ],
      [
        "a tag ref",
        "repo:acme/app:ref:refs/tags/v1",
        `[f] must be ${FORMS} (got "repo:acme/app:ref:refs/tags/v1").`,
      ],
      [
        "a branch with ..",
        "repo:acme/app:ref:refs/heads/a..b",
        `[f] must be ${FORMS} (got "repo:acme/app:ref:refs/heads/a..b").`,
      ],
      [
        "an empty environment",
        "repo:acme/app:environment:",
        `[f] must be ${FORMS} (got "repo:acme/app:environment:").`,
      ],
      ["a number", 42, "[f] must be a string like repo:OWNER/REPO:environment:NAME (got 42)."],
    ];
    for (const [what, value, expected] of table) {
      it(`${what}: ${JSON.stringify(value)}`, () => {
        assert.deepEqual(checkSubject(value, "f"), expected);
      });
    }
  });

  it("reports every problem, each naming its field", () => {
    assert.deepEqual(
      problemsOf({
        applySubjects: [APPLY, "repo:acme/*", APPLY, PR],
        previewSubjects: "repo:acme/iam-key-rotation:pull_request",
        providerArn: "arn:aws:iam::123456789012:oidc-provider/gitlab.com",
        applyRoleName: "ci apply",
        previewRoleName: 7,
        stateBucket: "s3://acme-pulumi-state",
        secretsProviderKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:alias/pulumi",
        region: "us-east-1",
      }),
      [
        "[github.region] is not a known setting (known: applySubjects, previewSubjects, providerArn, applyRoleName, previewRoleName, stateBucket, stateKeyPrefix, secretsProviderKmsKeyArn).",
        '[github.applySubjects[1]] must name one repository, not a pattern: "repo:acme/*" lets every matching repository of acme assume the role (got "repo:acme/*").',
        '[github.applySubjects[2]] duplicates [github.applySubjects[0]] ("repo:acme/iam-key-rotation:environment:prod").',
        "[github.applySubjects[3]] must not be a pull_request subject: anyone who can push a branch can run a pull request workflow, and the apply role changes AWS. Give pull requests the read-only preview role ([github.previewSubjects]).",
        '[github.previewSubjects] must be a list of GitHub OIDC subjects, e.g. ["repo:acme/iam-key-rotation:pull_request"] (got "repo:acme/iam-key-rotation:pull_request").',
        '[github.providerArn] must be the ARN of the account\'s GitHub Actions OIDC provider, arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com (got "arn:aws:iam::123456789012:oidc-provider/gitlab.com").',
        '[github.applyRoleName] must be an IAM role name: 1 to 64 letters, digits or +=,.@_- (got "ci apply").',
        "[github.previewRoleName] must be an IAM role name: 1 to 64 letters, digits or +=,.@_- (got 7).",
        '[github.stateBucket] must be an S3 bucket name (3 to 63 lowercase letters, digits, "." or "-"), without s3:// (got "s3://acme-pulumi-state").',
        '[github.secretsProviderKmsKeyArn] must be a KMS key ARN, arn:aws:kms:<region>:<account>:key/<key-id>; an alias ARN cannot grant kms:Decrypt (got "arn:aws:kms:us-east-1:123456789012:alias/pulumi").',
      ],
    );
  });

  it("requires a non-empty list of apply subjects", () => {
    const message = (v: string) =>
      `[github.applySubjects] must be a non-empty list of GitHub OIDC subjects, e.g. ["repo:acme/iam-key-rotation:environment:prod"] (got ${v}).`;
    assert.deepEqual(problemsOf({}), [message("undefined")]);
    assert.deepEqual(problemsOf({ applySubjects: [] }), [message("[]")]);
    assert.deepEqual(problemsOf({ applySubjects: APPLY }), [message(JSON.stringify(APPLY))]);
  });

  it("names the field of a bad preview subject", () => {
    assert.deepEqual(problemsOf({ applySubjects: [APPLY], previewSubjects: [PR, "*"] }), [
      '[github.previewSubjects[1]] must not be "*": every GitHub Actions workflow of every repository could assume the role.',
    ]);
  });

  it("rejects a section that is not an object", () => {
    assert.deepEqual(problemsOf([APPLY]), [
      `[github] must be an object with at least applySubjects (got ["${APPLY}"]).`,
    ]);
  });

  it("rejects role names that IAM would take as the same role", () => {
    assert.deepEqual(
      problemsOf({ applySubjects: [APPLY], applyRoleName: "CI", previewRoleName: "ci" }),
      [
        '[github.previewRoleName] must differ from [github.applyRoleName] (IAM role names are unique regardless of case; both "ci").',
      ],
    );
  });

  it("checks the state key prefix and that it comes with a bucket", () => {
    assert.deepEqual(problemsOf({ applySubjects: [APPLY], stateKeyPrefix: "pulumi/" }), [
      "[github.stateKeyPrefix] needs [github.stateBucket].",
    ]);
    assert.deepEqual(
      problemsOf({
        applySubjects: [APPLY],
        stateBucket: "acme-state",
        stateKeyPrefix: "/pulumi/*",
      }),
      [
        '[github.stateKeyPrefix] must be the state\'s key prefix inside the bucket, like "pulumi/" (no leading "/", no "*") (got "/pulumi/*").',
      ],
    );
  });

  it("accepts multi-region KMS keys", () => {
    const arn = "arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab";
    assert.equal(
      parse({ applySubjects: [APPLY], secretsProviderKmsKeyArn: arn }).secretsProviderKmsKeyArn,
      arn,
    );
  });

  describe("in the stack configuration", () => {
    const users = [{ name: "ci-deployer" }];

    it("is a known top-level setting, parsed into StackConfig.github", () => {
      assert.equal(CONFIG_KEYS.github, "structured");
      const config = parseStackConfig({ users, github: { applySubjects: [APPLY] } });
      assert.deepEqual(config.github, parse({ applySubjects: [APPLY] }));
      assert.equal("github" in parseStackConfig({ users }), false);
    });

    it("joins the other problems in one ConfigError", () => {
      assert.throws(
        () => parseStackConfig({ users: [], github: { applySubjects: ["*"] } }),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.deepEqual(err.problems, [
            '[github.applySubjects[0]] must not be "*": every GitHub Actions workflow of every repository could assume the role.',
            '[users] must be a non-empty list of users, e.g. [{ name: "ci-deployer" }] (got []).',
          ]);
          return true;
        },
      );
    });
  });

  describe("documentation", () => {
    it("the prod stack's example section parses", () => {
      assert.deepEqual(loadStack(ROOT, "prod").config.github, {
        applySubjects: ["repo:acme/iam-key-rotation:environment:prod"],
        previewSubjects: ["repo:acme/iam-key-rotation:pull_request"],
        applyRoleName: "key-rotation-github-apply",
        previewRoleName: "key-rotation-github-preview",
        stateBucket: "acme-pulumi-state",
        stateKeyPrefix: "",
        secretsProviderKmsKeyArn:
          "arn:aws:kms:us-east-1:123456789012:key/6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b",
      });
    });

    it("every github setting has a row in docs/configuration.md and Pulumi.yaml", () => {
      const reference = readFileSync(path.join(ROOT, "docs", "configuration.md"), "utf8");
      const project = readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
      for (const key of GITHUB_KEYS) {
        assert.match(reference, new RegExp(`^\\| \`github\\.${key}\` +\\|`, "m"), key);
        assert.match(project, new RegExp(`^#\\s+${key}:`, "m"), key);
      }
    });
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

describe("GithubOidcRole settings", () => {
  it("applies every default: no preview role without preview subjects, no compliance scope", () => {
    assert.deepEqual(githubOidcRoleSettings({ applySubjects: [APPLY_SUB], users: ["a"] }), {
      applySubjects: [APPLY_SUB],
      previewSubjects: [],
      providerArn: undefined,
      applyRoleName: "key-rotation-github-apply",
      previewRoleName: undefined,
      users: ["a"],
      path: "/key-rotation/",
      secretPrefix: "key-rotation/",
      policyArns: [],
      userTagKeys: [],
      stateBucket: undefined,
      stateKeyPrefix: "",
      secretsProviderKmsKeyArn: undefined,
      compliance: undefined,
      maxSessionDuration: 3600,
    });
  });

  it("names the preview role once there are preview subjects, and scopes compliance by default names", () => {
    const settings = githubOidcRoleSettings({
      applySubjects: [APPLY_SUB],
      previewSubjects: [PR_SUB],
      users: ["a"],
      compliance: true,
    });
    assert.equal(settings.previewRoleName, "key-rotation-github-preview");
    assert.deepEqual(settings.compliance, {
      componentName: "key-rotation-compliance",
      ruleName: "iam-key-rotation-access-keys-rotated",
      recorder: false,
      organization: false,
    });
    // A preview role name without preview subjects names nothing.
    assert.equal(
      githubOidcRoleSettings({
        applySubjects: [APPLY_SUB],
        previewRoleName: "acme-preview",
        users: ["a"],
      }).previewRoleName,
      undefined,
    );
  });

  it("keeps every value given, the compliance fields as one scope, and ignores them without compliance", () => {
    const given = {
      applySubjects: [APPLY_SUB],
      previewSubjects: [PR_SUB],
      providerArn: PROVIDER,
      applyRoleName: "acme-apply",
      previewRoleName: "acme-preview",
      users: ["b", "a"],
      path: "/ci/",
      secretPrefix: "ci/",
      policyArns: [S3RO, ECR],
      userTagKeys: ["team"],
      stateBucket: "acme-state",
      stateKeyPrefix: "infra/",
      secretsProviderKmsKeyArn: KMS_KEY,
      complianceComponentName: "acme-compliance",
      complianceRuleName: "acme-keys",
      complianceRecorder: true,
      complianceOrganization: true,
      maxSessionDuration: 7200,
    };
    const expected = {
      applySubjects: [APPLY_SUB],
      previewSubjects: [PR_SUB],
      providerArn: PROVIDER,
      applyRoleName: "acme-apply",
      previewRoleName: "acme-preview",
      users: ["b", "a"],
      path: "/ci/",
      secretPrefix: "ci/",
      policyArns: [S3RO, ECR],
      userTagKeys: ["team"],
      stateBucket: "acme-state",
      stateKeyPrefix: "infra/",
      secretsProviderKmsKeyArn: KMS_KEY,
      maxSessionDuration: 7200,
    };
    assert.deepEqual(githubOidcRoleSettings({ ...given, compliance: true }), {
      ...expected,
      compliance: {
        componentName: "acme-compliance",
        ruleName: "acme-keys",
        recorder: true,
        organization: true,
      },
    });
    assert.deepEqual(githubOidcRoleSettings({ ...given, compliance: false }), {
      ...expected,
      compliance: undefined,
    });
  });

  it("copies the lists it is given", () => {
    const users = ["a"];
    const settings = githubOidcRoleSettings({ applySubjects: [APPLY_SUB], users });
    users.push("b");
    assert.deepEqual(settings.users, ["a"]);
  });

  it("accepts valid arguments and the session limits", () => {
    for (const maxSessionDuration of [undefined, 3600, 43200]) {
      assert.deepEqual(
        validateGithubOidcRoleArgs({
          applySubjects: [APPLY_SUB],
          previewSubjects: [PR_SUB],
          users: ["a"],
          maxSessionDuration,
        }),
        [],
      );
    }
    assert.deepEqual(
      validateGithubOidcRoleArgs({
        applySubjects: [APPLY_SUB],
        users: ["a"],
        maxSessionDuration: 43201,
      }),
      ["[maxSessionDuration] must be an integer from 3600 to 43200 seconds (got 43201)."],
    );
  });
});
