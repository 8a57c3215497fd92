/**
 * The rotation model: a pure state machine shared by the RotatedKeyUser component, the
 * `iam-key-rotation plan` command and the tests. No Pulumi import, no clock, no I/O.
 *
 * Each managed user has two key slots, blue and green. One is *current* (published to
 * consumers); the other holds the *previous* key or nothing. Every run reads the state it
 * recorded last time and advances one step:
 *
 * - no record: issue blue today;
 * - the overlap starts when the new key is *published* (the secret consumers read holds it),
 *   not when it was planned: a run that fails after recording a rotation but before publishing
 *   never starts the clock that retires the key consumers still use;
 * - the previous key stays Active until `previousActiveUntil` = publication day + overlapDays
 *   (at least the next day), but never past its issue date + maxAgeDays (maxAgeDays is a hard
 *   bound; an adopted key, already old when the stack took it over, keeps its overlap); then
 *   Inactive; it is deleted when its slot is next re-issued;
 * - a previous key that is still being used when its overlap ends (used since the new key was
 *   published, then since the last day it was kept) stays Active one more day at a time
 *   (`previousInUse`), never past the max-age bound;
 * - a rotation is due when today >= current.issuedOn + everyDays and the previous key is done;
 *   then the other slot is re-issued today and becomes current. An adopted current key (one
 *   the stack took over: its secret cannot be published) is rotated away at once.
 *
 * Dates are UTC calendar days, `YYYY-MM-DD`.
 */

import { fromDay, isIsoDate, toDay } from "../../lib/days";
import { got, isInt } from "../../lib/validation";

export type Slot = "blue" | "green";

export const SLOTS: readonly Slot[] = ["blue", "green"];

export interface RotationPolicy {
  /** A new key is issued into the idle slot every N days. */
  everyDays: number;
  /** Days the previous key stays Active after a new key is published. */
  overlapDays: number;
  /** No key may stay Active longer than this. */
  maxAgeDays: number;
}

export const DEFAULT_POLICY: Readonly<RotationPolicy> = Object.freeze({
  everyDays: 30,
  overlapDays: 7,
  maxAgeDays: 90,
});

/** Upper bound of every day count; also the AWS Config rule's maxAccessKeyAge limit. */
export const MAX_DAYS = 365;

interface SlotRecord {
  /** YYYY-MM-DD (UTC) the key in this slot was issued. */
  issuedOn: string;
}

export interface RotationState {
  current: Slot;
  slots: Partial<Record<Slot, SlotRecord>>;
  /**
   * The previous slot's key stays Active while today is before this date. Absent while the
   * current key has not yet been published (the previous key then stays Active); set by the
   * run that publishes it, to publication day + overlapDays. Being recorded, a later change of
   * overlapDays never cuts a running overlap short. With overlapDays 0 it is the day after
   * publication: a re-run on the same day retires nothing.
   */
  previousActiveUntil?: string;
  /** The day the current key was published (the overlap's start); absent until it is. */
  publishedOn?: string;
  /**
   * The previous key was already past maxAgeDays when its replacement was published (runs
   * were missed, or maxAgeDays was lowered below its age): it keeps its overlap instead of
   * being cut off at once. Otherwise a running overlap ends at the key's max-age bound.
   */
  previousWasStale?: boolean;
  /**
   * Keys issued before this day are revoked (a leak): never Active again once their
   * replacement is published. Recorded, so removing the setting does not re-activate them.
   */
  revokedBefore?: string;
  /**
   * The slot holding a key that existed before the stack adopted the user (its secret was
   * never known, so it is never published), with its access key id; gone once that slot is
   * re-issued.
   */
  adopted?: { slot: Slot; accessKeyId: string };
  /** The last day a run kept the previous key Active past its overlap because it was in use. */
  previousInUse?: string;
}

/** What consumers are being given right now: read back from the published secret. */
export interface Publication {
  /** Slot of the published key. */
  slot: Slot;
  /** Issue date of the published key. */
  issuedOn: string;
  /** UTC day the published value was written. */
  publishedOn: string;
}

