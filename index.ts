/**
 * The iam-key-rotation program: reads and validates the stack configuration, checks the engine,
 * plans every managed user (reads its record, keys and published document and cross-checks
 * them), and only then declares the components. Any bad setting, failed read or disagreement
 * stops the run before a single resource is touched.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  ConfigError,
  decodeProgramValue,
  parseStackConfig,
  secretNameOf,
  StackConfig,
} from "./program/stackConfig";
import {
  COMPLIANCE_COMPONENT_NAME,
  complianceWarnings,
} from "./components/keyRotationCompliance/settings";
import { GithubOidcRole, KeyRotationCompliance, RotatedKeyUser } from "./components";
import { githubOidcRoleArgs } from "./program/githubOidcRoleArgs";
import { githubConfigWarnings } from "./components/githubOidcRole/settings";
import { requireEngine, runReport } from "./components/rotatedKeyUser/rotatedKeyUser";
import { validateRevocation } from "./components/rotatedKeyUser/rotationModel";
import {
  deleteAdoptedInactiveKeys,
  liveIo,
  planUserRun,
  RunStop,
  UserRunPlan,
} from "./components/rotatedKeyUser/runPlan";
import { utcToday } from "./lib/days";

/** The project's config values, keys without the namespace, decoded from Pulumi's strings. */
function projectConfig(): Record<string, unknown> {
  const prefix = `${pulumi.getProject()}:`;
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    raw[name] = decodeProgramValue(name, value);
  }
  return raw;
}

/** Plans every user; stops, naming every problem of every user, when any cannot go ahead. */
async function planAll(config: StackConfig, today: string): Promise<UserRunPlan[]> {
  const stack = `${pulumi.getProject()}/${pulumi.getStack()}`;
  const io = liveIo();
  const results = await Promise.allSettled(
    config.users.map((user) =>
      planUserRun(
        {
          userName: user.name,
          stack,
          path: user.path,
          policy: user.rotation,
          secretName: secretNameOf(config, user.name),
          dryRun: pulumi.runtime.isDryRun(),
          ...(user.revokeIssuedBefore !== undefined && {
            revokeIssuedBefore: user.revokeIssuedBefore,
          }),
          ...(user.adopt !== undefined && { adopt: user.adopt }),
          ...(user.rebuildRecord && { rebuildRecord: true }),
        },
        today,
        io,
      ),
    ),
  );
  const failures = results.flatMap((r) => {
    if (r.status === "fulfilled") return [];
    const err: unknown = r.reason;
    if (err instanceof RunStop) return [...err.problems];
    return [err instanceof Error ? err.message : String(err)];
  });
  if (failures.length > 0) throw new pulumi.RunError(failures.join("\n"));
  return results.map((r) => (r as PromiseFulfilledResult<UserRunPlan>).value);
}

export = async () => {
  let config;
  try {
    config = parseStackConfig(projectConfig());
  } catch (err) {
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
  const today = utcToday();
  const revocations = config.users.flatMap((user, i) =>
    user.revokeIssuedBefore === undefined
      ? []
      : validateRevocation(user.revokeIssuedBefore, today).map(
          (p) => `user "${user.name}": [users[${i}].revokeIssuedBefore] ${p}`,
        ),
  );
  if (revocations.length > 0) throw new pulumi.RunError(new ConfigError(revocations).message);
  await requireEngine();
  const secretOf = (user: string) => secretNameOf(config, user);
  const plans = await planAll(config, today);
  for (const plan of plans) {
    for (const warning of plan.warnings) await pulumi.log.warn(warning);
  }
  // Every plan went through: only now may an adopted user's Inactive key be deleted.
  const io = liveIo();
  for (const [i, plan] of plans.entries()) {
    await deleteAdoptedInactiveKeys(plan, config.users[i].name, io, pulumi.runtime.isDryRun());
  }

  const users: Record<string, Record<string, unknown>> = {};
  config.users.forEach((user, i) => {
    const component = new RotatedKeyUser(user.name, {
      userName: user.name,
      path: user.path,
      policyArns: user.policyArns,
      rotation: user.rotation,
      secretName: secretOf(user.name),
      tags: user.tags,
      revokeIssuedBefore: user.revokeIssuedBefore,
      waitForNewKey: config.waitForNewKey,
      today,
      ...(user.adopt !== undefined && { adopt: user.adopt }),
      selfRead: user.selfRead,
      runPlan: plans[i],
    });
    // What the plan says, or read and checked, is known now: plain values (each Output in the
    // stack outputs costs the SDK an apply and a hundred promises as it walks them;
    // bench/RESULTS.md). The rest, the children's Outputs: a new user's ARN; the current key's
    // id, the one the state holds. One of a user's values resolves only once the key is
    // published, so that the outputs are recorded only then (a run that fails to publish
    // records none): the secret's ARN from the version, or, when the ARN read is the secret's,
    // the key's id after the version.
    const plan = plans[i];
    const secretArn = plan.secretArn;
    users[user.name] = {
      userArn: plan.userArn ?? component.userArn,
      currentSlot: plan.plan.current,
      currentAccessKeyId:
        secretArn === undefined
          ? component.currentAccessKeyId
          : component.secretArn.apply(() => component.currentAccessKeyId),
      secretArn: secretArn ?? component.secretArn,
      nextRotationOn: plan.plan.nextRotationOn,
      rotationState: plan.record,
      run: runReport(plan, today),
    };
  });

  if (config.github !== undefined) {
    for (const warning of githubConfigWarnings(config.github)) await pulumi.log.warn(warning);
  }

  let compliance: KeyRotationCompliance | undefined;
  if (config.compliance !== undefined) {
    for (const warning of complianceWarnings(config.compliance, config.users)) {
      await pulumi.log.warn(warning);
    }
    compliance = new KeyRotationCompliance(COMPLIANCE_COMPONENT_NAME, config.compliance);
  }

  // Keyless CI (docs/keyless-ci.md): the OIDC provider and the GitHub Actions roles.
  const ciArgs = githubOidcRoleArgs(config, COMPLIANCE_COMPONENT_NAME);
  const ci = ciArgs === undefined ? undefined : new GithubOidcRole("github", ciArgs);

  return {
    users,
    ...(compliance !== undefined && {
      compliance: {
        ruleName: compliance.ruleName,
        ruleArn: compliance.ruleArn,
        topicArn: compliance.topicArn,
        alarmName: compliance.alarmName,
        alarmArn: compliance.alarmArn,
      },
    }),
    ...(ci !== undefined && {
      github: {
        providerArn: ci.providerArn,
        applyRoleArn: ci.applyRoleArn,
        previewRoleArn: ci.previewRoleArn,
      },
    }),
  };
};
