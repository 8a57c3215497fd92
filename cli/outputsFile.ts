/**
 * Reads the stack outputs file of `plan --state` and `summary --state` (or the text piped to
 * `summary`), turning every problem into a usage error (exit 2) that names the option, the file
 * and each JSON path, never the file's content.
 */
import { LIMITS, readErrorText, readTextFile } from "./boundedRead";
import { UsageError } from "./errors";
import { readStackOutputs, StackOutputsError, UserOutputs } from "./stackOutputs";

type ReadOptions = Parameters<typeof readStackOutputs>[1];

/** Checks the outputs' text; `source` names it in messages (`--state state.json`). */
export function readOutputsText(text: string, source: string, options: ReadOptions): UserOutputs[] {
  try {
    return readStackOutputs(text, options);
  } catch (err) {
    if (err instanceof StackOutputsError) {
      throw new UsageError(
        `${source} is not the JSON of \`pulumi stack output --json\`, ${err.message}`,
      );
    }
    throw err;
  }
}

/** Reads and checks an outputs file given by `option` (`--state`). */
export function readOutputsFile(file: string, option: string, options: ReadOptions): UserOutputs[] {
  let text: string;
  try {
    text = readTextFile(file, LIMITS.outputs);
  } catch (err) {
    throw new UsageError(`${option} ${file}: cannot read it (${readErrorText(err)}).`);
  }
  return readOutputsText(text, `${option} ${file}`, options);
}
