/**
 * KeyRotationCompliance: proves to an auditor that no active IAM access key is older than the
 * maximum age, and pages when one is.
 *
 * - AWS Config managed rule ACCESS_KEYS_ROTATED (`maxAccessKeyAge`), for this account or, in
 *   organization mode, for every account of the organization;
 * - optionally the configuration recorder the rule needs (encrypted, private S3 bucket; role
 *   with AWS_ConfigRole; recorder of IAM users; delivery channel; recorder status);
 * - the notification: AWS/Config publishes no per-rule compliance metric, so an EventBridge rule
 *   matches this rule's "Config Rules Compliance Change" events with NON_COMPLIANT and sends
 *   them to an encrypted SNS topic, and a CloudWatch alarm on that EventBridge rule's
 *   AWS/Events TriggeredRules metric notifies the same topic.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  ComplianceSettings,
  complianceDefaults,
  ExecutionFrequency,
  NON_COMPLIANT_SUFFIX,
  RULE_IDENTIFIER,
  validateComplianceSettings,
} from "./settings";
import { DEFAULT_POLICY } from "../rotatedKeyUser/rotationModel";
import { parseArn } from "../../lib/arn";
import { KEY_ROTATION_COMPLIANCE_TYPE } from "../typeTokens";

/** The resource type the recorder records: IAM users are what ACCESS_KEYS_ROTATED evaluates. */
export const RECORDED_RESOURCE_TYPES = ["AWS::IAM::User"];

