/**
 * What the README and docs/rotation-model.md show a newcomer is what the code does: the example
 * stack parses, the published-key examples are documents the one parser accepts as they are,
 * and the child names listed are the ones the prod program registers.
 */
import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { parseKeyDocument } from "../../components/rotatedKeyUser/publishedKey";
import { parseStackConfig } from "../../program/stackConfig";
import { codeBlocks, doc, jsonBlocks, section } from "../support/readme";

const NAMESPACE = "iam-key-rotation:";

describe("README.md", () => {
  const holds = section("README.md", "## What a stack holds");

  it("shows an example stack that the stack config parser accepts", () => {
    const [example] = codeBlocks(holds, "yaml");
    const { config } = parse(example) as { config: Record<string, unknown> };
    const settings = Object.fromEntries(
      Object.entries(config)
        .filter(([key]) => key.startsWith(NAMESPACE))
        .map(([key, value]) => [key.slice(NAMESPACE.length), value]),
    );
    const parsed = parseStackConfig(settings);
    assert.deepEqual(
      parsed.users.map((u) => [u.name, u.rotation]),
      [
        ["onprem-jenkins-ecr", { everyDays: 30, overlapDays: 7, maxAgeDays: 90 }],
        ["bi-vendor-athena", { everyDays: 60, overlapDays: 14, maxAgeDays: 90 }],
      ],
    );
  });

  it("names children that the prod program registers under each RotatedKeyUser", () => {
    const suffixes = [...holds.matchAll(/`<name>-([a-z-]+)`/g)].map((m) => m[1]);
    assert.deepEqual(suffixes, ["user", "blue", "green", "secret", "secret-version"]);
    const urns = Object.values(
      JSON.parse(doc("test/fixtures/prod-urns.json")) as Record<string, string[]>,
    ).flat();
    const children = urns.filter((urn) => urn.includes("iam-key-rotation:index:RotatedKeyUser$"));
    for (const suffix of suffixes) {
      assert.ok(
        children.some((urn) => urn.endsWith(`::onprem-jenkins-ecr-${suffix}`)),
        suffix,
      );
    }
  });
});

describe("the published-key examples", () => {
  for (const file of ["README.md", "docs/rotation-model.md"]) {
    it(`in ${file} are documents the one parser accepts, field for field`, () => {
      const examples = jsonBlocks(doc(file)).filter(
        (block) => typeof block === "object" && block !== null && "secretAccessKey" in block,
      );
      assert.equal(examples.length, 1);
      const parsed = parseKeyDocument(JSON.stringify(examples[0]));
      assert.deepEqual(parsed, { ok: true, document: examples[0] });
    });
  }
});
