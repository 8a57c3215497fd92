/**
 * The pure documents of KeyRotationCompliance, without mocks: each builder's exact result. The
 * component test checks that these are what the children carry; the moto test checks that AWS
 * accepts them.
 */
import * as assert from "node:assert/strict";
import {
  alarmArnOf,
  nonCompliantEventPattern,
  nonCompliantName,
  notificationTransformer,
  organizationMemberRulePrefix,
  recorderDeliveryPolicy,
  recorderTrustPolicy,
  tlsOnlyBucketPolicy,
  topicKeyPolicy,
  topicPolicy,
} from "../../../components/keyRotationCompliance/documents";

const ACCOUNT = "123456789012";
const RULE = "iam-key-rotation-access-keys-rotated";

describe("KeyRotationCompliance documents", () => {
  it("names the EventBridge rule and the alarm <rule>-non-compliant", () => {
    assert.equal(nonCompliantName(RULE), "iam-key-rotation-access-keys-rotated-non-compliant");
    assert.equal(nonCompliantName("keys-30d"), "keys-30d-non-compliant");
  });

  it("matches the member accounts' rules of an organization rule by OrgConfigRule-<name>-", () => {
    assert.equal(organizationMemberRulePrefix("keys-30d"), "OrgConfigRule-keys-30d-");
  });

  it("matches this rule's changes to NON_COMPLIANT, by name for an account rule", () => {
    assert.deepEqual(nonCompliantEventPattern(RULE, false), {
      source: ["aws.config"],
      "detail-type": ["Config Rules Compliance Change"],
      detail: {
        messageType: ["ComplianceChangeNotification"],
        configRuleName: [RULE],
        newEvaluationResult: { complianceType: ["NON_COMPLIANT"] },
      },
    });
  });

  it("matches by prefix for an organization rule", () => {
    assert.deepEqual(nonCompliantEventPattern("keys-30d", true).detail.configRuleName, [
      { prefix: "OrgConfigRule-keys-30d-" },
    ]);
  });

  it("turns each event into one sentence with the maximum age in it", () => {
    assert.deepEqual(notificationTransformer(30), {
      inputPaths: {
        rule: "$.detail.configRuleName",
        resourceType: "$.detail.resourceType",
        resourceId: "$.detail.resourceId",
        account: "$.detail.awsAccountId",
        region: "$.detail.awsRegion",
      },
      inputTemplate:
        '"AWS Config rule <rule> reports <resourceType> <resourceId> in account <account> ' +
        "(<region>) NON_COMPLIANT: it has an active access key older than 30 days. Rotate " +
        "or deactivate that key; for users managed by iam-key-rotation, check that the daily " +
        'pulumi up still succeeds."',
    });
  });

  it("builds an alarm's ARN from its partition, region, account and name", () => {
    assert.equal(
      alarmArnOf("aws-cn", "cn-north-1", ACCOUNT, "keys-30d-non-compliant"),
      `arn:aws-cn:cloudwatch:cn-north-1:${ACCOUNT}:alarm:keys-30d-non-compliant`,
    );
  });

  it("lets the account administer the topic key and EventBridge and CloudWatch encrypt with it", () => {
    assert.deepEqual(topicKeyPolicy({ partition: "aws-us-gov", accountId: ACCOUNT }), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AccountAdministersKey",
          Effect: "Allow",
          Principal: { AWS: `arn:aws-us-gov:iam::${ACCOUNT}:root` },
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

  it("lets only the given EventBridge rule and alarm publish to the topic", () => {
    const topicArn = `arn:aws:sns:us-east-1:${ACCOUNT}:kc-topic`;
    const eventRuleArn = `arn:aws:events:us-east-1:${ACCOUNT}:rule/${RULE}-non-compliant`;
    const alarmArn = `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:${RULE}-non-compliant`;
    assert.deepEqual(topicPolicy({ topicArn, eventRuleArn, alarmArn, accountId: ACCOUNT }), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "NonCompliantEventsPublish",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sns:Publish",
          Resource: topicArn,
          Condition: { ArnEquals: { "aws:SourceArn": eventRuleArn } },
        },
        {
          Sid: "AlarmPublishes",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: "sns:Publish",
          Resource: topicArn,
          Condition: {
            ArnEquals: { "aws:SourceArn": alarmArn },
            StringEquals: { "aws:SourceAccount": ACCOUNT },
          },
        },
      ],
    });
  });

  it("lets AWS Config assume the recorder role for this account only", () => {
    assert.deepEqual(recorderTrustPolicy(ACCOUNT), {
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
  });

  it("lets the recorder deliver to its bucket, under this account's AWSLogs prefix only", () => {
    const bucketArn = "arn:aws:s3:::kc-config-bucket";
    assert.deepEqual(recorderDeliveryPolicy(bucketArn, ACCOUNT), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DeliverConfigurationItems",
          Effect: "Allow",
          Action: ["s3:PutObject", "s3:PutObjectAcl"],
          Resource: `arn:aws:s3:::kc-config-bucket/AWSLogs/${ACCOUNT}/*`,
          Condition: { StringLike: { "s3:x-amz-acl": "bucket-owner-full-control" } },
        },
        {
          Sid: "CheckBucket",
          Effect: "Allow",
          Action: ["s3:GetBucketAcl", "s3:ListBucket"],
          Resource: bucketArn,
        },
      ],
    });
  });

  it("denies every request to the bucket and its objects that is not over TLS", () => {
    assert.deepEqual(tlsOnlyBucketPolicy("arn:aws:s3:::b"), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
  });
});
