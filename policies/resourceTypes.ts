/**
 * The AWS resource types the pack checks (RotatedKeyUser's token is in
 * components/typeTokens.ts), and `onlyFor`, which scopes a resource policy to some of them.
 */
import { ResourceValidationArgs } from "@pulumi/policy";

export const ACCESS_KEY_TYPE = "aws:iam/accessKey:AccessKey";
export const USER_TYPE = "aws:iam/user:User";
export const ROLE_TYPE = "aws:iam/role:Role";
export const CONFIG_RULE_TYPE = "aws:cfg/rule:Rule";
export const ORGANIZATION_MANAGED_RULE_TYPE =
  "aws:cfg/organizationManagedRule:OrganizationManagedRule";

/** Like validateResourceOfType: marks the policy not applicable to other resource types. */
export function onlyFor(args: ResourceValidationArgs, ...types: string[]): void {
  if (!types.includes(args.type)) {
    args.notApplicable(`Policy only applies to resources of type '${types.join("', '")}'`);
  }
}
