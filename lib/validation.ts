/**
 * The pieces every settings validator shares: each problem is a sentence that names its field
 * in brackets (`[users[0].rotation.everyDays]`) and shows the value it got. Pure.
 */

/** A value as a problem message quotes it: JSON where possible (`"x"`, `30`, `undefined`). */
export function got(value: unknown): string {
  // JSON has no Infinity or NaN (YAML's .inf and .nan) and would show them as null: they are
  // marked on the way in and unquoted on the way out, at any depth.
  const text = JSON.stringify(value, (_, v: unknown) =>
    typeof v === "number" && !Number.isFinite(v) ? `\u0000${v}\u0000` : v,
  );
  return text === undefined
    ? String(value)
    : text.replace(/"\\u0000(-?Infinity|NaN)\\u0000"/g, "$1");
}

/** A JSON/YAML object: not null, not a list. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isInt(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value);
}

/** One problem per key of `obj` that is not in `known`, naming it as `[field.key]`. */
export function unknownKeys(
  obj: Record<string, unknown>,
  known: readonly string[],
  field: string,
): string[] {
  return Object.keys(obj)
    .filter((k) => !known.includes(k))
    .map((k) => `[${field}.${k}] is not a known setting (known: ${known.join(", ")}).`);
}

/** Per settings map read from the stack: the keys written there with no value (YAML's null). */
const writtenEmpty = new WeakMap<object, ReadonlySet<string>>();

/**
 * Records that these keys of `map` were written with no value and dropped from it, their
 * problem already reported: checks of other keys that need one of them (`stateKeyPrefix` needs
 * `stateBucket`) ask `writtenWithoutValue` so as not to report the same mistake twice.
 */
export function markWrittenWithoutValue(map: object, keys: readonly string[]): void {
  if (keys.length > 0) writtenEmpty.set(map, new Set(keys));
}

/** `key` was written in `map` with no value (see markWrittenWithoutValue). */
export function writtenWithoutValue(map: object, key: string): boolean {
  return writtenEmpty.get(map)?.has(key) ?? false;
}
