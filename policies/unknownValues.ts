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

/**
 * The values the engine sends for what is not known during preview, one per type (the list
 * @pulumi/policy's proxy checks; pulumi/pulumi sdk/go/common/resource/plugin/rpc.go).
 */
const UNKNOWN_SENTINELS: ReadonlySet<unknown> = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
  "030794c1-ac77-496b-92df-f27374a8bd58", // asset
  "e48ece36-62e2-4504-bad9-02848725956a", // archive
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

/** The key under which the policy server's proxy hands out the object it wraps. */
const PROXY_TARGET = "__getSpecialProxyTarget";

/** A plain deep copy of a raw property value, every unknown sentinel replaced by UNKNOWN. */
function fromRaw(value: unknown): unknown {
  if (typeof value === "string") {
    // Every sentinel is a 36-character UUID: most strings are ruled out without hashing them.
    return value.length === 36 && UNKNOWN_SENTINELS.has(value) ? UNKNOWN : value;
  }
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(fromRaw);
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = fromRaw(item);
  return copy;
}

/**
 * Reads a resource's properties by name, each as a plain value (any depth) with unknown values
 * as UNKNOWN: the same values `plain(read(() => props[name]))` gives. A stack validation reads
 * tens of thousands of properties, and every read through the policy server's proxy allocates a
 * Proxy and an array, so the reader takes the object behind the proxy once (the proxy's own
 * `__getSpecialProxyTarget` key) and checks for the engine's unknown sentinels itself. Where
 * there is no such object (props that are not proxied, another SDK version), it reads through
 * the proxy, and still takes the sentinels for UNKNOWN.
 */
export function propReader(props: Record<string, unknown>): (name: string) => unknown {
  const target = read(() => props[PROXY_TARGET]);
  if (target !== null && typeof target === "object" && !Array.isArray(target)) {
    const raw = target as Record<string, unknown>;
    return (name) => fromRaw(raw[name]);
  }
  return (name) => fromRaw(plain(read(() => props[name])));
}
