/**
 * Which keys a stack manages (`audit --stack`): a user's keys against the rotation record in its
 * tags (components/rotatedKeyUser/rotationRecord.ts). Pure.
 *
 * The record names no issued key (only the adopted one, `key-rotation:adopted` =
 * `<slot>:<accessKeyId>`), so keys are matched to slots by creation date: a slot issued on day D
 * accounts for a key created on D or later (a run creates the key the day it records; "on time"
 * is D or D + 1, for a run that crosses midnight), and each slot for at most one key. Of every
 * way to pair keys with slots, those that account for the most keys, then for the most keys on
 * time, are kept: a key paired in all of them is managed ("yes"), in none "no", in some only
 * "unknown" (two keys the dates cannot tell apart, e.g. a hand-made key created the day the
 * stack issued one). The adopted key is matched by its id where ids are known (read user by
 * user: no other key holds the adopted slot); from the credential report, which names no key,
 * it is a key created on or before its slot's recorded date.
 *
 *   slots {blue: 2026-01-01}, keys created 2026-01-01 and 2026-03-05 → yes (blue), no
 */
import type { Slot } from "../../components/rotatedKeyUser/rotationModel";
import { TAG_PREFIX } from "../../components/rotatedKeyUser/rotationRecord";
import { isIsoDate, toDay } from "../../lib/days";

export type Managed = "yes" | "no" | "unknown";

export interface KeyManagement {
  managed: Managed;
  /** The slot holding the key when managed and the dates tell which; else null. */
  slot: Slot | null;
  /** The key existed before the stack adopted its user (the record's `adopted` slot). */
  adopted: boolean;
  /** Why, in words. */
  reason: string;
}

/** What the audit reads of a user's rotation record: the tags that say which keys are the stack's. */
export interface RecordTags {
  /** Any `key-rotation:` tag at all. */
  present: boolean;
  /** `key-rotation:stack`: `<project>/<stack>`, absent in records written before it existed. */
  stack?: string;
  /** Issue date of each slot that has one. */
  slots: Partial<Record<Slot, string>>;
  adopted?: { slot: Slot; accessKeyId: string };
  /** Tags that cannot be read, each a sentence. */
  problems: string[];
}

const SLOT_NAMES: readonly Slot[] = ["blue", "green"];
const ACCESS_KEY_ID_RE = /^[A-Z0-9]{16,128}$/;

/** Reads the tags `audit --stack` needs; other record tags are the run's business. */
export function readRecordTags(tags: Readonly<Record<string, string>>): RecordTags {
  const record: RecordTags = { present: false, slots: {}, problems: [] };
  for (const key of Object.keys(tags)) if (key.startsWith(TAG_PREFIX)) record.present = true;
  const stack = tags[`${TAG_PREFIX}stack`];
  if (stack !== undefined) record.stack = stack;
  for (const slot of SLOT_NAMES) {
    const value = tags[`${TAG_PREFIX}${slot}`];
    if (value === undefined) continue;
    if (isIsoDate(value)) record.slots[slot] = value;
    else {
      record.problems.push(
        `tag ${TAG_PREFIX}${slot} must be a date YYYY-MM-DD (got ${JSON.stringify(value)}).`,
      );
    }
  }
  const adopted = tags[`${TAG_PREFIX}adopted`];
  if (adopted !== undefined) {
    const [slot, id, ...rest] = adopted.split(":");
    if ((slot === "blue" || slot === "green") && ACCESS_KEY_ID_RE.test(id ?? "") && !rest.length) {
      record.adopted = { slot, accessKeyId: id };
    } else {
      record.problems.push(
        `tag ${TAG_PREFIX}adopted must be <slot>:<accessKeyId> (got ${JSON.stringify(adopted)}).`,
      );
    }
  }
  return record;
}

export interface KeyToMatch {
  /** null when read from the credential report. */
  accessKeyId: string | null;
  createdAt: Date | null;
}

/** How a user of the audited account stands with the stack. */
export type StackUser =
  | { listed: false }
  | { listed: true; record: RecordTags }
  /** Listed, but its tags could not be read (the reason says why). */
  | { listed: true; unreadable: string };

