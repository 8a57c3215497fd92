/**
 * Reading AccessKey resources as validateStack sees them (outputs): each key's user, id, status
 * and creation day, how a message names it, and the key slot names of a RotatedKeyUser.
 */
import { PolicyResource } from "@pulumi/policy";
import { propReader, UNKNOWN, Unknown } from "./unknownValues";

const DAY_MS = 86_400_000;

export type Slot = "blue" | "green";
export const SLOTS: readonly Slot[] = ["blue", "green"];

/** Stands for a createDate that an existing key has but that cannot be read. */
export const UNREADABLE: unique symbol = Symbol("unreadable");
export type Unreadable = typeof UNREADABLE;

export interface KeyFacts {
  resource: PolicyResource;
  user: string | undefined;
  id: string | undefined;
  /** "Active" when the provider default applies; UNKNOWN while not known. */
  status: string | Unknown;
  /**
   * Day number of createDate; UNKNOWN while this update issues the key; UNREADABLE when the key
   * exists (its id is known) but its createDate is missing or not a date; undefined when neither
   * the id nor the createDate is known.
   */
  createdOn: number | Unknown | Unreadable | undefined;
  /** What the createDate is when UNREADABLE: `missing`, or the value quoted. */
  createDateText?: string;
}

export function keyFacts(resource: PolicyResource): KeyFacts {
  const prop = propReader(resource.props);
  const status = prop("status");
  const createDate = prop("createDate");
  const id = stringOrUndefined(prop("id"));
  const facts: KeyFacts = {
    resource,
    user: stringOrUndefined(prop("user")),
    id,
    status: status === UNKNOWN ? UNKNOWN : typeof status === "string" ? status : "Active",
    createdOn: undefined,
  };
  const ms = typeof createDate === "string" ? Date.parse(createDate) : Number.NaN;
  if (createDate === UNKNOWN) {
    facts.createdOn = UNKNOWN;
  } else if (!Number.isNaN(ms)) {
    facts.createdOn = Math.floor(ms / DAY_MS);
  } else if (id !== undefined) {
    facts.createdOn = UNREADABLE;
    facts.createDateText =
      createDate === undefined || createDate === null
        ? "missing"
        : (JSON.stringify(createDate) ?? "not a value");
  }
  return facts;
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** How a message names a key: `Access key "ci-green" (AKIA...) of IAM user "ci-deployer"`. */
export function keyLabel(key: KeyFacts): string {
  const id = key.id !== undefined ? ` (${key.id})` : "";
  const user = key.user !== undefined ? ` of IAM user "${key.user}"` : "";
  return `Access key "${key.resource.name}"${id}${user}`;
}

/** The key slot names of a RotatedKeyUser: `ci` -> `ci-blue`, `ci-green`. */
export function slotNames(component: string): string[] {
  return SLOTS.map((slot) => `${component}-${slot}`);
}

export function otherSlot(slot: Slot): Slot {
  return slot === "blue" ? "green" : "blue";
}
