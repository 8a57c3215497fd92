/** What the live check policy takes from the stack, and when it runs. */
import * as assert from "node:assert/strict";
import { PolicyResource } from "@pulumi/policy";
import { accessKeyLiveCheck, stackUsers } from "../../policies/accessKeyLiveCheck";
import { messages, runStack } from "../support/policyHarness";
import { deployedUserStack, named, UNKNOWN_STRING, withRotation } from "./fixtures";

describe("live check: what the policy takes from the stack", () => {
  const resourcesOf = (inputs: ReturnType<typeof deployedUserStack>) => {
    let seen: PolicyResource[] = [];
    const spy = {
      ...accessKeyLiveCheck,
      validateStack: (args: { resources: PolicyResource[] }) => void (seen = args.resources),
    };
    return runStack(spy, inputs).then(() => seen);
  };

  it("takes each IAM user with the ids and statuses of its keys and the pack's maximum age", async () => {
    const users = stackUsers(await resourcesOf(deployedUserStack()));
    assert.deepEqual(users, [
      {
        name: "ci-deployer",
        path: "/key-rotation/",
        urn: "urn:pulumi:test::iam-key-rotation::iam-key-rotation:index:RotatedKeyUser$aws:iam/user:User::ci-user",
        maxAge: { days: 90 },
        keys: [
          { id: "AKIABLUE000000000001", status: "Inactive" },
          { id: "AKIAGREEN00000000001", status: "Active" },
        ],
      },
    ]);
  });

  it("takes its RotatedKeyUser's lower rotation.maxAgeDays as the user's maximum age", async () => {
    const resources = withRotation({ everyDays: 10, overlapDays: 3, maxAgeDays: 20 });
    const [user] = stackUsers(await resourcesOf(resources));
    assert.deepEqual(user.maxAge, { days: 20, component: "ci" });
    const [capped] = stackUsers(await resourcesOf(resources), 15);
    assert.deepEqual(capped.maxAge, { days: 15 });
  });

  it("matches keys to users by name, ignoring case", async () => {
    const inputs = deployedUserStack();
    named(inputs, "ci-green").props.user = "CI-Deployer";
    const [user] = stackUsers(await resourcesOf(inputs));
    assert.deepEqual(user.keys, [
      { id: "AKIABLUE000000000001", status: "Inactive" },
      { id: "AKIAGREEN00000000001", status: "Active" },
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

  it("rejects an asOf earlier than today, naming the setting", async () => {
    // No IAM user in the stack: nothing is read from IAM.
    const resources = deployedUserStack().filter((r) => r.name === "iam-key-rotation-test");
    const outcome = await runStack(accessKeyLiveCheck, resources, {
      config: { "iam-access-key-live-check": { liveCheck: true, asOf: "2026-11-21" } },
    });
    assert.deepEqual(messages(outcome), [
      "The `asOf` setting of iam-access-key-live-check is 2026-11-21, earlier than today " +
        "(2026-11-22): keys judged as of a past day look younger than they are, so a past asOf " +
        "is not accepted. Remove asOf from this policy's config, or set it to today or a later " +
        "day. Keys were judged as of today.",
    ]);
  });
});
