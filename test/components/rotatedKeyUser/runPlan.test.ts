/**
 * One user's run plan (./runPlan.ts) with a fake RunPlanIo: usage-aware retirement of the
 * previous key (kept Active one more day while used, never past maxAgeDays), last-use read
 * failures, adoption (deleting an Inactive hand-made key only in `up`), the max-age cut warning,
 * and RunStop carrying every problem.
 */
import * as assert from "node:assert/strict";
import type { Observation, ObservedUse } from "../../../components/rotatedKeyUser/crossCheck";
import {
  deleteAdoptedInactiveKeys,
  planUserRun,
  RunPlanIo,
  RunPlanSettings,
  RunStop,
  secretArnRead,
  userArnRead,
} from "../../../components/rotatedKeyUser/runPlan";
import {
  afterPublication,
  RotationPolicy,
  RotationState,
} from "../../../components/rotatedKeyUser/rotationModel";
import { encodeRecord } from "../../../components/rotatedKeyUser/rotationRecord";
import {
  adopted,
  documentOf,
  edited,
  K,
  key,
  kept,
  KEPT,
  observation,
  overlap,
  OVERLAP,
  pending,
  POLICY,
  retired,
  RETIRED,
  STACK,
  steady,
  World,
} from "./rotationWorlds";

const SETTINGS: RunPlanSettings = {
  userName: "ci",
  stack: STACK,
  path: "/",
  policy: POLICY,
  secretName: "key-rotation/ci",
  dryRun: false,
};

/** A fake IO: one observation, last uses by key id (an Error: the read fails), every call. */
function fakeIo(world: World | Observation, uses: Record<string, ObservedUse | Error> = {}) {
  const calls: string[] = [];
  const io: RunPlanIo = {
    observe: async (userName, secretName) => {
      calls.push(`observe ${userName} ${secretName}`);
      return "tags" in world ? observation(world) : world;
    },
    lastUse: async (accessKeyId) => {
      calls.push(`lastUse ${accessKeyId}`);
      const use = uses[accessKeyId];
      if (use instanceof Error) throw use;
      if (use === undefined) throw new Error(`test: no last use for ${accessKeyId}`);
      return use;
    },
    deleteInactiveKey: async (userName, accessKeyId) => {
      calls.push(`deleteInactiveKey ${userName} ${accessKeyId}`);
    },
  };
  return { io, calls };
}

async function plan(
  world: World | Observation,
  today: string,
  uses: Record<string, ObservedUse | Error> = {},
  settings: Partial<RunPlanSettings> = {},
) {
  const { io, calls } = fakeIo(world, uses);
  const run = await planUserRun({ ...SETTINGS, ...settings }, today, io);
  return { run, calls };
}

const OBSERVE = "observe ci key-rotation/ci";
const S3_USE = { date: "2027-03-13T17:02:00Z", service: "s3", region: "eu-west-1" };

const stillUsed = (id: string, last: string, by: string, bound: string) =>
  `The previous access key ${id} of IAM user "ci" is still used (last ${last}${by}) although ` +
  `its replacement was published: it stays Active one more day. It is deactivated on ${bound} ` +
  `at the latest (maxAgeDays), used or not: move that consumer to the published key.`;

