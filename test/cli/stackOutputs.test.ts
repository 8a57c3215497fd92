/**
 * The contract between the program's stack outputs and the CLI that reads them
 * (cli/stackOutputs.ts, used by `summary` and `plan --state`): outputs built with the
 * component's own types (RunReport, RotationState; test/support/cliOutputs.ts) are accepted
 * and read back whole, field for field, so neither side can drift from the other unnoticed.
 */
import * as assert from "node:assert/strict";
import type { RunReport } from "../../components/rotatedKeyUser/rotatedKeyUser";
import { RotationState, validateState } from "../../components/rotatedKeyUser/rotationModel";
import { readStackOutputs, RunOutputs, UserOutputs } from "../../cli/stackOutputs";
import { programOutputs, RUN_DAY } from "../support/cliOutputs";

// Compile-time: what the component writes is what the CLI reads. A field added to RunReport
// or RotationState fails here until this list, and the CLI's reader, know it.
const RUN_FIELDS: Record<keyof RunReport, true> = {
  date: true,
  events: true,
  keptInUse: true,
  previousDeactivatesOn: true,
  warnings: true,
};
const STATE_FIELDS: Record<keyof RotationState, true> = {
  current: true,
  slots: true,
  previousActiveUntil: true,
  publishedOn: true,
  previousWasStale: true,
  revokedBefore: true,
  adopted: true,
  previousInUse: true,
};
const EVENT_KINDS: Record<RunReport["events"][number]["kind"], true> = {
  issue: true,
  deactivate: true,
  delete: true,
};
// Every RunReport is a RunOutputs (the CLI's type accepts all the component writes).
const asCli = (report: RunReport): RunOutputs => report;

describe("stack outputs: the program's shape, read by summary and plan --state", () => {
  const outputs = programOutputs();
  const text = JSON.stringify(outputs);

  it("the fixture is a run the model can make: valid states, every record field set", () => {
    for (const user of Object.values(outputs.users)) {
      assert.deepEqual(validateState(user.rotationState, RUN_DAY), [], user.currentAccessKeyId);
    }
    const fields = new Set(
      Object.values(outputs.users).flatMap((u) => Object.keys(u.rotationState)),
    );
    assert.deepEqual([...fields].sort(), Object.keys(STATE_FIELDS).sort());
    const kinds = new Set(
      Object.values(outputs.users).flatMap((u) => u.run.events.map((e) => e.kind)),
    );
    // deactivate is shown by summary's own tests; issue and delete come from a real rotation.
    assert.deepEqual([...kinds].sort(), ["delete", "issue"]);
    assert.deepEqual(Object.keys(EVENT_KINDS), ["issue", "deactivate", "delete"]);
  });

  it("summary reads every user whole: run, state, current key, next rotation", () => {
    const read = readStackOutputs(text, { forSummary: true });
    const expected: UserOutputs[] = Object.entries(outputs.users).map(([name, u]) => ({
      name,
      rotationState: u.rotationState,
      currentSlot: u.currentSlot,
      currentAccessKeyId: u.currentAccessKeyId,
      nextRotationOn: u.nextRotationOn,
      run: asCli(u.run),
    }));
    assert.deepEqual(read, expected);
    for (const user of read) {
      assert.deepEqual(Object.keys(user.run!).sort(), Object.keys(RUN_FIELDS).sort());
    }
  });

  it("plan --state reads the same states, whole", () => {
    const read = readStackOutputs(text, { forSummary: false });
    assert.deepEqual(
      read.map((u) => [u.name, u.rotationState, u.run]),
      Object.entries(outputs.users).map(([name, u]) => [name, u.rotationState, undefined]),
    );
    // `pulumi stack output users --json`: the users object alone.
    const users = readStackOutputs(JSON.stringify(outputs.users), { forSummary: false });
    assert.deepEqual(users, read);
  });

  it("every event kind the component reports is accepted", () => {
    const kinds = Object.keys(EVENT_KINDS) as RunReport["events"][number]["kind"][];
    const all = programOutputs();
    all.users.ci.run.events = kinds.map((kind) => ({ kind, slot: "blue", keyIssuedOn: RUN_DAY }));
    const [ci] = readStackOutputs(JSON.stringify(all), { forSummary: true });
    assert.deepEqual(ci.run!.events, all.users.ci.run.events);
  });

  it("a last use AWS reports without service or region (N/A) reads as null", () => {
    const all = programOutputs();
    all.users.vendor.run.keptInUse!.lastUsed = {
      date: "2026-12-21T17:30:00.000Z",
      service: "N/A",
      region: "N/A",
    };
    const read = readStackOutputs(JSON.stringify(all), { forSummary: true });
    assert.deepEqual(read.find((u) => u.name === "vendor")!.run!.keptInUse!.lastUsed, {
      date: "2026-12-21T17:30:00.000Z",
      service: null,
      region: null,
    });
  });
});
