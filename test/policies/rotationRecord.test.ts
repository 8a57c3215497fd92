import * as assert from "node:assert/strict";
import { rotationRecord } from "../../policies/rotationRecord";
import { messages, runStack, UNKNOWN_VALUE } from "../support/policyHarness";
import {
  adoptedUserStack,
  CI_URN,
  deployedUserStack,
  LEGACY_KEY_ID,
  named,
  stateOf,
  UNKNOWN_STRING,
  withRecord,
  withRotation,
} from "./fixtures";

const CI = 'RotatedKeyUser "ci" (IAM user "ci-deployer")';

const younger = (slot: string, id: string, recorded: string, created: string, days: number) =>
  `${CI} records its ${slot} key "ci-${slot}" (${id}) as issued on ${recorded}, but IAM ` +
  `created that key on ${created}: the record makes it ${days} days younger than it is, so it ` +
  "would stay Active past its maximum age. Either the Pulumi CLI running this update ignores " +
  "the replacementTrigger that re-issues a slot (CLIs older than 3.208.0 do: upgrade it) or " +
  `the key-rotation:${slot} tag was edited; do not deploy until the record matches the keys in IAM.`;

describe("policy iam-rotation-record", () => {
  const run = (resources = deployedUserStack()) => runStack(rotationRecord, resources);

  it("passes the deployed fixture", async () => {
    assert.deepEqual(await run(), {
      enforcementLevel: "mandatory",
      violations: [],
      notApplicable: [],
      cannotRun: [],
    });
  });

  it("passes the adopted fixtures (the adopted slot's record is the adoption's, not IAM's CreateDate)", async () => {
    assert.deepEqual(messages(await run(adoptedUserStack("adopting"))), []);
    const overlap = adoptedUserStack("overlap");
    stateOf(overlap, "legacy").slots.blue.issuedOn = "2026-11-19";
    assert.deepEqual(messages(await run(overlap)), []);
  });

  it("blocks a revocation date after today, reported on the component", async () => {
    const outcome = await run(withRecord({ revokedBefore: "2026-11-23" }));
    assert.deepEqual(
      outcome.violations.map((v) => [v.message, v.urn, v.enforcementLevel]),
      [
        [
          `${CI} records revokedBefore 2026-11-23, after today (2026-11-22): a revocation date ` +
            "in the future also revokes the key this stack issues to replace the revoked ones, " +
            "cutting its consumers off again. A run records revocation dates up to the day it " +
            "runs, so the key-rotation:revoked-before tag was edited: set it back to the " +
            "recorded revocation date.",
          CI_URN,
          "mandatory",
        ],
      ],
    );
  });

  it("accepts a revocation dated today", async () => {
    assert.deepEqual(messages(await run(withRecord({ revokedBefore: "2026-11-22" }))), []);
  });

  it("blocks a slot recorded as issued today whose key IAM created weeks ago (an engine that ignores replacementTrigger)", async () => {
    const resources = withRecord({
      slots: { blue: { issuedOn: "2026-10-02" }, green: { issuedOn: "2026-11-22" } },
    });
    assert.deepEqual(messages(await run(resources)), [
      younger("green", "AKIAGREEN00000000001", "2026-11-22", "2026-11-01", 21),
    ]);
  });

  it("tolerates a key created the day before its recorded issue date (a run across midnight)", async () => {
    const resources = withRecord({
      slots: { blue: { issuedOn: "2026-10-03" }, green: { issuedOn: "2026-11-01" } },
    });
    assert.deepEqual(messages(await run(resources)), []);
  });

  it("blocks a previous slot recorded two days younger than its key", async () => {
    const resources = withRecord({
      slots: { blue: { issuedOn: "2026-10-04" }, green: { issuedOn: "2026-11-01" } },
    });
    assert.deepEqual(messages(await run(resources)), [
      younger("blue", "AKIABLUE000000000001", "2026-10-04", "2026-10-02", 2),
    ]);
  });

  it("skips a slot this update issues (its createDate is unknown at preview)", async () => {
    const resources = withRecord({
      slots: { blue: { issuedOn: "2026-10-02" }, green: { issuedOn: "2026-11-22" } },
    });
    Object.assign(named(resources, "ci-green").props, {
      id: UNKNOWN_STRING,
      createDate: UNKNOWN_STRING,
    });
    assert.deepEqual(messages(await run(resources)), []);
  });

  it("blocks a record that marks another key than the slot's as adopted", async () => {
    const resources = adoptedUserStack("overlap");
    stateOf(resources, "legacy").adopted.accessKeyId = "AKIAOTHER00000000001";
    assert.deepEqual(messages(await run(resources)), [
      'RotatedKeyUser "legacy" (IAM user "legacy-app") records the key in its blue slot as ' +
        `adopted (AKIAOTHER00000000001), but that slot holds ${LEGACY_KEY_ID}: an adopted key ` +
        "keeps its overlap past the maximum age, so marking another key adopted extends that " +
        "key's life. The key-rotation:adopted tag was edited: set it back to the key the stack " +
        "took over, or remove it if that key is gone.",
    ]);
  });

  describe("a previous key kept Active past its maximum age", () => {
    /** ci with maxAgeDays 45: blue (issued 2026-10-02) reached it on 2026-11-16. */
    function previousActive(until: string) {
      const resources = withRotation({ maxAgeDays: 45 });
      stateOf(resources, "ci").previousActiveUntil = until;
      named(resources, "ci-blue").props.status = "Active";
      return resources;
    }

    it("blocks a previousActiveUntil that keeps it Active after its issue date + maxAgeDays", async () => {
      assert.deepEqual(messages(await run(previousActive("2099-01-01"))), [
        `${CI} keeps its previous key "ci-blue" (AKIABLUE000000000001) Active until 2099-01-01 ` +
          "(rotationState.previousActiveUntil), although it reached its maximum age on " +
          "2026-11-16 (issued 2026-10-02 + rotation.maxAgeDays 45). A run ends the overlap at " +
          "the maximum age, so the key-rotation:previous-active-until tag was edited or the " +
          "record was written by an older version of this program: do not deploy until the " +
          "previous key is planned Inactive.",
      ]);
    });

    it("accepts such a record once the run has made the previous key Inactive (a tightened maxAgeDays)", async () => {
      const resources = previousActive("2099-01-01");
      named(resources, "ci-blue").props.status = "Inactive";
      assert.deepEqual(messages(await run(resources)), []);
    });

    it("accepts it before the maximum age is reached", async () => {
      const resources = previousActive("2099-01-01");
      (named(resources, "ci").props.rotation as Record<string, unknown>).maxAgeDays = 60;
      assert.deepEqual(messages(await run(resources)), []);
    });

    it("accepts the rotation that retires a stale key: the current slot is issued in this update", async () => {
      const resources = previousActive("2026-11-29");
      Object.assign(named(resources, "ci-green").props, {
        id: UNKNOWN_STRING,
        createDate: UNKNOWN_STRING,
      });
      stateOf(resources, "ci").slots.green.issuedOn = "2026-11-22";
      assert.deepEqual(messages(await run(resources)), []);
    });
  });

  it("skips a record that is unknown at preview", async () => {
    const resources = deployedUserStack();
    named(resources, "ci").props.rotationState = UNKNOWN_VALUE.object;
    const outcome = await run(resources);
    assert.deepEqual(outcome.violations, []);
    assert.deepEqual(outcome.cannotRun, []);
  });

  it("skips a component that registers no record", async () => {
    const resources = withRecord({ revokedBefore: "2030-01-01" });
    delete named(resources, "ci").props.rotationState;
    assert.deepEqual(messages(await run(resources)), []);
  });
});