describe("planUserRun: the previous key's last use", () => {
  it("kept Active one more day when used since publication, with a warning naming user, key, service and region", async () => {
    const { run, calls } = await plan(overlap(), "2027-03-14", { [K.blue]: S3_USE });
    const state: RotationState = { ...OVERLAP, previousInUse: "2027-03-14" };
    assert.deepEqual(run, {
      before: OVERLAP,
      plan: {
        state,
        current: "green",
        slots: {
          blue: { issuedOn: "2027-02-05", status: "Active" },
          green: { issuedOn: "2027-03-07", status: "Active" },
        },
        nextRotationOn: "2027-04-06",
      },
      statusBefore: { blue: "Active", green: "Active" },
      // IAM's createDate of each key the slots still hold (the engine guard's, then).
      createDates: { blue: "2027-02-05T09:15:00Z", green: "2027-03-07T09:15:00Z" },
      record: state,
      keyIds: { blue: K.blue, green: K.green },
      keptInUse: { slot: "blue", accessKeyId: K.blue, lastUse: S3_USE },
      warnings: [stillUsed(K.blue, "2027-03-13", " by s3 in eu-west-1", "2027-05-06")],
    });
    assert.deepEqual(calls, [OBSERVE, `lastUse ${K.blue}`]);
  });

  it("kept again the next day while still used (since the last day it was kept)", async () => {
    const use = { date: "2027-03-09T23:40:00Z", service: "sts", region: "us-east-1" };
    const { run } = await plan(kept(), "2027-03-10", { [K.blue]: use });
    assert.equal(run.plan.slots.blue?.status, "Active");
    assert.equal(run.record.previousInUse, "2027-03-10");
    assert.deepEqual(run.keptInUse, { slot: "blue", accessKeyId: K.blue, lastUse: use });
    assert.deepEqual(run.warnings, [
      stillUsed(K.blue, "2027-03-09", " by sts in us-east-1", "2027-04-25"),
    ]);
  });

  it("a use without service or region is named without them", async () => {
    const use = { date: "2027-03-14T01:00:00Z" };
    const { run } = await plan(overlap(), "2027-03-14", { [K.blue]: use });
    assert.deepEqual(run.warnings, [stillUsed(K.blue, "2027-03-14", "", "2027-05-06")]);
  });

  it("deactivated when never used", async () => {
    const { run, calls } = await plan(overlap(), "2027-03-14", { [K.blue]: null });
    assert.equal(run.plan.slots.blue?.status, "Inactive");
    assert.equal(run.keptInUse, undefined);
    assert.equal(run.record.previousInUse, undefined);
    assert.deepEqual(run.warnings, []);
    assert.deepEqual(calls, [OBSERVE, `lastUse ${K.blue}`]);
  });

  it("deactivated when last used before the new key was published", async () => {
    const use = { date: "2027-03-06T22:00:00Z", service: "s3", region: "eu-west-1" };
    const { run } = await plan(overlap(), "2027-03-14", { [K.blue]: use });
    assert.equal(run.plan.slots.blue?.status, "Inactive");
    assert.equal(run.keptInUse, undefined);
    assert.deepEqual(run.warnings, []);
  });

  it("kept when used on the publication day itself", async () => {
    const use = { date: "2027-03-07T23:00:00Z", service: "s3", region: "eu-west-1" };
    const { run } = await plan(overlap(), "2027-03-14", { [K.blue]: use });
    assert.equal(run.plan.slots.blue?.status, "Active");
  });

  it("deactivated when the last use is older than the last day it was kept", async () => {
    const use = { date: "2027-03-08T12:00:00Z", service: "s3", region: "eu-west-1" };
    const { run } = await plan(kept(), "2027-03-10", { [K.blue]: use });
    assert.equal(run.plan.slots.blue?.status, "Inactive");
    assert.deepEqual(run.warnings, []);
  });

  it("no read while the overlap runs", async () => {
    const { run, calls } = await plan(overlap(), "2027-03-13");
    assert.equal(run.plan.slots.blue?.status, "Active");
    assert.deepEqual(calls, [OBSERVE]);
  });

  it("no read for a key already Inactive in IAM (never turned back on for its use)", async () => {
    const world = {
      ...overlap(),
      keys: [key(K.blue, "Inactive", "2027-02-05"), overlap().keys[1]],
    };
    const { run, calls } = await plan(world, "2027-03-14", { [K.blue]: S3_USE });
    assert.equal(run.plan.slots.blue?.status, "Inactive");
    assert.deepEqual(run.statusBefore, { blue: "Inactive", green: "Active" });
    assert.deepEqual(calls, [OBSERVE]);
  });

  it("no read for the retired world", async () => {
    const { run, calls } = await plan(retired(), "2027-03-10");
    assert.deepEqual(calls, [OBSERVE]);
    assert.deepEqual(run.statusBefore, { blue: "Inactive", green: "Active" });
    assert.deepEqual(run.record, RETIRED);
  });

  it("a read failure is a warning plus the calendar decision, never a throw", async () => {
    const denied = new Error(
      "User: arn:aws:sts::123456789012:assumed-role/ci is not authorized to perform: iam:GetAccessKeyLastUsed",
    );
    const { run } = await plan(overlap(), "2027-03-14", { [K.blue]: denied });
    assert.equal(run.plan.slots.blue?.status, "Inactive");
    assert.equal(run.keptInUse, undefined);
    assert.deepEqual(run.warnings, [
      `Cannot read the last use of access key ${K.blue} of IAM user "ci" (User: ` +
        `arn:aws:sts::123456789012:assumed-role/ci is not authorized to perform: ` +
        `iam:GetAccessKeyLastUsed): it is retired on its calendar date, without checking ` +
        `whether consumers still use it. Allow the deploying role iam:GetAccessKeyLastUsed on ` +
        `this user.`,
    ]);
  });

  it("a read failure that throws a non-Error is a warning too", async () => {
    const { io } = fakeIo(overlap());
    // On purpose: a library may reject with a string.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    io.lastUse = () => Promise.reject("socket hang up");
    const run = await planUserRun(SETTINGS, "2027-03-14", io);
    assert.equal(run.plan.slots.blue?.status, "Inactive");
    assert.match(run.warnings[0], /\(socket hang up\): it is retired on its calendar date/);
  });

  it("a legacy document: used since publication (previous-active-until - overlapDays) is kept", async () => {
    const { run } = await plan(overlap({ legacy: true }), "2027-03-14", { [K.blue]: S3_USE });
    assert.equal(run.plan.slots.blue?.status, "Active");
    assert.equal(run.record.previousInUse, "2027-03-14");
  });
});

