/**
 * The program (index.ts) and its `compliance` section, under mocks, with config the way
 * `pulumi up` hands it over: every value a string, structured values as JSON.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { KEY_ROTATION_COMPLIANCE_TYPE } from "../../components/typeTokens";
import { ACCOUNT, REGION, useMocks, valueOf } from "../support/mocks";
import { allRegistered, ComplianceMocks } from "../support/complianceMocks";
import { ROOT } from "../support/root";

type Outputs = Record<string, Record<string, pulumi.Output<unknown>>>;
type Program = () => Promise<Outputs>;

const NS = "iam-key-rotation";

/** The AWS provider's "no such user", as the engine hands an invoke failure to the SDK. */
function noSuchUser(userName: string): Error {
  const message =
    `invoking aws:iam/getUser:getUser: 1 error occurred:\n` +
    `\t* reading IAM User (${userName}): couldn't find resource\n\n`;
  // The SDK rejects with new Error(err.details): the text must travel in `details`.
  return Object.assign(new Error(message), { details: message });
}

const allUsersNew = {
  "aws:iam/getUser:getUser": (inputs: Record<string, any>) => {
    throw noSuchUser(inputs.userName as string);
  },
};

/** Pulumi.<stack>.yaml's config as the engine passes it to a program. */
function stackConfig(stack: string): Record<string, string> {
  const doc = parse(readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  return Object.fromEntries(
    Object.entries(doc.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

async function runProgram(mocks: ComplianceMocks, config: Record<string, string>) {
  await useMocks(mocks, {
    stack: "prod",
    config: { [`${NS}:waitForNewKey`]: "false", ...config },
  });
  const mod = (await import("../../index")) as unknown as { default?: Program } & Program;
  const program: Program = mod.default ?? mod;
  const outputs = await program();
  await allRegistered();
  return outputs;
}

const COMPLIANCE_TYPES = [
  KEY_ROTATION_COMPLIANCE_TYPE,
  "aws:cfg/rule:Rule",
  "aws:cloudwatch/eventRule:EventRule",
  "aws:cloudwatch/eventTarget:EventTarget",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
  "aws:kms/key:Key",
  "aws:sns/topic:Topic",
  "aws:sns/topicPolicy:TopicPolicy",
  "aws:sns/topicSubscription:TopicSubscription",
];

describe("the program's compliance section", () => {
  let warnings: string[];
  const originalWarn = pulumi.log.warn;
  beforeEach(() => {
    warnings = [];
    (pulumi.log as { warn: typeof pulumi.log.warn }).warn = (msg: string) => {
      warnings.push(msg);
      return Promise.resolve();
    };
  });
  afterEach(() => {
    (pulumi.log as { warn: typeof pulumi.log.warn }).warn = originalWarn;
  });

  it("deploys the prod stack's compliance settings and exports the rule, topic and alarm", async () => {
    const mocks = new ComplianceMocks(allUsersNew);
    const outputs = await runProgram(mocks, stackConfig("prod"));

    assert.deepEqual(mocks.ofType(KEY_ROTATION_COMPLIANCE_TYPE), [
      {
        type: KEY_ROTATION_COMPLIANCE_TYPE,
        name: "key-rotation-compliance",
        inputs: {
          ruleName: "iam-key-rotation-access-keys-rotated",
          maxAccessKeyAge: 90,
          maximumExecutionFrequency: "TwentyFour_Hours",
          createRecorder: false,
          emails: ["security-alerts@example.com", "platform-oncall@example.com"],
          organization: false,
          excludedAccounts: [],
        },
        id: "key-rotation-compliance-id",
      },
    ]);
    assert.deepEqual(
      mocks
        .ofType("aws:sns/topicSubscription:TopicSubscription")
        .map((r) => r.inputs.endpoint as string),
      ["security-alerts@example.com", "platform-oncall@example.com"],
    );
    assert.deepEqual(mocks.ofType("aws:cfg/recorder:Recorder"), []);

    const compliance = outputs.compliance;
    assert.deepEqual(Object.keys(compliance), [
      "ruleName",
      "ruleArn",
      "topicArn",
      "alarmName",
      "alarmArn",
    ]);
    const name = "iam-key-rotation-access-keys-rotated-non-compliant";
    assert.equal(await valueOf(compliance.ruleName), "iam-key-rotation-access-keys-rotated");
    assert.equal(
      await valueOf(compliance.topicArn),
      `arn:aws:sns:${REGION}:${ACCOUNT}:key-rotation-compliance-topic-a1b2c3d`,
    );
    assert.equal(await valueOf(compliance.alarmName), name);
    assert.equal(
      await valueOf(compliance.alarmArn),
      `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`,
    );
    assert.deepEqual(Object.keys(outputs.users), [
      "onprem-jenkins-ecr",
      "bi-vendor-athena",
      "partner-dropbox-sync",
    ]);
    assert.deepEqual(warnings, []);
  });

  it("takes maxAccessKeyAge from rotation.maxAgeDays and creates the recorder when asked", async () => {
    const mocks = new ComplianceMocks(allUsersNew);
    await runProgram(mocks, {
      [`${NS}:users`]: JSON.stringify([{ name: "ci-deployer" }]),
      [`${NS}:rotation`]: JSON.stringify({ everyDays: 20, overlapDays: 5, maxAgeDays: 30 }),
      [`${NS}:compliance`]: JSON.stringify({ createRecorder: true }),
    });
    assert.equal(mocks.ofType(KEY_ROTATION_COMPLIANCE_TYPE)[0].inputs.maxAccessKeyAge, 30);
    assert.equal(
      mocks.named("key-rotation-compliance-rule").inputs.inputParameters,
      '{"maxAccessKeyAge":"30"}',
    );
    assert.equal(mocks.ofType("aws:cfg/recorder:Recorder").length, 1);
    assert.equal(mocks.ofType("aws:cfg/recorderStatus:RecorderStatus").length, 1);
  });

  it("creates no compliance resource without the section, or with enabled: false", async () => {
    for (const compliance of [undefined, JSON.stringify({ enabled: false, emails: ["a@b.io"] })]) {
      const mocks = new ComplianceMocks(allUsersNew);
      const outputs = await runProgram(mocks, {
        [`${NS}:users`]: JSON.stringify([{ name: "ci-deployer" }]),
        ...(compliance ? { [`${NS}:compliance`]: compliance } : {}),
      });
      assert.deepEqual(Object.keys(outputs), ["users"]);
      assert.deepEqual(
        mocks.resources.filter((r) => COMPLIANCE_TYPES.includes(r.type)),
        [],
      );
      assert.ok(mocks.ofType("aws:iam/user:User").length === 1, "the user is still managed");
    }
  });

  it("stops on a bad compliance section before reading or creating anything", async () => {
    const mocks = new ComplianceMocks(allUsersNew);
    await assert.rejects(
      runProgram(mocks, {
        [`${NS}:users`]: JSON.stringify([{ name: "ci-deployer" }]),
        [`${NS}:compliance`]: JSON.stringify({
          emails: ["oncall"],
          maximumExecutionFrequency: "One_Hour",
        }),
      }),
      (err: Error) => {
        assert.ok(pulumi.RunError.isInstance(err), "a RunError: no stack trace for the user");
        assert.equal(
          err.message,
          "Invalid stack configuration (2 problems); nothing was changed:\n" +
            '  - [compliance.maximumExecutionFrequency] must be at least Six_Hours (got "One_Hour"): ' +
            "re-evaluating ACCESS_KEYS_ROTATED within 4 hours has no effect on its results, because " +
            "the IAM credential report behind it is regenerated at most every 4 hours.\n" +
            '  - [compliance.emails[0]] must be an email address like security@example.com (got "oncall").',
        );
        return true;
      },
    );
    assert.deepEqual(mocks.resources, []);
    assert.deepEqual(mocks.invokes, []);
  });

  it("warns, and still deploys, when the rule would report a user's normal rotation", async () => {
    const mocks = new ComplianceMocks(allUsersNew);
    await runProgram(mocks, {
      [`${NS}:users`]: JSON.stringify([
        { name: "vendor", rotation: { everyDays: 60, overlapDays: 14, maxAgeDays: 90 } },
      ]),
      [`${NS}:rotation`]: JSON.stringify({ everyDays: 20, overlapDays: 5, maxAgeDays: 30 }),
      [`${NS}:compliance`]: JSON.stringify({}),
    });
    assert.deepEqual(warnings, [
      '[compliance.maxAccessKeyAge] is 30, but user "vendor" keeps a key Active up to 74 days in ' +
        "normal rotation (everyDays 60, overlapDays 14): AWS Config will report it NON_COMPLIANT " +
        "and page. Raise maxAccessKeyAge or shorten that user's rotation.",
    ]);
    assert.equal(mocks.ofType(KEY_ROTATION_COMPLIANCE_TYPE).length, 1);
  });
});
