import * as assert from "node:assert/strict";
import { toDay } from "../../lib/days";
import {
  evaluationDay,
  maximumText,
  policyClock,
  today,
  withDefaults,
} from "../../policies/thresholds";
import { TODAY } from "./fixtures";

describe("thresholds", () => {
  it("withDefaults: a given value wins, an undefined one keeps the default", () => {
    assert.deepEqual(
      withDefaults({ maxAgeDays: 90, warnDays: 14 }, { maxAgeDays: 60, warnDays: undefined }),
      { maxAgeDays: 60, warnDays: 14 },
    );
  });

  it("today: the UTC day of the policies' clock (the fixtures pin it to TODAY)", () => {
    assert.equal(today(), toDay(TODAY));
    const pinned = policyClock.now;
    try {
      policyClock.now = () => new Date("2027-01-01T23:59:59Z");
      assert.equal(today(), toDay("2027-01-01"));
    } finally {
      policyClock.now = pinned;
    }
  });

  describe("evaluationDay", () => {
    const reported: string[] = [];
    const report = (message: string) => void reported.push(message);
    beforeEach(() => (reported.length = 0));

    it("is today without asOf, and the asOf day from today on", () => {
      assert.equal(evaluationDay("p", undefined, report), toDay(TODAY));
      assert.equal(evaluationDay("p", TODAY, report), toDay(TODAY));
      assert.equal(evaluationDay("p", "2027-03-01", report), toDay("2027-03-01"));
      assert.deepEqual(reported, []);
    });

    it("reports an asOf before today, naming the policy's setting, and judges as of today", () => {
      assert.equal(evaluationDay("iam-x", "2026-11-21", report), toDay(TODAY));
      assert.deepEqual(reported, [
        "The `asOf` setting of iam-x is 2026-11-21, earlier than today (2026-11-22): keys " +
          "judged as of a past day look younger than they are, so a past asOf is not accepted. " +
          "Remove asOf from this policy's config, or set it to today or a later day. Keys were " +
          "judged as of today.",
      ]);
    });

    it("names the field when asOf is not a real date", () => {
      assert.throws(() => evaluationDay("p", "2026-02-30", report), {
        name: "RangeError",
        message: '[asOf] must be a real date written YYYY-MM-DD (got "2026-02-30").',
      });
    });
  });

  it("maximumText: the pack's maximum, or whose it is", () => {
    assert.equal(maximumText({ days: 90 }), "the 90-day maximum");
    assert.equal(
      maximumText({ days: 27, component: "ci" }),
      'the 27-day maximum of RotatedKeyUser "ci" (its rotation.maxAgeDays)',
    );
  });
});
