/** Reading properties as the policy server hands them over (behind its unknown-checking proxy). */
import * as assert from "node:assert/strict";
import { plain, propReader, read, UNKNOWN } from "../../policies/unknownValues";
import { UNKNOWN_VALUE } from "../support/policyHarness";
import { delivered, STACK_URN } from "./fixtures";

/** One resource whose props hold known and unknown values at several depths. */
const props = {
  name: "ci-deployer",
  count: 3,
  flag: false,
  missing: null,
  id: UNKNOWN_VALUE.string,
  size: UNKNOWN_VALUE.number,
  list: ["a", UNKNOWN_VALUE.string, { deep: UNKNOWN_VALUE.boolean }],
  nested: { known: "2026-11-01", unknown: UNKNOWN_VALUE.object, more: { n: 1 } },
  whole: UNKNOWN_VALUE.object,
};
const NAMES = [...Object.keys(props), "absent"];

describe("unknownValues", () => {
  it("propReader reads proxied props as plain values, unknowns at any depth as UNKNOWN", async () => {
    const [resource] = await delivered([
      { type: "test:index:Thing", name: "t", parent: STACK_URN, props },
    ]);
    const prop = propReader(resource.props);
    assert.deepEqual(
      NAMES.map((name) => [name, prop(name)]),
      [
        ["name", "ci-deployer"],
        ["count", 3],
        ["flag", false],
        ["missing", null],
        ["id", UNKNOWN],
        ["size", UNKNOWN],
        ["list", ["a", UNKNOWN, { deep: UNKNOWN }]],
        ["nested", { known: "2026-11-01", unknown: UNKNOWN, more: { n: 1 } }],
        ["whole", UNKNOWN],
        ["absent", undefined],
      ],
    );
  });

  it("propReader gives what reading through the proxy gives", async () => {
    const [resource] = await delivered([
      { type: "test:index:Thing", name: "t", parent: STACK_URN, props },
    ]);
    const prop = propReader(resource.props);
    for (const name of NAMES) {
      assert.deepEqual(prop(name), plain(read(() => resource.props[name] as unknown)), name);
    }
  });

  it("propReader reads props that are not proxied", () => {
    const prop = propReader({ name: "x", nested: { id: UNKNOWN_VALUE.string } });
    assert.deepEqual([prop("name"), prop("nested")], ["x", { id: UNKNOWN }]);
  });

  it("propReader leaves a 36-character string that is no sentinel alone", async () => {
    const uuid = "04da6b54-80e4-46f7-96ec-b56ff0331ba8";
    const [resource] = await delivered([
      { type: "test:index:Thing", name: "t", parent: STACK_URN, props: { id: uuid } },
    ]);
    assert.equal(propReader(resource.props)("id"), uuid);
  });
});
