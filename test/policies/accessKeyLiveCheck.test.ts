/** What the live check policy takes from the stack, and when it runs. */
import * as assert from "node:assert/strict";
import { PolicyResource } from "@pulumi/policy";
import { accessKeyLiveCheck, stackUsers } from "../../policies/accessKeyLiveCheck";
import { runStack } from "../support/policyHarness";
import { deployedUserStack, named, UNKNOWN_STRING } from "./fixtures";

describe("live check: what the policy takes from the stack", () => {
  const resourcesOf = (inputs: ReturnType<typeof deployedUserStack>) => {
    let seen: PolicyResource[] = [];
    const spy = {
      ...accessKeyLiveCheck,
      validateStack: (args: { resources: PolicyResource[] }) => void (seen = args.resources),
    };
    return runStack(spy, inputs).then(() => seen);
  };

  it("takes each IAM user with the ids and statuses of its keys", async () => {
    const users = stackUsers(await resourcesOf(deployedUserStack()));
    assert.deepEqual(users, [
      {
        name: "ci-deployer",
        path: "/key-rotation/",
        urn: "urn:pulumi:test::iam-key-rotation::iam-key-rotation:index:RotatedKeyUser$aws:iam/user:User::ci-user",
        keys: [
          { id: "AKIABLUE000000000001", status: "Inactive" },
          { id: "AKIAGREEN00000000001", status: "Active" },
        ],
      },
    ]);
  });

  it("marks a key this update issues (id unknown) as pending", async () => {
    const inputs = deployedUserStack();
    named(inputs, "ci-blue").props.id = UNKNOWN_STRING;
    const [user] = stackUsers(await resourcesOf(inputs));
    assert.deepEqual(user.keys[0], { id: undefined, status: "Inactive" });
  });

  it("makes every user pending when a key's user is not known", async () => {
    const inputs = deployedUserStack();
    named(inputs, "ci-blue").props.user = UNKNOWN_STRING;
    const [user] = stackUsers(await resourcesOf(inputs));
    assert.deepEqual(user.keys, [
      { id: "AKIAGREEN00000000001", status: "Active" },
      { id: undefined, status: undefined },
    ]);
  });

  it("is not applicable unless liveCheck is true", async () => {
    const outcome = await runStack(accessKeyLiveCheck, deployedUserStack());
    assert.deepEqual(outcome, {
      enforcementLevel: "advisory",
      violations: [],
      notApplicable: ["The live check is off; set liveCheck: true in the pack config to run it."],
      cannotRun: [],
    });
  });
});
