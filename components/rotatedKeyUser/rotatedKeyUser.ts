/**
 * RotatedKeyUser: an IAM user whose access keys rotate with no downtime. Two key slots (blue
 * and green), the current key published to a Secrets Manager secret that the user may read
 * itself, the rotation record kept in the user's own tags and, authoritatively, in the
 * published document. The component only declares resources: what the run does comes from
 * ./runPlan.ts (observation, cross-check, the pure rotation model), the defaults and
 * validation from ./settings.ts.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { applyAll } from "./applyAll";
import { waitUntilKeyWorks } from "./keyPropagation";
import { PublishedKeyDocument, publishedRecordOf } from "./publishedKey";
import { encodeRecord, TAG_PREFIX } from "./rotationRecord";
import {
  advance,
  afterPublication,
  otherSlot,
  Publication,
  RotationPolicy,
  RotationState,
  Slot,
  SLOTS,
} from "./rotationModel";
import { deleteAdoptedInactiveKeys, liveIo, planUserRun, UserRunPlan } from "./runPlan";
import {
  RotatedKeyUserSettings,
  policyLabel,
  rotatedKeyUserSettings,
  SELF_READ_POLICY_NAME,
  selfReadPolicy,
  validateRotatedKeyUserArgs,
} from "./settings";
import { addDays, fromDay, toDay, utcToday } from "../../lib/days";
import { ROTATED_KEY_USER_TYPE } from "../typeTokens";

/** The oldest Pulumi CLI whose engine honours `replacementTrigger` (Nov 2025). */
export const MINIMUM_PULUMI_VERSION = "3.208.0";

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
   * Revoke every key issued before this day (YYYY-MM-DD, at most today), e.g. after a leak:
   * a revoked current key is replaced now and deactivated once its replacement is published; a
   * revoked previous key is deactivated now, with no overlap. Defaults to none.
   */
  readonly revokeIssuedBefore?: string;
  /**
   * Take over an existing IAM user and its one Active key in place (its name, path, policies
   * and tags stay as they are): the key is imported into the blue slot and rotated away at
   * once, keeping its overlap. `{ deleteInactiveKey: true }` also lets the run delete an
   * Inactive key the user has. Defaults to false: an existing user without a record stops the run.
   */
  readonly adopt?: boolean | { readonly deleteInactiveKey?: boolean };
  /**
   * Ignore the record in the user's tags and rebuild it from the published document and the
   * keys IAM holds (after someone edited or removed the tags). Defaults to false.
   */
  readonly rebuildRecord?: boolean;
  /**
   * Let the user read its own secret (secretsmanager:GetSecretValue and DescribeSecret on it,
   * kms:Decrypt through Secrets Manager when it has a customer key): how consumers and
   * `iam-key-rotation credentials` follow rotations. Defaults to true.
   */
  readonly selfRead?: boolean;
  /** `project/stack` written to the record (who manages the user). Defaults to this stack. */
  readonly stack?: string;
  /** The day of the run, YYYY-MM-DD (UTC). Defaults to today. */
  readonly today?: string;
  /**
   * What this run does, decided beforehand (the program plans every user before declaring any).
   * Defaults to planning here: reading the user, its keys and its secret with provider invokes.
   */
  readonly runPlan?: UserRunPlan;
  /**
   * Test seam: the recorded rotation state (`null`: the user does not exist yet), taken as is,
   * without reading or cross-checking anything. Needs `published` too.
   */
  readonly recorded?: RotationState | null;
  /** Test seam: what the secret publishes now (`null`: nothing). Needs `recorded` too. */
  readonly published?: Publication | null;
}

/** What a run did for one user (stack output `run`): what `iam-key-rotation summary` reports. */
export interface RunReport {
  date: string;
  events: { kind: "issue" | "deactivate" | "delete"; slot: Slot; keyIssuedOn: string }[];
  keptInUse: {
    slot: Slot;
    accessKeyId: string;
    lastUsed: { date: string; service: string | null; region: string | null };
  } | null;
  /** When the previous key goes Inactive (null: no previous key Active). */
  previousDeactivatesOn: string | null;
  warnings: string[];
}

