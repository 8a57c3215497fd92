/**
 * KeyRotationCompliance under mocks: the exact children, their inputs, parentage and ordering,
 * the event pattern, the policies and the alarm. Which AWS APIs accept these inputs is checked
 * against moto_server in keyRotationCompliance.moto.test.ts; the documents alone in documents.test.ts.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
  KeyRotationCompliance,
  KeyRotationComplianceArgs,
} from "../../../components/keyRotationCompliance/keyRotationCompliance";
import { KEY_ROTATION_COMPLIANCE_TYPE } from "../../../components/typeTokens";
import { ACCOUNT, optionsSpy, REGION, useMocks, valueOf } from "../../support/mocks";
import { allRegistered, ComplianceMocks, KEY_ID } from "../../support/complianceMocks";

const RULE = "iam-key-rotation-access-keys-rotated";
const NON_COMPLIANT = `${RULE}-non-compliant`;
const EVENT_RULE_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:rule/${NON_COMPLIANT}`;
const ALARM_ARN = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${NON_COMPLIANT}`;
const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:kc-topic-a1b2c3d`;
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;
const BUCKET = "kc-config-bucket-a1b2c3d";

async function deploy(args: KeyRotationComplianceArgs, options: { preview?: boolean } = {}) {
  const mocks = new ComplianceMocks({}, options.preview ?? false);
  await useMocks(mocks, { preview: options.preview });
  const spy = optionsSpy();
  const component = new KeyRotationCompliance("kc", args, {
    transformations: [spy.transformation],
  });
  await allRegistered();
  // A component's transformations also see the component itself: keep its children.
  const seenChildren = spy.seen.filter((c) => c.type !== KEY_ROTATION_COMPLIANCE_TYPE);
  /** Names of the resources a child was declared to depend on. */
  const dependsOn = async (child: string): Promise<string[]> => {
    const seen = seenChildren.find((c) => c.name === child);
    assert.ok(seen, `no child named ${child}`);
    const deps = (seen.opts.dependsOn ?? []) as pulumi.Resource[];
    const urns = await Promise.all(deps.map((d) => valueOf(d.urn)));
    return urns.map((urn) => urn.split("::").pop()!);
  };
  return { mocks, seen: seenChildren, component, dependsOn };
}

const children = (mocks: ComplianceMocks) =>
  mocks.resources
    .filter((r) => r.type !== KEY_ROTATION_COMPLIANCE_TYPE)
    .map((r) => [r.type, r.name]);

