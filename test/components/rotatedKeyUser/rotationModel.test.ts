import * as assert from "node:assert/strict";
import {
  advance,
  awaitsPublication,
  calendar,
  DEFAULT_POLICY,
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
    const tighter = { everyDays: 3, overlapDays: 1, maxAgeDays: 10 };
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

  it("replaces a key issued today the next day, when revoked with tomorrow's date", () => {
    const fresh: RotationState = { current: "blue", slots: { blue: { issuedOn: "2026-11-22" } } };
    const today = advance(fresh, P, "2026-11-22", null, "2026-11-23");
    assert.deepEqual(today.slots, { blue: { issuedOn: "2026-11-22", status: "Active" } });
    assert.equal(today.nextRotationOn, "2026-11-23");
    const tomorrow = advance(today.state, P, "2026-11-23", null, "2026-11-23");
    assert.deepEqual(tomorrow.slots, {
      blue: { issuedOn: "2026-11-22", status: "Inactive" },
      green: { issuedOn: "2026-11-23", status: "Active" },
    });
    assert.deepEqual(
      advance(tomorrow.state, P, "2026-11-23", null, "2026-11-23"),
      tomorrow,
      "idempotent",
    );
  });

  it("keeps a revoked key Inactive after the setting is removed", () => {
    const revoked = advance(midCycle, P, "2026-12-25", null, "2026-12-01");
    assert.deepEqual(advance(revoked.state, P, "2026-12-26", null).slots.blue, {
      issuedOn: "2026-11-22",
      status: "Inactive",
    });
  });

  it("rejects a revocation date after tomorrow", () => {
    assert.throws(() => advance(midCycle, P, "2026-12-25", null, "2026-12-27"), {
      name: "RangeError",
      message:
        "revokeIssuedBefore 2026-12-27 is after tomorrow (2026-12-26): only keys that exist can be " +
        "revoked, and a later date would revoke every new key until then.",
    });
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
