/**
 * Trust nothing a run reads: the rotation record in the user's tags (which anyone who may tag
 * the user can edit), cross-checked with the copy of the record in the published document
 * (written only by this stack, last in every run) and with the keys IAM really holds (ids,
 * statuses and creation dates nobody can forge). A run goes ahead only when they agree, or
 * differ in the one way a failed run leaves them (the tags one rotation ahead of the document);
 * otherwise it stops before anything changes, naming the user and the disagreement.
 *
 * Also where an existing user is adopted (`adopt`) and where a record is rebuilt from what is
 * observed (`rebuildRecord`). Pure: the observation is made by ./liveReads.ts.
 */
import { addDays, toDay, utcDayOf, utcToday } from "../../lib/days";
import { PublishedRecord, readKeyDocument } from "./publishedKey";
import { decodeRecord, TAG_PREFIX } from "./rotationRecord";
import {
  KeyStatus,
  otherSlot,
  previousDoneOn,
  Publication,
  RotationPolicy,
  RotationState,
  Slot,
  SLOTS,
  validateState,
} from "./rotationModel";

/** A key IAM holds for the user (ListAccessKeys). */
export interface ObservedKey {
  accessKeyId: string;
  status: KeyStatus;
  /** ISO 8601 creation time. */
  createDate: string;
}

/** A key's last use (GetAccessKeyLastUsed); null: never used. */
export type ObservedUse = { date: string; service?: string; region?: string } | null;

/** What a run observes of one managed user before it changes anything. */
export interface Observation {
  /** The IAM user (GetUser); null when it does not exist. */
  user: {
    path: string;
    tags: Record<string, string>;
    permissionsBoundary?: string;
    /** Its ARN, where the read gave it. */
    arn?: string;
  } | null;
  /** Its access keys; empty when the user does not exist. */
  keys: ObservedKey[];
  /**
   * The current version of its secret: the text, the UTC day it was written and, where the read
   * gave it, the secret's ARN; null: none.
   */
  secret: { text: string; writtenOn: string; arn?: string } | null;
  /** Last use of the user's keys by id, where it was read (adopting a user with two keys). */
  lastUse?: Record<string, ObservedUse>;
}

export interface CheckSettings {
  userName: string;
  /** `project/stack` of the stack running. */
  stack: string;
  /** The IAM path the stack gives the user. */
  path: string;
  policy: RotationPolicy;
  revokeIssuedBefore?: string;
  /** Take over an existing user and its key; `deleteInactiveKey` lets the run delete an Inactive one. */
  adopt?: { deleteInactiveKey: boolean };
  /** Ignore the tags: rebuild the record from the published document and IAM's keys. */
  rebuildRecord?: boolean;
}

/** What adopting an existing user asks of this run. */
export interface Adoption {
  /** Tags the user carries that are not the record's: kept as they are. */
  keepTags: Record<string, string>;
  /** Inactive hand-made keys the run deletes first (only with deleteInactiveKey). */
  deleteKeys: ObservedKey[];
}

export type CheckResult =
  | { kind: "stop"; problems: string[] }
  | {
      kind: "run";
      /** The state to advance from; undefined: a new user (issue blue). */
      recorded: RotationState | undefined;
      /** What consumers are given now, confirmed by the published document. */
      published: Publication | null;
      /** The access key id of each recorded slot, where known and not about to be replaced. */
      keyIds: Partial<Record<Slot, string>>;
      /** Set when the run adopts the user (the first run, and every run while `adopt` is set). */
      adoption?: Adoption;
      /** The user's permissions boundary, declared as found (the stack never changes one). */
      permissionsBoundary?: string;
      /**
       * A key the published record kept Active because it was in use, which a rotation recorded
       * by a run that never published is about to replace: the run reads its last use first and
       * stops if it was used on or after `since` (./runPlan.ts).
       */
      mustBeQuiet?: { accessKeyId: string; since: string };
      warnings: string[];
    };

const REBUILD =
  'If the tags were edited by hand, set rebuildRecord: true on the user for one run (docs/runbooks.md, "Repairing a rotation record").';

/** Cross-checks what a run observed of one user; see the module comment. */
export function checkObservation(
  observed: Observation,
  settings: CheckSettings,
  today: string = utcToday(),
): CheckResult {
  const result = checkUser(observed, settings, today);
  // The stack never sets or removes a permissions boundary: a user's is declared as found
  // (removing it would widen what the user may do, e.g. once adopt is dropped).
  // (An empty boundary is none: getUser reports "".)
  const kept = observed.user?.permissionsBoundary || undefined;
  return result.kind === "run" && kept !== undefined
    ? { ...result, permissionsBoundary: kept }
    : result;
}

