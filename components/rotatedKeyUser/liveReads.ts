/**
 * Reads, at the start of every run (preview included), what the previous runs left behind:
 * the IAM user with its tags (the rotation record), its access keys, and the published secret;
 * and, where a decision needs it, a key's last use. Only a definite "does not exist" means
 * "nothing there": any other failure (throttling, access denied, network) stops the run before
 * anything changes, because taking a failed read for a new user would re-issue the key
 * consumers are using. Not pure: Pulumi provider invokes (aws.iam.getUser,
 * aws.iam.getAccessKeys, aws.secretsmanager.getSecretVersion) and, for last use and for
 * deleting an Inactive key of an adopted user, @aws-sdk/client-iam with the program's own
 * credentials and the stack's region. ./crossCheck.ts judges what is read.
 */
import {
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  IAMClient,
  ListAccessKeysCommand,
} from "@aws-sdk/client-iam";
import { fromIni } from "@aws-sdk/credential-providers";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Observation, ObservedKey, ObservedUse } from "./crossCheck";
import { TAG_PREFIX } from "./rotationRecord";
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

/**
 * First line(s) of a provider error without the invoke boilerplate. The SDK builds an invoke's
 * error from the engine's details alone, which can be empty: then say which invoke failed and
 * how, rather than nothing.
 */
function reason(err: unknown, token: string): string {
  const text = errorText(err)
    .replace(/^invoking [^:]+:[^:]+:[^:]+: /, "")
    .replace(/\d+ errors? occurred:\s*/, "")
    .replace(/\s*\*\s*/g, " ")
    .trim();
  if (text !== "") return text;
  const kind = err instanceof Error ? err.name : typeof err;
  return `the ${token} invoke failed with no reason given (an empty ${kind})`;
}

/**
 * Everything a run observes of one managed user (see Observation). Throws, naming the user and
 * the permission, when a read fails for any reason but "does not exist".
 */
export async function observe(
  userName: string,
  secretName: string,
  opts?: pulumi.InvokeOptions,
): Promise<Observation> {
  let user: aws.iam.GetUserResult;
  try {
    user = await aws.iam.getUser({ userName }, opts);
  } catch (err) {
    if (!isNotFoundError(err, "IAM User", userName)) {
      throw new Error(
        `Cannot read the rotation record of IAM user "${userName}" (its ${TAG_PREFIX}* tags): ` +
          `${reason(err, "aws:iam/getUser:getUser")}. Stopping before any change: taking a ` +
          `failed read for a new user would re-issue the key its consumers are using. Check ` +
          `that the deploying role may call iam:GetUser on this user, then run again.`,
      );
    }
    return { user: null, keys: [], secret: null };
  }
  const [keys, secret] = await Promise.all([
    readKeys(userName, opts),
    readSecret(secretName, opts),
  ]);
  return {
    user: {
      path: user.path,
      tags: user.tags ?? {},
      ...(user.permissionsBoundary ? { permissionsBoundary: user.permissionsBoundary } : {}),
      ...(typeof user.arn === "string" && user.arn !== "" && { arn: user.arn }),
    },
    keys,
    secret,
  };
}

async function readKeys(userName: string, opts?: pulumi.InvokeOptions): Promise<ObservedKey[]> {
  try {
    const result = await aws.iam.getAccessKeys({ user: userName }, opts);
    return result.accessKeys.map((k) => ({
      accessKeyId: k.accessKeyId,
      status: k.status === "Active" ? "Active" : "Inactive",
      createDate: k.createDate,
    }));
  } catch (err) {
    throw new Error(
      `Cannot list the access keys of IAM user "${userName}": ` +
        `${reason(err, "aws:iam/getAccessKeys:getAccessKeys")}. Stopping before ` +
        `any change: the run checks its rotation record against the keys IAM holds. Check that ` +
        `the deploying role may call iam:ListAccessKeys on this user, then run again.`,
    );
  }
}

async function readSecret(
  secretName: string,
  opts?: pulumi.InvokeOptions,
): Promise<Observation["secret"]> {
  let result: aws.secretsmanager.GetSecretVersionResult;
  try {
    result = await aws.secretsmanager.getSecretVersion({ secretId: secretName }, opts);
  } catch (err) {
    if (isNotFoundError(err, "Secrets Manager Secret Version", secretName)) return null;
    throw new Error(
      `Cannot read the published key of secret "${secretName}": ` +
        `${reason(err, "aws:secretsmanager/getSecretVersion:getSecretVersion")}. Stopping ` +
        `before any change: the previous key may only be retired once the new one is seen ` +
        `published. Check that the deploying role may call secretsmanager:GetSecretValue on ` +
        `this secret, then run again.`,
    );
  }
  const written = new Date(result.createdDate);
  if (result.secretString === undefined || Number.isNaN(written.getTime())) return null;
  return {
    text: result.secretString,
    writtenOn: utcToday(written),
    ...(typeof result.arn === "string" && result.arn !== "" && { arn: result.arn }),
  };
}

/**
 * The IAM calls made with the program's own credentials (the AWS SDK, not the provider): what
 * the provider has no data source for. Replaceable in tests (`iamCalls.client = ...`).
 */
export const iamCalls = {
  /** The client; built once from the stack's aws:region and aws:profile. */
  client: undefined as IAMClient | undefined,
};

function iam(): IAMClient {
  if (iamCalls.client === undefined) {
    const profile = aws.config.profile;
    iamCalls.client = new IAMClient({
      region: aws.config.region ?? "us-east-1",
      ...(profile !== undefined && { credentials: fromIni({ profile }) }),
    });
  }
  return iamCalls.client;
}

/** A key's last use (date, service, region); null: never used. */
export async function readLastUse(accessKeyId: string): Promise<ObservedUse> {
  const out = await iam().send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }));
  const used = out.AccessKeyLastUsed;
  if (used?.LastUsedDate === undefined) return null;
  const known = (v: string | undefined) => (v === undefined || v === "N/A" ? undefined : v);
  const service = known(used.ServiceName);
  const region = known(used.Region);
  return {
    date: used.LastUsedDate.toISOString(),
    ...(service !== undefined && { service }),
    ...(region !== undefined && { region }),
  };
}

/**
 * Deletes an Inactive key of a user being adopted (only with adopt.deleteInactiveKey), after
 * checking once more that IAM still has it Inactive: an Active key is never deleted.
 */
export async function deleteInactiveKey(userName: string, accessKeyId: string): Promise<void> {
  const listed = await iam().send(new ListAccessKeysCommand({ UserName: userName }));
  const key = listed.AccessKeyMetadata?.find((k) => k.AccessKeyId === accessKeyId);
  if (key === undefined) return;
  if (key.Status !== "Inactive") {
    throw new Error(
      `Access key ${accessKeyId} of IAM user "${userName}" is ${key.Status ?? "not Inactive"} ` +
        `now: it is not deleted. Stopping; run again to see what adoption will do.`,
    );
  }
  await iam().send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId }));
}