interface Children {
  user: aws.iam.User;
  keys: Partial<Record<Slot, aws.iam.AccessKey>>;
  secret: aws.secretsmanager.Secret;
  version: aws.secretsmanager.SecretVersion;
}

let engineChecked: Promise<void> | undefined;
/** requireEngine() has succeeded in this process. */
let engineVerified = false;

/** aws:region (or AWS_REGION) by run: the run's resource monitor, new in each run. */
const regions = new WeakMap<object, string | undefined>();

/**
 * aws:region, read once per run: each read of aws.config parses the whole stack config, which
 * lists every user, so a read per user was quadratic in users. A run (and each setMocks under
 * test) has its own resource monitor; without one, it is read every time.
 */
function configuredRegion(): string | undefined {
  const monitor = pulumi.runtime.getMonitor();
  if (monitor === undefined) return aws.config.region;
  if (!regions.has(monitor)) regions.set(monitor, aws.config.region);
  return regions.get(monitor);
}

/**
 * Refuses to run under a Pulumi CLI older than MINIMUM_PULUMI_VERSION: its engine ignores
 * `replacementTrigger`, so a "rotation" would re-activate the slot's old key. Checked once per
 * run (no engine under test mocks: nothing to check).
 */
export function requireEngine(): Promise<void> {
  engineChecked ??= pulumi.runtime
    .requirePulumiVersion(`>=${MINIMUM_PULUMI_VERSION}`)
    .catch((err: unknown) => {
      throw new pulumi.RunError(
        `iam-key-rotation needs Pulumi CLI ${MINIMUM_PULUMI_VERSION} or later: older engines ` +
          `ignore the replacementTrigger option, so keys would never be re-issued ` +
          `(${err instanceof Error ? err.message : String(err)}). Upgrade the Pulumi CLI, then ` +
          `run again. Nothing was changed.`,
      );
    })
    .then(() => {
      engineVerified = true;
    });
  return engineChecked;
}

export class RotatedKeyUser extends pulumi.ComponentResource {
  /** What this run does, once planned. */
  private readonly planned: Promise<UserRunPlan>;
  /** The children, once registered. */
  private readonly children: Promise<Children>;
  /**
   * The public outputs, each made when first read: a program that does not read one (the
   * program reads its plan directly) does not pay for it. Each Output costs the Pulumi SDK
   * several promises and a captured stack trace, which is most of what a run costs.
   */
  private readonly made = new Map<string, pulumi.Output<unknown>>();
  /** The plan and the children, when they were declared in the constructor. */
  private readonly built?: { plan: UserRunPlan; children: Children };

  /** IAM user name. */
  get userName(): pulumi.Output<string> {
    return this.fromChildren("userName", (c) => c.user.name);
  }
  /** IAM user ARN. */
  get userArn(): pulumi.Output<string> {
    return this.fromChildren("userArn", (c) => c.user.arn);
  }
  /** Slot of the key consumers are given: "blue" or "green". */
  get currentSlot(): pulumi.Output<Slot> {
    return this.fromPlan("currentSlot", (p) => p.plan.current);
  }
  /** Access key id of the current key (not secret). */
  get currentAccessKeyId(): pulumi.Output<string> {
    const built = this.built;
    if (built !== undefined) {
      return this.once(
        "currentAccessKeyId",
        () => built.children.keys[built.plan.plan.current]!.id,
      );
    }
    return this.once("currentAccessKeyId", () =>
      pulumi.output(
        Promise.all([this.planned, this.children]).then(([p, c]) => c.keys[p.plan.current]!.id),
      ),
    );
  }
  /** ARN of the secret holding the current key; resolves once the key is published. */
  get secretArn(): pulumi.Output<string> {
    // From the version, not the secret: it resolves only once the current key is published.
    return this.fromChildren("secretArn", (c) => c.version.arn);
  }
  /** YYYY-MM-DD of the next rotation. */
  get nextRotationOn(): pulumi.Output<string> {
    return this.fromPlan("nextRotationOn", (p) => p.plan.nextRotationOn);
  }
  /** The rotation record written by this run (in the user's tags and the published document). */
  get rotationState(): pulumi.Output<RotationState> {
    return this.fromPlan("rotationState", (p) => p.record);
  }
  /** What this run did: keys issued, deactivated, deleted, kept Active because in use. */
  get run(): pulumi.Output<RunReport> {
    return this.fromPlan("run", (p) => runReport(p, this.today));
  }