function checkUser(observed: Observation, settings: CheckSettings, today: string): CheckResult {
  const { userName } = settings;
  const user = observed.user;
  if (user === null) {
    if (settings.adopt !== undefined) {
      return stop(
        `IAM user "${userName}" does not exist, so there is nothing to adopt. Remove adopt to ` +
          `create the user, or fix the user name.`,
      );
    }
    return { kind: "run", recorded: undefined, published: null, keyIds: {}, warnings: [] };
  }
  const decoded = decodeRecord(user.tags);
  const document = observed.secret === null ? null : readKeyDocument(observed.secret.text);
  const recordProblems = document?.problems.filter((p) => p.startsWith("record")) ?? [];
  if (recordProblems.length > 0) {
    return stop(
      `The published document of IAM user "${userName}" carries a malformed rotation record ` +
        `(${recordProblems.join("; ")}). Stopping before any change: the secret was written by ` +
        `someone other than this stack. Restore it from the secret's previous version.`,
    );
  }
  const record = document?.record;
  if (record?.stack !== undefined && record.stack !== settings.stack) {
    return stop(
      `The published document of IAM user "${userName}" was written by stack ${record.stack}, ` +
        `not ${settings.stack}. Stopping before any change: a user is managed by one stack only.`,
    );
  }
  if (
    settings.rebuildRecord !== true &&
    decoded.kind === "ok" &&
    decoded.stack !== undefined &&
    decoded.stack !== settings.stack
  ) {
    return stop(
      `IAM user "${userName}" is managed by stack ${decoded.stack} (its ${TAG_PREFIX}stack tag), ` +
        `not ${settings.stack}. Stopping before any change: a user is managed by one stack only. ` +
        `Remove it from one of the stacks; if the tag was edited, set rebuildRecord: true on ` +
        `the user for one run (docs/runbooks.md, "Repairing a rotation record").`,
    );
  }
  if (settings.rebuildRecord === true) return rebuild(observed, settings, today);
  if (decoded.kind === "none") {
    if (settings.adopt !== undefined && record !== undefined) {
      return stop(
        `IAM user "${userName}" has no rotation record in its tags, but its published document ` +
          `records that stack ${record.stack ?? settings.stack} manages it: the tags were removed, ` +
          `the user was not made by hand. Stopping before any change: adopting it would take the ` +
          `stack's own keys for hand-made ones. Rebuild the record instead (rebuildRecord: true ` +
          `instead of adopt; docs/runbooks.md, "Repairing a rotation record").`,
      );
    }
    if (settings.adopt !== undefined) return adopt(observed, settings, today);
    return stop(
      `IAM user "${userName}" exists but has no rotation record (no ${TAG_PREFIX}* tags). ` +
        `Stopping before any change. A user made outside this stack is taken over with ` +
        `adopt: true (docs/runbooks.md, "Adopting existing users"). If the tags were removed by ` +
        `hand, rebuild them with rebuildRecord (docs/runbooks.md, "Repairing a rotation record").`,
    );
  }
  if (decoded.kind === "malformed") {
    return stop(
      `IAM user "${userName}" has a malformed rotation record: ${decoded.problems.join(" ")} ` +
        `Stopping before any change; rebuild it as described in ` +
        `docs/runbooks.md, "Repairing a rotation record".`,
    );
  }
  if (settings.adopt !== undefined && decoded.stack !== settings.stack) {
    return stop(
      `IAM user "${userName}" already has a rotation record, written by a stack that did not ` +
        `adopt it. Remove adopt: the user is managed already (by this stack, or by another ` +
        `one: check every stack that lists it).`,
    );
  }
  const tags = decoded.state;
  const stateProblems = validateState(tags, today);
  if (stateProblems.length > 0) {
    return stop(
      `IAM user "${userName}" has an inconsistent rotation record (its ${TAG_PREFIX}* tags): ` +
        `${stateProblems.join(" ")} Stopping before any change; rebuild it as described in ` +
        `docs/runbooks.md, "Repairing a rotation record".`,
    );
  }
  if (record !== undefined) {
    const problem = recordProblem(record, today);
    if (problem !== undefined) return stop(`IAM user "${userName}": ${problem}`);
  }
  const compared =
    record !== undefined
      ? againstRecord(tags, record, observed.secret!.writtenOn, settings)
      : againstLegacyDocument(tags, document, observed.secret?.writtenOn, settings, {
          adoptionPending: settings.adopt !== undefined && decoded.stack === settings.stack,
          keys: observed.keys,
        });
  if ("problems" in compared) return stop(...compared.problems);
  const keys = againstKeys(compared, observed.keys, settings);
  if ("problems" in keys) return stop(...keys.problems);
  const adoption =
    settings.adopt !== undefined ? { keepTags: keptTags(user.tags), deleteKeys: [] } : undefined;
  return {
    kind: "run",
    recorded: compared.recorded,
    published: compared.published,
    keyIds: keys.keyIds,
    ...(adoption !== undefined && { adoption }),
    ...(compared.mustBeQuiet !== undefined && { mustBeQuiet: compared.mustBeQuiet }),
    warnings: [...compared.warnings, ...keys.warnings],
  };
}

