/** Reading AccessKey resources, on stacks delivered the way validateStack gets them. */
import * as assert from "node:assert/strict";
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { toDay } from "../../lib/days";
import {
  accessKeys,
  keyFacts,
  keyLabel,
  siblingIsReissued,
  slotNames,
} from "../../policies/accessKeys";
import { UNKNOWN } from "../../policies/unknownValues";
import { ResourceInput, runStack } from "../support/policyHarness";
import { deployedUserStack, STACK_URN, UNKNOWN_STRING, withKey } from "./fixtures";

/** The resources a stack policy receives for these inputs. */
async function delivered(inputs: ResourceInput[]): Promise<PolicyResource[]> {
  let seen: PolicyResource[] = [];
  const spy: StackValidationPolicy = {
    name: "spy",
    description: "Keeps the resources.",
    validateStack: (args) => void (seen = args.resources),
  };
  await runStack(spy, inputs);
  return seen;
}

const byName = (resources: PolicyResource[], name: string) =>
  resources.find((r) => r.name === name)!;

describe("accessKeys", () => {
  it("reads each AccessKey's user, id, status and creation day, and nothing else", async () => {
    const keys = accessKeys(await delivered(deployedUserStack()));
    assert.deepEqual(
      keys.map(({ resource, ...facts }) => [resource.name, facts]),
      [
        [
          "ci-blue",
          {
            user: "ci-deployer",
            id: "AKIABLUE000000000001",
            status: "Inactive",
            createdOn: toDay("2026-10-02"),
          },
        ],
        [
          "ci-green",
          {
            user: "ci-deployer",
            id: "AKIAGREEN00000000001",
            status: "Active",
            createdOn: toDay("2026-11-01"),
          },
        ],
      ],
    );
  });

  it("keyFacts: no status is Active (the provider's default); unknown values stay apart", async () => {
    const resources = await delivered(
      withKey("ci-green", { status: undefined, createDate: UNKNOWN_STRING, id: UNKNOWN_STRING }),
    );
    const facts = keyFacts(byName(resources, "ci-green"));
    assert.deepEqual(
      { ...facts, resource: facts.resource.name },
      {
        resource: "ci-green",
        user: "ci-deployer",
        id: undefined,
        status: "Active",
        createdOn: UNKNOWN,
      },
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

  it("slotNames: a RotatedKeyUser's two key slots", () => {
    assert.deepEqual(slotNames("ci"), ["ci-blue", "ci-green"]);
  });

  it("siblingIsReissued: only when the other slot of the same RotatedKeyUser is being issued", async () => {
    const calm = await delivered(deployedUserStack());
    assert.equal(siblingIsReissued(byName(calm, "ci-green"), calm), false);

    const rotating = await delivered(withKey("ci-blue", { createDate: UNKNOWN_STRING }));
    assert.equal(siblingIsReissued(byName(rotating, "ci-green"), rotating), true);
    assert.equal(siblingIsReissued(byName(rotating, "ci-blue"), rotating), false);

    // A key named like a slot but declared at the top of the stack is no slot.
    const inputs = withKey("ci-blue", { createDate: UNKNOWN_STRING });
    inputs.push({ ...inputs[inputs.length - 1], parent: STACK_URN });
    const mixed = await delivered(inputs);
    const topLevel = mixed.find((r) => r.name === "ci-green" && r.parent?.urn === STACK_URN)!;
    assert.equal(siblingIsReissued(topLevel, mixed), false);
  });
});
