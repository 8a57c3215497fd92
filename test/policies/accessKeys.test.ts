/** Reading AccessKey resources, on stacks delivered the way validateStack gets them. */
import * as assert from "node:assert/strict";
import { PolicyResource } from "@pulumi/policy";
import { toDay } from "../../lib/days";
import { keyFacts, keyLabel, otherSlot, slotNames, UNREADABLE } from "../../policies/accessKeys";
import { UNKNOWN } from "../../policies/unknownValues";
import { ResourceInput } from "../support/policyHarness";
import { delivered, deployedUserStack, UNKNOWN_STRING, withKey } from "./fixtures";

const byName = (resources: PolicyResource[], name: string) =>
  resources.find((r) => r.name === name)!;

/** The facts of one key of a delivered stack, its resource as its name. */
async function factsOf(inputs: ResourceInput[], name: string) {
  const { resource, ...facts } = keyFacts(byName(await delivered(inputs), name));
  return { resource: resource.name, ...facts };
}

describe("accessKeys", () => {
  it("keyFacts: reads an AccessKey's user, id, status and creation day, and nothing else", async () => {
    assert.deepEqual(await factsOf(deployedUserStack(), "ci-blue"), {
      resource: "ci-blue",
      user: "ci-deployer",
      id: "AKIABLUE000000000001",
      status: "Inactive",
      createdOn: toDay("2026-10-02"),
    });
  });

  it("keyFacts: no status is Active (the provider's default); unknown values stay apart", async () => {
    const inputs = withKey("ci-green", {
      status: undefined,
      createDate: UNKNOWN_STRING,
      id: UNKNOWN_STRING,
    });
    assert.deepEqual(await factsOf(inputs, "ci-green"), {
      resource: "ci-green",
      user: "ci-deployer",
      id: undefined,
      status: "Active",
      createdOn: UNKNOWN,
    });
  });

  it("keyFacts: an existing key (id known) without a createDate has an UNREADABLE one", async () => {
    assert.deepEqual(await factsOf(withKey("ci-green", { createDate: undefined }), "ci-green"), {
      resource: "ci-green",
      user: "ci-deployer",
      id: "AKIAGREEN00000000001",
      status: "Active",
      createdOn: UNREADABLE,
      createDateText: "missing",
    });
  });

  it("keyFacts: so does one whose createDate is not a date (the value quoted)", async () => {
    for (const [createDate, text] of [
      ["2026-13-45T00:00:00Z", '"2026-13-45T00:00:00Z"'],
      [20261101, "20261101"],
      [null, "missing"],
    ] as const) {
      const facts = await factsOf(withKey("ci-green", { createDate }), "ci-green");
      assert.deepEqual(
        [facts.createdOn, facts.createDateText],
        [UNREADABLE, text],
        String(createDate),
      );
    }
  });

  it("keyFacts: a key with neither an id nor a createDate has no creation day to judge", async () => {
    const facts = await factsOf(
      withKey("ci-green", { createDate: undefined, id: undefined }),
      "ci-green",
    );
    assert.deepEqual(
      [facts.id, facts.createdOn, facts.createDateText],
      [undefined, undefined, undefined],
    );
  });

  it("keyLabel: names the key, with its id and user when known", async () => {
    const known = keyFacts(byName(await delivered(deployedUserStack()), "ci-green"));
    assert.equal(
      keyLabel(known),
      'Access key "ci-green" (AKIAGREEN00000000001) of IAM user "ci-deployer"',
    );
    const resources = await delivered(
      withKey("ci-green", { id: UNKNOWN_STRING, user: UNKNOWN_STRING }),
    );
    assert.equal(keyLabel(keyFacts(byName(resources, "ci-green"))), 'Access key "ci-green"');
  });

  it("slotNames and otherSlot: a RotatedKeyUser's two key slots", () => {
    assert.deepEqual(slotNames("ci"), ["ci-blue", "ci-green"]);
    assert.deepEqual([otherSlot("blue"), otherSlot("green")], ["green", "blue"]);
  });
});
