/**
 * The rotation record kept in the IAM user's own tags, so it survives anything that happens to
 * the Pulumi state and humans see in the console which key is current:
 *
 *   key-rotation:current               = blue | green
 *   key-rotation:blue                  = YYYY-MM-DD   (issue date of the blue key)
 *   key-rotation:green                 = YYYY-MM-DD   (issue date of the green key)
 *   key-rotation:previous-active-until = YYYY-MM-DD   (end of the running overlap)
 *   key-rotation:revoked-before        = YYYY-MM-DD   (keys issued before it are revoked)
 *
 * Pure: no Pulumi import.
 */
import { RotationState, Slot, SLOTS } from "./rotationModel";
import { isIsoDate } from "../../lib/days";

export const TAG_PREFIX = "key-rotation:";
const CURRENT_TAG = `${TAG_PREFIX}current`;
const PREVIOUS_ACTIVE_UNTIL_TAG = `${TAG_PREFIX}previous-active-until`;
const REVOKED_BEFORE_TAG = `${TAG_PREFIX}revoked-before`;
const slotTag = (slot: Slot): string => `${TAG_PREFIX}${slot}`;

/** Every tag of the record, sorted (the CI role may set exactly these on managed users). */
export const RECORD_TAG_KEYS: readonly string[] = [
  CURRENT_TAG,
  PREVIOUS_ACTIVE_UNTIL_TAG,
  REVOKED_BEFORE_TAG,
  ...SLOTS.map(slotTag),
].sort();
const KNOWN_TAGS = new Set(RECORD_TAG_KEYS);

/** The record tags for a state. */
export function encodeRecord(state: RotationState): Record<string, string> {
  const tags: Record<string, string> = { [CURRENT_TAG]: state.current };
  for (const slot of SLOTS) {
    const record = state.slots[slot];
    if (record !== undefined) tags[slotTag(slot)] = record.issuedOn;
  }
  if (state.previousActiveUntil !== undefined) {
    tags[PREVIOUS_ACTIVE_UNTIL_TAG] = state.previousActiveUntil;
  }
  if (state.revokedBefore !== undefined) tags[REVOKED_BEFORE_TAG] = state.revokedBefore;
  return tags;
}

type DecodedRecord =
  | { kind: "none" }
  | { kind: "ok"; state: RotationState }
  | { kind: "malformed"; problems: string[] };

/**
 * Reads the record from a user's tags. `none` only when no `key-rotation:` tag exists at all;
 * anything partial or unreadable is `malformed`, with one problem per tag.
 */
export function decodeRecord(tags: Record<string, string> | undefined): DecodedRecord {
  const ours = Object.entries(tags ?? {}).filter(([key]) => key.startsWith(TAG_PREFIX));
  if (ours.length === 0) return { kind: "none" };
  const problems: string[] = [];
  const get = (key: string) => ours.find(([k]) => k === key)?.[1];

  for (const [key] of ours) {
    if (!KNOWN_TAGS.has(key)) problems.push(`tag ${key} is not a tag this program writes.`);
  }
  const current = get(CURRENT_TAG);
  if (current === undefined) {
    problems.push(`tag ${CURRENT_TAG} is missing.`);
  } else if (current !== "blue" && current !== "green") {
    problems.push(`tag ${CURRENT_TAG} must be "blue" or "green" (got ${JSON.stringify(current)}).`);
  }
  const slots: RotationState["slots"] = {};
  for (const slot of SLOTS) {
    const value = get(slotTag(slot));
    if (value === undefined) continue;
    if (!isIsoDate(value)) {
      problems.push(
        `tag ${slotTag(slot)} must be a date YYYY-MM-DD (got ${JSON.stringify(value)}).`,
      );
    } else {
      slots[slot] = { issuedOn: value };
    }
  }
  if ((current === "blue" || current === "green") && get(slotTag(current)) === undefined) {
    problems.push(`tag ${slotTag(current)} is missing: the current slot has no issue date.`);
  }
  const until = get(PREVIOUS_ACTIVE_UNTIL_TAG);
  if (until !== undefined && !isIsoDate(until)) {
    problems.push(
      `tag ${PREVIOUS_ACTIVE_UNTIL_TAG} must be a date YYYY-MM-DD (got ${JSON.stringify(until)}).`,
    );
  }
  const revoked = get(REVOKED_BEFORE_TAG);
  if (revoked !== undefined && !isIsoDate(revoked)) {
    problems.push(
      `tag ${REVOKED_BEFORE_TAG} must be a date YYYY-MM-DD (got ${JSON.stringify(revoked)}).`,
    );
  }
  if (problems.length > 0) return { kind: "malformed", problems };

  const state: RotationState = { current: current as Slot, slots };
  if (until !== undefined) state.previousActiveUntil = until;
  if (revoked !== undefined) state.revokedBefore = revoked;
  return { kind: "ok", state };
}