function stop(...problems: string[]): CheckResult {
  return { kind: "stop", problems };
}

/** The UTC day a key was created, or undefined when IAM's date cannot be read. */
function createdOn(key: ObservedKey): string | undefined {
  return utcDayOf(key.createDate);
}

/**
 * What is wrong with the record of the published document for the model to start from it
 * (the secret was written by someone other than this stack), or undefined.
 */
function recordProblem(record: PublishedRecord, today: string): string | undefined {
  if (record.slots[record.current] === undefined) {
    return (
      `the published document's record names ${record.current} as the current slot but gives ` +
      `it no issue date. Stopping before any change: the secret was not written by this stack. ` +
      `Restore it from the secret's previous version.`
    );
  }
  const problems = validateState(stateOf(record), today);
  if (problems.length === 0) return undefined;
  return (
    `the published document's record is inconsistent: ${problems.join(" ")} Stopping before ` +
    `any change: the secret was not written by this stack. Restore it from the secret's ` +
    `previous version.`
  );
}

interface Compared {
  recorded: RotationState;
  published: Publication | null;
  /** The slot about to be re-issued by a rotation a failed run recorded, if any. */
  pendingSlot?: Slot;
  /** See CheckResult: a kept-in-use key the pending rotation replaces. */
  mustBeQuiet?: { accessKeyId: string; since: string };
  /** Access key ids the published document gives the recorded slots. */
  documentIds: Partial<Record<Slot, string>>;
  warnings: string[];
}

/** The state a published record describes. */
function stateOf(record: PublishedRecord): RotationState {
  const slots: RotationState["slots"] = {};
  for (const slot of SLOTS) {
    const s = record.slots[slot];
    if (s !== undefined) slots[slot] = { issuedOn: s.issuedOn };
  }
  const state: RotationState = { current: record.current, slots };
  if (record.publishedOn !== undefined) state.publishedOn = record.publishedOn;
  if (record.previousActiveUntil !== undefined) {
    state.previousActiveUntil = record.previousActiveUntil;
  }
  if (record.previousWasStale === true) state.previousWasStale = true;
  if (record.revokedBefore !== undefined) state.revokedBefore = record.revokedBefore;
  if (record.previousInUse !== undefined) state.previousInUse = record.previousInUse;
  if (record.adopted !== undefined) state.adopted = { ...record.adopted };
  return state;
}

/** The tags' state without what only a confirmed publication may say (a pending rotation). */
function pendingState(tags: RotationState): RotationState {
  const state: RotationState = { current: tags.current, slots: { ...tags.slots } };
  if (tags.revokedBefore !== undefined) state.revokedBefore = tags.revokedBefore;
  if (tags.adopted !== undefined) state.adopted = { ...tags.adopted };
  return state;
}

const describeSlots = (state: RotationState): string =>
  `current ${state.current}, ` +
  SLOTS.map((s) => `${s} ${state.slots[s]?.issuedOn ?? "none"}`).join(", ");

const sameKey = (a: RotationState["adopted"], b: RotationState["adopted"]): boolean =>
  a?.slot === b?.slot && a?.accessKeyId === b?.accessKeyId;

/**
 * The revocation in the tags must be the one the stack recorded: never dropped or moved earlier
 * (that would turn a leaked key back on), never later than the stack's own (that would cut the
 * consumers of a good key off). `trusted` is the published one; `config` may raise it.
 */
function revocationProblem(
  userName: string,
  tag: string | undefined,
  trusted: string | undefined,
  config: string | undefined,
): string | undefined {
  const tagName = `${TAG_PREFIX}revoked-before`;
  if (trusted !== undefined && (tag === undefined || tag < trusted)) {
    return (
      `IAM user "${userName}": tag ${tagName} is ${tag === undefined ? "missing" : tag}, but the ` +
      `published document records a revocation of keys issued before ${trusted}. Stopping ` +
      `before any change: dropping or moving a revocation earlier would turn a revoked key back ` +
      `on. ${REBUILD}`
    );
  }
  const highest =
    trusted === undefined || (config !== undefined && config > trusted) ? config : trusted;
  if (tag !== undefined && (highest === undefined || tag > highest)) {
    return (
      `IAM user "${userName}": tag ${tagName} is ${tag}, but neither the published document nor ` +
      `revokeIssuedBefore revokes keys issued before that day. Stopping before any change: a ` +
      `revocation that nobody configured would cut the consumers of a good key off. To revoke, ` +
      `set users[].revokeIssuedBefore: "${tag}"; otherwise: ${REBUILD}`
    );
  }
  return undefined;
}

