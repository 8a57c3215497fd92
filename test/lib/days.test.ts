import * as assert from "node:assert/strict";
import fc from "fast-check";
import { addDays, fromDay, isIsoDate, toDay, utcDayOf, utcToday } from "../../lib/days";

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

/**
 * The `Date` round-trips lib/days.ts used before its arithmetic fast path: the answers it must
 * keep giving.
 */
const reference = {
  isIsoDate(value: unknown): boolean {
    if (typeof value !== "string") return false;
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    if (!m) return false;
    const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    return date.toISOString().slice(0, 10) === value;
  },
  toDay(value: string): number {
    return Date.parse(`${value}T00:00:00Z`) / 86_400_000;
  },
  fromDay(day: number): string {
    return new Date(day * 86_400_000).toISOString().slice(0, 10);
  },
  utcDayOf(value: string): string | undefined {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : reference.fromDay(toDay(date));
  },
};

const pad = (n: number, width: number) => String(n).padStart(width, "0");
/** 0 to 32, then a few two-digit numbers past any month or day. */
const TWO_DIGITS = [...Array.from({ length: 33 }, (_, i) => i), 40, 99];

describe("calendar days: the arithmetic gives the Date answers", () => {
  it("reads every month and day of leap, common and out-of-range years, bad months and days included", () => {
    const years = [0, 1, 4, 99, 100, 101, 400, 1582, 1600, 1700, 1900, 1970, 1999, 2000];
    years.push(2024, 2026, 2028, 2100, 2400, 9996, 9999);
    let valid = 0;
    for (const year of years) {
      for (const month of TWO_DIGITS.slice(0, 16)) {
        for (const day of TWO_DIGITS) {
          const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
          const expected = reference.isIsoDate(text);
          assert.equal(isIsoDate(text), expected, text);
          if (expected) {
            valid++;
            assert.equal(toDay(text), reference.toDay(text), text);
          } else {
            assert.throws(() => toDay(text), RangeError, text);
          }
        }
      }
    }
    // Every day of the years 0100-9999 listed, and none of 0000-0099 (Date.UTC reads them as
    // 1900-1999).
    const leap = years.filter((y) => y >= 100 && ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0));
    assert.equal(valid, years.filter((y) => y >= 100).length * 365 + leap.length);
  });

  it("answers the edge cases the way Date does", () => {
    const cases: [string, boolean][] = [
      ["0000-02-29", false],
      ["0000-01-01", false],
      ["0099-12-31", false],
      ["0100-01-01", true],
      ["2100-02-29", false],
      ["2000-02-29", true],
      ["2400-02-29", true],
      ["1900-02-29", false],
      ["2024-02-29", true],
      ["2026-04-31", false],
      ["2026-00-10", false],
      ["2026-13-10", false],
      ["2026-12-00", false],
      ["2026-12-32", false],
      ["9999-12-31", true],
      ["2026-1２-01", false],
      ["2026-01-01\n", false],
      ["2026/01/01", false],
      ["+02026-01-01", false],
      ["2026-01-01T00:00:00Z", false],
    ];
    for (const [text, expected] of cases) {
      assert.equal(reference.isIsoDate(text), expected, `reference ${text}`);
      assert.equal(isIsoDate(text), expected, text);
    }
  });

  it("writes and reads every day from 1899 to 2401 like Date", () => {
    for (let day = toDay("1899-01-01"); day <= toDay("2401-12-31"); day++) {
      const text = reference.fromDay(day);
      assert.equal(fromDay(day), text);
      assert.equal(toDay(text), day);
    }
  });

  it("writes the days at the ends of the range, fractions and far days like Date", () => {
    const days = [-683_004, -683_003, -683_002, -1, 0, 1, 2_932_895, 2_932_896, 2_932_897];
    days.push(-1e6, 1e7, 0.5, -0.5, 20_779.99, -719_468, -800_000);
    for (const day of days) assert.equal(fromDay(day), reference.fromDay(day), String(day));
    for (const day of [NaN, Infinity, -Infinity, 1e9]) {
      assert.throws(() => fromDay(day), RangeError, String(day));
      assert.throws(() => reference.fromDay(day), RangeError, String(day));
    }
  });

  it("agrees with Date on random strings of digits and dashes (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: fc.constantFrom(..."0123456789-"), minLength: 8, maxLength: 11 }),
          fc
            .tuple(fc.nat(9999), fc.nat(99), fc.nat(99))
            .map(([y, m, d]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`),
          fc.string(),
        ),
        (text) => {
          assert.equal(isIsoDate(text), reference.isIsoDate(text), text);
          if (reference.isIsoDate(text)) assert.equal(toDay(text), reference.toDay(text), text);
        },
      ),
      { numRuns: 20_000, seed: 13 },
    );
  });

  it("reads the UTC day of a time like Date: UTC times, offsets, rolled-over and bad dates", () => {
    const cases: [string, string | undefined][] = [
      ["2026-11-22T06:00:00Z", "2026-11-22"],
      ["2026-11-22T23:59:59.9999Z", "2026-11-22"],
      ["2026-11-22T23:30:00-02:00", "2026-11-23"],
      ["2026-11-22T00:30:00+01:00", "2026-11-21"],
      ["2026-11-22T24:00:00Z", "2026-11-23"],
      ["2026-02-30T06:00:00Z", "2026-03-02"],
      ["2026-11-22", "2026-11-22"],
      ["0050-01-01T00:00:00Z", "0050-01-01"],
      ["2026-11-22T06:00:60Z", undefined],
      ["2026-11-22T06:00:00.Z", undefined],
      ["not a date", undefined],
      ["", undefined],
    ];
    for (const [text, expected] of cases) {
      assert.equal(reference.utcDayOf(text), expected, `reference ${text}`);
      assert.equal(utcDayOf(text), expected, text);
    }
  });

  it("reads the UTC day of random times like Date (property)", () => {
    const two = (max: number) => fc.nat(max).map((n) => pad(n, 2));
    const time = fc
      .tuple(
        fc.nat(9999).map((n) => pad(n, 4)),
        two(13),
        two(32),
        two(25),
        two(61),
        two(61),
        fc.constantFrom("", ".5", ".123", ".1234567", "."),
        fc.constantFrom("Z", "z", "+00:00", "-02:00", "+14:00", ""),
      )
      .map(([y, mo, d, h, mi, s, f, z]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${f}${z}`);
    fc.assert(
      fc.property(fc.oneof(time, fc.string()), (text) => {
        assert.equal(utcDayOf(text), reference.utcDayOf(text), text);
      }),
      { numRuns: 20_000, seed: 17 },
    );
  });
});
