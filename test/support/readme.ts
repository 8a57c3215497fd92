/**
 * The documentation files that tests hold the code to, so the documentation cannot drift.
 * Paths are relative to the repository root: `doc("docs/configuration.md")`,
 * `section("docs/cli.md", "## Required IAM permissions")`.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { ROOT } from "./root";

/** Every documentation file: the README, DEVELOPMENT.md and each file of docs/. */
export const DOC_FILES: readonly string[] = [
  "README.md",
  "DEVELOPMENT.md",
  ...readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`),
];

/** The text of a documentation file. */
export function doc(file: string): string {
  return readFileSync(path.join(ROOT, file), "utf8");
}

/** A heading of a documentation file: its level (1 for `#`), its text, its line (0-based). */
interface Heading {
  level: number;
  text: string;
  line: number;
}

/** The headings of a text, outside fenced code blocks (where `# ` starts a shell comment). */
export function headings(text: string): Heading[] {
  const found: Heading[] = [];
  let fenced = false;
  text.split("\n").forEach((line, i) => {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const m = fenced ? null : /^(#{1,6}) (.*)$/.exec(line);
    if (m !== null) found.push({ level: m[1].length, text: m[2], line: i });
  });
  return found;
}

/** GitHub's anchor of a heading: its text as rendered, lower case, punctuation dropped. */
export function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/`/g, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/ /g, "-");
}

/** The anchors of a Markdown file; a repeated heading gets `-1`, `-2`, ... as on GitHub. */
export function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  for (const { text } of headings(doc(file))) {
    const base = slug(text);
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

/**
 * The text of a section of `file`, given its heading line (`## Required IAM permissions`), up to
 * the next heading of the same or a higher level.
 */
export function section(file: string, heading: string): string {
  const lines = doc(file).split("\n");
  const all = headings(lines.join("\n"));
  const index = all.findIndex((h) => `${"#".repeat(h.level)} ${h.text}` === heading);
  if (index === -1) throw new Error(`${file} has no heading ${JSON.stringify(heading)}`);
  const { level, line } = all[index];
  const next = all.slice(index + 1).find((h) => h.level <= level);
  return lines.slice(line + 1, next?.line).join("\n");
}

/** The contents of the fenced code blocks of a text in one language (`json`, `yaml`). */
export function codeBlocks(text: string, language: string): string[] {
  return [...text.matchAll(new RegExp("^```" + language + "\\n([\\s\\S]*?)^```", "gm"))].map(
    (m) => m[1],
  );
}

/** The fenced ```json blocks of a text, parsed. */
export function jsonBlocks(text: string): unknown[] {
  return codeBlocks(text, "json").map((block) => JSON.parse(block) as unknown);
}

interface Statement {
  Sid: string;
  Action: string | string[];
}

/** The actions of one statement (by Sid) of the policy docs/cli.md lists under "Required IAM permissions". */
export function requiredActions(sid: "Audit" | "AuditOrganization" | "Verify"): string[] {
  const [policy] = jsonBlocks(section("docs/cli.md", "## Required IAM permissions")) as {
    Statement: Statement[];
  }[];
  const statement = policy.Statement.find((s) => s.Sid === sid);
  if (statement === undefined) throw new Error(`docs/cli.md policy has no statement ${sid}`);
  return typeof statement.Action === "string" ? [statement.Action] : statement.Action;
}
