/**
 * One pass over the resources validateStack gets, indexed for every stack policy: the access
 * keys (read once), the IAM users, and each RotatedKeyUser with its settings, its rotation
 * record and its key slots. Policies look things up here instead of scanning the resource list
 * per component, per key or per user, so a stack validation is linear in the stack's size.
 *
 * What a RotatedKeyUser shows here is what it registers as its *outputs*: validateStack gets
 * each resource's outputs, and a component's outputs are what it passes to registerOutputs
 * (see docs/policy-pack.md, "What the policies see"). RotatedKeyUser registers its settings
 * (`userName`, `rotation`, ...) and the record this run writes (`rotationState`) there.
 */
import { PolicyResource } from "@pulumi/policy";
import { ROTATED_KEY_USER_TYPE } from "../components/typeTokens";
import { isIsoDate, toDay } from "../lib/days";
import { isInt, isPlainObject } from "../lib/validation";
import { KeyFacts, keyFacts, otherSlot, Slot, SLOTS } from "./accessKeys";
import { ACCESS_KEY_TYPE, USER_TYPE } from "./resourceTypes";
import { AgeBound } from "./thresholds";
import { knownString, plain, read, UNKNOWN } from "./unknownValues";

/** The rotation record a RotatedKeyUser registers (`rotationState`), dates as day numbers. */
export interface RecordFacts {
  current: Slot;
  /** Issue day of each slot's key, as recorded. */
  issuedOn: Partial<Record<Slot, number>>;
  previousActiveUntil?: number;
  publishedOn?: number;
  revokedBefore?: number;
  /** The slot holding the key the stack adopted, and that key's id when recorded. */
  adopted?: { slot: Slot; accessKeyId?: string };
}

/** The rotation settings a RotatedKeyUser registers; a field that is not a valid number is absent. */
interface RotationFacts {
  everyDays?: number;
  overlapDays?: number;
  maxAgeDays?: number;
}

export interface RotatedKeyUserFacts {
  resource: PolicyResource;
  /** Its IAM user name: the registered `userName`, else the name of its aws.iam.User child. */
  userName?: string;
  rotation: RotationFacts;
  /** The registered `rotationState`, when it is known and readable. */
  record?: RecordFacts;
  /** Its key slots present in the stack. */
  keys: Partial<Record<Slot, KeyFacts>>;
  /** Its aws.iam.User child. */
  user?: PolicyResource;
}

export interface StackIndex {
  /** Every aws.iam.AccessKey, read once. */
  keys: KeyFacts[];
  /** Every aws.iam.User. */
  users: PolicyResource[];
  /** Every RotatedKeyUser, in stack order. */
  components: RotatedKeyUserFacts[];
  /** The RotatedKeyUser and slot a key is (a child named `<component>-blue` or `-green`). */
  slotOf(key: KeyFacts): { component: RotatedKeyUserFacts; slot: Slot } | undefined;
  /** The RotatedKeyUser an aws.iam.User belongs to (its parent). */
  componentOf(user: PolicyResource): RotatedKeyUserFacts | undefined;
  /** The keys whose `user` is this IAM user name (IAM names are case-insensitive). */
  keysOfUser(name: string): KeyFacts[];
  /** Whether some key's user is not known (it could belong to any user). */
  anyKeyWithoutUser: boolean;
}

export function indexStack(resources: readonly PolicyResource[]): StackIndex {
  const components = new Map<string, RotatedKeyUserFacts>();
  const keys: KeyFacts[] = [];
  const users: PolicyResource[] = [];
  for (const resource of resources) {
    if (resource.type === ROTATED_KEY_USER_TYPE) {
      components.set(resource.urn, componentFacts(resource));
    } else if (resource.type === ACCESS_KEY_TYPE) {
      keys.push(keyFacts(resource));
    } else if (resource.type === USER_TYPE) {
      users.push(resource);
    }
  }

  const slots = new Map<KeyFacts, { component: RotatedKeyUserFacts; slot: Slot }>();
  const keysByUser = new Map<string, KeyFacts[]>();
  let anyKeyWithoutUser = false;
  for (const key of keys) {
    const parent = key.resource.parent;
    const component = parent !== undefined ? components.get(parent.urn) : undefined;
    const slot = SLOTS.find((s) => key.resource.name === `${parent?.name}-${s}`);
    if (component !== undefined && slot !== undefined) {
      component.keys[slot] = key;
      slots.set(key, { component, slot });
    }
    if (key.user === undefined) {
      anyKeyWithoutUser = true;
    } else {
      const name = key.user.toLowerCase();
      const list = keysByUser.get(name);
      if (list === undefined) keysByUser.set(name, [key]);
      else list.push(key);
    }
  }
  const owners = new Map<PolicyResource, RotatedKeyUserFacts>();
  for (const user of users) {
    const component = user.parent !== undefined ? components.get(user.parent.urn) : undefined;
    if (component === undefined) continue;
    owners.set(user, component);
    if (component.user === undefined) {
      component.user = user;
      component.userName ??= knownString(() => user.props.name);
    }
  }

  return {
    keys,
    users,
    components: [...components.values()],
    slotOf: (key) => slots.get(key),
    componentOf: (user) => owners.get(user),
    keysOfUser: (name) => keysByUser.get(name.toLowerCase()) ?? [],
    anyKeyWithoutUser,
  };
}

