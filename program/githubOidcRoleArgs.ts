/**
 * The glue from a parsed stack configuration to the GithubOidcRole's arguments (index.ts): the
 * users with each one's tags, policies and own path, and the compliance resources when the
 * stack has them. Pure: it builds plain values and registers nothing.
 */
import type { GithubOidcRoleArgs } from "../components";
import { COMPLIANCE_COMPONENT_NAME } from "../components/keyRotationCompliance/settings";
import { StackConfig } from "./stackConfig";

/**
 * GithubOidcRole arguments from a parsed stack configuration: undefined without a `github`
 * section. Each user's tags and policies (the CI role may set exactly those on that user), and
 * its path where it differs from the stack's.
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
    userTags: Object.fromEntries(
      config.users.filter((u) => Object.keys(u.tags).length > 0).map((u) => [u.name, u.tags]),
    ),
    userPolicyArns: Object.fromEntries(
      config.users.filter((u) => u.policyArns.length > 0).map((u) => [u.name, u.policyArns]),
    ),
    // A user's own `path` (adopted users keep theirs).
    userPaths: Object.fromEntries(
      config.users.flatMap((u) => (u.path !== config.path ? [[u.name, u.path]] : [])),
    ),
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