describe("planUserRun: the max-age bound wins over use", () => {
  /** Blue (2026-12-10) reaches 90 days on 2027-03-10; kept in use on 2027-03-08. */
  const MAXAGE: RotationState = {
    current: "green",
    slots: { blue: { issuedOn: "2026-12-10" }, green: { issuedOn: "2027-02-28" } },
    publishedOn: "2027-02-28",
    previousActiveUntil: "2027-03-07",
    previousInUse: "2027-03-08",
  };
  const maxAge = (): World => ({
    tags: encodeRecord(MAXAGE, STACK),
    document: documentOf(MAXAGE, { ids: { blue: K.blue, green: K.green }, previous: true }),
    writtenOn: "2027-03-08",
    keys: [key(K.blue, "Active", "2026-12-10"), key(K.green, "Active", "2027-02-28")],
  });
  const LAMBDA = { date: "2027-03-09T10:00:00Z", service: "lambda", region: "us-east-1" };

  it("the day before the bound: kept, the warning names the bound", async () => {
    const use = { ...LAMBDA, date: "2027-03-08T10:00:00Z" };
    const { run } = await plan(maxAge(), "2027-03-09", { [K.blue]: use });
    assert.equal(run.plan.slots.blue?.status, "Active");
    assert.deepEqual(run.warnings, [
      stillUsed(K.blue, "2027-03-08", " by lambda in us-east-1", "2027-03-10"),
    ]);
  });

  it("on the bound: deactivated despite use, with a warning", async () => {
    const { run } = await plan(maxAge(), "2027-03-10", { [K.blue]: LAMBDA });
    assert.equal(run.plan.slots.blue?.status, "Inactive");
    assert.equal(run.keptInUse, undefined);
    assert.equal(run.record.previousInUse, "2027-03-08");
    assert.deepEqual(run.warnings, [
      `The previous access key ${K.blue} of IAM user "ci" was used on 2027-03-09 by lambda in ` +
        `us-east-1, but it reached its maximum age (maxAgeDays) on 2027-03-10: it is ` +
        `deactivated now.`,
    ]);
  });

  it("an adopted (stale) previous key is never kept for its use", async () => {
    const state: RotationState = {
      current: "green",
      slots: { blue: { issuedOn: "2026-09-01" }, green: { issuedOn: "2027-03-05" } },
      publishedOn: "2027-03-05",
      previousActiveUntil: "2027-03-12",
      previousWasStale: true,
      adopted: { slot: "blue", accessKeyId: K.hand },
    };
    const world: World = {
      tags: encodeRecord(state, STACK),
      document: documentOf(state, { ids: { blue: K.hand, green: K.green } }),
      writtenOn: "2027-03-05",
      keys: [key(K.hand, "Active", "2026-09-01"), key(K.green, "Active", "2027-03-05")],
    };
    const use = { date: "2027-03-11T10:00:00Z", service: "s3", region: "eu-west-1" };
    const { run } = await plan(world, "2027-03-12", { [K.hand]: use });
    assert.equal(run.plan.slots.blue?.status, "Inactive");
    assert.deepEqual(run.warnings, [
      `The previous access key ${K.hand} of IAM user "ci" was used on 2027-03-11 by s3 in ` +
        `eu-west-1, but it reached its maximum age (maxAgeDays) on 2026-11-30: it is ` +
        `deactivated now.`,
    ]);
  });
});

describe("planUserRun: a rotation day while the previous key is still used", () => {
  /** Green (2027-02-08) is due on 2027-03-10; blue was kept in use on 2027-03-09. */
  const DUE: RotationState = {
    current: "green",
    slots: { blue: { issuedOn: "2027-01-20" }, green: { issuedOn: "2027-02-08" } },
    publishedOn: "2027-02-08",
    previousActiveUntil: "2027-02-15",
    previousInUse: "2027-03-09",
  };
  const due = (): World => ({
    tags: encodeRecord(DUE, STACK),
    document: documentOf(DUE, { ids: { blue: K.blue, green: K.green }, previous: true }),
    writtenOn: "2027-03-09",
    keys: [key(K.blue, "Active", "2027-01-20"), key(K.green, "Active", "2027-02-08")],
  });

  it("the key is kept and the rotation waits (re-issuing its slot would delete it)", async () => {
    const use = { date: "2027-03-09T18:00:00Z", service: "s3", region: "eu-west-1" };
    const { run, calls } = await plan(due(), "2027-03-10", { [K.blue]: use });
    assert.deepEqual(run.plan.slots, {
      blue: { issuedOn: "2027-01-20", status: "Active" },
      green: { issuedOn: "2027-02-08", status: "Active" },
    });
    assert.equal(run.plan.current, "green");
    assert.equal(run.plan.nextRotationOn, "2027-03-11");
    assert.deepEqual(run.keptInUse, { slot: "blue", accessKeyId: K.blue, lastUse: use });
    assert.deepEqual(run.warnings, [
      stillUsed(K.blue, "2027-03-09", " by s3 in eu-west-1", "2027-04-20"),
    ]);
    assert.deepEqual(calls, [OBSERVE, `lastUse ${K.blue}`]);
  });

  it("quiet: the rotation goes ahead (blue re-issued, green the previous key)", async () => {
    const { run } = await plan(due(), "2027-03-10", { [K.blue]: null });
    assert.deepEqual(run.plan.slots, {
      blue: { issuedOn: "2027-03-10", status: "Active" },
      green: { issuedOn: "2027-02-08", status: "Active" },
    });
    assert.deepEqual(run.record, {
      current: "blue",
      slots: { blue: { issuedOn: "2027-03-10" }, green: { issuedOn: "2027-02-08" } },
      publishedOn: "2027-03-10",
      previousActiveUntil: "2027-03-17",
    });
    assert.deepEqual(run.warnings, []);
  });
});

