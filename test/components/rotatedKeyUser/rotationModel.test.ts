import * as assert from "node:assert/strict";
import {
  advance,
  afterPublication,
  awaitsPublication,
  calendar,
  DEFAULT_POLICY,
  maxAgeCut,
  RotationState,
  validatePolicy,
  validateState,
} from "../../../components/rotatedKeyUser/rotationModel";
import { addDays } from "../../../lib/days";

const P = DEFAULT_POLICY; // 30 / 7 / 90

describe("validatePolicy", () => {
  const cases: [string, Partial<typeof P>, string[]][] = [
    ["defaults", {}, []],
    ["the tightest valid policy", { everyDays: 1, overlapDays: 0, maxAgeDays: 2 }, []],
    [
      "everyDays 0",
      { everyDays: 0 },
      ["[rotation.everyDays] must be an integer from 1 to 365 (got 0)."],
    ],
    [
      "everyDays 366",
      { everyDays: 366, maxAgeDays: 365 },
      ["[rotation.everyDays] must be an integer from 1 to 365 (got 366)."],
    ],
    [
      "everyDays fractional",
      { everyDays: 1.5 },
      ["[rotation.everyDays] must be an integer from 1 to 365 (got 1.5)."],
    ],
    [
      "everyDays a string",
      { everyDays: "30" as unknown as number },
      ['[rotation.everyDays] must be an integer from 1 to 365 (got "30").'],
    ],
    [
      "overlapDays negative",
      { overlapDays: -1 },
      ["[rotation.overlapDays] must be an integer of 0 or more (got -1)."],
    ],
    [
      "everyDays and overlapDays that no maxAgeDays can cover",
      { everyDays: 365, overlapDays: 7, maxAgeDays: 365 },
      [
        "[rotation.everyDays] + [rotation.overlapDays] = 372 is more than the 365 days a key may live ([rotation.maxAgeDays] at most): lower [rotation.everyDays] or [rotation.overlapDays].",
      ],
    ],
    [
      "everyDays 365 with no overlap",
      { everyDays: 365, overlapDays: 0, maxAgeDays: 365 },
      [
        "[rotation.everyDays] + 1 (with no overlap) = 366 is more than the 365 days a key may live ([rotation.maxAgeDays] at most): lower [rotation.everyDays].",
      ],
    ],
    [
      "overlapDays equal to everyDays",
      { everyDays: 30, overlapDays: 30 },
      ["[rotation.overlapDays] must be smaller than [rotation.everyDays] (got 30 and 30)."],
    ],
    [
      "maxAgeDays below everyDays + overlapDays",
      { maxAgeDays: 36 },
      [
        "[rotation.maxAgeDays] must be at least [rotation.everyDays] + [rotation.overlapDays] = 37, or a key outlives it (got 36).",
      ],
    ],
    [
      "maxAgeDays equal to everyDays with no overlap",
      { everyDays: 30, overlapDays: 0, maxAgeDays: 30 },
      [
        "[rotation.maxAgeDays] must be at least [rotation.everyDays] + 1 = 31 when [rotation.overlapDays] is 0: " +
          "the previous key is deactivated the day after the new key is published (got 30).",
      ],
    ],
    [
      "maxAgeDays above 365",
      { maxAgeDays: 400 },
      ["[rotation.maxAgeDays] must be an integer from 1 to 365 (got 400)."],
    ],
    [
      "everything wrong at once",
      { everyDays: -3, overlapDays: -1, maxAgeDays: 0 },
      [
        "[rotation.everyDays] must be an integer from 1 to 365 (got -3).",
        "[rotation.overlapDays] must be an integer of 0 or more (got -1).",
        "[rotation.maxAgeDays] must be an integer from 1 to 365 (got 0).",
      ],
    ],
  ];
  for (const [title, change, expected] of cases) {
    it(title, () => assert.deepEqual(validatePolicy({ ...P, ...change }), expected));
  }

  it("names the field it was given", () => {
    assert.deepEqual(validatePolicy({ ...P, everyDays: 0 }, "users[2].rotation"), [
      "[users[2].rotation.everyDays] must be an integer from 1 to 365 (got 0).",
    ]);
  });
});