/**
 * The maximum age a key is judged against: the pack's `maxAgeDays`, or the `rotation.maxAgeDays`
 * of the RotatedKeyUser it is a slot of, when that is lower (the pack's stays the upper bound;
 * iam-rotation-settings reports a user's maximum above it).
 */
export function maxAgeOfKey(index: StackIndex, key: KeyFacts, packMaxAgeDays: number): AgeBound {
  return maxAgeOf(index.slotOf(key)?.component, packMaxAgeDays);
}

/** The maximum age for the keys of a RotatedKeyUser (or of none: the pack's). */
export function maxAgeOf(
  component: RotatedKeyUserFacts | undefined,
  packMaxAgeDays: number,
): AgeBound {
  const own = component?.rotation.maxAgeDays;
  if (component !== undefined && own !== undefined && own < packMaxAgeDays) {
    return { days: own, component: component.resource.name };
  }
  return { days: packMaxAgeDays };
}

function componentFacts(resource: PolicyResource): RotatedKeyUserFacts {
  const props = resource.props;
  const rotation = plain(read(() => props.rotation as unknown));
  const facts: RotatedKeyUserFacts = {
    resource,
    rotation: {},
    keys: {},
  };
  const userName = knownString(() => props.userName);
  if (userName !== undefined) facts.userName = userName;
  if (isPlainObject(rotation)) {
    for (const field of ["everyDays", "overlapDays", "maxAgeDays"] as const) {
      const value = rotation[field];
      if (isInt(value) && value >= (field === "overlapDays" ? 0 : 1) && value <= 365) {
        facts.rotation[field] = value;
      }
    }
  }
  const record = recordFacts(plain(read(() => props.rotationState as unknown)));
  if (record !== undefined) facts.record = record;
  return facts;
}

/** The readable parts of a registered rotationState; undefined without a readable `current`. */
function recordFacts(value: unknown): RecordFacts | undefined {
  if (!isPlainObject(value)) return undefined;
  const current = value.current;
  if (current !== "blue" && current !== "green") return undefined;
  const record: RecordFacts = { current, issuedOn: {} };
  const slots = isPlainObject(value.slots) ? value.slots : {};
  for (const slot of SLOTS) {
    const entry = slots[slot];
    const issuedOn = day(isPlainObject(entry) ? entry.issuedOn : undefined);
    if (issuedOn !== undefined) record.issuedOn[slot] = issuedOn;
  }
  for (const field of ["previousActiveUntil", "publishedOn", "revokedBefore"] as const) {
    const parsed = day(value[field]);
    if (parsed !== undefined) record[field] = parsed;
  }
  const adopted = value.adopted;
  if (isPlainObject(adopted) && (adopted.slot === "blue" || adopted.slot === "green")) {
    record.adopted = { slot: adopted.slot };
    if (typeof adopted.accessKeyId === "string") {
      record.adopted.accessKeyId = adopted.accessKeyId;
    }
  }
  return record;
}

function day(value: unknown): number | undefined {
  return isIsoDate(value) ? toDay(value) : undefined;
}

/**
 * Whether this key is a RotatedKeyUser slot that this update rotates away from: its other slot
 * is being issued (its createDate is unknown at preview) and becomes the current key (when the
 * component's record is readable, it must say so).
 */
export function isRotatedAway(index: StackIndex, key: KeyFacts): boolean {
  const slot = index.slotOf(key);
  if (slot === undefined) return false;
  const sibling = slot.component.keys[otherSlot(slot.slot)];
  if (sibling?.createdOn !== UNKNOWN) return false;
  const record = slot.component.record;
  return record === undefined || record.current === otherSlot(slot.slot);
}