describe("planUserRun: a recorded rotation that replaces a key kept because it was in use", () => {
  /** Blue was kept in use on 2027-03-09; tags say a run re-issued it on 2027-03-10 and failed. */
  const KEPT_ON_0309: RotationState = {
    current: "green",
    slots: { blue: { issuedOn: "2027-01-20" }, green: { issuedOn: "2027-02-08" } },
    publishedOn: "2027-02-08",
    previousActiveUntil: "2027-02-15",
    previousInUse: "2027-03-09",
  };
  const ROTATED: RotationState = {
    current: "blue",
    slots: { blue: { issuedOn: "2027-03-10" }, green: { issuedOn: "2027-02-08" } },
  };
  const world = (): World => ({
    tags: encodeRecord(ROTATED, STACK),
    document: documentOf(KEPT_ON_0309, { ids: { blue: K.blue, green: K.green }, previous: true }),
    writtenOn: "2027-03-09",
    keys: [key(K.blue, "Active", "2027-01-20"), key(K.green, "Active", "2027-02-08")],
  });
  const stillUsedStop = (last: string) =>
    `IAM user "ci": the rotation recorded in its tags replaces access key ${K.blue}, which was ` +
    `kept Active on 2027-03-09 because it was in use, and it is still used (last ${last} by s3 ` +
    `in eu-west-1). Stopping before any change: replacing it would cut that consumer off. Move ` +
    `the consumer to the published key, or set rebuildRecord: true on the user for one run ` +
    `(docs/runbooks.md, "Repairing a rotation record").`;

  it("used since the day it was kept: the run stops before any change, naming key and use", async () => {
    const { io, calls } = fakeIo(world(), {
      [K.blue]: { date: "2027-03-10T08:00:00Z", service: "s3", region: "eu-west-1" },
    });
    await assert.rejects(planUserRun(SETTINGS, "2027-03-11", io), (err: unknown) => {
      assert.ok(err instanceof RunStop);
      assert.deepEqual(err.problems, [stillUsedStop("2027-03-10")]);
      return true;
    });
    assert.deepEqual(calls, [OBSERVE, `lastUse ${K.blue}`]);
  });

  it("a use on the day it was kept counts (IAM's last-use data lags)", async () => {
    const { io } = fakeIo(world(), {
      [K.blue]: { date: "2027-03-09T23:00:00Z", service: "s3", region: "eu-west-1" },
    });
    await assert.rejects(planUserRun(SETTINGS, "2027-03-11", io), RunStop);
  });

  it("its last use unreadable: the run stops (never a silent cut-off)", async () => {
    const { io } = fakeIo(world(), { [K.blue]: new Error("AccessDenied") });
    await assert.rejects(planUserRun(SETTINGS, "2027-03-11", io), (err: unknown) => {
      assert.ok(err instanceof RunStop);
      assert.match(
        err.problems[0],
        /its last use cannot be read \(AccessDenied\)\. Stopping before any change\./,
      );
      return true;
    });
  });

  it("quiet since: the recorded rotation goes ahead", async () => {
    const { run } = await plan(world(), "2027-03-11", {
      [K.blue]: { date: "2027-03-08T10:00:00Z" },
    });
    assert.equal(run.plan.current, "blue");
    assert.equal(run.plan.slots.blue?.issuedOn, "2027-03-10");
  });

  it("the key already replaced in IAM: nothing to read, the rotation goes ahead", async () => {
    const w = world();
    w.keys = [
      key(K.green, "Active", "2027-02-08"),
      key("AKIAEXAMPLEBLUE00002", "Active", "2027-03-10"),
    ];
    const { run, calls } = await plan(w, "2027-03-11");
    assert.equal(run.plan.current, "blue");
    assert.deepEqual(calls, [OBSERVE]);
  });
});

describe("planUserRun: the record and the status before", () => {
  it("record = afterPublication(plan.state) on a rotation day; before = the recorded state", async () => {
    const { run, calls } = await plan(steady(), "2027-03-22");
    const rotated: RotationState = {
      current: "green",
      slots: { blue: { issuedOn: "2027-02-20" }, green: { issuedOn: "2027-03-22" } },
    };
    assert.deepEqual(run.before, { current: "blue", slots: { blue: { issuedOn: "2027-02-20" } } });
    assert.deepEqual(run.plan.state, rotated);
    assert.deepEqual(run.record, afterPublication(rotated, POLICY, "2027-03-22"));
    assert.deepEqual(run.record, {
      ...rotated,
      publishedOn: "2027-03-22",
      previousActiveUntil: "2027-03-29",
    });
    assert.deepEqual(run.statusBefore, { blue: "Active" });
    assert.deepEqual(calls, [OBSERVE]);
  });

  it("a new user: before undefined, blue issued, nothing read but the observation", async () => {
    const { run, calls } = await plan({ user: null, keys: [], secret: null }, "2027-03-10");
    assert.deepEqual(run, {
      before: undefined,
      plan: {
        state: { current: "blue", slots: { blue: { issuedOn: "2027-03-10" } } },
        current: "blue",
        slots: { blue: { issuedOn: "2027-03-10", status: "Active" } },
        nextRotationOn: "2027-04-09",
      },
      statusBefore: {},
      record: { current: "blue", slots: { blue: { issuedOn: "2027-03-10" } } },
      keyIds: {},
      warnings: [],
    });
    assert.deepEqual(calls, [OBSERVE]);
  });

  it("a pending rotation: the status of the published key only, no read", async () => {
    const { run, calls } = await plan(pending(), "2027-03-10");
    assert.deepEqual(run.statusBefore, { green: "Active" });
    assert.deepEqual(run.keyIds, { green: K.green });
    assert.deepEqual(run.plan.slots, {
      blue: { issuedOn: "2027-03-09", status: "Active" },
      green: { issuedOn: "2027-02-07", status: "Active" },
    });
    // The overlap starts with this run's publication.
    assert.deepEqual(run.record, {
      current: "blue",
      slots: { blue: { issuedOn: "2027-03-09" }, green: { issuedOn: "2027-02-07" } },
      publishedOn: "2027-03-10",
      previousActiveUntil: "2027-03-17",
    });
    assert.deepEqual(calls, [OBSERVE]);
  });
});

describe("planUserRun: a key past its maximum age, still used, on its slot's re-issue day", () => {
  it("says it is deleted (its slot re-issued), not deactivated", async () => {
    // The adopted key, turned back on by hand after its overlap and used again: on green's
    // rotation day blue is re-issued, which deletes it.
    const use = { date: "2027-04-03T09:00:00Z", service: "s3", region: "us-east-1" };
    const { run } = await plan(adopted(), "2027-04-04", { [K.hand]: use });
    assert.equal(run.plan.slots.blue?.issuedOn, "2027-04-04");
    assert.deepEqual(run.warnings, [
      `The previous access key ${K.hand} of IAM user "ci" was used on 2027-04-03 by s3 in ` +
        "us-east-1, but it reached its maximum age (maxAgeDays) on 2026-11-30: it is deleted " +
        "now, its slot re-issued for the next rotation.",
    ]);
  });
});

