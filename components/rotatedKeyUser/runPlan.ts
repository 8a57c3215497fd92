/**
 * What one run does for one managed user, decided before any resource is declared: observe
 * the user (./liveReads.ts), cross-check the record (./crossCheck.ts), advance the rotation
 * model (./rotationModel.ts), and, when the previous key would go Inactive today, read its last
 * use and keep it Active one more day while it is still used. Used by the program for every
 * user before it declares anything (so one bad user stops the whole run), and by a
 * RotatedKeyUser used on its own.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  Adoption,
  CheckResult,
  CheckSettings,
  checkObservation,
  Observation,
  ObservedUse,
} from "./crossCheck";
import { deleteInactiveKey, observe, readLastUse } from "./liveReads";
import { readKeyDocument } from "./publishedKey";
import { decodeRecord } from "./rotationRecord";
import {
  advance,
  afterPublication,
  KeyStatus,
  maxAgeCut,
  otherSlot,
  PreviousKeyUse,
  RotationPlan,
  RotationState,
  Slot,
} from "./rotationModel";
import { addDays, toDay } from "../../lib/days";

/** Days ahead a run warns that a previous key's overlap will be cut at its max-age bound. */
export const MAX_AGE_WARNING_DAYS = 7;

export interface UserRunPlan {
  /** The state the run started from (undefined: a new user). */
  before: RotationState | undefined;
  plan: RotationPlan;
  /** The record this run writes to the tags and the published document (after publication). */
  record: RotationState;
  /** The access key id of each slot whose key exists and is not replaced in this run. */
  keyIds: Partial<Record<Slot, string>>;
  /** The status IAM gave each of those keys before the run. */
  statusBefore: Partial<Record<Slot, KeyStatus>>;
  /**
   * When IAM says each of those keys was created (its createDate as listed); absent when none
   * was listed. The engine guard takes a key's creation from here while the slot still holds
   * that key (see RotatedKeyUser's document).
   */
  createDates?: Partial<Record<Slot, string>>;
  /** Set when the run adopts the user. */
  adoption?: Adoption;
  /** The user's permissions boundary, declared as found (the stack never changes one). */
  permissionsBoundary?: string;
  /**
   * The ARN of the user's secret as read at the start of the run, when the stack published to
   * it before (see publishedSecretArn); undefined otherwise, a new secret's included.
   */
  secretArn?: string;
  /**
   * The user's ARN as read at the start of the run, when the run leaves its path as it is (an
   * ARN is the path and the name; see userArnRead); undefined for a new user.
   */
  userArn?: string;
  /** The previous key kept Active today because it is still used, and by what. */
  keptInUse?: { slot: Slot; accessKeyId: string; lastUse: NonNullable<ObservedUse> };
  /** What the run reports: disagreements it tolerates, in-use keys, coming max-age cuts. */
  warnings: string[];
}

/** Stops a run: every problem of every user, at once. */
export class RunStop extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "RunStop";
  }
}

/** The IO a run plan needs; tests replace it. */
export interface RunPlanIo {
  observe: (userName: string, secretName: string) => Promise<Observation>;
  lastUse: (accessKeyId: string) => Promise<ObservedUse>;
  deleteInactiveKey: (userName: string, accessKeyId: string) => Promise<void>;
}

export function liveIo(opts?: pulumi.InvokeOptions): RunPlanIo {
  return {
    observe: (userName, secretName) => observe(userName, secretName, opts),
    lastUse: readLastUse,
    deleteInactiveKey,
  };
}

export interface RunPlanSettings extends CheckSettings {
  secretName: string;
  /** A dry run (preview) deletes nothing and only says what `pulumi up` will do. */
  dryRun: boolean;
}

