/**
 * The `compliance` stack setting: defaults, every validation error word for word (through
 * parseStackConfig, as the program and the CLI see them), and the warnings for users whose
 * normal rotation the rule would report.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { loadStack } from "../../../cli/stackFile";
import {
  COMPLIANCE_KEYS,
  complianceWarnings,
  ComplianceSettings,
  validateComplianceSettings,
} from "../../../components/keyRotationCompliance/settings";
import { ConfigError, decodeProgramValue, parseStackConfig } from "../../../program/stackConfig";
import { ROOT } from "../../support/root";

const users = [{ name: "ci-deployer" }];

/** The problems parseStackConfig reports for a compliance section. */
function problemsOf(compliance: unknown, extra: Record<string, unknown> = {}): string[] {
  try {
    parseStackConfig({ users, compliance, ...extra });
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

const DEFAULTS: ComplianceSettings = {
  ruleName: "iam-key-rotation-access-keys-rotated",
  maxAccessKeyAge: 90,
  maximumExecutionFrequency: "TwentyFour_Hours",
  createRecorder: false,
  emails: [],
  organization: false,
  excludedAccounts: [],
};

const KNOWN =
  "(known: enabled, ruleName, maxAccessKeyAge, maximumExecutionFrequency, createRecorder, " +
  "emails, organization, excludedAccounts).";

describe("the compliance setting", () => {
  it("is off when absent", () => {
    assert.equal(parseStackConfig({ users }).compliance, undefined);
    assert.equal("compliance" in parseStackConfig({ users }), false);
  });

  it("is on with every default when present, maxAccessKeyAge following rotation.maxAgeDays", () => {
    assert.deepEqual(parseStackConfig({ users, compliance: {} }).compliance, DEFAULTS);
    assert.deepEqual(
      parseStackConfig({ users, compliance: { enabled: true }, rotation: { maxAgeDays: 60 } })
        .compliance,
      { ...DEFAULTS, maxAccessKeyAge: 60 },
    );
  });

  it("takes every setting", () => {
    const settings = {
      ruleName: "keys_rotated-30",
      maxAccessKeyAge: 30,
      maximumExecutionFrequency: "Six_Hours",
      createRecorder: true,
      emails: ["secops@example.com", "oncall+keys@corp.example.co.uk"],
      organization: true,
      excludedAccounts: ["111122223333", "012345678901"],
    };
    assert.deepEqual(parseStackConfig({ users, compliance: settings }).compliance, settings);
  });

  it("is off with enabled: false, and still checked", () => {
    assert.equal(parseStackConfig({ users, compliance: { enabled: false } }).compliance, undefined);
    assert.deepEqual(problemsOf({ enabled: false, emails: ["nobody"] }), [
      '[compliance.emails[0]] must be an email address like security@example.com (got "nobody").',
    ]);
  });

  it("arrives from Pulumi as JSON and is decoded", () => {
    assert.deepEqual(decodeProgramValue("compliance", '{"emails":["a@example.com"]}'), {
      emails: ["a@example.com"],
    });
  });

  const cases: [string, unknown, string[]][] = [
    [
      "not an object",
      42,
      [
        "[compliance] must be an object of compliance settings, e.g. { emails: [security@example.com] } (got 42).",
      ],
    ],
    [
      "a list",
      ["a@example.com"],
      [
        '[compliance] must be an object of compliance settings, e.g. { emails: [security@example.com] } (got ["a@example.com"]).',
      ],
    ],
    [
      "an unknown key",
      { email: "a@example.com" },
      [`[compliance.email] is not a known setting ${KNOWN}`],
    ],
    [
      "enabled not a boolean",
      { enabled: "yes" },
      ['[compliance.enabled] must be true or false (got "yes").'],
    ],
    [
      "maxAccessKeyAge 0",
      { maxAccessKeyAge: 0 },
      ["[compliance.maxAccessKeyAge] must be an integer from 1 to 365 (got 0)."],
    ],
    [
      "maxAccessKeyAge 366",
      { maxAccessKeyAge: 366 },
      ["[compliance.maxAccessKeyAge] must be an integer from 1 to 365 (got 366)."],
    ],
    [
      "maxAccessKeyAge not an integer",
      { maxAccessKeyAge: 1.5 },
      ["[compliance.maxAccessKeyAge] must be an integer from 1 to 365 (got 1.5)."],
    ],
    [
      "maxAccessKeyAge as a string",
      { maxAccessKeyAge: "90" },
      ['[compliance.maxAccessKeyAge] must be an integer from 1 to 365 (got "90").'],
    ],
    ...["One_Hour", "Three_Hours"].map((frequency): [string, unknown, string[]] => [
      `a frequency under six hours (${frequency})`,
      { maximumExecutionFrequency: frequency },
      [
        `[compliance.maximumExecutionFrequency] must be at least Six_Hours (got "${frequency}"): ` +
          "re-evaluating ACCESS_KEYS_ROTATED within 4 hours has no effect on its results, because " +
          "the IAM credential report behind it is regenerated at most every 4 hours.",
      ],
    ]),
    ...["Daily", "twentyfour_hours", 24].map((frequency): [string, unknown, string[]] => [
      `a frequency AWS does not accept (${JSON.stringify(frequency)})`,
      { maximumExecutionFrequency: frequency },
      [
        "[compliance.maximumExecutionFrequency] must be one of Six_Hours, Twelve_Hours, " +
          `TwentyFour_Hours (got ${JSON.stringify(frequency)}).`,
      ],
    ]),
    [
      "createRecorder not a boolean",
      { createRecorder: "true" },
      ['[compliance.createRecorder] must be true or false (got "true").'],
    ],
    [
      "organization not a boolean",
      { organization: 1 },
      ["[compliance.organization] must be true or false (got 1)."],
    ],
    [
      "an empty rule name",
      { ruleName: "" },
      ['[compliance.ruleName] must be 1 to 50 letters, digits, hyphens or underscores (got "").'],
    ],
    [
      "a rule name with a space",
      { ruleName: "keys rotated" },
      [
        '[compliance.ruleName] must be 1 to 50 letters, digits, hyphens or underscores (got "keys rotated").',
      ],
    ],
    [
      "a rule name too long for the EventBridge rule name",
      { ruleName: "r".repeat(51) },
      [
        `[compliance.ruleName] must be 1 to 50 letters, digits, hyphens or underscores (got "${"r".repeat(51)}").`,
      ],
    ],
    [
      "emails as a single string",
      { emails: "secops@example.com" },
      ['[compliance.emails] must be a list of email addresses (got "secops@example.com").'],
    ],
    [
      "bad email addresses",
      { emails: ["secops", "secops@example", "sec ops@example.com", 42] },
      [
        '[compliance.emails[0]] must be an email address like security@example.com (got "secops").',
        '[compliance.emails[1]] must be an email address like security@example.com (got "secops@example").',
        '[compliance.emails[2]] must be an email address like security@example.com (got "sec ops@example.com").',
        "[compliance.emails[3]] must be an email address like security@example.com (got 42).",
      ],
    ],
    [
      "the same address twice, regardless of case",
      { emails: ["SecOps@example.com", "secops@EXAMPLE.com"] },
      ['[compliance.emails] lists "secops@EXAMPLE.com" twice.'],
    ],
    [
      "excludedAccounts not a list",
      { organization: true, excludedAccounts: "111122223333" },
      [
        '[compliance.excludedAccounts] must be a list of 12-digit AWS account IDs (got "111122223333").',
      ],
    ],
    [
      "an account ID YAML read as a number, and a short one",
      { organization: true, excludedAccounts: [111122223333, "1234"] },
      [
        "[compliance.excludedAccounts[0]] must be a 12-digit AWS account ID written as a quoted " +
          'string, e.g. "111122223333" (got 111122223333).',
        "[compliance.excludedAccounts[1]] must be a 12-digit AWS account ID written as a quoted " +
          'string, e.g. "111122223333" (got "1234").',
      ],
    ],
    [
      "an account excluded twice",
      { organization: true, excludedAccounts: ["111122223333", "111122223333"] },
      ['[compliance.excludedAccounts] lists "111122223333" twice.'],
    ],
    [
      "more exclusions than AWS Config accepts",
      {
        organization: true,
        excludedAccounts: Array.from({ length: 1001 }, (_, i) => String(100000000000 + i)),
      },
      ["[compliance.excludedAccounts] lists 1001 accounts; AWS Config accepts at most 1000."],
    ],
    [
      "exclusions without organization mode",
      { excludedAccounts: ["111122223333"] },
      [
        "[compliance.excludedAccounts] only applies to an organization rule: set " +
          "[compliance.organization] to true, or remove the exclusions (an account rule covers " +
          "this account only).",
      ],
    ],
  ];
  for (const [what, compliance, expected] of cases) {
    it(`rejects ${what}`, () => {
      assert.deepEqual(problemsOf(compliance), expected);
    });
  }

  it("accepts the limits: a 50-character rule name, maxAccessKeyAge 1 and 365, 1000 exclusions", () => {
    assert.deepEqual(problemsOf({ ruleName: "r".repeat(50), maxAccessKeyAge: 1 }), []);
    assert.deepEqual(
      problemsOf({ maxAccessKeyAge: 365, maximumExecutionFrequency: "Twelve_Hours" }),
      [],
    );
    assert.deepEqual(
      problemsOf({
        organization: true,
        excludedAccounts: Array.from({ length: 1000 }, (_, i) => String(100000000000 + i)),
      }),
      [],
    );
  });

  it("reports compliance problems with every other problem, before anything runs", () => {
    assert.throws(
      () =>
        parseStackConfig({
          users,
          waitForNewKey: "no",
          compliance: { maxAccessKeyAge: 0, organisation: true },
        }),
      {
        name: "ConfigError",
        message:
          "Invalid stack configuration (3 problems); nothing was changed:\n" +
          '  - [waitForNewKey] must be true or false (got "no").\n' +
          `  - [compliance.organisation] is not a known setting ${KNOWN}\n` +
          "  - [compliance.maxAccessKeyAge] must be an integer from 1 to 365 (got 0).",
      },
    );
  });

  it("does not report a bad rotation.maxAgeDays a second time as maxAccessKeyAge", () => {
    assert.deepEqual(problemsOf({}, { rotation: { maxAgeDays: 400 } }), [
      "[rotation.maxAgeDays] must be an integer from 1 to 365 (got 400).",
    ]);
  });

  it("validates component settings with the same messages", () => {
    assert.deepEqual(validateComplianceSettings({ ...DEFAULTS, maxAccessKeyAge: 0 }), [
      "[compliance.maxAccessKeyAge] must be an integer from 1 to 365 (got 0).",
    ]);
    assert.deepEqual(validateComplianceSettings(DEFAULTS), []);
  });

  it("is set in the prod stack, and valid", () => {
    assert.deepEqual(loadStack(ROOT, "prod").config.compliance, {
      ...DEFAULTS,
      emails: ["security-alerts@example.com", "platform-oncall@example.com"],
    });
  });
});

describe("compliance warnings", () => {
  it("warns for each user whose keys stay Active longer than maxAccessKeyAge in normal rotation", () => {
    const config = parseStackConfig({
      users: [
        { name: "fast", rotation: { everyDays: 14, overlapDays: 2, maxAgeDays: 30 } },
        { name: "slow", rotation: { everyDays: 60, overlapDays: 14, maxAgeDays: 90 } },
        { name: "no-overlap", rotation: { everyDays: 30, overlapDays: 0, maxAgeDays: 31 } },
      ],
      compliance: { maxAccessKeyAge: 30 },
    });
    assert.deepEqual(complianceWarnings(config.compliance!, config.users), [
      '[compliance.maxAccessKeyAge] is 30, but user "slow" keeps a key Active up to 74 days in ' +
        "normal rotation (everyDays 60, overlapDays 14): AWS Config will report it NON_COMPLIANT " +
        "and page. Raise maxAccessKeyAge or shorten that user's rotation.",
      '[compliance.maxAccessKeyAge] is 30, but user "no-overlap" keeps a key Active up to 31 ' +
        "days in normal rotation (everyDays 30, overlapDays 0): AWS Config will report it " +
        "NON_COMPLIANT and page. Raise maxAccessKeyAge or shorten that user's rotation.",
    ]);
  });

  it("is quiet for the prod stack: its users rotate within maxAccessKeyAge", () => {
    const { config } = loadStack(ROOT, "prod");
    assert.deepEqual(complianceWarnings(config.compliance!, config.users), []);
  });
});

describe("the compliance setting's documentation", () => {
  it("has a docs/configuration.md row for every compliance key, and none for keys that do not exist", () => {
    const reference = readFileSync(path.join(ROOT, "docs", "configuration.md"), "utf8");
    const rows = [...reference.matchAll(/^\| `(compliance[^`]*)`\s*\|/gm)].map((m) => m[1]);
    assert.deepEqual(rows, ["compliance", ...COMPLIANCE_KEYS.map((k) => `compliance.${k}`)]);
  });

  it("is described, key by key, in Pulumi.yaml's comment block", () => {
    const project = readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
    const comments = project
      .split("\n")
      .filter((line) => line.startsWith("#"))
      .join("\n");
    const block = comments.split("compliance (object)")[1] ?? "";
    assert.deepEqual(
      COMPLIANCE_KEYS.filter((k) => !new RegExp(`^#\\s+${k}:`, "m").test(block)),
      [],
    );
  });
});