describe("planUserRun: the max-age cut warning", () => {
  const cutWarning = (on: string, overlapEndsOn: string, maxAgeDays: number) =>
    `The previous access key of IAM user "ci" is deactivated on ${on}, before its overlap would ` +
    `end on ${overlapEndsOn}: it reaches its maximum age (rotation.maxAgeDays ${maxAgeDays}) ` +
    `then. Consumers must have moved to the published key by ${on}.`;

  /** Policy tightened to 30/7/40 mid-overlap: blue (2027-01-29) reaches 40 days on 2027-03-10. */
  const TIGHT: RotationPolicy = { everyDays: 30, overlapDays: 7, maxAgeDays: 40 };
  const CUT: RotationState = {
    current: "green",
    slots: { blue: { issuedOn: "2027-01-29" }, green: { issuedOn: "2027-03-05" } },
    publishedOn: "2027-03-05",
    previousActiveUntil: "2027-03-12",
  };
  const cut = (): World => ({
    tags: encodeRecord(CUT, STACK),
    document: documentOf(CUT, { ids: { blue: K.blue, green: K.green }, previous: true }),
    writtenOn: "2027-03-05",
    keys: [key(K.blue, "Active", "2027-01-29"), key(K.green, "Active", "2027-03-05")],
  });

  it("days ahead", async () => {
    const { run } = await plan(cut(), "2027-03-06", {}, { policy: TIGHT });
    assert.equal(run.plan.slots.blue?.status, "Active");
    assert.deepEqual(run.warnings, [cutWarning("2027-03-10", "2027-03-12", 40)]);
  });

  it("on the day of the cut: deactivated, still said", async () => {
    const { run } = await plan(cut(), "2027-03-10", { [K.blue]: null }, { policy: TIGHT });
    assert.equal(run.plan.slots.blue?.status, "Inactive");
    assert.deepEqual(run.warnings, [cutWarning("2027-03-10", "2027-03-12", 40)]);
  });

  it("maxAgeDays lowered past the previous key's age: deactivated now, said now (no day ahead could)", async () => {
    // 20/7/35: blue (2027-01-29) reached 35 days on 2027-03-05, before this run of 2027-03-08.
    const policy: RotationPolicy = { everyDays: 20, overlapDays: 7, maxAgeDays: 35 };
    const { run } = await plan(cut(), "2027-03-08", { [K.blue]: null }, { policy });
    assert.equal(run.plan.slots.blue?.status, "Inactive");
    assert.deepEqual(run.warnings, [
      `The previous access key ${K.blue} of IAM user "ci" is deactivated now, before its ` +
        "overlap would end on 2027-03-12: it reached its maximum age (rotation.maxAgeDays 35) " +
        "on 2027-03-05. Consumers still using it must move to the published key now.",
    ]);
  });

  it("a key already Inactive, or revoked, is not said to be cut", async () => {
    const policy: RotationPolicy = { everyDays: 20, overlapDays: 7, maxAgeDays: 35 };
    const inactive: World = {
      ...cut(),
      keys: [key(K.blue, "Inactive", "2027-01-29"), key(K.green, "Active", "2027-03-05")],
    };
    assert.deepEqual((await plan(inactive, "2027-03-08", {}, { policy })).run.warnings, []);
    const revoked = await plan(
      cut(),
      "2027-03-08",
      { [K.blue]: null },
      {
        policy,
        revokeIssuedBefore: "2027-02-01",
      },
    );
    assert.equal(revoked.run.plan.slots.blue?.status, "Inactive");
    assert.deepEqual(revoked.run.warnings, []);
  });

  it("not more than 7 days ahead", async () => {
    // 30/14/44: blue (2027-01-20) reaches 44 days on 2027-03-05, its overlap would end 2027-03-11.
    const policy: RotationPolicy = { everyDays: 30, overlapDays: 14, maxAgeDays: 44 };
    const state: RotationState = {
      current: "green",
      slots: { blue: { issuedOn: "2027-01-20" }, green: { issuedOn: "2027-02-25" } },
      publishedOn: "2027-02-25",
      previousActiveUntil: "2027-03-11",
    };
    const world: World = {
      tags: encodeRecord(state, STACK),
      document: documentOf(state, { ids: { blue: K.blue, green: K.green }, previous: true }),
      writtenOn: "2027-02-25",
      keys: [key(K.blue, "Active", "2027-01-20"), key(K.green, "Active", "2027-02-25")],
    };
    assert.deepEqual((await plan(world, "2027-02-25", {}, { policy })).run.warnings, []);
    assert.deepEqual((await plan(world, "2027-02-26", {}, { policy })).run.warnings, [
      cutWarning("2027-03-05", "2027-03-11", 44),
    ]);
  });

  it("said by the run that starts the overlap (a late rotation)", async () => {
    // Blue (2027-02-03) was due on 2027-03-05; rotated late on 2027-03-10, it reaches 40 days
    // on 2027-03-15, before its overlap would end on 2027-03-17.
    const state: RotationState = { current: "blue", slots: { blue: { issuedOn: "2027-02-03" } } };
    const world: World = {
      tags: encodeRecord(state, STACK),
      document: documentOf(state, { ids: { blue: K.blue } }),
      writtenOn: "2027-02-03",
      keys: [key(K.blue, "Active", "2027-02-03")],
    };
    const { run } = await plan(world, "2027-03-10", {}, { policy: TIGHT });
    assert.equal(run.plan.current, "green");
    assert.equal(run.record.previousActiveUntil, "2027-03-17");
    assert.deepEqual(run.warnings, [cutWarning("2027-03-15", "2027-03-17", 40)]);
  });

  it("no warning without a cut", async () => {
    const { run } = await plan(overlap(), "2027-03-10");
    assert.deepEqual(run.warnings, []);
  });
});

