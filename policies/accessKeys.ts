/**
 * Reading AccessKey resources as validateStack sees them (outputs): each key's user, id, status
 * and creation day, how a message names it, and the key slots of a RotatedKeyUser.
 */
import { PolicyResource } from "@pulumi/policy";
import { toDay } from "../lib/days";
import { ROTATED_KEY_USER_TYPE } from "../components/typeTokens";
import { ACCESS_KEY_TYPE } from "./resourceTypes";
import { knownString, read, UNKNOWN, Unknown } from "./unknownValues";

const SLOT_SUFFIXES = ["blue", "green"] as const;

interface KeyFacts {
  resource: PolicyResource;
  user: string | undefined;
  id: string | undefined;
  /** "Active" when the provider default applies; UNKNOWN while not known. */
  status: string | Unknown;
  /** Day number of createDate; UNKNOWN while this update issues the key; undefined if absent. */
  createdOn: number | Unknown | undefined;
}

export function keyFacts(resource: PolicyResource): KeyFacts {
  const props = resource.props;
  const status = read(() => props.status as unknown);
  const createDate = read(() => props.createDate as unknown);
  let createdOn: number | Unknown | undefined;
  if (createDate === UNKNOWN) createdOn = UNKNOWN;
  else if (typeof createDate === "string" && !Number.isNaN(Date.parse(createDate))) {
    createdOn = toDay(new Date(Date.parse(createDate)));
  }
  return {
    resource,
    user: knownString(() => props.user),
    id: knownString(() => props.id),
    status: status === UNKNOWN ? UNKNOWN : typeof status === "string" ? status : "Active",
    createdOn,
  };
}

/** The facts of every AccessKey among the stack's resources. */
export function accessKeys(resources: PolicyResource[]): KeyFacts[] {
  return resources.filter((r) => r.type === ACCESS_KEY_TYPE).map(keyFacts);
}

/** How a message names a key: `Access key "ci-green" (AKIA...) of IAM user "ci-deployer"`. */
export function keyLabel(key: KeyFacts): string {
  const id = key.id !== undefined ? ` (${key.id})` : "";
  const user = key.user !== undefined ? ` of IAM user "${key.user}"` : "";
  return `Access key "${key.resource.name}"${id}${user}`;
}

/** The key slot names of a RotatedKeyUser: `ci` -> `ci-blue`, `ci-green`. */
export function slotNames(component: string): string[] {
  return SLOT_SUFFIXES.map((slot) => `${component}-${slot}`);
}

/**
 * Whether this key is a RotatedKeyUser slot whose other slot this update issues (its createDate
 * is unknown at preview): the update rotates that user.
 */
export function siblingIsReissued(key: PolicyResource, resources: PolicyResource[]): boolean {
  const parent = key.parent;
  if (parent?.type !== ROTATED_KEY_USER_TYPE) return false;
  const slots = slotNames(parent.name);
  if (!slots.includes(key.name)) return false;
  return resources.some(
    (r) =>
      r.type === ACCESS_KEY_TYPE &&
      r.parent?.urn === parent.urn &&
      r.name !== key.name &&
      slots.includes(r.name) &&
      keyFacts(r).createdOn === UNKNOWN,
  );
}
