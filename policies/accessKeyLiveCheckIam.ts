/**
 * The IAM side of accessKeyLiveCheck.ts, the optional live check: what IAM really holds for the
 * users this stack manages, compared with what the stack knows. It finds Active keys made
 * outside Pulumi (nothing rotates them) and keys the stack deactivated that someone re-activated
 * by hand.
 *
 * `checkLiveKeys` takes an `IamReader`, so tests can point it at moto_server (through
 * `createIamClient` with an endpoint) or at a fake that paginates or fails on purpose.
 */
import {
  IAMClient,
  ListAccessKeysCommand,
  ListUsersCommand,
  NoSuchEntityException,
} from "@aws-sdk/client-iam";
import { fromDay, toDay } from "../lib/days";
import { mapConcurrent } from "../lib/pool";
import { AgeBound, maximumText } from "./thresholds";

export interface LiveKey {
  id: string;
  status: string;
  createDate?: Date;
}

/** One page of a listing; `marker` is set when there is a next page. */
export interface Page<T> {
  items: T[];
  marker?: string;
}

/** The two IAM reads the check makes. */
export interface IamReader {
  /** User names under a path prefix (ListUsers). */
  listUsers(pathPrefix: string, marker?: string): Promise<Page<string>>;
  /** A user's access keys (ListAccessKeys); an empty page when the user does not exist. */
  listAccessKeys(userName: string, marker?: string): Promise<Page<LiveKey>>;
}

interface IamClientSettings {
  /** IAM is global; any commercial region signs for it. */
  region: string;
  /** Endpoint override (a local moto_server in tests). Defaults to AWS's. */
  endpoint?: string;
  /** Attempts per call, first one included. */
  maxAttempts: number;
}

/**
 * An IAM client that retries throttled calls with the SDK's adaptive mode (exponential backoff
 * plus a client-side rate limiter that slows down after throttling errors). Credentials come
 * from the default chain: the same identity that runs the preview.
 */
export function createIamClient(settings: IamClientSettings): IAMClient {
  return new IAMClient({
    region: settings.region,
    ...(settings.endpoint !== undefined ? { endpoint: settings.endpoint } : {}),
    maxAttempts: settings.maxAttempts,
    retryMode: "adaptive",
  });
}

export function iamReader(client: IAMClient): IamReader {
  return {
    async listUsers(pathPrefix, marker) {
      const out = await client.send(
        new ListUsersCommand({ PathPrefix: pathPrefix, Marker: marker }),
      );
      return {
        items: (out.Users ?? []).flatMap((u) => (u.UserName ? [u.UserName] : [])),
        marker: out.IsTruncated ? out.Marker : undefined,
      };
    },
    async listAccessKeys(userName, marker) {
      try {
        const out = await client.send(
          new ListAccessKeysCommand({ UserName: userName, Marker: marker }),
        );
        return {
          items: (out.AccessKeyMetadata ?? []).flatMap((k) =>
            k.AccessKeyId
              ? [{ id: k.AccessKeyId, status: k.Status ?? "Active", createDate: k.CreateDate }]
              : [],
          ),
          marker: out.IsTruncated ? out.Marker : undefined,
        };
      } catch (err) {
        // Deleted between ListUsers and now: nothing to check.
        if (err instanceof NoSuchEntityException) return { items: [] };
        throw err;
      }
    },
  };
}

/** A user this stack declares, with the access keys the stack declares for it. */
export interface ManagedUser {
  name: string;
  /** IAM path of the user ("/" when the stack sets none). */
  path: string;
  /** URN the findings about this user are reported against. */
  urn: string;
  /** The maximum age of its keys (its RotatedKeyUser's); the options' maxAgeDays when absent. */
  maxAge?: AgeBound;
  keys: StackKey[];
}

interface StackKey {
  /** The access key id; undefined while this update creates or replaces the key. */
  id: string | undefined;
  /** The status the stack sets ("Active" / "Inactive"); undefined when not known. */
  status: string | undefined;
}

interface LiveCheckOptions {
  /** The pack's maximum age: for users without a maxAge of their own. */
  maxAgeDays: number;
  /** Day number (days since 1970-01-01, UTC) ages are computed at. */
  today: number;
  /** Most ListAccessKeys calls in flight at once. */
  concurrency: number;
}

interface LiveFinding {
  urn: string;
  message: string;
}

/** An IAM read that failed; the policy reports it instead of crashing the preview. */
export class LiveCheckError extends Error {
  constructor(
    readonly operation: string,
    readonly cause: unknown,
  ) {
    super(`${operation} failed: ${describe(cause)}`);
    this.name = "LiveCheckError";
  }

  /** AccessDenied or its variants: the identity running the preview may not read IAM. */
  get accessDenied(): boolean {
    const name = (this.cause as { name?: unknown } | undefined)?.name;
    return typeof name === "string" && /AccessDenied|UnauthorizedOperation/.test(name);
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

async function attempt<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new LiveCheckError(operation, err);
  }
}

/** Every page of a marker-paginated listing. */
async function all<T>(
  operation: string,
  page: (marker?: string) => Promise<Page<T>>,
): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let marker: string | undefined;
  do {
    const result = await attempt(operation, () => page(marker));
    items.push(...result.items);
    marker = result.marker;
    if (marker !== undefined) {
      if (seen.has(marker)) throw new LiveCheckError(operation, `marker ${marker} repeated`);
      seen.add(marker);
    }
  } while (marker !== undefined);
  return items;
}

