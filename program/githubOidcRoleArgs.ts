/**
 * The glue from a parsed stack configuration to the GithubOidcRole's arguments (index.ts): the
 * users, their attachable policies and tag keys, and the compliance resources when the stack
 * has them. Pure: it builds plain values and registers nothing.
 */
import type { GithubOidcRoleArgs } from "../components";
import { COMPLIANCE_COMPONENT_NAME } from "../components/keyRotationCompliance/settings";
import { StackConfig } from "./stackConfig";

const sorted = (items: Iterable<string>): string[] => [...new Set(items)].sort();

/**
 * GithubOidcRole arguments from a parsed stack configuration: undefined without a `github`
 * section. The policies and tag keys of every user, sorted, once each.
 */
export function githubOidcRoleArgs(
  config: StackConfig,
  complianceComponentName = COMPLIANCE_COMPONENT_NAME,
): GithubOidcRoleArgs | undefined {
  const github = config.github;
  if (github === undefined) return undefined;
  const compliance = config.compliance;
  return {
    applySubjects: github.applySubjects,
    previewSubjects: github.previewSubjects,
    providerArn: github.providerArn,
    applyRoleName: github.applyRoleName,
    previewRoleName: github.previewRoleName,
    users: config.users.map((u) => u.name),
    path: config.path,
    secretPrefix: config.secretPrefix,
    policyArns: sorted(config.users.flatMap((u) => u.policyArns)),
    userTagKeys: sorted(config.users.flatMap((u) => Object.keys(u.tags))),
    stateBucket: github.stateBucket,
    stateKeyPrefix: github.stateKeyPrefix,
    secretsProviderKmsKeyArn: github.secretsProviderKmsKeyArn,
    compliance: compliance !== undefined,
    ...(compliance !== undefined && {
      complianceComponentName,
      complianceRuleName: compliance.ruleName,
      complianceRecorder: compliance.createRecorder,
      complianceOrganization: compliance.organization,
    }),
  };
}