/** The plan of one user on `today`; throws a RunStop naming every problem. */
export async function planUserRun(
  settings: RunPlanSettings,
  today: string,
  io: RunPlanIo,
): Promise<UserRunPlan> {
  const { userName } = settings;
  const observed = await io.observe(userName, settings.secretName);
  // Adopting a user with keys: their last use says which one consumers use. Only while it has
  // no record: once adopted, the rotation knows its keys (and reads a retiring key's use below).
  if (
    settings.adopt !== undefined &&
    observed.user !== null &&
    decodeRecord(observed.user.tags).kind === "none" &&
    observed.keys.length > 1
  ) {
    const lastUse: NonNullable<Observation["lastUse"]> = {};
    for (const key of observed.keys) {
      try {
        lastUse[key.accessKeyId] = await io.lastUse(key.accessKeyId);
      } catch {
        // Unknown: the message says "last use unknown".
      }
    }
    observed.lastUse = lastUse;
  }
  const checked = checkObservation(observed, settings, today);
  if (checked.kind === "stop") throw new RunStop(checked.problems);

  const quietKey = quietKeyToCheck(checked, observed);
  if (quietKey !== undefined) {
    const problems = quietProblems(checked, settings, await readUse(io, quietKey));
    if (problems.length > 0) throw new RunStop(problems);
  }
  const deletions = (checked.adoption?.deleteKeys ?? []).map(
    (key) =>
      `Adopting IAM user "${userName}": ${settings.dryRun ? "pulumi up deletes" : "deleting"} ` +
      `its Inactive access key ${key.accessKeyId} (adopt.deleteInactiveKey).`,
  );
  const previousId = previousKeyToCheck(checked, observed, settings, today);
  const previousUse = previousId === undefined ? undefined : await readUse(io, previousId);
  const run = decideRun(checked, observed, settings, today, previousUse);
  run.warnings.unshift(...deletions);
  const secretArn = publishedSecretArn(observed, settings);
  if (secretArn !== undefined) run.secretArn = secretArn;
  const userArn = userArnRead(observed.user?.arn, userName, settings.path);
  if (userArn !== undefined) run.userArn = userArn;
  return run;
}

/**
 * The ARN of the user's secret as read, only when this stack published to that secret before:
 * the record in its document names this stack. Not a secret whose document is someone else's,
 * or not one at all (a secret found while adopting; a secret the stack could not create because
 * its name was taken): that one is not the stack's to grant.
 */
function publishedSecretArn(observed: Observation, settings: RunPlanSettings): string | undefined {
  const secret = observed.secret;
  if (secret === null || secret.arn === undefined) return undefined;
  if (readKeyDocument(secret.text).record?.stack !== settings.stack) return undefined;
  return secretArnRead(secret.arn, settings.secretName);
}

/**
 * `arn` when it is the ARN of the IAM user `userName` under `path` (the path the run gives the
 * user: the user keeps this ARN), else undefined.
 */
export function userArnRead(
  arn: string | undefined,
  userName: string,
  path: string,
): string | undefined {
  if (arn === undefined) return undefined;
  const m = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:user(\/.*)$/.exec(arn);
  return m !== null && m[1] === `${path}${userName}` ? arn : undefined;
}

/**
 * `arn` when it is the ARN of the secret named `secretName` (Secrets Manager appends a dash and
 * six random characters to the name), else undefined: the ARN a read gave, checked before a
 * policy names it.
 */
export function secretArnRead(arn: string | undefined, secretName: string): string | undefined {
  if (arn === undefined) return undefined;
  const m =
    /^arn:aws(?:-[a-z]+)*:secretsmanager:[a-z0-9-]+:\d{12}:secret:(.+)-[A-Za-z0-9]{6}$/.exec(arn);
  return m !== null && m[1] === secretName ? arn : undefined;
}

/**
 * Deletes the Inactive keys an adopted user had (adopt.deleteInactiveKey), in `pulumi up` only,
 * once every user's plan has gone through: nothing is deleted by a run that stops.
 */
export async function deleteAdoptedInactiveKeys(
  run: UserRunPlan,
  userName: string,
  io: Pick<RunPlanIo, "deleteInactiveKey">,
  dryRun: boolean,
): Promise<void> {
  if (dryRun) return;
  for (const key of run.adoption?.deleteKeys ?? []) {
    await io.deleteInactiveKey(userName, key.accessKeyId);
  }
}

/**
 * A rotation a failed run recorded replaces a key the published record kept Active because it
 * was in use (crossCheck's mustBeQuiet): the key whose last use must be read first, when it is
 * still Active. Undefined: nothing to read.
 */
export function quietKeyToCheck(checked: RunCheck, observed: Observation): string | undefined {
  const quiet = checked.mustBeQuiet;
  if (quiet === undefined) return undefined;
  const key = observed.keys.find((k) => k.accessKeyId === quiet.accessKeyId);
  return key?.status === "Active" ? key.accessKeyId : undefined;
}

/**
 * Why the run must stop given that key's last use (empty: it may go ahead): it was used on or
 * after the last day it was kept, or its use cannot be read. A forged or stale rotation never
 * cuts a consumer off.
 */
