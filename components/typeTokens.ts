/**
 * The type tokens of the three components. Never change one: a resource's URN includes its
 * type and its parents' types, so a renamed token replaces every resource of every stack
 * (test/program/urns.test.ts holds the registered URNs to this). Pure, so the policy pack can
 * import it without the AWS provider.
 */
export const ROTATED_KEY_USER_TYPE = "iam-key-rotation:index:RotatedKeyUser";
export const KEY_ROTATION_COMPLIANCE_TYPE = "iam-key-rotation:index:KeyRotationCompliance";
export const GITHUB_OIDC_ROLE_TYPE = "iam-key-rotation:index:GithubOidcRole";
