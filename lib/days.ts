/**
 * UTC calendar days written `YYYY-MM-DD`, and day numbers (days since 1970-01-01): the unit of
 * every date the rotation model, the policies and the CLI work with. Pure.
 */

const DAY_MS = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().slice(0, 10) === value;
}

/** Days since 1970-01-01 for a `YYYY-MM-DD` date or the UTC calendar day of a Date. */
export function toDay(value: string | Date): number {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new RangeError("Invalid Date.");
    return Math.floor(value.getTime() / DAY_MS);
  }
  if (!isIsoDate(value)) {
    throw new RangeError(`Expected a date written YYYY-MM-DD (got ${JSON.stringify(value)}).`);
  }
  return Date.parse(`${value}T00:00:00Z`) / DAY_MS;
}

/** The `YYYY-MM-DD` date of a day number. */
export function fromDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return fromDay(toDay(date) + days);
}

/** Today's UTC calendar day as `YYYY-MM-DD`. */
export function utcToday(now: Date = new Date()): string {
  return fromDay(toDay(now));
}
