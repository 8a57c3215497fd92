import * as assert from "node:assert/strict";
import { UsageError } from "../../cli/errors";
import { collect, parseInteger, wholeNumber } from "../../cli/options";

describe("option parsers (cli/options.ts)", () => {
  it("wholeNumber: digits within the range, else a UsageError naming the option and range", () => {
    const parse = wholeNumber("--wait", 0, 600);
    assert.equal(parse("0"), 0);
    assert.equal(parse("600"), 600);
    for (const bad of ["601", "-1", "1.5", "", " 3", "ten"]) {
      assert.throws(
        () => parse(bad),
        new UsageError(`--wait must be a whole number from 0 to 600 (got "${bad}").`),
      );
    }
  });

  it("parseInteger: digits of any size, else a UsageError naming the option", () => {
    const parse = parseInteger("--days");
    assert.equal(parse("0"), 0);
    assert.equal(parse("99999"), 99999);
    assert.throws(() => parse("ten"), new UsageError(`--days must be a whole number (got "ten").`));
  });

  it("collect: every value of a repeated option, in order", () => {
    assert.deepEqual(collect("b", collect("a")), ["a", "b"]);
  });
});