describe("planUserRun: adoption", () => {
  const ADOPT = { adopt: { deleteInactiveKey: false } };
  const DELETE = { adopt: { deleteInactiveKey: true } };
  const existing = (keys: World["keys"]): World => ({
    tags: { team: "payments" },
    document: null,
    writtenOn: "",
    keys,
  });

  it("one Active key: adopted into blue, green issued, the adopted key keeps its overlap", async () => {
    const { run, calls } = await plan(
      existing([key(K.hand, "Active", "2026-06-01")]),
      "2027-03-10",
      {},
      ADOPT,
    );
    const adopted = { slot: "blue" as const, accessKeyId: K.hand };
    assert.deepEqual(run, {
      before: { current: "blue", slots: { blue: { issuedOn: "2026-06-01" } }, adopted },
      plan: {
        state: {
          current: "green",
          slots: { blue: { issuedOn: "2026-06-01" }, green: { issuedOn: "2027-03-10" } },
          adopted,
        },
        current: "green",
        slots: {
          blue: { issuedOn: "2026-06-01", status: "Active" },
          green: { issuedOn: "2027-03-10", status: "Active" },
        },
        nextRotationOn: "2027-04-09",
      },
      statusBefore: { blue: "Active" },
      createDates: { blue: "2026-06-01T09:15:00Z" },
      record: {
        current: "green",
        slots: { blue: { issuedOn: "2026-06-01" }, green: { issuedOn: "2027-03-10" } },
        adopted,
        publishedOn: "2027-03-10",
        previousActiveUntil: "2027-03-17",
        previousWasStale: true,
      },
      keyIds: { blue: K.hand },
      adoption: { keepTags: { team: "payments" }, deleteKeys: [] },
      warnings: [],
    });
    assert.deepEqual(calls, [OBSERVE]);
  });

  it("Active + Inactive with deleteInactiveKey: deleted in up", async () => {
    const { run, calls } = await plan(
      existing([key(K.hand, "Active", "2026-06-01"), key(K.hand2, "Inactive", "2026-01-01")]),
      "2027-03-10",
      { [K.hand]: S3_USE, [K.hand2]: null },
      DELETE,
    );
    // Planning deletes nothing: the program deletes once every user's plan went through.
    assert.deepEqual(calls, [OBSERVE, `lastUse ${K.hand}`, `lastUse ${K.hand2}`]);
    assert.deepEqual(run.adoption?.deleteKeys, [key(K.hand2, "Inactive", "2026-01-01")]);
    assert.deepEqual(run.warnings, [
      `Adopting IAM user "ci": deleting its Inactive access key ${K.hand2} (adopt.deleteInactiveKey).`,
    ]);
    const deleted: string[] = [];
    const io = {
      deleteInactiveKey: async (user: string, id: string) => void deleted.push(`${user} ${id}`),
    };
    await deleteAdoptedInactiveKeys(run, "ci", io, true);
    assert.deepEqual(deleted, [], "never at preview");
    await deleteAdoptedInactiveKeys(run, "ci", io, false);
    assert.deepEqual(deleted, [`ci ${K.hand2}`]);
    assert.deepEqual(run.keyIds, { blue: K.hand });
  });

  it("Active + Inactive with deleteInactiveKey: only a warning at preview (dryRun)", async () => {
    const { run, calls } = await plan(
      existing([key(K.hand, "Active", "2026-06-01"), key(K.hand2, "Inactive", "2026-01-01")]),
      "2027-03-10",
      { [K.hand]: S3_USE, [K.hand2]: null },
      { ...DELETE, dryRun: true },
    );
    assert.deepEqual(calls, [OBSERVE, `lastUse ${K.hand}`, `lastUse ${K.hand2}`]);
    assert.deepEqual(run.warnings, [
      `Adopting IAM user "ci": pulumi up deletes its Inactive access key ${K.hand2} ` +
        `(adopt.deleteInactiveKey).`,
    ]);
  });

  it("Active + Inactive without deleteInactiveKey: RunStop, nothing deleted", async () => {
    const { io, calls } = fakeIo(
      existing([key(K.hand, "Active", "2026-06-01"), key(K.hand2, "Inactive", "2026-01-01")]),
      { [K.hand]: S3_USE, [K.hand2]: null },
    );
    await assert.rejects(planUserRun({ ...SETTINGS, ...ADOPT }, "2027-03-10", io), {
      name: "RunStop",
      problems: [
        `IAM user "ci" has an Inactive access key ${K.hand2} (created 2026-01-01, 433 days old, ` +
          `never used); IAM allows two keys and the rotation needs a free slot. Delete it (aws ` +
          `iam delete-access-key --user-name ci --access-key-id ${K.hand2}), or set adopt: { ` +
          `deleteInactiveKey: true } on the user to let the run delete it.`,
      ],
    });
    assert.ok(!calls.some((c) => c.startsWith("deleteInactiveKey")));
  });

  it("two Active keys: the last uses read through the IO are in the stop; a failed read is 'unknown'", async () => {
    const { io } = fakeIo(
      existing([key(K.hand, "Active", "2025-11-02"), key(K.hand2, "Active", "2026-08-15")]),
      {
        [K.hand]: { date: "2027-03-09T10:00:00Z", service: "s3", region: "eu-west-1" },
        [K.hand2]: new Error("AccessDenied"),
      },
    );
    await assert.rejects(planUserRun({ ...SETTINGS, ...ADOPT }, "2027-03-10", io), (err) => {
      assert.ok(err instanceof RunStop);
      assert.equal(err.problems.length, 1);
      assert.match(
        err.problems[0],
        /^IAM user "ci" has two Active access keys: AKIAEXAMPLEHAND00001 \(created 2025-11-02, 493 days old, last used 2027-03-09 by s3 in eu-west-1\) and AKIAEXAMPLEHAND00002 \(created 2026-08-15, 207 days old, last use unknown\)\./,
      );
      return true;
    });
  });

  it("no key: blue issued, nothing read", async () => {
    const { run, calls } = await plan(existing([]), "2027-03-10", {}, ADOPT);
    assert.deepEqual(run.plan.slots, { blue: { issuedOn: "2027-03-10", status: "Active" } });
    assert.deepEqual(run.adoption, { keepTags: { team: "payments" }, deleteKeys: [] });
    assert.deepEqual(calls, [OBSERVE]);
  });
});