/** The tags against the record of the published document (written by this stack). */
function againstRecord(
  tags: RotationState,
  record: PublishedRecord,
  writtenOn: string,
  settings: CheckSettings,
): Compared | { problems: string[] } {
  const { userName } = settings;
  const trusted = stateOf(record);
  const documentIds: Partial<Record<Slot, string>> = {};
  for (const slot of SLOTS) {
    const id = record.slots[slot]?.accessKeyId;
    if (id !== undefined) documentIds[slot] = id;
  }
  const revocation = revocationProblem(
    userName,
    tags.revokedBefore,
    trusted.revokedBefore,
    settings.revokeIssuedBefore,
  );
  if (revocation !== undefined) return { problems: [revocation] };
  const disagree = (what: string) => ({
    problems: [
      `IAM user "${userName}": its rotation record (tags) disagrees with the published document: ` +
        `${what}. Stopping before any change: acting on the tags could delete or deactivate a ` +
        `key consumers use, or keep a key Active too long. ${REBUILD}`,
    ],
  });
  const published: Publication = {
    slot: trusted.current,
    issuedOn: trusted.slots[trusted.current]!.issuedOn,
    publishedOn: trusted.publishedOn ?? writtenOn,
  };
  const sameSlots = SLOTS.every((s) => tags.slots[s]?.issuedOn === trusted.slots[s]?.issuedOn);
  if (tags.current === trusted.current && sameSlots) {
    if (tags.previousActiveUntil !== trusted.previousActiveUntil) {
      return disagree(
        `tag ${TAG_PREFIX}previous-active-until is ${tags.previousActiveUntil ?? "missing"}, the ` +
          `document says the previous key is Active until ${trusted.previousActiveUntil ?? "(no previous key)"}`,
      );
    }
    if (!sameKey(tags.adopted, trusted.adopted)) {
      return disagree(`tag ${TAG_PREFIX}adopted does not name the key the document adopted`);
    }
    // previous-in-use only reports a decision each run makes again from IAM's last-use data.
    return { recorded: trusted, published, documentIds, warnings: [] };
  }
  // A rotation recorded by a run that failed before publishing: the tags are one step ahead.
  const next = tags.current;
  const kept = trusted.current;
  const newIssue = tags.slots[next]?.issuedOn;
  // The configured revocation counts (it retires a revoked previous key at once); a later one
  // found only in the tags does not.
  const revokedBefore = [trusted.revokedBefore, settings.revokeIssuedBefore]
    .filter((d): d is string => d !== undefined)
    .sort()
    .pop();
  const done = previousDoneOn(
    revokedBefore === undefined ? trusted : { ...trusted, revokedBefore },
    settings.policy,
  );
  const pending =
    next !== kept &&
    tags.slots[kept]?.issuedOn === trusted.slots[kept]!.issuedOn &&
    newIssue !== undefined &&
    newIssue > trusted.slots[kept]!.issuedOn &&
    (trusted.slots[next] === undefined ||
      (done !== null &&
        newIssue >= done &&
        // A key kept Active because it was in use is only replaced after a later run found it
        // quiet: the recorded rotation must come after the last day it was kept (and this run
        // checks its use again, see mustBeQuiet).
        (trusted.previousInUse === undefined || newIssue > trusted.previousInUse))) &&
    sameKey(tags.adopted, trusted.adopted?.slot === next ? undefined : trusted.adopted);
  if (!pending) {
    return disagree(
      `the tags say ${describeSlots(tags)}; the document published ${describeSlots(trusted)}`,
    );
  }
  const recorded = pendingState(tags);
  const ids = { ...documentIds };
  delete ids[next]; // the key being replaced
  // Unless the rotation came on the replaced key's max-age bound, which wins over its use.
  const replaced = documentIds[next];
  const replacedSlot = trusted.slots[next];
  const quiet =
    trusted.previousInUse !== undefined &&
    replaced !== undefined &&
    replacedSlot !== undefined &&
    newIssue < addDays(replacedSlot.issuedOn, settings.policy.maxAgeDays)
      ? { mustBeQuiet: { accessKeyId: replaced, since: trusted.previousInUse } }
      : {};
  return { recorded, published, pendingSlot: next, documentIds: ids, ...quiet, warnings: [] };
}

/**
 * The tags against a document written before documents carried the record (or unreadable, or
 * missing): what it publishes must be the current slot, or the previous one while a rotation
 * waits to be published; the end of the overlap must be what it announced.
 */
