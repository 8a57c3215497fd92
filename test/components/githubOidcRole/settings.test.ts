import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { loadStack } from "../../../cli/stackFile";
import { ConfigError, CONFIG_KEYS, parseStackConfig } from "../../../program/stackConfig";
import {
  checkSubject,
  GITHUB_KEYS,
  GithubConfig,
  githubConfigWarnings,
  githubLimitProblems,
  githubOidcRoleSettings,
  parseGithubConfig,
  managedUsers,
  validateGithubOidcRoleArgs,
} from "../../../components/githubOidcRole/settings";
import {
  policySize,
  usersPolicy,
  usersPolicyChunks,
  WORST_CASE_PLACE,
} from "../../../components/githubOidcRole/permissions";
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
    const PREVIEW = "repo:acme/iam-key-rotation:pull_request";
    const clash =
      '[github.previewRoleName] must differ from [github.applyRoleName] (IAM role names are unique regardless of case; both "ci").';
    assert.deepEqual(
      problemsOf({
        applySubjects: [APPLY],
        previewSubjects: [PREVIEW],
        applyRoleName: "CI",
        previewRoleName: "ci",
      }),
      [clash],
    );
    // The apply role named like the default preview role, with a preview role: a clash.
    assert.deepEqual(
      problemsOf({
        applySubjects: [APPLY],
        previewSubjects: [PREVIEW],
        applyRoleName: "key-rotation-github-preview",
      }),
      [
        '[github.previewRoleName] must differ from [github.applyRoleName] (IAM role names are unique regardless of case; both "key-rotation-github-preview").',
      ],
    );
    // Without previewSubjects (absent or empty) there is no preview role: nothing to clash with.
    assert.deepEqual(
      problemsOf({ applySubjects: [APPLY], applyRoleName: "key-rotation-github-preview" }),
      [],
    );
    assert.deepEqual(
      problemsOf({
        applySubjects: [APPLY],
        previewSubjects: [],
        applyRoleName: "key-rotation-github-preview",
      }),
      [],
    );
  });

  it("checks the state key prefix and that it comes with a bucket", () => {
    // "" is the documented default (the state at the bucket's root), so it may be written too.
    assert.deepEqual(
      problemsOf({ applySubjects: [APPLY], stateBucket: "acme-state", stateKeyPrefix: "" }),
      [],
    );
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
        previewSubjects: ["repo:acme/iam-key-rotation:environment:preview"],
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
    const needed = usersPolicyChunks(
      BASE,
      managedUsers(githubOidcRoleSettings({ applySubjects: [APPLY_SUB], users: many })),
      true,
    ).length;
    assert.ok(needed > 10);
    // The users that fit, counted one more at a time (the message finds them by bisection).
    let fits = 0;
    while (
      validateGithubOidcRoleArgs({ applySubjects: [APPLY_SUB], users: many.slice(0, fits + 1) })
        .length === 0
    ) {
      fits += 1;
    }
    assert.ok(fits > 0 && fits < 400, `${fits}`);
    assert.deepEqual(validateGithubOidcRoleArgs({ applySubjects: [APPLY_SUB], users: many }), [
      `[users] lists 400 users: their grants need ${needed} managed policies, more than the 10 ` +
        `IAM attaches to a role; split the users across stacks (the first ${fits} fit in one).`,
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
      userTags: {},
      userPolicyArns: {},
      userPaths: {},
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
      userTags: { a: { team: "data" } },
      userPolicyArns: { b: [S3RO, ECR] },
      userPaths: { a: "/legacy/" },
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
      userTags: { a: { team: "data" } },
      userPolicyArns: { b: [S3RO, ECR] },
      userPaths: { a: "/legacy/" },
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

  it("copies the lists and maps it is given", () => {
    const users = ["a"];
    const tags = { team: "data" };
    const arns = [S3RO];
    const settings = githubOidcRoleSettings({
      applySubjects: [APPLY_SUB],
      users,
      userTags: { a: tags },
      userPolicyArns: { a: arns },
    });
    users.push("b");
    tags.team = "other";
    arns.push(ECR);
    assert.deepEqual(settings.users, ["a"]);
    assert.deepEqual(settings.userTags, { a: { team: "data" } });
    assert.deepEqual(settings.userPolicyArns, { a: [S3RO] });
  });

  it("resolves each managed user: its own path or the stack's, its tags, its policies sorted once", () => {
    const settings = githubOidcRoleSettings({
      applySubjects: [APPLY_SUB],
      users: ["b", "a"],
      path: "/ci/",
      userTags: { b: { team: "data" } },
      userPolicyArns: { b: [S3RO, ECR, S3RO] },
      userPaths: { a: "/legacy/" },
    });
    assert.deepEqual(managedUsers(settings), [
      { name: "b", path: "/ci/", tags: { team: "data" }, policyArns: [ECR, S3RO] },
      { name: "a", path: "/legacy/", tags: {}, policyArns: [] },
    ]);
  });

  it("rejects per-user settings of a user it does not list", () => {
    assert.deepEqual(
      validateGithubOidcRoleArgs({
        applySubjects: [APPLY_SUB],
        users: ["a"],
        userTags: { b: { team: "x" } },
        userPolicyArns: { c: [S3RO] },
        userPaths: { d: "/x/" },
      }),
      [
        "[userTags.b] names a user that [users] does not list.",
        "[userPolicyArns.c] names a user that [users] does not list.",
        "[userPaths.d] names a user that [users] does not list.",
      ],
    );
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

describe("githubConfigWarnings", () => {
  it("warns, naming the field, when pull requests may assume the preview role", () => {
    const github = parse({
      applySubjects: [APPLY],
      previewSubjects: ["repo:acme/iam-key-rotation:environment:preview", PR],
    });
    assert.deepEqual(githubConfigWarnings(github), [
      "[github.previewSubjects[1]] is a pull_request subject: anyone who can push a branch to " +
        "acme/iam-key-rotation can run a workflow with the preview role, which reads every " +
        "published key and the stack's state. Put previews behind a GitHub environment with " +
        "required reviewers (repo:acme/iam-key-rotation:environment:preview) " +
        '(docs/keyless-ci.md, "What the preview role can read").',
    ]);
  });

  it("is silent for environment and branch subjects, and the parser still accepts the pull request subject", () => {
    assert.deepEqual(
      githubConfigWarnings(
        parse({
          applySubjects: [APPLY],
          previewSubjects: [
            "repo:acme/iam-key-rotation:environment:preview",
            "repo:acme/iam-key-rotation:ref:refs/heads/main",
          ],
        }),
      ),
      [],
    );
    assert.deepEqual(githubConfigWarnings(parse({ applySubjects: [APPLY] })), []);
    assert.deepEqual(problemsOf({ applySubjects: [APPLY], previewSubjects: [PR] }), []);
  });

  it("has nothing to say about the prod stack", () => {
    assert.deepEqual(githubConfigWarnings(loadStack(ROOT, "prod").config.github!), []);
  });
});

describe("githubLimitProblems", () => {
  const github = parse({
    applySubjects: [APPLY],
    previewSubjects: ["repo:acme/iam-key-rotation:environment:preview"],
  });
  const named = (n: number, length = 20) =>
    Array.from({ length: n }, (_, i) => ({
      name: `${String(i).padStart(4, "0")}${"x".repeat(60)}`.slice(0, length),
    }));

  it("accepts the prod stack", () => {
    const config = loadStack(ROOT, "prod").config;
    assert.deepEqual(githubLimitProblems({ ...config, github: config.github! }), []);
  });

  it("rejects more users than ten managed policies hold, naming [users]", () => {
    const users = named(400);
    const needed = usersPolicyChunks(
      BASE,
      users.map((u) => ({ ...u, path: "/key-rotation/", tags: {}, policyArns: [] })),
      true,
    ).length;
    assert.ok(needed > 10, `${needed}`);
    // 20-character names, no tags or policies: 70 fit (README, "Performance and scale").
    assert.deepEqual(githubLimitProblems({ github, users: named(70) }), []);
    assert.equal(githubLimitProblems({ github, users: named(71) }).length, 1);
    assert.deepEqual(githubLimitProblems({ github, users }), [
      `[users] lists 400 users: their grants need ${needed} managed policies, more than the 10 ` +
        "IAM attaches to a role; split the users across stacks (the first 70 fit in one).",
    ]);
  });

  it("counts each user's tags and policies: users that fit bare do not fit with many tags", () => {
    let fits = 1;
    while (githubLimitProblems({ github, users: named(fits + 1) }).length === 0) fits += 1;
    const tagged = named(fits).map((u) => ({
      ...u,
      tags: { team: "platform", consumer: `consumer-of-${u.name}` },
      policyArns: [ECR],
    }));
    assert.match(githubLimitProblems({ github, users: tagged })[0], /^\[users\] lists \d+ users/);
  });

  it("rejects a user whose grant alone outgrows a managed policy, naming its tags and policies", () => {
    const tags = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [`k${i}`.padEnd(128, "k"), "v".repeat(256)]),
    );
    const big = { name: "big", tags, policyArns: [ECR] };
    const size = policySize(
      usersPolicy(
        {
          ...WORST_CASE_PLACE,
          secretPrefix: "key-rotation/",
          users: [{ ...big, path: "/key-rotation/" }],
        },
        true,
      ),
    );
    assert.ok(size > 6144);
    assert.deepEqual(githubLimitProblems({ github, users: [{ name: "a" }, big] }), [
      `user "big": [users[1].tags] and [users[1].policyArns] make the apply role's grant for ` +
        `this user alone ${size.toLocaleString("en-US")} characters, more than the 6,144 of an ` +
        "IAM managed policy; use fewer or shorter tags and policies.",
    ]);
  });

  it("rejects more subjects than a trust policy holds, naming the field", () => {
    const envs = Array.from(
      { length: 45 },
      (_, i) => `repo:acme/iam-key-rotation:environment:env-${String(i).padStart(2, "0")}`,
    );
    assert.deepEqual(
      githubLimitProblems({ github: { ...github, applySubjects: envs }, users: [{ name: "a" }] }),
      [
        "[github.applySubjects] lists 45 subjects: the apply role's trust policy would have " +
          "2,533 characters, more than the 2,048 IAM allows; list fewer subjects (one " +
          "environment covers every branch allowed to deploy to it).",
      ],
    );
    assert.match(
      githubLimitProblems({
        github: { ...github, previewSubjects: envs },
        users: [{ name: "a" }],
      })[0],
      /^\[github\.previewSubjects\] lists 45 subjects: the preview role's trust policy/,
    );
  });

  it("sizes the inline policy with the stack's names, or the longest ones when unknown", () => {
    const stateKeyPrefix = `${"p".repeat(59)}/`.repeat(10);
    const state = { ...github, stateBucket: "acme-pulumi-state", stateKeyPrefix };
    const users = [{ name: "a" }];
    assert.deepEqual(
      githubLimitProblems({ github: state, users, project: "iam-key-rotation", stack: "prod" }),
      [],
    );
    assert.deepEqual(githubLimitProblems({ github: state, users }), [
      "[github.applyRoleName], [github.previewRoleName], [github.stateKeyPrefix] and the stack " +
        "name make the apply role's policy 11,193 characters, more than the 10,240 IAM allows " +
        "per role; shorten them.",
    ]);
  });

  it("reports through validateGithubOidcRoleArgs with the component's field names", () => {
    const tags = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [`k${i}`.padEnd(128, "k"), "v".repeat(256)]),
    );
    const [problem] = validateGithubOidcRoleArgs({
      applySubjects: [APPLY_SUB],
      users: ["big"],
      userTags: { big: tags },
    });
    assert.match(
      problem,
      /^\[userTags\.big\] and \[userPolicyArns\.big\] make the apply role's grant for this user alone [\d,]+ characters/,
    );
  });
});

describe("users per stack (docs/keyless-ci.md)", () => {
  const github = parse({ applySubjects: [APPLY], previewSubjects: [PR] });
  /** `n` users of names `length` long, without tags or policies. */
  const users = (n: number, length: number) =>
    Array.from({ length: n }, (_, i) => ({
      name: `${String(i).padStart(4, "0")}${"x".repeat(60)}`.slice(0, length),
    }));

  /** The most users of names `length` long a stack with default names holds. */
  function maxUsers(length: number): number {
    const fits = (n: number) =>
      githubLimitProblems({ github, users: users(n, length) }).length === 0;
    let lo = 1;
    let hi = 1000;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(mid)) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  it("states the maximum the limits allow, for the longest names and for 20-character names", () => {
    const text = readFileSync(path.join(ROOT, "docs", "keyless-ci.md"), "utf8").replace(
      /\s+/g,
      " ",
    );
    const stated =
      /at most \*\*(\d+) users\*\* whose names are 64 characters long.*?\*\*(\d+)\*\* with 20-character names/.exec(
        text,
      );
    assert.ok(stated, "the sentence is there");
    assert.deepEqual([Number(stated[1]), Number(stated[2])], [maxUsers(64), maxUsers(20)]);
  });

  it("quotes the problem a stack of 400 users gets, word for word", () => {
    const text = readFileSync(path.join(ROOT, "docs", "keyless-ci.md"), "utf8");
    const [problem] = githubLimitProblems({ github, users: users(400, 20) });
    assert.ok(text.includes(`\n${problem}\n`), problem);
  });
});
