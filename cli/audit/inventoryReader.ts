/**
 * Reads the audit's inventory (cli/audit/inventory.ts): every IAM user and access key of the
 * account (or of a path prefix), the cheap way when possible: the credential report costs a
 * handful of calls for any number of users (GenerateCredentialReport until COMPLETE,
 * GetCredentialReport). `fresh`, a report not ready within the wait, a report older than the
 * threshold, or one this parser cannot read fall back to ListUsers + ListAccessKeys +
 * GetAccessKeyLastUsed per user, with bounded concurrency; so does, for that user only, a report
 * row with an Active key but no creation date. Whether a user has a console password
 * (setup-key) and the root user's keys are known from the report only.
 */
import type { IAMClient, User } from "@aws-sdk/client-iam";
import { iamSdk } from "../sdk";
import { mapConcurrent } from "../../lib/pool";
import { isoSecond, plural } from "../format";
import { Progress } from "../progress";
import { parseCredentialReport, ReportFormatError } from "./credentialReport";
import type { Inventory, InventoryKey, InventoryUser } from "./inventory";

interface InventoryOptions {
  /** Only users whose path starts with this ("/" for all). */
  pathPrefix: string;
  /** Skip the credential report. */
  fresh: boolean;
  /** Fall back when the report was generated longer ago than this. */
  maxReportAgeHours: number;
  /** Wait at most this long for GenerateCredentialReport to say COMPLETE. */
  reportWaitSeconds: number;
  /** Users read in parallel on the fallback path. */
  concurrency: number;
  /** The clock the report's age is measured with. */
  now: Date;
  /** Says why the slow path is taken (one line, no newline). */
  notice: (text: string) => void;
  progress: (total: number) => Progress;
  /** Waits between GenerateCredentialReport calls. */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Drops the milliseconds: the credential report's precision, so both paths agree. */
function toSecond(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function byName(a: InventoryUser, b: InventoryUser): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function sorted(users: InventoryUser[]): InventoryUser[] {
  for (const user of users) user.keys.sort(byCreation);
  return users.sort(byName);
}

/** Oldest first; a key of unknown date (root only) last. */
function byCreation(a: InventoryKey, b: InventoryKey): number {
  return (a.createdAt?.getTime() ?? Infinity) - (b.createdAt?.getTime() ?? Infinity);
}

const isNoSuchEntity = (err: unknown) =>
  (err as Error).name === "NoSuchEntityException" || (err as Error).name === "NoSuchEntity";

/** "alice", "alice and bob", "alice, bob and 3 more users" */
function namesText(names: readonly string[]): string {
  if (names.length <= 2) return names.join(" and ");
  if (names.length === 3) return `${names[0]}, ${names[1]} and ${names[2]}`;
  return `${names[0]}, ${names[1]} and ${plural(names.length - 2, "more user")}`;
}

/**
 * "Not ready yet" from GetCredentialReport: SDK v3 names the exceptions by class
 * (CredentialReport*Exception) and keeps the query protocol's code (Report*) in `Code`.
 */
const NOT_READY = new Set([
  "CredentialReportNotReadyException",
  "CredentialReportNotPresentException",
  "CredentialReportExpiredException",
  "ReportInProgress",
  "ReportNotPresent",
  "ReportExpired",
]);

function isNotReady(err: unknown): boolean {
  const { name, Code } = err as { name?: string; Code?: string };
  return NOT_READY.has(name ?? "") || NOT_READY.has(Code ?? "");
}

/** The report's CSV and generation time, or undefined if not COMPLETE within the wait. */
async function fetchReport(
  iam: IAMClient,
  waitSeconds: number,
  sleep: (ms: number) => Promise<void>,
): Promise<{ csv: string; generatedAt: Date } | undefined> {
  const deadline = Date.now() + waitSeconds * 1000;
  let delay = 250;
  for (;;) {
    const state = (await iam.send(new (iamSdk().GenerateCredentialReportCommand)({}))).State;
    if (state === "COMPLETE") {
      try {
        const report = await iam.send(new (iamSdk().GetCredentialReportCommand)({}));
        const csv = Buffer.from(report.Content ?? new Uint8Array()).toString("utf8");
        if (report.GeneratedTime === undefined) {
          throw new ReportFormatError("GetCredentialReport returned no GeneratedTime.");
        }
        return { csv, generatedAt: report.GeneratedTime };
      } catch (err) {
        if (!isNotReady(err)) throw err;
      }
    }
    if (Date.now() + delay > deadline) return undefined;
    await sleep(delay);
    delay = Math.min(delay * 2, 2000);
  }
}

/** "12 min", "4 h 1 min" below two days, "4311 days" above. */
function formatAge(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  return `${Math.floor(minutes / (24 * 60))} days`;
}

async function fromReport(
  iam: IAMClient,
  options: InventoryOptions,
): Promise<Inventory | undefined> {
  const report = await fetchReport(iam, options.reportWaitSeconds, options.sleep ?? defaultSleep);
  if (report === undefined) {
    options.notice(
      `the credential report was not ready within ${options.reportWaitSeconds} s ` +
        `(--report-wait); reading every user's keys instead.`,
    );
    return undefined;
  }
  const age = options.now.getTime() - report.generatedAt.getTime();
  if (age > options.maxReportAgeHours * 3_600_000) {
    options.notice(
      `the credential report was generated ${isoSecond(report.generatedAt)}, ` +
        `${formatAge(age)} ago (more than --max-report-age ${options.maxReportAgeHours} h); ` +
        `reading every user's keys instead.`,
    );
    return undefined;
  }
  let parsed: ReturnType<typeof parseCredentialReport>;
  try {
    parsed = parseCredentialReport(report.csv);
  } catch (err) {
    if (!(err instanceof ReportFormatError)) throw err;
    options.notice(
      `cannot read the credential report (${err.message}); reading every user's keys instead.`,
    );
    return undefined;
  }
  let users = parsed.users.filter((u) => u.path.startsWith(options.pathPrefix));
  const unreadable = new Set(parsed.unreadable);
  const reread = users.filter((u) => unreadable.has(u.name));
  if (reread.length > 0) {
    options.notice(
      `the credential report shows an Active access key without a creation date for ` +
        `${namesText(reread.map((u) => u.name).sort())}; reading ` +
        `${reread.length === 1 ? "that user's" : "those users'"} keys instead.`,
    );
    const gone = new Set<string>();
    await mapConcurrent(reread, options.concurrency, async (user) => {
      const keys = await keysOf(iam, user.name);
      if (keys === undefined) gone.add(user.name);
      else user.keys = keys;
    });
    users = users.filter((u) => !gone.has(u.name));
  }
  const root = options.pathPrefix === "/" && parsed.root !== undefined ? [parsed.root] : [];
  return {
    source: "credential-report",
    reportGeneratedAt: report.generatedAt,
    users: [...sorted(root), ...sorted(users)],
  };
}

async function keysOf(iam: IAMClient, userName: string): Promise<InventoryKey[] | undefined> {
  const keys: InventoryKey[] = [];
  try {
    for await (const page of iamSdk().paginateListAccessKeys(
      { client: iam },
      { UserName: userName },
    )) {
      for (const meta of page.AccessKeyMetadata ?? []) {
        const used = (
          await iam.send(
            new (iamSdk().GetAccessKeyLastUsedCommand)({ AccessKeyId: meta.AccessKeyId }),
          )
        ).AccessKeyLastUsed;
        const known = (value: string | undefined) =>
          value === undefined || value === "N/A" ? null : value;
        keys.push({
          accessKeyId: meta.AccessKeyId!,
          status: meta.Status === "Active" ? "Active" : "Inactive",
          createdAt: toSecond(meta.CreateDate!),
          lastUsedAt: used?.LastUsedDate ? toSecond(used.LastUsedDate) : null,
          lastUsedService: used?.LastUsedDate ? known(used.ServiceName) : null,
          lastUsedRegion: used?.LastUsedDate ? known(used.Region) : null,
        });
      }
    }
  } catch (err) {
    // Deleted while we were reading: it has no keys any more.
    if (isNoSuchEntity(err)) return undefined;
    throw err;
  }
  return keys;
}

async function fromApi(iam: IAMClient, options: InventoryOptions): Promise<Inventory> {
  const listed: User[] = [];
  for await (const page of iamSdk().paginateListUsers(
    { client: iam, pageSize: 1000 },
    { PathPrefix: options.pathPrefix },
  )) {
    listed.push(...(page.Users ?? []));
  }
  const bar = options.progress(listed.length);
  try {
    const users = await mapConcurrent(listed, options.concurrency, async (user) => {
      const keys = await keysOf(iam, user.UserName!);
      bar.tick();
      if (keys === undefined) return undefined;
      const read: InventoryUser = {
        name: user.UserName!,
        arn: user.Arn!,
        path: user.Path ?? "/",
        createdAt: toSecond(user.CreateDate!),
        passwordEnabled: null,
        keys,
      };
      return read;
    });
    const found = users.filter((u): u is InventoryUser => u !== undefined);
    return { source: "api", reportGeneratedAt: null, users: sorted(found) };
  } finally {
    bar.done();
  }
}

export async function readInventory(iam: IAMClient, options: InventoryOptions): Promise<Inventory> {
  if (!options.fresh) {
    const inventory = await fromReport(iam, options);
    if (inventory !== undefined) return inventory;
  }
  return fromApi(iam, options);
}
