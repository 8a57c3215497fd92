/**
 * The one ARN parser: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, where the resource may
 * itself contain ":" (`arn:aws:cloudwatch:us-east-1:123456789012:alarm:name`). Pure.
 */

export interface Arn {
  partition: string;
  service: string;
  /** Empty for global services (IAM). */
  region: string;
  /** Empty for AWS-owned resources (`arn:aws:iam::aws:policy/...` has "aws"). */
  accountId: string;
  resource: string;
}

/** The parts of an ARN, or undefined when `text` is not one. */
export function parseArn(text: string): Arn | undefined {
  const parts = text.split(":");
  if (parts.length < 6 || parts[0] !== "arn" || parts[1] === "" || parts[2] === "") {
    return undefined;
  }
  const [, partition, service, region, accountId] = parts;
  return { partition, service, region, accountId, resource: parts.slice(5).join(":") };
}

/** The 12-digit account of an ARN, or undefined when it has none. */
export function accountOf(arn: string | undefined): string | undefined {
  const accountId = arn === undefined ? undefined : parseArn(arn)?.accountId;
  return accountId !== undefined && /^\d{12}$/.test(accountId) ? accountId : undefined;
}
