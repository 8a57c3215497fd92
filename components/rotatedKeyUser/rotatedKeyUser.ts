/**
 * RotatedKeyUser: an IAM user whose access keys rotate with no downtime. Two key slots (blue
 * and green), the current key published to a Secrets Manager secret, the rotation record kept
 * in the user's own tags. The component only declares resources: the plan comes from the pure
 * rotation model (./rotationModel.ts), the defaults and validation from ./settings.ts.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { waitUntilKeyWorks } from "./keyPropagation";
import { readPublication, readRecordedState } from "./liveReads";
import { PublishedKeyDocument } from "./publishedKey";
import { encodeRecord, TAG_PREFIX } from "./rotationRecord";
import {
  advance,
  awaitsPublication,
  otherSlot,
  Publication,
  RotationPlan,
  RotationPolicy,
  RotationState,
  Slot,
} from "./rotationModel";
import {
  RotatedKeyUserSettings,
  rotatedKeyUserSettings,
  validateRotatedKeyUserArgs,
} from "./settings";
import { utcToday } from "../../lib/days";
import { parseArn } from "../../lib/arn";
import { ROTATED_KEY_USER_TYPE } from "../typeTokens";

export interface RotatedKeyUserArgs {
  /** IAM user name: 1 to 64 letters, digits or +=,.@_-. */
  readonly userName: string;
  /** IAM path of the user. Defaults to "/key-rotation/". */
  readonly path?: string;
  /** ARNs of managed policies attached to the user. Defaults to none. */
  readonly policyArns?: readonly string[];
  /** Rotation policy; missing fields take the defaults (everyDays 30, overlapDays 7, maxAgeDays 90). */
  readonly rotation?: Partial<RotationPolicy>;
  /** Name of the Secrets Manager secret the current key is published to. Defaults to "key-rotation/<userName>". */
  readonly secretName?: string;
  /** KMS key that encrypts the secret. Defaults to the AWS managed key aws/secretsmanager. */
  readonly kmsKeyId?: pulumi.Input<string>;
  /** Extra tags on the user and the secret. The `key-rotation:` prefix is reserved. Defaults to none. */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Before publishing a key issued in this run, wait until STS accepts it (new keys take a few
   * seconds to work everywhere). Skipped during preview. Defaults to true.
   */
  readonly waitForNewKey?: boolean;
  /**
   * Revoke every key issued before this day (YYYY-MM-DD, at most tomorrow), e.g. after a leak:
   * a revoked current key is replaced now and deactivated once its replacement is published; a
   * revoked previous key is deactivated now, with no overlap. Defaults to none.
   */
  readonly revokeIssuedBefore?: string;
  /** The day of the run, YYYY-MM-DD (UTC). Defaults to today. */
  readonly today?: string;
  /**
   * The recorded rotation state; `null` when the user does not exist yet. Defaults to reading
   * the user's tags with the aws.iam.getUser invoke.
   */
  readonly recorded?: RotationState | null;
  /**
   * What the secret publishes now; `null` when nothing is published. Defaults to reading the
   * secret with the aws.secretsmanager.getSecretVersion invoke when the model needs it (while an
   * overlap waits to start).
   */
  readonly published?: Publication | null;
}

interface Children {
  user: aws.iam.User;
  keys: Partial<Record<Slot, aws.iam.AccessKey>>;
  secret: aws.secretsmanager.Secret;
  version: aws.secretsmanager.SecretVersion;
}

export class RotatedKeyUser extends pulumi.ComponentResource {
  /** IAM user name. */
  public readonly userName: pulumi.Output<string>;
  /** IAM user ARN. */
  public readonly userArn: pulumi.Output<string>;
  /** Slot of the key consumers are given: "blue" or "green". */
  public readonly currentSlot: pulumi.Output<Slot>;
  /** Access key id of the current key (not secret). */
  public readonly currentAccessKeyId: pulumi.Output<string>;
  /** ARN of the secret holding the current key; resolves once the key is published. */
  public readonly secretArn: pulumi.Output<string>;
  /** YYYY-MM-DD of the next rotation. */
  public readonly nextRotationOn: pulumi.Output<string>;
  /** The rotation record written by this run (also in the user's tags). */
  public readonly rotationState: pulumi.Output<RotationState>;

