import * as assert from "node:assert/strict";
import { accessKeyMaxAge } from "../../policies/accessKeyMaxAge";
import { messages, runStack } from "../support/policyHarness";
import {
  ACCESS_KEY,
  adoptedUserStack,
  AS_OF,
  deployedUserStack,
  LEGACY_KEY_ID,
  named,
  stateOf,
  STACK_URN,
  UNKNOWN_STRING,
  withKey,
  withRecord,
  withRotation,
} from "./fixtures";

const ROTATE =
  "Rotate it before deploying: for a RotatedKeyUser key, find out why the daily `pulumi up` " +
  "has not re-issued it (failing runs, rotation.everyDays); for any other key, issue a new " +
  "one, move its consumers and deactivate this one.";
const GREEN = 'Access key "ci-green" (AKIAGREEN00000000001) of IAM user "ci-deployer"';
const BLUE = 'Access key "ci-blue" (AKIABLUE000000000001) of IAM user "ci-deployer"';
const GREEN_URN =
  "urn:pulumi:test::iam-key-rotation::iam-key-rotation:index:RotatedKeyUser$aws:iam/accessKey:AccessKey::ci-green";
const LEGACY = `Access key "legacy-blue" (${LEGACY_KEY_ID}) of IAM user "legacy-app"`;

const stale = (label: string, age: number, created: string, maximum = "the 90-day maximum") =>
  `${label} is Active and ${age} days old (created ${created}), over ${maximum}, and this ` +
  `update does not replace it. ${ROTATE}`;
const unreadable = (label: string, text: string, maximum = "the 90-day maximum") =>
  `${label} is Active and its creation date cannot be read (createDate is ${text}), so its age ` +
  `is unknown and it counts as older than ${maximum}, and this update does not replace it. Run ` +
  `\`pulumi refresh\` to read the key's CreateDate from IAM again. ${ROTATE}`;
const adopted = (missing: string) =>
  `${LEGACY} is the key this stack adopted (it existed before the stack took the user over) ` +
  `and is Active and 266 days old (created 2026-03-01), over the 90-day maximum, with no ` +
  `replacement planned: ${missing}. An adopted key stays Active only through the update that ` +
  "issues its replacement and the overlap after it. Let the daily `pulumi up` rotate it away " +
  "(it does so on its first run after the adoption), or find out why it does not (failing " +
  "runs, an edited key-rotation:* tag record).";
const pastAsOf = (asOf: string) =>
  `The \`asOf\` setting of iam-access-key-max-age is ${asOf}, earlier than today (2026-11-22): ` +
  "keys judged as of a past day look younger than they are, so a past asOf is not accepted. " +
  "Remove asOf from this policy's config, or set it to today or a later day. Keys were judged " +
  "as of today.";

