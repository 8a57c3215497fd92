import * as assert from "node:assert/strict";
import {
  assessKey,
  DEFAULT_THRESHOLDS,
  SETUP_KEY_MINUTES,
  FAIL_ON,
  failsOn,
  KeyAssessment,
  KeyFacts,
  validateThresholds,
  Verdict,
  VERDICTS,
  wholeDaysBetween,
} from "../../../cli/audit/verdict";

const NOW = new Date("2026-11-22T12:00:00Z");
const DAY = 86_400_000;
/** A moment `days` days (may be fractional) before NOW. */
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

function key(over: Partial<KeyFacts> & { age: number; used?: number | null }): KeyFacts {
  return {
    status: over.status ?? "Active",
    createdAt: ago(over.age),
    lastUsedAt: over.used === undefined ? ago(0) : over.used === null ? null : ago(over.used),
    activeKeysOfUser: over.activeKeysOfUser ?? (over.status === "Inactive" ? 0 : 1),
  };
}

describe("audit verdict rules (cli/audit/verdict.ts)", () => {
  it("has the documented defaults and severity order", () => {
    assert.deepEqual(DEFAULT_THRESHOLDS, { maxAgeDays: 90, warnDays: 14, unusedDays: 45 });
    assert.deepEqual(VERDICTS, [
      "ok",
      "rotate-soon",
      "two-active",
      "unused",
      "setup-key",
      "stale",
      "root-key",
    ]);
    assert.deepEqual(FAIL_ON, [
      "rotate-soon",
      "two-active",
      "unused",
      "setup-key",
      "stale",
      "root-key",
      "never",
    ]);
    assert.equal(SETUP_KEY_MINUTES, 10);
  });

  // Defaults: max 90, warn 14, unused 45. `used`: days since last use (null: never).
  const cases: [string, Parameters<typeof key>[0], KeyAssessment][] = [
    [
      "a new Active key used today",
      { age: 0 },
      { ageDays: 0, verdict: "ok", findings: [], detail: "" },
    ],
    [
      "76 whole days: 15 days before stale, not yet rotate-soon",
      { age: 76.9 },
      { ageDays: 76, verdict: "ok", findings: [], detail: "" },
    ],
    [
      "77 days: stale in 14 days",
      { age: 77 },
      {
        ageDays: 77,
        verdict: "rotate-soon",
        findings: ["rotate-soon"],
        detail: "stale in 14 days",
      },
    ],
    [
      "90 days and 23 hours: still 90 whole days, stale in 1 day",
      { age: 90.99 },
      { ageDays: 90, verdict: "rotate-soon", findings: ["rotate-soon"], detail: "stale in 1 day" },
    ],
    [
      "91 days: stale",
      { age: 91 },
      {
        ageDays: 91,
        verdict: "stale",
        findings: ["stale"],
        detail: "Active 91 days, more than 90",
      },
    ],
    [
      "never used, 44 days old: not yet unused",
      { age: 44.5, used: null },
      { ageDays: 44, verdict: "ok", findings: [], detail: "" },
    ],
    [
      "never used, 45 days old: unused",
      { age: 45, used: null },
      { ageDays: 45, verdict: "unused", findings: ["unused"], detail: "never used in 45 days" },
    ],
    [
      "last used 44 days ago",
      { age: 60, used: 44.9 },
      { ageDays: 60, verdict: "ok", findings: [], detail: "" },
    ],
    [
      "last used 45 days ago",
      { age: 60, used: 45 },
      { ageDays: 60, verdict: "unused", findings: ["unused"], detail: "last used 45 days ago" },
    ],
    [
      "two Active keys",
      { age: 3, activeKeysOfUser: 2 },
      {
        ageDays: 3,
        verdict: "two-active",
        findings: ["two-active"],
        detail: "user has 2 Active keys",
      },
    ],
    [
      "rotate-soon and two Active keys: two-active wins",
      { age: 80, activeKeysOfUser: 2 },
      {
        ageDays: 80,
        verdict: "two-active",
        findings: ["two-active", "rotate-soon"],
        detail: "user has 2 Active keys; stale in 11 days",
      },
    ],
    [
      "stale, never used, two Active keys: every finding, most severe first",
      { age: 100, used: null, activeKeysOfUser: 2 },
      {
        ageDays: 100,
        verdict: "stale",
        findings: ["stale", "unused", "two-active"],
        detail: "Active 100 days, more than 90; never used in 100 days; user has 2 Active keys",
      },
    ],
    [
      "an Inactive key is ok whatever its age and use",
      { age: 400, used: null, status: "Inactive" },
      { ageDays: 400, verdict: "ok", findings: [], detail: "inactive" },
    ],
    [
      "created in the future (clock skew): age 0",
      { age: -2 },
      { ageDays: 0, verdict: "ok", findings: [], detail: "" },
    ],
    [
      "used in the future (clock skew): 0 days idle",
      { age: 50, used: -1 },
      { ageDays: 50, verdict: "ok", findings: [], detail: "" },
    ],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => {
      assert.deepEqual(assessKey(key(input), NOW, DEFAULT_THRESHOLDS), expected);
    });
  }

  describe("root-key (CIS 1.4): any key of the root user", () => {
    const root = (over: Partial<KeyFacts>): KeyFacts => ({
      ...key({ age: 3 }),
      root: true,
      ...over,
    });
    it("an Active root key, new and used today", () => {
      assert.deepEqual(assessKey(root({}), NOW, DEFAULT_THRESHOLDS), {
        ageDays: 3,
        verdict: "root-key",
        findings: ["root-key"],
        detail: "root user access key (CIS 1.4)",
      });
    });
    it("an Inactive root key is still a finding (and nothing else)", () => {
      assert.deepEqual(
        assessKey(
          root({ status: "Inactive", createdAt: ago(400), lastUsedAt: null, activeKeysOfUser: 0 }),
          NOW,
          DEFAULT_THRESHOLDS,
        ),
        {
          ageDays: 400,
          verdict: "root-key",
          findings: ["root-key"],
          detail: "root user access key, Inactive (CIS 1.4)",
        },
      );
    });
    it("an old unused Active root key: every finding, root-key first", () => {
      assert.deepEqual(
        assessKey(
          root({ createdAt: ago(200), lastUsedAt: ago(60), activeKeysOfUser: 2 }),
          NOW,
          DEFAULT_THRESHOLDS,
        ),
        {
          ageDays: 200,
          verdict: "root-key",
          findings: ["root-key", "stale", "unused", "two-active"],
          detail:
            "root user access key (CIS 1.4); Active 200 days, more than 90; last used 60 days ago; user has 2 Active keys",
        },
      );
    });
    it("a root key of unknown date: no age-based finding, and it says so", () => {
      assert.deepEqual(
        assessKey(root({ createdAt: null, lastUsedAt: null }), NOW, DEFAULT_THRESHOLDS),
        {
          ageDays: null,
          verdict: "root-key",
          findings: ["root-key"],
          detail: "root user access key, creation date unknown (CIS 1.4)",
        },
      );
    });
    it("a root key never becomes a setup-key (the root user has no password_enabled)", () => {
      const facts = root({ lastUsedAt: null, userCreatedAt: ago(3), passwordEnabled: true });
      assert.deepEqual(assessKey(facts, NOW, DEFAULT_THRESHOLDS).findings, ["root-key"]);
    });
  });

  describe("setup-key (CIS 1.11): a console user's key created at setup, never used", () => {
    const user = ago(100);
    const setup = (over: Partial<KeyFacts>): KeyFacts => ({
      status: "Active",
      createdAt: new Date(user.getTime() + 5_000),
      lastUsedAt: null,
      activeKeysOfUser: 1,
      userCreatedAt: user,
      passwordEnabled: true,
      ...over,
    });
    const minutes = (n: number) => new Date(user.getTime() + n * 60_000);
    it("created 5 s after the user, 100 days ago: setup-key, stale and unused", () => {
      assert.deepEqual(assessKey(setup({}), NOW, DEFAULT_THRESHOLDS), {
        ageDays: 99,
        verdict: "stale",
        findings: ["stale", "setup-key", "unused"],
        detail:
          "Active 99 days, more than 90; created at user setup, never used (CIS 1.11); never used in 99 days",
      });
    });
    it("a new one: setup-key from day 0, above unused and below stale", () => {
      const fresh = ago(0.5);
      assert.deepEqual(
        assessKey(setup({ userCreatedAt: fresh, createdAt: fresh }), NOW, DEFAULT_THRESHOLDS),
        {
          ageDays: 0,
          verdict: "setup-key",
          findings: ["setup-key"],
          detail: "created at user setup, never used (CIS 1.11)",
        },
      );
    });
    it("10 minutes after the user is setup; 10 minutes and 1 second is not", () => {
      const verdictAt = (at: Date) =>
        assessKey(setup({ createdAt: at }), NOW, DEFAULT_THRESHOLDS).findings.includes("setup-key");
      assert.equal(verdictAt(minutes(SETUP_KEY_MINUTES)), true);
      assert.equal(verdictAt(new Date(minutes(SETUP_KEY_MINUTES).getTime() + 1000)), false);
      // A report truncates times to the second: a key dated just before its user counts too.
      assert.equal(verdictAt(new Date(user.getTime() - 1000)), true);
    });
    it("not when used, Inactive, without a password, or when the password is unknown", () => {
      for (const over of [
        { lastUsedAt: ago(1) },
        { status: "Inactive" as const, activeKeysOfUser: 0 },
        { passwordEnabled: false },
        { passwordEnabled: null },
        { userCreatedAt: undefined },
      ]) {
        assert.ok(
          !assessKey(setup(over), NOW, DEFAULT_THRESHOLDS).findings.includes("setup-key"),
          JSON.stringify(over),
        );
      }
    });
  });

  it("applies other thresholds", () => {
    const t = { maxAgeDays: 30, warnDays: 0, unusedDays: 7 };
    assert.deepEqual(assessKey(key({ age: 30, used: 6.9 }), NOW, t), {
      ageDays: 30,
      verdict: "ok",
      findings: [],
      detail: "",
    });
    assert.deepEqual(assessKey(key({ age: 31, used: 7 }), NOW, t), {
      ageDays: 31,
      verdict: "stale",
      findings: ["stale", "unused"],
      detail: "Active 31 days, more than 30; last used 7 days ago",
    });
    // Singular days.
    const daily = { maxAgeDays: 30, warnDays: 0, unusedDays: 1 };
    assert.equal(assessKey(key({ age: 5, used: 1 }), NOW, daily).detail, "last used 1 day ago");
    assert.equal(assessKey(key({ age: 1, used: null }), NOW, daily).detail, "never used in 1 day");
    // warnDays = maxAgeDays: rotate-soon from day 1.
    assert.deepEqual(
      assessKey(key({ age: 1 }), NOW, { maxAgeDays: 30, warnDays: 30, unusedDays: 7 }).detail,
      "stale in 30 days",
    );
    assert.equal(
      assessKey(key({ age: 0 }), NOW, { maxAgeDays: 30, warnDays: 30, unusedDays: 7 }).verdict,
      "ok",
    );
  });

  it("whole days are floored and never negative", () => {
    assert.equal(wholeDaysBetween(ago(1.999), NOW), 1);
    assert.equal(wholeDaysBetween(ago(2), NOW), 2);
    assert.equal(wholeDaysBetween(ago(-5), NOW), 0);
  });

  it("--fail-on compares by severity; never never fails; ok never fails", () => {
    const table: [FailOn: (typeof FAIL_ON)[number], failing: Verdict[]][] = [
      ["rotate-soon", ["rotate-soon", "two-active", "unused", "setup-key", "stale", "root-key"]],
      ["two-active", ["two-active", "unused", "setup-key", "stale", "root-key"]],
      ["unused", ["unused", "setup-key", "stale", "root-key"]],
      ["setup-key", ["setup-key", "stale", "root-key"]],
      ["stale", ["stale", "root-key"]],
      ["root-key", ["root-key"]],
      ["never", []],
    ];
    for (const [failOn, failing] of table) {
      assert.deepEqual(
        VERDICTS.filter((v) => failsOn(v, failOn)),
        failing,
        `--fail-on ${failOn}`,
      );
    }
  });

  it("validates thresholds, naming each option", () => {
    assert.deepEqual(validateThresholds(DEFAULT_THRESHOLDS), []);
    assert.deepEqual(validateThresholds({ maxAgeDays: 0, warnDays: 0, unusedDays: 1 }), [
      "--max-age-days must be a whole number from 1 to 3650 (got 0).",
    ]);
    assert.deepEqual(validateThresholds({ maxAgeDays: 30, warnDays: 31, unusedDays: 0 }), [
      "--warn-days must be a whole number from 0 to --max-age-days (30) (got 31).",
      "--unused-days must be a whole number from 1 to 3650 (got 0).",
    ]);
  });
});
