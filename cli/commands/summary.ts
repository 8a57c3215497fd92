/**
 * `iam-key-rotation summary`: the rotation workflow's GitHub job summary. Reads the JSON of
 * `pulumi stack output --json` (a file, or standard input) and prints Markdown: per user, what
 * the last run did (keys issued and published, deactivated, deleted, kept Active because still
 * in use), the key published, when the previous key is deactivated, and the run's warnings.
 *
 * The outputs' shape is checked first (cli/stackOutputs.ts, like `plan --state`); only checked
 * values are printed, each escaped for Markdown and HTML, on lines that start with `|`, `-` or
 * `#`, so nothing in the outputs can inject a workflow command (`::error::`) or markup. The
 * outputs hold no secret, and none is printed.
 */
import { Command } from "commander";
import type { Slot } from "../../components/rotatedKeyUser/rotationModel";
import { utcToday } from "../../lib/days";
import { LIMITS, readErrorText } from "../boundedRead";
import type { CommandContext } from "../context";
import { EXIT, UsageError } from "../errors";
import { oneLine, plural } from "../format";
import { readOutputsFile, readOutputsText } from "../outputsFile";
import type { LastUse, RunEvent, UserOutputs } from "../stackOutputs";

interface SummaryOptions {
  state: string;
  stack?: string;
}

const STACK_NAME_RE = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * Free text made safe for a Markdown table cell and for GitHub's HTML: one printable line
 * (cli/format.ts `oneLine`), Markdown's marks and `:` backslash-escaped (no emphasis, link,
 * code, table cell or `::command::`), `&`, `<`, `>` and `@` as entities (no tag, no mention).
 * `md("a|b <i> ::x")` is `a\|b &lt;i&gt; \:\:x`.
 */
