import * as assert from "node:assert/strict";
import { accessKeyAgeWarning } from "../../policies/accessKeyAgeWarning";
import { messages, runStack } from "../support/policyHarness";
import { AS_OF, deployedUserStack, UNKNOWN_STRING, withKey } from "./fixtures";

describe("policy iam-access-key-age-warning", () => {
  const config = { "iam-access-key-age-warning": AS_OF };
  const warning = (age: number, created: string, maximum: number, lastDay: string) =>
    `Access key "ci-green" (AKIAGREEN00000000001) of IAM user "ci-deployer" is ${age} days old ` +
    `(created ${created}) and reaches the ${maximum}-day maximum on ${lastDay}. Make sure a ` +
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
    assert.deepEqual(messages(outcome), [warning(77, "2026-09-06", 90, "2026-12-05")]);
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

  it("uses the configured window", async () => {
    const outcome = await runStack(accessKeyAgeWarning, deployedUserStack(), {
      config: { "iam-access-key-age-warning": { ...AS_OF, warnDays: 70 } },
    });
    assert.deepEqual(messages(outcome), [warning(21, "2026-11-01", 90, "2027-01-30")]);
  });

  it("never warns about a key this update replaces", async () => {
    const resources = withKey("ci-green", { createDate: UNKNOWN_STRING });
    const outcome = await runStack(accessKeyAgeWarning, resources, {
      config: { "iam-access-key-age-warning": { ...AS_OF, warnDays: 90 } },
    });
    assert.deepEqual(outcome.violations, []);
    assert.deepEqual(outcome.cannotRun, []);
  });
});
