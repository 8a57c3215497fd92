/**
 * The published-key document: the JSON that RotatedKeyUser writes to each user's secret and
 * that consumers, the next run and the CLI (`verify`, `credentials`) read back, with its one
 * parser. Pure. The parser never quotes the text it reads (it holds secret access keys):
 * problems name the field, not the value. It returns only fields it has checked against their
 * format (an IAM user name, an access key id, a slot, dates), so nothing it returns can carry
 * control characters or workflow commands (`::error::`) to a terminal or a CI log.
 */
import { isIsoDate } from "../../lib/days";
import { isPlainObject } from "../../lib/validation";
import type { RotationState, Slot } from "./rotationModel";

/** The JSON document published in each user's secret. */
export interface PublishedKeyDocument {
  accessKeyId: string;
  secretAccessKey: string;
  slot: Slot;
  issuedOn: string;
  userName: string;
  /** The previous key, present while it is still Active (during the overlap). */
  previous?: PublishedPreviousKey;
  /**
   * The rotation record as the publishing run left it (the copy a run trusts over the user's
   * tags, which anyone who may tag the user can edit). Absent in documents of earlier versions.
   */
  record?: PublishedRecord;
}

/** The rotation record in a published document: the state, the stack, each slot's key id. */
export interface PublishedRecord {
  current: Slot;
  slots: Partial<Record<Slot, { issuedOn: string; accessKeyId?: string }>>;
  publishedOn?: string;
  previousActiveUntil?: string;
  previousWasStale?: boolean;
  revokedBefore?: string;
  previousInUse?: string;
  adopted?: { slot: Slot; accessKeyId: string };
  /** `project/stack` of the stack that published it. */
  stack?: string;
}

export interface PublishedPreviousKey {
  accessKeyId: string;
  secretAccessKey: string;
  slot: Slot;
  issuedOn: string;
  /** Day the previous key is deactivated (Active before it), once known. */
  deactivatesOn?: string;
}

/** One key of a document, field by field: a field is set only when it is well-formed. */
interface KeyFieldsRead {
  accessKeyId?: string;
  secretAccessKey?: string;
  slot?: Slot;
  issuedOn?: string;
  deactivatesOn?: string;
}

/** What a secret's text says, field by field, with every problem. */
interface KeyDocumentReading extends KeyFieldsRead {
  userName?: string;
  previous?: KeyFieldsRead;
  /** The record, when present and well-formed. */
  record?: PublishedRecord;
  /** Every problem, naming the field (never quoting a value); empty for a complete document. */
  problems: string[];
  /** The text is not JSON at all. */
  notJson: boolean;
}

const ACCESS_KEY_ID_RE = /^[A-Z0-9]{16,128}$/;
/** A secret access key: printable ASCII without spaces (AWS issues 40 base64 characters). */
const SECRET_ACCESS_KEY_RE = /^[\x21-\x7e]{1,128}$/;
/** An IAM user name: 1 to 64 letters, digits and +=,.@_- (IAM API reference). */
const USER_NAME_RE = /^[\w+=,.@-]{1,64}$/;

/** Reads the key fields of `raw` into `key` (a new object unless given) and returns it. */
function readKey<T extends KeyFieldsRead>(
  raw: unknown,
  field: string,
  problems: string[],
  key: T = {} as T,
): T {
  if (!isPlainObject(raw)) {
    problems.push(`${field || "the document"} is not an object`);
    return key;
  }
  const at = (name: string) => (field === "" ? name : `${field}.${name}`);
  if (typeof raw.accessKeyId === "string" && ACCESS_KEY_ID_RE.test(raw.accessKeyId)) {
    key.accessKeyId = raw.accessKeyId;
  } else {
    problems.push(`${at("accessKeyId")} is missing or not an access key id`);
  }
  if (typeof raw.secretAccessKey !== "string" || raw.secretAccessKey === "") {
    problems.push(`${at("secretAccessKey")} is missing`);
  } else if (SECRET_ACCESS_KEY_RE.test(raw.secretAccessKey)) {
    key.secretAccessKey = raw.secretAccessKey;
  } else {
    problems.push(
      `${at("secretAccessKey")} is not a secret access key (1 to 128 printable characters, no spaces)`,
    );
  }
  if (raw.slot === "blue" || raw.slot === "green") key.slot = raw.slot;
  else problems.push(`${at("slot")} is not blue or green`);
  if (isIsoDate(raw.issuedOn)) key.issuedOn = raw.issuedOn;
  else problems.push(`${at("issuedOn")} is not a YYYY-MM-DD date`);
  if (raw.deactivatesOn !== undefined) {
    if (isIsoDate(raw.deactivatesOn)) key.deactivatesOn = raw.deactivatesOn;
    else problems.push(`${at("deactivatesOn")} is not a YYYY-MM-DD date`);
  }
  return key;
}

/** Reads a secret's text as a published-key document, field by field. */
export function readKeyDocument(text: string): KeyDocumentReading {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { problems: ["the text is not JSON"], notJson: true };
  }
  const problems: string[] = [];
  // Filled in place: spreading readKey's result into a new object was a third of the time.
  const reading = readKey<KeyDocumentReading>(doc, "", problems, { problems, notJson: false });
  if (isPlainObject(doc)) {
    if (typeof doc.userName !== "string" || doc.userName === "") {
      problems.push("userName is missing");
    } else if (USER_NAME_RE.test(doc.userName)) {
      reading.userName = doc.userName;
    } else {
      problems.push("userName is not an IAM user name (1 to 64 letters, digits and +=,.@_-)");
    }
    if (doc.previous !== undefined && doc.previous !== null) {
      reading.previous = readKey(doc.previous, "previous", problems);
    }
    if (doc.record !== undefined) {
      const record = readRecord(doc.record, problems);
      if (record !== undefined) reading.record = record;
    }
  }
  return reading;
}

