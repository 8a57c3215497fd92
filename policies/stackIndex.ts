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
import { propReader, UNKNOWN } from "./unknownValues";

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
  readonly record?: RecordFacts;
  /** Its key slots present in the stack. */
  keys: Partial<Record<Slot, KeyFacts>>;
  /** Its aws.iam.User child. */
  user?: PolicyResource;
}

interface UserFacts {
  name?: string;
  path?: string;
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
  /** An aws.iam.User's known name and path. */
  userFacts(user: PolicyResource): UserFacts;
  /** The keys whose `user` is this IAM user name (IAM names are case-insensitive). */
  keysOfUser(name: string): KeyFacts[];
  /** Whether some key's user is not known (it could belong to any user). */
  anyKeyWithoutUser: boolean;
}

export function indexStack(resources: readonly PolicyResource[]): StackIndex {
  const components = new Map<string, ComponentFacts>();
  const keys: KeyFacts[] = [];
  const users: PolicyResource[] = [];
  const day = dayReader();
  for (const resource of resources) {
    if (resource.type === ROTATED_KEY_USER_TYPE) {
      components.set(resource.urn, new ComponentFacts(resource, day));
    } else if (resource.type === ACCESS_KEY_TYPE) {
      keys.push(keyFacts(resource));
    } else if (resource.type === USER_TYPE) {
      users.push(resource);
    }
  }

  const slots = new Map<KeyFacts, { component: RotatedKeyUserFacts; slot: Slot }>();
  for (const key of keys) {
    const parent = key.resource.parent;
    const component = parent !== undefined ? components.get(parent.urn) : undefined;
    const slot = component?.slotNamed(key.resource.name);
    if (component !== undefined && slot !== undefined) {
      component.keys[slot] = key;
      slots.set(key, { component, slot });
    }
  }
  // Keys by user: only the live check asks, so built on its first question.
  let keysByUser: Map<string, KeyFacts[]> | undefined;
  const byUser = (): Map<string, KeyFacts[]> => {
    if (keysByUser !== undefined) return keysByUser;
    keysByUser = new Map();
    for (const key of keys) {
      if (key.user === undefined) continue;
      const name = key.user.toLowerCase();
      const list = keysByUser.get(name);
      if (list === undefined) keysByUser.set(name, [key]);
      else list.push(key);
    }
    return keysByUser;
  };

  const owners = new Map<PolicyResource, RotatedKeyUserFacts>();
  const userFacts = new Map<PolicyResource, UserFacts>();
  const factsOf = (user: PolicyResource): UserFacts => {
    let facts = userFacts.get(user);
    if (facts === undefined) {
      const prop = propReader(user.props);
      const name = prop("name");
      const path = prop("path");
      facts = {};
      if (typeof name === "string") facts.name = name;
      if (typeof path === "string") facts.path = path;
      userFacts.set(user, facts);
    }
    return facts;
  };
  for (const user of users) {
    const component = user.parent !== undefined ? components.get(user.parent.urn) : undefined;
    if (component === undefined) continue;
    owners.set(user, component);
    if (component.user === undefined) {
      component.user = user;
      component.userName ??= factsOf(user).name;
    }
  }

  return {
    keys,
    users,
    components: [...components.values()],
    slotOf: (key) => slots.get(key),
    componentOf: (user) => owners.get(user),
    userFacts: factsOf,
    keysOfUser: (name) => byUser().get(name.toLowerCase()) ?? [],
    anyKeyWithoutUser: keys.some((key) => key.user === undefined),
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

/**
 * A RotatedKeyUser's facts. Its settings are read when it is indexed; its record when a policy
 * first asks for it (most keys never need it).
 */
class ComponentFacts implements RotatedKeyUserFacts {
  readonly rotation: RotationFacts = {};
  readonly keys: Partial<Record<Slot, KeyFacts>> = {};
  userName?: string;
  user?: PolicyResource;
  private readonly prop: (name: string) => unknown;
  private readonly slotNames: Record<Slot, string>;
  private recordRead = false;
  private recordFacts?: RecordFacts;

  constructor(
    readonly resource: PolicyResource,
    private readonly day: (value: unknown) => number | undefined,
  ) {
    this.prop = propReader(resource.props);
    this.slotNames = { blue: `${resource.name}-blue`, green: `${resource.name}-green` };
    const userName = this.prop("userName");
    if (typeof userName === "string") this.userName = userName;
    const rotation = this.prop("rotation");
    if (isPlainObject(rotation)) {
      for (const field of ["everyDays", "overlapDays", "maxAgeDays"] as const) {
        const value = rotation[field];
        if (isInt(value) && value >= (field === "overlapDays" ? 0 : 1) && value <= 365) {
          this.rotation[field] = value;
        }
      }
    }
  }

  get record(): RecordFacts | undefined {
    if (!this.recordRead) {
      this.recordFacts = recordFacts(this.prop("rotationState"), this.day);
      this.recordRead = true;
    }
    return this.recordFacts;
  }

  /** The slot a child of this name is: `ci-blue` is ci's blue slot. */
  slotNamed(name: string): Slot | undefined {
    return name === this.slotNames.blue
      ? "blue"
      : name === this.slotNames.green
        ? "green"
        : undefined;
  }
}

/** The readable parts of a registered rotationState; undefined without a readable `current`. */
function recordFacts(
  value: unknown,
  day: (value: unknown) => number | undefined,
): RecordFacts | undefined {
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

/**
 * Reads `YYYY-MM-DD` dates as day numbers (undefined for anything else), remembering each
 * string it has read: a stack's records repeat a few dates many times, and checking a date
 * goes through Date each time.
 */
function dayReader(): (value: unknown) => number | undefined {
  const days = new Map<string, number | undefined>();
  return (value) => {
    if (typeof value !== "string") return undefined;
    if (days.has(value)) return days.get(value);
    const parsed = isIsoDate(value) ? toDay(value) : undefined;
    days.set(value, parsed);
    return parsed;
  };
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
