/**
 * The iam-key-rotation program: reads and validates the stack configuration, reads every
 * managed user's rotation record, and only then declares the components. Any bad setting or
 * failed read stops the run before a single resource is touched.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  ConfigError,
  decodeProgramValue,
  parseStackConfig,
  secretNameOf,
} from "./program/stackConfig";
import {
  COMPLIANCE_COMPONENT_NAME,
  complianceWarnings,
} from "./components/keyRotationCompliance/settings";
import { GithubOidcRole, KeyRotationCompliance, RotatedKeyUser } from "./components";
import { githubOidcRoleArgs } from "./program/githubOidcRoleArgs";
import { LiveState, readLiveState } from "./components/rotatedKeyUser/liveReads";
import { validateRevocation } from "./components/rotatedKeyUser/rotationModel";
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

async function readAll(
  users: readonly string[],
  secretOf: (user: string) => string,
  today: string,
) {
  const results = await Promise.allSettled(
    users.map((u) => readLiveState(u, secretOf(u), undefined, today)),
  );
  const failures = results.flatMap((r) => (r.status === "rejected" ? [String(r.reason)] : []));
  if (failures.length > 0) {
    throw new pulumi.RunError(failures.map((f) => f.replace(/^Error: /, "")).join("\n"));
  }
  return results.map((r) => (r as PromiseFulfilledResult<LiveState>).value);
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
  const secretOf = (user: string) => secretNameOf(config, user);
  const live = await readAll(
    config.users.map((u) => u.name),
    secretOf,
    today,
  );

  const users: Record<string, Record<string, pulumi.Output<unknown>>> = {};
  config.users.forEach((user, i) => {
    const component = new RotatedKeyUser(user.name, {
      userName: user.name,
      path: config.path,
      policyArns: user.policyArns,
      rotation: user.rotation,
      secretName: secretOf(user.name),
      tags: user.tags,
      revokeIssuedBefore: user.revokeIssuedBefore,
      waitForNewKey: config.waitForNewKey,
      today,
      recorded: live[i].recorded,
      published: live[i].published,
    });
    users[user.name] = {
      userArn: component.userArn,
      currentSlot: component.currentSlot,
      currentAccessKeyId: component.currentAccessKeyId,
      secretArn: component.secretArn,
      nextRotationOn: component.nextRotationOn,
      rotationState: component.rotationState,
    };
  });

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
