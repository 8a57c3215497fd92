/**
 * AWS clients for the CLI, configured the way the AWS CLI is: `--region`, `--profile`,
 * `--endpoint-url`, and the environment (AWS_REGION, AWS_DEFAULT_REGION, AWS_PROFILE,
 * AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, AWS_MAX_ATTEMPTS).
 * Shared by `audit` and `verify`. Every client retries with the SDK's adaptive mode (client-side
 * rate limiting on throttling), counts its calls, and tags its errors with the IAM action
 * (`iam:GenerateCredentialReport`) so an AccessDenied names the missing permission.
 */
import type { IAMClient, IAMClientConfig } from "@aws-sdk/client-iam";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { credentialProvidersSdk, iamSdk, secretsManagerSdk, stsSdk } from "./sdk";
import { Command } from "commander";
import { AwsError, UsageError } from "./errors";
import { oneLine } from "./format";

export interface AwsOptions {
  region?: string;
  profile?: string;
  endpointUrl?: string;
}

/**
 * Adds --region, --profile and --endpoint-url, as the AWS CLI spells them. `regionDefault`
 * describes where the region comes from when --region is not given.
 */
export function addAwsOptions(
  cmd: Command,
  regionDefault = "AWS_REGION, AWS_DEFAULT_REGION, then the profile's region",
  profileHelp = "named profile of ~/.aws/config and ~/.aws/credentials (default: AWS_PROFILE)",
): Command {
  return cmd
    .option("--region <region>", `AWS region (default: ${regionDefault})`)
    .option("--profile <name>", profileHelp)
    .option(
      "--endpoint-url <url>",
      "send every AWS request to this URL, e.g. a local emulator (default: AWS_ENDPOINT_URL)",
    );
}

/** Number of AWS API calls by action (`iam:ListUsers`), and of HTTP requests (retries included). */
class ApiStats {
  readonly calls = new Map<string, number>();
  requests = 0;

  get total(): number {
    let n = 0;
    for (const count of this.calls.values()) n += count;
    return n;
  }

  /** `API calls: 3 (iam:GenerateCredentialReport 2, iam:GetCredentialReport 1); HTTP requests: 3.` */
  format(): string {
    const parts = [...this.calls.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([action, count]) => `${action} ${count}`);
    return (
      `API calls: ${this.total}${parts.length > 0 ? ` (${parts.join(", ")})` : ""}; ` +
      `HTTP requests: ${this.requests}.`
    );
  }
}

/** The settings every client of a session shares, as a client constructor takes them. */
interface SessionClientConfig {
  region: string;
  endpoint: string | undefined;
  maxAttempts: number;
  retryMode: "adaptive";
  profile?: string;
  credentials?: IAMClientConfig["credentials"];
}

interface AwsSession {
  /** The region requests are signed for (IAM is global: us-east-1 when none is configured). */
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
  readonly stats: ApiStats;
  iam(): IAMClient;
  secretsManager(): SecretsManagerClient;
  /**
   * Any other client (e.g. of a global service: Organizations, STS), configured and counted
   * like `iam()`; `credentials` makes it act as another identity (an assumed role).
   */
  client<C extends { middlewareStack: unknown; destroy(): void }>(
    Client: new (config: SessionClientConfig) => C,
    credentials?: IAMClientConfig["credentials"],
  ): C;
  destroy(): void;
}

const SERVICE_OF_CLIENT: Record<string, string> = {
  IAMClient: "iam",
  SecretsManagerClient: "secretsmanager",
  STSClient: "sts",
};

/** The IAM action a failed call needed, e.g. `iam:GenerateCredentialReport`. */
const actionOfError = new WeakMap<object, string>();

function actionOf(clientName = "", commandName = ""): string {
  const service = SERVICE_OF_CLIENT[clientName] ?? clientName.replace(/Client$/, "").toLowerCase();
  return `${service}:${commandName.replace(/Command$/, "")}`;
}

function instrument<T extends { middlewareStack: unknown }>(client: T, stats: ApiStats): T {
  // The middlewares below only read the context and pass arguments through, so one typing
  // (IAM's) serves every client.
  const stack = client.middlewareStack as IAMClient["middlewareStack"];
  stack.add(
    (next, context) => async (args) => {
      const action = actionOf(context.clientName, context.commandName);
      stats.calls.set(action, (stats.calls.get(action) ?? 0) + 1);
      try {
        return await next(args);
      } catch (err) {
        if (typeof err === "object" && err !== null) actionOfError.set(err, action);
        throw err;
      }
    },
    { step: "initialize", name: "iamKeyRotationApiStats" },
  );
  // Inside the retry loop: once per HTTP attempt.
  stack.add(
    (next) => (args) => {
      stats.requests++;
      return next(args);
    },
    { step: "deserialize", name: "iamKeyRotationHttpRequests" },
  );
  return client;
}

