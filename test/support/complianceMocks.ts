/**
 * RecordingMocks that answer like AWS for the resource types of KeyRotationCompliance: real ARN
 * formats and ids (an SNS topic's id is its ARN, a bucket's id its name, ...), so policy
 * documents built from them read like the real thing.
 */
import * as pulumi from "@pulumi/pulumi";
import { ACCOUNT, InvokeHandler, RecordingMocks, REGION } from "./mocks";

/** The suffix these mocks give every auto-named resource. */
export const AUTONAME_SUFFIX = "a1b2c3d";
export const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
export const CONFIG_RULE_ID = "config-rule-a1b2c3";

interface Answer {
  id: string;
  state: Record<string, unknown>;
}

function answer(args: pulumi.runtime.MockResourceArgs): Answer | undefined {
  const i = args.inputs;
  const auto = (key: string): string => String(i[key] ?? `${args.name}-${AUTONAME_SUFFIX}`);
  switch (args.type) {
    case "aws:sns/topic:Topic": {
      const name = auto("name");
      const arn = `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;
      return { id: arn, state: { name, arn } };
    }
    case "aws:sns/topicSubscription:TopicSubscription":
      return { id: "pending confirmation", state: { arn: "pending confirmation" } };
    case "aws:kms/key:Key":
      return {
        id: KEY_ID,
        state: { keyId: KEY_ID, arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}` },
      };
    case "aws:cloudwatch/eventRule:EventRule": {
      const name = auto("name");
      return { id: name, state: { name, arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/${name}` } };
    }
    case "aws:cloudwatch/metricAlarm:MetricAlarm": {
      const name = auto("name");
      return {
        id: name,
        state: { name, arn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}` },
      };
    }
    case "aws:cfg/rule:Rule":
      return {
        id: String(i.name),
        state: {
          ruleId: CONFIG_RULE_ID,
          arn: `arn:aws:config:${REGION}:${ACCOUNT}:config-rule/${CONFIG_RULE_ID}`,
        },
      };
    case "aws:cfg/organizationManagedRule:OrganizationManagedRule":
      return {
        id: String(i.name),
        state: {
          arn: `arn:aws:config:${REGION}:${ACCOUNT}:organization-config-rule/${String(i.name)}-${AUTONAME_SUFFIX}`,
        },
      };
    case "aws:s3/bucket:Bucket": {
      const bucket = auto("bucket");
      return { id: bucket, state: { bucket, arn: `arn:aws:s3:::${bucket}` } };
    }
    case "aws:iam/role:Role": {
      const name = auto("name");
      return { id: name, state: { name, arn: `arn:aws:iam::${ACCOUNT}:role/${name}` } };
    }
    case "aws:cfg/recorder:Recorder":
    case "aws:cfg/deliveryChannel:DeliveryChannel":
    case "aws:cfg/recorderStatus:RecorderStatus":
      return { id: String(i.name), state: {} };
    default:
      return undefined;
  }
}

export class ComplianceMocks extends RecordingMocks {
  constructor(
    handlers: Record<string, InvokeHandler> = {},
    private readonly previewMode = false,
  ) {
    super(handlers, previewMode);
  }

  override newResource(args: pulumi.runtime.MockResourceArgs): {
    id: string;
    state: Record<string, any>;
  } {
    const real = answer(args);
    if (real === undefined) return super.newResource(args);
    const id = this.previewMode ? "" : real.id;
    this.resources.push({ type: args.type, name: args.name, inputs: args.inputs, id });
    return {
      id: this.previewMode ? (undefined as unknown as string) : id,
      state: this.previewMode ? { ...args.inputs } : { ...args.inputs, ...real.state },
    };
  }
}

/**
 * Resolves once every pending resource registration has reached the mocks: the SDK's own
 * wait (`waitForRPCs`, what `pulumi.runtime.disconnect` awaits; exported but not typed).
 * Children nothing else waits on (an EventBridge target, email subscriptions) need it.
 */
export function allRegistered(): Promise<void> {
  return (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
}
