/** Pieces of the README that tests hold the code to, so the documentation cannot drift. */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ROOT } from "./root";

export const README = readFileSync(path.join(ROOT, "README.md"), "utf8");

/** The text of a `##`/`###` section, up to the next heading of the same or a higher level. */
export function section(heading: string): string {
  const start = README.indexOf(`${heading}\n`);
  if (start === -1) throw new Error(`README has no heading ${JSON.stringify(heading)}`);
  const level = /^#+/.exec(heading)![0].length;
  const rest = README.slice(start + heading.length + 1);
  const next = new RegExp(`^#{1,${level}} `, "m").exec(rest);
  return next === null ? rest : rest.slice(0, next.index);
}

/** The fenced ```json blocks of a section, parsed. */
export function jsonBlocks(text: string): unknown[] {
  return [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]) as unknown);
}

interface Statement {
  Sid: string;
  Action: string | string[];
}

/** The actions of one statement (by Sid) of the README's "Required IAM permissions" policy. */
export function requiredActions(sid: "Audit" | "Verify"): string[] {
  const [policy] = jsonBlocks(section("### Required IAM permissions")) as {
    Statement: Statement[];
  }[];
  const statement = policy.Statement.find((s) => s.Sid === sid);
  if (statement === undefined) throw new Error(`README policy has no statement ${sid}`);
  return typeof statement.Action === "string" ? [statement.Action] : statement.Action;
}
