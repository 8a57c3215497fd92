import * as assert from "node:assert/strict";
import { configRuleMaxKeyAge } from "../../policies/configRuleMaxKeyAge";
import { messages, ResourceInput, runResource, UNKNOWN_VALUE } from "../support/policyHarness";
import { configRule, githubRole, organizationRule } from "./fixtures";

function withParameters(rule: ResourceInput, inputParameters: unknown): ResourceInput {
  rule.props.inputParameters = inputParameters;
  return rule;
}

const FIX_90 =
  'Set maxAccessKeyAge to 90 or less in inputParameters, e.g. {"maxAccessKeyAge":"90"}.';

describe("policy iam-config-rule-max-key-age", () => {
  it("passes an ACCESS_KEYS_ROTATED rule with maxAccessKeyAge 90", async () => {
    const outcome = await runResource(configRuleMaxKeyAge, configRule());
    assert.deepEqual(outcome, {
      enforcementLevel: "mandatory",
      violations: [],
      notApplicable: [],
      cannotRun: [],
    });
  });

  it("passes the organization managed rule with maxAccessKeyAge 90", async () => {
    assert.deepEqual(messages(await runResource(configRuleMaxKeyAge, organizationRule())), []);
  });

  it("blocks a rule that allows older keys than the pack", async () => {
    const rule = withParameters(configRule(), '{"maxAccessKeyAge":"120"}');
    assert.deepEqual(messages(await runResource(configRuleMaxKeyAge, rule)), [
      'AWS Config rule "keys-rotated" (ACCESS_KEYS_ROTATED) allows access keys up to 120 days ' +
        "old (maxAccessKeyAge), more than this policy pack's maximum of 90 days, so it reports " +
        `keys compliant that the pack blocks. ${FIX_90}`,
    ]);
  });

  it("blocks the organization managed rule the same way", async () => {
    const rule = withParameters(organizationRule(), '{"maxAccessKeyAge":"120"}');
    assert.deepEqual(messages(await runResource(configRuleMaxKeyAge, rule)), [
      'AWS Config rule "org-keys-rotated" (ACCESS_KEYS_ROTATED) allows access keys up to 120 ' +
        "days old (maxAccessKeyAge), more than this policy pack's maximum of 90 days, so it " +
        `reports keys compliant that the pack blocks. ${FIX_90}`,
    ]);
  });

  it("reads a numeric maxAccessKeyAge", async () => {
    const rule = withParameters(configRule(), '{"maxAccessKeyAge":91}');
    const found = messages(await runResource(configRuleMaxKeyAge, rule));
    assert.equal(found.length, 1);
    assert.match(found[0], /allows access keys up to 91 days old/);
  });

  it("compares with the configured maximum", async () => {
    const outcome = await runResource(configRuleMaxKeyAge, configRule(), {
      config: { "iam-config-rule-max-key-age": { maxAgeDays: 60 } },
    });
    assert.deepEqual(messages(outcome), [
      'AWS Config rule "keys-rotated" (ACCESS_KEYS_ROTATED) allows access keys up to 90 days ' +
        "old (maxAccessKeyAge), more than this policy pack's maximum of 60 days, so it reports " +
        "keys compliant that the pack blocks. Set maxAccessKeyAge to 60 or less in " +
        'inputParameters, e.g. {"maxAccessKeyAge":"60"}.',
    ]);
  });

  it("passes a rule without maxAccessKeyAge while AWS's default (90) fits the pack", async () => {
    const rule = withParameters(configRule(), undefined);
    assert.deepEqual(messages(await runResource(configRuleMaxKeyAge, rule)), []);
  });

  it("blocks a rule without maxAccessKeyAge when the pack's maximum is below AWS's default", async () => {
    const outcome = await runResource(configRuleMaxKeyAge, withParameters(configRule(), "{}"), {
      config: { "iam-config-rule-max-key-age": { maxAgeDays: 60 } },
    });
    assert.deepEqual(messages(outcome), [
      'AWS Config rule "keys-rotated" (ACCESS_KEYS_ROTATED) sets no maxAccessKeyAge, so AWS ' +
        "uses its default of 90 days, more than this policy pack's maximum of 60 days. Set " +
        'maxAccessKeyAge to 60 or less in inputParameters, e.g. {"maxAccessKeyAge":"60"}.',
    ]);
  });

  it("blocks a maxAccessKeyAge that is not a number of days", async () => {
    const rule = withParameters(configRule(), '{"maxAccessKeyAge":"ninety"}');
    assert.deepEqual(messages(await runResource(configRuleMaxKeyAge, rule)), [
      'AWS Config rule "keys-rotated" (ACCESS_KEYS_ROTATED) has maxAccessKeyAge "ninety", ' +
        `which is not a whole number of days. ${FIX_90}`,
    ]);
  });

  it("blocks inputParameters that are not JSON", async () => {
    const rule = withParameters(configRule(), "maxAccessKeyAge=30");
    assert.deepEqual(messages(await runResource(configRuleMaxKeyAge, rule)), [
      'AWS Config rule "keys-rotated" (ACCESS_KEYS_ROTATED) has maxAccessKeyAge in unreadable ' +
        `inputParameters "maxAccessKeyAge=30", which is not a whole number of days. ${FIX_90}`,
    ]);
  });

  it("ignores other managed rules", async () => {
    const rule = configRule();
    rule.props.source = { owner: "AWS", sourceIdentifier: "IAM_PASSWORD_POLICY" };
    rule.props.inputParameters = '{"MaxPasswordAge":"365"}';
    assert.deepEqual(messages(await runResource(configRuleMaxKeyAge, rule)), []);
  });

  it("never reports inputParameters that are unknown during preview", async () => {
    const rule = withParameters(configRule(), UNKNOWN_VALUE.string);
    const outcome = await runResource(configRuleMaxKeyAge, rule);
    assert.deepEqual(outcome.violations, []);
    assert.deepEqual(outcome.cannotRun, []);
  });

  it("does not apply to other resource types", async () => {
    const outcome = await runResource(configRuleMaxKeyAge, githubRole());
    assert.deepEqual(outcome.notApplicable, [
      "Policy only applies to resources of type 'aws:cfg/rule:Rule', " +
        "'aws:cfg/organizationManagedRule:OrganizationManagedRule'",
    ]);
  });
});
