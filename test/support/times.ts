/**
 * The credential report truncates times to the second; the SDK parses the API's microseconds
 * and rounds them to the millisecond (12:00:09.9997 becomes 12:00:10.000). So the same moment
 * can read one second apart on the two paths. `alignTimes(actual, expected)` copies each
 * ISO 8601 time of `expected` over the matching one of `actual` when they are at most one
 * second apart, so deepEqual then compares everything else exactly (and larger time
 * differences still fail).
 */
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export function alignTimes<T>(actual: T, expected: unknown): T {
  if (typeof actual === "string" && typeof expected === "string") {
    if (ISO.test(actual) && ISO.test(expected)) {
      const d = Math.abs(Date.parse(actual) - Date.parse(expected));
      return (d <= 1000 ? expected : actual) as T;
    }
    return actual;
  }
  if (Array.isArray(actual) && Array.isArray(expected)) {
    return actual.map((a, i) => alignTimes(a, expected[i])) as T;
  }
  if (
    typeof actual === "object" &&
    actual !== null &&
    typeof expected === "object" &&
    expected !== null
  ) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(actual)) {
      out[k] = alignTimes(v, (expected as Record<string, unknown>)[k]);
    }
    return out as T;
  }
  return actual;
}
