import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { ROTATED_KEY_USER_TYPE } from "../components/typeTokens";
import { slotNames } from "./accessKeys";
import { ACCESS_KEY_TYPE, onlyFor } from "./resourceTypes";

export const accessKeyManaged: ResourceValidationPolicy = {
  name: "iam-access-key-managed",
  description:
    "IAM access keys must be key slots of a RotatedKeyUser, the only keys that are rotated.",
  enforcementLevel: "mandatory",
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    onlyFor(args, ACCESS_KEY_TYPE);
    const parent = args.opts.parent !== undefined ? parseUrn(args.opts.parent) : undefined;
    if (parent?.type !== ROTATED_KEY_USER_TYPE) {
      reportViolation(
        `Access key "${args.name}" is not created by a RotatedKeyUser (its parent is ` +
          `${parent?.type ?? "missing"}), so nothing ever rotates it. Declare its IAM user with ` +
          `the RotatedKeyUser component, move the key's consumers to the secret it publishes, ` +
          `and remove this AccessKey.`,
      );
      return;
    }
    const slots = slotNames(parent.name);
    if (!slots.includes(args.name)) {
      reportViolation(
        `Access key "${args.name}" has RotatedKeyUser "${parent.name}" as its parent but is not ` +
          `one of its key slots ("${slots.join('", "')}"), so the rotation never re-issues or ` +
          `deactivates it. Remove it: RotatedKeyUser issues and rotates the user's keys itself.`,
      );
    }
  },
};

/**
 * A URN's own type (the last element of the type chain) and name:
 * `urn:pulumi:<stack>::<project>::<parent types $ type>::<name>`.
 */
function parseUrn(urn: string): { type: string; name: string } | undefined {
  const parts = urn.split("::");
  if (parts.length < 4 || !parts[0].startsWith("urn:pulumi:")) return undefined;
  const chain = parts[2].split("$");
  return { type: chain[chain.length - 1], name: parts.slice(3).join("::") };
}