/**
 * Lists the live keys of the stack's users and returns what the stack does not account for:
 * Active keys the stack does not manage, keys the stack deactivated that are Active in IAM, and
 * keys that are Inactive in IAM, older than the maximum age (or of unreadable age), that this
 * update makes Active again (the stack's planned status is Active: only IAM still holds the
 * status before the update). Users that do not exist yet (this update creates them) are
 * skipped. While this update creates or replaces keys of a user, a live key the stack does not
 * list may be the one being replaced, so that user's unmanaged keys are checked by the next
 * preview, not this one. Throws LiveCheckError when an IAM read fails.
 */
export async function checkLiveKeys(
  users: readonly ManagedUser[],
  reader: IamReader,
  options: LiveCheckOptions,
): Promise<LiveFinding[]> {
  const existing = new Set<string>();
  for (const path of [...new Set(users.map((u) => u.path))].sort()) {
    const names = await all(`ListUsers(PathPrefix=${path})`, (m) => reader.listUsers(path, m));
    for (const name of names) existing.add(name.toLowerCase());
  }
  const present = users.filter((u) => existing.has(u.name.toLowerCase()));
  const live = await mapConcurrent(present, options.concurrency, (user) =>
    all(`ListAccessKeys(UserName=${user.name})`, (m) => reader.listAccessKeys(user.name, m)),
  );

  const findings: LiveFinding[] = [];
  present.forEach((user, i) => {
    const declared = new Map(user.keys.flatMap((k) => (k.id ? [[k.id, k] as const] : [])));
    const pending = user.keys.some((k) => k.id === undefined);
    const maxAge = user.maxAge ?? { days: options.maxAgeDays };
    for (const key of live[i]) {
      const stackKey = declared.get(key.id);
      if (key.status !== "Active") {
        if (stackKey?.status === "Active" && isStale(key, maxAge, options.today)) {
          findings.push({
            urn: user.urn,
            message: reactivatingMessage(user.name, key, maxAge, options.today),
          });
        }
        continue;
      }
      if (stackKey?.status === "Inactive") {
        findings.push({ urn: user.urn, message: reactivatedMessage(user.name, key.id) });
      } else if (stackKey === undefined && !pending) {
        findings.push({
          urn: user.urn,
          message: unmanagedMessage(user.name, key, maxAge, options.today),
        });
      }
    }
  });
  return findings;
}

/** The creation day IAM gives a key, or undefined when it gives none it can be read from. */
function createdOn(key: LiveKey): number | undefined {
  if (key.createDate === undefined || Number.isNaN(key.createDate.getTime())) return undefined;
  return toDay(key.createDate);
}

/** Older than the maximum age, or of unreadable age (which counts as stale). */
function isStale(key: LiveKey, maxAge: AgeBound, today: number): boolean {
  const created = createdOn(key);
  return created === undefined || today - created > maxAge.days;
}

function unmanagedMessage(user: string, key: LiveKey, maxAge: AgeBound, today: number): string {
  const lastUsed = `aws iam get-access-key-last-used --access-key-id ${key.id}`;
  const fix =
    `Find its consumers (${lastUsed}), move them to the key this stack publishes, ` +
    `then deactivate and delete ${key.id}.`;
  const created = createdOn(key);
  if (created === undefined) {
    return (
      `IAM user "${user}" has an Active access key ${key.id} that this stack does not manage and ` +
      `whose creation date IAM does not give, so it counts as older than ${maximumText(maxAge)}. ${fix}`
    );
  }
  const age = today - created;
  if (age > maxAge.days) {
    return (
      `IAM user "${user}" has an Active access key ${key.id} that this stack does not manage and ` +
      `that is ${age} days old (created ${fromDay(created)}), over ${maximumText(maxAge)}. ${fix}`
    );
  }
  return (
    `IAM user "${user}" has an Active access key ${key.id} (created ${fromDay(created)}) that ` +
    `this stack does not manage, so nothing rotates it. ${fix}`
  );
}

function reactivatingMessage(user: string, key: LiveKey, maxAge: AgeBound, today: number): string {
  const created = createdOn(key);
  const age =
    created === undefined
      ? `of unknown age (IAM gives no creation date, so it counts as older than ${maximumText(maxAge)})`
      : `${today - created} days old (created ${fromDay(created)}), over ${maximumText(maxAge)}`;
  return (
    `Access key ${key.id} of IAM user "${user}" is Inactive in IAM and ${age}, and this update ` +
    `makes it Active again. A stale key must not come back: find out why the stack plans it ` +
    `Active (an edited key-rotation:* tag record, a Pulumi CLI older than 3.208.0 that ignores ` +
    `replacementTrigger, a key whose state was edited) and do not deploy until it plans the key ` +
    `Inactive; rotate the user instead.`
  );
}

function reactivatedMessage(user: string, id: string): string {
  return (
    `Access key ${id} of IAM user "${user}" is Active in IAM although this stack deactivated it: ` +
    `it was re-activated outside Pulumi. Run \`pulumi up --refresh\` to deactivate it again, and ` +
    `move whoever needed it to the key this stack publishes.`
  );
}

/** What the policy reports when IAM could not be read. */
export function liveCheckErrorMessage(err: LiveCheckError): string {
  if (err.accessDenied) {
    return (
      `The live check could not read IAM (${err.message}). Allow the identity that runs the ` +
      `preview iam:ListUsers and iam:ListAccessKeys on the managed users, or turn the check ` +
      `off with liveCheck: false.`
    );
  }
  return (
    `The live check could not read IAM (${err.message}). Check the AWS credentials and ` +
    `endpoint the preview uses, or turn the check off with liveCheck: false.`
  );
}