function againstLegacyDocument(
  recordedTags: RotationState,
  document: ReturnType<typeof readKeyDocument> | null,
  writtenOn: string | undefined,
  settings: CheckSettings,
  context: { adoptionPending: boolean; keys: readonly ObservedKey[] },
): Compared | { problems: string[] } {
  const { userName } = settings;
  let tags = recordedTags;
  const warnings: string[] = [];
  const revocation = revocationProblem(
    userName,
    tags.revokedBefore,
    undefined,
    settings.revokeIssuedBefore,
  );
  const problems = revocation === undefined ? [] : [revocation];
  // A first adoption run that failed before publishing left the tags only: the adopted key must
  // still be the user's, and the stack's own tag and `adopt` must say this stack adopted it.
  const adoptedKey =
    tags.adopted === undefined
      ? undefined
      : context.keys.find((k) => k.accessKeyId === tags.adopted!.accessKeyId);
  const adoptionPending =
    context.adoptionPending && document?.record === undefined && adoptedKey !== undefined;
  if (tags.adopted !== undefined && !adoptionPending) {
    problems.push(
      `IAM user "${userName}": tag ${TAG_PREFIX}adopted is not backed by a published document ` +
        `that records the adoption. Stopping before any change. ${REBUILD}`,
    );
  }
  if (problems.length > 0) return { problems };
  // previous-in-use only reports a decision each run makes again from IAM's last-use data.
  tags = { ...tags };
  delete tags.previousInUse;

  const slot = document?.slot;
  const issuedOn = document?.issuedOn;
  if (
    document === null ||
    slot === undefined ||
    issuedOn === undefined ||
    writtenOn === undefined
  ) {
    // Nothing readable is published: the previous key stays Active until a document confirms
    // the current one (the safe direction).
    if (tags.previousActiveUntil !== undefined) {
      warnings.push(
        `The secret of IAM user "${userName}" does not publish a document of iam-key-rotation; ` +
          `the previous key stays Active until the current key is published again.`,
      );
    }
    return { recorded: pendingState(tags), published: null, documentIds: {}, warnings };
  }
  const published: Publication = { slot, issuedOn, publishedOn: writtenOn };
  const documentIds: Partial<Record<Slot, string>> = {};
  if (document.accessKeyId !== undefined) documentIds[slot] = document.accessKeyId;
  const previous = document.previous;
  if (
    previous?.slot !== undefined &&
    previous.accessKeyId !== undefined &&
    previous.slot !== slot
  ) {
    documentIds[previous.slot] = previous.accessKeyId;
  }
  const disagree = (what: string) => ({
    problems: [
      `IAM user "${userName}": its rotation record (tags) disagrees with the published document: ` +
        `${what}. Stopping before any change: acting on the tags could delete or deactivate a ` +
        `key consumers use, or keep a key Active too long. ${REBUILD}`,
    ],
  });
  if (slot === tags.current && issuedOn === tags.slots[slot]?.issuedOn) {
    const until = tags.previousActiveUntil;
    const other = otherSlot(slot);
    const previousRevoked =
      tags.revokedBefore !== undefined &&
      tags.slots[other] !== undefined &&
      tags.slots[other].issuedOn < tags.revokedBefore;
    if (previous === undefined && tags.slots[other] !== undefined && !previousRevoked) {
      // Documents of earlier versions dropped the previous key the day it went Inactive: it is
      // done, and its overlap ended no later than the day the document was written.
      if (until === undefined || until > writtenOn) {
        return disagree(
          `tag ${TAG_PREFIX}previous-active-until is ${until ?? "missing"}, but the document ` +
            `written on ${writtenOn} no longer publishes the previous key: its overlap was over`,
        );
      }
    }
    if (previous !== undefined && previous.issuedOn !== tags.slots[other]?.issuedOn) {
      return disagree(
        `the document's previous key was issued on ${previous.issuedOn ?? "(unreadable)"}, the ` +
          `tags say ${other} was issued on ${tags.slots[other]?.issuedOn ?? "(no date)"}`,
      );
    }
    if (until !== undefined) {
      const announced = previous?.deactivatesOn;
      const latest = addDays(writtenOn, Math.max(settings.policy.overlapDays, 1));
      if (announced !== undefined ? until !== announced : until > latest) {
        return disagree(
          `tag ${TAG_PREFIX}previous-active-until is ${until}, but the previous key's overlap ` +
            (announced !== undefined
              ? `ends on ${announced}, as published`
              : `can end no later than ${latest} (published on ${writtenOn})`),
        );
      }
    }
    return { recorded: tags, published, documentIds, warnings };
  }
  const other = otherSlot(tags.current);
  if (slot === other && issuedOn === tags.slots[other]?.issuedOn) {
    // The slot the tags say was re-issued must not hold a previous key still in its overlap.
    if (previous?.slot === tags.current) {
      const newIssue = tags.slots[tags.current]!.issuedOn;
      if (previous.deactivatesOn === undefined || newIssue < previous.deactivatesOn) {
        return disagree(
          `the tags say ${tags.current} was re-issued on ${newIssue}, but the document still ` +
            `publishes the ${tags.current} key as the previous key, Active until ` +
            `${previous.deactivatesOn ?? "(not yet known)"}`,
        );
      }
    }
    delete documentIds[tags.current];
    return {
      recorded: pendingState(tags),
      published,
      pendingSlot: tags.current,
      documentIds,
      warnings,
    };
  }
  return disagree(
    `the tags say ${describeSlots(tags)}; the document publishes ${slot} issued ${issuedOn}`,
  );
}

