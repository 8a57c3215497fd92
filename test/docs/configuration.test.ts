/**
 * docs/configuration.md cannot drift from the code: every setting the parser knows has a row in
 * its tables, and Pulumi.yaml declares every primitive setting with the parser's default.
 */
import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { CONFIG_KEYS, parseStackConfig, POLICY_KEYS, USER_KEYS } from "../../program/stackConfig";
import { doc } from "../support/readme";

const project = parse(doc("Pulumi.yaml")) as {
  config: Record<string, { type: string; default: unknown; description: string }>;
};

/** The first cell of every row of the tables of docs/configuration.md. */
function documentedKeys(): string[] {
  return [...doc("docs/configuration.md").matchAll(/^\| `([^`]+)`\s*\|/gm)].map((m) => m[1]);
}

describe("docs/configuration.md", () => {
  it("documents every stack setting in its tables", () => {
    const documented = documentedKeys();
    const expected = [
      ...Object.keys(CONFIG_KEYS),
      ...POLICY_KEYS.map((k) => `rotation.${k}`),
      ...USER_KEYS.map((k) => `users[].${k}`),
    ];
    assert.deepEqual(
      expected.filter((k) => !documented.includes(k)),
      [],
      "settings missing from docs/configuration.md",
    );
    const knownPrefixes = [...Object.keys(CONFIG_KEYS), "users[]"];
    assert.deepEqual(
      documented.filter((k) => !knownPrefixes.some((p) => k === p || k.startsWith(`${p}.`))),
      [],
      "docs/configuration.md rows for settings that do not exist",
    );
  });

  it("declares every primitive setting in Pulumi.yaml with the parser's default", () => {
    const defaults = parseStackConfig({ users: [{ name: "x" }] }) as unknown as Record<
      string,
      unknown
    >;
    const primitive = Object.entries(CONFIG_KEYS).filter(([, kind]) => kind !== "structured");
    assert.deepEqual(Object.keys(project.config).sort(), primitive.map(([k]) => k).sort());
    for (const [key, kind] of primitive) {
      const declared = project.config[key];
      assert.equal(declared.type, kind, `${key} type`);
      assert.deepEqual(declared.default, defaults[key], `${key} default`);
      assert.ok(declared.description.length > 20, `${key} description`);
    }
  });
});