describe("validateState", () => {
  const base: RotationState = {
    current: "green",
    slots: { blue: { issuedOn: "2026-01-01" }, green: { issuedOn: "2026-01-31" } },
    previousActiveUntil: "2026-02-07",
  };
  it("accepts a consistent record", () => assert.deepEqual(validateState(base, "2026-02-10"), []));
  it("rejects every inconsistency, each in its own sentence", () => {
    assert.deepEqual(validateState({ current: "red" as "blue", slots: {} }, "2026-02-10"), [
      'current slot must be "blue" or "green" (got "red").',
    ]);
    assert.deepEqual(validateState({ current: "blue", slots: {} }, "2026-02-10"), [
      "current slot blue has no issue date.",
    ]);
    assert.deepEqual(validateState(base, "2026-01-30"), [
      "green issue date 2026-01-31 is after today (2026-01-30).",
    ]);
    assert.deepEqual(validateState({ current: "blue", slots: base.slots }, "2026-02-10"), [
      "previous slot green (issued 2026-01-31) must be older than current slot blue (issued 2026-01-01).",
    ]);
    assert.deepEqual(
      validateState(
        { ...base, slots: { ...base.slots, blue: { issuedOn: "2026-02-30" } } },
        "2026-03-10",
      ),
      ['blue issue date must be YYYY-MM-DD (got "2026-02-30").'],
    );
    assert.deepEqual(validateState({ ...base, previousActiveUntil: "soon" }, "2026-02-10"), [
      'previous key end of overlap must be YYYY-MM-DD (got "soon").',
    ]);
  });
});

