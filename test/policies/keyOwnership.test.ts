import * as assert from "node:assert/strict";
import { accessKeyManaged, oneSlotPerUpdate } from "../../policies/rules";
import { messages, ResourceInput, runResource, runStack } from "../support/policyHarness";
import {
  CI_URN,
  deployedUserStack,
  githubRole,
  named,
  slotKey,
  STACK_URN,
  UNKNOWN_STRING,
} from "./fixtures";

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

describe("policy iam-access-key-one-slot-per-update", () => {
  /** The deployed fixture with these keys' computed outputs unknown: this update issues them. */
  function issuing(...names: string[]): ResourceInput[] {
    const resources = deployedUserStack();
    for (const name of names) {
      Object.assign(named(resources, name).props, {
        id: UNKNOWN_STRING,
        createDate: UNKNOWN_STRING,
      });
    }
    return resources;
  }

  it("passes an update that leaves both slots alone", async () => {
    const outcome = await runStack(oneSlotPerUpdate, deployedUserStack());
    assert.deepEqual(outcome, {
      enforcementLevel: "mandatory",
      violations: [],
      notApplicable: [],
      cannotRun: [],
    });
  });

  it("passes a due rotation: one slot re-issued, the other keeps its known createDate", async () => {
    const outcome = await runStack(oneSlotPerUpdate, issuing("ci-blue"));
    assert.deepEqual(outcome.violations, []);
    assert.deepEqual(outcome.cannotRun, []);
  });

  it("passes a brand-new user: only the blue slot exists, being created", async () => {
    const resources = issuing("ci-blue").filter((r) => r.name !== "ci-green");
    Object.assign(named(resources, "ci-user").props, { arn: UNKNOWN_STRING, id: UNKNOWN_STRING });
    assert.deepEqual(messages(await runStack(oneSlotPerUpdate, resources)), []);
  });

  it("blocks an update that re-issues both slots of an existing user", async () => {
    const outcome = await runStack(oneSlotPerUpdate, issuing("ci-blue", "ci-green"));
    assert.deepEqual(
      outcome.violations.map((v) => [v.message, v.urn]),
      [
        [
          'This update re-issues both key slots of RotatedKeyUser "ci" (IAM user "ci-deployer"): ' +
            '"ci-blue" and "ci-green" are both being created or replaced, so the key consumers ' +
            "use now is deleted before they can read the new one. Find what replaces both keys " +
            "(a component renamed without an alias, --replace, keys missing from the state, an " +
            "edited key-rotation:* tag record) and undo it, so that a run re-issues one slot at " +
            "a time.",
          CI_URN,
        ],
      ],
    );
  });

  it("judges each RotatedKeyUser on its own slots", async () => {
    const resources = issuing("ci-blue");
    const other = deployedUserStack()
      .filter((r) => r.parent === CI_URN)
      .map((r) => ({ ...r, props: { ...r.props } }));
    // A second user "ops" whose green slot is re-issued: one slot each, no violation.
    const opsUrn = CI_URN.replace(/::ci$/, "::ops");
    resources.push({ ...named(deployedUserStack(), "ci"), name: "ops" });
    for (const r of other) {
      resources.push({ ...r, name: r.name.replace(/^ci-/, "ops-"), parent: opsUrn });
    }
    Object.assign(named(resources, "ops-green").props, { createDate: UNKNOWN_STRING });
    assert.deepEqual(messages(await runStack(oneSlotPerUpdate, resources)), []);
  });
});
