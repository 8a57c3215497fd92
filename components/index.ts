/**
 * The component library's public surface: the three components and their arguments. Their pure
 * parts (settings, documents, the rotation model) are imported from their own modules.
 */
export { RotatedKeyUser } from "./rotatedKeyUser/rotatedKeyUser";
export type { RotatedKeyUserArgs } from "./rotatedKeyUser/rotatedKeyUser";
export { KeyRotationCompliance } from "./keyRotationCompliance/keyRotationCompliance";
export type { KeyRotationComplianceArgs } from "./keyRotationCompliance/keyRotationCompliance";
export { GithubOidcRole } from "./githubOidcRole/githubOidcRole";
export type { GithubOidcRoleArgs } from "./githubOidcRole/githubOidcRole";