  constructor(name: string, args: RotatedKeyUserArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before anything is registered, the component itself included.
    const settings = rotatedKeyUserSettings(args);
    const today = args.today ?? utcToday();
    const problems = validateRotatedKeyUserArgs(settings, args.revokeIssuedBefore, today);
    if (problems.length > 0) {
      throw new Error(`RotatedKeyUser "${name}": ${problems.join(" ")}`);
    }
    // Registered as the component's inputs, so policy packs see the settings at preview.
    super(ROTATED_KEY_USER_TYPE, name, settings, opts);

    // With both seams given the plan is known now; otherwise read the live state first.
    const plan: Promise<RotationPlan> =
      args.recorded !== undefined && args.published !== undefined
        ? Promise.resolve(
            advance(
              args.recorded ?? undefined,
              settings.rotation,
              today,
              args.published,
              args.revokeIssuedBefore,
            ),
          )
        : this.readPlan(args, settings, today);
    const children = plan.then((p) => this.build(name, args, settings, p, today));

    const fromChildren = <T>(f: (c: Children) => pulumi.Input<T>) =>
      pulumi.output(children.then(f)) as pulumi.Output<T>;
    this.userName = fromChildren((c) => c.user.name);
    this.userArn = fromChildren((c) => c.user.arn);
    this.currentSlot = pulumi.output(plan.then((p) => p.current));
    this.currentAccessKeyId = pulumi.output(
      Promise.all([plan, children]).then(([p, c]) => c.keys[p.current]!.id),
    );
    // From the version, not the secret: it resolves only once the current key is published.
    this.secretArn = fromChildren((c) => c.version.arn);
    this.nextRotationOn = pulumi.output(plan.then((p) => p.nextRotationOn));
    this.rotationState = pulumi.output(plan.then((p) => p.state));

    this.registerOutputs({
      userName: this.userName,
      userArn: this.userArn,
      currentSlot: this.currentSlot,
      currentAccessKeyId: this.currentAccessKeyId,
      secretArn: this.secretArn,
      nextRotationOn: this.nextRotationOn,
      rotationState: this.rotationState,
    });
  }

  /** The plan, from the recorded state and (while an overlap waits) the published key. */
  private async readPlan(
    args: RotatedKeyUserArgs,
    settings: RotatedKeyUserSettings,
    today: string,
  ): Promise<RotationPlan> {
    const recorded =
      args.recorded !== undefined
        ? args.recorded
        : await readRecordedState(args.userName, { parent: this }, today);
    const published =
      args.published !== undefined
        ? args.published
        : awaitsPublication(recorded)
          ? await readPublication(settings.secretName, { parent: this })
          : null;
    return advance(
      recorded ?? undefined,
      settings.rotation,
      today,
      published,
      args.revokeIssuedBefore,
    );
  }

  /** Every child the plan calls for, in the order they depend on each other. */
  private build(
    name: string,
    args: RotatedKeyUserArgs,
    settings: RotatedKeyUserSettings,
    plan: RotationPlan,
    today: string,
  ): Children {
    const user = this.user(name, args, settings, plan);
    this.policyAttachments(name, args.policyArns ?? [], user);

    const previousSlot = otherSlot(plan.current);
    const previousStatus = plan.slots[previousSlot]?.status;
    const keys: Partial<Record<Slot, aws.iam.AccessKey>> = {
      [plan.current]: this.slotKey(name, user, plan, plan.current),
    };
    // An Active previous key is published with the current one; an Inactive one is not.
    if (previousStatus === "Active")
      keys[previousSlot] = this.slotKey(name, user, plan, previousSlot);

    const secret = this.secret(name, args, settings);
    const version = new aws.secretsmanager.SecretVersion(
      `${name}-secret-version`,
      { secretId: secret.id, secretString: pulumi.secret(this.document(args, plan, keys, today)) },
      { parent: this },
    );
    // Deactivating the previous key waits for this run's publication to succeed: if the new
    // key could not be published, consumers still have the old one.
    if (previousStatus === "Inactive") {
      keys[previousSlot] = this.slotKey(name, user, plan, previousSlot, [version]);
    }
    return { user, keys, secret, version };
  }

