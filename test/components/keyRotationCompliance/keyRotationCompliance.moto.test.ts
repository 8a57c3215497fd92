/**
 * KeyRotationCompliance against a real local AWS API (moto_server): the exact inputs the
 * component registers (recorded under mocks, never restated here) are translated to API calls.
 *
 * EventBridge: moto 5.2.1 answers TestEventPattern without a result (events/responses.py:
 * `test_event_pattern: pass`), so the pattern is checked by routing instead: the registered
 * rule and target (its input transformer, with an SQS queue standing in for the SNS topic, a
 * target moto does not deliver to) receive compliance-change events sent with PutEvents, and
 * the queue shows which ones matched.
 */
import * as assert from "node:assert/strict";
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
} from "@aws-sdk/client-cloudwatch";
import {
  ConfigServiceClient,
  DescribeConfigRulesCommand,
  DescribeConfigurationRecordersCommand,
  DescribeConfigurationRecorderStatusCommand,
  PutConfigRuleCommand,
  PutConfigurationRecorderCommand,
  PutDeliveryChannelCommand,
  StartConfigurationRecorderCommand,
} from "@aws-sdk/client-config-service";
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
} from "@aws-sdk/client-sns";
import {
  KeyRotationCompliance,
  KeyRotationComplianceArgs,
} from "../../../components/keyRotationCompliance/keyRotationCompliance";
import { ACCOUNT, useMocks } from "../../support/mocks";
import { allRegistered, ComplianceMocks } from "../../support/complianceMocks";
import { MOTO_REGION, MotoServer, useMoto } from "../../support/moto";

const RULE = "iam-key-rotation-access-keys-rotated";

/** The inputs KeyRotationCompliance registers for `args`, by child name. */
async function registered(args: KeyRotationComplianceArgs) {
  const mocks = new ComplianceMocks();
  await useMocks(mocks);
  new KeyRotationCompliance("kc", args);
  await allRegistered();
  return (name: string): Record<string, any> => mocks.named(name).inputs;
}

/** A "Config Rules Compliance Change" event as AWS Config emits it (developer guide format). */
function complianceChange(configRuleName: string, complianceType: string, resourceId: string) {
  const qualifier = { configRuleName, resourceType: "AWS::IAM::User", resourceId };
  return {
    Source: "aws.config",
    DetailType: "Config Rules Compliance Change",
    Resources: [],
    Detail: JSON.stringify({
      resourceId,
      awsRegion: MOTO_REGION,
      awsAccountId: ACCOUNT,
      configRuleName,
      recordVersion: "1.0",
      configRuleARN: `arn:aws:config:${MOTO_REGION}:${ACCOUNT}:config-rule/config-rule-a1b2c3`,
      messageType: "ComplianceChangeNotification",
      newEvaluationResult: {
        evaluationResultIdentifier: {
          evaluationResultQualifier: qualifier,
          orderingTimestamp: "2026-11-22T06:00:00.000Z",
        },
        complianceType,
        resultRecordedTime: "2026-11-22T06:00:01.000Z",
        configRuleInvokedTime: "2026-11-22T06:00:00.500Z",
      },
      oldEvaluationResult: {
        evaluationResultIdentifier: {
          evaluationResultQualifier: qualifier,
          orderingTimestamp: "2026-11-21T06:00:00.000Z",
        },
        complianceType: complianceType === "COMPLIANT" ? "NON_COMPLIANT" : "COMPLIANT",
        resultRecordedTime: "2026-11-21T06:00:01.000Z",
        configRuleInvokedTime: "2026-11-21T06:00:00.500Z",
      },
      notificationCreationTime: "2026-11-22T06:00:02.000Z",
      resourceType: "AWS::IAM::User",
    }),
  };
}

/**
 * SQS through its JSON protocol (no SQS client among the dependencies). moto routes a request
 * by the service named in the Authorization header's credential scope; it does not check the
 * signature while authentication is off.
 */