/**
 * The recorded slots against the keys IAM holds: each key the document names must be at least
 * as new as its slot's issue date (an older key means a forward-dated record, or an engine that
 * did not replace it), and no key may be unaccounted for.
 */
function againstKeys(
  compared: Compared,
  keys: readonly ObservedKey[],
  settings: CheckSettings,
): { keyIds: Partial<Record<Slot, string>>; warnings: string[] } | { problems: string[] } {
  const { userName } = settings;
  const { recorded } = compared;
  const problems: string[] = [];
  const warnings: string[] = [];
  const keyIds: Partial<Record<Slot, string>> = {};
  const accounted = new Set<string>();
  const slots = SLOTS.filter((s) => recorded.slots[s] !== undefined);
  for (const key of keys) {
    if (createdOn(key) === undefined) {
      problems.push(
        `IAM user "${userName}": access key ${key.accessKeyId} has an unreadable creation date ` +
          `(${JSON.stringify(key.createDate).slice(0, 40)}). Stopping before any change: its age ` +
          `cannot be checked. Run again; if it persists, report it.`,
      );
    }
  }
  if (problems.length > 0) return { problems };
  /** Slots whose key the document names but IAM no longer holds: no other key may take them. */
  const gone = new Set<Slot>();
  for (const slot of slots) {
    const id = compared.documentIds[slot];
    if (id === undefined) continue;
    const key = keys.find((k) => k.accessKeyId === id);
    if (key === undefined) {
      gone.add(slot);
      warnings.push(
        `Access key ${id} (slot ${slot}) of IAM user "${userName}" no longer exists in IAM: it was ` +
          `deleted outside the stack. Run pulumi up with --refresh so the slot is issued again.`,
      );
      continue;
    }
    accounted.add(id);
    keyIds[slot] = id;
    const issuedOn = recorded.slots[slot]!.issuedOn;
    const created = createdOn(key)!;
    if (created < issuedOn) {
      problems.push(
        `IAM user "${userName}": access key ${id} in slot ${slot} was created on ${created}, ` +
          `before ${issuedOn}, the day the record says it was issued. Stopping before any ` +
          `change: a record dated later than its key would keep that key Active too long. ${REBUILD}`,
      );
    }
  }
  // Slots whose key the document does not name (an Inactive previous key, a slot a failed run
  // is re-issuing) may each account for one more key.
  const open = slots.filter((s) => keyIds[s] === undefined && !gone.has(s));
  const extra = keys.filter((k) => !accounted.has(k.accessKeyId));
  if (extra.length > open.length) {
    const listed = extra
      .map((k) => `${k.accessKeyId} (${k.status}, created ${k.createDate.slice(0, 10)})`)
      .join(", ");
    problems.push(
      `IAM user "${userName}" has ${keys.length} access keys but its rotation record accounts ` +
        `for ${slots.length} slot${slots.length === 1 ? "" : "s"} (${slots.join(", ")}): ` +
        `${listed} ${extra.length === 1 ? "is" : "are"} not the stack's. Stopping before any ` +
        `change. If a key was made by hand, move its consumers to the published key and delete ` +
        `it (aws iam delete-access-key --user-name ${userName} --access-key-id ` +
        `${extra[0].accessKeyId}). ${REBUILD}`,
    );
  } else {
    // One open slot and one unnamed key: that key is the slot's (unless the slot is re-issued).
    const unnamed = open.filter((s) => s !== compared.pendingSlot);
    if (unnamed.length === 1 && extra.length === 1 && open.length === 1) {
      const key = extra[0];
      const issuedOn = recorded.slots[unnamed[0]]!.issuedOn;
      const created = createdOn(key)!;
      if (created < issuedOn) {
        problems.push(
          `IAM user "${userName}": access key ${key.accessKeyId} (slot ${unnamed[0]}) was created ` +
            `on ${created}, before ${issuedOn}, the day the record says it was issued. ` +
            `Stopping before any change. ${REBUILD}`,
        );
      } else keyIds[unnamed[0]] = key.accessKeyId;
    }
  }
  return problems.length > 0 ? { problems } : { keyIds, warnings };
}

