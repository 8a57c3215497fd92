/**
 * `audit --organization`: the accounts of the AWS Organization (organizations:ListAccounts,
 * with the caller's credentials), then in each ACTIVE account, at most `accountConcurrency` at
 * a time, sts:AssumeRole into `role/<roleName>` and the account's inventory read with that role
 * (cli/audit/inventoryReader.ts). An account whose role cannot be assumed or whose keys cannot
 * be read is kept, unreachable, with the reason; an account that is not ACTIVE is skipped.
 * Loaded only with --organization (the Organizations client is not needed otherwise).
 */
import type { IAMClient } from "@aws-sdk/client-iam";
import { iamSdk, organizationsSdk, stsSdk } from "../sdk";
import { parseArn } from "../../lib/arn";
import { mapConcurrent } from "../../lib/pool";
import {
  awsErrorText,
  describeAwsFailure,
  failureKind,
  isAwsFailure,
  openAwsSession,
} from "../aws";
import { AwsError } from "../errors";
import type { AccountAudit } from "./auditDocument";
import type { Inventory } from "./inventory";

/** An assumed role's credentials, with when they expire. */
interface AssumedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Asked again this long before they expire (the SDK's own margin is five minutes). */
const REFRESH_BEFORE_MS = 10 * 60_000;

/** Whether credentials are about to expire at `now` (ms); never when AWS gave no expiry. */
export function expiresSoon(c: { expiration?: Date }, now: number): boolean {
  return c.expiration !== undefined && c.expiration.getTime() - now <= REFRESH_BEFORE_MS;
}

/** The role session name every assumed role shows in CloudTrail. */
export const ROLE_SESSION_NAME = "iam-key-rotation-audit";

/** Makes the clients: the caller's (Organizations, STS), and IAM as each assumed role. */
type Clients = Pick<Awaited<ReturnType<typeof openAwsSession>>, "client">;

interface OrganizationOptions {
  roleName: string;
  accountConcurrency: number;
  /** Reads one account's inventory with the IAM client of its assumed role. */
  readAccount: (iam: IAMClient, accountId: string) => Promise<Inventory>;
  /** Called with the number of accounts once they are listed, then once per account done. */
  listed?: (total: number) => void;
  done?: () => void;
}

/** Every account of the organization, sorted by id. */
async function listAccounts(
  session: Clients,
): Promise<{ id: string; name: string; status: string; partition: string }[]> {
  const org = session.client(organizationsSdk().OrganizationsClient);
  const accounts: { id: string; name: string; status: string; partition: string }[] = [];
  for await (const page of organizationsSdk().paginateListAccounts({ client: org }, {})) {
    for (const a of page.Accounts ?? []) {
      accounts.push({
        id: a.Id ?? "",
        name: a.Name ?? "",
        // `State` replaces `Status` (retired on 2026-09-09); both say ACTIVE.
        status: a.State ?? a.Status ?? "UNKNOWN",
        partition: parseArn(a.Arn ?? "")?.partition ?? "aws",
      });
    }
  }
  return accounts.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The organization's accounts, each audited, unreachable (with the reason) or skipped. Throws
 * (an AWS failure) only when the accounts cannot be listed.
 */
export async function auditOrganization(
  session: Clients,
  options: OrganizationOptions,
): Promise<AccountAudit[]> {
  const accounts = await listAccounts(session);
  if (accounts.length === 0) {
    throw new AwsError(
      "organizations:ListAccounts returned no account: are these the credentials of the " +
        "organization's management account (or a delegated administrator)?",
    );
  }
  options.listed?.(accounts.length);
  const sts = session.client(stsSdk().STSClient);
  return mapConcurrent(accounts, options.accountConcurrency, async (account) => {
    const base = { id: account.id, name: account.name };
    if (account.status !== "ACTIVE") {
      options.done?.();
      return {
        ...base,
        status: "skipped" as const,
        reason: `the account is ${account.status}, not ACTIVE`,
        inventory: null,
      };
    }
    let iam: IAMClient | undefined;
    /** Why renewing the role's credentials failed, if it did. */
    let renewal: string | undefined;
    const roleArn = `arn:${account.partition}:iam::${account.id}:role/${options.roleName}`;
    const unreachable = (reason: string) => ({
      ...base,
      status: "unreachable" as const,
      reason,
      inventory: null,
    });
    const assume = async (): Promise<AssumedCredentials | string> => {
      const out = await sts.send(
        new (stsSdk().AssumeRoleCommand)({ RoleArn: roleArn, RoleSessionName: ROLE_SESSION_NAME }),
      );
      const c = out.Credentials;
      if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined) {
        return `sts:AssumeRole of ${roleArn} returned no credentials.`;
      }
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
    };
    try {
      let current: AssumedCredentials | string;
      try {
        current = await assume();
      } catch (err) {
        if (!isAwsFailure(err)) throw err;
        return unreachable(assumeRoleFailure(err, roleArn));
      }
      if (typeof current === "string") return unreachable(current);
      // The role's credentials last an hour: an account read user by user may take longer, so
      // the client asks again when they are about to expire (the SDK calls this provider then).
      // A failed renewal makes the account unreachable with the same reason as a failed first
      // AssumeRole (the SDK hands the provider's error to the IAM call that needed it).
      let held = current;
      iam = session.client(iamSdk().IAMClient, async () => {
        if (!expiresSoon(held, Date.now())) return held;
        let again: AssumedCredentials | string;
        try {
          again = await assume();
        } catch (err) {
          if (isAwsFailure(err)) renewal = assumeRoleFailure(err, roleArn);
          throw err;
        }
        if (typeof again === "string") {
          renewal = again;
          throw new Error(again);
        }
        held = again;
        return held;
      });
      const inventory = await options.readAccount(iam, account.id);
      return { ...base, status: "audited" as const, reason: null, inventory };
    } catch (err) {
      if (renewal !== undefined) return unreachable(renewal);
      if (!isAwsFailure(err)) throw err;
      return unreachable(describeAwsFailure(err));
    } finally {
      iam?.destroy();
      options.done?.();
    }
  });
}

/**
 * Why a role could not be assumed. Denied: the caller could list the organization, so the
 * usual causes are the account's, not the caller's missing sts:AssumeRole: the role is not
 * there (OrganizationAccountAccessRole exists only in accounts the organization created, never
 * in the management account) or its trust policy does not name the caller.
 */
export function assumeRoleFailure(err: unknown, roleArn: string): string {
  if (failureKind(err) !== "denied") return describeAwsFailure(err);
  return (
    `AWS denied sts:AssumeRole of ${roleArn} (${awsErrorText(err)}): the role does not exist ` +
    `in this account, its trust policy does not allow the caller, or the caller may not ` +
    `assume it (docs/cli.md, "Every account of an organization (--organization)").`
  );
}
