/**
 * The JSON of `pulumi stack output --json` (or of `pulumi stack output users --json`), read by
 * `plan --state` and `summary`. Its shape is checked field by field before anything uses it:
 * a problem names the JSON path and what is wrong (`users.alice.rotationState.current must be
 * "blue" or "green" (got a number)`), never the file's content, and what the commands get back
 * holds only checked values. Fields this module does not know are ignored (outputs only ever
 * gain fields). Pure.
 */
import type { RotationState, Slot } from "../components/rotatedKeyUser/rotationModel";
import {
  ACCESS_KEY_ID_RE,
  AWS_NAME_RE,
  IAM_USER_NAME_RE,
  problemList,
  ShapeChecker,
} from "./shape";

const SLOTS: readonly Slot[] = ["blue", "green"];
const EVENT_KINDS = ["issue", "deactivate", "delete"] as const;
/** The record's optional dates (RotationState), in the order the program writes them. */
const STATE_DATES = [
  "previousActiveUntil",
  "publishedOn",
  "revokedBefore",
  "previousInUse",
] as const;

/** One change a run made (the rotation model's event, without its date: the run's date). */
export interface RunEvent {
  kind: (typeof EVENT_KINDS)[number];
  slot: Slot;
  /** Issue day of the key issued, deactivated or deleted. */
  keyIssuedOn: string;
}

/** Where and when a key was last used (GetAccessKeyLastUsed); null where AWS says nothing. */
export interface LastUse {
  date: string | null;
  service: string | null;
  region: string | null;
}

/** What the last `pulumi up` did for a user: the `run` output of each user. */
export interface RunOutputs {
  /** Day of the run, YYYY-MM-DD. */
  date: string;
  events: RunEvent[];
  /** The previous key, kept Active because it was still being used; null when none was. */
  keptInUse: { slot: Slot; accessKeyId: string; lastUsed: LastUse } | null;
  /** Day the previous key is deactivated; null when no previous key is Active. */
  previousDeactivatesOn: string | null;
  warnings: string[];
}

/** One user's outputs, checked. */
export interface UserOutputs {
  name: string;
  rotationState: RotationState;
  currentSlot?: Slot;
  currentAccessKeyId?: string;
  nextRotationOn?: string;
  /** Present when the outputs carry it and it was asked for. */
  run?: RunOutputs;
}

/** The outputs do not have the expected shape; `problems` name each JSON path. */
export class StackOutputsError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `${problems.length === 1 ? "1 problem" : `${problems.length} problems`}:\n` +
        problemList(problems),
    );
    this.name = "StackOutputsError";
  }
}

interface ReadOptions {
  /**
   * What the command needs besides rotationState: `summary` also needs currentSlot,
   * currentAccessKeyId, nextRotationOn and reads `run` (optional: stacks last updated before
   * it existed have none).
   */
  forSummary: boolean;
}

function readRotationState(
  raw: unknown,
  path: string,
  shape: ShapeChecker,
): RotationState | undefined {
  const state = shape.object(raw, path);
  if (state === undefined) return undefined;
  const current = shape.oneOf(state.current, `${path}.current`, SLOTS);
  const slotsRaw = shape.object(state.slots, `${path}.slots`);
  const slots: RotationState["slots"] = {};
  if (slotsRaw !== undefined) {
    for (const key of Object.keys(slotsRaw)) {
      if (!(SLOTS as readonly string[]).includes(key)) {
        shape.problems.push(`${path}.slots may only hold "blue" and "green" (it has another key)`);
      }
    }
    for (const slot of SLOTS) {
      const record = shape.optional(slotsRaw[slot], (v) =>
        shape.object(v, `${path}.slots.${slot}`),
      );
      if (record === undefined) continue;
      const issuedOn = shape.date(record.issuedOn, `${path}.slots.${slot}.issuedOn`);
      if (issuedOn !== undefined) slots[slot] = { issuedOn };
    }
    if (current !== undefined && slotsRaw[current] === undefined) {
      shape.problems.push(`${path}.slots.${current} is missing (the current slot needs a record)`);
    }
  }
  const dates: Partial<Record<(typeof STATE_DATES)[number], string>> = {};
  for (const field of STATE_DATES) {
    const value = shape.optional(state[field], (v) => shape.date(v, `${path}.${field}`));
    if (value !== undefined) dates[field] = value;
  }
  const stale = shape.optional(state.previousWasStale, (v) =>
    typeof v === "boolean" ? v : shape.fail(`${path}.previousWasStale`, "true or false", v),
  );
  const adopted = shape.optional(state.adopted, (v) => {
    const raw = shape.object(v, `${path}.adopted`);
    if (raw === undefined) return undefined;
    const slot = shape.oneOf(raw.slot, `${path}.adopted.slot`, SLOTS);
    const accessKeyId = shape.string(
      raw.accessKeyId,
      `${path}.adopted.accessKeyId`,
      ACCESS_KEY_ID_RE,
      "an access key id",
    );
    return slot === undefined || accessKeyId === undefined ? undefined : { slot, accessKeyId };
  });
  if (current === undefined || slotsRaw === undefined) return undefined;
  // Every field of the record the program writes: the calendar depends on each of them (the
  // adopted key has no max-age cut, a stale previous key keeps its overlap, ...).
  const result: RotationState = { current, slots, ...dates };
  if (stale === true) result.previousWasStale = true;
  if (adopted !== undefined) result.adopted = adopted;
  return result;
}