/** The user's tags other than the record's (an adopted user keeps them). */
function keptTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([k]) => !k.startsWith(TAG_PREFIX)));
}

/** Days since creation, and last use, of a key: `created 2025-01-02, 330 days ago, last used ...`. */
function describeKey(key: ObservedKey, use: ObservedUse | undefined, today: string): string {
  const created = createdOn(key);
  if (created === undefined) return `${key.accessKeyId} (creation date unreadable)`;
  const age = toDay(today) - toDay(created);
  const used =
    use === undefined
      ? "last use unknown"
      : use === null
        ? "never used"
        : `last used ${use.date.slice(0, 10)}` +
          (use.service !== undefined ? ` by ${use.service}` : "") +
          (use.region !== undefined ? ` in ${use.region}` : "");
  return `${key.accessKeyId} (created ${created}, ${age} days old, ${used})`;
}

/** Taking over an existing user without a record: its one Active key, or none. */
function adopt(observed: Observation, settings: CheckSettings, today: string): CheckResult {
  const { userName } = settings;
  const user = observed.user!;
  if (user.path !== settings.path) {
    return stop(
      `IAM user "${userName}" exists under the path ${user.path}, not ${settings.path}: adopting ` +
        `it must not change its ARN. Set path: "${user.path}" on the user, then run again.`,
    );
  }
  const unreadable = observed.keys.find((k) => createdOn(k) === undefined);
  if (unreadable !== undefined) {
    return stop(
      `IAM user "${userName}": access key ${unreadable.accessKeyId} has an unreadable creation ` +
        `date. Stopping before any change: its age cannot be checked. Run again.`,
    );
  }
  const active = observed.keys.filter((k) => k.status === "Active");
  const inactive = observed.keys.filter((k) => k.status !== "Active");
  const lastUse = observed.lastUse ?? {};
  if (active.length > 1) {
    const byUse = [...active].sort((a, b) => {
      const ua = lastUse[a.accessKeyId]?.date ?? "";
      const ub = lastUse[b.accessKeyId]?.date ?? "";
      return ua === ub ? a.createDate.localeCompare(b.createDate) : ua.localeCompare(ub);
    });
    const known = active.every((k) => lastUse[k.accessKeyId] !== undefined);
    const suggestion = known
      ? `the one used least recently is ${byUse[0].accessKeyId}: aws iam update-access-key ` +
        `--user-name ${userName} --access-key-id ${byUse[0].accessKeyId} --status Inactive`
      : `aws iam update-access-key --user-name ${userName} --access-key-id ACCESS_KEY_ID ` +
        `--status Inactive, with the key no consumer uses (not every last use could be read)`;
    return stop(
      `IAM user "${userName}" has two Active access keys: ` +
        `${active.map((k) => describeKey(k, lastUse[k.accessKeyId], today)).join(" and ")}. ` +
        `Adoption takes over one key, and never deactivates a hand-made key: move every consumer ` +
        `to one of them, deactivate the other (${suggestion}), then run again.`,
    );
  }
  if (inactive.length > 0 && settings.adopt?.deleteInactiveKey !== true) {
    return stop(
      ...inactive.map(
        (k) =>
          `IAM user "${userName}" has an Inactive access key ${describeKey(k, lastUse[k.accessKeyId], today)}; ` +
          `IAM allows two keys and the rotation needs a free slot. Delete it ` +
          `(aws iam delete-access-key --user-name ${userName} --access-key-id ${k.accessKeyId}), ` +
          `or set adopt: { deleteInactiveKey: true } on the user to let the run delete it.`,
      ),
    );
  }
  const adoption: Adoption = {
    keepTags: keptTags(user.tags),
    deleteKeys: inactive,
  };
  if (active.length === 0) {
    return {
      kind: "run",
      recorded: undefined,
      published: null,
      keyIds: {},
      adoption,
      warnings: [],
    };
  }
  const key = active[0];
  // Its issue date is its creation day (at most yesterday, so the key issued today is newer).
  const created = createdOn(key)!;
  const issuedOn = created < today ? created : addDays(today, -1);
  const recorded: RotationState = {
    current: "blue",
    slots: { blue: { issuedOn } },
    adopted: { slot: "blue", accessKeyId: key.accessKeyId },
  };
  if (settings.revokeIssuedBefore !== undefined)
    recorded.revokedBefore = settings.revokeIssuedBefore;
  return {
    kind: "run",
    recorded,
    published: null,
    keyIds: { blue: key.accessKeyId },
    adoption,
    warnings: [],
  };
}

