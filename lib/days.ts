/**
 * UTC calendar days written `YYYY-MM-DD`, and day numbers (days since 1970-01-01): the unit of
 * every date the rotation model, the policies and the CLI work with. Pure.
 *
 * Dates are read and written with integer arithmetic on the proleptic Gregorian calendar (the
 * one `Date` uses), not through `Date`: the rotation model converts dates on every decision, and
 * a `Date` round-trip per conversion was most of its run time. The answers are the `Date` ones
 * (test/lib/days.test.ts compares them over every day of several centuries).
 */

const DAY_MS = 86_400_000;
/** Day numbers of 0100-01-01 and 9999-12-31: the range the arithmetic paths handle. */
const FIRST_DAY = -683_003;
const LAST_DAY = 2_932_896;

/**
 * The day number of a date written `YYYY-MM-DD`, or NaN when it is not a real calendar date.
 * Years 0000–0099 are not dates here, as with the `Date` round-trip this replaced (`Date.UTC`
 * reads them as 1900–1999). E.g. `parseDay("2026-11-22")` is 20779, `parseDay("2026-02-30")`
 * is NaN.
 */
function parseDay(value: string): number {
  if (value.length !== 10 || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45) return NaN;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 7);
  const day = digits(value, 8, 10);
  // NaN (a non-digit) fails every comparison below.
  if (!(year >= 100 && month >= 1 && month <= 12 && day >= 1)) return NaN;
  if (day > daysInMonth(year, month)) return NaN;
  return daysFromCivil(year, month, day);
}

/** The number written by the ASCII digits value[start..end), or NaN if any is not one. */
function digits(value: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** `YYYY-MM-DD` of a day number in [FIRST_DAY, LAST_DAY] (H. Hinnant's civil_from_days). */
function civilFromDays(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${year < 1000 ? String(year).padStart(4, "0") : year}-${month < 10 ? "0" : ""}${month}-${day < 10 ? "0" : ""}${day}`;
}

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(value: unknown): value is string {
  return typeof value === "string" && !Number.isNaN(parseDay(value));
}

/** Days since 1970-01-01 for a `YYYY-MM-DD` date or the UTC calendar day of a Date. */
export function toDay(value: string | Date): number {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new RangeError("Invalid Date.");
    return Math.floor(value.getTime() / DAY_MS);
  }
  const day = typeof value === "string" ? parseDay(value) : NaN;
  if (Number.isNaN(day)) {
    throw new RangeError(`Expected a date written YYYY-MM-DD (got ${JSON.stringify(value)}).`);
  }
  return day;
}

/** The `YYYY-MM-DD` date of a day number. */
export function fromDay(day: number): string {
  if (Number.isInteger(day) && day >= FIRST_DAY && day <= LAST_DAY) return civilFromDays(day);
  // Fractions, years outside 0100–9999 and non-numbers: as Date writes them (or its RangeError).
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return fromDay(toDay(date) + days);
}

/** An ISO 8601 UTC time whose date part is its UTC day: `2026-11-22T06:00:00Z`. */
const UTC_TIME_RE = /^(\d{4}-\d{2}-\d{2})T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?Z$/;

/**
 * The UTC calendar day of a time as `new Date(value)` reads it, or undefined when it cannot:
 * `utcDayOf("2026-11-22T23:30:00-02:00")` is "2026-11-23". Times written in UTC are read
 * without a Date (IAM's key creation dates are; the cross-check reads them on every run).
 */
export function utcDayOf(value: string): string | undefined {
  const m = UTC_TIME_RE.exec(value);
  if (m !== null && isIsoDate(m[1])) return m[1];
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : fromDay(toDay(date));
}

/** Today's UTC calendar day as `YYYY-MM-DD`. */
export function utcToday(now: Date = new Date()): string {
  return fromDay(toDay(now));
}
