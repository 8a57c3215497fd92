/**
 * Reads, at the start of every run (preview included), what the previous runs left behind:
 * the rotation record in the IAM user's tags and the key consumers are being given (the
 * published secret). Only a definite "does not exist" means "nothing there": any other failure
 * (throttling, access denied, network) stops the run before anything changes, because taking a
 * failed read for a new user would re-issue the key consumers are using. Not pure: Pulumi
 * provider invokes (aws.iam.getUser, aws.secretsmanager.getSecretVersion); what they return is
 * decoded by the pure ./rotationRecord.ts and ./publishedKey.ts.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { readKeyDocument } from "./publishedKey";
import { decodeRecord, TAG_PREFIX } from "./rotationRecord";
import { awaitsPublication, Publication, RotationState, validateState } from "./rotationModel";
import { utcToday } from "../../lib/days";

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * True when a provider invoke failed because the object does not exist. The AWS provider
 * reports that as `reading <Label> (<id>): couldn't find resource` (terraform-provider-aws
 * wraps NoSuchEntity/ResourceNotFound in a NotFoundError); older providers pass the AWS error
 * code through. Anything else (AccessDenied, Throttling, ...) is not "not found".
 */
export function isNotFoundError(err: unknown, label: string, id: string): boolean {
  const text = errorText(err);
  const subject = new RegExp(`reading ${escapeRegExp(label)} \\(${escapeRegExp(id)}[^)]*\\)`);
  if (!subject.test(text)) return false;
  return /couldn't find resource|NoSuchEntity|ResourceNotFoundException|empty result/.test(text);
}

/** First line(s) of a provider error without the invoke boilerplate. */
function reason(err: unknown): string {
  return errorText(err)
    .replace(/^invoking [^:]+:[^:]+:[^:]+: /, "")
    .replace(/\d+ errors? occurred:\s*/, "")
    .replace(/\s*\*\s*/g, " ")
    .trim();
}

/**
 * The recorded rotation state of a user: `null` when the user does not exist. Throws when the
 * read fails for any other reason, when the user exists without a record, or when the record
 * is malformed; each error names the user and the tag.
 */
export async function readRecordedState(
  userName: string,
  opts?: pulumi.InvokeOptions,
  today: string = utcToday(),
): Promise<RotationState | null> {
  let result: aws.iam.GetUserResult;
  try {
    result = await aws.iam.getUser({ userName }, opts);
  } catch (err) {
    if (isNotFoundError(err, "IAM User", userName)) return null;
    throw new Error(
      `Cannot read the rotation record of IAM user "${userName}" (its ${TAG_PREFIX}* tags): ` +
        `${reason(err)}. Stopping before any change: taking a failed read for a new user would ` +
        `re-issue the key its consumers are using. Check that the deploying role may call ` +
        `iam:GetUser on this user, then run again.`,
    );
  }
  const decoded = decodeRecord(result.tags);
  if (decoded.kind === "ok") {
    const problems = validateState(decoded.state, today);
    if (problems.length === 0) return decoded.state;
    throw new Error(
      `IAM user "${userName}" has an inconsistent rotation record (its ${TAG_PREFIX}* tags): ` +
        `${problems.join(" ")} Stopping before any change; fix the tags as described in ` +
        `docs/runbooks.md, "Repairing a rotation record".`,
    );
  }
  if (decoded.kind === "none") {
    throw new Error(
      `IAM user "${userName}" exists but has no rotation record (no ${TAG_PREFIX}* tags). ` +
        `Stopping before any change. A user made outside this stack cannot be taken over in ` +
        `place: see docs/runbooks.md, "Adopting existing users". If the tags were removed by ` +
        `hand, restore them from the last run (docs/runbooks.md, "Repairing a rotation record").`,
    );
  }
  throw new Error(
    `IAM user "${userName}" has a malformed rotation record: ${decoded.problems.join(" ")} ` +
      `Stopping before any change; fix the tags as described in ` +
      `docs/runbooks.md, "Repairing a rotation record".`,
  );
}

/**
 * Parses a published secret document into what consumers are being given. Returns undefined
 * when the document is not one this program writes (hand-edited, truncated, not JSON).
 */
export function parsePublication(
  secretString: string | undefined,
  createdDate: string | undefined,
): Publication | undefined {
  if (secretString === undefined || createdDate === undefined) return undefined;
  // Only the slot and issue date matter here: they say which key consumers are given.
  const { slot, issuedOn } = readKeyDocument(secretString);
  const written = new Date(createdDate);
  if (slot === undefined || issuedOn === undefined) return undefined;
  if (Number.isNaN(written.getTime())) return undefined;
  return { slot, issuedOn, publishedOn: utcToday(written) };
}

/**
 * What the user's secret publishes now: `null` when the secret or its current version does
 * not exist, or holds a document this program did not write (then the previous key simply
 * stays Active: the safe direction). Throws on any other read failure.
 */
export async function readPublication(
  secretName: string,
  opts?: pulumi.InvokeOptions,
): Promise<Publication | null> {
  let result: aws.secretsmanager.GetSecretVersionResult;
  try {
    result = await aws.secretsmanager.getSecretVersion({ secretId: secretName }, opts);
  } catch (err) {
    if (isNotFoundError(err, "Secrets Manager Secret Version", secretName)) return null;
    throw new Error(
      `Cannot read the published key of secret "${secretName}": ${reason(err)}. Stopping ` +
        `before any change: the previous key may only be retired once the new one is seen ` +
        `published. Check that the deploying role may call secretsmanager:GetSecretValue on ` +
        `this secret, then run again.`,
    );
  }
  const publication = parsePublication(result.secretString, result.createdDate);
  if (publication === undefined) {
    void pulumi.log.warn(
      `Secret "${secretName}" does not hold a document written by iam-key-rotation; the ` +
        `previous key stays Active until the current key is published again.`,
    );
    return null;
  }
  return publication;
}

/** Everything a run needs to know from the account before planning a user. */
export interface LiveState {
  recorded: RotationState | null;
  published: Publication | null;
}

/** Reads the record of a user and, when the model needs it, what its secret publishes. */
export async function readLiveState(
  userName: string,
  secretName: string,
  opts?: pulumi.InvokeOptions,
  today: string = utcToday(),
): Promise<LiveState> {
  const recorded = await readRecordedState(userName, opts, today);
  const published = awaitsPublication(recorded) ? await readPublication(secretName, opts) : null;
  return { recorded, published };
}
