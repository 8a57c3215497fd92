/**
 * A small RFC 4180 CSV reader for the credential report: fields separated by commas, records by
 * LF or CRLF, a field in double quotes may hold commas, line breaks and doubled quotes (`""`).
 * Lines without a quote (every line of a real report: IAM names hold no `"`) take a fast path,
 * `split(",")`, which is what keeps parsing a report of thousands of users in a few
 * milliseconds (csv-parse took 50–130 ms on 1,000 users; bench/RESULTS.md). Pure.
 *
 *   parseCsv('a,"b,c"\r\n1,2\n') → [["a", "b,c"], ["1", "2"]]
 */

/** The text is not CSV; the message names the line (1-based) and the problem. */
export class CsvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CsvError";
  }
}

/** The records of `text`, each a list of fields. Empty lines are skipped. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let pos = 0;
  let line = 1;
  const end = text.length;
  while (pos < end) {
    let next = text.indexOf("\n", pos);
    if (next === -1) next = end;
    const raw = text.slice(pos, next > pos && text[next - 1] === "\r" ? next - 1 : next);
    if (!raw.includes('"')) {
      if (raw !== "") records.push(raw.split(","));
      pos = next + 1;
      line++;
      continue;
    }
    // Slow path: a quoted field, which may run over line breaks.
    const startLine = line;
    const fields: string[] = [];
    let field = "";
    let i = pos;
    for (;;) {
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= end) throw new CsvError(`line ${startLine}: a quoted field is not closed.`);
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === "\n") line++;
          field += c;
          i++;
        }
        const after = text[i];
        if (i < end && after !== "," && after !== "\n" && after !== "\r") {
          throw new CsvError(`line ${line}: text after a closing quote.`);
        }
      } else {
        while (i < end && text[i] !== "," && text[i] !== "\n" && text[i] !== "\r") {
          if (text[i] === '"')
            throw new CsvError(`line ${line}: a quote inside an unquoted field.`);
          field += text[i++];
        }
      }
      fields.push(field);
      field = "";
      if (i < end && text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "\r" && text[i + 1] === "\n") i++;
      else if (i < end && text[i] === "\r") {
        throw new CsvError(`line ${line}: a carriage return without a line feed.`);
      }
      break;
    }
    records.push(fields);
    pos = i + 1;
    line++;
  }
  return records;
}
