import * as assert from "node:assert/strict";
import { mapConcurrent } from "../../lib/pool";

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("mapConcurrent (lib/pool.ts)", () => {
  it("keeps the input order and never has more than `limit` calls in flight", async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapConcurrent([5, 1, 4, 2, 3, 0, 6], 3, async (n, i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      for (let t = 0; t < n; t++) await tick();
      inFlight--;
      return `${i}:${n}`;
    });
    assert.deepEqual(out, ["0:5", "1:1", "2:4", "3:2", "4:3", "5:0", "6:6"]);
    assert.equal(most, 3);
  });

  it("starts nothing new after a failure and rethrows the first one", async () => {
    const started: number[] = [];
    await assert.rejects(
      mapConcurrent([0, 1, 2, 3, 4, 5], 2, async (n) => {
        started.push(n);
        await tick();
        if (n === 1) throw new Error("boom 1");
        if (n === 2) throw new Error("boom 2");
        return n;
      }),
      new Error("boom 1"),
    );
    assert.deepEqual(started, [0, 1, 2]);
  });

  it("handles no items, and rejects a limit below 1", async () => {
    assert.deepEqual(await mapConcurrent([], 4, async () => 1), []);
    await assert.rejects(
      mapConcurrent([1], 0, async () => 1),
      new RangeError("limit must be a whole number >= 1 (got 0)."),
    );
  });
});

describe("mapConcurrent, as the policy pack's live check uses it", () => {
  it("never runs more than the limit at once and keeps the input order", async () => {
    let running = 0;
    let most = 0;
    const results = await mapConcurrent([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      for (let i = 0; i < n % 4; i++) await tick();
      running--;
      return n * 10;
    });
    assert.equal(most, 3);
    assert.deepEqual(results, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  });

  it("starts nothing after the first failure and throws it", async () => {
    const started: number[] = [];
    await assert.rejects(
      mapConcurrent([1, 2, 3, 4, 5, 6], 2, async (n) => {
        started.push(n);
        await tick();
        if (n === 2) throw new Error("denied");
        return n;
      }),
      { message: "denied" },
    );
    assert.deepEqual(started, [1, 2, 3]);
  });
});