describe("KeyRotationCompliance", () => {
  describe("for one account, with the defaults", () => {
    it("creates exactly the rule, the EventBridge rule and target, the encrypted topic, its policy and the alarm, all parented to the component", async () => {
      const { mocks, seen, component } = await deploy({});
      assert.deepEqual(children(mocks).sort(), [
        ["aws:cfg/rule:Rule", "kc-rule"],
        ["aws:cloudwatch/eventRule:EventRule", "kc-event-rule"],
        ["aws:cloudwatch/eventTarget:EventTarget", "kc-event-target"],
        ["aws:cloudwatch/metricAlarm:MetricAlarm", "kc-alarm"],
        ["aws:kms/key:Key", "kc-topic-key"],
        ["aws:sns/topic:Topic", "kc-topic"],
        ["aws:sns/topicPolicy:TopicPolicy", "kc-topic-policy"],
      ]);
      // Every child went through the component's transformations: it is a child of it.
      assert.deepEqual(seen.map((c) => [c.type, c.name]).sort(), children(mocks).sort());
      for (const child of seen) assert.equal(child.opts.parent, component, child.name);
      assert.deepEqual(mocks.ofType(KEY_ROTATION_COMPLIANCE_TYPE), [
        {
          type: KEY_ROTATION_COMPLIANCE_TYPE,
          name: "kc",
          inputs: {
            ruleName: RULE,
            maxAccessKeyAge: 90,
            maximumExecutionFrequency: "TwentyFour_Hours",
            createRecorder: false,
            emails: [],
            organization: false,
            excludedAccounts: [],
          },
          id: "kc-id",
        },
      ]);
    });

    it("deploys ACCESS_KEYS_ROTATED with maxAccessKeyAge and a daily evaluation", async () => {
      const { mocks, dependsOn } = await deploy({});
      assert.deepEqual(mocks.named("kc-rule").inputs, {
        name: RULE,
        description: "Active IAM access keys must be rotated within 90 days (iam-key-rotation).",
        source: { owner: "AWS", sourceIdentifier: "ACCESS_KEYS_ROTATED" },
        inputParameters: '{"maxAccessKeyAge":"90"}',
        maximumExecutionFrequency: "TwentyFour_Hours",
      });
      assert.deepEqual(await dependsOn("kc-rule"), []);
    });

    it("matches this rule's compliance changes to NON_COMPLIANT and nothing else", async () => {
      const { mocks } = await deploy({});
      const { eventPattern, ...rest } = mocks.named("kc-event-rule").inputs;
      assert.deepEqual(JSON.parse(eventPattern as string), {
        source: ["aws.config"],
        "detail-type": ["Config Rules Compliance Change"],
        detail: {
          messageType: ["ComplianceChangeNotification"],
          configRuleName: [RULE],
          newEvaluationResult: { complianceType: ["NON_COMPLIANT"] },
        },
      });
      assert.deepEqual(rest, {
        name: NON_COMPLIANT,
        description: `Config rule ${RULE} found an access key older than 90 days.`,
      });
    });

    it("encrypts the topic with a customer managed key that EventBridge and CloudWatch may use", async () => {
      const { mocks } = await deploy({});
      assert.deepEqual(mocks.named("kc-topic").inputs, {
        displayName: "IAM access key rotation compliance",
        kmsMasterKeyId: KEY_ARN,
      });
      const { policy, ...key } = mocks.named("kc-topic-key").inputs;
      assert.deepEqual(key, {
        description: `Encrypts the SNS topic of Config rule ${RULE} (iam-key-rotation).`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
      });
      assert.deepEqual(JSON.parse(policy as string), {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AccountAdministersKey",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
            Action: "kms:*",
            Resource: "*",
          },
          {
            Sid: "EventBridgePublishesToTopic",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resource: "*",
          },
          {
            Sid: "AlarmPublishesToTopic",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resource: "*",
          },
        ],
      });
    });

    it("lets only this EventBridge rule and this alarm publish to the topic", async () => {
      const { mocks } = await deploy({});
      const { arn, policy } = mocks.named("kc-topic-policy").inputs;
      assert.equal(arn, TOPIC_ARN);
      assert.deepEqual(JSON.parse(policy as string), {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "NonCompliantEventsPublish",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "sns:Publish",
            Resource: TOPIC_ARN,
            Condition: { ArnEquals: { "aws:SourceArn": EVENT_RULE_ARN } },
          },
          {
            Sid: "AlarmPublishes",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Resource: TOPIC_ARN,
            Condition: {
              ArnEquals: { "aws:SourceArn": ALARM_ARN },
              StringEquals: { "aws:SourceAccount": ACCOUNT },
            },
          },
        ],
      });
    });

    it("sends each NON_COMPLIANT event to the topic as one readable sentence, once the topic policy exists", async () => {
      const { mocks, dependsOn } = await deploy({});
      assert.deepEqual(mocks.named("kc-event-target").inputs, {
        rule: NON_COMPLIANT,
        arn: TOPIC_ARN,
        inputTransformer: {
          inputPaths: {
            rule: "$.detail.configRuleName",
            resourceType: "$.detail.resourceType",
            resourceId: "$.detail.resourceId",
            account: "$.detail.awsAccountId",
            region: "$.detail.awsRegion",
          },
          inputTemplate:
            '"AWS Config rule <rule> reports <resourceType> <resourceId> in account <account> ' +
            "(<region>) NON_COMPLIANT: it has an active access key older than 90 days. Rotate " +
            "or deactivate that key; for users managed by iam-key-rotation, check that the daily " +
            'pulumi up still succeeds."',
        },
      });
      assert.deepEqual(await dependsOn("kc-event-target"), ["kc-topic-policy"]);
    });

    it("alarms on the EventBridge rule's AWS/Events TriggeredRules metric and notifies the same topic", async () => {
      const { mocks, dependsOn, component } = await deploy({});
      assert.deepEqual(mocks.named("kc-alarm").inputs, {
        name: NON_COMPLIANT,
        alarmDescription:
          `An access key is older than 90 days: AWS Config rule ${RULE} reported a ` +
          `NON_COMPLIANT IAM user (EventBridge rule ${NON_COMPLIANT} matched). See docs/compliance.md, ` +
          `"What the alarm means".`,
        namespace: "AWS/Events",
        metricName: "TriggeredRules",
        dimensions: { RuleName: NON_COMPLIANT },
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
        actionsEnabled: true,
        alarmActions: [TOPIC_ARN],
      });
      assert.deepEqual(await dependsOn("kc-alarm"), ["kc-topic-policy"]);
      assert.equal(await valueOf(component.alarmArn), ALARM_ARN);
    });

    it("exposes the rule, topic, EventBridge rule and alarm as outputs", async () => {
      const { component } = await deploy({});
      assert.deepEqual(
        {
          ruleName: await valueOf(component.ruleName),
          ruleArn: await valueOf(component.ruleArn),
          topicArn: await valueOf(component.topicArn),
          eventRuleName: await valueOf(component.eventRuleName),
          alarmName: await valueOf(component.alarmName),
          alarmArn: await valueOf(component.alarmArn),
          recorderName: await valueOf(component.recorderName),
          recorderBucket: await valueOf(component.recorderBucket),
        },
        {
          ruleName: RULE,
          ruleArn: `arn:aws:config:${REGION}:${ACCOUNT}:config-rule/config-rule-a1b2c3`,
          topicArn: TOPIC_ARN,
          eventRuleName: NON_COMPLIANT,
          alarmName: NON_COMPLIANT,
          alarmArn: ALARM_ARN,
          recorderName: undefined,
          recorderBucket: undefined,
        },
      );
    });

    it("knows the rule, the event pattern and the alarm at preview", async () => {
      const { mocks } = await deploy({ maxAccessKeyAge: 45 }, { preview: true });
      assert.equal(mocks.named("kc-rule").inputs.inputParameters, '{"maxAccessKeyAge":"45"}');
      assert.deepEqual(
        JSON.parse(mocks.named("kc-event-rule").inputs.eventPattern as string).detail
          .configRuleName,
        [RULE],
      );
      assert.equal(mocks.named("kc-alarm").inputs.metricName, "TriggeredRules");
    });
  });

  it("applies every setting: rule name, age, frequency, email subscriptions", async () => {
    const { mocks } = await deploy({
      ruleName: "keys-30d",
      maxAccessKeyAge: 30,
      maximumExecutionFrequency: "Twelve_Hours",
      emails: ["secops@example.com", "Platform-Oncall@Example.com"],
    });
    assert.deepEqual(mocks.named("kc-rule").inputs, {
      name: "keys-30d",
      description: "Active IAM access keys must be rotated within 30 days (iam-key-rotation).",
      source: { owner: "AWS", sourceIdentifier: "ACCESS_KEYS_ROTATED" },
      inputParameters: '{"maxAccessKeyAge":"30"}',
      maximumExecutionFrequency: "Twelve_Hours",
    });
    assert.equal(mocks.named("kc-event-rule").inputs.name, "keys-30d-non-compliant");
    assert.equal(mocks.named("kc-alarm").inputs.name, "keys-30d-non-compliant");
    assert.deepEqual(mocks.named("kc-alarm").inputs.dimensions, {
      RuleName: "keys-30d-non-compliant",
    });
    assert.deepEqual(
      mocks.ofType("aws:sns/topicSubscription:TopicSubscription").map((r) => [r.name, r.inputs]),
      [
        [
          "kc-email-secops@example.com",
          { topic: TOPIC_ARN, protocol: "email", endpoint: "secops@example.com" },
        ],
        [
          "kc-email-platform-oncall@example.com",
          { topic: TOPIC_ARN, protocol: "email", endpoint: "Platform-Oncall@Example.com" },
        ],
      ],
    );
  });

  describe("with createRecorder", () => {
    it("adds an encrypted private bucket, a role with AWS_ConfigRole, a recorder of IAM users, a delivery channel and the recorder status, in that order", async () => {
      const { mocks, seen, component, dependsOn } = await deploy({ createRecorder: true });
      assert.deepEqual(children(mocks).sort(), [
        ["aws:cfg/deliveryChannel:DeliveryChannel", "kc-delivery-channel"],
        ["aws:cfg/recorder:Recorder", "kc-recorder"],
        ["aws:cfg/recorderStatus:RecorderStatus", "kc-recorder-status"],
        ["aws:cfg/rule:Rule", "kc-rule"],
        ["aws:cloudwatch/eventRule:EventRule", "kc-event-rule"],
        ["aws:cloudwatch/eventTarget:EventTarget", "kc-event-target"],
        ["aws:cloudwatch/metricAlarm:MetricAlarm", "kc-alarm"],
        ["aws:iam/role:Role", "kc-recorder-role"],
        ["aws:iam/rolePolicy:RolePolicy", "kc-recorder-role-delivery"],
        ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", "kc-recorder-role-config"],
        ["aws:kms/key:Key", "kc-topic-key"],
        ["aws:s3/bucket:Bucket", "kc-config-bucket"],
        ["aws:s3/bucketPolicy:BucketPolicy", "kc-config-bucket-policy"],
        [
          "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
          "kc-config-bucket-public-access",
        ],
        [
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          "kc-config-bucket-encryption",
        ],
        ["aws:sns/topic:Topic", "kc-topic"],
        ["aws:sns/topicPolicy:TopicPolicy", "kc-topic-policy"],
      ]);
      for (const child of seen) assert.equal(child.opts.parent, component, child.name);
      assert.equal(seen.length, children(mocks).length);

      assert.deepEqual(mocks.named("kc-config-bucket").inputs, {});
      assert.deepEqual(mocks.named("kc-config-bucket-encryption").inputs, {
        bucket: BUCKET,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      });
      assert.deepEqual(mocks.named("kc-config-bucket-public-access").inputs, {
        bucket: BUCKET,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      const bucketPolicy = mocks.named("kc-config-bucket-policy").inputs;
      assert.equal(bucketPolicy.bucket, BUCKET);
      assert.deepEqual(JSON.parse(bucketPolicy.policy as string), {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      });

      const role = mocks.named("kc-recorder-role").inputs;
      assert.equal(
        role.description,
        `Role of the AWS Config recorder ${RULE}-recorder (iam-key-rotation).`,
      );
      assert.deepEqual(JSON.parse(role.assumeRolePolicy as string), {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "config.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
          },
        ],
      });
      assert.deepEqual(mocks.named("kc-recorder-role-config").inputs, {
        role: "kc-recorder-role-a1b2c3d",
        policyArn: "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole",
      });
      const delivery = mocks.named("kc-recorder-role-delivery").inputs;
      assert.equal(delivery.role, "kc-recorder-role-a1b2c3d");
      assert.deepEqual(JSON.parse(delivery.policy as string), {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DeliverConfigurationItems",
            Effect: "Allow",
            Action: ["s3:PutObject", "s3:PutObjectAcl"],
            Resource: `arn:aws:s3:::${BUCKET}/AWSLogs/${ACCOUNT}/*`,
            Condition: { StringLike: { "s3:x-amz-acl": "bucket-owner-full-control" } },
          },
          {
            Sid: "CheckBucket",
            Effect: "Allow",
            Action: ["s3:GetBucketAcl", "s3:ListBucket"],
            Resource: `arn:aws:s3:::${BUCKET}`,
          },
        ],
      });

      assert.deepEqual(mocks.named("kc-recorder").inputs, {
        name: `${RULE}-recorder`,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/kc-recorder-role-a1b2c3d`,
        recordingGroup: {
          allSupported: false,
          includeGlobalResourceTypes: false,
          resourceTypes: ["AWS::IAM::User"],
          recordingStrategies: [{ useOnly: "INCLUSION_BY_RESOURCE_TYPES" }],
        },
      });
      assert.deepEqual(mocks.named("kc-delivery-channel").inputs, {
        name: `${RULE}-delivery`,
        s3BucketName: BUCKET,
      });
      assert.deepEqual(mocks.named("kc-recorder-status").inputs, {
        name: `${RULE}-recorder`,
        isEnabled: true,
      });

      assert.deepEqual(await dependsOn("kc-config-bucket-policy"), [
        "kc-config-bucket-public-access",
      ]);
      assert.deepEqual(await dependsOn("kc-recorder"), ["kc-recorder-role-config"]);
      assert.deepEqual(await dependsOn("kc-delivery-channel"), [
        "kc-recorder",
        "kc-recorder-role-delivery",
        "kc-config-bucket-encryption",
        "kc-config-bucket-public-access",
        "kc-config-bucket-policy",
      ]);
      assert.deepEqual(await dependsOn("kc-recorder-status"), ["kc-delivery-channel"]);
      assert.deepEqual(await dependsOn("kc-rule"), ["kc-recorder-status"]);
      assert.equal(await valueOf(component.recorderName), `${RULE}-recorder`);
      assert.equal(await valueOf(component.recorderBucket), BUCKET);
    });
  });

  describe("for an organization", () => {
    it("deploys an organization managed rule with the excluded accounts", async () => {
      const { mocks, dependsOn } = await deploy({
        organization: true,
        excludedAccounts: ["111122223333", "444455556666"],
      });
      assert.deepEqual(mocks.ofType("aws:cfg/rule:Rule"), []);
      assert.deepEqual(
        mocks.named("kc-rule").type,
        "aws:cfg/organizationManagedRule:OrganizationManagedRule",
      );
      assert.deepEqual(mocks.named("kc-rule").inputs, {
        name: RULE,
        description: "Active IAM access keys must be rotated within 90 days (iam-key-rotation).",
        ruleIdentifier: "ACCESS_KEYS_ROTATED",
        inputParameters: '{"maxAccessKeyAge":"90"}',
        maximumExecutionFrequency: "TwentyFour_Hours",
        excludedAccounts: ["111122223333", "444455556666"],
      });
      assert.deepEqual(await dependsOn("kc-rule"), []);
    });

    it("matches the rules AWS Config creates in each account by their OrgConfigRule-<name>- prefix", async () => {
      const { mocks } = await deploy({ organization: true });
      assert.deepEqual(JSON.parse(mocks.named("kc-event-rule").inputs.eventPattern as string), {
        source: ["aws.config"],
        "detail-type": ["Config Rules Compliance Change"],
        detail: {
          messageType: ["ComplianceChangeNotification"],
          configRuleName: [{ prefix: `OrgConfigRule-${RULE}-` }],
          newEvaluationResult: { complianceType: ["NON_COMPLIANT"] },
        },
      });
      assert.equal("excludedAccounts" in mocks.named("kc-rule").inputs, false);
    });
  });

  it("rejects bad settings with every problem, naming each field, and creates nothing", async () => {
    const mocks = new ComplianceMocks();
    await useMocks(mocks);
    assert.throws(
      () =>
        new KeyRotationCompliance("bad", {
          ruleName: "keys rotated",
          maxAccessKeyAge: 366,
          maximumExecutionFrequency: "One_Hour" as "Six_Hours",
          emails: ["oncall"],
          excludedAccounts: ["111122223333"],
        }),
      {
        message:
          'KeyRotationCompliance "bad": [compliance.ruleName] must be 1 to 50 letters, digits, ' +
          'hyphens or underscores (got "keys rotated"). [compliance.maxAccessKeyAge] must be an ' +
          "integer from 1 to 365 (got 366). [compliance.maximumExecutionFrequency] must be at " +
          'least Six_Hours (got "One_Hour"): re-evaluating ACCESS_KEYS_ROTATED within 4 hours ' +
          "has no effect on its results, because the IAM credential report behind it is " +
          "regenerated at most every 4 hours. [compliance.emails[0]] must be an email address " +
          'like security@example.com (got "oncall"). [compliance.excludedAccounts] only applies ' +
          "to an organization rule: set [compliance.organization] to true, or remove the " +
          "exclusions (an account rule covers this account only).",
      },
    );
    await allRegistered();
    assert.deepEqual(mocks.resources, [], "not even the component is registered");
  });
});
