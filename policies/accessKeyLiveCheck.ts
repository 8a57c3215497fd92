import {
  PolicyResource,
  ReportViolation,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import {
  checkLiveKeys,
  createIamClient,
  iamReader,
  LiveCheckError,
  liveCheckErrorMessage,
  ManagedUser,
} from "./accessKeyLiveCheckIam";
import { indexStack, maxAgeOf } from "./stackIndex";
import {
  asOfSchema,
  DEFAULT_MAX_AGE_DAYS,
  evaluationDay,
  maxAgeDaysSchema,
  withDefaults,
} from "./thresholds";
import { UNKNOWN } from "./unknownValues";

const NAME = "iam-access-key-live-check";

interface LiveCheckConfig {
  liveCheck: boolean;
  maxAgeDays: number;
  asOf?: string;
  region: string;
  endpoint?: string;
  concurrency: number;
  maxAttempts: number;
}

export const accessKeyLiveCheck: StackValidationPolicy = {
  name: NAME,
  description:
    "The stack's IAM users must have no Active access keys that the stack does not manage (off unless liveCheck is true).",
  configSchema: {
    properties: {
      liveCheck: {
        type: "boolean",
        default: false,
        description: "Read the users' keys from IAM (iam:ListUsers, iam:ListAccessKeys).",
      },
      maxAgeDays: maxAgeDaysSchema,
      asOf: asOfSchema,
      region: {
        type: "string",
        default: "us-east-1",
        description: "Region the IAM client signs for (IAM is global).",
      },
      endpoint: {
        type: "string",
        description: "IAM endpoint URL override, e.g. a local moto_server. Defaults to AWS's.",
      },
      concurrency: {
        type: "integer",
        minimum: 1,
        maximum: 20,
        default: 4,
        description: "Most ListAccessKeys calls in flight at once.",
      },
      maxAttempts: {
        type: "integer",
        minimum: 1,
        maximum: 10,
        default: 5,
        description: "Attempts per IAM call; throttled calls are retried with adaptive backoff.",
      },
    },
  },
  enforcementLevel: "advisory",
  validateStack: async (args: StackValidationArgs, reportViolation: ReportViolation) => {
    const config = withDefaults<LiveCheckConfig>(
      {
        liveCheck: false,
        maxAgeDays: DEFAULT_MAX_AGE_DAYS,
        region: "us-east-1",
        concurrency: 4,
        maxAttempts: 5,
      },
      args.getConfig<Partial<LiveCheckConfig>>(),
    );
    if (!config.liveCheck) {
      args.notApplicable(
        "The live check is off; set liveCheck: true in the pack config to run it.",
      );
    }
    const today = evaluationDay(NAME, config.asOf, reportViolation);
    const users = stackUsers(args.resources, config.maxAgeDays);
    if (users.length === 0) return;
    const client = createIamClient(config);
    try {
      const findings = await checkLiveKeys(users, iamReader(client), {
        maxAgeDays: config.maxAgeDays,
        today,
        concurrency: config.concurrency,
      });
      for (const finding of findings) reportViolation(finding.message, finding.urn);
    } catch (err) {
      if (!(err instanceof LiveCheckError)) throw err;
      reportViolation(liveCheckErrorMessage(err));
    } finally {
      client.destroy();
    }
  },
};

/**
 * The stack's IAM users with the access keys the stack declares for each and the maximum age of
 * their keys (their RotatedKeyUser's rotation.maxAgeDays when lower than the pack's).
 */
export function stackUsers(
  resources: readonly PolicyResource[],
  packMaxAgeDays = DEFAULT_MAX_AGE_DAYS,
): ManagedUser[] {
  const index = indexStack(resources);
  // A key whose user is not known could belong to any user: none of them can be judged.
  const anyUnattributed = index.anyKeyWithoutUser;
  const users: ManagedUser[] = [];
  for (const resource of index.users) {
    const { name, path } = index.userFacts(resource);
    if (name === undefined) continue;
    const own = index.keysOfUser(name);
    users.push({
      name,
      path: path ?? "/",
      urn: resource.urn,
      maxAge: maxAgeOf(index.componentOf(resource), packMaxAgeDays),
      keys: [
        ...own.map((k) => ({
          id: k.id,
          status: k.status === UNKNOWN ? undefined : k.status,
        })),
        ...(anyUnattributed ? [{ id: undefined, status: undefined }] : []),
      ],
    });
  }
  return users;
}