  private readonly today: string;

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
    this.today = today;
    const stack = args.stack ?? `${pulumi.getProject()}/${pulumi.getStack()}`;

    if (args.runPlan !== undefined && engineVerified) {
      // The program planned every user and checked the engine before declaring any: the
      // children are declared now, and the public outputs are theirs, not Outputs wrapping a
      // promise of them (each Output costs the SDK a dozen promises; bench/RESULTS.md).
      const children = this.build(name, args, settings, args.runPlan, today, stack);
      this.built = { plan: args.runPlan, children };
      this.planned = Promise.resolve(args.runPlan);
      this.children = Promise.resolve(children);
      this.registerOutputs(registeredOutputs(settings, args.runPlan));
      return;
    }
    const planned: Promise<UserRunPlan> = requireEngine().then(() =>
      this.plan(args, settings, today, stack),
    );
    const children = planned.then((p) => this.build(name, args, settings, p, today, stack));
    this.planned = planned;
    this.children = children;
    this.registerOutputs(
      Promise.all([planned, children]).then(([p]) => registeredOutputs(settings, p)),
    );
  }

  private once<T>(key: string, make: () => pulumi.Output<T>): pulumi.Output<T> {
    let output = this.made.get(key);
    if (output === undefined) {
      output = make();
      this.made.set(key, output);
    }
    return output as pulumi.Output<T>;
  }

  private fromChildren<T>(key: string, f: (c: Children) => pulumi.Output<T>): pulumi.Output<T> {
    const built = this.built;
    if (built !== undefined) return this.once(key, () => f(built.children));
    return this.once(key, () => pulumi.output(this.children.then(f)) as pulumi.Output<T>);
  }

  private fromPlan<T>(key: string, f: (p: UserRunPlan) => T): pulumi.Output<T> {
    return this.once(key, () => pulumi.output(this.planned.then(f)) as pulumi.Output<T>);
  }

  /** What this run does: given by the program, or planned here from live reads. */
  private async plan(
    args: RotatedKeyUserArgs,
    settings: RotatedKeyUserSettings,
    today: string,
    stack: string,
  ): Promise<UserRunPlan> {
    if (args.runPlan !== undefined) return args.runPlan;
    if (args.recorded !== undefined && args.published !== undefined) {
      const plan = advance(
        args.recorded ?? undefined,
        settings.rotation,
        today,
        args.published,
        args.revokeIssuedBefore,
      );
      return {
        before: args.recorded ?? undefined,
        plan,
        record: afterPublication(plan.state, settings.rotation, today),
        keyIds: {},
        statusBefore: {},
        warnings: [],
      };
    }
    const run = await planUserRun(
      {
        userName: args.userName,
        stack,
        path: settings.path,
        policy: settings.rotation,
        secretName: settings.secretName,
        dryRun: pulumi.runtime.isDryRun(),
        ...(args.revokeIssuedBefore !== undefined && {
          revokeIssuedBefore: args.revokeIssuedBefore,
        }),
        ...(settings.adopt && {
          adopt: {
            deleteInactiveKey:
              typeof args.adopt === "object" && args.adopt.deleteInactiveKey === true,
          },
        }),
        ...(args.rebuildRecord === true && { rebuildRecord: true }),
      },
      today,
      liveIo({ parent: this }),
    );
    for (const warning of run.warnings) void pulumi.log.warn(warning, this);
    await deleteAdoptedInactiveKeys(run, args.userName, liveIo(), pulumi.runtime.isDryRun());
    return run;
  }

  /** Every child the plan calls for, in the order they depend on each other. */
  private build(
    name: string,
    args: RotatedKeyUserArgs,
    settings: RotatedKeyUserSettings,
    run: UserRunPlan,
    today: string,
    stack: string,
  ): Children {
    const { plan } = run;
    const user = this.user(name, args, settings, run, stack);
    // The children name the user by its name as given, each with the user as a dependency (so
    // they come after it, and go before it): the same edge as its `name` Output, for fewer of
    // the SDK's promises (bench/RESULTS.md).
    const userName = args.userName;
    this.policyAttachments(name, args.policyArns ?? [], userName, user);

    const previousSlot = otherSlot(plan.current);
    const previousStatus = plan.slots[previousSlot]?.status;
    const keys: Partial<Record<Slot, aws.iam.AccessKey>> = {
      [plan.current]: this.slotKey(name, userName, user, run, plan.current),
    };
    // An Active previous key is published with the current one; an Inactive one is not.
    if (previousStatus === "Active")
      keys[previousSlot] = this.slotKey(name, userName, user, run, previousSlot);

    const secret = this.secret(name, args, settings);
    const version = new aws.secretsmanager.SecretVersion(
      `${name}-secret-version`,
      {
        // The secret's id is its ARN: as read when the secret holds this stack's document (see
        // selfRead), with the secret a dependency either way.
        secretId: run.secretArn ?? secret.id,
        secretString: this.document(args, run, keys, today, stack),
      },
      { parent: this, dependsOn: [secret] },
    );
    // Deactivating the previous key waits for this run's publication to succeed: if the new
    // key could not be published, consumers still have the old one.
    if (previousStatus === "Inactive") {
      keys[previousSlot] = this.slotKey(name, userName, user, run, previousSlot, [version]);
    }
    if (settings.selfRead) this.selfRead(name, args, user, secret, run.secretArn);
    return { user, keys, secret, version };
  }

  /** The IAM user, its tags carrying the rotation record; imported when it is adopted. */
  private user(
    name: string,
    args: RotatedKeyUserArgs,
    settings: RotatedKeyUserSettings,
    run: UserRunPlan,
    stack: string,
  ): aws.iam.User {
    const adoption = run.adoption;
    // Never set or removed by the stack: an existing user's boundary is declared as found.
    const boundary = run.permissionsBoundary;
    return new aws.iam.User(
      `${name}-user`,
      {
        name: args.userName,
        path: settings.path,
        tags: { ...adoption?.keepTags, ...args.tags, ...encodeRecord(run.record, stack) },
        ...(boundary !== undefined && { permissionsBoundary: boundary }),
      },
      // Taking over the existing user: once it is in the state, the option changes nothing.
      { parent: this, ...(adoption !== undefined && { import: args.userName }) },
    );
  }

  /** One attachment per managed policy, named by owner and policy name (see policyLabel). */
  private policyAttachments(
    name: string,
    policyArns: readonly string[],
    userName: string,
    user: aws.iam.User,
  ) {
    for (const arn of policyArns) {
      new aws.iam.UserPolicyAttachment(
        `${name}-${policyLabel(arn)}`,
        { user: userName, policyArn: arn },
        { parent: this, dependsOn: [user] },
      );
    }
  }

  /** The access key of one slot; an adopted key is imported, never re-created. */
  private slotKey(
    name: string,
    userName: string,
    user: aws.iam.User,
    run: UserRunPlan,
    slot: Slot,
    dependsOn: pulumi.Resource[] = [],
  ): aws.iam.AccessKey {
    const planned = run.plan.slots[slot]!;
    const adopted = run.plan.state.adopted;
    const imported =
      adopted?.slot === slot && run.plan.state.slots[slot]?.issuedOn === planned.issuedOn
        ? adopted.accessKeyId
        : undefined;
    return new aws.iam.AccessKey(
      `${name}-${slot}`,
      { user: userName, status: planned.status },
      {
        parent: this,
        // A calendar date known at preview and identical on retries: a new date re-issues
        // the slot, anything else updates it in place.
        replacementTrigger: planned.issuedOn,
        // IAM allows two keys per user, Inactive ones included: free the slot first.
        deleteBeforeReplace: true,
        dependsOn: [user, ...dependsOn],
        // The key the user had before it was adopted, while it still holds this slot (a no-op
        // once it is in the state).
        ...(imported !== undefined && { import: imported }),
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
   * The user may read exactly its own secret (./settings.ts selfReadPolicy). Named by the ARN
   * the run read when the secret holds a document this stack published (the same secret: an
   * ARN never changes; runPlan.ts publishedSecretArn), with no Output to wait for; otherwise by
   * the secret's own ARN, so the policy waits for the secret.
   */
  private selfRead(
    name: string,
    args: RotatedKeyUserArgs,
    user: aws.iam.User,
    secret: aws.secretsmanager.Secret,
    secretArn: string | undefined,
  ): aws.iam.UserPolicy {
    const region = configuredRegion() ?? "us-east-1";
    const policyOf = (arn: string) =>
      JSON.stringify(selfReadPolicy(arn, region, args.kmsKeyId !== undefined));
    return new aws.iam.UserPolicy(
      `${name}-self-read`,
      {
        name: SELF_READ_POLICY_NAME,
        user: args.userName,
        // One apply: pulumi.jsonStringify would wrap it in two more Outputs.
        policy: secretArn !== undefined ? policyOf(secretArn) : secret.arn.apply(policyOf),
      },
      { parent: this, dependsOn: [user] },
    );
  }

  /**
   * The published-key document (./publishedKey.ts): the current key and, while it is Active,
   * the previous one (not an adopted key: its secret was never known), with the rotation record
   * this run leaves. Before it is written: a key issued in this run is checked with STS (not at
   * preview), and every published key must be at least as new as its slot's issue date, or the
   * engine did not replace it (the engine guard).
   */
  private document(
    args: RotatedKeyUserArgs,
    run: UserRunPlan,
    keys: Partial<Record<Slot, aws.iam.AccessKey>>,
    today: string,
    stack: string,
  ): pulumi.Output<string> {
    const { plan, record } = run;
    const current = keys[plan.current]!;
    const previousSlot = otherSlot(plan.current);
    const previousAdopted = plan.state.adopted?.slot === previousSlot;
    const previousKey = previousAdopted ? undefined : keys[previousSlot];
    const issuedToday = plan.slots[plan.current]!.issuedOn === today;
    const waitForNewKey = (args.waitForNewKey ?? true) && issuedToday;
    const region = configuredRegion();
    // The keys declared before the document: the current one and an Active previous one.
    const declared = SLOTS.flatMap((slot) => (keys[slot] === undefined ? [] : [slot]));
    const previousDeclared = keys[previousSlot];

    /** The engine guard, the wait for a new key, then the document. */
    const publish = async (
      previousId: string | undefined,
      previousSecret: string | undefined,
      secretKey: string,
      id: string,
      createdOf: (slot: Slot) => string,
    ): Promise<string> => {
      for (const slot of declared) {
        const issuedOn = plan.slots[slot]!.issuedOn;
        const createdOn = fromDay(toDay(new Date(createdOf(slot))));
        if (createdOn < issuedOn) {
          // The key's URN, for the command: read only here (each value the applies below
          // take costs every run an Output), known since the key is registered.
          const urn = await new Promise<string>((resolve) => keys[slot]!.urn.apply(resolve));
          throw new pulumi.RunError(
            `The ${slot} key of IAM user "${args.userName}" should have been issued on ` +
              `${issuedOn}, but the key in that slot was created on ${createdOn}: the engine ` +
              `did not replace it, as Pulumi CLIs older than ${MINIMUM_PULUMI_VERSION} do ` +
              `(they ignore the replacementTrigger option). Nothing was published. Upgrade ` +
              `the Pulumi CLI to ${MINIMUM_PULUMI_VERSION} or later, then run ` +
              `pulumi up --replace "${urn}".`,
          );
        }
      }
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
      // An adopted previous key is not published: its secret was never known.
      if (previousId !== undefined && previousSecret !== undefined) {
        doc.previous = {
          accessKeyId: previousId,
          secretAccessKey: previousSecret,
          slot: previousSlot,
          issuedOn: plan.slots[previousSlot]!.issuedOn,
        };
        // Kept Active today because still used: the next run decides again tomorrow.
        const deactivatesOn =
          record.previousInUse === today ? addDays(today, 1) : record.previousActiveUntil;
        if (deactivatesOn !== undefined) doc.previous.deactivatesOn = deactivatesOn;
      }
      // An Inactive previous key is declared after the document: its id is the observed one.
      const previousIdOfSlot = previousId ?? run.keyIds[previousSlot];
      doc.record = publishedRecordOf(record, stack, {
        [plan.current]: id,
        ...(previousIdOfSlot !== undefined && { [previousSlot]: previousIdOfSlot }),
      });
      // Registered as a secret: @pulumi/aws's SecretVersion wraps its secretString in
      // pulumi.secret (a test checks it), as the key's `secret` output is one.
      return JSON.stringify(doc);
    };

    // The current key's values last: a value the run does not know yet (at preview, those of a
    // key this update issues, and only the current key is ever issued) ends the applies, and
    // the result then carries the dependencies of the values up to it: the previous key's and
    // the current key's, all of them. The document is registered as a secret (below).
    return applyAll<string>(
      [previousDeclared?.id, previousKey?.secret, current.secret, current.id],
      (values) => {
        const [previousId, previousSecret, secretKey, id] = values as [
          string | undefined,
          string | undefined,
          string,
          string,
        ];
        const idOf: Partial<Record<Slot, string>> = {
          [previousSlot]: previousId,
          [plan.current]: id,
        };
        // When each declared key was created: as IAM listed it at the start of the run while
        // the slot holds the key listed then (a key's creation never changes), else (a key
        // created since, or nothing listed) from the key itself, one more apply.
        const listed = (slot: Slot) =>
          idOf[slot] === run.keyIds[slot] ? run.createDates?.[slot] : undefined;
        const unlisted = declared.filter((slot) => listed(slot) === undefined);
        if (unlisted.length === 0) {
          return publish(previousId, previousSecret, secretKey, id, (slot) => listed(slot)!);
        }
        return applyAll<string>(
          unlisted.map((slot) => keys[slot]!.createDate),
          (dates) =>
            publish(
              previousId,
              previousSecret,
              secretKey,
              id,
              (slot) => listed(slot) ?? (dates[unlisted.indexOf(slot)] as string),
            ),
        );
      },
    );
  }
}

/**
 * What the component registers as its outputs: what the policy pack reads, its settings (a
 * policy's stack validation sees a component's registered outputs, not its inputs) and the
 * record this run writes. Nothing else: the rest is on the public outputs above and in the
 * program's stack outputs, and each registered value costs every run its serialization (an
 * Output's, several promises; bench/RESULTS.md).
 */
function registeredOutputs(settings: RotatedKeyUserSettings, p: UserRunPlan): pulumi.Inputs {
  return { ...settings, rotationState: p.record };
}

/** What this run did, from the plan and the record it started from (stack output `run`). */
export function runReport(run: UserRunPlan, today: string): RunReport {
  const { plan, record } = run;
  const events: RunReport["events"] = [];
  const before = run.before;
  for (const slot of SLOTS) {
    const now = plan.slots[slot];
    const old = before?.slots[slot];
    if (now === undefined) continue;
    if (old === undefined || old.issuedOn !== now.issuedOn) {
      if (old !== undefined) events.push({ kind: "delete", slot, keyIssuedOn: old.issuedOn });
      events.push({ kind: "issue", slot, keyIssuedOn: now.issuedOn });
    } else if (run.statusBefore[slot] === "Active" && now.status === "Inactive") {
      events.push({ kind: "deactivate", slot, keyIssuedOn: now.issuedOn });
    }
  }
  const previous = plan.slots[otherSlot(plan.current)];
  return {
    date: today,
    events,
    keptInUse:
      run.keptInUse === undefined
        ? null
        : {
            slot: run.keptInUse.slot,
            accessKeyId: run.keptInUse.accessKeyId,
            lastUsed: {
              date: run.keptInUse.lastUse.date,
              service: run.keptInUse.lastUse.service ?? null,
              region: run.keptInUse.lastUse.region ?? null,
            },
          },
    previousDeactivatesOn:
      previous?.status === "Active"
        ? run.keptInUse !== undefined
          ? fromDay(toDay(today) + 1)
          : (record.previousActiveUntil ?? null)
        : null,
    warnings: run.warnings,
  };
}
