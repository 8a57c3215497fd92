/**
 * Who GitHub Actions is to IAM: the OIDC issuer and audience, the provider's URL and ARN, and
 * the trust policy of a role that GitHub Actions workflows assume (web identity, exact subjects
 * only). Pure and dependency-free: the policy pack imports it, and its ts-node type-checks
 * every module it loads (so no @pulumi/aws here, not even its types).
 */

/** GitHub Actions' OIDC issuer (host and path, as IAM condition keys and provider ARNs spell it). */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience GitHub puts in tokens requested by aws-actions/configure-aws-credentials. */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";
/** URL of the OIDC provider: `https://token.actions.githubusercontent.com`. */
export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;

/**
 * ARN of the account's GitHub Actions OIDC provider (an account holds one per URL), e.g.
 * `arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com`.
 */
export function githubProviderArn(scope: { partition: string; accountId: string }): string {
  return `arn:${scope.partition}:iam::${scope.accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
}

/**
 * Trust policy of a GitHub Actions role: web identity from the provider, audience
 * sts.amazonaws.com and exactly the listed subjects (StringEquals, never a pattern).
 */
export function githubTrustPolicy(providerArn: string, subjects: readonly string[]) {
  if (subjects.length === 0) throw new Error("A GitHub OIDC trust needs at least one subject.");
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "GithubActionsOidc",
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
            [`${GITHUB_OIDC_HOST}:sub`]: [...subjects],
          },
        },
      },
    ],
  };
}