function validEndpoint(url: string, source: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${source} must be an http(s) URL (got ${JSON.stringify(url)}).`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new UsageError(`${source} must be an http(s) URL (got ${JSON.stringify(url)}).`);
  }
  return url;
}

/** The region of a named profile (or the default one) from ~/.aws/config, if any. */
export async function profileRegion(profile: string | undefined): Promise<string | undefined> {
  const probe = new (stsSdk().STSClient)(profile !== undefined ? { profile } : {});
  try {
    return await probe.config.region();
  } catch {
    return undefined;
  } finally {
    probe.destroy();
  }
}

/** `--endpoint-url`, else AWS_ENDPOINT_URL, checked to be an http(s) URL; else none. */
export function resolveEndpoint(options: AwsOptions, env: NodeJS.ProcessEnv): string | undefined {
  if (options.endpointUrl !== undefined)
    return validEndpoint(options.endpointUrl, "--endpoint-url");
  return env.AWS_ENDPOINT_URL ? validEndpoint(env.AWS_ENDPOINT_URL, "AWS_ENDPOINT_URL") : undefined;
}

/** AWS_MAX_ATTEMPTS (attempts per call, retries included), else `fallback`. */
export function resolveMaxAttempts(env: NodeJS.ProcessEnv, fallback: number): number {
  const text = env.AWS_MAX_ATTEMPTS ?? String(fallback);
  if (!/^[1-9]\d*$/.test(text)) {
    throw new UsageError(`AWS_MAX_ATTEMPTS must be a whole number from 1 (got "${text}").`);
  }
  return Number(text);
}

/**
 * A Secrets Manager client that signs with exactly `credentials`, never with the default chain
 * (no profile, no environment): the `credentials` command uses it with its cached key, so a
 * profile whose credential_process is that command can never call it again. Its calls time out
 * after `timeoutMs` per attempt.
 */
export function secretsManagerWithKey(
  credentials: { accessKeyId: string; secretAccessKey: string },
  settings: { region: string; endpoint?: string; maxAttempts: number; timeoutMs: number },
): SecretsManagerClient {
  return instrument(
    new (secretsManagerSdk().SecretsManagerClient)({
      region: settings.region,
      endpoint: settings.endpoint,
      maxAttempts: settings.maxAttempts,
      retryMode: "adaptive",
      credentials: {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
      },
      requestHandler: {
        connectionTimeout: settings.timeoutMs,
        requestTimeout: settings.timeoutMs,
        // Without it the SDK only logs a warning and keeps waiting on an endpoint that accepted
        // the connection but never answers: a consumer's credential_process would hang.
        throwOnRequestTimeout: true,
      },
    }),
    new ApiStats(),
  );
}

/**
 * Resolves the options like the AWS CLI: `--profile` wins over keys in the environment, which
 * win over AWS_PROFILE; `--region` over `defaults.region` (a stack's aws:region) over
 * AWS_REGION over AWS_DEFAULT_REGION over the profile's region.
 */
export async function openAwsSession(
  options: AwsOptions,
  env: NodeJS.ProcessEnv,
  defaults: { region?: string } = {},
): Promise<AwsSession> {
  const endpoint = resolveEndpoint(options, env);
  const maxAttempts = resolveMaxAttempts(env, 10);

  // A profile is read from the AWS config files only (like the AWS CLI), so keys in the
  // environment can neither override it nor trigger the SDK's "multiple sources" warning.
  const fromProfile = (profile: string) => ({
    profile,
    credentials: credentialProvidersSdk().fromIni({ profile }),
  });
  let identity: { profile?: string; credentials?: IAMClientConfig["credentials"] } = {};
  if (options.profile !== undefined) {
    identity = fromProfile(options.profile);
  } else if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    identity = {
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
        ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
      },
    };
  } else if (env.AWS_PROFILE) {
    identity = fromProfile(env.AWS_PROFILE);
  }

  const region =
    options.region ??
    defaults.region ??
    (env.AWS_REGION || undefined) ??
    (env.AWS_DEFAULT_REGION || undefined) ??
    (await profileRegion(identity.profile));

  const stats = new ApiStats();
  const clients: { destroy(): void }[] = [];
  const base = {
    endpoint,
    maxAttempts,
    retryMode: "adaptive" as const,
    ...identity,
  };
  return {
    region,
    endpoint,
    stats,
    iam() {
      const client = instrument(
        new (iamSdk().IAMClient)({ ...base, region: region ?? "us-east-1" }),
        stats,
      );
      clients.push(client);
      return client;
    },
    secretsManager() {
      if (region === undefined) {
        throw new UsageError(
          "no AWS region: pass --region, set AWS_REGION, or set aws:region in the stack.",
        );
      }
      const client = instrument(
        new (secretsManagerSdk().SecretsManagerClient)({ ...base, region }),
        stats,
      );
      clients.push(client);
      return client;
    },
    client(Client, credentials) {
      const config = { ...base, region: region ?? "us-east-1" };
      const client = instrument(
        new Client(
          credentials === undefined ? config : { ...config, profile: undefined, credentials },
        ),
        stats,
      );
      clients.push(client);
      return client;
    },
    destroy() {
      for (const client of clients) client.destroy();
    },
  };
}

/** Error names that mean "these credentials may not do that". */
const DENIED = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "UnauthorizedAccess",
]);
/** Error names that mean "AWS does not accept these credentials at all". */
export const REJECTED_CREDENTIALS = new Set([
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "ExpiredTokenException",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "IncompleteSignature",
  "InvalidAccessKeyId",
]);
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

/**
 * What an AWS failure means for the credentials that signed the call: AWS does not accept them
 * at all (`rejected`: unknown, deleted or Inactive key, wrong secret), they may not do this
 * (`denied`), or anything else (`other`: unreachable, throttled, a 5xx, an error page).
 */
export function failureKind(err: unknown): "rejected" | "denied" | "other" {
  const e = (typeof err === "object" && err !== null ? err : {}) as SdkErrorShape;
  const name = e.name ?? "";
  if (REJECTED_CREDENTIALS.has(name)) return "rejected";
  if (DENIED.has(name) || e.$metadata?.httpStatusCode === 403) return "denied";
  return "other";
}

/** True for an error raised by an AWS SDK call (service, credentials or network). */
export function isAwsFailure(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as SdkErrorShape;
  return (
    actionOfError.has(err) ||
    e.$metadata !== undefined ||
    e.name === "CredentialsProviderError" ||
    (e.code !== undefined && NETWORK_CODES.has(e.code))
  );
}

/**
 * First line of an SDK message, printable (the server wrote it: no control characters, no
 * line breaks, bounded); the SDK's "Deserialization error" text says nothing useful.
 */
function cleanMessage(e: SdkErrorShape): string {
  const text = oneLine((e.message ?? "").split("\n")[0].trim());
  if (text === "" || /^Deserialization error/.test(text) || text === "UnknownError") {
    return e.$metadata?.httpStatusCode !== undefined ? `HTTP ${e.$metadata.httpStatusCode}` : "";
  }
  return text;
}

/**
 * Names the SDK gives an error when the answer had no AWS error in it: a query-protocol (IAM,
 * STS) error page that is not AWS XML is "Unknown"; a JSON-protocol (Secrets Manager) answer
 * that is not JSON is the parser's SyntaxError, an empty one "Unknown"/"UnknownError".
 */
const UNPARSED_NAMES = new Set(["Unknown", "UnknownError", "SyntaxError"]);

/**
 * True for an HTTP answer the SDK could not read as an AWS error: a proxy's or load balancer's
 * HTML error page (a 502 or 503 from nginx), plain text, an empty body. Then only the HTTP
 * status means anything.
 */
function isUnparsedAnswer(e: SdkErrorShape): boolean {
  return (
    UNPARSED_NAMES.has(e.name ?? "") ||
    /Deserialization error|XML parse error/.test(e.message ?? "")
  );
}

/**
 * What AWS answered, on one printable line: `InvalidClientTokenId: The security token ...`
 * (the error code the server sent, and the first line of its message), or `HTTP 502` for an
 * answer the SDK could not parse.
 */
export function awsErrorText(err: unknown): string {
  const e = (
    typeof err === "object" && err !== null ? err : { message: String(err) }
  ) as SdkErrorShape;
  // The error's name is the error code the server sent: printable too.
  const name = oneLine(e.name ?? "Error", 100);
  const message = cleanMessage(e);
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && isUnparsedAnswer(e)
    ? `HTTP ${status}`
    : `${name}${message !== "" && message !== name ? `: ${message}` : ""}`;
}

/**
 * A sentence for an AWS failure that names what to do: the missing permission for an
 * AccessDenied, the credential sources when there are none.
 */
export function describeAwsFailure(err: unknown): string {
  const e = (
    typeof err === "object" && err !== null ? err : { message: String(err) }
  ) as SdkErrorShape;
  const action = typeof err === "object" && err !== null ? actionOfError.get(err) : undefined;
  const name = oneLine(e.name ?? "Error", 100);
  const message = cleanMessage(e);
  const status = e.$metadata?.httpStatusCode;
  const what = awsErrorText(err);
  if (name === "CredentialsProviderError") {
    return (
      `no AWS credentials found (${message}). Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ` +
      `set AWS_PROFILE, or pass --profile.`
    );
  }
  if (
    action !== undefined &&
    (DENIED.has(name) || (status === 403 && !REJECTED_CREDENTIALS.has(name)))
  ) {
    return (
      `AWS denied ${action} (${what}). The credentials in use need the ${action} permission ` +
      `(docs/cli.md, "Required IAM permissions").`
    );
  }
  if (REJECTED_CREDENTIALS.has(name)) {
    return `AWS rejected the credentials in use${action !== undefined ? ` on ${action}` : ""} (${what}).`;
  }
  if (e.code !== undefined && NETWORK_CODES.has(e.code)) {
    return `cannot reach AWS${action !== undefined ? ` for ${action}` : ""}: ${e.code} (${message}).`;
  }
  return `${action ?? "an AWS call"} failed: ${what}.`;
}

/** Converts an AWS failure into an AwsError (exit 3); anything else is rethrown as is. */
export function rethrowAsAwsError(err: unknown): never {
  if (isAwsFailure(err)) throw new AwsError(describeAwsFailure(err));
  throw err;
}
