import * as assert from "node:assert/strict";
import { rotationSettings } from "../../policies/rotationSettings";
import { messages, ResourceInput, runResource, UNKNOWN_VALUE } from "../support/policyHarness";
import { rotatedKeyUser, slotKey } from "./fixtures";

function withRotation(change: Record<string, unknown>): ResourceInput {
  const resource = rotatedKeyUser();
  Object.assign(resource.props.rotation as Record<string, unknown>, change);
  return resource;
}

describe("policy iam-rotation-settings", () => {
  it("passes the default settings (30 / 7 / 90)", async () => {
    const outcome = await runResource(rotationSettings, rotatedKeyUser());
    assert.deepEqual(outcome, {
      enforcementLevel: "mandatory",
      violations: [],
      notApplicable: [],
      cannotRun: [],
    });
  });

  it("passes settings that use the whole maximum (83 + 7 = 90)", async () => {
    assert.deepEqual(
      messages(await runResource(rotationSettings, withRotation({ everyDays: 83 }))),
      [],
    );
  });

  it("blocks everyDays + overlapDays over maxAgeDays", async () => {
    const resource = withRotation({ everyDays: 60, maxAgeDays: 60 });
    assert.deepEqual(messages(await runResource(rotationSettings, resource)), [
      'RotatedKeyUser "ci" keeps a key Active up to 67 days (rotation.everyDays 60 + ' +
        "rotation.overlapDays 7), longer than its rotation.maxAgeDays of 60. Lower " +
        "rotation.everyDays or rotation.overlapDays, or raise rotation.maxAgeDays to at least 67.",
    ]);
  });

  it("counts the day until the next run deactivates the previous key when overlapDays is 0", async () => {
    const resource = withRotation({ overlapDays: 0, maxAgeDays: 30 });
    assert.deepEqual(messages(await runResource(rotationSettings, resource)), [
      'RotatedKeyUser "ci" keeps a key Active up to 31 days (rotation.everyDays 30 + 1 day ' +
        "until the next run deactivates the previous key), longer than its rotation.maxAgeDays " +
        "of 30. Lower rotation.everyDays or rotation.overlapDays, or raise rotation.maxAgeDays " +
        "to at least 31.",
    ]);
  });

  it("blocks a maxAgeDays beyond the pack's maximum", async () => {
    const resource = withRotation({ maxAgeDays: 120 });
    assert.deepEqual(messages(await runResource(rotationSettings, resource)), [
      'RotatedKeyUser "ci" lets keys reach 120 days (rotation.maxAgeDays), more than this ' +
        "policy pack's maximum of 90 days. Set rotation.maxAgeDays to 90 or less.",
    ]);
  });

  it("uses the configured maximum", async () => {
    const outcome = await runResource(rotationSettings, rotatedKeyUser(), {
      config: { "iam-rotation-settings": { maxAgeDays: 60 } },
    });
    assert.deepEqual(messages(outcome), [
      'RotatedKeyUser "ci" lets keys reach 90 days (rotation.maxAgeDays), more than this ' +
        "policy pack's maximum of 60 days. Set rotation.maxAgeDays to 60 or less.",
    ]);
  });

  it("skips what is not known during preview", async () => {
    const resource = withRotation({ everyDays: UNKNOWN_VALUE.number, maxAgeDays: 40 });
    const outcome = await runResource(rotationSettings, resource);
    assert.deepEqual(outcome.violations, []);
    assert.deepEqual(outcome.cannotRun, []);
  });

  it("skips a component whose settings object is unknown", async () => {
    const resource = rotatedKeyUser();
    resource.props.rotation = UNKNOWN_VALUE.object;
    const outcome = await runResource(rotationSettings, resource);
    assert.deepEqual(outcome.violations, []);
    assert.deepEqual(outcome.cannotRun, []);
  });

  it("does not apply to other resource types", async () => {
    const outcome = await runResource(rotationSettings, slotKey());
    assert.deepEqual(outcome.notApplicable, [
      "Policy only applies to resources of type 'iam-key-rotation:index:RotatedKeyUser'",
    ]);
  });
});
