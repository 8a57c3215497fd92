/**
 * Settings of the RotatedKeyUser component: its defaults (the IAM path, the secret name, the
 * rotation policy) and the validation of its arguments, every problem a sentence that names the
 * field. Pure: no Pulumi import, so program/stackConfig.ts and the CLI share the defaults.
 */
import {
  DEFAULT_POLICY,
  RotationPolicy,
  validatePolicy,
  validateRevocation,
} from "./rotationModel";
import { parseArn } from "../../lib/arn";

/** IAM path of the managed users. */
export const DEFAULT_PATH = "/key-rotation/";
/** Secrets Manager name prefix: the secret of user U is `key-rotation/U`. */
export const DEFAULT_SECRET_PREFIX = "key-rotation/";

/**
 * The settings a RotatedKeyUser registers as its inputs and in its outputs (what a policy pack
 * sees, at resource and at stack validation).
 */
export interface RotatedKeyUserSettings {
  userName: string;
  path: string;
  secretName: string;
  rotation: RotationPolicy;
  /** The user existed before the stack and is taken over in place. */
  adopt: boolean;
  /** The user may read its own secret (an inline policy on the user). */
  selfRead: boolean;
}

/**
 * The settings with every default applied: path "/key-rotation/", secret
 * "key-rotation/<userName>", the rotation policy over DEFAULT_POLICY, not adopted, self-read on.
 * E.g. `{ userName: "ci", rotation: { everyDays: 14 } }` gives `{ userName: "ci", path:
 * "/key-rotation/", secretName: "key-rotation/ci", rotation: { everyDays: 14, overlapDays: 7,
 * maxAgeDays: 90 }, adopt: false, selfRead: true }`.
 */
export function rotatedKeyUserSettings(args: {
  readonly userName: string;
  readonly path?: string;
  readonly secretName?: string;
  readonly rotation?: Partial<RotationPolicy>;
  readonly adopt?: boolean | { readonly deleteInactiveKey?: boolean };
  readonly selfRead?: boolean;
}): RotatedKeyUserSettings {
  return {
    userName: args.userName,
    path: args.path ?? DEFAULT_PATH,
    secretName: args.secretName ?? `${DEFAULT_SECRET_PREFIX}${args.userName}`,
    rotation: { ...DEFAULT_POLICY, ...args.rotation },
    adopt: args.adopt !== undefined && args.adopt !== false,
    selfRead: args.selfRead ?? true,
  };
}

/**
 * Every problem with a RotatedKeyUser's settings and its revocation date on `today`, each naming
 * its field (`[rotation.overlapDays] must be smaller than [rotation.everyDays] (got 7 and 7).`).
 */
export function validateRotatedKeyUserArgs(
  settings: RotatedKeyUserSettings,
  revokeIssuedBefore: string | undefined,
  today: string,
): string[] {
  return [
    ...validatePolicy(settings.rotation),
    ...(revokeIssuedBefore === undefined ? [] : validateRevocation(revokeIssuedBefore, today)),
  ];
}

/** An IAM policy document as plain data. */
interface PolicyDocument {
  Version: "2012-10-17";
  Statement: {
    Sid: string;
    Effect: "Allow";
    Action: string | string[];
    Resource: string;
    Condition?: Record<string, Record<string, string>>;
  }[];
}

/** The name of the self-read inline policy on each managed user. */
export const SELF_READ_POLICY_NAME = "iam-key-rotation-self-read";

/**
 * The inline policy that lets a managed user read exactly its own secret: GetSecretValue and
 * DescribeSecret on that one ARN (nothing else: no other secret, no ListSecrets) and, when the
 * secret is encrypted with a customer managed key, kms:Decrypt of that secret only, through
 * Secrets Manager in its region (the AWS managed key aws/secretsmanager needs no grant).
 */
export function selfReadPolicy(
  secretArn: string,
  region: string,
  customerKey: boolean,
): PolicyDocument {
  const document: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadOwnSecret",
        Effect: "Allow",
        Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
        Resource: secretArn,
      },
    ],
  };
  if (customerKey) {
    document.Statement.push({
      Sid: "DecryptOwnSecret",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: {
        StringEquals: {
          "kms:ViaService": `secretsmanager.${region}.amazonaws.com`,
          "kms:EncryptionContext:SecretARN": secretArn,
        },
      },
    });
  }
  return document;
}

/**
 * A stable child-name suffix for a policy attachment: owner and policy name
 * (`aws-ReadOnlyAccess`, `123456789012-deploy`), so reordering the list changes nothing.
 */
export function policyLabel(arn: string): string {
  const parsed = parseArn(arn);
  const resource = parsed?.resource ?? "";
  const policyName = resource.split("/").pop() ?? resource;
  return `${parsed?.accountId ?? ""}-${policyName}`;
}