describe("advance", () => {
  it("issues blue on the first run", () => {
    assert.deepEqual(advance(undefined, P, "2026-11-22"), {
      state: { current: "blue", slots: { blue: { issuedOn: "2026-11-22" } } },
      current: "blue",
      slots: { blue: { issuedOn: "2026-11-22", status: "Active" } },
      nextRotationOn: "2026-12-22",
    });
  });

  it("changes nothing before the current key is everyDays old", () => {
    const state: RotationState = { current: "blue", slots: { blue: { issuedOn: "2026-11-22" } } };
    assert.deepEqual(advance(state, P, "2026-12-21"), {
      state,
      current: "blue",
      slots: { blue: { issuedOn: "2026-11-22", status: "Active" } },
      nextRotationOn: "2026-12-22",
    });
  });

  it("in a forecast (publication not given), a rotation starts the overlap on the day itself", () => {
    const state: RotationState = { current: "blue", slots: { blue: { issuedOn: "2026-11-22" } } };
    assert.equal(advance(state, P, "2026-12-22").state.previousActiveUntil, "2026-12-29");
  });

  it("issues green on the due date; blue stays Active and the overlap waits for publication", () => {
    const state: RotationState = { current: "blue", slots: { blue: { issuedOn: "2026-11-22" } } };
    assert.deepEqual(
      advance(state, P, "2026-12-22", {
        slot: "blue",
        issuedOn: "2026-11-22",
        publishedOn: "2026-11-22",
      }),
      {
        state: {
          current: "green",
          slots: { blue: { issuedOn: "2026-11-22" }, green: { issuedOn: "2026-12-22" } },
        },
        current: "green",
        slots: {
          blue: { issuedOn: "2026-11-22", status: "Active" },
          green: { issuedOn: "2026-12-22", status: "Active" },
        },
        nextRotationOn: "2027-01-21",
      },
    );
  });

  it("starts the overlap on the day the new key was published", () => {
    const state: RotationState = {
      current: "green",
      slots: { blue: { issuedOn: "2026-11-22" }, green: { issuedOn: "2026-12-22" } },
    };
    const plan = advance(state, P, "2026-12-23", {
      slot: "green",
      issuedOn: "2026-12-22",
      publishedOn: "2026-12-22",
    });
    assert.equal(plan.state.previousActiveUntil, "2026-12-29");
    assert.deepEqual(plan.slots.blue, { issuedOn: "2026-11-22", status: "Active" });
    const late = advance(state, P, "2026-12-30", {
      slot: "green",
      issuedOn: "2026-12-22",
      publishedOn: "2026-12-27",
    });
    assert.equal(late.state.previousActiveUntil, "2027-01-03");
    assert.deepEqual(late.slots.blue, { issuedOn: "2026-11-22", status: "Active" });
  });

  it("keeps the previous key Active while the new key is not published, and delays the next rotation", () => {
    const state: RotationState = {
      current: "green",
      slots: { blue: { issuedOn: "2026-11-22" }, green: { issuedOn: "2026-12-22" } },
    };
    const stillBlue = { slot: "blue" as const, issuedOn: "2026-11-22", publishedOn: "2026-11-22" };
    for (const published of [stillBlue, null]) {
      const plan = advance(state, P, "2027-02-01", published);
      assert.deepEqual(plan.state, state);
      assert.deepEqual(plan.slots.blue, { issuedOn: "2026-11-22", status: "Active" });
      assert.equal(plan.nextRotationOn, "2027-02-08", "not before blue's overlap could end");
    }
  });

  it("deactivates the previous key on its recorded date and re-issues its slot on the next due date", () => {
    const state: RotationState = {
      current: "green",
      slots: { blue: { issuedOn: "2026-11-22" }, green: { issuedOn: "2026-12-22" } },
      previousActiveUntil: "2026-12-29",
    };
    assert.equal(advance(state, P, "2026-12-28").slots.blue?.status, "Active");
    assert.equal(advance(state, P, "2026-12-29").slots.blue?.status, "Inactive");
    assert.deepEqual(advance(state, P, "2027-01-21", null), {
      state: {
        current: "blue",
        slots: { blue: { issuedOn: "2027-01-21" }, green: { issuedOn: "2026-12-22" } },
      },
      current: "blue",
      slots: {
        blue: { issuedOn: "2027-01-21", status: "Active" },
        green: { issuedOn: "2026-12-22", status: "Active" },
      },
      nextRotationOn: "2027-02-20",
    });
  });

  it("a missed month is caught up by one rotation, never two", () => {
    const state: RotationState = {
      current: "green",
      slots: { blue: { issuedOn: "2026-11-22" }, green: { issuedOn: "2026-12-22" } },
      previousActiveUntil: "2026-12-29",
    };
    const plan = advance(state, P, "2027-04-01");
    assert.deepEqual(plan.slots, {
      blue: { issuedOn: "2027-04-01", status: "Active" },
      green: { issuedOn: "2026-12-22", status: "Active" },
    });
    assert.equal(plan.nextRotationOn, "2027-05-01");
  });

  it("a shorter everyDays applies at once; a shorter overlapDays never cuts a running overlap", () => {
    const state: RotationState = {
      current: "green",
      slots: { blue: { issuedOn: "2026-11-22" }, green: { issuedOn: "2026-12-22" } },
      previousActiveUntil: "2026-12-29",
    };
    // maxAgeDays 40 keeps blue (issued 11-22) inside its bound until 01-01.
    const tighter = { everyDays: 3, overlapDays: 1, maxAgeDays: 40 };
    assert.equal(
      advance(state, tighter, "2026-12-28").slots.blue?.status,
      "Active",
      "still promised until 12-29",
    );
    assert.equal(
      advance(state, tighter, "2026-12-28").current,
      "green",
      "no re-issue before the overlap ends",
    );
    assert.equal(
      advance(state, tighter, "2026-12-29").current,
      "blue",
      "re-issued as soon as the overlap ends",
    );
  });

  it("is idempotent on the same day", () => {
    let state: RotationState | undefined;
    for (let i = 0; i < 200; i++) {
      const day = addDays("2026-11-22", i);
      const first = advance(state, P, day);
      assert.deepEqual(advance(first.state, P, day), first, day);
      const published = {
        slot: first.current,
        issuedOn: first.slots[first.current]!.issuedOn,
        publishedOn: day,
      };
      const observed = advance(first.state, P, day, published);
      assert.deepEqual(advance(observed.state, P, day, published), observed, day);
      assert.deepEqual(observed.slots, first.slots, day);
      state = first.state;
    }
  });

  it("rejects an invalid policy or record with every problem", () => {
    assert.throws(() => advance(undefined, { ...P, overlapDays: 30 }, "2026-11-22"), {
      name: "RangeError",
      message: "[rotation.overlapDays] must be smaller than [rotation.everyDays] (got 30 and 30).",
    });
    assert.throws(
      () =>
        advance({ current: "blue", slots: { blue: { issuedOn: "2027-01-01" } } }, P, "2026-11-22"),
      {
        name: "RangeError",
        message: "blue issue date 2027-01-01 is after today (2026-11-22).",
      },
    );
  });

  it("awaitsPublication only while a previous key waits for its overlap to start", () => {
    assert.equal(awaitsPublication(undefined), false);
    assert.equal(awaitsPublication(null), false);
    assert.equal(
      awaitsPublication({ current: "blue", slots: { blue: { issuedOn: "2026-01-01" } } }),
      false,
    );
    const both = { blue: { issuedOn: "2026-01-01" }, green: { issuedOn: "2026-01-31" } };
    assert.equal(awaitsPublication({ current: "green", slots: both }), true);
    assert.equal(
      awaitsPublication({ current: "green", slots: both, previousActiveUntil: "2026-02-07" }),
      false,
    );
  });
});