describe("planUserRun: RunStop", () => {
  it("carries every problem of the user; its message joins them by lines", async () => {
    const world = existing2Inactive();
    const { io, calls } = fakeIo(world, { [K.hand]: null, [K.hand2]: null });
    const err = await planUserRun(
      { ...SETTINGS, adopt: { deleteInactiveKey: false } },
      "2027-03-10",
      io,
    ).then(
      () => assert.fail("expected a RunStop"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof RunStop);
    assert.equal(err.name, "RunStop");
    assert.equal(err.problems.length, 2);
    assert.match(err.problems[0], new RegExp(`Inactive access key ${K.hand} `));
    assert.match(err.problems[1], new RegExp(`Inactive access key ${K.hand2} `));
    assert.equal(err.message, err.problems.join("\n"));
    assert.ok(!calls.some((c) => c.startsWith("deleteInactiveKey")));
  });

  it("a tampered record: RunStop with the disagreement, no last-use read", async () => {
    const world = {
      ...overlap(),
      tags: edited(overlap().tags, { "key-rotation:previous-active-until": "2099-01-01" }),
    };
    const { io, calls } = fakeIo(world, { [K.blue]: S3_USE });
    await assert.rejects(planUserRun(SETTINGS, "2027-03-14", io), (err) => {
      assert.ok(err instanceof RunStop);
      assert.equal(err.problems.length, 1);
      assert.match(
        err.problems[0],
        /^IAM user "ci": its rotation record \(tags\) disagrees with the published document: tag key-rotation:previous-active-until is 2099-01-01/,
      );
      return true;
    });
    assert.deepEqual(calls, [OBSERVE]);
  });

  it("a failed observation is passed on as it is", async () => {
    const io: RunPlanIo = {
      observe: () => Promise.reject(new Error('Cannot list the access keys of IAM user "ci"')),
      lastUse: () => Promise.reject(new Error("unused")),
      deleteInactiveKey: () => Promise.reject(new Error("unused")),
    };
    await assert.rejects(planUserRun(SETTINGS, "2027-03-10", io), {
      message: 'Cannot list the access keys of IAM user "ci"',
    });
  });

  it("a published record the model rejects (dated in the future) is a RunStop naming the user", async () => {
    const world = overlap();
    (world.document as any).record.publishedOn = "2027-03-20";
    const { io } = fakeIo(world);
    await assert.rejects(planUserRun(SETTINGS, "2027-03-10", io), (err) => {
      assert.ok(err instanceof RunStop, `not a RunStop: ${String(err)}`);
      assert.match(err.message, /IAM user "ci"/);
      return true;
    });
  });

  it("a previous key kept in use is not deleted by a rotation-shaped tamper", async () => {
    // See crossCheck.test.ts: tags shaped like a rotation would re-issue blue, the key a
    // consumer still used yesterday, with no last-use check.
    const world = {
      ...kept(),
      tags: edited(kept().tags, {
        "key-rotation:current": "blue",
        "key-rotation:blue": "2027-03-10",
        "key-rotation:previous-active-until": undefined,
        "key-rotation:previous-in-use": undefined,
      }),
    };
    const use = { date: "2027-03-09T23:00:00Z", service: "s3", region: "eu-west-1" };
    const { io } = fakeIo(world, { [K.blue]: use });
    const outcome = await planUserRun(SETTINGS, "2027-03-10", io).then(
      (run) => run.plan.slots.blue,
      (err: unknown) => (err instanceof RunStop ? "stopped" : err),
    );
    assert.ok(
      outcome === "stopped" ||
        (typeof outcome === "object" && (outcome as any)?.issuedOn === KEPT.slots.blue!.issuedOn),
      `blue is re-issued: ${JSON.stringify(outcome)}`,
    );
  });
});

function existing2Inactive(): World {
  return {
    tags: {},
    document: null,
    writtenOn: "",
    keys: [key(K.hand, "Inactive", "2025-11-02"), key(K.hand2, "Inactive", "2026-08-15")],
  };
}

describe("planUserRun: the secret's ARN as read (what the self-read policy names)", () => {
  const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:key-rotation/ci-AbCdEf";
  const withArn = (world: World, arn: string | undefined): Observation => {
    const observed = observation(world);
    return { ...observed, secret: { ...observed.secret!, ...(arn !== undefined && { arn }) } };
  };

  it("kept when the secret holds a document this stack published (its record names the stack)", async () => {
    assert.equal((await plan(withArn(steady(), ARN), "2027-03-10")).run.secretArn, ARN);
    assert.equal((await plan(withArn(overlap(), ARN), "2027-03-10")).run.secretArn, ARN);
    assert.equal((await plan(withArn(retired(), ARN), "2027-03-10")).run.secretArn, ARN);
  });

  it("none when the read gave none, for a new user, or for a secret that is not the stack's", async () => {
    assert.equal((await plan(withArn(steady(), undefined), "2027-03-10")).run.secretArn, undefined);
    const fresh = await plan({ user: null, keys: [], secret: null }, "2027-03-10");
    assert.equal(fresh.run.secretArn, undefined);
    // The user's record is in its tags, but the secret holds no document of this stack's (the
    // stack could not create it: its name was taken): the run goes ahead, granting nothing.
    for (const document of ["not JSON", "{}", JSON.stringify({ hello: "world" })]) {
      const run = await plan(withArn({ ...steady(), document }, ARN), "2027-03-10");
      assert.equal(run.run.secretArn, undefined, document);
    }
    // A document of an earlier version, with no record: not known to be this stack's.
    const legacy = await plan(withArn(steady({ legacy: true }), ARN), "2027-03-10");
    assert.equal(legacy.run.secretArn, undefined);
    // Adopting a hand-made user whose secret already exists.
    const handMade: Observation = {
      user: { path: "/", tags: {} },
      keys: [key(K.hand, "Active", "2026-09-01")],
      secret: { text: "{}", writtenOn: "2026-09-01", arn: ARN },
    };
    const adopting = await plan(
      handMade,
      "2027-03-10",
      {},
      {
        adopt: { deleteInactiveKey: false },
      },
    );
    assert.notEqual(adopting.run.adoption, undefined);
    assert.equal(adopting.run.secretArn, undefined);
  });

  it("none when the ARN is not that of the secret read (never put in a policy unchecked)", async () => {
    for (const arn of [
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:key-rotation/other-AbCdEf",
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:key-rotation/ci-x-AbCdEf",
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:key-rotation/ci",
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:key-rotation/ci-AbCd*f",
      "arn:aws:ssm:us-east-1:123456789012:secret:key-rotation/ci-AbCdEf",
      "arn:aws:secretsmanager:us-east-1:*:secret:key-rotation/ci-AbCdEf",
      `${ARN} `,
      "",
    ]) {
      assert.equal(
        (await plan(withArn(steady(), arn), "2027-03-10")).run.secretArn,
        undefined,
        arn,
      );
    }
  });
});

describe("secretArnRead", () => {
  it("takes the ARN of exactly the secret named, in any partition", () => {
    for (const [arn, name] of [
      [
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:key-rotation/ci-AbCdEf",
        "key-rotation/ci",
      ],
      [
        "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:a+b=c,d.e@f_g-h-Zz09aA",
        "a+b=c,d.e@f_g-h",
      ],
      ["arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:x-123456", "x"],
    ]) {
      assert.equal(secretArnRead(arn, name), arn);
    }
  });

  it("refuses any other", () => {
    const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:key-rotation/ci-AbCdEf";
    assert.equal(secretArnRead(arn, "key-rotation/c"), undefined);
    assert.equal(secretArnRead(arn, "key-rotation/ci-AbCdEf"), undefined);
    assert.equal(secretArnRead(arn, "ci"), undefined);
    assert.equal(secretArnRead(undefined, "key-rotation/ci"), undefined);
  });
});

describe("planUserRun: the user's ARN as read (a stack output)", () => {
  const ARN = "arn:aws:iam::123456789012:user/ci";
  const withArn = (world: World, arn: string): Observation => {
    const observed = observation(world);
    return { ...observed, user: { ...observed.user!, arn } };
  };

  it("kept when the run leaves the user's path as it is", async () => {
    assert.equal((await plan(withArn(steady(), ARN), "2027-03-10")).run.userArn, ARN);
  });

  it("none when the run moves the user to another path (its ARN changes), or for a new user", async () => {
    const moved = await plan(withArn(steady(), ARN), "2027-03-10", {}, { path: "/key-rotation/" });
    assert.equal(moved.run.userArn, undefined);
    assert.equal(
      (await plan({ user: null, keys: [], secret: null }, "2027-03-10")).run.userArn,
      undefined,
    );
  });
});

describe("userArnRead", () => {
  it("takes the ARN of exactly that user under that path, in any partition", () => {
    assert.equal(
      userArnRead("arn:aws:iam::123456789012:user/key-rotation/ci", "ci", "/key-rotation/"),
      "arn:aws:iam::123456789012:user/key-rotation/ci",
    );
    assert.equal(
      userArnRead("arn:aws-cn:iam::123456789012:user/a+b=c,d.e@f_g-h", "a+b=c,d.e@f_g-h", "/"),
      "arn:aws-cn:iam::123456789012:user/a+b=c,d.e@f_g-h",
    );
  });

  it("refuses any other", () => {
    for (const [arn, name, path] of [
      ["arn:aws:iam::123456789012:user/ci", "ci", "/key-rotation/"],
      ["arn:aws:iam::123456789012:user/key-rotation/ci", "ci", "/"],
      ["arn:aws:iam::123456789012:user/key-rotation/ci2", "ci", "/key-rotation/"],
      ["arn:aws:iam::123456789012:role/key-rotation/ci", "ci", "/key-rotation/"],
      ["arn:aws:iam::*:user/key-rotation/ci", "ci", "/key-rotation/"],
      ["arn:aws:sts::123456789012:user/key-rotation/ci", "ci", "/key-rotation/"],
    ]) {
      assert.equal(userArnRead(arn, name, path), undefined, arn);
    }
    assert.equal(userArnRead(undefined, "ci", "/"), undefined);
  });
});
