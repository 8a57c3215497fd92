/**
 * `iam-key-rotation plan`: the rotation calendar of a stack, offline. Simulates one
 * `pulumi up` per day with the same model the program uses
 * (components/rotatedKeyUser/rotationModel.ts).
 */
import { Command } from "commander";
import {
  advance,
  calendar,
  maxAgeCut,
  otherSlot,
  RotationEvent,
  RotationPlan,
  RotationPolicy,
  RotationState,
  Slot,
  validateRevocation,
  validateState,
} from "../../components/rotatedKeyUser/rotationModel";
import { addDays, isIsoDate, utcToday } from "../../lib/days";
import type { CommandContext } from "../context";
import { EXIT, UsageError } from "../errors";
import { formatTable, plural } from "../format";
import { dirOption, parseInteger } from "../options";
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
  /**
   * The key the stack adopted (recorded state `adopted`), with the days the daily runs make it
   * Inactive and delete it (null: not in this period); null when the state has no adopted key.
   */
  adopted: {
    slot: Slot;
    accessKeyId: string;
    issuedOn: string;
    deactivatedOn: string | null;
    deletedOn: string | null;
  } | null;
  /**
   * Previous keys whose overlap is cut at their max-age bound (rotation.maxAgeDays): on `on`,
   * before the overlap would end on `overlapEndsOn` (the program warns at preview days ahead).
   */
  maxAgeCuts: { slot: Slot; keyIssuedOn: string; on: string; overlapEndsOn: string }[];
  /**
   * Set when the user is planned as new but the config adopts it (`adopt`): offline, the plan
   * cannot see the existing user's key, which its first run imports into blue (green issued).
   */
  adoptsUnseen?: true;
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
  // Every user's revocation date at once, each naming its field (as `pulumi up` reports them).
  const revocations = config.users.flatMap((user, i) =>
    user.revokeIssuedBefore === undefined
      ? []
      : validateRevocation(user.revokeIssuedBefore, options.at).map(
          (p) => `user "${user.name}": [users[${i}].revokeIssuedBefore] ${p}`,
        ),
  );
  if (revocations.length > 0) {
    throw new UsageError(
      revocations.length === 1
        ? `--at ${options.at}: ${revocations[0]}`
        : `--at ${options.at}:\n${revocations.map((p) => `  - ${p}`).join("\n")}`,
    );
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
      adopted: adoptedKey(recorded, events),
      maxAgeCuts: maxAgeCuts(
        recorded ?? undefined,
        user.rotation,
        options,
        user.revokeIssuedBefore,
        events,
      ),
      ...(recorded === null && user.adopt !== undefined && { adoptsUnseen: true as const }),
    };
  });
  const to = addDays(options.at, options.days - 1);
  return { version: 1, stack: options.stack, from: options.at, to, days: options.days, users };
}

/** The recorded adopted key and the days the calendar deactivates and deletes it. */
function adoptedKey(recorded: RotationState | null, events: RotationEvent[]): PlanUser["adopted"] {
  const adopted = recorded?.adopted;
  if (adopted === undefined) return null;
  const issuedOn = recorded!.slots[adopted.slot]!.issuedOn;
  const on = (kind: RotationEvent["kind"]) =>
    events.find((e) => e.kind === kind && e.slot === adopted.slot && e.keyIssuedOn === issuedOn)
      ?.date ?? null;
  return { ...adopted, issuedOn, deactivatedOn: on("deactivate"), deletedOn: on("delete") };
}

/**
 * Every overlap the daily runs cut at the previous key's max-age bound in the period: the
 * model's maxAgeCut of each day's state (the same simulation as `calendar`), once per key.
 */
function maxAgeCuts(
  recorded: RotationState | undefined,
  policy: RotationPolicy,
  options: PlanOptions,
  revokeIssuedBefore: string | undefined,
  events: RotationEvent[],
): PlanUser["maxAgeCuts"] {
  const cuts: PlanUser["maxAgeCuts"] = [];
  let state = recorded;
  for (let i = 0; i < options.days; i++) {
    const date = addDays(options.at, i);
    state = advance(state, policy, date, undefined, revokeIssuedBefore).state;
    const cut = maxAgeCut(state, policy);
    if (cut === null) continue;
    const slot = otherSlot(state.current);
    const keyIssuedOn = state.slots[slot]!.issuedOn;
    // A bound already behind (maxAgeDays lowered past the key's age): cut by the first run.
    const on =
      cut.on >= date
        ? cut.on
        : i === 0 &&
            events.some(
              (e) =>
                e.date === date &&
                e.kind === "deactivate" &&
                e.slot === slot &&
                e.keyIssuedOn === keyIssuedOn,
            )
          ? date
          : undefined;
    if (on === undefined) continue;
    if (!cuts.some((c) => c.slot === slot && c.keyIssuedOn === keyIssuedOn)) {
      cuts.push({ slot, keyIssuedOn, on, overlapEndsOn: cut.overlapEndsOn });
    }
  }
  return cuts;
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
  for (const u of doc.users) {
    if (u.adoptsUnseen !== true) continue;
    out.push(
      `${u.name} is adopted (adopt): planned as new, since the plan cannot see its existing ` +
        `key offline. If it has an Active one, the first run imports that key into blue and ` +
        `issues green, and the adopted key goes Inactive after the overlap; \`pulumi preview\` ` +
        `shows what adoption does, then plan --state from the stack's outputs.`,
    );
  }
  for (const u of doc.users) {
    if (u.adopted === null) continue;
    const a = u.adopted;
    const inactive =
      a.deactivatedOn !== null
        ? `goes Inactive on ${a.deactivatedOn}`
        : u.end.slots[a.slot]?.issuedOn === a.issuedOn && u.end.slots[a.slot]?.status === "Active"
          ? `still Active on ${doc.to}`
          : `Inactive before ${doc.from}`;
    const deleted = a.deletedOn !== null ? `deleted on ${a.deletedOn}` : `not deleted by ${doc.to}`;
    out.push(
      `Adopted key of ${u.name}: ${a.slot} ${a.accessKeyId} (created ${a.issuedOn}), ` +
        `${inactive}, ${deleted}.`,
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
  const cuts = doc.users
    .flatMap((u) => u.maxAgeCuts.map((c) => ({ u, c })))
    .sort((a, b) => a.c.on.localeCompare(b.c.on));
  if (cuts.length > 0) {
    out.push("");
    out.push("Warnings:");
    for (const { u, c } of cuts) {
      const bound = addDays(c.keyIssuedOn, u.policy.maxAgeDays);
      out.push(
        `  - ${u.name}: the previous ${c.slot} key (issued ${c.keyIssuedOn}) is deactivated on ` +
          `${c.on}, before its overlap would end on ${c.overlapEndsOn}: it ` +
          (bound < c.on
            ? `reached its maximum age (rotation.maxAgeDays ${u.policy.maxAgeDays}) on ${bound}. `
            : `reaches its maximum age (rotation.maxAgeDays ${u.policy.maxAgeDays}) then. `) +
          `Consumers must have moved to the published key by ${c.on}.`,
      );
    }
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
    .addOption(dirOption(ctx.io.cwd, "project directory holding Pulumi.yaml"))
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