export function md(text: string, max = 500): string {
  return oneLine(text, max)
    .replace(/[\\`*_{}[\]()#+!|~:]/g, "\\$&")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/@/g, "&#64;");
}

/** A checked value as inline code (key ids, dates: no backtick can occur in them). */
const code = (text: string) => `\`${text}\``;

const other = (slot: Slot): Slot => (slot === "blue" ? "green" : "blue");

function lastUseText(use: LastUse): string {
  if (use.date === null) return "never used";
  return (
    `last used ${use.date}` +
    (use.service !== null ? ` by ${use.service}` : "") +
    (use.region !== null ? ` in ${use.region}` : "")
  );
}

function eventText(event: RunEvent): string {
  switch (event.kind) {
    case "issue":
      return `issued and published a new ${event.slot} key`;
    case "deactivate":
      return `deactivated the ${event.slot} key issued ${event.keyIssuedOn}`;
    case "delete":
      return `deleted the ${event.slot} key issued ${event.keyIssuedOn}`;
  }
}

function runCell(user: UserOutputs): string {
  const run = user.run;
  if (run === undefined) return "not reported (these outputs have no `run`)";
  const parts = run.events.map(eventText);
  if (run.keptInUse !== null) {
    const kept = run.keptInUse;
    parts.push(
      `kept the ${kept.slot} key ${code(kept.accessKeyId)} Active: still in use ` +
        `(${lastUseText(kept.lastUsed)})`,
    );
  }
  const text = parts.length > 0 ? parts.join("; ") : "no change";
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function previousCell(user: UserOutputs): string {
  if (user.run === undefined) return "–";
  const until = user.run.previousDeactivatesOn;
  if (until === null) return "none Active";
  const slot = other(user.currentSlot!);
  const issued = user.rotationState.slots[slot]?.issuedOn;
  return (
    `${slot}${issued !== undefined ? ` (issued ${issued})` : ""}: ` +
    `deactivated on ${until}` +
    (user.run.keptInUse !== null ? ", or later while still in use" : "")
  );
}

function renderSummary(users: UserOutputs[], options: SummaryOptions, today: string): string {
  const out: string[] = [];
  out.push(`## Key rotation${options.stack !== undefined ? `: stack ${md(options.stack)}` : ""}`);
  out.push("");
  const runs = users.flatMap((u) => (u.run !== undefined ? [u.run] : []));
  const dates = [...new Set(runs.map((r) => r.date))].sort();
  const count = (kind: RunEvent["kind"]) =>
    runs.reduce((n, r) => n + r.events.filter((e) => e.kind === kind).length, 0);
  const kept = runs.filter((r) => r.keptInUse !== null).length;
  const facts = [
    `${plural(count("issue"), "key")} issued and published`,
    `${count("deactivate")} deactivated`,
    `${count("delete")} deleted`,
    `${kept} kept Active because still in use`,
  ];
  out.push(
    `${plural(users.length, "user")}` +
      (dates.length > 0 ? `, run of ${dates.join(", ")}` : "") +
      `: ${facts.join(", ")}.`,
  );
  const stale = dates.filter((d) => d !== today);
  if (stale.length > 0) {
    out.push("");
    out.push(
      `> **Warning:** these outputs are from the run of ${stale.join(", ")}, not of today ` +
        `(${today}): today's \`pulumi up\` did not complete.`,
    );
  }
  const missing = users.filter((u) => u.run === undefined).length;
  if (missing > 0) {
    out.push("");
    out.push(
      `> **Note:** ${plural(missing, "user")} without \`run\` in the outputs (a stack last ` +
        "updated by an earlier version of the program): what their run did is not known.",
    );
  }
  out.push("");
  out.push("| User | This run | Published key | Previous key | Next rotation |");
  out.push("| --- | --- | --- | --- | --- |");
  for (const user of users) {
    const slot = user.currentSlot!;
    const issued = user.rotationState.slots[slot]?.issuedOn;
    out.push(
      `| ${md(user.name)} | ${runCell(user)} | ` +
        `${slot} ${code(user.currentAccessKeyId!)}${issued !== undefined ? ` (issued ${issued})` : ""} | ` +
        `${previousCell(user)} | ${user.nextRotationOn} |`,
    );
  }
  const warnings = users.flatMap((u) => (u.run?.warnings ?? []).map((w) => ({ user: u.name, w })));
  if (warnings.length > 0) {
    out.push("");
    out.push("### Warnings");
    out.push("");
    for (const { user, w } of warnings) out.push(`- **${md(user)}**: ${md(w, 1000)}`);
  }
  return out.join("\n") + "\n";
}

async function runSummary(options: SummaryOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  if (options.stack !== undefined && !STACK_NAME_RE.test(options.stack)) {
    throw new UsageError(`--stack must be a stack name like "prod" (got another string).`);
  }
  let users: UserOutputs[];
  if (options.state === "-") {
    if (io.stdinIsTTY === true || io.readStdin === undefined) {
      throw new UsageError(
        "pipe the outputs in (pulumi stack output --json | iam-key-rotation summary) or pass " +
          "--state FILE.",
      );
    }
    let text: string;
    try {
      text = await io.readStdin(LIMITS.outputs);
    } catch (err) {
      throw new UsageError(`the standard input: cannot read it (${readErrorText(err)}).`);
    }
    users = readOutputsText(text, "the standard input", { forSummary: true });
  } else {
    users = readOutputsFile(options.state, "--state", { forSummary: true });
  }
  io.stdout(renderSummary(users, options, utcToday(io.now())));
  return EXIT.ok;
}

const SUMMARY_HELP = `
Reads the JSON of \`pulumi stack output --json\` and prints, in Markdown for a GitHub job
summary, per user: what the last run did (keys issued and published, deactivated, deleted, or
kept Active because still in use), the key published, when the previous key is deactivated,
the next rotation, and the run's warnings. The outputs' shape is checked first (exit 2 naming
each JSON path, never quoting the file); everything printed is escaped.

Examples:
  pulumi stack output --json --stack prod | iam-key-rotation summary --stack prod >> "$GITHUB_STEP_SUMMARY"
  pulumi stack output --json --stack prod > outputs.json
  iam-key-rotation summary --state outputs.json
`;

export function registerSummary(program: Command, ctx: CommandContext): void {
  program
    .command("summary")
    .description(
      "Print the last run's key changes as Markdown (a GitHub job summary), from the JSON of " +
        "`pulumi stack output --json`.",
    )
    .option(
      "--state <file>",
      "the JSON of `pulumi stack output --json` (- for standard input)",
      "-",
    )
    .option("-s, --stack <name>", "stack name for the title, e.g. prod")
    .addHelpText("after", SUMMARY_HELP)
    .action(async (opts: SummaryOptions) => {
      ctx.exit(await runSummary(opts, ctx));
    });
}