/**
 * The record rebuilt from what is observed: the published document's record when it has one,
 * else its current (and previous) key and IAM's keys. The tags are ignored.
 */
function rebuild(observed: Observation, settings: CheckSettings, today: string): CheckResult {
  const { userName } = settings;
  const document = observed.secret === null ? null : readKeyDocument(observed.secret.text);
  const writtenOn = observed.secret?.writtenOn;
  const cannot = (why: string) =>
    stop(
      `Cannot rebuild the rotation record of IAM user "${userName}": ${why}. Stopping before any ` +
        `change (docs/runbooks.md, "Repairing a rotation record").`,
    );
  if (document === null || writtenOn === undefined) return cannot("its secret publishes nothing");
  const warning =
    `Rebuilt the rotation record of IAM user "${userName}" from its published document and ` +
    `IAM's keys; remove rebuildRecord from the user once this run succeeds.`;
  let compared: Compared;
  if (document.record !== undefined) {
    const problem = recordProblem(document.record, today);
    if (problem !== undefined) return cannot(problem.replace(/ Stopping before.*$/, ""));
    const recorded = stateOf(document.record);
    const documentIds: Partial<Record<Slot, string>> = {};
    for (const slot of SLOTS) {
      const id = document.record.slots[slot]?.accessKeyId;
      if (id !== undefined) documentIds[slot] = id;
    }
    compared = {
      recorded,
      published: {
        slot: recorded.current,
        issuedOn: recorded.slots[recorded.current]!.issuedOn,
        publishedOn: recorded.publishedOn ?? writtenOn,
      },
      documentIds,
      warnings: [warning],
    };
  } else {
    const { slot, issuedOn, accessKeyId } = document;
    if (slot === undefined || issuedOn === undefined || accessKeyId === undefined) {
      return cannot("its secret does not hold a document of iam-key-rotation");
    }
    if (!observed.keys.some((k) => k.accessKeyId === accessKeyId)) {
      return cannot(`the published key ${accessKeyId} is not one of its keys in IAM`);
    }
    const other = otherSlot(slot);
    let recorded: RotationState = { current: slot, slots: { [slot]: { issuedOn } } };
    const documentIds: Partial<Record<Slot, string>> = { [slot]: accessKeyId };
    const previous = document.previous;
    const otherKeys = observed.keys.filter((k) => k.accessKeyId !== accessKeyId);
    if (otherKeys.length > 1) return cannot("it has more keys than two slots can hold");
    if (previous?.issuedOn !== undefined && previous.accessKeyId !== undefined) {
      recorded.slots[other] = { issuedOn: previous.issuedOn };
      documentIds[other] = previous.accessKeyId;
      recorded.publishedOn = writtenOn < issuedOn ? issuedOn : writtenOn;
      recorded.previousActiveUntil =
        previous.deactivatesOn ??
        addDays(recorded.publishedOn, Math.max(settings.policy.overlapDays, 1));
    } else if (otherKeys.length === 1) {
      const created = createdOn(otherKeys[0]);
      if (created === undefined)
        return cannot(`its key ${otherKeys[0].accessKeyId} has an unreadable creation date`);
      if (created >= issuedOn) {
        return cannot(
          `its other key ${otherKeys[0].accessKeyId} is newer than the published one, so which ` +
            `slot is current cannot be told`,
        );
      }
      recorded.slots[other] = { issuedOn: created };
      documentIds[other] = otherKeys[0].accessKeyId;
      // Not published as the previous key: its overlap is over.
      recorded = { ...recorded, publishedOn: issuedOn, previousActiveUntil: writtenOn };
    }
    if (settings.revokeIssuedBefore !== undefined) {
      recorded.revokedBefore = settings.revokeIssuedBefore;
    }
    compared = {
      recorded,
      published: { slot, issuedOn, publishedOn: writtenOn < issuedOn ? issuedOn : writtenOn },
      documentIds,
      warnings: [warning],
    };
  }
  const problems = validateState(compared.recorded, today);
  if (problems.length > 0) return cannot(problems.join(" ").replace(/\.$/, ""));
  const keys = againstKeys(compared, observed.keys, settings);
  if ("problems" in keys) return stop(...keys.problems);
  return {
    kind: "run",
    recorded: compared.recorded,
    published: compared.published,
    keyIds: keys.keyIds,
    ...(compared.mustBeQuiet !== undefined && { mustBeQuiet: compared.mustBeQuiet }),
    warnings: [...compared.warnings, ...keys.warnings],
  };
}
