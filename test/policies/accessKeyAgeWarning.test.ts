import * as assert from "node:assert/strict";
import { accessKeyAgeWarning } from "../../policies/accessKeyAgeWarning";
import { messages, runStack } from "../support/policyHarness";
import { AS_OF, deployedUserStack, named, UNKNOWN_STRING, withKey, withRotation } from "./fixtures";

describe("policy iam-access-key-age-warning", () => {
  const config = { "iam-access-key-age-warning": AS_OF };
  const run = (resources = deployedUserStack(), extra: Record<string, unknown> = {}) =>
    runStack(accessKeyAgeWarning, resources, {
      config: { "iam-access-key-age-warning": { ...AS_OF, ...extra } },
    });
  const warning = (age: number, created: string, lastDay: string, maximum = "the 90-day maximum") =>
    `Access key "ci-green" (AKIAGREEN00000000001) of IAM user "ci-deployer" is ${age} days old ` +
    `(created ${created}) and reaches ${maximum} on ${lastDay}. Make sure a ` +
    "rotation re-issues it before then (the daily `pulumi up` must run), or " +
    "iam-access-key-max-age blocks every deployment from the day after.";

  it("passes the deployed fixture", async () => {
    const outcome = await runStack(accessKeyAgeWarning, deployedUserStack(), { config });
    assert.deepEqual(outcome, {
      enforcementLevel: "advisory",
      violations: [],
      notApplicable: [],
      cannotRun: [],
    });
  });

  it("warns 14 days ahead: a key 77 days old", async () => {
    const resources = withKey("ci-green", { createDate: "2026-09-06T06:00:00Z" });
    const outcome = await runStack(accessKeyAgeWarning, resources, { config });
    assert.deepEqual(messages(outcome), [warning(77, "2026-09-06", "2026-12-05")]);
    assert.equal(outcome.violations[0].enforcementLevel, "advisory");
  });

  it("does not warn about a key 76 days old", async () => {
    const resources = withKey("ci-green", { createDate: "2026-09-07T06:00:00Z" });
    assert.deepEqual(messages(await runStack(accessKeyAgeWarning, resources, { config })), []);
  });

  it("leaves keys over the maximum to iam-access-key-max-age", async () => {
    const resources = withKey("ci-green", { createDate: "2026-08-23T06:00:00Z" });
    assert.deepEqual(messages(await runStack(accessKeyAgeWarning, resources, { config })), []);
  });

  it("leaves keys of unreadable age to iam-access-key-max-age", async () => {
    const resources = withKey("ci-green", { createDate: "not a date" });
    assert.deepEqual(messages(await run(resources, { warnDays: 90 })), []);
  });

  it("uses the configured window", async () => {
    const outcome = await run(deployedUserStack(), { warnDays: 70 });
    assert.deepEqual(messages(outcome), [warning(21, "2026-11-01", "2027-01-30")]);
  });

  it("warns ahead of the key's own user's lower maximum", async () => {
    // ci's maximum is 30: green (21 days old) reaches it on 2026-12-01, within 14 days.
    const resources = withRotation({ everyDays: 20, overlapDays: 5, maxAgeDays: 30 });
    assert.deepEqual(messages(await run(resources)), [
      warning(
        21,
        "2026-11-01",
        "2026-12-01",
        'the 30-day maximum of RotatedKeyUser "ci" (its rotation.maxAgeDays)',
      ),
    ]);
  });

  it("keeps the pack's maximum when the user's is higher", async () => {
    const resources = withRotation({ maxAgeDays: 200 });
    named(resources, "ci-green").props.createDate = "2026-09-06T06:00:00Z";
    assert.deepEqual(messages(await run(resources)), [warning(77, "2026-09-06", "2026-12-05")]);
  });

  it("rejects an asOf earlier than today, naming the setting", async () => {
    assert.deepEqual(messages(await run(deployedUserStack(), { asOf: "2026-01-01" })), [
      "The `asOf` setting of iam-access-key-age-warning is 2026-01-01, earlier than today " +
        "(2026-11-22): keys judged as of a past day look younger than they are, so a past asOf " +
        "is not accepted. Remove asOf from this policy's config, or set it to today or a later " +
        "day. Keys were judged as of today.",
    ]);
  });

  it("never warns about a key this update replaces", async () => {
    const resources = withKey("ci-green", { createDate: UNKNOWN_STRING });
    const outcome = await run(resources, { warnDays: 90 });
    assert.deepEqual(outcome.violations, []);
    assert.deepEqual(outcome.cannotRun, []);
  });
});