describe("advance with a revocation (a leaked key)", () => {
  const midCycle: RotationState = {
    current: "green",
    slots: { blue: { issuedOn: "2026-11-22" }, green: { issuedOn: "2026-12-22" } },
    previousActiveUntil: "2026-12-29",
  };

  it("deactivates a revoked previous key now, without waiting for its overlap", () => {
    assert.deepEqual(advance(midCycle, P, "2026-12-25", null, "2026-12-01"), {
      state: { ...midCycle, revokedBefore: "2026-12-01" },
      current: "green",
      slots: {
        blue: { issuedOn: "2026-11-22", status: "Inactive" },
        green: { issuedOn: "2026-12-22", status: "Active" },
      },
      nextRotationOn: "2027-01-21",
    });
  });

  it("replaces a revoked current key now, re-issuing the idle slot, and deactivates the old one", () => {
    assert.deepEqual(advance(midCycle, P, "2026-12-25", null, "2026-12-25"), {
      state: {
        current: "blue",
        slots: { blue: { issuedOn: "2026-12-25" }, green: { issuedOn: "2026-12-22" } },
        revokedBefore: "2026-12-25",
      },
      current: "blue",
      slots: {
        blue: { issuedOn: "2026-12-25", status: "Active" },
        green: { issuedOn: "2026-12-22", status: "Inactive" },
      },
      nextRotationOn: "2027-01-24",
    });
  });

  it("re-issues a revoked current key in its own slot when it was never seen published", () => {
    const pending: RotationState = { current: "green", slots: midCycle.slots };
    const stillBlue = { slot: "blue" as const, issuedOn: "2026-11-22", publishedOn: "2026-11-22" };
    const plan = advance(pending, P, "2026-12-24", stillBlue, "2026-12-24");
    assert.deepEqual(plan.slots, {
      blue: { issuedOn: "2026-11-22", status: "Inactive" },
      green: { issuedOn: "2026-12-24", status: "Active" },
    });
    assert.equal(plan.current, "green", "blue, which consumers have, is kept until green is out");
  });

  it("revokes a key issued yesterday today, and never the key issued to replace it", () => {
    const fresh: RotationState = { current: "blue", slots: { blue: { issuedOn: "2026-11-22" } } };
    const today = advance(fresh, P, "2026-11-23", null, "2026-11-23");
    assert.deepEqual(today.slots, {
      blue: { issuedOn: "2026-11-22", status: "Inactive" },
      green: { issuedOn: "2026-11-23", status: "Active" },
    });
    assert.deepEqual(
      advance(today.state, P, "2026-11-23", null, "2026-11-23"),
      today,
      "idempotent",
    );
    const next = advance(today.state, P, "2026-11-24", null, "2026-11-23");
    assert.equal(next.current, "green", "the replacement, issued on the revocation day, stays");
    assert.equal(next.slots.green?.status, "Active");
  });

  it("keeps a revoked key Inactive after the setting is removed", () => {
    const revoked = advance(midCycle, P, "2026-12-25", null, "2026-12-01");
    assert.deepEqual(advance(revoked.state, P, "2026-12-26", null).slots.blue, {
      issuedOn: "2026-11-22",
      status: "Inactive",
    });
  });

  it("rejects a revocation date in the future, tomorrow included", () => {
    assert.throws(() => advance(midCycle, P, "2026-12-25", null, "2026-12-26"), {
      name: "RangeError",
      message:
        "revokeIssuedBefore 2026-12-26 is in the future (today is 2026-12-25): only keys that " +
        "exist can be revoked, and a later date would also revoke the key issued to replace them.",
    });
  });

  it("rejects a recorded revocation in the future", () => {
    assert.throws(
      () => advance({ ...midCycle, revokedBefore: "2026-12-26" }, P, "2026-12-25", null),
      {
        name: "RangeError",
        message: "revocation date 2026-12-26 is in the future (today is 2026-12-25).",
      },
    );
  });
});

