/** The one-pass index of a stack's resources, on stacks delivered the way validateStack gets them. */
import * as assert from "node:assert/strict";
import { toDay } from "../../lib/days";
import { indexStack, isRotatedAway, maxAgeOf, maxAgeOfKey } from "../../policies/stackIndex";
import { ResourceInput } from "../support/policyHarness";
import {
  ACCESS_KEY,
  adoptedUserStack,
  delivered,
  deployedUserStack,
  LEGACY_KEY_ID,
  named,
  STACK_URN,
  UNKNOWN_STRING,
  withKey,
  withRecord,
  withRotation,
} from "./fixtures";

const indexOf = async (inputs: ResourceInput[]) => indexStack(await delivered(inputs));
const key = (index: Awaited<ReturnType<typeof indexOf>>, name: string) =>
  index.keys.find((k) => k.resource.name === name)!;

describe("stackIndex", () => {
  it("reads each RotatedKeyUser's registered settings, record and slots once", async () => {
    const index = await indexOf(deployedUserStack());
    assert.deepEqual(
      index.components.map((c) => ({
        name: c.resource.name,
        userName: c.userName,
        rotation: c.rotation,
        record: c.record,
        keys: Object.fromEntries(Object.entries(c.keys).map(([s, k]) => [s, k.resource.name])),
        user: c.user?.name,
      })),
      [
        {
          name: "ci",
          userName: "ci-deployer",
          rotation: { everyDays: 30, overlapDays: 7, maxAgeDays: 90 },
          record: {
            current: "green",
            issuedOn: { blue: toDay("2026-10-02"), green: toDay("2026-11-01") },
            previousActiveUntil: toDay("2026-11-08"),
            publishedOn: toDay("2026-11-01"),
          },
          keys: { blue: "ci-blue", green: "ci-green" },
          user: "ci-user",
        },
      ],
    );
    assert.deepEqual(
      index.keys.map((k) => k.resource.name),
      ["ci-blue", "ci-green"],
    );
    assert.deepEqual(
      index.users.map((u) => u.name),
      ["ci-user"],
    );
  });

  it("reads an adoption and drops record fields it cannot read", async () => {
    const adopted = await indexOf(adoptedUserStack("overlap"));
    assert.deepEqual(adopted.components[0].record?.adopted, {
      slot: "blue",
      accessKeyId: LEGACY_KEY_ID,
    });
    const index = await indexOf(
      withRecord({ previousActiveUntil: "soon", revokedBefore: "2026-02-30", adopted: "blue" }),
    );
    assert.deepEqual(index.components[0].record, {
      current: "green",
      issuedOn: { blue: toDay("2026-10-02"), green: toDay("2026-11-01") },
      publishedOn: toDay("2026-11-01"),
    });
    const noCurrent = await indexOf(withRecord({ current: "red" }));
    assert.equal(noCurrent.components[0].record, undefined);
  });

  it("drops rotation settings that are not whole numbers of days in range", async () => {
    const index = await indexOf(withRotation({ everyDays: 0, overlapDays: 7.5, maxAgeDays: 366 }));
    assert.deepEqual(index.components[0].rotation, {});
  });

  it("takes the user name from the component's User child when it registers none", async () => {
    const inputs = deployedUserStack();
    delete named(inputs, "ci").props.userName;
    const index = await indexOf(inputs);
    assert.equal(index.components[0].userName, "ci-deployer");
    assert.equal(index.componentOf(index.users[0]), index.components[0]);
  });

  it("slotOf: a key is a slot only when its parent is the RotatedKeyUser it is named after", async () => {
    const inputs = deployedUserStack();
    inputs.push({
      type: ACCESS_KEY,
      name: "ci-green",
      parent: STACK_URN,
      props: { id: "AKIATOP", user: "ops", status: "Active", createDate: "2026-11-01T00:00:00Z" },
    });
    const index = await indexOf(inputs);
    const [blue, green, topLevel] = index.keys;
    assert.deepEqual(index.slotOf(blue)?.slot, "blue");
    assert.equal(index.slotOf(green)?.component, index.components[0]);
    assert.equal(index.slotOf(topLevel), undefined);
    assert.equal(index.components[0].keys.green, green);
  });

  it("keysOfUser: the keys whose user is this IAM user, any case; anyKeyWithoutUser", async () => {
    const inputs = withKey("ci-green", { user: "CI-DEPLOYER" });
    const index = await indexOf(inputs);
    assert.deepEqual(
      index.keysOfUser("Ci-Deployer").map((k) => k.resource.name),
      ["ci-blue", "ci-green"],
    );
    assert.deepEqual(index.keysOfUser("nobody"), []);
    assert.equal(index.anyKeyWithoutUser, false);
    assert.equal(
      (await indexOf(withKey("ci-blue", { user: UNKNOWN_STRING }))).anyKeyWithoutUser,
      true,
    );
  });

  it("maxAgeOf: the user's rotation.maxAgeDays when lower than the pack's, else the pack's", async () => {
    const index = await indexOf(withRotation({ everyDays: 10, overlapDays: 3, maxAgeDays: 20 }));
    assert.deepEqual(maxAgeOfKey(index, key(index, "ci-green"), 90), {
      days: 20,
      component: "ci",
    });
    assert.deepEqual(maxAgeOfKey(index, key(index, "ci-green"), 20), { days: 20 });
    assert.deepEqual(maxAgeOfKey(index, key(index, "ci-green"), 15), { days: 15 });
    assert.deepEqual(maxAgeOf(undefined, 90), { days: 90 });
  });

  it("isRotatedAway: the other slot is issued now and becomes current", async () => {
    const calm = await indexOf(deployedUserStack());
    assert.equal(isRotatedAway(calm, key(calm, "ci-green")), false);

    const rotating = withRecord({
      current: "blue",
      slots: { blue: { issuedOn: "2026-11-22" }, green: { issuedOn: "2026-11-01" } },
    });
    named(rotating, "ci-blue").props.createDate = UNKNOWN_STRING;
    const index = await indexOf(rotating);
    assert.equal(isRotatedAway(index, key(index, "ci-green")), true);
    assert.equal(isRotatedAway(index, key(index, "ci-blue")), false);

    // The same keys with a record that keeps green current: not rotated away.
    const kept = await indexOf(withKey("ci-blue", { createDate: UNKNOWN_STRING }));
    assert.equal(isRotatedAway(kept, key(kept, "ci-green")), false);

    // Without a readable record, the issued sibling alone decides.
    const noRecord = withKey("ci-blue", { createDate: UNKNOWN_STRING });
    delete named(noRecord, "ci").props.rotationState;
    const bare = await indexOf(noRecord);
    assert.equal(isRotatedAway(bare, key(bare, "ci-green")), true);
  });
});