async function sqs(server: MotoServer, action: string, body: Record<string, unknown>) {
  const res = await fetch(`${server.endpoint}/`, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.0",
      "X-Amz-Target": `AmazonSQS.${action}`,
      Authorization: `AWS4-HMAC-SHA256 Credential=testing/20261122/${MOTO_REGION}/sqs/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `SQS ${action}: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, any>;
}

/**
 * Creates the registered EventBridge rule and its target (the topic swapped for a queue), sends
 * `events` one by one, and returns what the target delivered for each: a message, or null.
 */
async function route(
  server: MotoServer,
  inputs: (name: string) => Record<string, any>,
  events: ReturnType<typeof complianceChange>[],
): Promise<(string | null)[]> {
  const events_ = new EventBridgeClient(server.clientConfig());
  const rule = inputs("kc-event-rule");
  await events_.send(
    new PutRuleCommand({
      Name: rule.name,
      Description: rule.description,
      EventPattern: rule.eventPattern,
    }),
  );
  const { QueueUrl } = await sqs(server, "CreateQueue", { QueueName: "topic-stand-in" });
  const target = inputs("kc-event-target");
  assert.equal(target.rule, rule.name);
  const put = await events_.send(
    new PutTargetsCommand({
      Rule: target.rule,
      Targets: [
        {
          Id: "topic-stand-in",
          Arn: `arn:aws:sqs:${MOTO_REGION}:${ACCOUNT}:topic-stand-in`,
          InputTransformer: {
            InputPathsMap: target.inputTransformer.inputPaths,
            InputTemplate: target.inputTransformer.inputTemplate,
          },
        },
      ],
    }),
  );
  assert.equal(put.FailedEntryCount, 0);

  const delivered: (string | null)[] = [];
  for (const event of events) {
    const sent = await events_.send(new PutEventsCommand({ Entries: [event] }));
    assert.equal(sent.FailedEntryCount, 0);
    const { Messages = [] } = await sqs(server, "ReceiveMessage", {
      QueueUrl,
      MaxNumberOfMessages: 10,
    });
    assert.ok(Messages.length <= 1, "one event, at most one delivery");
    delivered.push(
      Messages.length === 1 ? (JSON.parse(Messages[0].Body as string) as string) : null,
    );
  }
  return delivered;
}

const sentence = (rule: string, userId: string) =>
  `AWS Config rule ${rule} reports AWS::IAM::User ${userId} in account ${ACCOUNT} ` +
  `(${MOTO_REGION}) NON_COMPLIANT: it has an active access key older than 90 days. Rotate or ` +
  `deactivate that key; for users managed by iam-key-rotation, check that the daily pulumi up ` +
  `still succeeds.`;

describe("KeyRotationCompliance against moto_server", function () {
  this.timeout(60_000);
  const moto = useMoto();

  it("the registered EventBridge rule delivers a NON_COMPLIANT change of this rule, and not a COMPLIANT one or another rule's", async () => {
    const inputs = await registered({});
    const delivered = await route(moto.server, inputs, [
      complianceChange(RULE, "NON_COMPLIANT", "AIDANONCOMPLIANT1"),
      complianceChange(RULE, "COMPLIANT", "AIDACOMPLIANT0002"),
      complianceChange("access-keys-rotated", "NON_COMPLIANT", "AIDAOTHERRULE0003"),
      complianceChange(`OrgConfigRule-${RULE}-dbgzf8ba`, "NON_COMPLIANT", "AIDAORGRULE00004"),
      complianceChange(RULE, "INSUFFICIENT_DATA", "AIDANODATA000005"),
    ]);
    assert.deepEqual(delivered, [sentence(RULE, "AIDANONCOMPLIANT1"), null, null, null, null]);
  });

  it("in organization mode, delivers the member accounts' OrgConfigRule-<name>-<suffix> rule's NON_COMPLIANT changes only", async () => {
    const inputs = await registered({ organization: true, excludedAccounts: ["111122223333"] });
    const delivered = await route(moto.server, inputs, [
      complianceChange(`OrgConfigRule-${RULE}-dbgzf8ba`, "NON_COMPLIANT", "AIDAORGMEMBER0001"),
      complianceChange(`OrgConfigRule-${RULE}-dbgzf8ba`, "COMPLIANT", "AIDAORGMEMBER0002"),
      complianceChange(RULE, "NON_COMPLIANT", "AIDALOCALRULE0003"),
      complianceChange(
        "OrgConfigRule-s3-bucket-versioning-enabled-dbgzf8ba",
        "NON_COMPLIANT",
        "AIDAOTHER0000004",
      ),
    ]);
    assert.deepEqual(delivered, [
      sentence(`OrgConfigRule-${RULE}-dbgzf8ba`, "AIDAORGMEMBER0001"),
      null,
      null,
      null,
    ]);
  });

  it("AWS Config accepts the registered rule (PutConfigRule)", async () => {
    const rule = (
      await registered({ maxAccessKeyAge: 45, maximumExecutionFrequency: "Six_Hours" })
    )("kc-rule");
    const config = new ConfigServiceClient(moto.server.clientConfig());
    await config.send(
      new PutConfigRuleCommand({
        ConfigRule: {
          ConfigRuleName: rule.name,
          Description: rule.description,
          Source: { Owner: rule.source.owner, SourceIdentifier: rule.source.sourceIdentifier },
          InputParameters: rule.inputParameters,
          MaximumExecutionFrequency: rule.maximumExecutionFrequency,
        },
      }),
    );
    const { ConfigRules = [] } = await config.send(new DescribeConfigRulesCommand({}));
    assert.deepEqual(
      ConfigRules.map((r) => [
        r.ConfigRuleName,
        r.Source?.Owner,
        r.Source?.SourceIdentifier,
        r.InputParameters,
        r.MaximumExecutionFrequency,
        r.ConfigRuleState,
      ]),
      [[RULE, "AWS", "ACCESS_KEYS_ROTATED", '{"maxAccessKeyAge":"45"}', "Six_Hours", "ACTIVE"]],
    );
  });

  it("CloudWatch accepts the registered alarm (PutMetricAlarm)", async () => {
    const alarm = (await registered({}))("kc-alarm");
    const cloudwatch = new CloudWatchClient(moto.server.clientConfig());
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: alarm.name,
        AlarmDescription: alarm.alarmDescription,
        Namespace: alarm.namespace,
        MetricName: alarm.metricName,
        Dimensions: Object.entries(alarm.dimensions as Record<string, string>).map(
          ([Name, Value]) => ({ Name, Value }),
        ),
        Statistic: alarm.statistic,
        Period: alarm.period,
        EvaluationPeriods: alarm.evaluationPeriods,
        DatapointsToAlarm: alarm.datapointsToAlarm,
        Threshold: alarm.threshold,
        ComparisonOperator: alarm.comparisonOperator,
        TreatMissingData: alarm.treatMissingData,
        ActionsEnabled: alarm.actionsEnabled,
        AlarmActions: alarm.alarmActions,
      }),
    );
    const { MetricAlarms = [] } = await cloudwatch.send(new DescribeAlarmsCommand({}));
    assert.deepEqual(
      MetricAlarms.map((a) => ({
        name: a.AlarmName,
        namespace: a.Namespace,
        metric: a.MetricName,
        dimensions: a.Dimensions,
        statistic: a.Statistic,
        period: a.Period,
        evaluationPeriods: a.EvaluationPeriods,
        datapointsToAlarm: a.DatapointsToAlarm,
        threshold: a.Threshold,
        comparison: a.ComparisonOperator,
        missing: a.TreatMissingData,
        actions: a.AlarmActions,
      })),
      [
        {
          name: `${RULE}-non-compliant`,
          namespace: "AWS/Events",
          metric: "TriggeredRules",
          dimensions: [{ Name: "RuleName", Value: `${RULE}-non-compliant` }],
          statistic: "Sum",
          period: 300,
          evaluationPeriods: 1,
          datapointsToAlarm: 1,
          threshold: 1,
          comparison: "GreaterThanOrEqualToThreshold",
          missing: "notBreaching",
          actions: [`arn:aws:sns:${MOTO_REGION}:${ACCOUNT}:kc-topic-a1b2c3d`],
        },
      ],
    );
  });

  it("SNS accepts the registered topic, its policy and the email subscriptions", async () => {
    const inputs = await registered({ emails: ["secops@example.com"] });
    const sns = new SNSClient(moto.server.clientConfig());
    const topic = inputs("kc-topic");
    const { TopicArn } = await sns.send(
      new CreateTopicCommand({
        Name: "kc-topic-a1b2c3d",
        Attributes: { DisplayName: topic.displayName, KmsMasterKeyId: topic.kmsMasterKeyId },
      }),
    );
    const policy = inputs("kc-topic-policy");
    assert.equal(policy.arn, TopicArn);
    await sns.send(
      new SetTopicAttributesCommand({
        TopicArn,
        AttributeName: "Policy",
        AttributeValue: policy.policy,
      }),
    );
    const subscription = inputs("kc-email-secops@example.com");
    await sns.send(
      new SubscribeCommand({
        TopicArn: subscription.topic,
        Protocol: subscription.protocol,
        Endpoint: subscription.endpoint,
      }),
    );
    const { Attributes = {} } = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
    assert.equal(Attributes.KmsMasterKeyId, topic.kmsMasterKeyId);
    assert.deepEqual(JSON.parse(Attributes.Policy), JSON.parse(policy.policy as string));
  });
});