  /** The IAM user, its tags carrying the rotation record. */
  private user(
    name: string,
    args: RotatedKeyUserArgs,
    settings: RotatedKeyUserSettings,
    plan: RotationPlan,
  ): aws.iam.User {
    return new aws.iam.User(
      `${name}-user`,
      {
        name: args.userName,
        path: settings.path,
        tags: { ...args.tags, ...encodeRecord(plan.state) },
      },
      { parent: this },
    );
  }

  /** One attachment per managed policy, named by owner and policy name (see policyLabel). */
  private policyAttachments(name: string, policyArns: readonly string[], user: aws.iam.User) {
    for (const arn of policyArns) {
      new aws.iam.UserPolicyAttachment(
        `${name}-${policyLabel(arn)}`,
        { user: user.name, policyArn: arn },
        { parent: this },
      );
    }
  }

  /** The access key of one slot. */
  private slotKey(
    name: string,
    user: aws.iam.User,
    plan: RotationPlan,
    slot: Slot,
    dependsOn?: pulumi.Resource[],
  ): aws.iam.AccessKey {
    return new aws.iam.AccessKey(
      `${name}-${slot}`,
      { user: user.name, status: plan.slots[slot]!.status },
      {
        parent: this,
        // A calendar date known at preview and identical on retries: a new date re-issues
        // the slot, anything else updates it in place.
        replacementTrigger: plan.slots[slot]!.issuedOn,
        // IAM allows two keys per user, Inactive ones included: free the slot first.
        deleteBeforeReplace: true,
        dependsOn,
        // (@pulumi/aws itself marks `secret` and `sesSmtpPasswordV4` as secret outputs.)
      },
    );
  }

  /** The secret the current key is published to. */
  private secret(
    name: string,
    args: RotatedKeyUserArgs,
    settings: RotatedKeyUserSettings,
  ): aws.secretsmanager.Secret {
    return new aws.secretsmanager.Secret(
      `${name}-secret`,
      {
        name: settings.secretName,
        description: `Current access key of IAM user ${args.userName}, rotated by iam-key-rotation.`,
        kmsKeyId: args.kmsKeyId,
        tags: { ...args.tags, [`${TAG_PREFIX}user`]: args.userName },
      },
      { parent: this },
    );
  }

  /**
   * The published-key document (./publishedKey.ts): the current key and, while it is Active,
   * the previous one. A key issued in this run is first checked with STS (not at preview).
   */
  private document(
    args: RotatedKeyUserArgs,
    plan: RotationPlan,
    keys: Partial<Record<Slot, aws.iam.AccessKey>>,
    today: string,
  ): pulumi.Output<string> {
    const current = keys[plan.current]!;
    const previousSlot = otherSlot(plan.current);
    const previousKey = keys[previousSlot];
    const issuedToday = plan.slots[plan.current]!.issuedOn === today;
    const waitForNewKey = (args.waitForNewKey ?? true) && issuedToday;
    const region = aws.config.region;

    return pulumi
      .all([current.id, current.secret, previousKey?.id, previousKey?.secret])
      .apply(async ([id, secretKey, previousId, previousSecret]) => {
        if (waitForNewKey && !pulumi.runtime.isDryRun()) {
          await waitUntilKeyWorks({ accessKeyId: id, secretAccessKey: secretKey }, { region });
        }
        const doc: PublishedKeyDocument = {
          accessKeyId: id,
          secretAccessKey: secretKey,
          slot: plan.current,
          issuedOn: plan.slots[plan.current]!.issuedOn,
          userName: args.userName,
        };
        if (previousId !== undefined && previousSecret !== undefined) {
          doc.previous = {
            accessKeyId: previousId,
            secretAccessKey: previousSecret,
            slot: previousSlot,
            issuedOn: plan.slots[previousSlot]!.issuedOn,
          };
          if (plan.state.previousActiveUntil !== undefined) {
            doc.previous.deactivatesOn = plan.state.previousActiveUntil;
          }
        }
        return JSON.stringify(doc);
      });
  }
}

/**
 * A stable child-name suffix for a policy attachment: owner and policy name
 * (`aws-ReadOnlyAccess`, `123456789012-deploy`), so reordering the list changes nothing.
 */
function policyLabel(arn: string): string {
  const parsed = parseArn(arn);
  const resource = parsed?.resource ?? "";
  const policyName = resource.split("/").pop() ?? resource;
  return `${parsed?.accountId ?? ""}-${policyName}`;
}
