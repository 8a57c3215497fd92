import * as assert from "node:assert/strict";
import { toDay, utcToday } from "../../lib/days";
import { dayOf, withDefaults } from "../../policies/thresholds";

describe("thresholds", () => {
  it("withDefaults: a given value wins, an undefined one keeps the default", () => {
    assert.deepEqual(
      withDefaults({ maxAgeDays: 90, warnDays: 14 }, { maxAgeDays: 60, warnDays: undefined }),
      { maxAgeDays: 60, warnDays: 14 },
    );
  });

  it("dayOf: today's UTC day, or the asOf day", () => {
    assert.equal(dayOf(undefined), toDay(utcToday()));
    assert.equal(dayOf("2026-11-22"), toDay("2026-11-22"));
  });

  it("dayOf: names the field when asOf is not a real date", () => {
    assert.throws(() => dayOf("2026-02-30"), {
      name: "RangeError",
      message: '[asOf] must be a real date written YYYY-MM-DD (got "2026-02-30").',
    });
  });
});