export interface KeyRotationComplianceArgs {
  /**
   * Name of the AWS Config rule: 1 to 50 letters, digits, hyphens or underscores. The
   * EventBridge rule and the alarm are named `<ruleName>-non-compliant`, the recorder
   * `<ruleName>-recorder`. Defaults to "iam-key-rotation-access-keys-rotated".
   */
  readonly ruleName?: string;
  /** An active access key older than this many days is NON_COMPLIANT (1 to 365). Defaults to 90. */
  readonly maxAccessKeyAge?: number;
  /**
   * How often AWS Config evaluates the rule: Six_Hours, Twelve_Hours or TwentyFour_Hours
   * (shorter periods find nothing new: the credential report behind the rule is regenerated at
   * most every 4 hours). Defaults to "TwentyFour_Hours".
   */
  readonly maximumExecutionFrequency?: ExecutionFrequency;
  /**
   * Create the configuration recorder the rule needs (S3 bucket, role, recorder of IAM users,
   * delivery channel, recorder status). An account has one recorder per region: leave this off
   * when one exists. Defaults to false.
   */
  readonly createRecorder?: boolean;
  /** Email addresses subscribed to the notification topic (each must confirm). Defaults to none. */
  readonly emails?: readonly string[];
  /**
   * Deploy the rule to every account of the organization with aws.cfg.OrganizationManagedRule
   * (run from the management account or a delegated administrator). Defaults to false.
   */
  readonly organization?: boolean;
  /** 12-digit IDs of accounts the organization rule skips (organization mode only). Defaults to none. */
  readonly excludedAccounts?: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Pure helpers: names, the event pattern and the policy documents.

/** Name of the EventBridge rule and of the CloudWatch alarm. */
export function nonCompliantName(ruleName: string): string {
  return `${ruleName}${NON_COMPLIANT_SUFFIX}`;
}

/**
 * AWS Config names the rule it creates in each account for an organization rule
 * `OrgConfigRule-<organization rule name>-<random suffix>` (e.g.
 * `OrgConfigRule-s3-bucket-versioning-enabled-dbgzf8ba`, AWS Audit Manager API reference,
 * SourceKeyword.keywordValue); compliance events carry that name.
 */
export function organizationMemberRulePrefix(ruleName: string): string {
  return `OrgConfigRule-${ruleName}-`;
}

/** The EventBridge pattern: this rule's compliance changes to NON_COMPLIANT. */
export function nonCompliantEventPattern(ruleName: string, organization: boolean) {
  return {
    source: ["aws.config"],
    "detail-type": ["Config Rules Compliance Change"],
    detail: {
      messageType: ["ComplianceChangeNotification"],
      configRuleName: organization
        ? [{ prefix: organizationMemberRulePrefix(ruleName) }]
        : [ruleName],
      newEvaluationResult: { complianceType: ["NON_COMPLIANT"] },
    },
  };
}

/** What the EventBridge target sends to the topic: one readable sentence per event. */
export function notificationTransformer(maxAccessKeyAge: number) {
  return {
    inputPaths: {
      rule: "$.detail.configRuleName",
      resourceType: "$.detail.resourceType",
      resourceId: "$.detail.resourceId",
      account: "$.detail.awsAccountId",
      region: "$.detail.awsRegion",
    },
    // A JSON string: SNS delivers it as plain text.
    inputTemplate: JSON.stringify(
      `AWS Config rule <rule> reports <resourceType> <resourceId> in account <account> ` +
        `(<region>) NON_COMPLIANT: it has an active access key older than ${maxAccessKeyAge} ` +
        `days. Rotate or deactivate that key; for users managed by iam-key-rotation, check that ` +
        `the daily pulumi up still succeeds.`,
    ),
  };
}

export function alarmArnOf(
  partition: string,
  region: string,
  accountId: string,
  alarmName: string,
): string {
  return `arn:${partition}:cloudwatch:${region}:${accountId}:alarm:${alarmName}`;
}

const PUBLISH_KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey*"];

/**
 * Key policy of the topic's KMS key. An encrypted topic needs a customer managed key whose
 * policy lets the publishing services use it (SNS Developer Guide, "Enable compatibility
 * between event sources from AWS services and encrypted topics"); the AWS managed aws/sns key
 * cannot be changed. The grants carry no condition, as in AWS's examples: the topic policy
 * already decides who may publish (this rule, this alarm), the key only lets the services
 * encrypt for it, and a condition that the service's call through SNS does not carry would drop
 * the page silently (AWS documents that aws:SourceArn/aws:SourceAccount are not supported in
 * KMS policies for EventBridge delivery).
 */
export function topicKeyPolicy(p: {
  partition: string;
  accountId: string;
}): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountAdministersKey",
        Effect: "Allow",
        Principal: { AWS: `arn:${p.partition}:iam::${p.accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "EventBridgePublishesToTopic",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: PUBLISH_KEY_ACTIONS,
        Resource: "*",
      },
      {
        Sid: "AlarmPublishesToTopic",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: PUBLISH_KEY_ACTIONS,
        Resource: "*",
      },
    ],
  };
}

/** Topic policy: only this EventBridge rule and this alarm may publish. */
export function topicPolicy(p: {
  topicArn: string;
  eventRuleArn: string;
  alarmArn: string;
  accountId: string;
}): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "NonCompliantEventsPublish",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sns:Publish",
        Resource: p.topicArn,
        Condition: { ArnEquals: { "aws:SourceArn": p.eventRuleArn } },
      },
      {
        Sid: "AlarmPublishes",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: p.topicArn,
        Condition: {
          ArnEquals: { "aws:SourceArn": p.alarmArn },
          StringEquals: { "aws:SourceAccount": p.accountId },
        },
      },
    ],
  };
}

/** Trust policy of the recorder role: AWS Config, for this account only. */
export function recorderTrustPolicy(accountId: string): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "config.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
    ],
  };
}

/** What the recorder role needs to deliver to its bucket (AWS Config Developer Guide). */
export function recorderDeliveryPolicy(
  bucketArn: string,
  accountId: string,
): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DeliverConfigurationItems",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:PutObjectAcl"],
        Resource: `${bucketArn}/AWSLogs/${accountId}/*`,
        Condition: { StringLike: { "s3:x-amz-acl": "bucket-owner-full-control" } },
      },
      {
        Sid: "CheckBucket",
        Effect: "Allow",
        Action: ["s3:GetBucketAcl", "s3:ListBucket"],
        Resource: bucketArn,
      },
    ],
  };
}

/** Bucket policy of the recorder bucket: TLS only. */
export function tlsOnlyBucketPolicy(bucketArn: string): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}

/** Partition, region and account of the event rule's ARN. */
function arnParts(arn: string): { partition: string; region: string; accountId: string } {
  const parsed = parseArn(arn);
  if (parsed === undefined) throw new Error(`Not an ARN: ${JSON.stringify(arn)}.`);
  return { partition: parsed.partition, region: parsed.region, accountId: parsed.accountId };
}

// ---------------------------------------------------------------------------------------------

export class KeyRotationCompliance extends pulumi.ComponentResource {
  /** Name of the Config rule (in organization mode, of the organization rule). */
  public readonly ruleName: pulumi.Output<string>;
  /** ARN of the Config rule or organization rule. */
  public readonly ruleArn: pulumi.Output<string>;
  /** ARN of the SNS topic that gets NON_COMPLIANT events and the alarm. */
  public readonly topicArn: pulumi.Output<string>;
  /** Name of the EventBridge rule matching NON_COMPLIANT events. */
  public readonly eventRuleName: pulumi.Output<string>;
  /** Name of the CloudWatch alarm on that EventBridge rule. */
  public readonly alarmName: pulumi.Output<string>;
  /** ARN of the CloudWatch alarm. */
  public readonly alarmArn: pulumi.Output<string>;
  /** Name of the configuration recorder, when this component created it. */
  public readonly recorderName: pulumi.Output<string | undefined>;
  /** Name of the recorder's S3 bucket, when this component created it. */
  public readonly recorderBucket: pulumi.Output<string | undefined>;

