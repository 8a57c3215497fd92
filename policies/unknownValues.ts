/**
 * Reading resource properties the way the policy server hands them over: behind
 * `unknownCheckingProxy`, where reading a value that is not known yet (during preview: outputs
 * of resources this update creates or replaces, inputs computed from them) throws
 * `UnknownValueError`. Left uncaught, the server turns that into an advisory "can't run policy
 * during preview" for the whole policy; these helpers turn it into a value the policies handle.
 */
import { UnknownValueError } from "@pulumi/policy";

/** Stands for a value that is not known during this preview. */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Unknown = typeof UNKNOWN;

/** Runs a property read; an unknown value comes back as UNKNOWN instead of throwing. */
export function read<T>(get: () => T): T | Unknown {
  try {
    return get();
  } catch (err) {
    if (err instanceof UnknownValueError) return UNKNOWN;
    throw err;
  }
}

/**
 * A plain deep copy of a property value read through the proxy, with every unknown leaf (or
 * subtree) replaced by UNKNOWN: the known parts of a half-known document stay usable.
 */
export function plain(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (let i = 0; i < value.length; i++) items.push(plainRead(() => value[i] as unknown));
    return items;
  }
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    copy[key] = plainRead(() => (value as Record<string, unknown>)[key]);
  }
  return copy;
}

function plainRead(get: () => unknown): unknown {
  const value = read(get);
  return value === UNKNOWN ? UNKNOWN : plain(value);
}

/** A known string property, or undefined when it is absent, unknown or not a string. */
export function knownString(get: () => unknown): string | undefined {
  const value = read(get);
  return typeof value === "string" ? value : undefined;
}

/** A known number property, or undefined when it is absent, unknown or not a number. */
export function knownNumber(get: () => unknown): number | undefined {
  const value = read(get);
  return typeof value === "number" ? value : undefined;
}
