/**
 * The rotation record kept in the IAM user's own tags, so it survives anything that happens to
 * the Pulumi state and humans see in the console which key is current:
 *
 *   key-rotation:current               = blue | green
 *   key-rotation:blue                  = YYYY-MM-DD   (issue date of the blue key)
 *   key-rotation:green                 = YYYY-MM-DD   (issue date of the green key)
 *   key-rotation:previous-active-until = YYYY-MM-DD   (end of the running overlap)
 *   key-rotation:revoked-before        = YYYY-MM-DD   (keys issued before it are revoked)
 *   key-rotation:previous-in-use       = YYYY-MM-DD   (last day the previous key was kept
 *                                                     Active because it was still used)
 *   key-rotation:adopted               = SLOT:AKIA... (a key the user had before the stack
 *                                                     adopted it, until its slot is re-issued)
 *   key-rotation:stack                 = PROJECT/STACK (the stack that manages the user)
 *
 * Anyone who may tag the user may edit these, so a run never trusts them alone: it compares
 * them with the copy in the published document and with the keys IAM holds (./crossCheck.ts).
 *
 * Pure: no Pulumi import.
 */
import { RotationState, Slot, SLOTS } from "./rotationModel";
import { isIsoDate } from "../../lib/days";

export const TAG_PREFIX = "key-rotation:";
const CURRENT_TAG = `${TAG_PREFIX}current`;
const PREVIOUS_ACTIVE_UNTIL_TAG = `${TAG_PREFIX}previous-active-until`;
const REVOKED_BEFORE_TAG = `${TAG_PREFIX}revoked-before`;
const PREVIOUS_IN_USE_TAG = `${TAG_PREFIX}previous-in-use`;
const ADOPTED_TAG = `${TAG_PREFIX}adopted`;
const STACK_TAG = `${TAG_PREFIX}stack`;
const slotTag = (slot: Slot): string => `${TAG_PREFIX}${slot}`;

/** Every tag of the record, sorted (the CI role may set exactly these on managed users). */
export const RECORD_TAG_KEYS: readonly string[] = [
  CURRENT_TAG,
  PREVIOUS_ACTIVE_UNTIL_TAG,
  REVOKED_BEFORE_TAG,
  PREVIOUS_IN_USE_TAG,
  ADOPTED_TAG,
  STACK_TAG,
  ...SLOTS.map(slotTag),
].sort();
const KNOWN_TAGS = new Set(RECORD_TAG_KEYS);

const ACCESS_KEY_ID_RE = /^[A-Z0-9]{16,128}$/;
/** `project/stack`: Pulumi project and stack names. */
const STACK_RE = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

/**
 * The record tags for a state, and the stack that writes it (`project/stack`). The publication
 * date and previousWasStale are not tags: the published document holds them.
 */
export function encodeRecord(state: RotationState, stack?: string): Record<string, string> {
  const tags: Record<string, string> = { [CURRENT_TAG]: state.current };
  for (const slot of SLOTS) {
    const record = state.slots[slot];
    if (record !== undefined) tags[slotTag(slot)] = record.issuedOn;
  }
  if (state.previousActiveUntil !== undefined) {
    tags[PREVIOUS_ACTIVE_UNTIL_TAG] = state.previousActiveUntil;
  }
  if (state.revokedBefore !== undefined) tags[REVOKED_BEFORE_TAG] = state.revokedBefore;
  if (state.previousInUse !== undefined) tags[PREVIOUS_IN_USE_TAG] = state.previousInUse;
  if (state.adopted !== undefined) {
    tags[ADOPTED_TAG] = `${state.adopted.slot}:${state.adopted.accessKeyId}`;
  }
  if (stack !== undefined) tags[STACK_TAG] = stack;
  return tags;
}

type DecodedRecord =
  | { kind: "none" }
  | { kind: "ok"; state: RotationState; stack?: string }
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
  const dates: [string, keyof RotationState][] = [
    [PREVIOUS_ACTIVE_UNTIL_TAG, "previousActiveUntil"],
    [REVOKED_BEFORE_TAG, "revokedBefore"],
    [PREVIOUS_IN_USE_TAG, "previousInUse"],
  ];
  const dated: Partial<RotationState> = {};
  for (const [tag, field] of dates) {
    const value = get(tag);
    if (value === undefined) continue;
    if (!isIsoDate(value)) {
      problems.push(`tag ${tag} must be a date YYYY-MM-DD (got ${JSON.stringify(value)}).`);
    } else {
      (dated as Record<string, string>)[field] = value;
    }
  }
  const adoptedTag = get(ADOPTED_TAG);
  let adopted: RotationState["adopted"];
  if (adoptedTag !== undefined) {
    const [slot, accessKeyId = ""] = adoptedTag.split(":");
    if ((slot === "blue" || slot === "green") && ACCESS_KEY_ID_RE.test(accessKeyId)) {
      adopted = { slot, accessKeyId };
      if (slots[slot] === undefined) {
        problems.push(`tag ${ADOPTED_TAG} names slot ${slot}, which has no issue date.`);
      }
    } else {
      problems.push(
        `tag ${ADOPTED_TAG} must be SLOT:ACCESS_KEY_ID, e.g. blue:AKIAIOSFODNN7EXAMPLE ` +
          `(got ${JSON.stringify(adoptedTag)}).`,
      );
    }
  }
  const stack = get(STACK_TAG);
  if (stack !== undefined && !STACK_RE.test(stack)) {
    problems.push(`tag ${STACK_TAG} must be PROJECT/STACK (got ${JSON.stringify(stack)}).`);
  }
  if (problems.length > 0) return { kind: "malformed", problems };

  const state: RotationState = { current: current as Slot, slots, ...dated };
  if (adopted !== undefined) state.adopted = adopted;
  return { kind: "ok", state, ...(stack !== undefined && { stack }) };
}