  constructor(
    name: string,
    args: KeyRotationComplianceArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    const settings: ComplianceSettings = complianceDefaults(
      {
        ...args,
        emails: args.emails ? [...args.emails] : undefined,
        excludedAccounts: args.excludedAccounts ? [...args.excludedAccounts] : undefined,
      },
      DEFAULT_POLICY.maxAgeDays,
    );
    // Checked before anything is registered, the component itself included.
    const problems = validateComplianceSettings(settings);
    if (problems.length > 0) {
      throw new Error(`KeyRotationCompliance "${name}": ${problems.join(" ")}`);
    }
    // Registered as the component's inputs, so policy packs see the settings at preview.
    super(KEY_ROTATION_COMPLIANCE_TYPE, name, settings, opts);

    // The EventBridge rule comes first: its ARN tells the partition, region and account every
    // other policy names (no invoke needed, so nothing extra to grant or to mock).
    const eventRule = new aws.cloudwatch.EventRule(
      `${name}-event-rule`,
      {
        name: nonCompliantName(settings.ruleName),
        description: `Config rule ${settings.ruleName} found an access key older than ${settings.maxAccessKeyAge} days.`,
        eventPattern: JSON.stringify(
          nonCompliantEventPattern(settings.ruleName, settings.organization),
        ),
      },
      { parent: this },
    );
    const where = eventRule.arn.apply(arnParts);
    const partition = where.partition;
    const accountId = where.accountId;

    const recorder = settings.createRecorder
      ? this.createRecorder(name, settings, partition, accountId)
      : undefined;

    // The rule ----------------------------------------------------------------------------
    const description =
      `Active IAM access keys must be rotated within ${settings.maxAccessKeyAge} days ` +
      `(iam-key-rotation).`;
    const inputParameters = JSON.stringify({ maxAccessKeyAge: String(settings.maxAccessKeyAge) });
    const ruleOpts: pulumi.CustomResourceOptions = {
      parent: this,
      ...(recorder ? { dependsOn: [recorder.status] } : {}),
    };
    const rule: aws.cfg.Rule | aws.cfg.OrganizationManagedRule = settings.organization
      ? new aws.cfg.OrganizationManagedRule(
          `${name}-rule`,
          {
            name: settings.ruleName,
            description,
            ruleIdentifier: RULE_IDENTIFIER,
            inputParameters,
            maximumExecutionFrequency: settings.maximumExecutionFrequency,
            ...(settings.excludedAccounts.length > 0
              ? { excludedAccounts: settings.excludedAccounts }
              : {}),
          },
          ruleOpts,
        )
      : new aws.cfg.Rule(
          `${name}-rule`,
          {
            name: settings.ruleName,
            description,
            source: { owner: "AWS", sourceIdentifier: RULE_IDENTIFIER },
            inputParameters,
            maximumExecutionFrequency: settings.maximumExecutionFrequency,
          },
          ruleOpts,
        );

    // The notification --------------------------------------------------------------------
    const alarmName = nonCompliantName(settings.ruleName);
    const alarmArn = where.apply((w) => alarmArnOf(w.partition, w.region, w.accountId, alarmName));

    const key = new aws.kms.Key(
      `${name}-topic-key`,
      {
        description: `Encrypts the SNS topic of Config rule ${settings.ruleName} (iam-key-rotation).`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: pulumi
          .all([partition, accountId])
          .apply(([p, a]) => JSON.stringify(topicKeyPolicy({ partition: p, accountId: a }))),
      },
      { parent: this },
    );

    const topic = new aws.sns.Topic(
      `${name}-topic`,
      {
        displayName: "IAM access key rotation compliance",
        kmsMasterKeyId: key.arn,
      },
      { parent: this },
    );

    const policy = new aws.sns.TopicPolicy(
      `${name}-topic-policy`,
      {
        arn: topic.arn,
        policy: pulumi
          .all([topic.arn, eventRule.arn, alarmArn, accountId])
          .apply(([topicArn, eventRuleArn, arn, a]) =>
            JSON.stringify(topicPolicy({ topicArn, eventRuleArn, alarmArn: arn, accountId: a })),
          ),
      },
      { parent: this },
    );

    new aws.cloudwatch.EventTarget(
      `${name}-event-target`,
      {
        rule: eventRule.name,
        arn: topic.arn,
        inputTransformer: notificationTransformer(settings.maxAccessKeyAge),
      },
      { parent: this, dependsOn: [policy] },
    );

    for (const email of settings.emails) {
      new aws.sns.TopicSubscription(
        `${name}-email-${email.toLowerCase()}`,
        { topic: topic.arn, protocol: "email", endpoint: email },
        { parent: this },
      );
    }

    const alarm = new aws.cloudwatch.MetricAlarm(
      `${name}-alarm`,
      {
        name: alarmName,
        alarmDescription:
          `An access key is older than ${settings.maxAccessKeyAge} days: AWS Config rule ` +
          `${settings.ruleName} reported a NON_COMPLIANT IAM user (EventBridge rule ` +
          `${nonCompliantName(settings.ruleName)} matched). See the README, "Compliance".`,
        namespace: "AWS/Events",
        metricName: "TriggeredRules",
        dimensions: { RuleName: eventRule.name },
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        // The metric only has data points when the rule matched.
        treatMissingData: "notBreaching",
        actionsEnabled: true,
        alarmActions: [topic.arn],
      },
      { parent: this, dependsOn: [policy] },
    );

    this.ruleName = rule.name;
    this.ruleArn = rule.arn;
    this.topicArn = topic.arn;
    this.eventRuleName = eventRule.name;
    this.alarmName = alarm.name;
    this.alarmArn = alarm.arn;
    this.recorderName = recorder ? recorder.recorder.name : pulumi.output(undefined);
    this.recorderBucket = recorder ? recorder.bucket.bucket : pulumi.output(undefined);

    this.registerOutputs({
      ruleName: this.ruleName,
      ruleArn: this.ruleArn,
      topicArn: this.topicArn,
      eventRuleName: this.eventRuleName,
      alarmName: this.alarmName,
      alarmArn: this.alarmArn,
      recorderName: this.recorderName,
      recorderBucket: this.recorderBucket,
    });
  }

