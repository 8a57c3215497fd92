/**
 * New IAM access keys take a few seconds to be accepted everywhere. Before a key is published
 * (or reported as working), call STS GetCallerIdentity with it until AWS accepts it.
 * Used by RotatedKeyUser before publishing a key issued in the current run, and by
 * `iam-key-rotation verify`. Not pure: it calls STS with the key.
 */
import type * as Sts from "@aws-sdk/client-sts";

/** Loaded on first use: the CLI imports this module, and most of its commands never call STS. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sts = (): typeof Sts => require("@aws-sdk/client-sts") as typeof Sts;

interface KeyCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

interface KeyCheckOptions {
  /** AWS region for STS. Defaults to us-east-1. */
  region?: string;
  /** STS endpoint URL (a local emulator in tests). Defaults to the region's endpoint. */
  endpoint?: string;
  /** Give up after this many milliseconds. Defaults to 60,000. */
  timeoutMs?: number;
  /**
   * Give up on one call after this many milliseconds (connecting, then waiting for the answer).
   * Defaults to 10,000.
   */
  callTimeoutMs?: number;
  /** Wait between attempts. Defaults to 2,000. */
  intervalMs?: number;
}

/**
 * The identity a key signs in as. Once the deadline has passed, throws an Error whose `cause` is
 * the last error STS gave.
 */
export async function waitUntilKeyWorks(
  credentials: KeyCredentials,
  options: KeyCheckOptions = {},
): Promise<{ arn: string; account: string; attempts: number }> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const intervalMs = options.intervalMs ?? 2_000;
  const callTimeoutMs = options.callTimeoutMs ?? 10_000;
  const client = new (sts().STSClient)({
    region: options.region ?? "us-east-1",
    endpoint: options.endpoint,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
    },
    maxAttempts: 1,
    // An endpoint that accepts the connection and never answers must not hold the caller
    // (`credentials` asks STS once, as a consumer's credential_process).
    requestHandler: {
      connectionTimeout: callTimeoutMs,
      requestTimeout: callTimeoutMs,
      throwOnRequestTimeout: true,
    },
  });
  const deadline = Date.now() + timeoutMs;
  let attempts = 0;
  try {
    for (;;) {
      attempts++;
      try {
        const identity = await client.send(new (sts().GetCallerIdentityCommand)({}));
        return { arn: identity.Arn ?? "", account: identity.Account ?? "", attempts };
      } catch (err) {
        if (Date.now() + intervalMs > deadline) {
          const name = err instanceof Error ? err.name : "Error";
          const message = err instanceof Error ? err.message : String(err);
          throw new Error(
            `Access key ${credentials.accessKeyId} was not accepted by STS after ${attempts} ` +
              `attempt${attempts === 1 ? "" : "s"} in ${Math.round(timeoutMs / 1000)} s: ` +
              `${name}: ${message}`,
            { cause: err },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    }
  } finally {
    client.destroy();
  }
}
