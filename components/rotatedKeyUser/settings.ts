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

/** IAM path of the managed users. */
export const DEFAULT_PATH = "/key-rotation/";
/** Secrets Manager name prefix: the secret of user U is `key-rotation/U`. */
export const DEFAULT_SECRET_PREFIX = "key-rotation/";

/** The settings a RotatedKeyUser registers as its inputs (what a policy pack sees). */
export interface RotatedKeyUserSettings {
  userName: string;
  path: string;
  secretName: string;
  rotation: RotationPolicy;
}

/**
 * The settings with every default applied: path "/key-rotation/", secret
 * "key-rotation/<userName>", the rotation policy over DEFAULT_POLICY. E.g. `{ userName: "ci",
 * rotation: { everyDays: 14 } }` gives `{ userName: "ci", path: "/key-rotation/", secretName:
 * "key-rotation/ci", rotation: { everyDays: 14, overlapDays: 7, maxAgeDays: 90 } }`.
 */
export function rotatedKeyUserSettings(args: {
  readonly userName: string;
  readonly path?: string;
  readonly secretName?: string;
  readonly rotation?: Partial<RotationPolicy>;
}): RotatedKeyUserSettings {
  return {
    userName: args.userName,
    path: args.path ?? DEFAULT_PATH,
    secretName: args.secretName ?? `${DEFAULT_SECRET_PREFIX}${args.userName}`,
    rotation: { ...DEFAULT_POLICY, ...args.rotation },
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