const isSlot = (value: unknown): value is Slot => value === "blue" || value === "green";
const STACK_RE = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

/** The `record` object, or undefined (with a problem naming the field) when malformed. */
function readRecord(raw: unknown, problems: string[]): PublishedRecord | undefined {
  const before = problems.length;
  if (!isPlainObject(raw)) {
    problems.push("record is not an object");
    return undefined;
  }
  if (!isSlot(raw.current)) problems.push("record.current is not blue or green");
  const slots: PublishedRecord["slots"] = {};
  if (!isPlainObject(raw.slots)) problems.push("record.slots is not an object");
  else {
    for (const [slot, value] of Object.entries(raw.slots)) {
      const at = `record.slots.${isSlot(slot) ? slot : "?"}`;
      if (!isSlot(slot) || !isPlainObject(value)) {
        problems.push(`${at} is not a blue or green slot`);
        continue;
      }
      if (!isIsoDate(value.issuedOn)) problems.push(`${at}.issuedOn is not a YYYY-MM-DD date`);
      const id = value.accessKeyId;
      if (id !== undefined && (typeof id !== "string" || !ACCESS_KEY_ID_RE.test(id))) {
        problems.push(`${at}.accessKeyId is not an access key id`);
      }
      slots[slot] = {
        issuedOn: value.issuedOn as string,
        ...(typeof id === "string" && { accessKeyId: id }),
      };
    }
  }
  const record: PublishedRecord = { current: raw.current as Slot, slots };
  for (const field of [
    "publishedOn",
    "previousActiveUntil",
    "revokedBefore",
    "previousInUse",
  ] as const) {
    const value = raw[field];
    if (value === undefined) continue;
    if (isIsoDate(value)) record[field] = value;
    else problems.push(`record.${field} is not a YYYY-MM-DD date`);
  }
  if (raw.previousWasStale !== undefined) {
    if (raw.previousWasStale === true) record.previousWasStale = true;
    else if (raw.previousWasStale !== false)
      problems.push("record.previousWasStale is not true or false");
  }
  if (raw.adopted !== undefined) {
    const adopted = raw.adopted;
    if (
      isPlainObject(adopted) &&
      isSlot(adopted.slot) &&
      typeof adopted.accessKeyId === "string" &&
      ACCESS_KEY_ID_RE.test(adopted.accessKeyId)
    ) {
      record.adopted = { slot: adopted.slot, accessKeyId: adopted.accessKeyId };
    } else problems.push("record.adopted is not a slot and an access key id");
  }
  if (raw.stack !== undefined) {
    if (typeof raw.stack === "string" && STACK_RE.test(raw.stack)) record.stack = raw.stack;
    else problems.push("record.stack is not PROJECT/STACK");
  }
  return problems.length === before ? record : undefined;
}

/** A complete document, or why the text is not one (never quoting it). */
export function parseKeyDocument(
  text: string,
): { ok: true; document: PublishedKeyDocument } | { ok: false; problem: string } {
  const reading = readKeyDocument(text);
  if (reading.notJson) {
    return {
      ok: false,
      problem: `the secret is not JSON (${text.length} characters; content not shown)`,
    };
  }
  if (reading.problems.length > 0) {
    return {
      ok: false,
      problem: `the secret is not an iam-key-rotation key document: ${reading.problems.join("; ")}`,
    };
  }
  // No problem: every required field is set.
  const document: PublishedKeyDocument = {
    accessKeyId: reading.accessKeyId!,
    secretAccessKey: reading.secretAccessKey!,
    slot: reading.slot!,
    issuedOn: reading.issuedOn!,
    userName: reading.userName!,
  };
  if (reading.previous !== undefined) {
    document.previous = reading.previous as PublishedPreviousKey;
  }
  if (reading.record !== undefined) document.record = reading.record;
  return { ok: true, document };
}

/**
 * The record a run publishes: the state, the stack (`project/stack`) and each slot's access
 * key id where known. The one encoder of PublishedRecord (the component, tests and benchmarks).
 */
export function publishedRecordOf(
  state: RotationState,
  stack: string,
  ids: Partial<Record<Slot, string>>,
): PublishedRecord {
  const slots: PublishedRecord["slots"] = {};
  for (const slot of ["blue", "green"] as const) {
    const s = state.slots[slot];
    if (s !== undefined) {
      slots[slot] = {
        issuedOn: s.issuedOn,
        ...(ids[slot] !== undefined && { accessKeyId: ids[slot] }),
      };
    }
  }
  const record: PublishedRecord = { current: state.current, slots, stack };
  if (state.publishedOn !== undefined) record.publishedOn = state.publishedOn;
  if (state.previousActiveUntil !== undefined) {
    record.previousActiveUntil = state.previousActiveUntil;
  }
  if (state.previousWasStale === true) record.previousWasStale = true;
  if (state.revokedBefore !== undefined) record.revokedBefore = state.revokedBefore;
  if (state.previousInUse !== undefined) record.previousInUse = state.previousInUse;
  if (state.adopted !== undefined) record.adopted = { ...state.adopted };
  return record;
}