export function quietProblems(
  checked: RunCheck,
  settings: Pick<CheckSettings, "userName">,
  read: PreviousUse,
): string[] {
  const since = checked.mustBeQuiet?.since ?? "";
  const what =
    `IAM user "${settings.userName}": the rotation recorded in its tags replaces access key ` +
    `${read.accessKeyId}, which was kept Active on ${since} because it was in use,`;
  if ("error" in read) {
    return [
      `${what} and its last use cannot be read (${read.error}). Stopping before any change. ` +
        `Allow the deploying role iam:GetAccessKeyLastUsed and run again.`,
    ];
  }
  const use = read.use;
  if (use === null || use.date.slice(0, 10) < since) return [];
  return [
    `${what} and it is still used (last ${use.date.slice(0, 10)}${usedBy(use)}). Stopping ` +
      `before any change: replacing it would cut that consumer off. Move the consumer to the ` +
      `published key, or set rebuildRecord: true on the user for one run (docs/runbooks.md, ` +
      `"Repairing a rotation record").`,
  ];
}

async function readUse(io: Pick<RunPlanIo, "lastUse">, accessKeyId: string): Promise<PreviousUse> {
  try {
    return { accessKeyId, use: await io.lastUse(accessKeyId) };
  } catch (err) {
    return { accessKeyId, error: err instanceof Error ? err.message : String(err) };
  }
}

/** What a run checked (see ./crossCheck.ts), when it may go ahead. */
export type RunCheck = Extract<CheckResult, { kind: "run" }>;

/** The last use of the previous key, or why it could not be read. */
export type PreviousUse =
  { accessKeyId: string; use: ObservedUse } | { accessKeyId: string; error: string };

/**
 * The access key whose last use decides today's plan: the recorded previous key, Active in IAM,
 * that today's calendar would deactivate or delete (its slot re-issued). Undefined: none.
 */
export function previousKeyToCheck(
  checked: RunCheck,
  observed: Observation,
  settings: CheckSettings,
  today: string,
): string | undefined {
  const { recorded, published, keyIds } = checked;
  if (recorded === undefined) return undefined;
  const slot = otherSlot(recorded.current);
  const id = recorded.slots[slot] === undefined ? undefined : keyIds[slot];
  if (id === undefined) return undefined;
  if (observed.keys.find((k) => k.accessKeyId === id)?.status !== "Active") return undefined;
  const plan = advance(recorded, settings.policy, today, published, settings.revokeIssuedBefore);
  const planned = plan.slots[slot];
  const retired =
    planned?.status === "Inactive" || planned?.issuedOn !== recorded.slots[slot]!.issuedOn;
  return retired ? id : undefined;
}

/**
 * The previous key, deactivated by today's plan before the end of its recorded overlap because
 * it was past its maximum age before today (maxAgeDays lowered: not revoked, not re-issued, no
 * rotation today). Undefined: none.
 */
function maxAgeCutToday(
  recorded: RotationState,
  plan: RotationPlan,
  settings: CheckSettings,
  today: string,
): { slot: Slot; bound: string; overlapEndsOn: string } | undefined {
  const slot = otherSlot(recorded.current);
  const issuedOn = recorded.slots[slot]?.issuedOn;
  const overlapEndsOn = recorded.previousActiveUntil;
  if (issuedOn === undefined || overlapEndsOn === undefined || overlapEndsOn <= today) {
    return undefined;
  }
  if (plan.current !== recorded.current) return undefined;
  const planned = plan.slots[slot];
  if (planned?.status !== "Inactive" || planned.issuedOn !== issuedOn) return undefined;
  const revokedBefore = [settings.revokeIssuedBefore, recorded.revokedBefore]
    .filter((d): d is string => d !== undefined)
    .sort()
    .pop();
  if (revokedBefore !== undefined && issuedOn < revokedBefore) return undefined;
  const bound = addDays(issuedOn, settings.policy.maxAgeDays);
  // On the day of the bound itself the warning of the cut (below) says so already.
  return bound < today ? { slot, bound, overlapEndsOn } : undefined;
}

const usedBy = (use: NonNullable<ObservedUse>): string =>
  `${use.service !== undefined ? ` by ${use.service}` : ""}` +
  `${use.region !== undefined ? ` in ${use.region}` : ""}`;

/**
 * The plan of one user from what was checked, and the previous key's last use when
 * previousKeyToCheck asked for it. Pure: the same inputs give the same plan.
 */