/** What IAM says of the previous key's use, read before it would go Inactive. */
export interface PreviousKeyUse {
  /** YYYY-MM-DD of its last use (IAM's GetAccessKeyLastUsed); null: never used. */
  lastUsedOn: string | null;
  /** Whether it is Active in IAM now (an Inactive key is never turned back on for its use). */
  active: boolean;
}

export type KeyStatus = "Active" | "Inactive";

interface SlotPlan {
  issuedOn: string;
  status: KeyStatus;
}

export interface RotationPlan {
  /** What to record for the next run. */
  state: RotationState;
  current: Slot;
  /** Desired keys; a changed issuedOn means: re-issue that slot. */
  slots: Partial<Record<Slot, SlotPlan>>;
  /** YYYY-MM-DD of the next rotation. */
  nextRotationOn: string;
}

export function otherSlot(slot: Slot): Slot {
  return slot === "blue" ? "green" : "blue";
}

// ---------------------------------------------------------------------------------------------
// Validation: every problem, each naming its field

/**
 * Checks a complete policy; returns every problem as a sentence naming the field, e.g.
 * `[rotation.overlapDays] must be smaller than [rotation.everyDays] (got 30 and 30).`
 * `field` is the path of the policy object in the configuration (default `rotation`).
 */
export function validatePolicy(policy: RotationPolicy, field = "rotation"): string[] {
  const problems: string[] = [];
  const { everyDays, overlapDays, maxAgeDays } = policy;
  const f = (key: keyof RotationPolicy) => `[${field}.${key}]`;

  const everyOk = isInt(everyDays) && everyDays >= 1 && everyDays <= MAX_DAYS;
  if (!everyOk) {
    problems.push(
      `${f("everyDays")} must be an integer from 1 to ${MAX_DAYS} (got ${got(everyDays)}).`,
    );
  }
  const overlapOk = isInt(overlapDays) && overlapDays >= 0;
  if (!overlapOk) {
    problems.push(`${f("overlapDays")} must be an integer of 0 or more (got ${got(overlapDays)}).`);
  } else if (everyOk && overlapDays >= everyDays) {
    problems.push(
      `${f("overlapDays")} must be smaller than ${f("everyDays")} (got ${overlapDays} and ${everyDays}).`,
    );
  }
  if (!isInt(maxAgeDays) || maxAgeDays < 1 || maxAgeDays > MAX_DAYS) {
    problems.push(
      `${f("maxAgeDays")} must be an integer from 1 to ${MAX_DAYS} (got ${got(maxAgeDays)}).`,
    );
  } else if (everyOk && overlapOk && everyDays + Math.max(overlapDays, 1) > MAX_DAYS) {
    // No maxAgeDays can be enough: say which settings to lower, not to raise maxAgeDays.
    problems.push(
      `${f("everyDays")} + ${overlapDays === 0 ? "1 (with no overlap)" : f("overlapDays")} = ` +
        `${everyDays + Math.max(overlapDays, 1)} is more than the ${MAX_DAYS} days a key may ` +
        `live (${f("maxAgeDays")} at most): lower ${f("everyDays")}` +
        `${overlapDays === 0 ? "" : ` or ${f("overlapDays")}`}.`,
    );
  } else if (everyOk && overlapOk && maxAgeDays < everyDays + Math.max(overlapDays, 1)) {
    problems.push(
      overlapDays === 0
        ? `${f("maxAgeDays")} must be at least ${f("everyDays")} + 1 = ${everyDays + 1} when ` +
            `${f("overlapDays")} is 0: the previous key is deactivated the day after the new key ` +
            `is published (got ${maxAgeDays}).`
        : `${f("maxAgeDays")} must be at least ${f("everyDays")} + ${f("overlapDays")} = ` +
            `${everyDays + overlapDays}, or a key outlives it (got ${maxAgeDays}).`,
    );
  }
  return problems;
}

