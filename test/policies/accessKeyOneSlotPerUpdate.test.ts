import * as assert from "node:assert/strict";
import { accessKeyOneSlotPerUpdate } from "../../policies/accessKeyOneSlotPerUpdate";
import { messages, ResourceInput, runStack } from "../support/policyHarness";
import { CI_URN, deployedUserStack, named, UNKNOWN_STRING } from "./fixtures";

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
    const outcome = await runStack(accessKeyOneSlotPerUpdate, deployedUserStack());
    assert.deepEqual(outcome, {
      enforcementLevel: "mandatory",
      violations: [],
      notApplicable: [],
      cannotRun: [],
    });
  });

  it("passes a due rotation: one slot re-issued, the other keeps its known createDate", async () => {
    const outcome = await runStack(accessKeyOneSlotPerUpdate, issuing("ci-blue"));
    assert.deepEqual(outcome.violations, []);
    assert.deepEqual(outcome.cannotRun, []);
  });

  it("passes a brand-new user: only the blue slot exists, being created", async () => {
    const resources = issuing("ci-blue").filter((r) => r.name !== "ci-green");
    Object.assign(named(resources, "ci-user").props, { arn: UNKNOWN_STRING, id: UNKNOWN_STRING });
    assert.deepEqual(messages(await runStack(accessKeyOneSlotPerUpdate, resources)), []);
  });

  it("blocks an update that re-issues both slots of an existing user", async () => {
    const outcome = await runStack(accessKeyOneSlotPerUpdate, issuing("ci-blue", "ci-green"));
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
    assert.deepEqual(messages(await runStack(accessKeyOneSlotPerUpdate, resources)), []);
  });
});