export function decideRun(
  checked: RunCheck,
  observed: Observation,
  settings: CheckSettings,
  today: string,
  previousUse?: PreviousUse,
): UserRunPlan {
  const { userName } = settings;
  const { recorded, published, keyIds, adoption } = checked;
  const warnings = [...checked.warnings];
  const advanceWith = (use?: PreviousKeyUse) =>
    advance(recorded, settings.policy, today, published, settings.revokeIssuedBefore, use);
  let plan = advanceWith();
  let keptInUse: UserRunPlan["keptInUse"];
  /** The previous key's deactivation today at its maximum age was already warned of. */
  let warnedCutNow = false;
  if (previousUse !== undefined && recorded !== undefined) {
    const slot = otherSlot(recorded.current);
    const id = previousUse.accessKeyId;
    const bound = addDays(recorded.slots[slot]!.issuedOn, settings.policy.maxAgeDays);
    if ("error" in previousUse) {
      warnings.push(
        `Cannot read the last use of access key ${id} of IAM user "${userName}" ` +
          `(${previousUse.error}): it is retired on its calendar date, without checking ` +
          `whether consumers still use it. Allow the deploying role iam:GetAccessKeyLastUsed ` +
          `on this user.`,
      );
    } else {
      const use = previousUse.use;
      plan = advanceWith({ lastUsedOn: use === null ? null : use.date.slice(0, 10), active: true });
      const kept = plan.slots[slot]?.status === "Active" && plan.current === recorded.current;
      if (kept && use !== null) {
        keptInUse = { slot, accessKeyId: id, lastUse: use };
        warnings.push(
          `The previous access key ${id} of IAM user "${userName}" is still used (last ` +
            `${use.date.slice(0, 10)}${usedBy(use)}) although its replacement was published: it ` +
            `stays Active one more day. It is deactivated on ${bound} at the latest ` +
            `(maxAgeDays), used or not: move that consumer to the published key.`,
        );
      } else if (
        use !== null &&
        use.date.slice(0, 10) >= (recorded.previousInUse ?? recorded.publishedOn ?? bound) &&
        today >= bound
      ) {
        warnedCutNow = true;
        // Re-issuing its slot today deletes it (IAM holds two keys): say so, not "deactivated".
        const reissued = plan.slots[slot]?.issuedOn !== recorded.slots[slot]!.issuedOn;
        warnings.push(
          `The previous access key ${id} of IAM user "${userName}" was used on ` +
            `${use.date.slice(0, 10)}${usedBy(use)}, but it reached its maximum age ` +
            `(maxAgeDays) on ${bound}: ` +
            (reissued
              ? `it is deleted now, its slot re-issued for the next rotation.`
              : `it is deactivated now.`),
        );
      }
    }
  }
  const record = afterPublication(plan.state, settings.policy, today);
  const cut = maxAgeCut(record, settings.policy);
  if (cut !== null && toDay(cut.on) - toDay(today) <= MAX_AGE_WARNING_DAYS && cut.on >= today) {
    warnings.push(
      `The previous access key of IAM user "${userName}" is deactivated on ${cut.on}, before ` +
        `its overlap would end on ${cut.overlapEndsOn}: it reaches its maximum age ` +
        `(rotation.maxAgeDays ${settings.policy.maxAgeDays}) then. Consumers must have moved ` +
        `to the published key by ${cut.on}.`,
    );
  }
  const statusBefore: Partial<Record<Slot, KeyStatus>> = {};
  const createDates: Partial<Record<Slot, string>> = {};
  for (const [slot, id] of Object.entries(keyIds) as [Slot, string][]) {
    const key = observed.keys.find((k) => k.accessKeyId === id);
    if (key !== undefined) {
      statusBefore[slot] = key.status;
      createDates[slot] = key.createDate;
    }
  }
  const cutNow =
    recorded === undefined ? undefined : maxAgeCutToday(recorded, plan, settings, today);
  if (cutNow !== undefined && statusBefore[cutNow.slot] === "Active" && !warnedCutNow) {
    // maxAgeDays lowered past the previous key's age: no warning could come days ahead.
    warnings.push(
      `The previous access key ${keyIds[cutNow.slot]} of IAM user "${userName}" is deactivated ` +
        `now, before its overlap would end on ${cutNow.overlapEndsOn}: it reached its maximum ` +
        `age (rotation.maxAgeDays ${settings.policy.maxAgeDays}) on ${cutNow.bound}. Consumers ` +
        `still using it must move to the published key now.`,
    );
  }
  return {
    before: recorded,
    plan,
    statusBefore,
    ...(Object.keys(createDates).length > 0 && { createDates }),
    record,
    keyIds,
    ...(adoption !== undefined && { adoption }),
    ...(checked.permissionsBoundary !== undefined && {
      permissionsBoundary: checked.permissionsBoundary,
    }),
    ...(keptInUse !== undefined && { keptInUse }),
    warnings,
  };
}