const answer = (managed: Managed, reason: string, slot: Slot | null = null, adopted = false) => ({
  managed,
  slot,
  adopted,
  reason,
});

/** Each key's management, in the order of `keys`. `stackId` is `<project>/<stack>`. */
export function manageKeys(
  keys: readonly KeyToMatch[],
  user: StackUser,
  stackId: string,
): KeyManagement[] {
  const all = (m: KeyManagement) => keys.map(() => m);
  if (!user.listed) return all(answer("no", "the stack does not list this user"));
  if ("unreadable" in user) return all(answer("unknown", user.unreadable));
  const { record } = user;
  if (!record.present) {
    return all(answer("no", "the user has no rotation record: the stack has not taken it over"));
  }
  if (record.stack !== undefined && record.stack !== stackId) {
    return all(answer("no", `the rotation record belongs to stack ${record.stack}`));
  }
  if (record.problems.length > 0) {
    return all(answer("unknown", `the rotation record cannot be read: ${record.problems[0]}`));
  }
  return matchSlots(keys, record);
}

interface Fit {
  slot: Slot;
  onTime: boolean;
}

function fitsOf(key: KeyToMatch, record: RecordTags, keysNamed: boolean): Fit[] {
  if (key.createdAt === null) return [];
  const day = toDay(key.createdAt);
  const fits: Fit[] = [];
  for (const slot of SLOT_NAMES) {
    const issuedOn = record.slots[slot];
    if (issuedOn === undefined) continue;
    const issued = toDay(issuedOn);
    const adopted = record.adopted?.slot === slot;
    if (adopted && keysNamed) {
      // Read user by user: the adopted slot holds the key with that id and no other.
      if (key.accessKeyId === record.adopted!.accessKeyId) fits.push({ slot, onTime: true });
    } else if (adopted) {
      // From the report: the adopted key existed before its slot's recorded date.
      if (day <= issued) fits.push({ slot, onTime: true });
    } else if (keysNamed && key.accessKeyId === record.adopted?.accessKeyId) {
      // The adopted key holds only the adopted slot.
    } else if (day >= issued) {
      fits.push({ slot, onTime: day - issued <= 1 });
    }
  }
  return fits;
}

function matchSlots(keys: readonly KeyToMatch[], record: RecordTags): KeyManagement[] {
  const keysNamed = keys.some((k) => k.accessKeyId !== null);
  const fits = keys.map((k) => fitsOf(k, record, keysNamed));
  // Every way to pair keys with slots (at most two of each), scored by (paired, on time).
  let best: (Slot | null)[][] = [];
  let bestScore = [-1, -1];
  const pairing: (Slot | null)[] = [];
  const visit = (i: number, used: Set<Slot>, paired: number, onTime: number) => {
    if (i === keys.length) {
      if (paired > bestScore[0] || (paired === bestScore[0] && onTime > bestScore[1])) {
        best = [];
        bestScore = [paired, onTime];
      }
      if (paired === bestScore[0] && onTime === bestScore[1]) best.push([...pairing]);
      return;
    }
    pairing[i] = null;
    visit(i + 1, used, paired, onTime);
    for (const fit of fits[i]) {
      if (used.has(fit.slot)) continue;
      pairing[i] = fit.slot;
      used.add(fit.slot);
      visit(i + 1, used, paired + 1, onTime + (fit.onTime ? 1 : 0));
      used.delete(fit.slot);
    }
  };
  visit(0, new Set(), 0, 0);
  return keys.map((_, i) => {
    const slots = new Set(best.map((p) => p[i]));
    if (slots.size === 1 && slots.has(null)) {
      return answer("no", "no slot of the rotation record accounts for it (a hand-made key?)");
    }
    if (slots.has(null)) {
      return answer(
        "unknown",
        "the creation dates cannot tell whether the record accounts for it or for another key",
      );
    }
    const slot = slots.size === 1 ? [...slots][0] : null;
    if (slot === null) {
      return answer("yes", "a slot of the rotation record accounts for it; which one is unclear");
    }
    const adopted = record.adopted?.slot === slot;
    return answer(
      "yes",
      adopted
        ? `the ${slot} slot's adopted key`
        : `the ${slot} slot's key, issued ${record.slots[slot]}`,
      slot,
      adopted,
    );
  });
}