describe("calendar", () => {
  it("lists a full cycle for a new user, in order", () => {
    const { events, last } = calendar(undefined, P, "2026-11-22", 70);
    assert.deepEqual(events, [
      { date: "2026-11-22", kind: "issue", slot: "blue", keyIssuedOn: "2026-11-22" },
      { date: "2026-12-22", kind: "issue", slot: "green", keyIssuedOn: "2026-12-22" },
      { date: "2026-12-29", kind: "deactivate", slot: "blue", keyIssuedOn: "2026-11-22" },
      { date: "2027-01-21", kind: "delete", slot: "blue", keyIssuedOn: "2026-11-22" },
      { date: "2027-01-21", kind: "issue", slot: "blue", keyIssuedOn: "2027-01-21" },
      { date: "2027-01-28", kind: "deactivate", slot: "green", keyIssuedOn: "2026-12-22" },
    ]);
    assert.equal(last?.nextRotationOn, "2027-02-20");
  });

  it("starts from a recorded state without re-announcing existing keys", () => {
    const state: RotationState = {
      current: "green",
      slots: { blue: { issuedOn: "2026-11-22" }, green: { issuedOn: "2026-12-22" } },
      previousActiveUntil: "2026-12-29",
    };
    assert.deepEqual(calendar(state, P, "2027-01-01", 30).events, [
      { date: "2027-01-21", kind: "delete", slot: "blue", keyIssuedOn: "2026-11-22" },
      { date: "2027-01-21", kind: "issue", slot: "blue", keyIssuedOn: "2027-01-21" },
      { date: "2027-01-28", kind: "deactivate", slot: "green", keyIssuedOn: "2026-12-22" },
    ]);
  });
});

