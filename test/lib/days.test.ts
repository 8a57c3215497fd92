import * as assert from "node:assert/strict";
import { addDays, fromDay, isIsoDate, toDay, utcToday } from "../../lib/days";

describe("calendar days", () => {
  it("parses and formats UTC calendar dates", () => {
    assert.equal(toDay("1970-01-01"), 0);
    assert.equal(toDay("2026-11-22"), 20779);
    assert.equal(fromDay(20779), "2026-11-22");
    assert.equal(addDays("2026-12-31", 1), "2027-01-01");
    assert.equal(addDays("2028-02-28", 1), "2028-02-29");
    assert.equal(addDays("2026-03-01", -1), "2026-02-28");
  });

  it("takes the UTC day of a Date, whatever the local time", () => {
    assert.equal(utcToday(new Date("2026-11-22T23:59:59.999Z")), "2026-11-22");
    assert.equal(utcToday(new Date("2026-11-23T00:00:00Z")), "2026-11-23");
    assert.equal(toDay(new Date("2026-11-22T12:00:00+14:00")), toDay("2026-11-21"));
  });

  it("accepts only real dates written YYYY-MM-DD", () => {
    for (const ok of ["2026-01-31", "2028-02-29", "1999-12-31"])
      assert.equal(isIsoDate(ok), true, ok);
    for (const bad of [
      "2026-02-30",
      "2027-02-29",
      "2026-13-01",
      "2026-1-01",
      "20260101",
      " 2026-01-01",
      20260101,
      null,
    ]) {
      assert.equal(isIsoDate(bad), false, String(bad));
    }
    assert.throws(() => toDay("2026-02-30"), {
      name: "RangeError",
      message: 'Expected a date written YYYY-MM-DD (got "2026-02-30").',
    });
    assert.throws(() => toDay(new Date("nope")), { name: "RangeError", message: "Invalid Date." });
  });
});