function readLastUse(raw: unknown, path: string, shape: ShapeChecker): LastUse | undefined {
  const use = shape.object(raw, path);
  if (use === undefined) return undefined;
  // AWS answers "N/A" for the service and region of a key never used.
  const name = (value: unknown, field: string) =>
    value === "N/A"
      ? null
      : (shape.optional(value, (v) =>
          shape.string(v, `${path}.${field}`, AWS_NAME_RE, `an AWS ${field} name`),
        ) ?? null);
  return {
    date: shape.optional(use.date, (v) => shape.dateOrTime(v, `${path}.date`)) ?? null,
    service: name(use.service, "service"),
    region: name(use.region, "region"),
  };
}

function readRun(raw: unknown, path: string, shape: ShapeChecker): RunOutputs | undefined {
  const run = shape.object(raw, path);
  if (run === undefined) return undefined;
  const before = shape.problems.length;
  const date = shape.date(run.date, `${path}.date`);
  const events: RunEvent[] = [];
  (shape.array(run.events, `${path}.events`) ?? []).forEach((rawEvent, i) => {
    const at = `${path}.events[${i}]`;
    const event = shape.object(rawEvent, at);
    if (event === undefined) return;
    const kind = shape.oneOf(event.kind, `${at}.kind`, EVENT_KINDS);
    const slot = shape.oneOf(event.slot, `${at}.slot`, SLOTS);
    const keyIssuedOn = shape.date(event.keyIssuedOn, `${at}.keyIssuedOn`);
    if (kind !== undefined && slot !== undefined && keyIssuedOn !== undefined) {
      events.push({ kind, slot, keyIssuedOn });
    }
  });
  let keptInUse: RunOutputs["keptInUse"] = null;
  if (run.keptInUse === undefined) {
    shape.fail(`${path}.keptInUse`, "null or an object", undefined);
  } else if (run.keptInUse !== null) {
    const kept = shape.object(run.keptInUse, `${path}.keptInUse`);
    if (kept !== undefined) {
      const slot = shape.oneOf(kept.slot, `${path}.keptInUse.slot`, SLOTS);
      const accessKeyId = shape.string(
        kept.accessKeyId,
        `${path}.keptInUse.accessKeyId`,
        ACCESS_KEY_ID_RE,
        "an access key id",
      );
      const lastUsed = readLastUse(kept.lastUsed, `${path}.keptInUse.lastUsed`, shape);
      if (slot !== undefined && accessKeyId !== undefined && lastUsed !== undefined) {
        keptInUse = { slot, accessKeyId, lastUsed };
      }
    }
  }
  let previousDeactivatesOn: string | null = null;
  if (run.previousDeactivatesOn === undefined) {
    shape.fail(`${path}.previousDeactivatesOn`, "null or a date YYYY-MM-DD", undefined);
  } else if (run.previousDeactivatesOn !== null) {
    previousDeactivatesOn =
      shape.date(run.previousDeactivatesOn, `${path}.previousDeactivatesOn`) ?? null;
  }
  const warnings: string[] = [];
  (shape.array(run.warnings, `${path}.warnings`) ?? []).forEach((w, i) => {
    if (typeof w === "string") warnings.push(w);
    else shape.fail(`${path}.warnings[${i}]`, "a string", w);
  });
  if (shape.problems.length > before || date === undefined) return undefined;
  return { date, events, keptInUse, previousDeactivatesOn, warnings };
}

function readUser(
  name: string,
  raw: unknown,
  path: string,
  shape: ShapeChecker,
  options: ReadOptions,
): UserOutputs | undefined {
  const outputs = shape.object(raw, path);
  if (outputs === undefined) return undefined;
  const rotationState = readRotationState(outputs.rotationState, `${path}.rotationState`, shape);
  const user: Partial<UserOutputs> = { name, rotationState };
  if (options.forSummary) {
    user.currentSlot = shape.oneOf(outputs.currentSlot, `${path}.currentSlot`, SLOTS);
    user.currentAccessKeyId = shape.string(
      outputs.currentAccessKeyId,
      `${path}.currentAccessKeyId`,
      ACCESS_KEY_ID_RE,
      "an access key id",
    );
    user.nextRotationOn = shape.date(outputs.nextRotationOn, `${path}.nextRotationOn`);
    user.run = shape.optional(outputs.run, (v) => readRun(v, `${path}.run`, shape));
  }
  return rotationState === undefined ? undefined : (user as UserOutputs);
}

/**
 * Reads the outputs from their JSON text. Returns the users in the order of the file; throws a
 * StackOutputsError naming every problem (the text is never quoted, not even when it is not
 * JSON).
 */
export function readStackOutputs(text: string, options: ReadOptions): UserOutputs[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new StackOutputsError([
      `the text is not JSON (${text.length} characters; content not shown)`,
    ]);
  }
  const shape = new ShapeChecker();
  const top = shape.object(doc, "the document");
  if (top === undefined) throw new StackOutputsError(shape.problems);
  // `pulumi stack output --json` has the users under "users"; `pulumi stack output users
  // --json` is that object alone.
  const [map, prefix] = "users" in top ? [top.users, "users"] : [top, ""];
  const users = shape.object(map, prefix || "the document");
  if (users === undefined) throw new StackOutputsError(shape.problems);
  const entries = Object.entries(users);
  if (entries.length === 0) {
    throw new StackOutputsError([
      prefix === "" ? 'the document has no "users" object' : "users has no user",
    ]);
  }
  const result: UserOutputs[] = [];
  entries.forEach(([name, raw], i) => {
    if (!IAM_USER_NAME_RE.test(name)) {
      shape.problems.push(
        `${prefix || "the document"} entry ${i + 1} is not named after an IAM user ` +
          "(1 to 64 letters, digits and +=,.@_-)",
      );
      return;
    }
    const user = readUser(name, raw, prefix ? `${prefix}.${name}` : name, shape, options);
    if (user !== undefined) result.push(user);
  });
  if (shape.problems.length > 0) throw new StackOutputsError(shape.problems);
  return result;
}
