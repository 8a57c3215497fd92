import { ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { fromDay } from "../lib/days";
import { KeyFacts, keyLabel, otherSlot, UNREADABLE } from "./accessKeys";
import {
  indexStack,
  isRotatedAway,
  maxAgeOfKey,
  RotatedKeyUserFacts,
  StackIndex,
} from "./stackIndex";
import {
  AgeBound,
  asOfSchema,
  DEFAULT_MAX_AGE_DAYS,
  evaluationDay,
  maxAgeDaysSchema,
  maximumText,
  withDefaults,
} from "./thresholds";
import { UNKNOWN } from "./unknownValues";

interface AgeConfig {
  maxAgeDays: number;
  asOf?: string;
}

const NAME = "iam-access-key-max-age";

/**
 * Every Active key older than its maximum age (its RotatedKeyUser's rotation.maxAgeDays, at
 * most the pack's maxAgeDays), or whose creation date cannot be read, unless this update
 * replaces it (its createDate is unknown at preview), rotates it away (its other slot is being
 * issued and becomes current), or it is an adopted key in the overlap after its replacement.
 *
 * A key that this update re-activates looks, at preview, exactly like a key that was Active all
 * along (planned status Active, old createDate: the engine sends no old state), so a stale one
 * is blocked here like any other stale key; the live check tells the two apart from IAM.
 */
export const accessKeyMaxAge: StackValidationPolicy = {
  name: NAME,
  description:
    "Active IAM access keys must be younger than the maximum age, unless this update replaces them or rotates them away.",
  configSchema: { properties: { maxAgeDays: maxAgeDaysSchema, asOf: asOfSchema } },
  enforcementLevel: "mandatory",
  validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
    const config = withDefaults<AgeConfig>(
      { maxAgeDays: DEFAULT_MAX_AGE_DAYS },
      args.getConfig<Partial<AgeConfig>>(),
    );
    const today = evaluationDay(NAME, config.asOf, reportViolation);
    const index = indexStack(args.resources);
    for (const key of index.keys) {
      const created = key.createdOn;
      // UNKNOWN: this update issues the key; undefined: no id, no date (nothing to judge).
      if (key.status !== "Active" || created === UNKNOWN || created === undefined) continue;
      const bound = maxAgeOfKey(index, key, config.maxAgeDays);
      if (created !== UNREADABLE && today - created <= bound.days) continue;
      // After runs were missed, the update that rotates the user is the way out: it re-issues the
      // other slot, and the stale key goes Inactive after the overlap. Blocking it would block
      // the recovery (the Config rule's alarm is already reporting the key). The same holds for
      // the update that adopts a user: it issues the replacement of the adopted key.
      if (isRotatedAway(index, key)) continue;
      const adopted = adoptionOf(index, key);
      if (adopted !== undefined) {
        const missing = missingReplacement(adopted, today);
        if (missing !== undefined) {
          reportViolation(adoptedMessage(key, bound, today, missing), key.resource.urn);
        }
        continue;
      }
      reportViolation(staleMessage(key, bound, today), key.resource.urn);
    }
  },
};

const ROTATE =
  "Rotate it before deploying: for a RotatedKeyUser key, find out why the daily `pulumi up` " +
  "has not re-issued it (failing runs, rotation.everyDays); for any other key, issue a new " +
  "one, move its consumers and deactivate this one.";

function staleMessage(key: KeyFacts, bound: AgeBound, today: number): string {
  if (key.createdOn === UNREADABLE) {
    return (
      `${keyLabel(key)} is Active and its creation date cannot be read (createDate is ` +
      `${key.createDateText}), so its age is unknown and it counts as older than ` +
      `${maximumText(bound)}, and this update does not replace it. Run \`pulumi refresh\` to ` +
      `read the key's CreateDate from IAM again. ${ROTATE}`
    );
  }
  const created = key.createdOn as number;
  return (
    `${keyLabel(key)} is Active and ${today - created} days old (created ${fromDay(created)}), ` +
    `over ${maximumText(bound)}, and this update does not replace it. ${ROTATE}`
  );
}

interface Adoption {
  component: RotatedKeyUserFacts;
  key: KeyFacts;
  /** The slot the adopted key is in. */
  slot: "blue" | "green";
}

/**
 * The adoption this key is, per its RotatedKeyUser's record (`rotationState.adopted` names its
 * slot and, when known, its key id; a record naming another id does not make this key adopted).
 */
function adoptionOf(index: StackIndex, key: KeyFacts): Adoption | undefined {
  const slot = index.slotOf(key);
  const adopted = slot?.component.record?.adopted;
  if (slot === undefined || adopted === undefined || adopted.slot !== slot.slot) return undefined;
  if (adopted.accessKeyId !== undefined && key.id !== undefined && adopted.accessKeyId !== key.id) {
    return undefined;
  }
  return { component: slot.component, key, slot: slot.slot };
}

/**
 * Why an adopted key has no replacement planned, or undefined while it is in its overlap: it is
 * the previous key and today is before `previousActiveUntil`, which must not run past the day
 * its replacement was published plus rotation.overlapDays (at least 1).
 */
function missingReplacement(adoption: Adoption, today: number): string | undefined {
  const { component, slot } = adoption;
  const record = component.record!;
  const name = component.resource.name;
  if (record.current === slot) {
    return (
      `it is still the current key, and this update issues no key into ` +
      `"${name}-${otherSlot(slot)}"`
    );
  }
  const until = record.previousActiveUntil;
  if (until === undefined) {
    return (
      "it is the previous key, and no overlap is recorded for it " +
      "(rotationState.previousActiveUntil is not set)"
    );
  }
  if (today >= until) {
    return `it is the previous key, and its overlap ended on ${fromDay(until)} (rotationState.previousActiveUntil)`;
  }
  const publishedOn = record.publishedOn ?? record.issuedOn[record.current];
  const overlapDays = component.rotation.overlapDays;
  if (publishedOn !== undefined && overlapDays !== undefined) {
    const end = publishedOn + Math.max(overlapDays, 1);
    if (until > end) {
      return (
        `it is the previous key, and its recorded overlap (rotationState.previousActiveUntil ` +
        `${fromDay(until)}) runs past the day its replacement was published plus ` +
        `rotation.overlapDays (${fromDay(end)})`
      );
    }
  }
  return undefined;
}

function adoptedMessage(key: KeyFacts, bound: AgeBound, today: number, missing: string): string {
  const age =
    key.createdOn === UNREADABLE
      ? `of unknown age (createDate is ${key.createDateText}, so it counts as older than ` +
        `${maximumText(bound)})`
      : `${today - (key.createdOn as number)} days old (created ` +
        `${fromDay(key.createdOn as number)}), over ${maximumText(bound)}`;
  return (
    `${keyLabel(key)} is the key this stack adopted (it existed before the stack took the user ` +
    `over) and is Active and ${age}, with no replacement planned: ${missing}. An adopted key ` +
    `stays Active only through the update that issues its replacement and the overlap after ` +
    `it. Let the daily \`pulumi up\` rotate it away (it does so on its first run after the ` +
    `adoption), or find out why it does not (failing runs, an edited key-rotation:* tag record).`
  );
}
