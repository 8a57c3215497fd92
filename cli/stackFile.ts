/**
 * Reads a stack's settings the way `pulumi up` would see them: Pulumi.yaml for the project name,
 * Pulumi.<stack>.yaml for the values. Used by the offline commands (`plan`, `verify --stack`).
 */
import * as path from "node:path";
import type * as Yaml from "yaml";
import { decodeProgramValue, parseStackConfig, PROJECT, StackConfig } from "../program/stackConfig";
import { LIMITS, readErrorText, readTextFile } from "./boundedRead";
import { UsageError } from "./errors";

export interface StackFile {
  /** Path of Pulumi.<stack>.yaml. */
  file: string;
  project: string;
  config: StackConfig;
  /** `aws:region`, when set. */
  region?: string;
}

const STACK_NAME_RE = /^[A-Za-z0-9_.-]{1,100}$/;

/** A YAML file: its document (for where each value was written) and its value. */
function readYaml(file: string): { doc: Yaml.Document.Parsed; value: unknown } {
  let text: string;
  try {
    text = readTextFile(file, LIMITS.stackFile);
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${readErrorText(err)}.`);
  }
  try {
    // Loaded on first use (about 45 ms): `--help` and most commands read no stack file.
    // merge: `<<: *anchor` merge keys, which the Pulumi CLI's YAML reader (Go) applies too.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const doc = (require("yaml") as typeof Yaml).parseDocument(text, { merge: true });
    if (doc.errors.length > 0) throw doc.errors[0];
    // toJS throws too, on aliases expanding past its limit (a "billion laughs" file).
    return { doc, value: doc.toJS() as unknown };
  } catch (err) {
    throw new UsageError(`${file} is not valid YAML: ${(err as Error).message}`);
  }
}

/**
 * Plain numbers the Pulumi CLI's YAML reader (Go's yaml.v3, YAML 1.1 rules for numbers) reads
 * otherwise than this one (YAML 1.2): a leading 0 is octal there (`030` is 24), `_` is dropped
 * (`1_0` is 10), `0b` is binary, and `.inf`/`.nan` have no JSON, so the program never gets them.
 */
const READ_OTHERWISE =
  /^[-+]?(0[0-9_]+|0b[01_]+|[0-9][0-9_]*_[0-9_]*(\.[0-9_]*)?|\.(inf|Inf|INF))$|^\.(nan|NaN|NAN)$/;

/** Refuses a plain scalar of `node` that `pulumi up` would read as another value. */
function checkReadAlike(file: string, key: string, node: unknown): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yaml = require("yaml") as typeof Yaml;
  if (!yaml.isNode(node)) return;
  yaml.visit(node, {
    Scalar(_, scalar) {
      if (scalar.type === "PLAIN" && READ_OTHERWISE.test(scalar.source ?? "")) {
        throw new UsageError(
          `${file}: ${key} holds ${scalar.source}, which the Pulumi CLI reads as another value ` +
            '(YAML 1.1: a leading 0 is octal, "_" is dropped, .inf and .nan cannot be passed ' +
            "on): write it as a decimal number, or quote it if a string is meant.",
        );
      }
    },
  });
}

/**
 * The path of the first encrypted value (`{secure: ...}`) in a setting, at any depth (Pulumi
 * allows them inside objects and lists, decrypting them for the program only): `key`,
 * `key.users[0].tags.team`... undefined when there is none.
 */
function encryptedPath(value: unknown, at: string): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = encryptedPath(item, `${at}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1 && entries[0][0] === "secure" && typeof entries[0][1] === "string") {
    return at;
  }
  for (const [k, v] of entries) {
    const found = encryptedPath(v, `${at}.${k}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Loads and validates `Pulumi.<stack>.yaml` from `dir`. Throws UsageError naming the problem. */
export function loadStack(dir: string, stack: string): StackFile {
  if (!STACK_NAME_RE.test(stack)) {
    throw new UsageError(
      `--stack must be a stack name like "prod" (got ${JSON.stringify(stack)}).`,
    );
  }
  let project = PROJECT;
  const projectFile = path.join(dir, "Pulumi.yaml");
  const projectDoc = readYaml(projectFile).value as { name?: unknown } | null;
  if (typeof projectDoc?.name === "string") project = projectDoc.name;

  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  const { doc: stackDoc, value: stackValue } = readYaml(file);
  const config = (stackValue as { config?: unknown } | null)?.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new UsageError(`${file}: "config" must be a map of settings.`);
  }
  const configNode = stackDoc.get("config", true) as Yaml.YAMLMap | undefined;
  const raw: Record<string, unknown> = {};
  let region: string | undefined;
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    if (key === "aws:region" && typeof value === "string") region = value;
    if (!key.includes(":")) {
      // Whether the Pulumi CLI refuses such a key or files it under the project depends on its
      // version: the namespaced form means the same to every version, and plan reads only it.
      throw new UsageError(
        `${file}: the key ${JSON.stringify(key)} has no namespace: write it ` +
          `${JSON.stringify(`${project}:${key}`)}.`,
      );
    }
    if (!key.startsWith(`${project}:`)) continue;
    checkReadAlike(file, key, configNode?.get(key, true));
    const encrypted = encryptedPath(value, key);
    if (encrypted !== undefined) {
      throw new UsageError(
        `${file}: ${encrypted} is encrypted; ${project} settings are not secrets.`,
      );
    }
    const name = key.slice(project.length + 1);
    // Pulumi hands the program each value as a string (objects and lists as JSON): there,
    // `selfRead: "false"` is `selfRead: false`, and a list written as a JSON string is a list.
    // Scalars are decoded here the way the program decodes them, so plan reads what up reads.
    raw[name] =
      typeof value === "string" || typeof value === "number" || typeof value === "boolean"
        ? decodeProgramValue(name, String(value))
        : value;
  }
  try {
    return { file, project, config: parseStackConfig(raw), region };
  } catch (err) {
    throw new UsageError(`${file}: ${(err as Error).message}`);
  }
}
