import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { ROTATED_KEY_USER_TYPE } from "../../components/typeTokens";
import { accessKeyAgeWarning } from "../../policies/accessKeyAgeWarning";
import { accessKeyLiveCheck } from "../../policies/accessKeyLiveCheck";
import { accessKeyManaged } from "../../policies/accessKeyManaged";
import { accessKeyMaxAge } from "../../policies/accessKeyMaxAge";
import { accessKeyOneSlotPerUpdate } from "../../policies/accessKeyOneSlotPerUpdate";
import { configRuleMaxKeyAge } from "../../policies/configRuleMaxKeyAge";
import { githubOidcTrust } from "../../policies/githubOidcTrust";
import * as index from "../../policies/index";
import { rotationRecord } from "../../policies/rotationRecord";
import { rotationSettings } from "../../policies/rotationSettings";
import { POLICY_PACK_DIR, reconcileConfig } from "../support/policyHarness";

const { policies } = index;

describe("policy pack metadata", () => {
  it("lists every exported policy once, in order", () => {
    assert.deepEqual(policies, [
      accessKeyMaxAge,
      accessKeyAgeWarning,
      accessKeyManaged,
      accessKeyOneSlotPerUpdate,
      rotationSettings,
      rotationRecord,
      githubOidcTrust,
      configRuleMaxKeyAge,
      accessKeyLiveCheck,
    ]);
  });

  it("names, describes and levels each policy", () => {
    assert.deepEqual(
      policies.map((p) => [p.name, p.enforcementLevel, p.description]),
      [
        [
          "iam-access-key-max-age",
          "mandatory",
          "Active IAM access keys must be younger than the maximum age, unless this update replaces them or rotates them away.",
        ],
        [
          "iam-access-key-age-warning",
          "advisory",
          "Warns about Active IAM access keys that reach the maximum age within the warning window.",
        ],
        [
          "iam-access-key-managed",
          "mandatory",
          "IAM access keys must be key slots of a RotatedKeyUser, the only keys that are rotated.",
        ],
        [
          "iam-access-key-one-slot-per-update",
          "mandatory",
          "An update must not re-issue both key slots of a RotatedKeyUser: consumers of the current key would be cut off.",
        ],
        [
          "iam-rotation-settings",
          "mandatory",
          "RotatedKeyUser rotation settings must retire every key before its maximum age, and that maximum must not exceed the pack's.",
        ],
        [
          "iam-rotation-record",
          "mandatory",
          "A RotatedKeyUser's rotation record must agree with its keys where a disagreement could cut consumers off or keep a key Active past its maximum age.",
        ],
        [
          "iam-github-oidc-trust",
          "mandatory",
          "IAM roles that trust GitHub Actions' OIDC provider must pin the audience to sts.amazonaws.com and the subject to exact repositories, branches or environments.",
        ],
        [
          "iam-config-rule-max-key-age",
          "mandatory",
          "AWS Config ACCESS_KEYS_ROTATED rules must not allow older access keys than the pack's maximum age.",
        ],
        [
          "iam-access-key-live-check",
          "advisory",
          "The stack's IAM users must have no Active access keys that the stack does not manage (off unless liveCheck is true).",
        ],
      ],
    );
  });

  it("follows the naming and property conventions", () => {
    for (const p of policies) {
      assert.match(p.name, /^iam-[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.match(p.description, /^[A-Z].*\.$/);
      const validate = "validateStack" in p ? "validateStack" : "validateResource";
      const expected = p.configSchema
        ? ["name", "description", "configSchema", "enforcementLevel", validate]
        : ["name", "description", "enforcementLevel", validate];
      assert.deepEqual(Object.keys(p), expected, p.name);
      // The server exits if a schema declares enforcementLevel itself.
      assert.equal(p.configSchema?.properties.enforcementLevel, undefined, p.name);
    }
    assert.equal(new Set(policies.map((p) => p.name)).size, policies.length);
  });

  it("declares each threshold with its default (max age 90, warn 14 days before)", () => {
    const defaults = Object.fromEntries(
      [...reconcileConfig(policies)].map(([name, c]) => [name, c.properties]),
    );
    assert.deepEqual(defaults, {
      "iam-access-key-max-age": { maxAgeDays: 90 },
      "iam-access-key-age-warning": { maxAgeDays: 90, warnDays: 14 },
      "iam-access-key-managed": {},
      "iam-access-key-one-slot-per-update": {},
      "iam-rotation-settings": { maxAgeDays: 90 },
      "iam-rotation-record": {},
      "iam-github-oidc-trust": {},
      "iam-config-rule-max-key-age": { maxAgeDays: 90 },
      "iam-access-key-live-check": {
        liveCheck: false,
        maxAgeDays: 90,
        region: "us-east-1",
        concurrency: 4,
        maxAttempts: 5,
      },
    });
  });

  it("checks RotatedKeyUser by the component's own type token (one constant, components/typeTokens.ts)", () => {
    assert.equal(ROTATED_KEY_USER_TYPE, "iam-key-rotation:index:RotatedKeyUser");
  });

  it("is a runnable pack: versioned package.json whose main only constructs the pack from index.ts's list, PulumiPolicy.yaml", () => {
    const read = (file: string) => readFileSync(path.join(POLICY_PACK_DIR, file), "utf8");
    const pkg = JSON.parse(read("package.json"));
    const root = JSON.parse(readFileSync(path.join(POLICY_PACK_DIR, "..", "package.json"), "utf8"));
    assert.match(pkg.version, /^\d+\.\d+\.\d+$/);
    // The root's tests import the rules with the root's SDK: keep both on the same versions.
    assert.equal(pkg.dependencies["@pulumi/pulumi"], root.dependencies["@pulumi/pulumi"]);
    assert.equal(
      pkg.dependencies["@pulumi/policy"],
      root.devDependencies["@pulumi/policy"].replace(/^\^/, ""),
    );
    assert.equal(parse(read("PulumiPolicy.yaml")).runtime, "nodejs");
    // run-policy-pack requires the pack's directory, i.e. package.json's main.
    assert.equal(pkg.main, "pack.ts");
    const code = read(pkg.main).replace(/\/\*[\s\S]*?\*\/\s*/, "");
    assert.equal(
      code,
      'import { PolicyPack } from "@pulumi/policy";\nimport { policies } from "./index";\n\n' +
        'new PolicyPack("iam-key-rotation", { policies });\n',
    );
    assert.deepEqual(Object.keys(index), ["policies"]);
  });
});
