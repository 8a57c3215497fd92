/**
 * Error messages, comments and workflow notes send readers to the documentation, written as
 * `docs/runbooks.md, "Repairing a rotation record"` (or `docs/cli.md#exit-codes`, or just the
 * file). Every such citation in the code names a file and a heading that exist.
 */
import * as assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { anchorsOf, doc, headings } from "../support/readme";
import { ROOT } from "../support/root";

/** Where the code and its configuration live (docs/ itself is checked by links.test.ts). */
const SOURCES = [
  "index.ts",
  "Pulumi.yaml",
  "Pulumi.prod.yaml",
  "components",
  "program",
  "lib",
  "cli",
  "policies",
  "bin",
  "scripts",
  ".github",
  ".ci",
];

function filesUnder(relative: string): string[] {
  const full = path.join(ROOT, relative);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [relative];
  return readdirSync(full)
    .filter((entry) => entry !== "node_modules")
    .flatMap((entry) => filesUnder(path.posix.join(relative, entry)));
}

interface Citation {
  file: string;
  heading?: string;
  anchor?: string;
}

/** The documentation citations of a text. */
function citationsIn(text: string): Citation[] {
  return [
    ...text.matchAll(/\b((?:docs\/[\w-]+|DEVELOPMENT|README)\.md)(?:#([\w-]+)|,? "([^"]+)")?/g),
  ].map((m) => ({
    file: m[1],
    ...(m[2] !== undefined && { anchor: m[2] }),
    ...(m[3] !== undefined && { heading: m[3] }),
  }));
}

/** A heading as a citation quotes it: its text without code marks. */
const plain = (text: string) => text.replace(/`/g, "");

describe("documentation citations in the code", () => {
  it("are recognised in the forms the code uses", () => {
    assert.deepEqual(
      citationsIn(
        'restore them (docs/runbooks.md, "Repairing a rotation record"); see docs/compliance.md ' +
          "and DEVELOPMENT.md#layout",
      ),
      [
        { file: "docs/runbooks.md", heading: "Repairing a rotation record" },
        { file: "docs/compliance.md" },
        { file: "DEVELOPMENT.md", anchor: "layout" },
      ],
    );
  });

  it("name documentation files and headings that exist", () => {
    const broken: string[] = [];
    for (const source of SOURCES.flatMap(filesUnder)) {
      for (const citation of citationsIn(readFileSync(path.join(ROOT, source), "utf8"))) {
        const where = `${source} cites ${JSON.stringify(citation)}`;
        if (!existsSync(path.join(ROOT, citation.file))) {
          broken.push(`${where}: no such file`);
          continue;
        }
        const titles = headings(doc(citation.file)).map((h) => plain(h.text));
        if (citation.heading !== undefined && !titles.includes(plain(citation.heading))) {
          broken.push(`${where}: no such heading`);
        }
        if (citation.anchor !== undefined && !anchorsOf(citation.file).has(citation.anchor)) {
          broken.push(`${where}: no such anchor`);
        }
      }
    }
    assert.deepEqual(broken, []);
  });
});