describe("advance: maxAgeDays is a hard bound", () => {
  // Blue issued 11-22 (bound 11-22 + 90 = 02-20), green published 12-22, overlap to 12-29.
  const overlap: RotationState = {
    current: "green",
    slots: { blue: { issuedOn: "2026-11-22" }, green: { issuedOn: "2026-12-22" } },
    publishedOn: "2026-12-22",
    previousActiveUntil: "2026-12-29",
  };

  it("cuts a running overlap at the previous key's bound after maxAgeDays is lowered", () => {
    const tighter = { everyDays: 20, overlapDays: 7, maxAgeDays: 30 }; // blue's bound: 12-22
    assert.deepEqual(advance(overlap, tighter, "2026-12-23", null).slots, {
      blue: { issuedOn: "2026-11-22", status: "Inactive" },
      green: { issuedOn: "2026-12-22", status: "Active" },
    });
    assert.deepEqual(maxAgeCut(overlap, tighter), {
      on: "2026-12-22",
      overlapEndsOn: "2026-12-29",
    });
  });

  it("keeps the overlap up to the bound, and says when the bound cuts it", () => {
    const tighter = { everyDays: 20, overlapDays: 7, maxAgeDays: 35 }; // bound: 12-27
    assert.equal(advance(overlap, tighter, "2026-12-26", null).slots.blue?.status, "Active");
    assert.equal(advance(overlap, tighter, "2026-12-27", null).slots.blue?.status, "Inactive");
    assert.deepEqual(maxAgeCut(overlap, tighter), {
      on: "2026-12-27",
      overlapEndsOn: "2026-12-29",
    });
    assert.equal(maxAgeCut(overlap, P), null, "no cut with the default policy");
  });

  it("gives a key already past its bound when it is rotated away (missed runs) its overlap", () => {
    const late = advance(overlap, P, "2027-04-01"); // green (12-22) is 100 days old
    assert.equal(late.current, "blue");
    assert.equal(late.state.previousWasStale, true);
    assert.equal(late.slots.green?.status, "Active");
    assert.equal(advance(late.state, P, "2027-04-07", null).slots.green?.status, "Active");
    assert.equal(advance(late.state, P, "2027-04-08", null).slots.green?.status, "Inactive");
    assert.equal(maxAgeCut(late.state, P), null);
  });

  it("waits for the bound before rotating when the overlap is cut, never past it", () => {
    const tighter = { everyDays: 20, overlapDays: 7, maxAgeDays: 35 };
    const plan = advance(overlap, tighter, "2027-01-11", null); // green is 20 days old: due
    assert.equal(plan.current, "blue");
    assert.equal(plan.slots.green?.status, "Active");
  });
});

describe("advance: a previous key still in use", () => {
  const overlap: RotationState = {
    current: "green",
    slots: { blue: { issuedOn: "2026-11-22" }, green: { issuedOn: "2026-12-22" } },
    publishedOn: "2026-12-22",
    previousActiveUntil: "2026-12-29",
  };
  const usedOn = (day: string | null, active = true) => ({ lastUsedOn: day, active });

  it("stays Active one more day when used since the new key was published", () => {
    const plan = advance(overlap, P, "2026-12-29", null, undefined, usedOn("2026-12-28"));
    assert.equal(plan.slots.blue?.status, "Active");
    assert.equal(plan.state.previousInUse, "2026-12-29");
    assert.equal(plan.nextRotationOn, "2027-01-21");
    assert.deepEqual(
      advance(plan.state, P, "2026-12-29", null, undefined, usedOn("2026-12-20")),
      plan,
      "idempotent: decided once a day",
    );
  });

  it("goes Inactive when last used before the publication, or never", () => {
    for (const use of [usedOn("2026-12-21"), usedOn(null)]) {
      const plan = advance(overlap, P, "2026-12-29", null, undefined, use);
      assert.equal(plan.slots.blue?.status, "Inactive", JSON.stringify(use));
      assert.equal(plan.state.previousInUse, undefined);
    }
  });

  it("is kept day by day while it is used, and let go once it is quiet", () => {
    const day1 = advance(overlap, P, "2026-12-29", null, undefined, usedOn("2026-12-29"));
    const day2 = advance(day1.state, P, "2026-12-30", null, undefined, usedOn("2026-12-29"));
    assert.equal(day2.slots.blue?.status, "Active", "used on the day of the last keep");
    const day3 = advance(day2.state, P, "2026-12-31", null, undefined, usedOn("2026-12-29"));
    assert.equal(day3.slots.blue?.status, "Inactive", "not used since the last keep");
  });

  it("never turns an Inactive key back on for its use", () => {
    const plan = advance(overlap, P, "2026-12-30", null, undefined, usedOn("2026-12-29", false));
    assert.equal(plan.slots.blue?.status, "Inactive");
  });

  it("is never kept past its max-age bound, nor delays the rotation that deletes it past it", () => {
    const bound = "2027-02-20"; // blue issued 11-22 + 90
    const kept = advance(
      { ...overlap, previousInUse: "2027-02-18" },
      P,
      "2027-02-19",
      null,
      undefined,
      usedOn("2027-02-19"),
    );
    assert.equal(kept.slots.blue?.status, "Active");
    const atBound = advance(kept.state, P, bound, null, undefined, usedOn(bound));
    assert.equal(atBound.slots.blue?.issuedOn, bound, "rotation due: blue is re-issued");
    assert.equal(atBound.current, "blue");
  });
});