describe("KeyRotationCompliance's recorder against moto_server", function () {
  this.timeout(60_000);
  // moto knows AWS managed policies (AWS_ConfigRole) only when asked (and every reset then
  // reloads them: slow), so this suite alone asks.
  const moto = useMoto({ awsManagedPolicies: true });

  it("IAM and AWS Config accept the registered recorder role, recorder and delivery channel, and recording starts", async () => {
    const inputs = await registered({ createRecorder: true });
    const iam = new IAMClient(moto.server.clientConfig());
    const role = inputs("kc-recorder-role");
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: "kc-recorder-role-a1b2c3d",
        Description: role.description,
        AssumeRolePolicyDocument: role.assumeRolePolicy,
      }),
    );
    // CreateRole does not validate the trust policy in moto; UpdateAssumeRolePolicy does.
    await iam.send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: Role!.RoleName,
        PolicyDocument: role.assumeRolePolicy,
      }),
    );
    const managed = inputs("kc-recorder-role-config");
    await iam.send(
      new AttachRolePolicyCommand({ RoleName: managed.role, PolicyArn: managed.policyArn }),
    );
    const delivery = inputs("kc-recorder-role-delivery");
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: delivery.role,
        PolicyName: "delivery",
        PolicyDocument: delivery.policy,
      }),
    );
    const attached = await iam.send(
      new ListAttachedRolePoliciesCommand({ RoleName: Role!.RoleName }),
    );
    assert.deepEqual(
      attached.AttachedPolicies?.map((p) => p.PolicyArn),
      ["arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"],
    );

    const config = new ConfigServiceClient(moto.server.clientConfig());
    const recorder = inputs("kc-recorder");
    assert.equal(recorder.roleArn, Role!.Arn);
    const group = recorder.recordingGroup;
    await config.send(
      new PutConfigurationRecorderCommand({
        ConfigurationRecorder: {
          name: recorder.name,
          roleARN: recorder.roleArn,
          recordingGroup: {
            allSupported: group.allSupported,
            includeGlobalResourceTypes: group.includeGlobalResourceTypes,
            resourceTypes: group.resourceTypes,
            recordingStrategy: { useOnly: group.recordingStrategies[0].useOnly },
          },
        },
      }),
    );
    const channel = inputs("kc-delivery-channel");
    await config.send(
      new PutDeliveryChannelCommand({
        DeliveryChannel: { name: channel.name, s3BucketName: channel.s3BucketName },
      }),
    );
    const status = inputs("kc-recorder-status");
    assert.equal(status.isEnabled, true);
    await config.send(
      new StartConfigurationRecorderCommand({ ConfigurationRecorderName: status.name }),
    );

    const recorders = await config.send(new DescribeConfigurationRecordersCommand({}));
    assert.deepEqual(
      recorders.ConfigurationRecorders?.map((r) => [
        r.name,
        r.recordingGroup?.allSupported,
        r.recordingGroup?.resourceTypes,
        r.recordingGroup?.recordingStrategy?.useOnly,
      ]),
      [[`${RULE}-recorder`, false, ["AWS::IAM::User"], "INCLUSION_BY_RESOURCE_TYPES"]],
    );
    const statuses = await config.send(new DescribeConfigurationRecorderStatusCommand({}));
    assert.deepEqual(
      statuses.ConfigurationRecordersStatus?.map((s) => [s.name, s.recording]),
      [[`${RULE}-recorder`, true]],
    );
  });
});