  /** The configuration recorder and what it needs, ordered with dependsOn. */
  private createRecorder(
    name: string,
    settings: ComplianceSettings,
    partition: pulumi.Output<string>,
    accountId: pulumi.Output<string>,
  ) {
    const bucket = new aws.s3.Bucket(`${name}-config-bucket`, {}, { parent: this });
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-config-bucket-encryption`,
      {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      },
      { parent: this },
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-config-bucket-public-access`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      { parent: this },
    );
    const bucketPolicy = new aws.s3.BucketPolicy(
      `${name}-config-bucket-policy`,
      {
        bucket: bucket.id,
        policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))),
      },
      // S3 rejects concurrent changes to a bucket's access block and policy.
      { parent: this, dependsOn: [publicAccess] },
    );

    const role = new aws.iam.Role(
      `${name}-recorder-role`,
      {
        description: `Role of the AWS Config recorder ${settings.ruleName}-recorder (iam-key-rotation).`,
        assumeRolePolicy: accountId.apply((a) => JSON.stringify(recorderTrustPolicy(a))),
      },
      { parent: this },
    );
    const managedPolicy = new aws.iam.RolePolicyAttachment(
      `${name}-recorder-role-config`,
      {
        role: role.name,
        policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/service-role/AWS_ConfigRole`,
      },
      { parent: this },
    );
    const deliveryPolicy = new aws.iam.RolePolicy(
      `${name}-recorder-role-delivery`,
      {
        role: role.name,
        policy: pulumi
          .all([bucket.arn, accountId])
          .apply(([arn, a]) => JSON.stringify(recorderDeliveryPolicy(arn, a))),
      },
      { parent: this },
    );

    const recorder = new aws.cfg.Recorder(
      `${name}-recorder`,
      {
        name: `${settings.ruleName}-recorder`,
        roleArn: role.arn,
        // IAM users are a global resource type. With an inclusion list, naming the type is how
        // it is recorded (includeGlobalResourceTypes only applies with allSupported).
        recordingGroup: {
          allSupported: false,
          includeGlobalResourceTypes: false,
          resourceTypes: RECORDED_RESOURCE_TYPES,
          recordingStrategies: [{ useOnly: "INCLUSION_BY_RESOURCE_TYPES" }],
        },
      },
      { parent: this, dependsOn: [managedPolicy] },
    );
    // AWS Config needs a recorder before a delivery channel, and both before recording starts.
    const channel = new aws.cfg.DeliveryChannel(
      `${name}-delivery-channel`,
      { name: `${settings.ruleName}-delivery`, s3BucketName: bucket.id },
      {
        parent: this,
        dependsOn: [recorder, deliveryPolicy, encryption, publicAccess, bucketPolicy],
      },
    );
    const status = new aws.cfg.RecorderStatus(
      `${name}-recorder-status`,
      { name: recorder.name, isEnabled: true },
      { parent: this, dependsOn: [channel] },
    );
    return { bucket, recorder, status };
  }
}