describe("advance: an adopted key", () => {
  const adopted: RotationState = {
    current: "blue",
    slots: { blue: { issuedOn: "2025-01-10" } },
    adopted: { slot: "blue", accessKeyId: "AKIAADOPTEDKEY000001" },
  };

  it("is rotated away on the first run, whatever its age", () => {
    const plan = advance(adopted, P, "2026-11-22", null);
    assert.deepEqual(plan.slots, {
      blue: { issuedOn: "2025-01-10", status: "Active" },
      green: { issuedOn: "2026-11-22", status: "Active" },
    });
    assert.deepEqual(plan.state.adopted, adopted.adopted, "still in blue");
  });

  it("keeps its overlap although it is past maxAgeDays, then goes Inactive, then is deleted", () => {
    const published = afterPublication(
      advance(adopted, P, "2026-11-22", null).state,
      P,
      "2026-11-22",
    );
    assert.equal(published.previousActiveUntil, "2026-11-29");
    assert.equal(advance(published, P, "2026-11-28", null).slots.blue?.status, "Active");
    const retired = advance(published, P, "2026-11-29", null);
    assert.equal(retired.slots.blue?.status, "Inactive");
    const reissued = advance(retired.state, P, "2026-12-22", null);
    assert.equal(reissued.slots.blue?.issuedOn, "2026-12-22");
    assert.equal(reissued.state.adopted, undefined, "the adopted key is gone with its slot");
  });

  it("is never kept Active for its use once past maxAgeDays", () => {
    const published = afterPublication(
      advance(adopted, P, "2026-11-22", null).state,
      P,
      "2026-11-22",
    );
    const plan = advance(published, P, "2026-11-29", null, undefined, {
      lastUsedOn: "2026-11-28",
      active: true,
    });
    assert.equal(plan.slots.blue?.status, "Inactive");
  });
});

describe("afterPublication", () => {
  it("starts the overlap on the publication day, at least until the next day", () => {
    const rotated: RotationState = {
      current: "green",
      slots: { blue: { issuedOn: "2026-11-22" }, green: { issuedOn: "2026-12-22" } },
    };
    assert.deepEqual(afterPublication(rotated, P, "2026-12-22"), {
      ...rotated,
      publishedOn: "2026-12-22",
      previousActiveUntil: "2026-12-29",
    });
    const noOverlap = { everyDays: 30, overlapDays: 0, maxAgeDays: 31 };
    assert.equal(
      afterPublication(rotated, noOverlap, "2026-12-22").previousActiveUntil,
      "2026-12-23",
    );
  });

  it("changes nothing when no overlap waits to start", () => {
    const single: RotationState = { current: "blue", slots: { blue: { issuedOn: "2026-11-22" } } };
    assert.equal(afterPublication(single, P, "2026-11-22"), single);
  });
});