describe("policy iam-access-key-max-age", () => {
  const config = { "iam-access-key-max-age": AS_OF };
  const run = (resources = deployedUserStack(), extra: Record<string, unknown> = {}) =>
    runStack(accessKeyMaxAge, resources, {
      config: { "iam-access-key-max-age": { ...AS_OF, ...extra } },
    });

  it("passes the deployed fixture (Active key 21 days old, Inactive key 51)", async () => {
    const outcome = await runStack(accessKeyMaxAge, deployedUserStack(), { config });
    assert.deepEqual(outcome, {
      enforcementLevel: "mandatory",
      violations: [],
      notApplicable: [],
      cannotRun: [],
    });
  });

  it("blocks an Active key older than 90 days that this update keeps", async () => {
    const resources = withKey("ci-green", { createDate: "2026-08-23T06:00:00Z" });
    const outcome = await runStack(accessKeyMaxAge, resources, { config });
    assert.deepEqual(outcome.violations, [
      {
        policyName: "iam-access-key-max-age",
        message: stale(GREEN, 91, "2026-08-23"),
        rendered:
          "Active IAM access keys must be younger than the maximum age, unless this update replaces them or rotates them away.\n" +
          stale(GREEN, 91, "2026-08-23"),
        urn: GREEN_URN,
        enforcementLevel: "mandatory",
      },
    ]);
  });

  it("allows a key exactly 90 days old", async () => {
    const resources = withKey("ci-green", { createDate: "2026-08-24T23:59:59Z" });
    assert.deepEqual(messages(await runStack(accessKeyMaxAge, resources, { config })), []);
  });

  it("ignores an old key that is Inactive", async () => {
    const resources = withKey("ci-blue", { createDate: "2025-01-01T00:00:00Z" });
    assert.deepEqual(messages(await runStack(accessKeyMaxAge, resources, { config })), []);
  });

  it("never reports a key this update replaces (createDate and id unknown at preview)", async () => {
    const resources = withKey("ci-green", { createDate: UNKNOWN_STRING, id: UNKNOWN_STRING });
    const outcome = await runStack(accessKeyMaxAge, resources, { config });
    assert.deepEqual(outcome.violations, []);
    assert.deepEqual(outcome.cannotRun, []);
  });

  it("lets through the update that rotates a stale key away (its other slot is re-issued and becomes current)", async () => {
    // Runs were missed for months: this preview re-issues blue, which becomes current, and green
    // goes Inactive after the overlap. Blocking it would block the recovery.
    const resources = withRecord({
      current: "blue",
      slots: { blue: { issuedOn: "2026-11-22" }, green: { issuedOn: "2026-08-23" } },
      previousActiveUntil: "2026-11-29",
      publishedOn: "2026-11-22",
    });
    Object.assign(named(resources, "ci-green").props, { createDate: "2026-08-23T06:00:00Z" });
    Object.assign(named(resources, "ci-blue").props, {
      createDate: UNKNOWN_STRING,
      id: UNKNOWN_STRING,
      status: "Active",
    });
    const outcome = await runStack(accessKeyMaxAge, resources, { config });
    assert.deepEqual(outcome.violations, []);
    assert.deepEqual(outcome.cannotRun, []);
  });

  it("blocks a stale key whose other slot is re-issued while the record keeps the stale key current", async () => {
    // Re-issuing the idle slot without rotating away from the stale key leaves it Active.
    const resources = withKey("ci-green", { createDate: "2026-08-23T06:00:00Z" });
    Object.assign(named(resources, "ci-blue").props, {
      createDate: UNKNOWN_STRING,
      id: UNKNOWN_STRING,
      status: "Active",
    });
    assert.deepEqual(messages(await runStack(accessKeyMaxAge, resources, { config })), [
      stale(GREEN, 91, "2026-08-23"),
    ]);
  });

  it("blocks a stale key this update re-activates: at preview it is planned Active with its old createDate", async () => {
    // The previous key (Inactive, 112 days old) is turned back on in place. The engine sends no
    // old state, so this is the same picture as a key that stayed Active: blocked as stale.
    const resources = withKey("ci-blue", {
      status: "Active",
      createDate: "2026-08-02T06:00:00Z",
    });
    assert.deepEqual(messages(await runStack(accessKeyMaxAge, resources, { config })), [
      stale(BLUE, 112, "2026-08-02"),
    ]);
  });

  it("counts a key without a status as Active (the provider's default)", async () => {
    const resources = withKey("ci-green", {
      createDate: "2026-08-23T06:00:00Z",
      status: undefined,
    });
    assert.deepEqual(messages(await runStack(accessKeyMaxAge, resources, { config })), [
      stale(GREEN, 91, "2026-08-23"),
    ]);
  });

  it("uses the configured maximum", async () => {
    const outcome = await run(deployedUserStack(), { maxAgeDays: 20 });
    assert.deepEqual(messages(outcome), [stale(GREEN, 21, "2026-11-01", "the 20-day maximum")]);
  });

  it("runs at the enforcement level the pack config gives it", async () => {
    const resources = withKey("ci-green", { createDate: "2026-08-23T06:00:00Z" });
    const outcome = await runStack(accessKeyMaxAge, resources, {
      config: { "iam-access-key-max-age": { ...AS_OF, enforcementLevel: "advisory" } },
    });
    assert.equal(outcome.enforcementLevel, "advisory");
    assert.equal(outcome.violations[0].enforcementLevel, "advisory");
  });

  describe("each key against its own user's maxAgeDays", () => {
    it("blocks a key over its RotatedKeyUser's lower rotation.maxAgeDays (21 days > 20)", async () => {
      const resources = withRotation({ everyDays: 10, overlapDays: 3, maxAgeDays: 20 });
      assert.deepEqual(messages(await run(resources)), [
        stale(
          GREEN,
          21,
          "2026-11-01",
          'the 20-day maximum of RotatedKeyUser "ci" (its rotation.maxAgeDays)',
        ),
      ]);
    });

    it("allows a key at exactly its user's maximum", async () => {
      const resources = withRotation({ everyDays: 10, overlapDays: 3, maxAgeDays: 21 });
      assert.deepEqual(messages(await run(resources)), []);
    });

    it("keeps the pack's maximum as the upper bound when a user's is higher", async () => {
      const resources = withRotation({ maxAgeDays: 120 });
      named(resources, "ci-green").props.createDate = "2026-08-23T06:00:00Z";
      assert.deepEqual(messages(await run(resources)), [stale(GREEN, 91, "2026-08-23")]);
    });

    it("judges a key that is no RotatedKeyUser slot by the pack's maximum", async () => {
      // ci's own maximum is 20; a key declared at the top of the stack is not ci's.
      const resources = withRotation({ everyDays: 10, overlapDays: 3, maxAgeDays: 20 });
      named(resources, "ci-green").props.createDate = "2026-11-10T06:00:00Z";
      resources.push({
        type: ACCESS_KEY,
        name: "ci-blue",
        parent: STACK_URN,
        props: {
          id: "AKIATOPLEVEL00000001",
          user: "ops",
          status: "Active",
          createDate: "2026-10-01T06:00:00Z",
        },
      });
      assert.deepEqual(messages(await run(resources)), []);
    });

    it("falls back to the pack's maximum when the component registers no rotation settings", async () => {
      const resources = withKey("ci-green", { createDate: "2026-08-23T06:00:00Z" });
      delete named(resources, "ci").props.rotation;
      assert.deepEqual(messages(await run(resources)), [stale(GREEN, 91, "2026-08-23")]);
    });

    it("falls back to the pack's maximum when the user's is not a whole number of days", async () => {
      const resources = withRotation({ maxAgeDays: "20" });
      assert.deepEqual(messages(await run(resources)), []);
    });
  });

  describe("asOf", () => {
    it("rejects an asOf earlier than today and judges keys as of today", async () => {
      // As of 2026-11-01 green (created 2026-08-23) would be 70 days old and pass.
      const resources = withKey("ci-green", { createDate: "2026-08-23T06:00:00Z" });
      const outcome = await run(resources, { asOf: "2026-11-01" });
      assert.deepEqual(
        outcome.violations.map((v) => [v.message, v.urn, v.enforcementLevel]),
        [
          [pastAsOf("2026-11-01"), undefined, "mandatory"],
          [stale(GREEN, 91, "2026-08-23"), GREEN_URN, "mandatory"],
        ],
      );
    });

    it("rejects yesterday", async () => {
      assert.deepEqual(messages(await run(deployedUserStack(), { asOf: "2026-11-21" })), [
        pastAsOf("2026-11-21"),
      ]);
    });

    it("judges keys as of a later asOf", async () => {
      const outcome = await run(deployedUserStack(), { asOf: "2027-02-01" });
      assert.deepEqual(messages(outcome), [stale(GREEN, 92, "2026-11-01")]);
    });

    it("fails with the field named when asOf is not a real date", async () => {
      await assert.rejects(
        run(deployedUserStack(), { asOf: "2026-02-30" }),
        /\[asOf\] must be a real date written YYYY-MM-DD \(got "2026-02-30"\)\./,
      );
    });
  });

  describe("a key whose creation date cannot be read", () => {
    it("treats an existing Active key without a createDate as stale", async () => {
      const resources = withKey("ci-green", { createDate: undefined });
      assert.deepEqual(messages(await run(resources)), [unreadable(GREEN, "missing")]);
    });

    it("treats an existing Active key with an unparseable createDate as stale", async () => {
      const resources = withKey("ci-green", { createDate: "last Tuesday" });
      assert.deepEqual(messages(await run(resources)), [unreadable(GREEN, '"last Tuesday"')]);
    });

    it("names its user's maximum", async () => {
      const resources = withRotation({ everyDays: 10, overlapDays: 3, maxAgeDays: 60 });
      named(resources, "ci-green").props.createDate = "";
      assert.deepEqual(messages(await run(resources)), [
        unreadable(
          GREEN,
          '""',
          'the 60-day maximum of RotatedKeyUser "ci" (its rotation.maxAgeDays)',
        ),
      ]);
    });

    it("ignores it while Inactive", async () => {
      const resources = withKey("ci-blue", { createDate: undefined });
      assert.deepEqual(messages(await run(resources)), []);
    });

    it("does not judge a key whose id is not known either (this update creates it)", async () => {
      const resources = withKey("ci-green", { createDate: undefined, id: UNKNOWN_STRING });
      assert.deepEqual(messages(await run(resources)), []);
    });
  });

  describe("adopted keys", () => {
    it("passes the update that adopts a user: the stale adopted key's replacement is issued now", async () => {
      const outcome = await run(adoptedUserStack("adopting"));
      assert.deepEqual(outcome.violations, []);
      assert.deepEqual(outcome.cannotRun, []);
    });

    it("passes the daily previews while the adopted key is the previous key in its overlap", async () => {
      assert.deepEqual(messages(await run(adoptedUserStack("overlap"))), []);
      // The last day of the overlap (2026-11-25, previousActiveUntil 2026-11-26).
      assert.deepEqual(
        messages(await run(adoptedUserStack("overlap"), { asOf: "2026-11-25" })),
        [],
      );
    });

    it("blocks it from the day its overlap ends", async () => {
      const outcome = await run(adoptedUserStack("overlap"), { asOf: "2026-11-26" });
      assert.deepEqual(messages(outcome), [
        adopted(
          "it is the previous key, and its overlap ended on 2026-11-26 (rotationState.previousActiveUntil)",
        ).replace("266 days old", "270 days old"),
      ]);
    });

    it("blocks it when no overlap is recorded", async () => {
      const resources = adoptedUserStack("overlap");
      delete stateOf(resources, "legacy").previousActiveUntil;
      assert.deepEqual(messages(await run(resources)), [
        adopted(
          "it is the previous key, and no overlap is recorded for it (rotationState.previousActiveUntil is not set)",
        ),
      ]);
    });

    it("blocks an overlap recorded past the replacement's publication + rotation.overlapDays", async () => {
      const resources = adoptedUserStack("overlap");
      stateOf(resources, "legacy").previousActiveUntil = "2099-01-01";
      assert.deepEqual(messages(await run(resources)), [
        adopted(
          "it is the previous key, and its recorded overlap (rotationState.previousActiveUntil " +
            "2099-01-01) runs past the day its replacement was published plus " +
            "rotation.overlapDays (2026-11-26)",
        ),
      ]);
    });

    it("blocks a preview that leaves the stale adopted key current with no replacement planned", async () => {
      const resources = adoptedUserStack("overlap").filter((r) => r.name !== "legacy-green");
      Object.assign(stateOf(resources, "legacy"), {
        current: "blue",
        slots: { blue: { issuedOn: "2026-03-01" } },
      });
      delete stateOf(resources, "legacy").previousActiveUntil;
      delete stateOf(resources, "legacy").publishedOn;
      assert.deepEqual(messages(await run(resources)), [
        adopted('it is still the current key, and this update issues no key into "legacy-green"'),
      ]);
    });

    it("does not treat a key as adopted when the record names another key id", async () => {
      const resources = adoptedUserStack("overlap");
      stateOf(resources, "legacy").adopted.accessKeyId = "AKIAOTHER00000000001";
      assert.deepEqual(messages(await run(resources)), [stale(LEGACY, 266, "2026-03-01")]);
    });
  });
});
