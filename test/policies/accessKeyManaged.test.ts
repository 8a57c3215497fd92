import * as assert from "node:assert/strict";
import { accessKeyManaged } from "../../policies/accessKeyManaged";
import { messages, runResource } from "../support/policyHarness";
import { githubRole, slotKey, STACK_URN } from "./fixtures";

describe("policy iam-access-key-managed", () => {
  const notRotated =
    "so nothing ever rotates it. Declare its IAM user with the RotatedKeyUser component, move " +
    "the key's consumers to the secret it publishes, and remove this AccessKey.";

  it("passes a RotatedKeyUser slot key", async () => {
    const outcome = await runResource(accessKeyManaged, slotKey());
    assert.deepEqual(outcome, {
      enforcementLevel: "mandatory",
      violations: [],
      notApplicable: [],
      cannotRun: [],
    });
  });

  it("passes a slot key of a RotatedKeyUser nested in another component", async () => {
    const key = slotKey();
    key.parent =
      "urn:pulumi:test::iam-key-rotation::acme:index:Platform$iam-key-rotation:index:RotatedKeyUser::ci";
    assert.deepEqual(messages(await runResource(accessKeyManaged, key)), []);
  });

  it("blocks a key declared at the top of the stack", async () => {
    const key = { ...slotKey(), name: "legacy-key", parent: STACK_URN };
    assert.deepEqual(messages(await runResource(accessKeyManaged, key)), [
      `Access key "legacy-key" is not created by a RotatedKeyUser (its parent is pulumi:pulumi:Stack), ${notRotated}`,
    ]);
  });

  it("blocks a key inside another component", async () => {
    const key = {
      ...slotKey(),
      name: "svc-key",
      parent: "urn:pulumi:test::iam-key-rotation::acme:index:Service::svc",
    };
    assert.deepEqual(messages(await runResource(accessKeyManaged, key)), [
      `Access key "svc-key" is not created by a RotatedKeyUser (its parent is acme:index:Service), ${notRotated}`,
    ]);
  });

  it("blocks a key parented to a RotatedKeyUser that is not one of its slots", async () => {
    const key = { ...slotKey(), name: "ci-extra" };
    assert.deepEqual(messages(await runResource(accessKeyManaged, key)), [
      'Access key "ci-extra" has RotatedKeyUser "ci" as its parent but is not one of its key ' +
        'slots ("ci-blue", "ci-green"), so the rotation never re-issues or deactivates it. ' +
        "Remove it: RotatedKeyUser issues and rotates the user's keys itself.",
    ]);
  });

  it("does not apply to other resource types", async () => {
    const outcome = await runResource(accessKeyManaged, githubRole());
    assert.deepEqual(outcome.violations, []);
    assert.deepEqual(outcome.notApplicable, [
      "Policy only applies to resources of type 'aws:iam/accessKey:AccessKey'",
    ]);
  });
});
