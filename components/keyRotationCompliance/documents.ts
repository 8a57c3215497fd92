/**
 * The pure documents of the KeyRotationCompliance component: the names derived from the rule
 * name, the EventBridge event pattern and input transformer, and the IAM, KMS, SNS and S3 policy
 * documents its children carry. Pure: plain values in, plain values out (tests deep-equal them).
 */
import type * as aws from "@pulumi/aws";
import { NON_COMPLIANT_SUFFIX } from "./settings";

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

/** ARN of a CloudWatch alarm, known before the alarm exists (the topic policy names it). */
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