/**
 * Checks a recorded state against today; returns every problem. A state is valid when the
 * current slot has a record, every date is a real date not after today, the previous key is
 * older than the current one, and a recorded revocation is not in the future.
 */
export function validateState(state: RotationState, today: string | Date): string[] {
  const problems: string[] = [];
  const now = toDay(today);
  if (state.current !== "blue" && state.current !== "green") {
    return [`current slot must be "blue" or "green" (got ${JSON.stringify(state.current)}).`];
  }
  for (const slot of SLOTS) {
    const record = state.slots[slot];
    if (record === undefined) continue;
    if (!isIsoDate(record.issuedOn)) {
      problems.push(
        `${slot} issue date must be YYYY-MM-DD (got ${JSON.stringify(record.issuedOn)}).`,
      );
    } else if (toDay(record.issuedOn) > now) {
      problems.push(`${slot} issue date ${record.issuedOn} is after today (${fromDay(now)}).`);
    }
  }
  const current = state.slots[state.current];
  const previous = state.slots[otherSlot(state.current)];
  if (current === undefined) {
    problems.push(`current slot ${state.current} has no issue date.`);
  } else if (
    previous !== undefined &&
    isIsoDate(current.issuedOn) &&
    isIsoDate(previous.issuedOn) &&
    previous.issuedOn >= current.issuedOn
  ) {
    problems.push(
      `previous slot ${otherSlot(state.current)} (issued ${previous.issuedOn}) must be older than ` +
        `current slot ${state.current} (issued ${current.issuedOn}).`,
    );
  }
  if (state.revokedBefore !== undefined) {
    if (!isIsoDate(state.revokedBefore)) {
      problems.push(
        `revocation date must be YYYY-MM-DD (got ${JSON.stringify(state.revokedBefore)}).`,
      );
    } else if (toDay(state.revokedBefore) > now) {
      problems.push(
        `revocation date ${state.revokedBefore} is in the future (today is ${fromDay(now)}).`,
      );
    }
  }
  if (state.previousActiveUntil !== undefined && !isIsoDate(state.previousActiveUntil)) {
    problems.push(
      `previous key end of overlap must be YYYY-MM-DD (got ${JSON.stringify(state.previousActiveUntil)}).`,
    );
  }
  if (state.publishedOn !== undefined) {
    if (!isIsoDate(state.publishedOn)) {
      problems.push(
        `publication date must be YYYY-MM-DD (got ${JSON.stringify(state.publishedOn)}).`,
      );
    } else if (toDay(state.publishedOn) > now) {
      problems.push(`publication date ${state.publishedOn} is after today (${fromDay(now)}).`);
    } else if (
      current !== undefined &&
      isIsoDate(current.issuedOn) &&
      state.publishedOn < current.issuedOn
    ) {
      problems.push(
        `publication date ${state.publishedOn} is before the current key's issue date ${current.issuedOn}.`,
      );
    }
  }
  if (state.previousInUse !== undefined) {
    if (!isIsoDate(state.previousInUse)) {
      problems.push(
        `previous key in-use date must be YYYY-MM-DD (got ${JSON.stringify(state.previousInUse)}).`,
      );
    } else if (toDay(state.previousInUse) > now) {
      problems.push(
        `previous key in-use date ${state.previousInUse} is after today (${fromDay(now)}).`,
      );
    }
  }
  if (state.adopted !== undefined && state.slots[state.adopted.slot] === undefined) {
    problems.push(`adopted slot ${state.adopted.slot} has no issue date.`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// The state machine

/**
 * Advances the recorded state to `today` under `policy`: at most one slot is re-issued.
 *
 * `published` is what consumers are given now (read back from the secret): `null` when nothing
 * readable is published; `undefined` to assume every run publishes its key on the day it is
 * issued (forecasts such as `plan`).
 *
 * `revokeIssuedBefore` (YYYY-MM-DD, at most today) revokes every key issued before that day,
 * e.g. after a leak: a revoked previous key is made Inactive now, with no overlap; a revoked
 * current key is replaced now (the next day if it was issued today), and is then Inactive too
 * (if it was never seen published, its own slot is re-issued, keeping the published one until
 * the replacement is out). Revocation is recorded, so removing the setting never re-activates
 * a key.
 *
 * `previousUse` is what IAM says of the previous key's use (see PreviousKeyUse): when the
 * previous key would go Inactive today but was used since its replacement was published (or
 * since the last day it was kept), it stays Active today, never past its max-age bound.
 *
 * Throws a RangeError listing every problem when the policy or the record is invalid.
 */
export function advance(
  recorded: RotationState | undefined,
  policy: RotationPolicy,
  today: string | Date,
  published?: Publication | null,
  revokeIssuedBefore?: string,
  previousUse?: PreviousKeyUse,
): RotationPlan {
  const policyProblems = validatePolicy(policy);
  if (policyProblems.length > 0) throw new RangeError(policyProblems.join(" "));
  const now = toDay(today);
  const revokedBefore = revocationDay(revokeIssuedBefore, now);

  if (recorded === undefined) {
    return planFor({ current: "blue", slots: { blue: { issuedOn: fromDay(now) } } }, policy, now);
  }
  const stateProblems = validateState(recorded, today);
  if (stateProblems.length > 0) throw new RangeError(stateProblems.join(" "));

  let state = copyState(recorded);
  const revoked = Math.max(
    revokedBefore,
    state.revokedBefore === undefined ? -Infinity : toDay(state.revokedBefore),
  );
  if (revoked > -Infinity) state.revokedBefore = fromDay(revoked);
  const current = state.slots[state.current]!;
  if (hasPrevious(state) && state.previousActiveUntil === undefined) {
    const seen =
      published === undefined
        ? { slot: state.current, issuedOn: current.issuedOn, publishedOn: current.issuedOn }
        : published;
    if (seen !== null && seen.slot === state.current && seen.issuedOn === current.issuedOn) {
      const publishedDay = Math.max(toDay(seen.publishedOn), toDay(current.issuedOn));
      state = startOverlap(state, policy, publishedDay);
    }
  }

  // A previous key still in use when it would go Inactive today stays Active: decided before
  // the rotation check, since re-issuing its slot would delete it.
  if (previousUse !== undefined && keepsPreviousInUse(state, policy, now, previousUse)) {
    state.previousInUse = fromDay(now);
  }

  if (now >= dueDay(state, policy, now)) {
    // Normally the idle slot is re-issued. A revoked current key never seen published is
    // replaced in place instead: the previous key is the one consumers still have.
    const inPlace = isRevoked(state, state.current) && !seenPublished(state);
    const next = inPlace ? state.current : otherSlot(state.current);
    const rotated: RotationState = {
      current: next,
      slots: { ...state.slots, [next]: { issuedOn: fromDay(now) } },
    };
    if (state.revokedBefore !== undefined) rotated.revokedBefore = state.revokedBefore;
    if (state.adopted !== undefined && state.adopted.slot !== next) {
      rotated.adopted = { ...state.adopted };
    }
    // A forecast assumes this run publishes the new key today: the overlap starts now.
    state = published === undefined ? afterPublication(rotated, policy, fromDay(now)) : rotated;
  }
  return planFor(state, policy, now);
}

/**
 * The record as a run leaves it once it has published the current key on `today`: if an
 * overlap was waiting for that publication, it starts now (publishedOn = today, the previous
 * key Active until today + overlapDays, at least the next day). The program writes this record
 * to the user's tags and the published document; until the document confirms the publication,
 * the next run ignores those two dates (a run that failed before publishing started nothing).
 */
export function afterPublication(
  state: RotationState,
  policy: RotationPolicy,
  today: string,
): RotationState {
  if (!hasPrevious(state) || state.previousActiveUntil !== undefined) return state;
  return startOverlap(copyState(state), policy, toDay(today));
}

/** The overlap starts on `publishedDay`: the record of it (state is modified and returned). */
function startOverlap(
  state: RotationState,
  policy: RotationPolicy,
  publishedDay: number,
): RotationState {
  state.publishedOn = fromDay(publishedDay);
  state.previousActiveUntil = fromDay(publishedDay + minimumOverlap(policy));
  const previous = state.slots[otherSlot(state.current)]!;
  if (publishedDay >= toDay(previous.issuedOn) + policy.maxAgeDays) state.previousWasStale = true;
  return state;
}

/**
 * Whether the previous key, about to go Inactive today, stays Active one more day because it
 * is still used: it is Active in IAM, was used after its replacement was published (or, once
 * kept, since the last day it was kept), and is short of its max-age bound.
 */
function keepsPreviousInUse(
  state: RotationState,
  policy: RotationPolicy,
  now: number,
  use: PreviousKeyUse,
): boolean {
  const slot = otherSlot(state.current);
  if (!hasPrevious(state) || !seenPublished(state) || isRevoked(state, slot)) return false;
  if (state.previousInUse === fromDay(now)) return true; // decided by an earlier run today
  if (!use.active || use.lastUsedOn === null || now < previousEnd(state, policy)) return false;
  if (now >= toDay(state.slots[slot]!.issuedOn) + policy.maxAgeDays) return false;
  // Used after its replacement was published (the first time), or since the last day a run
  // kept it (every day after): a use on that day may have followed the run that day, and
  // IAM's last-use data lags by a few hours, so that day counts.
  const since =
    state.previousInUse ??
    state.publishedOn ??
    fromDay(toDay(state.previousActiveUntil!) - minimumOverlap(policy));
  return use.lastUsedOn >= since;
}

/** Whether a slot holds a key issued before the recorded revocation date. */
function isRevoked(state: RotationState, slot: Slot): boolean {
  const record = state.slots[slot];
  return (
    record !== undefined &&
    state.revokedBefore !== undefined &&
    toDay(record.issuedOn) < toDay(state.revokedBefore)
  );
}

/**
 * Whether the current key has been seen published (its overlap has started). Only then may the
 * previous slot be re-issued: until then the previous key is what consumers are given.
 */
function seenPublished(state: RotationState): boolean {
  return !hasPrevious(state) || state.previousActiveUntil !== undefined;
}

/**
 * Problems with a revocation date on day `today`: it must be a date no later than today (only
 * keys that exist can be revoked; a date in the future would also revoke the replacement this
 * run issues, and cut its consumers off again the next day).
 */
export function validateRevocation(revokeIssuedBefore: string, today: string | Date): string[] {
  if (!isIsoDate(revokeIssuedBefore)) {
    return [
      `revokeIssuedBefore must be a date written YYYY-MM-DD (got ${JSON.stringify(revokeIssuedBefore)}).`,
    ];
  }
  const now = toDay(today);
  if (toDay(revokeIssuedBefore) <= now) return [];
  return [
    `revokeIssuedBefore ${revokeIssuedBefore} is in the future (today is ${fromDay(now)}): only ` +
      `keys that exist can be revoked, and a later date would also revoke the key issued to ` +
      `replace them.`,
  ];
}

/** The day number of `revokeIssuedBefore`; -Infinity when not set. */
function revocationDay(revokeIssuedBefore: string | undefined, now: number): number {
  if (revokeIssuedBefore === undefined) return -Infinity;
  const problems = validateRevocation(revokeIssuedBefore, fromDay(now));
  if (problems.length > 0) throw new RangeError(problems.join(" "));
  return toDay(revokeIssuedBefore);
}

/** The keys a state calls for on day `now`, without advancing it. */
function planFor(state: RotationState, policy: RotationPolicy, now: number): RotationPlan {
  const slots: Partial<Record<Slot, SlotPlan>> = {};
  for (const slot of SLOTS) {
    const record = state.slots[slot];
    if (record === undefined) continue;
    const active =
      slot === state.current ||
      (!isRevoked(state, slot) &&
        (now < previousEnd(state, policy) || state.previousInUse === fromDay(now)));
    slots[slot] = { issuedOn: record.issuedOn, status: active ? "Active" : "Inactive" };
  }
  return {
    state,
    current: state.current,
    slots,
    nextRotationOn: fromDay(dueDay(state, policy, now)),
  };
}

/**
 * Days the previous key stays Active after the new one is published: overlapDays, but at least
 * until the next day, so a second run on the publication day never retires it.
 */
function minimumOverlap(policy: RotationPolicy): number {
  return Math.max(policy.overlapDays, 1);
}

function hasPrevious(state: RotationState): boolean {
  return state.slots[otherSlot(state.current)] !== undefined;
}

/**
 * True while an overlap waits to start: a previous key exists and its deactivation date is not
 * known yet, so a run must read what is published before advancing.
 */
export function awaitsPublication(recorded: RotationState | null | undefined): boolean {
  return (
    recorded !== null &&
    recorded !== undefined &&
    recorded.previousActiveUntil === undefined &&
    hasPrevious(recorded)
  );
}

/**
 * The first day the previous key is no longer Active for its overlap: the recorded end of the
 * overlap, cut at its max-age bound (issue date + maxAgeDays) unless it is an adopted key or was
 * already past that bound when the overlap started (previousWasStale);
 * Infinity while the current key has not been seen published (the previous key is then what
 * consumers have).
 */
function previousEnd(state: RotationState, policy: RotationPolicy): number {
  if (state.previousActiveUntil === undefined) return Infinity;
  const slot = otherSlot(state.current);
  const end = toDay(state.previousActiveUntil);
  if (state.adopted?.slot === slot || state.previousWasStale === true) return end;
  return Math.min(end, toDay(state.slots[slot]!.issuedOn) + policy.maxAgeDays);
}

/**
 * The day the previous key is no longer kept Active for its overlap (YYYY-MM-DD), or null when
 * there is no previous key or its overlap has not started (the current key is not yet seen
 * published). A revoked previous key is done at once.
 */
export function previousDoneOn(state: RotationState, policy: RotationPolicy): string | null {
  if (!hasPrevious(state) || state.previousActiveUntil === undefined) return null;
  if (isRevoked(state, otherSlot(state.current))) return state.slots[state.current]!.issuedOn;
  return fromDay(previousEnd(state, policy));
}

/**
 * The day the previous key's overlap is cut short by its max-age bound, when it is (null
 * otherwise): the day a run deactivates it although its overlap would run on. `plan` and the
 * program warn about it days ahead.
 */
export function maxAgeCut(
  state: RotationState,
  policy: RotationPolicy,
): { on: string; overlapEndsOn: string } | null {
  if (!hasPrevious(state) || state.previousActiveUntil === undefined) return null;
  const slot = otherSlot(state.current);
  if (isRevoked(state, slot)) return null;
  const end = previousEnd(state, policy);
  if (end >= toDay(state.previousActiveUntil)) return null;
  return { on: fromDay(end), overlapEndsOn: state.previousActiveUntil };
}

function copyState(state: RotationState): RotationState {
  const slots: Partial<Record<Slot, SlotRecord>> = {};
  for (const slot of SLOTS) {
    const record = state.slots[slot];
    if (record !== undefined) slots[slot] = { issuedOn: record.issuedOn };
  }
  const copy: RotationState = { current: state.current, slots };
  if (state.previousActiveUntil !== undefined) copy.previousActiveUntil = state.previousActiveUntil;
  if (state.publishedOn !== undefined) copy.publishedOn = state.publishedOn;
  if (state.previousWasStale === true) copy.previousWasStale = true;
  if (state.revokedBefore !== undefined) copy.revokedBefore = state.revokedBefore;
  if (state.adopted !== undefined) copy.adopted = { ...state.adopted };
  if (state.previousInUse !== undefined) copy.previousInUse = state.previousInUse;
  return copy;
}

/**
 * The day the current key is replaced: its issue date + everyDays, never before the previous
 * key is done (re-issuing the idle slot deletes the previous key: its overlap over, or its
 * max-age bound reached, and not kept Active today because it is in use), and never before the
 * current key has been seen published (the overlap can then end at the earliest overlapDays
 * after the later of today and its issue date). A revoked previous key holds nothing once the
 * current key is seen published. A revoked current key is replaced the day after its issue
 * date; an adopted current key at once. A valid policy has everyDays + overlapDays <=
 * maxAgeDays, so with daily runs the every-days date comes first.
 */
function dueDay(state: RotationState, policy: RotationPolicy, now: number): number {
  const issued = toDay(state.slots[state.current]!.issuedOn);
  if (state.adopted?.slot === state.current) return issued;
  if (isRevoked(state, state.current)) return issued + 1;
  const byAge = issued + policy.everyDays;
  if (!hasPrevious(state)) return byAge;
  if (!seenPublished(state)) return Math.max(byAge, Math.max(now, issued) + minimumOverlap(policy));
  if (isRevoked(state, otherSlot(state.current))) return byAge;
  const kept = state.previousInUse === fromDay(now) ? now + 1 : -Infinity;
  return Math.max(byAge, previousEnd(state, policy), kept);
}

// ---------------------------------------------------------------------------------------------
// Calendar: what daily runs will do

type RotationEventKind = "issue" | "deactivate" | "delete";

export interface RotationEvent {
  /** YYYY-MM-DD of the run that makes the change. */
  date: string;
  kind: RotationEventKind;
  slot: Slot;
  /** Issue date of the key the event is about (for `issue`: the new key's, i.e. `date`). */
  keyIssuedOn: string;
}

/** The changes between two consecutive plans (ordered: delete, issue, deactivate). */
function diffPlans(
  before: RotationPlan | undefined,
  after: RotationPlan,
  date: string,
): RotationEvent[] {
  const events: RotationEvent[] = [];
  for (const slot of SLOTS) {
    const old = before?.slots[slot];
    const now = after.slots[slot];
    if (now === undefined) continue;
    if (old === undefined || old.issuedOn !== now.issuedOn) {
      if (old !== undefined) events.push({ date, kind: "delete", slot, keyIssuedOn: old.issuedOn });
      events.push({ date, kind: "issue", slot, keyIssuedOn: now.issuedOn });
    } else if (old.status === "Active" && now.status === "Inactive") {
      events.push({ date, kind: "deactivate", slot, keyIssuedOn: now.issuedOn });
    }
  }
  const order: Record<RotationEventKind, number> = { delete: 0, issue: 1, deactivate: 2 };
  return events.sort((a, b) => order[a.kind] - order[b.kind]);
}

/**
 * Simulates a daily run on each of `days` days starting at `from` (inclusive) and returns
 * every change the runs make, plus the plan after the last day. With no record, the first
 * run (on `from`) issues blue.
 */
export function calendar(
  recorded: RotationState | undefined,
  policy: RotationPolicy,
  from: string,
  days: number,
  revokeIssuedBefore?: string,
): { events: RotationEvent[]; last: RotationPlan | undefined } {
  const start = toDay(from);
  const events: RotationEvent[] = [];
  let state = recorded;
  // The keys as the record left them, its overlap uncut: a maxAgeDays lowered past the previous
  // key's age then shows as its deactivation by the first run, not as a key already Inactive.
  // The record does not say whether an earlier run already cut the overlap at its bound; if one
  // did (a bound inside the overlap, under an unchanged policy), the first day shows it again.
  let previous: RotationPlan | undefined =
    recorded === undefined
      ? undefined
      : planFor(recorded, { ...policy, maxAgeDays: Infinity }, start - 1);
  for (let i = 0; i < days; i++) {
    const date = fromDay(start + i);
    const plan = advance(state, policy, date, undefined, revokeIssuedBefore);
    events.push(...diffPlans(previous, plan, date));
    previous = plan;
    state = plan.state;
  }
  return { events, last: previous };
}
