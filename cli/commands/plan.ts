/**
 * `iam-key-rotation plan`: the rotation calendar of a stack, offline. Simulates one
 * `pulumi up` per day with the same model the program uses
 * (components/rotatedKeyUser/rotationModel.ts).
 */
import { Command } from "commander";
import {
  calendar,
  RotationEvent,
  RotationPlan,
  RotationPolicy,
  RotationState,
  validateRevocation,
  validateState,
} from "../../components/rotatedKeyUser/rotationModel";
import { addDays, isIsoDate, utcToday } from "../../lib/days";
import type { CommandContext } from "../context";
import { EXIT, UsageError } from "../errors";
import { formatTable, plural } from "../format";
import { parseInteger } from "../options";
import { loadStack } from "../stackFile";
import { readOutputsFile } from "../outputsFile";

interface PlanOptions {
  stack: string;
  /** First day, YYYY-MM-DD. */
  at: string;
  days: number;
  json: boolean;
  /** `pulumi stack output --json` of the stack, to start from the recorded state. */
  state?: string;
  dir: string;
}

/** The `--json` document. Stable: fields are only ever added (bump `version` otherwise). */
export interface PlanDocument {
  version: 1;
  stack: string;
  /** First simulated day (YYYY-MM-DD). */
  from: string;
  /** Last simulated day (YYYY-MM-DD). */
  to: string;
  days: number;
  users: PlanUser[];
}

interface PlanUser {
  name: string;
  policy: RotationPolicy;
  /** Where the simulation starts: the recorded state, or null when the user is planned as new. */
  recorded: RotationState | null;
  /** Every change, in order: issue (a new key in a slot), deactivate, delete. */
  events: RotationEvent[];
  /** The keys after the last simulated day. */
  end: { current: RotationPlan["current"]; nextRotationOn: string; slots: RotationPlan["slots"] };
}

/**
 * Reads `--state`: `pulumi stack output --json` (or `pulumi stack output users --json`), its
 * shape checked (cli/stackOutputs.ts); problems name the JSON path, never quote the file.
 */
function readStates(file: string): Map<string, RotationState> {
  const users = readOutputsFile(file, "--state", { forSummary: false });
  return new Map(users.map((u) => [u.name, u.rotationState]));
}

function buildPlan(options: PlanOptions): PlanDocument {
  if (!isIsoDate(options.at)) {
    throw new UsageError(
      `--at must be a date written YYYY-MM-DD (got ${JSON.stringify(options.at)}).`,
    );
  }
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > 3650) {
    throw new UsageError(`--days must be a whole number from 1 to 3650 (got ${options.days}).`);
  }
  const { config } = loadStack(options.dir, options.stack);
  const states = options.state !== undefined ? readStates(options.state) : new Map();
  for (const name of states.keys()) {
    if (!config.users.some((u) => u.name === name)) {
      throw new UsageError(
        `--state ${options.state}: user ${name} is not in Pulumi.${options.stack}.yaml.`,
      );
    }
  }
  const users = config.users.map((user): PlanUser => {
    const recorded = (states.get(user.name) as RotationState | undefined) ?? null;
    if (recorded !== null) {
      const problems = validateState(recorded, options.at);
      if (problems.length > 0) {
        throw new UsageError(
          `--state ${options.state}: users.${user.name}.rotationState cannot start on ${options.at}: ` +
            problems.join(" "),
        );
      }
    }
    if (user.revokeIssuedBefore !== undefined) {
      const problems = validateRevocation(user.revokeIssuedBefore, options.at);
      if (problems.length > 0) {
        throw new UsageError(`--at ${options.at}: user ${user.name}: ${problems.join(" ")}`);
      }
    }
    const { events, last } = calendar(
      recorded ?? undefined,
      user.rotation,
      options.at,
      options.days,
      user.revokeIssuedBefore,
    );
    return {
      name: user.name,
      policy: user.rotation,
      recorded,
      events,
      end: { current: last!.current, nextRotationOn: last!.nextRotationOn, slots: last!.slots },
    };
  });
  const to = addDays(options.at, options.days - 1);
  return { version: 1, stack: options.stack, from: options.at, to, days: options.days, users };
}

const EVENT_TEXT: Record<RotationEvent["kind"], string> = {
  issue: "issue new key",
  deactivate: "deactivate",
  delete: "delete",
};

function renderPlan(doc: PlanDocument): string {
  const out: string[] = [];
  out.push(
    `Rotation calendar of stack ${doc.stack}, ${doc.from} to ${doc.to} ` +
      `(${plural(doc.days, "day")}, one \`pulumi up\` a day).`,
  );
  const fresh = doc.users.filter((u) => u.recorded === null).map((u) => u.name);
  if (fresh.length > 0) {
    out.push(
      `Planned as new users, first key issued on ${doc.from}: ${fresh.join(", ")}` +
        (fresh.length === doc.users.length
          ? " (pass --state to start from the recorded state)."
          : "."),
    );
  }
  out.push("");
  out.push(
    formatTable(
      ["USER", "EVERY", "OVERLAP", "MAX AGE", "CURRENT AT END", "NEXT ROTATION"],
      doc.users.map((u) => [
        u.name,
        `${u.policy.everyDays}d`,
        `${u.policy.overlapDays}d`,
        `${u.policy.maxAgeDays}d`,
        u.end.current,
        u.end.nextRotationOn,
      ]),
    ),
  );
  out.push("");
  const rows = doc.users
    .flatMap((u) => u.events.map((e) => ({ user: u.name, e })))
    .sort((a, b) => a.e.date.localeCompare(b.e.date))
    .map(({ user, e }) => [e.date, user, EVENT_TEXT[e.kind], e.slot, e.keyIssuedOn]);
  if (rows.length === 0) {
    out.push("No key changes in this period.");
  } else {
    out.push(formatTable(["DATE", "USER", "EVENT", "SLOT", "KEY ISSUED ON"], rows));
  }
  return out.join("\n") + "\n";
}

function runPlan(options: PlanOptions, ctx: CommandContext): number {
  const doc = buildPlan({ ...options });
  ctx.io.stdout(options.json ? JSON.stringify(doc, null, 2) + "\n" : renderPlan(doc));
  return EXIT.ok;
}

export function registerPlan(program: Command, ctx: CommandContext): void {
  program
    .command("plan")
    .description(
      "Print the rotation calendar of a stack: which key each daily `pulumi up` issues, " +
        "deactivates or deletes. Offline: reads Pulumi.<stack>.yaml, calls nothing.",
    )
    .requiredOption("-s, --stack <name>", "stack whose Pulumi.<stack>.yaml to read, e.g. prod")
    .option("--at <date>", "first day of the calendar, YYYY-MM-DD (UTC)", utcToday(ctx.io.now()))
    .option("--days <n>", "number of days to plan", parseInteger("--days"), 90)
    .option(
      "--state <file>",
      "start from the recorded state: the JSON of `pulumi stack output --json`, its shape checked (default: plan every user as new)",
    )
    .option("--dir <path>", "project directory holding Pulumi.yaml", ctx.io.cwd)
    .option("--json", "print the calendar as JSON (schema in docs/cli.md)", false)
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  iam-key-rotation plan --stack prod\n" +
        "  pulumi stack output --json -s prod > state.json\n" +
        "  iam-key-rotation plan --stack prod --state state.json --days 180 --json\n",
    )
    .action((opts: PlanOptions) => {
      ctx.exit(runPlan(opts, ctx));
    });
}
