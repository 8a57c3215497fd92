import * as assert from "node:assert/strict";
import { formatTable, isoSecond, plural } from "../../cli/format";

describe("format helpers (cli/format.ts)", () => {
  it("formatTable: columns as wide as their widest cell, two spaces apart, no trailing blanks", () => {
    assert.equal(
      formatTable(
        ["USER", "KEY", "DETAIL"],
        [
          ["alice", "AKIA1", "stale in 3 days"],
          ["bob", "-", ""],
        ],
      ),
      ["USER   KEY    DETAIL", "alice  AKIA1  stale in 3 days", "bob    -"].join("\n"),
    );
    assert.equal(formatTable(["A", "B"], []), "A  B");
  });

  it("isoSecond: UTC to the second, milliseconds dropped", () => {
    assert.equal(isoSecond(new Date("2026-11-22T04:05:02.999Z")), "2026-11-22T04:05:02Z");
    assert.equal(isoSecond(new Date("2026-11-22T04:05:02Z")), "2026-11-22T04:05:02Z");
  });

  it("plural: the count and its noun, plural unless 1", () => {
    assert.deepEqual(
      [0, 1, 2].map((n) => plural(n, "day")),
      ["0 days", "1 day", "2 days"],
    );
  });
});
