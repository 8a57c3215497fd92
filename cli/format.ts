/** Text formatting shared by the commands' table output. Pure. */

/** Left-aligned text columns separated by two spaces, header underlined by nothing: plain. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/** ISO 8601 UTC to the second: `2026-11-22T04:05:02Z`. */
export function isoSecond(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A count and its noun, plural unless 1: `1 day`, `2 days`, `0 keys`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Line breaks, other control characters (ANSI escapes), and invisible or bidi format marks. */
const UNPRINTABLE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * Text from outside the program (an AWS error message, an ARN) made safe to print in a table
 * cell or a log line: every control character, line break and invisible or bidi mark becomes
 * "?", so it can neither start a new line (a CI workflow command such as `::error::`) nor
 * drive the terminal; longer than `max` characters, it is cut and ends with "…".
 * `oneLine("a\nb\u001b[31m")` is `a?b?[31m`.
 */
export function oneLine(text: string, max = 300): string {
  const clean = text.replace(UNPRINTABLE, "?");
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
