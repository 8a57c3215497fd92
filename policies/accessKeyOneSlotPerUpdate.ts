import { ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { slotNames, SLOTS } from "./accessKeys";
import { indexStack } from "./stackIndex";
import { UNKNOWN } from "./unknownValues";

/**
 * Both slots re-issued in one update. What validateStack sees at preview, per RotatedKeyUser:
 * - a brand-new user: one key slot, blue, with an unknown createDate (the model issues blue
 *   only when there is no record);
 * - a due rotation: the idle slot's key has an unknown createDate, the current one keeps its
 *   known createDate (at most one slot is re-issued per run);
 * - nothing due: both createDates known.
 * Two slot keys that both have unknown createDates mean both are being created or replaced:
 * the key consumers use now is deleted (deleteBeforeReplace) before they can read the new one.
 * That happens when the component is renamed without an alias (new URNs: both keys are created
 * anew while the old ones still hold the user's two key slots), with `--replace`, when the state
 * lost the keys, or when the rotation record was edited. (A renamed IAM user is a new user: no
 * record under the new name, so blue only.)
 */
export const accessKeyOneSlotPerUpdate: StackValidationPolicy = {
  name: "iam-access-key-one-slot-per-update",
  description:
    "An update must not re-issue both key slots of a RotatedKeyUser: consumers of the current key would be cut off.",
  enforcementLevel: "mandatory",
  validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
    for (const component of indexStack(args.resources).components) {
      const issued = SLOTS.filter((slot) => component.keys[slot]?.createdOn === UNKNOWN);
      if (issued.length < SLOTS.length) continue;
      const name = component.resource.name;
      const userName = component.userName;
      reportViolation(
        `This update re-issues both key slots of RotatedKeyUser "${name}"` +
          `${userName !== undefined ? ` (IAM user "${userName}")` : ""}: "${slotNames(name).join('" and "')}" ` +
          `are both being created or replaced, so the key consumers use now is deleted before ` +
          `they can read the new one. Find what replaces both keys (a component renamed without an alias, ` +
          `--replace, keys missing from the state, an edited key-rotation:* tag record) and ` +
          `undo it, so that a run re-issues one slot at a time.`,
        component.resource.urn,
      );
    }
  },
};
