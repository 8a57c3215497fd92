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
 *
 * The component only declares resources: defaults and validation are in ./settings.ts, the
 * event pattern and policy documents in ./documents.ts.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  ComplianceSettings,
  complianceDefaults,
  ExecutionFrequency,
  RULE_IDENTIFIER,
  validateComplianceSettings,
} from "./settings";
import {
  alarmArnOf,
  nonCompliantEventPattern,
  nonCompliantName,
  notificationTransformer,
  recorderDeliveryPolicy,
  recorderTrustPolicy,
  tlsOnlyBucketPolicy,
  topicKeyPolicy,
  topicPolicy,
} from "./documents";
import { DEFAULT_POLICY } from "../rotatedKeyUser/rotationModel";
import { parseArn } from "../../lib/arn";
import { KEY_ROTATION_COMPLIANCE_TYPE } from "../typeTokens";

/** The resource type the recorder records: IAM users are what ACCESS_KEYS_ROTATED evaluates. */
const RECORDED_RESOURCE_TYPES = ["AWS::IAM::User"];

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

/** Partition, region and account of an ARN (the event rule's). */
interface Place {
  partition: string;
  region: string;
  accountId: string;
}

function arnParts(arn: string): Place {
  const parsed = parseArn(arn);
  if (parsed === undefined) throw new Error(`Not an ARN: ${JSON.stringify(arn)}.`);
  return { partition: parsed.partition, region: parsed.region, accountId: parsed.accountId };
}

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
    // Checked before anything is registered, the component itself included.
    const settings: ComplianceSettings = complianceDefaults(
      {
        ...args,
        emails: args.emails ? [...args.emails] : undefined,
        excludedAccounts: args.excludedAccounts ? [...args.excludedAccounts] : undefined,
      },
      DEFAULT_POLICY.maxAgeDays,
    );
    const problems = validateComplianceSettings(settings);
    if (problems.length > 0) {
      throw new Error(`KeyRotationCompliance "${name}": ${problems.join(" ")}`);
    }
    // Registered as the component's inputs, so policy packs see the settings at preview.
    super(KEY_ROTATION_COMPLIANCE_TYPE, name, settings, opts);

    // The EventBridge rule comes first: its ARN tells the partition, region and account every
    // other policy names (no invoke needed, so nothing extra to grant or to mock).
    const eventRule = this.eventRule(name, settings);
    const where = eventRule.arn.apply(arnParts);
    const recorder = settings.createRecorder ? this.recorder(name, settings, where) : undefined;
    const rule = this.rule(name, settings, recorder?.status);

    // The notification: the topic, what publishes to it, who it notifies.
    const alarmName = nonCompliantName(settings.ruleName);
    const alarmArn = where.apply((w) => alarmArnOf(w.partition, w.region, w.accountId, alarmName));
    const { topic, policy } = this.topic(name, settings, where, eventRule, alarmArn);
    this.eventTarget(name, settings, eventRule, topic, policy);
    this.subscriptions(name, settings, topic);
    const alarm = this.alarm(name, settings, eventRule, topic, policy);

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

  /** The EventBridge rule matching this Config rule's NON_COMPLIANT changes. */
  private eventRule(name: string, settings: ComplianceSettings): aws.cloudwatch.EventRule {
    return new aws.cloudwatch.EventRule(
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
  }

  /** The Config rule, or the organization rule; after the recorder starts, when there is one. */
  private rule(
    name: string,
    settings: ComplianceSettings,
    recorderStatus: aws.cfg.RecorderStatus | undefined,
  ): aws.cfg.Rule | aws.cfg.OrganizationManagedRule {
    const description =
      `Active IAM access keys must be rotated within ${settings.maxAccessKeyAge} days ` +
      `(iam-key-rotation).`;
    const inputParameters = JSON.stringify({ maxAccessKeyAge: String(settings.maxAccessKeyAge) });
    const ruleOpts: pulumi.CustomResourceOptions = {
      parent: this,
      ...(recorderStatus ? { dependsOn: [recorderStatus] } : {}),
    };
    return settings.organization
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
  }

  /** The topic, its customer managed key and its policy (only this rule and alarm publish). */
  private topic(
    name: string,
    settings: ComplianceSettings,
    where: pulumi.Output<Place>,
    eventRule: aws.cloudwatch.EventRule,
    alarmArn: pulumi.Output<string>,
  ): { topic: aws.sns.Topic; policy: aws.sns.TopicPolicy } {
    const key = new aws.kms.Key(
      `${name}-topic-key`,
      {
        description: `Encrypts the SNS topic of Config rule ${settings.ruleName} (iam-key-rotation).`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: where.apply((w) =>
          JSON.stringify(topicKeyPolicy({ partition: w.partition, accountId: w.accountId })),
        ),
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
          .all([topic.arn, eventRule.arn, alarmArn, where])
          .apply(([topicArn, eventRuleArn, arn, w]) =>
            JSON.stringify(
              topicPolicy({ topicArn, eventRuleArn, alarmArn: arn, accountId: w.accountId }),
            ),
          ),
      },
      { parent: this },
    );
    return { topic, policy };
  }

  /** Sends each matched event to the topic as one sentence, once the topic policy allows it. */
  private eventTarget(
    name: string,
    settings: ComplianceSettings,
    eventRule: aws.cloudwatch.EventRule,
    topic: aws.sns.Topic,
    policy: aws.sns.TopicPolicy,
  ): void {
    new aws.cloudwatch.EventTarget(
      `${name}-event-target`,
      {
        rule: eventRule.name,
        arn: topic.arn,
        inputTransformer: notificationTransformer(settings.maxAccessKeyAge),
      },
      { parent: this, dependsOn: [policy] },
    );
  }

  /** One email subscription per address (each must confirm). */
  private subscriptions(name: string, settings: ComplianceSettings, topic: aws.sns.Topic): void {
    for (const email of settings.emails) {
      new aws.sns.TopicSubscription(
        `${name}-email-${email.toLowerCase()}`,
        { topic: topic.arn, protocol: "email", endpoint: email },
        { parent: this },
      );
    }
  }

  /** The alarm on the EventBridge rule's AWS/Events TriggeredRules metric, notifying the topic. */
  private alarm(
    name: string,
    settings: ComplianceSettings,
    eventRule: aws.cloudwatch.EventRule,
    topic: aws.sns.Topic,
    policy: aws.sns.TopicPolicy,
  ): aws.cloudwatch.MetricAlarm {
    return new aws.cloudwatch.MetricAlarm(
      `${name}-alarm`,
      {
        name: nonCompliantName(settings.ruleName),
        alarmDescription:
          `An access key is older than ${settings.maxAccessKeyAge} days: AWS Config rule ` +
          `${settings.ruleName} reported a NON_COMPLIANT IAM user (EventBridge rule ` +
          `${nonCompliantName(settings.ruleName)} matched). See docs/compliance.md, "What the alarm means".`,
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
  }

  /** The configuration recorder and what it needs, ordered with dependsOn. */
  private recorder(name: string, settings: ComplianceSettings, where: pulumi.Output<Place>) {
    const { bucket, encryption, publicAccess, bucketPolicy } = this.configBucket(name);
    const { role, managedPolicy, deliveryPolicy } = this.recorderRole(
      name,
      settings,
      where,
      bucket,
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

  /** The recorder's bucket: encrypted, private, TLS only. */
  private configBucket(name: string) {
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
    return { bucket, encryption, publicAccess, bucketPolicy };
  }

  /** The recorder's role: AWS_ConfigRole, and delivery to its bucket. */
  private recorderRole(
    name: string,
    settings: ComplianceSettings,
    where: pulumi.Output<Place>,
    bucket: aws.s3.Bucket,
  ) {
    const role = new aws.iam.Role(
      `${name}-recorder-role`,
      {
        description: `Role of the AWS Config recorder ${settings.ruleName}-recorder (iam-key-rotation).`,
        assumeRolePolicy: where.apply((w) => JSON.stringify(recorderTrustPolicy(w.accountId))),
      },
      { parent: this },
    );
    const managedPolicy = new aws.iam.RolePolicyAttachment(
      `${name}-recorder-role-config`,
      {
        role: role.name,
        policyArn: pulumi.interpolate`arn:${where.partition}:iam::aws:policy/service-role/AWS_ConfigRole`,
      },
      { parent: this },
    );
    const deliveryPolicy = new aws.iam.RolePolicy(
      `${name}-recorder-role-delivery`,
      {
        role: role.name,
        policy: pulumi
          .all([bucket.arn, where])
          .apply(([arn, w]) => JSON.stringify(recorderDeliveryPolicy(arn, w.accountId))),
      },
      { parent: this },
    );
    return { role, managedPolicy, deliveryPolicy };
  }
}
