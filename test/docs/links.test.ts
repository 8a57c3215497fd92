/**
 * Every relative link of the documentation (README.md, DEVELOPMENT.md, docs/*.md) points at a
 * file that exists and, with a `#fragment`, at a heading of that file, by GitHub's anchor rule.
 * And every file of docs/ is reachable from the README.
 */
import * as assert from "node:assert/strict";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { anchorsOf, doc, DOC_FILES, slug } from "../support/readme";
import { ROOT } from "../support/root";

interface Link {
  file: string;
  line: number;
  target: string;
}

/** The text of a Markdown document without its fenced code blocks and inline code spans. */
function prose(text: string): string[] {
  let fenced = false;
  return text.split("\n").map((line) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return "";
    }
    return fenced ? "" : line.replace(/`[^`]*`/g, "");
  });
}

/** The inline links `[text](target)` of a documentation file, with their line (1-based). */
function linksOf(file: string): Link[] {
  return prose(doc(file)).flatMap((line, i) =>
    [...line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => ({
      file,
      line: i + 1,
      target: m[1],
    })),
  );
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

describe("documentation links", () => {
  it("point at files that exist, and at headings that exist", () => {
    const broken: string[] = [];
    for (const link of DOC_FILES.flatMap(linksOf)) {
      if (isExternal(link.target)) continue;
      const [target, fragment] = link.target.split("#", 2);
      const resolved =
        target === "" ? link.file : path.posix.join(path.posix.dirname(link.file), target);
      const where = `${link.file}:${link.line} -> ${link.target}`;
      if (!existsSync(path.join(ROOT, resolved))) {
        broken.push(`${where}: no file ${resolved}`);
      } else if (fragment !== undefined) {
        if (!resolved.endsWith(".md")) broken.push(`${where}: an anchor into a non-Markdown file`);
        else if (!anchorsOf(resolved).has(fragment)) broken.push(`${where}: no such heading`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it("reach every file of docs/ from the README", () => {
    const linked = new Set(
      linksOf("README.md")
        .filter((l) => !isExternal(l.target))
        .map((l) => path.posix.normalize(l.target.split("#")[0])),
    );
    assert.deepEqual(
      DOC_FILES.filter((f) => !linked.has(f)),
      ["README.md"],
    );
  });

  it("use GitHub's anchors for headings with code, punctuation and repeats", () => {
    assert.deepEqual(
      [
        "## `audit`: every access key of the account",
        "## Keyless CI (GitHub Actions)",
        "## Exit codes (`audit` and `verify`)",
        "## `Pulumi.yaml`",
        "## When a key leaks",
      ].map((h) => slug(h.replace(/^#+ /, ""))),
      [
        "audit-every-access-key-of-the-account",
        "keyless-ci-github-actions",
        "exit-codes-audit-and-verify",
        "pulumiyaml",
        "when-a-key-leaks",
      ],
    );
  });
});
