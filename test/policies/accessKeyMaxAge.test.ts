import * as assert from "node:assert/strict";
import { accessKeyMaxAge } from "../../policies/accessKeyMaxAge";
import { messages, runStack } from "../support/policyHarness";
import { AS_OF, deployedUserStack, named, UNKNOWN_STRING, withKey } from "./fixtures";

const ROTATE =
  "Rotate it before deploying: for a RotatedKeyUser key, find out why the daily `pulumi up` " +
  "has not re-issued it (failing runs, rotation.everyDays); for any other key, issue a new " +
  "one, move its consumers and deactivate this one.";

describe("policy iam-access-key-max-age", () => {
  const config = { "iam-access-key-max-age": AS_OF };

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
        message:
          'Access key "ci-green" (AKIAGREEN00000000001) of IAM user "ci-deployer" is Active and ' +
          `91 days old (created 2026-08-23), over the 90-day maximum, and this update does not replace it. ${ROTATE}`,
        rendered:
          "Active IAM access keys must be younger than the maximum age, unless this update replaces them or rotates them away.\n" +
          'Access key "ci-green" (AKIAGREEN00000000001) of IAM user "ci-deployer" is Active and ' +
          `91 days old (created 2026-08-23), over the 90-day maximum, and this update does not replace it. ${ROTATE}`,
        urn: "urn:pulumi:test::iam-key-rotation::iam-key-rotation:index:RotatedKeyUser$aws:iam/accessKey:AccessKey::ci-green",
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

  it("lets through the update that rotates a stale key away (its other slot is re-issued)", async () => {
    // Runs were missed for months: this preview re-issues blue, and green goes Inactive after the
    // overlap. Blocking it would block the recovery.
    const resources = withKey("ci-green", { createDate: "2026-08-23T06:00:00Z" });
    Object.assign(named(resources, "ci-blue").props, {
      createDate: UNKNOWN_STRING,
      id: UNKNOWN_STRING,
      status: "Active",
    });
    const outcome = await runStack(accessKeyMaxAge, resources, { config });
    assert.deepEqual(outcome.violations, []);
    assert.deepEqual(outcome.cannotRun, []);
  });

  it("counts a key without a status as Active (the provider's default)", async () => {
    const resources = withKey("ci-green", {
      createDate: "2026-08-23T06:00:00Z",
      status: undefined,
    });
    const found = messages(await runStack(accessKeyMaxAge, resources, { config }));
    assert.equal(found.length, 1);
    assert.match(found[0], /^Access key "ci-green" .* is Active and 91 days old/);
  });

  it("uses the configured maximum", async () => {
    const outcome = await runStack(accessKeyMaxAge, deployedUserStack(), {
      config: { "iam-access-key-max-age": { ...AS_OF, maxAgeDays: 20 } },
    });
    assert.deepEqual(messages(outcome), [
      'Access key "ci-green" (AKIAGREEN00000000001) of IAM user "ci-deployer" is Active and ' +
        `21 days old (created 2026-11-01), over the 20-day maximum, and this update does not replace it. ${ROTATE}`,
    ]);
  });

  it("runs at the enforcement level the pack config gives it", async () => {
    const resources = withKey("ci-green", { createDate: "2026-08-23T06:00:00Z" });
    const outcome = await runStack(accessKeyMaxAge, resources, {
      config: { "iam-access-key-max-age": { ...AS_OF, enforcementLevel: "advisory" } },
    });
    assert.equal(outcome.enforcementLevel, "advisory");
    assert.equal(outcome.violations[0].enforcementLevel, "advisory");
  });

  it("fails with the field named when asOf is not a real date", async () => {
    await assert.rejects(
      runStack(accessKeyMaxAge, deployedUserStack(), {
        config: { "iam-access-key-max-age": { asOf: "2026-02-30" } },
      }),
      /\[asOf\] must be a real date written YYYY-MM-DD \(got "2026-02-30"\)\./,
    );
  });
});
