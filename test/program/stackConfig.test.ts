import * as assert from "node:assert/strict";
import { ConfigError, decodeProgramValue, parseStackConfig } from "../../program/stackConfig";

/** The problems a config produces (every one), or [] when it parses. */
function problems(raw: Record<string, unknown>): readonly string[] {
  try {
    parseStackConfig(raw);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
}

const ok = { users: [{ name: "ci-deployer" }] };

describe("stack configuration", () => {
  it("fills every default", () => {
    assert.deepEqual(parseStackConfig(ok), {
      users: [
        {
          name: "ci-deployer",
          policyArns: [],
          rotation: { everyDays: 30, overlapDays: 7, maxAgeDays: 90 },
          tags: {},
          path: "/key-rotation/",
          rebuildRecord: false,
          selfRead: true,
        },
      ],
      rotation: { everyDays: 30, overlapDays: 7, maxAgeDays: 90 },
      path: "/key-rotation/",
      secretPrefix: "key-rotation/",
      waitForNewKey: true,
      selfRead: true,
    });
  });

  it("reads adoption, a user's own path, self-read and rebuildRecord", () => {
    const config = parseStackConfig({
      selfRead: false,
      users: [
        { name: "a", adopt: true, path: "/legacy/" },
        { name: "b", adopt: { deleteInactiveKey: true }, selfRead: true },
        { name: "c", rebuildRecord: true, adopt: false },
      ],
    });
    assert.deepEqual(
      config.users.map((u) => [u.name, u.path, u.adopt, u.selfRead, u.rebuildRecord]),
      [
        ["a", "/legacy/", { deleteInactiveKey: false }, false, false],
        ["b", "/key-rotation/", { deleteInactiveKey: true }, true, false],
        ["c", "/key-rotation/", undefined, false, true],
      ],
    );
    assert.equal(config.selfRead, false);
  });

  it("keeps a user's revocation date", () => {
    assert.equal(
      parseStackConfig({ users: [{ name: "ci", revokeIssuedBefore: "2026-11-22" }] }).users[0]
        .revokeIssuedBefore,
      "2026-11-22",
    );
    assert.equal("revokeIssuedBefore" in parseStackConfig(ok).users[0], false);
  });

  it("merges a user's rotation over the stack's", () => {
    const config = parseStackConfig({
      rotation: { everyDays: 45, maxAgeDays: 60 },
      users: [{ name: "a" }, { name: "b", rotation: { overlapDays: 2 } }],
    });
    assert.deepEqual(config.rotation, { everyDays: 45, overlapDays: 7, maxAgeDays: 60 });
    assert.deepEqual(config.users[1].rotation, { everyDays: 45, overlapDays: 2, maxAgeDays: 60 });
  });

  const cases: [string, Record<string, unknown>, string[]][] = [
    [
      "no users",
      {},
      [
        '[users] must be a non-empty list of users, e.g. [{ name: "ci-deployer" }] (got undefined).',
      ],
    ],
    [
      "an empty list",
      { users: [] },
      ['[users] must be a non-empty list of users, e.g. [{ name: "ci-deployer" }] (got []).'],
    ],
    [
      "users not a list",
      { users: "ci" },
      ['[users] must be a non-empty list of users, e.g. [{ name: "ci-deployer" }] (got "ci").'],
    ],
    [
      "a user that is not an object",
      { users: ["ci"] },
      ['[users[0]] must be an object with at least a name (got "ci").'],
    ],
    [
      "an invalid IAM user name",
      { users: [{ name: "ci deployer" }] },
      [
        '[users[0].name] must be an IAM user name: 1 to 64 letters, digits or +=,.@_- (got "ci deployer").',
      ],
    ],
    [
      "a user name over 64 characters",
      { users: [{ name: "u".repeat(65) }] },
      [
        `[users[0].name] must be an IAM user name: 1 to 64 letters, digits or +=,.@_- (got "${"u".repeat(65)}").`,
      ],
    ],
    [
      "duplicate users, whatever the case",
      { users: [{ name: "ci" }, { name: "CI" }] },
      [
        'user "CI": [users[1].name] duplicates [users[0].name] (IAM user names are unique regardless of case).',
      ],
    ],
    [
      "everyDays out of range",
      { users: [{ name: "ci", rotation: { everyDays: 400, maxAgeDays: 365 } }] },
      ['user "ci": [users[0].rotation.everyDays] must be an integer from 1 to 365 (got 400).'],
    ],
    [
      "everyDays not an integer",
      { rotation: { everyDays: 7.5 }, users: [{ name: "ci" }] },
      ["[rotation.everyDays] must be an integer from 1 to 365 (got 7.5)."],
    ],
    [
      "keys with no value (YAML's null), at every depth: each named once, never read as a default",
      {
        path: null,
        compliance: null,
        users: [
          { name: "a", revokeIssuedBefore: null, tags: { team: null } },
          { name: "b", rotation: { everyDays: null }, adopt: null },
        ],
      },
      [
        "[path] has no value (null): give it one, or leave the key out.",
        "[compliance] has no value (null): give it one, or leave the key out.",
        'user "a": [users[0].revokeIssuedBefore] has no value (null): give it one, or leave the key out.',
        'user "a": [users[0].tags.team] has no value (null): give it one, or leave the key out.',
        'user "b": [users[1].rotation.everyDays] has no value (null): give it one, or leave the key out.',
        'user "b": [users[1].adopt] has no value (null): give it one, or leave the key out.',
      ],
    ],
    [
      "a bad or duplicate name: the rest of the entry is still checked",
      {
        users: [
          { name: "ci" },
          { name: "CI", rotation: { everyDays: 0 }, tags: 5 },
          { name: "bad name!", selfRead: "yes", path: null },
        ],
      },
      [
        // Keys with no value are found first, in one pass over the whole stack.
        "[users[2].path] has no value (null): give it one, or leave the key out.",
        'user "CI": [users[1].name] duplicates [users[0].name] (IAM user names are unique regardless of case).',
        'user "CI": [users[1].rotation.everyDays] must be an integer from 1 to 365 (got 0).',
        'user "CI": [users[1].tags] must be a map of tag names to values (got 5).',
        '[users[2].name] must be an IAM user name: 1 to 64 letters, digits or +=,.@_- (got "bad name!").',
        '[users[2].selfRead] must be true or false (got "yes").',
      ],
    ],
    [
      "a misspelt key with no value: named as unknown, not as empty",
      { users: [{ name: "a", revokeIssuedBfore: null }], secretprefix: null },
      [
        "[secretprefix] is not a known setting of iam-key-rotation (known: users, rotation, path, secretPrefix, waitForNewKey, selfRead, compliance, github).",
        'user "a": [users[0].revokeIssuedBfore] is not a known setting (known: name, policyArns, rotation, tags, revokeIssuedBefore, path, adopt, selfRead, rebuildRecord).',
      ],
    ],
    [
      "a value of the wrong shape holding a null: quoted as written",
      { users: { a: null } },
      [
        '[users] must be a non-empty list of users, e.g. [{ name: "ci-deployer" }] (got {"a":null}).',
      ],
    ],
    [
      "the CI's applySubjects with no value: its own check names it, once",
      { users: [{ name: "a" }], github: { applySubjects: null } },
      [
        '[github.applySubjects] must be a non-empty list of GitHub OIDC subjects, e.g. ["repo:acme/iam-key-rotation:environment:prod"] (got null).',
      ],
    ],
    [
      "two users' policy attachments that would share a name (a child's URN does not hold its parent's name)",
      {
        users: [
          { name: "a", policyArns: ["arn:aws:iam::aws:policy/x-aws-y"] },
          { name: "b", policyArns: ["arn:aws:iam::aws:policy/x-aws-y"] },
          {
            name: "a-aws-x",
            policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/y"],
          },
        ],
      },
      [
        'user "a-aws-x": [users[2].policyArns[1]] "arn:aws:iam::aws:policy/y" would name its attachment "a-aws-x-aws-y", as [users[0].policyArns[0]] "arn:aws:iam::aws:policy/x-aws-y" of user "a" does: two resources of one type cannot share a name in a stack. Manage one of these users in another stack.',
      ],
    ],
    [
      "a stateBucket with no value beside a stateKeyPrefix: one mistake, one problem",
      {
        users: [{ name: "a" }],
        github: {
          applySubjects: ["repo:acme/x:environment:prod"],
          stateBucket: null,
          stateKeyPrefix: "pulumi/",
        },
      },
      ["[github.stateBucket] has no value (null): give it one, or leave the key out."],
    ],
    [
      "a stateKeyPrefix without any stateBucket: named",
      {
        users: [{ name: "a" }],
        github: { applySubjects: ["repo:acme/x:environment:prod"], stateKeyPrefix: "pulumi/" },
      },
      ["[github.stateKeyPrefix] needs [github.stateBucket]."],
    ],
    [
      "a required key with no value: its own check names it, once",
      { users: [{ name: null }, { name: "b", policyArns: [null] }] },
      [
        "[users[0].name] must be an IAM user name: 1 to 64 letters, digits or +=,.@_- (got null).",
        'user "b": [users[1].policyArns[0]] must be an IAM policy ARN like arn:aws:iam::aws:policy/ReadOnlyAccess (got null).',
      ],
    ],
    [
      "a value nested 100,000 deep (a JSON string can hold one): a message, not a stack overflow",
      {
        users: [{ name: "ci" }],
        rotation: JSON.parse("[".repeat(100_000) + "]".repeat(100_000)) as unknown,
        github: JSON.parse('{"a":'.repeat(17) + "1" + "}".repeat(17)) as unknown,
        compliance: JSON.parse('{"a":'.repeat(15) + "1" + "}".repeat(15)) as unknown,
      },
      [
        "[rotation] is nested more than 16 levels deep; no setting is.",
        "[github] is nested more than 16 levels deep; no setting is.",
        // 16 deep is read, and refused for what it holds.
        "[compliance.a] is not a known setting (known: enabled, ruleName, maxAccessKeyAge, maximumExecutionFrequency, createRecorder, emails, organization, excludedAccounts).",
      ],
    ],
    [
      "an infinite number inside a value of the wrong shape: shown as it is",
      { users: [{ name: "ci", policyArns: { a: Infinity, b: [-Infinity, NaN] } }] },
      [
        'user "ci": [users[0].policyArns] must be a list of IAM policy ARNs (got {"a":Infinity,"b":[-Infinity,NaN]}).',
      ],
    ],
    [
      "everyDays infinite (YAML's .inf), shown as it is, not as JSON's null",
      { rotation: { everyDays: Infinity }, users: [{ name: "ci" }] },
      ["[rotation.everyDays] must be an integer from 1 to 365 (got Infinity)."],
    ],
    [
      "overlapDays negative",
      { users: [{ name: "ci", rotation: { overlapDays: -2 } }] },
      ['user "ci": [users[0].rotation.overlapDays] must be an integer of 0 or more (got -2).'],
    ],
    [
      "overlapDays not below everyDays",
      { users: [{ name: "ci", rotation: { everyDays: 7, overlapDays: 7 } }] },
      [
        'user "ci": [users[0].rotation.overlapDays] must be smaller than [users[0].rotation.everyDays] (got 7 and 7).',
      ],
    ],
    [
      "maxAgeDays below everyDays + overlapDays",
      { rotation: { everyDays: 85 }, users: [{ name: "ci" }] },
      [
        "[rotation.maxAgeDays] must be at least [rotation.everyDays] + [rotation.overlapDays] = 92, or a key outlives it (got 90).",
      ],
    ],
    [
      "a bad path",
      { path: "key-rotation", users: [{ name: "ci" }] },
      [
        '[path] must be an IAM path that starts and ends with "/" (e.g. "/key-rotation/") (got "key-rotation").',
      ],
    ],
    [
      "a path with a space",
      { path: "/key rotation/", users: [{ name: "ci" }] },
      [
        '[path] must be an IAM path that starts and ends with "/" (e.g. "/key-rotation/") (got "/key rotation/").',
      ],
    ],
    [
      "a bad secret prefix",
      { secretPrefix: "keys rotation/", users: [{ name: "ci" }] },
      [
        '[secretPrefix] must be a non-empty Secrets Manager name prefix of letters, digits and /_+=.@- (got "keys rotation/").',
      ],
    ],
    [
      "a bad policy ARN",
      {
        users: [
          { name: "ci", policyArns: ["ReadOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"] },
        ],
      },
      [
        'user "ci": [users[0].policyArns[0]] must be an IAM policy ARN like arn:aws:iam::aws:policy/ReadOnlyAccess (got "ReadOnlyAccess").',
      ],
    ],
    [
      "a role ARN where a policy ARN goes",
      { users: [{ name: "ci", policyArns: ["arn:aws:iam::123456789012:role/deploy"] }] },
      [
        'user "ci": [users[0].policyArns[0]] must be an IAM policy ARN like arn:aws:iam::aws:policy/ReadOnlyAccess (got "arn:aws:iam::123456789012:role/deploy").',
      ],
    ],
    [
      "a policy listed twice",
      {
        users: [
          {
            name: "ci",
            policyArns: [
              "arn:aws:iam::aws:policy/ReadOnlyAccess",
              "arn:aws:iam::aws:policy/ReadOnlyAccess",
            ],
          },
        ],
      },
      ['user "ci": [users[0].policyArns] lists "arn:aws:iam::aws:policy/ReadOnlyAccess" twice.'],
    ],
    [
      "policyArns not a list",
      { users: [{ name: "ci", policyArns: "arn:aws:iam::aws:policy/ReadOnlyAccess" }] },
      [
        'user "ci": [users[0].policyArns] must be a list of IAM policy ARNs (got "arn:aws:iam::aws:policy/ReadOnlyAccess").',
      ],
    ],
    [
      "a reserved tag",
      { users: [{ name: "ci", tags: { "key-rotation:current": "green" } }] },
      [
        'user "ci": [users[0].tags.key-rotation:current] uses a reserved prefix (key-rotation: or aws:).',
      ],
    ],
    [
      "a reserved tag in other case (IAM tag names ignore case)",
      { users: [{ name: "ci", tags: { "Key-Rotation:Current": "green" } }] },
      [
        'user "ci": [users[0].tags.Key-Rotation:Current] uses a reserved prefix (key-rotation: or aws:).',
      ],
    ],
    [
      "two tags whose names differ only in case",
      { users: [{ name: "ci", tags: { Team: "a", team: "b" } }] },
      [
        'user "ci": [users[0].tags] has the tags "Team" and "team": IAM does not tell tag names apart by case, so one would replace the other.',
      ],
    ],
    [
      "a user name with a comma (IAM allows it; a secret name does not)",
      { users: [{ name: "ok" }, { name: "a,b" }] },
      [
        '[users[1].name] "a,b" makes the secret name "key-rotation/a,b", which Secrets Manager does not allow: letters, digits and /_+=.@- only.',
      ],
    ],
    [
      "a secret name over 512 characters",
      { secretPrefix: `${"p".repeat(460)}/`, users: [{ name: "x".repeat(60) }] },
      [
        `[users[0].name] "${"x".repeat(60)}" makes the secret name 521 characters long ([secretPrefix] "${"p".repeat(460)}/" and the name); Secrets Manager allows at most 512.`,
      ],
    ],
    [
      "more managed policies than IAM attaches to a user",
      {
        users: [
          {
            name: "ci",
            policyArns: Array.from(
              { length: 21 },
              (_, j) => `arn:aws:iam::123456789012:policy/p${j}`,
            ),
          },
        ],
      },
      [
        'user "ci": [users[0].policyArns] lists 21 policies; IAM attaches at most 20 managed policies to a user (10 unless the account\'s quota was raised).',
      ],
    ],
    [
      "a policy ARN without a name",
      { users: [{ name: "ci", policyArns: ["arn:aws:iam::123456789012:policy/team/"] }] },
      [
        'user "ci": [users[0].policyArns[0]] must be an IAM policy ARN like arn:aws:iam::aws:policy/ReadOnlyAccess (got "arn:aws:iam::123456789012:policy/team/").',
      ],
    ],
    [
      "a tag value that is not a string",
      { users: [{ name: "ci", tags: { cost: 12 } }] },
      ['user "ci": [users[0].tags.cost] must be a string of at most 256 characters (got 12).'],
    ],
    [
      "an unknown top-level key",
      { users: [{ name: "ci" }], rotate: true },
      [
        "[rotate] is not a known setting of iam-key-rotation (known: users, rotation, path, secretPrefix, waitForNewKey, selfRead, compliance, github).",
      ],
    ],
    [
      "an unknown user key",
      { users: [{ name: "ci", group: "admins" }] },
      [
        'user "ci": [users[0].group] is not a known setting (known: name, policyArns, rotation, tags, revokeIssuedBefore, path, adopt, selfRead, rebuildRecord).',
      ],
    ],
    [
      "an unknown rotation key",
      { rotation: { every: 30 }, users: [{ name: "ci" }] },
      ["[rotation.every] is not a known setting (known: everyDays, overlapDays, maxAgeDays)."],
    ],
    [
      "rotation not an object",
      { rotation: 30, users: [{ name: "ci" }] },
      ["[rotation] must be an object with everyDays, overlapDays, maxAgeDays (got 30)."],
    ],
    [
      "a revocation date that is not a date",
      { users: [{ name: "ci", revokeIssuedBefore: "yesterday" }] },
      [
        'user "ci": [users[0].revokeIssuedBefore] must be a date written YYYY-MM-DD (got "yesterday").',
      ],
    ],
    [
      "a path with a wildcard",
      { path: "/key-rotation/*/", users: [{ name: "ci" }] },
      [
        '[path] must not contain "*" or "?": the CI roles\' grants use the path in ARN patterns, where these are wildcards that reach other users (got "/key-rotation/*/").',
      ],
    ],
    [
      "a user's path with a wildcard",
      { users: [{ name: "ci", path: "/team?/" }] },
      [
        'user "ci": [users[0].path] must not contain "*" or "?": the CI roles\' grants use the path in ARN patterns, where these are wildcards that reach other users (got "/team?/").',
      ],
    ],
    [
      "two policies whose attachments would get the same name",
      {
        users: [
          {
            name: "ci",
            policyArns: [
              "arn:aws:iam::123456789012:policy/a/deploy",
              "arn:aws:iam::123456789012:policy/b/deploy",
            ],
          },
        ],
      },
      [
        'user "ci": [users[0].policyArns] lists "arn:aws:iam::123456789012:policy/a/deploy" and "arn:aws:iam::123456789012:policy/b/deploy": policies of the same owner and name, whose attachments would both be named "ci-123456789012-deploy".',
      ],
    ],
    [
      "a tag name IAM rejects",
      { users: [{ name: "ci", tags: { "cost#center": "x" } }] },
      [
        'user "ci": [users[0].tags.cost#center] tag names may hold only letters, digits, spaces and _.:/=+-@ (IAM and Secrets Manager reject the others).',
      ],
    ],
    [
      "a tag value IAM rejects",
      { users: [{ name: "ci", tags: { team: "data & bi" } }] },
      [
        'user "ci": [users[0].tags.team] tag values may hold only letters, digits, spaces and _.:/=+-@ (got "data & bi").',
      ],
    ],
    [
      "more tags than fit beside the record",
      {
        users: [
          {
            name: "ci",
            tags: Object.fromEntries(Array.from({ length: 43 }, (_, i) => [`t${i}`, "x"])),
          },
        ],
      },
      ['user "ci": [users[0].tags] has 43 tags; at most 42 fit beside the rotation record.'],
    ],
    [
      "adopt of the wrong type",
      { users: [{ name: "ci", adopt: "yes" }] },
      [
        'user "ci": [users[0].adopt] must be true, false or { deleteInactiveKey: true } (got "yes").',
      ],
    ],
    [
      "an unknown adopt key",
      { users: [{ name: "ci", adopt: { deleteInactive: true } }] },
      [
        'user "ci": [users[0].adopt.deleteInactive] is not a known setting (known: deleteInactiveKey).',
      ],
    ],
    [
      "rebuildRecord with adopt",
      { users: [{ name: "ci", adopt: true, rebuildRecord: true }] },
      [
        'user "ci": [users[0].rebuildRecord] cannot be used with [users[0].adopt]: adoption writes the first record.',
      ],
    ],
    [
      "selfRead not a boolean",
      { selfRead: "no", users: [{ name: "ci", selfRead: 0 }] },
      [
        '[selfRead] must be true or false (got "no").',
        'user "ci": [users[0].selfRead] must be true or false (got 0).',
      ],
    ],
    [
      "waitForNewKey not a boolean",
      { waitForNewKey: "yes", users: [{ name: "ci" }] },
      ['[waitForNewKey] must be true or false (got "yes").'],
    ],
  ];
  for (const [title, raw, expected] of cases) {
    it(`rejects ${title}`, () => assert.deepEqual(problems(raw), expected));
  }

  it("reports every problem at once, in one error that says nothing was changed", () => {
    try {
      parseStackConfig({
        path: "x",
        users: [{ name: "ci", rotation: { everyDays: 0 } }, { name: "ci" }],
      });
      assert.fail("expected a ConfigError");
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(
        err.message,
        "Invalid stack configuration (3 problems); nothing was changed:\n" +
          '  - [path] must be an IAM path that starts and ends with "/" (e.g. "/key-rotation/") (got "x").\n' +
          '  - user "ci": [users[0].rotation.everyDays] must be an integer from 1 to 365 (got 0).\n' +
          '  - user "ci": [users[1].name] duplicates [users[0].name] (IAM user names are unique regardless of case).',
      );
    }
  });

  it("decodes values the way Pulumi hands them to a program", () => {
    assert.deepEqual(decodeProgramValue("users", '[{"name":"ci"}]'), [{ name: "ci" }]);
    assert.equal(decodeProgramValue("path", "/x/"), "/x/");
    assert.equal(decodeProgramValue("waitForNewKey", "false"), false);
    assert.equal(decodeProgramValue("waitForNewKey", "maybe"), "maybe");
    assert.equal(decodeProgramValue("users", "not json"), "not json");
  });
});
