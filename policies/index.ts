/**
 * The policies of the iam-key-rotation pack, in the order the engine reports them. Each lives in
 * the file named after it (`iam-access-key-max-age` in accessKeyMaxAge.ts); pack.ts serves this
 * list. Tests import this module (as "policies/index", not "policies", which package.json's
 * `main` resolves to pack.ts) and call `validateResource` / `validateStack` with arguments built
 * the way the policy server builds them (test/support/policyHarness.ts); nothing here starts a
 * server.
 *
 * What a policy sees (pulumi/pulumi pkg/resource/deploy/step_generator.go; docs/policy-pack.md
 * has the details and sources):
 * - `validateResource` gets a resource's *inputs* as it is registered, with `opts.parent`
 *   (the parent's URN); components are analyzed too, with the inputs they register
 *   (RotatedKeyUser registers its settings).
 * - `validateStack` gets every resource's *outputs* once the plan is complete; a component's
 *   outputs are what it registers with registerOutputs (RotatedKeyUser: its settings again and
 *   `rotationState`). During preview those are the old outputs of resources the update leaves
 *   alone, the provider's proposed state (old outputs with the new inputs) of resources it
 *   updates in place, and unknown for computed outputs of resources it creates or replaces: an
 *   AccessKey's `createDate` and `id` are unknown exactly when this update issues that key.
 * - Neither gets the old state of a resource being updated: a key this update re-activates
 *   shows as Active with its old createDate, like a key that was Active all along.
 * Reading an unknown value throws; unknownValues.ts turns that into UNKNOWN, which no policy
 * ever reports as a violation.
 */
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { accessKeyAgeWarning } from "./accessKeyAgeWarning";
import { accessKeyLiveCheck } from "./accessKeyLiveCheck";
import { accessKeyManaged } from "./accessKeyManaged";
import { accessKeyMaxAge } from "./accessKeyMaxAge";
import { accessKeyOneSlotPerUpdate } from "./accessKeyOneSlotPerUpdate";
import { configRuleMaxKeyAge } from "./configRuleMaxKeyAge";
import { githubOidcTrust } from "./githubOidcTrust";
import { rotationRecord } from "./rotationRecord";
import { rotationSettings } from "./rotationSettings";

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  accessKeyMaxAge,
  accessKeyAgeWarning,
  accessKeyManaged,
  accessKeyOneSlotPerUpdate,
  rotationSettings,
  rotationRecord,
  githubOidcTrust,
  configRuleMaxKeyAge,
  accessKeyLiveCheck,
];
