/**
 * RotatedKeyUser under pulumi.runtime.setMocks: exact resources, names, parentage, tags,
 * statuses and the slot options, the published document, and a multi-run rotation cycle that
 * feeds each run's tags and secret into the next run's invokes.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
  AccessKeyAnswer,
  ACCOUNT,
  noSuchSecret,
  noSuchUser,
  optionsSpy,
  RecordingMocks,
  secretArn,
  unwrapSecret,
  useMocks,
  valueOf,
} from "../../support/mocks";
import type {
  RotatedKeyUser as RotatedKeyUserType,
  RotatedKeyUserArgs,
} from "../../../components/rotatedKeyUser/rotatedKeyUser";
import type { RotationState } from "../../../components/rotatedKeyUser/rotationModel";
import type { UserRunPlan } from "../../../components/rotatedKeyUser/runPlan";
import { iamCalls } from "../../../components/rotatedKeyUser/liveReads";
import {
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  type IAMClient,
  ListAccessKeysCommand,
} from "@aws-sdk/client-iam";

const USER = "aws:iam/user:User";
const KEY = "aws:iam/accessKey:AccessKey";
const ATTACH = "aws:iam/userPolicyAttachment:UserPolicyAttachment";
const SECRET = "aws:secretsmanager/secret:Secret";
const VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const POLICY = "aws:iam/userPolicy:UserPolicy";
const STACK = "iam-key-rotation/test";
const COMPONENT = "iam-key-rotation:index:RotatedKeyUser";

async function load(): Promise<typeof import("../../../components/rotatedKeyUser/rotatedKeyUser")> {
  return import("../../../components/rotatedKeyUser/rotatedKeyUser");
}

/** Builds one component, waits until every child is registered and the document resolved. */
async function build(
  mocks: RecordingMocks,
  args: Partial<RotatedKeyUserArgs>,
  options: { preview?: boolean; accessKey?: KeyHook } = {},
) {
  await useMocks(mocks, options);
  const { RotatedKeyUser } = await load();
  const spy = optionsSpy();
  const today = args.today ?? "2026-11-22";
  const hook = options.accessKey;
  // Keys the mock creates are made on the day of the run, unless the test models IAM.
  mocks.accessKey =
    hook === undefined
      ? (mocks.accessKey ?? ((name) => ({ id: keyId(name), createDate: `${today}T06:00:00Z` })))
      : (name, inputs) =>
          hook(
            name,
            inputs,
            [...spy.seen].reverse().find((c) => c.name === name)?.opts.replacementTrigger as
              string | undefined,
          );
  const component: RotatedKeyUserType = new RotatedKeyUser(
    "ci",
    { userName: "ci-deployer", waitForNewKey: false, today, ...args },
    { transformations: [spy.transformation] },
  );
  if (!options.preview) await valueOf(component.secretArn);
  await waitFor(() => mocks.ofType(VERSION).length === 1 || (options.preview ?? false));
  return { component, spy };
}

/** The access key id the mock gives a slot key by default. */
function keyId(name: string): string {
  let h = 2166136261;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return `AKIA${h.toString(36).toUpperCase().padStart(12, "0")}`;
}

async function waitFor(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(done(), "resources were not registered");
}

/**
 * Declares a component whose published document fails to serialize, and returns that failure:
 * the program fails when its registration does (the runtime's handler of rejections), so this
 * listens for the rejection (only this run's: an earlier test's components may still be
 * finishing).
 */
async function documentFailure(declare: () => void): Promise<string> {
  const failures: string[] = [];
  const listener = (err: unknown) => {
    if (String(err).includes('"secretString"')) failures.push(String(err));
  };
  process.on("unhandledRejection", listener);
  try {
    declare();
    await waitFor(() => failures.length > 0);
  } finally {
    process.off("unhandledRejection", listener);
  }
  return failures[0];
}

/** The logical names a child's `dependsOn` points at. */
async function dependsOnNames(spy: ReturnType<typeof optionsSpy>, name: string): Promise<string[]> {
  const deps = spy.seen.find((c) => c.name === name)!.opts.dependsOn;
  const list = deps === undefined ? [] : Array.isArray(deps) ? deps : [deps];
  const urns = await Promise.all(list.map((d) => valueOf((d as pulumi.Resource).urn)));
  return urns.map((urn) => urn.split("::").pop()!);
}

function documentOf(mocks: RecordingMocks): Record<string, unknown> {
  const { secret, value } = unwrapSecret(mocks.ofType(VERSION)[0].inputs.secretString);
  assert.equal(secret, true, "the published document must be registered as a secret");
  return JSON.parse(value as string) as Record<string, unknown>;
}

type KeyHook = (
  name: string,
  inputs: Record<string, any>,
  trigger: string | undefined,
) => AccessKeyAnswer;

const twoSlots: RotationState = {
  current: "green",
  slots: { blue: { issuedOn: "2026-10-23" }, green: { issuedOn: "2026-11-22" } },
};

describe("RotatedKeyUser", () => {
  it("creates the user, its policy attachments, the blue key and the secret for a new user", async () => {
    const mocks = new RecordingMocks();
    const { component } = await build(mocks, {
      recorded: null,
      published: null,
      policyArns: [
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        `arn:aws:iam::${ACCOUNT}:policy/team/deploy`,
      ],
      tags: { team: "platform" },
    });
    assert.deepEqual(
      mocks.resources.map((r) => [r.type, r.name]).sort(),
      [
        [COMPONENT, "ci"],
        [USER, "ci-user"],
        [SECRET, "ci-secret"],
        [ATTACH, "ci-aws-ReadOnlyAccess"],
        [ATTACH, `ci-${ACCOUNT}-deploy`],
        [KEY, "ci-blue"],
        [VERSION, "ci-secret-version"],
        [POLICY, "ci-self-read"],
      ].sort(),
      "exact resources (any registration order)",
    );
    assert.deepEqual(mocks.named("ci-user").inputs, {
      name: "ci-deployer",
      path: "/key-rotation/",
      tags: {
        team: "platform",
        "key-rotation:current": "blue",
        "key-rotation:blue": "2026-11-22",
        "key-rotation:stack": STACK,
      },
    });
    assert.deepEqual(mocks.named("ci-aws-ReadOnlyAccess").inputs, {
      user: "ci-deployer",
      policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
    });
    assert.deepEqual(mocks.named("ci-blue").inputs, { user: "ci-deployer", status: "Active" });
    assert.deepEqual(mocks.named("ci-secret").inputs, {
      name: "key-rotation/ci-deployer",
      description: "Current access key of IAM user ci-deployer, rotated by iam-key-rotation.",
      tags: { team: "platform", "key-rotation:user": "ci-deployer" },
    });
    const blueId = mocks.named("ci-blue").id;
    assert.deepEqual(documentOf(mocks), {
      accessKeyId: blueId,
      secretAccessKey: "secret-for-ci-blue",
      slot: "blue",
      issuedOn: "2026-11-22",
      userName: "ci-deployer",
      record: {
        current: "blue",
        slots: { blue: { issuedOn: "2026-11-22", accessKeyId: blueId } },
        stack: STACK,
      },
    });
    assert.deepEqual(mocks.named("ci-self-read").inputs, {
      name: "iam-key-rotation-self-read",
      user: "ci-deployer",
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "ReadOwnSecret",
            Effect: "Allow",
            Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
            Resource: secretArn("key-rotation/ci-deployer"),
          },
        ],
      }),
    });
    assert.equal(
      mocks.named("ci-secret-version").inputs.secretId,
      secretArn("key-rotation/ci-deployer"),
    );

    assert.equal(await valueOf(component.userName), "ci-deployer");
    assert.equal(
      await valueOf(component.userArn),
      `arn:aws:iam::${ACCOUNT}:user/key-rotation/ci-deployer`,
    );
    assert.equal(await valueOf(component.currentSlot), "blue");
    assert.equal(await valueOf(component.currentAccessKeyId), blueId);
    assert.equal(await valueOf(component.secretArn), secretArn("key-rotation/ci-deployer"));
    assert.equal(await valueOf(component.nextRotationOn), "2026-12-22");
    assert.deepEqual(await valueOf(component.rotationState), {
      current: "blue",
      slots: { blue: { issuedOn: "2026-11-22" } },
    });
  });

  it("registers its settings as the component's inputs (what a policy pack sees)", async () => {
    const mocks = new RecordingMocks();
    await build(mocks, {
      recorded: null,
      published: null,
      rotation: { everyDays: 14, overlapDays: 2 },
    });
    assert.deepEqual(mocks.named("ci").inputs, {
      userName: "ci-deployer",
      path: "/key-rotation/",
      secretName: "key-rotation/ci-deployer",
      rotation: { everyDays: 14, overlapDays: 2, maxAgeDays: 90 },
      adopt: false,
      selfRead: true,
    });
  });

  it("registers as its outputs what the policy pack reads: its settings and the record, nothing else", async () => {
    const mocks = new RecordingMocks();
    await build(mocks, { recorded: twoSlots, published: null, rotation: { everyDays: 14 } });
    // The mock monitor keeps what registerOutputs sent, as the engine does (a protobuf Struct).
    const settingsModule = (await import("@pulumi/pulumi/runtime/settings")) as unknown as {
      getMonitor(): {
        getRegisteredResources(): Map<string, { state?: { toJavaScript(): unknown } }>;
      };
    };
    const registered = () =>
      [...settingsModule.getMonitor().getRegisteredResources()].find(([urn]) =>
        urn.endsWith(`${COMPONENT}::ci`),
      )?.[1].state;
    await waitFor(() => registered() !== undefined);
    assert.deepEqual(registered()!.toJavaScript(), {
      userName: "ci-deployer",
      path: "/key-rotation/",
      secretName: "key-rotation/ci-deployer",
      rotation: { everyDays: 14, overlapDays: 7, maxAgeDays: 90 },
      adopt: false,
      selfRead: true,
      rotationState: {
        ...twoSlots,
        publishedOn: "2026-11-22",
        previousActiveUntil: "2026-11-29",
      },
    });
  });

  it("given a plan after the engine check, declares its children at once: the same ones, the same outputs", async () => {
    // What the program does (index.ts plans every user and awaits requireEngine first): the
    // children are declared in the constructor and the outputs are the children's own.
    const { afterPublication, advance } =
      await import("../../../components/rotatedKeyUser/rotationModel");
    const { requireEngine } = await load();
    const published = { slot: "blue" as const, issuedOn: "2026-10-23", publishedOn: "2026-10-23" };
    const recorded: RotationState = {
      current: "blue",
      slots: { blue: { issuedOn: "2026-10-23" } },
      publishedOn: "2026-10-23",
    };
    const rotation = { everyDays: 30, overlapDays: 7, maxAgeDays: 90 };
    const plan = advance(recorded, rotation, "2026-11-22", published);
    const runPlan = {
      before: recorded,
      plan,
      record: afterPublication(plan.state, rotation, "2026-11-22"),
      keyIds: {},
      statusBefore: {},
      warnings: [],
    };
    const declared = async (args: Partial<RotatedKeyUserArgs>) => {
      const mocks = new RecordingMocks();
      await useMocks(mocks);
      await requireEngine();
      const { RotatedKeyUser } = await load();
      mocks.accessKey = (name) => ({ id: keyId(name), createDate: "2026-11-22T06:00:00Z" });
      const spy = optionsSpy();
      const component = new RotatedKeyUser(
        "ci",
        { userName: "ci-deployer", waitForNewKey: false, today: "2026-11-22", ...args },
        { transformations: [spy.transformation] },
      );
      const atOnce = spy.seen.map((c) => c.name);
      const outputs = {
        userArn: await valueOf(component.userArn),
        currentAccessKeyId: await valueOf(component.currentAccessKeyId),
        secretArn: await valueOf(component.secretArn),
        currentSlot: await valueOf(component.currentSlot),
        run: await valueOf(component.run),
      };
      await waitFor(() => mocks.ofType(VERSION).length === 1);
      const resources = mocks.resources
        .filter((r) => r.type !== COMPONENT)
        .map((r) => ({ type: r.type, name: r.name, inputs: r.inputs }))
        .sort((a, b) => a.name.localeCompare(b.name));
      return { atOnce, outputs, resources };
    };
    const given = await declared({ runPlan });
    const planned = await declared({ recorded, published });
    assert.deepEqual(given.atOnce, [
      "ci",
      "ci-user",
      "ci-green",
      "ci-blue",
      "ci-secret",
      "ci-secret-version",
      "ci-self-read",
    ]);
    assert.deepEqual(planned.atOnce, ["ci"], "planning itself, it declares its children later");
    assert.deepEqual(given.resources, planned.resources);
    assert.deepEqual(given.outputs, planned.outputs);
    assert.equal(given.outputs.currentSlot, "green");
    assert.equal(given.outputs.currentAccessKeyId, keyId("ci-green"));
    assert.equal(given.outputs.secretArn, secretArn("key-rotation/ci-deployer"));
  });

  it("names the secret's ARN the plan read in the self-read policy and the version, and the secret's own without one", async () => {
    const { afterPublication, advance } =
      await import("../../../components/rotatedKeyUser/rotationModel");
    const recorded: RotationState = {
      current: "blue",
      slots: { blue: { issuedOn: "2026-11-01" } },
      publishedOn: "2026-11-01",
    };
    const rotation = { everyDays: 30, overlapDays: 7, maxAgeDays: 90 };
    const plan = advance(recorded, rotation, "2026-11-22", {
      slot: "blue",
      issuedOn: "2026-11-01",
      publishedOn: "2026-11-01",
    });
    const runPlan: UserRunPlan = {
      before: recorded,
      plan,
      record: afterPublication(plan.state, rotation, "2026-11-22"),
      keyIds: { blue: keyId("ci-blue") },
      statusBefore: { blue: "Active" },
      warnings: [],
    };
    // Not the mocks' ARN of the secret: the policy shows which one it names.
    const read =
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:key-rotation/ci-deployer-ReadAr";
    const named = async (secretArnRead: string | undefined) => {
      const mocks = new RecordingMocks();
      const { spy } = await build(mocks, {
        runPlan: { ...runPlan, ...(secretArnRead !== undefined && { secretArn: secretArnRead }) },
      });
      await waitFor(() => mocks.ofType(POLICY).length === 1);
      const policy = JSON.parse(mocks.named("ci-self-read").inputs.policy as string);
      return {
        policy: policy.Statement[0].Resource as string,
        version: mocks.named("ci-secret-version").inputs.secretId as string,
        versionAfter: await dependsOnNames(spy, "ci-secret-version"),
      };
    };
    const own = secretArn("key-rotation/ci-deployer");
    assert.deepEqual(await named(read), {
      policy: read,
      version: read,
      versionAfter: ["ci-secret"],
    });
    assert.deepEqual(await named(undefined), {
      policy: own,
      version: own,
      versionAfter: ["ci-secret"],
    });
  });

  it("parents every child to the component and gives the slot keys their replacement options", async () => {
    const mocks = new RecordingMocks();
    const { component, spy } = await build(mocks, {
      recorded: twoSlots,
      published: null,
      policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
    });
    const children = spy.seen.filter((c) => c.type !== COMPONENT);
    assert.deepEqual(children.map((c) => c.name).sort(), [
      "ci-aws-ReadOnlyAccess",
      "ci-blue",
      "ci-green",
      "ci-secret",
      "ci-secret-version",
      "ci-self-read",
      "ci-user",
    ]);
    for (const child of children)
      assert.equal(child.opts.parent, component, `${child.name} parent`);
    const options = (name: string) => {
      const o = spy.seen.find((c) => c.name === name)!.opts;
      return {
        replacementTrigger: o.replacementTrigger,
        deleteBeforeReplace: o.deleteBeforeReplace,
        additionalSecretOutputs: o.additionalSecretOutputs,
        retainOnDelete: o.retainOnDelete,
      };
    };
    assert.deepEqual(options("ci-blue"), {
      replacementTrigger: "2026-10-23",
      deleteBeforeReplace: true,
      additionalSecretOutputs: ["secret", "sesSmtpPasswordV4"],
      retainOnDelete: undefined,
    });
    assert.deepEqual(options("ci-green"), {
      replacementTrigger: "2026-11-22",
      deleteBeforeReplace: true,
      additionalSecretOutputs: ["secret", "sesSmtpPasswordV4"],
      retainOnDelete: undefined,
    });
    assert.deepEqual(options("ci-user"), {
      replacementTrigger: undefined,
      deleteBeforeReplace: undefined,
      additionalSecretOutputs: undefined,
      retainOnDelete: undefined,
    });
    // What names the user comes after it (and goes before it): its name as given, the user
    // a dependency.
    for (const name of ["ci-aws-ReadOnlyAccess", "ci-blue", "ci-green", "ci-self-read"]) {
      assert.deepEqual(await dependsOnNames(spy, name), ["ci-user"], name);
      assert.equal(mocks.named(name).inputs.user, "ci-deployer", name);
    }
  });

  it("publishes the previous key with the current one while the previous is Active", async () => {
    const mocks = new RecordingMocks();
    await build(mocks, { recorded: twoSlots, published: null });
    assert.deepEqual(mocks.named("ci-blue").inputs, { user: "ci-deployer", status: "Active" });
    assert.deepEqual(mocks.named("ci-green").inputs, { user: "ci-deployer", status: "Active" });
    assert.deepEqual(documentOf(mocks), {
      accessKeyId: mocks.named("ci-green").id,
      secretAccessKey: "secret-for-ci-green",
      slot: "green",
      issuedOn: "2026-11-22",
      userName: "ci-deployer",
      previous: {
        accessKeyId: mocks.named("ci-blue").id,
        secretAccessKey: "secret-for-ci-blue",
        slot: "blue",
        issuedOn: "2026-10-23",
        deactivatesOn: "2026-11-29",
      },
      record: {
        current: "green",
        slots: {
          blue: { issuedOn: "2026-10-23", accessKeyId: mocks.named("ci-blue").id },
          green: { issuedOn: "2026-11-22", accessKeyId: mocks.named("ci-green").id },
        },
        publishedOn: "2026-11-22",
        previousActiveUntil: "2026-11-29",
        stack: STACK,
      },
    });
  });

  it("writes the end of the overlap it starts by publishing, in the tags and the document", async () => {
    const mocks = new RecordingMocks();
    const { component } = await build(mocks, { recorded: twoSlots, published: null });
    assert.equal(
      mocks.named("ci-user").inputs.tags["key-rotation:previous-active-until"],
      "2026-11-29",
    );
    assert.deepEqual(await valueOf(component.rotationState), {
      ...twoSlots,
      publishedOn: "2026-11-22",
      previousActiveUntil: "2026-11-29",
    });
  });

  it("tells consumers when the previous key stops working once that is known", async () => {
    const mocks = new RecordingMocks();
    await build(mocks, {
      recorded: twoSlots,
      published: { slot: "green", issuedOn: "2026-11-22", publishedOn: "2026-11-22" },
      today: "2026-11-23",
    });
    assert.deepEqual(
      (documentOf(mocks).previous as Record<string, unknown>).deactivatesOn,
      "2026-11-29",
    );
    assert.equal(
      mocks.named("ci-user").inputs.tags["key-rotation:previous-active-until"],
      "2026-11-29",
    );
  });

  it("deactivates the previous key after the overlap and stops publishing it", async () => {
    const mocks = new RecordingMocks();
    const { spy } = await build(mocks, {
      recorded: { ...twoSlots, previousActiveUntil: "2026-11-29" },
      published: null,
      today: "2026-11-29",
    });
    assert.deepEqual(mocks.named("ci-blue").inputs, { user: "ci-deployer", status: "Inactive" });
    assert.deepEqual(mocks.named("ci-green").inputs, { user: "ci-deployer", status: "Active" });
    assert.equal(documentOf(mocks).previous, undefined);
    assert.deepEqual(
      await dependsOnNames(spy, "ci-blue"),
      ["ci-user", "ci-secret-version"],
      "deactivated after publishing",
    );
    assert.deepEqual(await dependsOnNames(spy, "ci-green"), ["ci-user"]);
  });

  it("makes an Active previous key wait for nothing but the user (it is published with the current one)", async () => {
    const mocks = new RecordingMocks();
    const { spy } = await build(mocks, { recorded: twoSlots, published: null });
    assert.deepEqual(await dependsOnNames(spy, "ci-blue"), ["ci-user"]);
    assert.deepEqual(await dependsOnNames(spy, "ci-green"), ["ci-user"]);
  });

  it("checks the Active previous key against its issue date too, naming its slot (the engine guard)", async () => {
    const mocks = new RecordingMocks();
    await useMocks(mocks);
    // The blue key (previous, Active) is older than the day its slot was issued.
    mocks.accessKey = (name) => ({
      id: keyId(name),
      createDate: name === "ci-blue" ? "2026-09-01T06:00:00Z" : "2026-11-22T06:00:00Z",
    });
    const { RotatedKeyUser } = await load();
    const failure = await documentFailure(
      () =>
        new RotatedKeyUser("ci", {
          userName: "ci-deployer",
          waitForNewKey: false,
          today: "2026-11-23",
          recorded: twoSlots,
          published: null,
        }),
    );
    assert.match(
      failure,
      /: The blue key of IAM user "ci-deployer" should have been issued on 2026-10-23, but the key in that slot was created on 2026-09-01: the engine did not replace it, .* pulumi up --replace "urn:pulumi:test::iam-key-rotation::iam-key-rotation:index:RotatedKeyUser\$aws:iam\/accessKey:AccessKey::ci-blue"\.$/,
    );
    assert.equal(mocks.ofType(VERSION).length, 0, "nothing published");
  });

  it("revokes keys issued before a date: replaces the current key and deactivates the old one", async () => {
    const mocks = new RecordingMocks();
    const { spy } = await build(mocks, {
      recorded: { ...twoSlots, previousActiveUntil: "2026-11-29" },
      published: null,
      today: "2026-12-02",
      revokeIssuedBefore: "2026-12-02",
    });
    assert.deepEqual(
      mocks
        .ofType(KEY)
        .map((k) => [
          k.name,
          k.inputs.status,
          spy.seen.find((c) => c.name === k.name)!.opts.replacementTrigger,
        ])
        .sort(),
      [
        ["ci-blue", "Active", "2026-12-02"],
        ["ci-green", "Inactive", "2026-11-22"],
      ],
    );
    assert.deepEqual(await dependsOnNames(spy, "ci-green"), ["ci-user", "ci-secret-version"]);
    assert.equal(mocks.named("ci-user").inputs.tags["key-rotation:revoked-before"], "2026-12-02");
    assert.equal(documentOf(mocks).slot, "blue");
  });

  it("never marks secret material as plain: document secret, no secret in any output", async () => {
    const mocks = new RecordingMocks();
    const { component } = await build(mocks, { recorded: twoSlots, published: null });
    assert.equal(unwrapSecret(mocks.named("ci-secret-version").inputs.secretString).secret, true);
    const outputs = await Promise.all(
      [
        component.userName,
        component.userArn,
        component.currentSlot,
        component.currentAccessKeyId,
        component.secretArn,
        component.nextRotationOn,
        component.rotationState,
      ].map((o) => valueOf(o as pulumi.Output<unknown>)),
    );
    assert.ok(!JSON.stringify(outputs).includes("secret-for-"), "no secret access key in outputs");
  });

  it("shows the replacement triggers at preview, when nothing computed is known yet", async () => {
    const mocks = new RecordingMocks({}, true);
    const { spy } = await build(mocks, { recorded: twoSlots, published: null }, { preview: true });
    await waitFor(() => spy.seen.some((c) => c.name === "ci-green"));
    const triggers = Object.fromEntries(
      spy.seen.filter((c) => c.type === KEY).map((c) => [c.name, c.opts.replacementTrigger]),
    );
    assert.deepEqual(triggers, { "ci-blue": "2026-10-23", "ci-green": "2026-11-22" });
    await waitFor(() => mocks.ofType(KEY).length === 2);
    assert.deepEqual(
      mocks.ofType(KEY).map((k) => k.inputs.status),
      ["Active", "Active"],
      "statuses are plain values, known at preview",
    );
  });

  it("rejects an invalid rotation policy before creating anything", async () => {
    const mocks = new RecordingMocks();
    await useMocks(mocks);
    const { RotatedKeyUser } = await load();
    assert.throws(
      () =>
        new RotatedKeyUser("ci", {
          userName: "ci",
          recorded: null,
          published: null,
          rotation: { everyDays: 7, overlapDays: 7 },
        }),
      {
        message:
          'RotatedKeyUser "ci": [rotation.overlapDays] must be smaller than [rotation.everyDays] (got 7 and 7).',
      },
    );
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(mocks.resources, [], "not even the component is registered");
  });
});

/**
 * A model of IAM and Secrets Manager across runs: the user's tags, its keys (id, status,
 * creation date, and the replacement trigger Pulumi holds for each slot) and the secret. Each
 * run's invokes answer from it; afterwards it takes what the run declared.
 */
interface WorldKey {
  id: string;
  status: "Active" | "Inactive";
  createDate: string;
  trigger: string;
}
interface World {
  tags?: Record<string, string>;
  keys: Partial<Record<"blue" | "green", WorldKey>>;
  secret?: { secretString: string; createdDate: string };
  made: number;
  /** An engine older than 3.208: replacementTrigger ignored, slots never re-issued. */
  oldEngine?: boolean;
  /** Last use of keys by id (YYYY-MM-DD), as GetAccessKeyLastUsed reports it. */
  lastUsed?: Record<string, { date: string; service: string; region: string }>;
  /** GetAccessKeyLastUsed fails with this message (the deploying role may not call it). */
  lastUseFails?: string;
  /** The program's own IAM calls, in order: [command, access key id or user name]. */
  iam?: [string, string][];
  /** The user's permissions boundary, as getUser reports it. */
  permissionsBoundary?: string;
}

/** The program's own IAM calls (GetAccessKeyLastUsed, ListAccessKeys, DeleteAccessKey), on the world. */
function fakeIam(world: World): void {
  world.iam = [];
  iamCalls.client = {
    send: async (command: object) => {
      const input = (command as { input: { AccessKeyId?: string; UserName?: string } }).input;
      world.iam!.push([command.constructor.name, input.AccessKeyId ?? input.UserName!]);
      if (command instanceof ListAccessKeysCommand) {
        return {
          AccessKeyMetadata: Object.values(world.keys).map((k) => ({
            AccessKeyId: k.id,
            Status: k.status,
            UserName: input.UserName,
          })),
        };
      }
      if (command instanceof DeleteAccessKeyCommand) {
        for (const slot of ["blue", "green"] as const) {
          if (world.keys[slot]?.id === input.AccessKeyId) delete world.keys[slot];
        }
        return {};
      }
      if (!(command instanceof GetAccessKeyLastUsedCommand)) throw new Error("unexpected call");
      if (world.lastUseFails !== undefined) throw new Error(world.lastUseFails);
      const used = world.lastUsed?.[input.AccessKeyId!];
      return {
        AccessKeyLastUsed:
          used === undefined
            ? { ServiceName: "N/A", Region: "N/A" }
            : {
                LastUsedDate: new Date(`${used.date}T12:00:00Z`),
                ServiceName: used.service,
                Region: used.region,
              },
      };
    },
  } as unknown as IAMClient;
}

function liveInvokes(world: World): ConstructorParameters<typeof RecordingMocks>[0] {
  return {
    "aws:iam/getUser:getUser": (inputs) => {
      if (world.tags === undefined) throw noSuchUser(inputs.userName);
      return {
        userName: inputs.userName,
        path: "/key-rotation/",
        arn: "arn",
        tags: world.tags,
        permissionsBoundary: world.permissionsBoundary ?? "",
      };
    },
    "aws:iam/getAccessKeys:getAccessKeys": (inputs) => ({
      id: inputs.user,
      user: inputs.user,
      accessKeys: Object.values(world.keys).map((k) => ({
        accessKeyId: k.id,
        status: k.status,
        createDate: k.createDate,
      })),
    }),
    "aws:secretsmanager/getSecretVersion:getSecretVersion": (inputs) => {
      if (world.secret === undefined) throw noSuchSecret(inputs.secretId);
      return { ...world.secret, arn: secretArn(inputs.secretId as string) };
    },
  };
}

/** One `pulumi up` of one user on `day`; `publish: false` fails it before the secret is written. */
async function runDay(world: World, day: string, options: { publish?: boolean } = {}) {
  return runDayWith(world, day, {}, options);
}

async function runDayWith(
  world: World,
  day: string,
  args: Partial<RotatedKeyUserArgs>,
  options: { publish?: boolean } = {},
) {
  const mocks = new RecordingMocks(liveInvokes(world));
  fakeIam(world);
  const made: Partial<Record<"blue" | "green", WorldKey>> = {};
  const hook: KeyHook = (name, inputs, trigger) => {
    const slot = name.endsWith("-blue") ? "blue" : "green";
    const have = world.keys[slot];
    if (have !== undefined && (have.trigger === trigger || world.oldEngine === true)) {
      return { id: have.id, createDate: have.createDate };
    }
    world.made++;
    world.iam?.push(["(engine creates a key)", slot]);
    const key: WorldKey = {
      id: `AKIAWORLD${String(world.made).padStart(8, "0")}`,
      status: inputs.status,
      createDate: `${day}T06:00:00Z`,
      trigger: trigger!,
    };
    made[slot] = key;
    return { id: key.id, createDate: key.createDate };
  };
  const { spy, component } = await build(mocks, { ...args, today: day }, { accessKey: hook });
  const secretString = await valueOf(component.secretArn).then(
    () => unwrapSecret(mocks.named("ci-secret-version").inputs.secretString).value as string,
  );
  world.tags = mocks.named("ci-user").inputs.tags as Record<string, string>;
  const declared = new Set<string>();
  for (const key of mocks.ofType(KEY)) {
    const slot = key.name.endsWith("-blue") ? "blue" : "green";
    declared.add(slot);
    const trigger = spy.seen.find((c) => c.name === key.name)!.opts.replacementTrigger as string;
    const next = made[slot] ?? world.keys[slot]!;
    world.keys[slot] = { ...next, status: key.inputs.status, trigger };
  }
  for (const slot of ["blue", "green"] as const) if (!declared.has(slot)) delete world.keys[slot];
  if (options.publish !== false && world.secret?.secretString !== secretString) {
    world.secret = { secretString, createdDate: `${day}T06:00:00Z` };
  }
  /** Each slot key: [status, replacementTrigger]; a new trigger means the slot is re-issued. */
  const keys = Object.fromEntries(
    mocks
      .ofType(KEY)
      .map((k) => [
        k.name,
        [k.inputs.status, spy.seen.find((c) => c.name === k.name)!.opts.replacementTrigger],
      ]),
  );
  return { mocks, keys, doc: JSON.parse(secretString) as Record<string, unknown>, component, spy };
}

describe("RotatedKeyUser reading its record live", () => {
  it("takes a missing user as new and issues blue, reading nothing else", async () => {
    const mocks = new RecordingMocks({
      "aws:iam/getUser:getUser": (inputs) => {
        throw noSuchUser(inputs.userName);
      },
    });
    await build(mocks, {});
    assert.deepEqual(
      mocks.invokes.map((i) => [i.token, i.inputs]),
      [["aws:iam/getUser:getUser", { userName: "ci-deployer" }]],
    );
    assert.deepEqual(
      mocks.ofType(KEY).map((k) => [k.name, k.inputs.status]),
      [["ci-blue", "Active"]],
    );
  });

  it("reads the user, its keys and its secret, and stops before anything when they disagree", async () => {
    const world: World = { keys: {}, made: 0 };
    await runDay(world, "2026-11-22");
    const mocks = new RecordingMocks(liveInvokes(world));
    world.tags = { ...world.tags, "key-rotation:blue": "2026-11-20" }; // back-dated by hand
    await useMocks(mocks);
    const { RotatedKeyUser } = await load();
    const component = new RotatedKeyUser("ci", {
      userName: "ci-deployer",
      waitForNewKey: false,
      today: "2026-11-23",
    });
    await assert.rejects(
      new Promise((resolve, reject) =>
        (component.rotationState as any).promise().then(resolve, reject),
      ),
      /IAM user "ci-deployer": its rotation record \(tags\) disagrees with the published document: the tags say current blue, blue 2026-11-20, green none; the document published current blue, blue 2026-11-22, green none\./,
    );
    assert.deepEqual(
      mocks.invokes.map((i) => i.token),
      [
        "aws:iam/getUser:getUser",
        "aws:iam/getAccessKeys:getAccessKeys",
        "aws:secretsmanager/getSecretVersion:getSecretVersion",
      ],
    );
    assert.deepEqual(
      mocks.resources.map((r) => r.type),
      [COMPONENT],
      "nothing but the component itself",
    );
  });
});

describe("RotatedKeyUser and a permissions boundary", () => {
  it("declares an existing user's boundary as found, never removes it (a new user has none)", async () => {
    const world: World = { keys: {}, made: 0 };
    const first = await runDay(world, "2026-11-22");
    assert.equal("permissionsBoundary" in first.mocks.named("ci-user").inputs, false);
    // Someone puts the user under a boundary by hand: the next run keeps it.
    world.permissionsBoundary = "arn:aws:iam::123456789012:policy/team-boundary";
    const next = await runDay(world, "2026-11-23");
    assert.equal(
      next.mocks.named("ci-user").inputs.permissionsBoundary,
      "arn:aws:iam::123456789012:policy/team-boundary",
    );
  });
});

describe("RotatedKeyUser over a full rotation cycle", () => {
  it("blue issued, green issued, blue Inactive after the overlap, blue deleted and re-issued", async () => {
    const world: World = { keys: {}, made: 0 };
    /** Each run's self-read policy: the first names the new secret's ARN, the others the read one. */
    const policies = new Set<unknown>();
    const day = async (date: string) => {
      const run = await runDay(world, date);
      policies.add(run.mocks.named("ci-self-read").inputs.policy);
      return run;
    };
    const tag = (key: string): string | undefined => world.tags![key];

    let run = await day("2026-11-22");
    assert.deepEqual(run.keys, { "ci-blue": ["Active", "2026-11-22"] });
    assert.deepEqual(world.tags, {
      "key-rotation:current": "blue",
      "key-rotation:blue": "2026-11-22",
      "key-rotation:stack": STACK,
    });
    const blue1 = world.keys.blue!.id;

    run = await day("2026-12-21");
    assert.deepEqual(run.keys, { "ci-blue": ["Active", "2026-11-22"] }, "nothing due yet");

    run = await day("2026-12-22");
    assert.deepEqual(run.keys, {
      "ci-blue": ["Active", "2026-11-22"],
      "ci-green": ["Active", "2026-12-22"],
    });
    assert.deepEqual(world.tags, {
      "key-rotation:current": "green",
      "key-rotation:blue": "2026-11-22",
      "key-rotation:green": "2026-12-22",
      "key-rotation:previous-active-until": "2026-12-29",
      "key-rotation:stack": STACK,
    });
    assert.equal(run.doc.slot, "green");
    assert.deepEqual(run.doc.previous, {
      accessKeyId: blue1,
      secretAccessKey: "secret-for-ci-blue",
      slot: "blue",
      issuedOn: "2026-11-22",
      deactivatesOn: "2026-12-29",
    });
    const published = world.secret;

    run = await day("2026-12-23");
    assert.equal(world.secret, published, "nothing changes the day after publication");
    assert.equal(tag("key-rotation:previous-active-until"), "2026-12-29");

    run = await day("2026-12-28");
    assert.deepEqual(run.keys, {
      "ci-blue": ["Active", "2026-11-22"],
      "ci-green": ["Active", "2026-12-22"],
    });

    run = await day("2026-12-29");
    assert.deepEqual(run.keys, {
      "ci-blue": ["Inactive", "2026-11-22"],
      "ci-green": ["Active", "2026-12-22"],
    });
    assert.equal(run.doc.previous, undefined);
    assert.deepEqual(await valueOf(run.component.run), {
      date: "2026-12-29",
      events: [{ kind: "deactivate", slot: "blue", keyIssuedOn: "2026-11-22" }],
      keptInUse: null,
      previousDeactivatesOn: null,
      warnings: [],
    });

    run = await day("2027-01-21");
    assert.deepEqual(
      run.keys,
      { "ci-blue": ["Active", "2027-01-21"], "ci-green": ["Active", "2026-12-22"] },
      "blue deleted and re-issued: new trigger",
    );
    assert.notEqual(world.keys.blue!.id, blue1, "a new key");
    assert.equal(run.doc.slot, "blue");
    assert.equal(run.doc.issuedOn, "2027-01-21");
    assert.deepEqual((await valueOf(run.component.run)).events, [
      { kind: "delete", slot: "blue", keyIssuedOn: "2026-11-22" },
      { kind: "issue", slot: "blue", keyIssuedOn: "2027-01-21" },
    ]);

    run = await day("2027-01-28");
    assert.deepEqual(run.keys, {
      "ci-blue": ["Active", "2027-01-21"],
      "ci-green": ["Inactive", "2026-12-22"],
    });
    assert.deepEqual(
      [...policies].map((p) => JSON.parse(p as string).Statement[0].Resource),
      [secretArn("key-rotation/ci-deployer")],
      "the same policy every day",
    );
  });

  it("a run that fails before publishing does not start the overlap", async () => {
    const world: World = { keys: {}, made: 0 };
    await runDay(world, "2026-11-22");
    await runDay(world, "2026-12-22", { publish: false }); // rotation: green issued, not published
    for (const date of ["2026-12-23", "2026-12-30", "2027-01-05"]) {
      const run = await runDay(world, date, { publish: false });
      assert.deepEqual(
        run.keys,
        { "ci-blue": ["Active", "2026-11-22"], "ci-green": ["Active", "2026-12-22"] },
        date,
      );
    }
    const run = await runDay(world, "2027-01-06");
    assert.equal(run.doc.slot, "green", "published at last");
    assert.equal((run.doc.previous as Record<string, unknown>).deactivatesOn, "2027-01-13");
  });

  it("refuses to publish a key an engine did not replace (the engine guard)", async () => {
    const world: World = { keys: {}, made: 0 };
    await runDay(world, "2026-11-22");
    await runDay(world, "2026-12-22");
    await runDay(world, "2026-12-29"); // blue Inactive
    world.oldEngine = true;
    const secret = world.secret;
    const mocks = new RecordingMocks(liveInvokes(world));
    await useMocks(mocks);
    mocks.accessKey = (name) => {
      const key = world.keys[name.endsWith("-blue") ? "blue" : "green"]!;
      return { id: key.id, createDate: key.createDate };
    };
    const { RotatedKeyUser } = await load();
    const failure = await documentFailure(
      () =>
        new RotatedKeyUser("ci", {
          userName: "ci-deployer",
          waitForNewKey: false,
          today: "2027-01-21",
        }),
    );
    assert.match(
      failure,
      /^Error: error serializing property "secretString": The blue key of IAM user "ci-deployer" should have been issued on 2027-01-21, but the key in that slot was created on 2026-11-22: the engine did not replace it, as Pulumi CLIs older than 3\.208\.0 do \(they ignore the replacementTrigger option\)\. Nothing was published\. Upgrade the Pulumi CLI to 3\.208\.0 or later, then run pulumi up --replace "urn:pulumi:test::iam-key-rotation::iam-key-rotation:index:RotatedKeyUser\$aws:iam\/accessKey:AccessKey::ci-blue"\.$/,
    );
    assert.equal(mocks.ofType(VERSION).length, 0, "no secret version");
    assert.equal(world.secret, secret);
  });
});

describe("RotatedKeyUser's engine guard and the keys IAM listed", () => {
  // A quiet day: blue, issued 2027-01-21, is the current key and IAM listed AKIALISTED in it.
  const recorded: RotationState = {
    current: "blue",
    slots: { blue: { issuedOn: "2027-01-21" } },
    publishedOn: "2027-01-21",
  };
  const runPlan = async (createDate: string): Promise<UserRunPlan> => {
    const { advance, afterPublication } =
      await import("../../../components/rotatedKeyUser/rotationModel");
    const rotation = { everyDays: 30, overlapDays: 7, maxAgeDays: 90 };
    const plan = advance(recorded, rotation, "2027-01-25", {
      slot: "blue",
      issuedOn: "2027-01-21",
      publishedOn: "2027-01-21",
    });
    return {
      before: recorded,
      plan,
      record: afterPublication(plan.state, rotation, "2027-01-25"),
      keyIds: { blue: "AKIALISTED0000000001" },
      statusBefore: { blue: "Active" },
      createDates: { blue: createDate },
      warnings: [],
    };
  };
  /** Declares the user on that day, the blue key as the engine gives it (id, createDate). */
  const declare = async (listedCreateDate: string, key: { id: string; createDate: string }) => {
    const mocks = new RecordingMocks();
    await useMocks(mocks);
    mocks.accessKey = () => key;
    const { RotatedKeyUser } = await load();
    const plan = await runPlan(listedCreateDate);
    return {
      mocks,
      declare: () =>
        new RotatedKeyUser("ci", {
          userName: "ci-deployer",
          waitForNewKey: false,
          today: "2027-01-25",
          runPlan: plan,
        }),
    };
  };

  it("takes the creation IAM listed while the slot holds the listed key: created before its issue date, nothing published", async () => {
    const { mocks, declare: run } = await declare("2026-11-22T06:00:00Z", {
      id: "AKIALISTED0000000001",
      createDate: "2027-01-21T06:00:00Z",
    });
    assert.match(
      await documentFailure(run),
      /: The blue key of IAM user "ci-deployer" should have been issued on 2027-01-21, but the key in that slot was created on 2026-11-22: the engine did not replace it/,
    );
    assert.equal(mocks.ofType(VERSION).length, 0, "nothing published");
  });

  it("takes the key's own creation when the slot holds another key than the one listed", async () => {
    const old = await declare("2027-01-21T06:00:00Z", {
      id: "AKIAOTHER00000000001",
      createDate: "2026-11-22T06:00:00Z",
    });
    assert.match(
      await documentFailure(old.declare),
      /: The blue key of IAM user "ci-deployer" should have been issued on 2027-01-21, but the key in that slot was created on 2026-11-22: the engine did not replace it/,
    );
    const recent = await declare("2026-11-22T06:00:00Z", {
      id: "AKIAOTHER00000000001",
      createDate: "2027-01-21T06:00:00Z",
    });
    recent.declare();
    await waitFor(() => recent.mocks.ofType(VERSION).length === 1);
    assert.equal(documentOf(recent.mocks).accessKeyId, "AKIAOTHER00000000001");
  });
});

/** The resources registered to import an existing one: [type, name, import id]. */
function imports(mocks: RecordingMocks): [string, string, string][] {
  return mocks.resources
    .filter((r) => r.importId !== undefined)
    .map((r) => [r.type, r.name, r.importId!]);
}

/** A run that stops during planning: the error its outputs reject with, and the mocks. */
async function stoppedRun(world: World, day: string, args: Partial<RotatedKeyUserArgs>) {
  const mocks = new RecordingMocks(liveInvokes(world));
  fakeIam(world);
  await useMocks(mocks);
  const { RotatedKeyUser } = await load();
  const component = new RotatedKeyUser("ci", {
    userName: "ci-deployer",
    waitForNewKey: false,
    today: day,
    ...args,
  });
  const error = await new Promise<Error>((resolve, reject) => {
    (component.rotationState as unknown as { promise(): Promise<unknown> })
      .promise()
      .then(() => reject(new Error("the run went ahead")), resolve);
  });
  await new Promise((r) => setTimeout(r, 20));
  // (The outputs' registration wraps the same error object.)
  error.message = error.message.replace(/^error serializing property "outputs": /, "");
  return { mocks, error };
}

/** `pulumi preview` of one user on `day`: the run report and the mocks (nothing computed). */
async function previewDay(world: World, day: string, args: Partial<RotatedKeyUserArgs>) {
  const mocks = new RecordingMocks(liveInvokes(world), true);
  fakeIam(world);
  await useMocks(mocks, { preview: true });
  const { RotatedKeyUser } = await load();
  const spy = optionsSpy();
  const component = new RotatedKeyUser(
    "ci",
    { userName: "ci-deployer", waitForNewKey: false, today: day, ...args },
    { transformations: [spy.transformation] },
  );
  const report = await valueOf(component.run);
  await waitFor(() => mocks.ofType(VERSION).length === 1);
  return { mocks, spy, report };
}

describe("RotatedKeyUser adopting an existing user", () => {
  const K0 = "AKIAHANDMADE00000001";
  const K1 = "AKIAHANDMADE00000002";

  /** A key made by hand on `day` (what Pulumi would hold for it once imported: that day). */
  function handMade(id: string, status: "Active" | "Inactive", day: string): WorldKey {
    return { id, status, createDate: `${day}T09:30:00Z`, trigger: day };
  }

  function existing(keys: World["keys"] = { blue: handMade(K0, "Active", "2025-06-01") }): World {
    return { tags: { team: "data", owner: "alice" }, keys, made: 0 };
  }

  const bothActive = () =>
    existing({
      blue: handMade(K0, "Active", "2025-06-01"),
      green: handMade(K1, "Active", "2026-01-10"),
    });
  const oneInactive = () =>
    existing({
      blue: handMade(K0, "Active", "2025-06-01"),
      green: handMade(K1, "Inactive", "2026-01-10"),
    });
  const used = {
    [K0]: { date: "2026-11-20", service: "s3", region: "us-east-1" },
    [K1]: { date: "2026-11-21", service: "ecr", region: "eu-west-1" },
  };

  it("adopts a user with no key: imports the user as it is and issues blue", async () => {
    const world: World = { tags: { team: "data" }, keys: {}, made: 0 };
    const { mocks, keys, doc, component } = await runDayWith(world, "2026-11-22", {
      adopt: true,
    });
    assert.deepEqual(imports(mocks), [[USER, "ci-user", "ci-deployer"]]);
    assert.deepEqual(keys, { "ci-blue": ["Active", "2026-11-22"] });
    assert.deepEqual(mocks.named("ci-user").inputs, {
      name: "ci-deployer",
      path: "/key-rotation/",
      tags: {
        team: "data",
        "key-rotation:current": "blue",
        "key-rotation:blue": "2026-11-22",
        "key-rotation:stack": STACK,
      },
    });
    const blue = world.keys.blue!.id;
    assert.deepEqual(doc, {
      accessKeyId: blue,
      secretAccessKey: "secret-for-ci-blue",
      slot: "blue",
      issuedOn: "2026-11-22",
      userName: "ci-deployer",
      record: {
        current: "blue",
        slots: { blue: { issuedOn: "2026-11-22", accessKeyId: blue } },
        stack: STACK,
      },
    });
    assert.deepEqual(world.iam, [["(engine creates a key)", "blue"]]);
    assert.deepEqual(await valueOf(component.run), {
      date: "2026-11-22",
      events: [{ kind: "issue", slot: "blue", keyIssuedOn: "2026-11-22" }],
      keptInUse: null,
      previousDeactivatesOn: null,
      warnings: [],
    });
  });

  it("adopts one key in place: imported into blue, green issued and published, no previous", async () => {
    const world = existing();
    const { mocks, spy, doc, keys, component } = await runDayWith(world, "2026-11-22", {
      adopt: true,
    });
    // The provider's import ids: a user by its name, an access key by its access key id.
    assert.deepEqual(imports(mocks), [
      [USER, "ci-user", "ci-deployer"],
      [KEY, "ci-blue", K0],
    ]);
    assert.deepEqual(keys, {
      "ci-blue": ["Active", "2025-06-01"],
      "ci-green": ["Active", "2026-11-22"],
    });
    // Declared exactly as it is live, with a trigger the import starts from: not replaced,
    // not deleted, not even updated.
    assert.deepEqual(mocks.named("ci-blue").inputs, { user: "ci-deployer", status: "Active" });
    const blueOptions = spy.seen.find((c) => c.name === "ci-blue")!.opts;
    assert.deepEqual(
      {
        import: blueOptions.import,
        replacementTrigger: blueOptions.replacementTrigger,
        replaceOnChanges: blueOptions.replaceOnChanges,
        retainOnDelete: blueOptions.retainOnDelete,
      },
      {
        import: K0,
        replacementTrigger: "2025-06-01",
        replaceOnChanges: undefined,
        retainOnDelete: undefined,
      },
    );
    assert.equal(world.keys.blue!.id, K0, "the key consumers hold is the same key");
    assert.deepEqual(
      world.iam,
      [["(engine creates a key)", "green"]],
      "no last use read, nothing deleted",
    );
    assert.deepEqual(mocks.named("ci-user").inputs, {
      name: "ci-deployer",
      path: "/key-rotation/",
      tags: {
        team: "data",
        owner: "alice",
        "key-rotation:current": "green",
        "key-rotation:blue": "2025-06-01",
        "key-rotation:green": "2026-11-22",
        "key-rotation:previous-active-until": "2026-11-29",
        "key-rotation:adopted": `blue:${K0}`,
        "key-rotation:stack": STACK,
      },
    });
    const green = world.keys.green!.id;
    assert.deepEqual(doc, {
      accessKeyId: green,
      secretAccessKey: "secret-for-ci-green",
      slot: "green",
      issuedOn: "2026-11-22",
      userName: "ci-deployer",
      record: {
        current: "green",
        slots: {
          blue: { issuedOn: "2025-06-01", accessKeyId: K0 },
          green: { issuedOn: "2026-11-22", accessKeyId: green },
        },
        publishedOn: "2026-11-22",
        previousActiveUntil: "2026-11-29",
        previousWasStale: true,
        adopted: { slot: "blue", accessKeyId: K0 },
        stack: STACK,
      },
    });
    assert.deepEqual(await valueOf(component.run), {
      date: "2026-11-22",
      events: [{ kind: "issue", slot: "green", keyIssuedOn: "2026-11-22" }],
      keptInUse: null,
      previousDeactivatesOn: "2026-11-29",
      warnings: [],
    });
  });

  it("stops on two Active keys, naming both with age and last use, and the command", async () => {
    const world = bothActive();
    world.lastUsed = used;
    const { mocks, error } = await stoppedRun(world, "2026-11-22", { adopt: true });
    assert.equal(
      error.message,
      `IAM user "ci-deployer" has two Active access keys: ${K0} (created 2025-06-01, 539 days ` +
        `old, last used 2026-11-20 by s3 in us-east-1) and ${K1} (created 2026-01-10, 316 days ` +
        `old, last used 2026-11-21 by ecr in eu-west-1). Adoption takes over one key, and never ` +
        `deactivates a hand-made key: move every consumer to one of them, deactivate the other ` +
        `(the one used least recently is ${K0}: aws iam update-access-key --user-name ` +
        `ci-deployer --access-key-id ${K0} --status Inactive), then run again.`,
    );
    assert.deepEqual(world.iam, [
      ["GetAccessKeyLastUsedCommand", K0],
      ["GetAccessKeyLastUsedCommand", K1],
    ]);
    assert.deepEqual(
      mocks.resources.map((r) => r.type),
      [COMPONENT],
      "nothing but the component",
    );
  });

  it("stops on two Active keys whose last use cannot be read, without guessing which", async () => {
    const world = bothActive();
    world.lastUseFails = "AccessDenied";
    const { error } = await stoppedRun(world, "2026-11-22", { adopt: true });
    assert.equal(
      error.message,
      `IAM user "ci-deployer" has two Active access keys: ${K0} (created 2025-06-01, 539 days ` +
        `old, last use unknown) and ${K1} (created 2026-01-10, 316 days old, last use unknown). ` +
        `Adoption takes over one key, and never deactivates a hand-made key: move every ` +
        `consumer to one of them, deactivate the other (aws iam update-access-key --user-name ` +
        `ci-deployer --access-key-id ACCESS_KEY_ID --status Inactive, with the key no consumer ` +
        `uses (not every last use could be read)), then run again.`,
    );
  });

  it("stops on an Active and an Inactive key with the command that deletes the Inactive one", async () => {
    const world = oneInactive();
    world.lastUsed = used;
    const { mocks, error } = await stoppedRun(world, "2026-11-22", { adopt: true });
    assert.equal(
      error.message,
      `IAM user "ci-deployer" has an Inactive access key ${K1} (created 2026-01-10, 316 days ` +
        `old, last used 2026-11-21 by ecr in eu-west-1); IAM allows two keys and the rotation ` +
        `needs a free slot. Delete it (aws iam delete-access-key --user-name ci-deployer ` +
        `--access-key-id ${K1}), or set adopt: { deleteInactiveKey: true } on the user to let ` +
        `the run delete it.`,
    );
    assert.ok(!world.iam!.some(([call]) => call === "DeleteAccessKeyCommand"));
    assert.deepEqual(
      mocks.resources.map((r) => r.type),
      [COMPONENT],
    );
    assert.deepEqual(world.keys.green, handMade(K1, "Inactive", "2026-01-10"));
  });

  it("with deleteInactiveKey, deletes nothing at preview and says what pulumi up will delete", async () => {
    const world = oneInactive();
    const { mocks, spy, report } = await previewDay(world, "2026-11-22", {
      adopt: { deleteInactiveKey: true },
    });
    assert.deepEqual(world.iam, [
      ["GetAccessKeyLastUsedCommand", K0],
      ["GetAccessKeyLastUsedCommand", K1],
    ]);
    assert.deepEqual(world.keys.green, handMade(K1, "Inactive", "2026-01-10"));
    assert.deepEqual(report.warnings, [
      `Adopting IAM user "ci-deployer": pulumi up deletes its Inactive access key ${K1} ` +
        `(adopt.deleteInactiveKey).`,
    ]);
    // The preview shows the imports and the green key the update will issue.
    assert.deepEqual(
      spy.seen
        .filter((c) => c.type === KEY || c.type === USER)
        .map((c) => [c.name, c.opts.import, c.opts.replacementTrigger]),
      [
        ["ci-user", "ci-deployer", undefined],
        ["ci-green", undefined, "2026-11-22"],
        ["ci-blue", K0, "2025-06-01"],
      ],
    );
    assert.deepEqual(
      mocks.ofType(KEY).map((k) => [k.name, k.inputs.status]),
      [
        ["ci-green", "Active"],
        ["ci-blue", "Active"],
      ],
    );
  });

  it("with deleteInactiveKey, pulumi up deletes the Inactive key before issuing into its slot", async () => {
    const world = oneInactive();
    const { keys, component } = await runDayWith(world, "2026-11-22", {
      adopt: { deleteInactiveKey: true },
    });
    assert.deepEqual(world.iam, [
      ["GetAccessKeyLastUsedCommand", K0],
      ["GetAccessKeyLastUsedCommand", K1],
      ["ListAccessKeysCommand", "ci-deployer"],
      ["DeleteAccessKeyCommand", K1],
      ["(engine creates a key)", "green"],
    ]);
    assert.deepEqual(keys, {
      "ci-blue": ["Active", "2025-06-01"],
      "ci-green": ["Active", "2026-11-22"],
    });
    assert.equal(world.keys.blue!.id, K0, "the Active hand-made key is kept");
    assert.deepEqual((await valueOf(component.run)).warnings, [
      `Adopting IAM user "ci-deployer": deleting its Inactive access key ${K1} ` +
        `(adopt.deleteInactiveKey).`,
    ]);
  });

  it("rotates the adopted key away: overlap, Inactive (used, past max age: warned), deleted", async () => {
    const world = existing();
    const day = (date: string) => runDayWith(world, date, { adopt: true });
    const report = async (run: Awaited<ReturnType<typeof day>>) => valueOf(run.component.run);

    let run = await day("2026-11-22");
    const green = world.keys.green!.id;
    const adoptedTags = { ...world.tags };

    run = await day("2026-11-23");
    assert.deepEqual(run.keys, {
      "ci-blue": ["Active", "2025-06-01"],
      "ci-green": ["Active", "2026-11-22"],
    });
    assert.deepEqual(world.tags, adoptedTags, "nothing changes the day after adoption");
    assert.deepEqual(imports(run.mocks), [
      [USER, "ci-user", "ci-deployer"],
      [KEY, "ci-blue", K0],
    ]);

    run = await day("2026-11-28");
    assert.deepEqual(run.keys["ci-blue"], ["Active", "2025-06-01"], "overlap, though 545 days old");
    assert.equal(run.doc.previous, undefined, "its secret was never known");

    // Its consumer still used it after green was published: it is past its maximum age, so it
    // goes Inactive on time all the same, and the run says so.
    world.lastUsed = { [K0]: { date: "2026-11-27", service: "s3", region: "us-east-1" } };
    run = await day("2026-11-29");
    assert.deepEqual(run.keys, {
      "ci-blue": ["Inactive", "2025-06-01"],
      "ci-green": ["Active", "2026-11-22"],
    });
    assert.deepEqual(world.iam, [["GetAccessKeyLastUsedCommand", K0]]);
    assert.deepEqual(await report(run), {
      date: "2026-11-29",
      events: [{ kind: "deactivate", slot: "blue", keyIssuedOn: "2025-06-01" }],
      keptInUse: null,
      previousDeactivatesOn: null,
      warnings: [
        `The previous access key ${K0} of IAM user "ci-deployer" was used on 2026-11-27 by s3 ` +
          `in us-east-1, but it reached its maximum age (maxAgeDays) on 2025-08-30: it is ` +
          `deactivated now.`,
      ],
    });
    assert.equal(world.tags["key-rotation:previous-in-use"], undefined);
    assert.equal(world.tags["key-rotation:adopted"], `blue:${K0}`);
    assert.equal(world.keys.blue!.id, K0);

    run = await day("2026-12-22");
    assert.deepEqual(run.keys, {
      "ci-blue": ["Active", "2026-12-22"],
      "ci-green": ["Active", "2026-11-22"],
    });
    assert.deepEqual(imports(run.mocks), [[USER, "ci-user", "ci-deployer"]], "no key imported");
    assert.notEqual(world.keys.blue!.id, K0, "the adopted key is gone, its slot re-issued");
    assert.deepEqual((await report(run)).events, [
      { kind: "delete", slot: "blue", keyIssuedOn: "2025-06-01" },
      { kind: "issue", slot: "blue", keyIssuedOn: "2026-12-22" },
    ]);
    assert.deepEqual(world.tags, {
      team: "data",
      owner: "alice",
      "key-rotation:current": "blue",
      "key-rotation:blue": "2026-12-22",
      "key-rotation:green": "2026-11-22",
      "key-rotation:previous-active-until": "2026-12-29",
      "key-rotation:stack": STACK,
    });
    const blue = world.keys.blue!.id;
    assert.deepEqual(run.doc, {
      accessKeyId: blue,
      secretAccessKey: "secret-for-ci-blue",
      slot: "blue",
      issuedOn: "2026-12-22",
      userName: "ci-deployer",
      previous: {
        accessKeyId: green,
        secretAccessKey: "secret-for-ci-green",
        slot: "green",
        issuedOn: "2026-11-22",
        deactivatesOn: "2026-12-29",
      },
      record: {
        current: "blue",
        slots: {
          blue: { issuedOn: "2026-12-22", accessKeyId: blue },
          green: { issuedOn: "2026-11-22", accessKeyId: green },
        },
        publishedOn: "2026-12-22",
        previousActiveUntil: "2026-12-29",
        stack: STACK,
      },
    });

    run = await day("2026-12-29");
    assert.deepEqual(run.keys, {
      "ci-blue": ["Active", "2026-12-22"],
      "ci-green": ["Inactive", "2026-11-22"],
    });
    assert.ok(
      !world.iam.some(([call]) => call === "DeleteAccessKeyCommand"),
      "the run itself never deleted a key",
    );
  });
});

describe("RotatedKeyUser retiring a previous key still in use", () => {
  const ECR = { service: "ecr", region: "eu-west-1" };
  const keptWarning = (id: string, lastUsed: string, bound: string) =>
    `The previous access key ${id} of IAM user "ci-deployer" is still used (last ${lastUsed} ` +
    `by ecr in eu-west-1) although its replacement was published: it stays Active one more ` +
    `day. It is deactivated on ${bound} at the latest (maxAgeDays), used or not: move that ` +
    `consumer to the published key.`;

  it("over a cycle: kept Active while used, Inactive once quiet, calendar when unreadable", async () => {
    const world: World = { keys: {}, made: 0 };
    const day = (date: string) => runDay(world, date);
    await day("2026-11-22");
    await day("2026-12-22"); // green published, blue in its overlap until 12-29
    const blue = world.keys.blue!.id;
    const green = world.keys.green!.id;
    assert.deepEqual(world.iam, [["(engine creates a key)", "green"]], "nothing read before");

    // The last day of the overlap: used the day before, so kept one more day.
    world.lastUsed = { [blue]: { date: "2026-12-28", ...ECR } };
    let run = await day("2026-12-29");
    assert.deepEqual(world.iam, [["GetAccessKeyLastUsedCommand", blue]]);
    assert.deepEqual(run.keys, {
      "ci-blue": ["Active", "2026-11-22"],
      "ci-green": ["Active", "2026-12-22"],
    });
    assert.deepEqual(world.tags, {
      "key-rotation:current": "green",
      "key-rotation:blue": "2026-11-22",
      "key-rotation:green": "2026-12-22",
      "key-rotation:previous-active-until": "2026-12-29",
      "key-rotation:previous-in-use": "2026-12-29",
      "key-rotation:stack": STACK,
    });
    assert.deepEqual(run.doc.previous, {
      accessKeyId: blue,
      secretAccessKey: "secret-for-ci-blue",
      slot: "blue",
      issuedOn: "2026-11-22",
      deactivatesOn: "2026-12-30",
    });
    assert.equal((run.doc.record as Record<string, unknown>).previousInUse, "2026-12-29");
    assert.deepEqual(await valueOf(run.component.run), {
      date: "2026-12-29",
      events: [],
      keptInUse: {
        slot: "blue",
        accessKeyId: blue,
        lastUsed: { date: "2026-12-28T12:00:00.000Z", service: "ecr", region: "eu-west-1" },
      },
      previousDeactivatesOn: "2026-12-30",
      warnings: [keptWarning(blue, "2026-12-28", "2027-02-20")],
    });

    // Used on the day it was last kept: that use may have followed the run, kept again.
    world.lastUsed = { [blue]: { date: "2026-12-29", ...ECR } };
    run = await day("2026-12-30");
    assert.deepEqual(run.keys["ci-blue"], ["Active", "2026-11-22"]);
    assert.equal(world.tags["key-rotation:previous-in-use"], "2026-12-30");
    assert.deepEqual((await valueOf(run.component.run)).warnings, [
      keptWarning(blue, "2026-12-29", "2027-02-20"),
    ]);

    // Not used since it was last kept: quiet, Inactive, no longer published.
    run = await day("2026-12-31");
    assert.deepEqual(run.keys, {
      "ci-blue": ["Inactive", "2026-11-22"],
      "ci-green": ["Active", "2026-12-22"],
    });
    // (The tag keeps the last day it was kept until the slot is re-issued.)
    assert.equal(world.tags["key-rotation:previous-in-use"], "2026-12-30");
    assert.equal(run.doc.previous, undefined);
    assert.deepEqual(await valueOf(run.component.run), {
      date: "2026-12-31",
      events: [{ kind: "deactivate", slot: "blue", keyIssuedOn: "2026-11-22" }],
      keptInUse: null,
      previousDeactivatesOn: null,
      warnings: [],
    });

    // The next rotation: blue re-issued, green's overlap until 2027-01-28.
    run = await day("2027-01-21");
    assert.deepEqual(run.keys, {
      "ci-blue": ["Active", "2027-01-21"],
      "ci-green": ["Active", "2026-12-22"],
    });
    assert.equal(world.tags["key-rotation:previous-in-use"], undefined);
    // Green's last use cannot be read: a warning, and the calendar decides (never a crash,
    // never kept silently).
    world.lastUsed = { [green]: { date: "2027-01-27", ...ECR } };
    world.lastUseFails = "AccessDenied: not authorized to perform iam:GetAccessKeyLastUsed";
    run = await day("2027-01-28");
    assert.deepEqual(run.keys, {
      "ci-blue": ["Active", "2027-01-21"],
      "ci-green": ["Inactive", "2026-12-22"],
    });
    assert.equal(world.tags["key-rotation:previous-in-use"], undefined);
    assert.deepEqual(await valueOf(run.component.run), {
      date: "2027-01-28",
      events: [{ kind: "deactivate", slot: "green", keyIssuedOn: "2026-12-22" }],
      keptInUse: null,
      previousDeactivatesOn: null,
      warnings: [
        `Cannot read the last use of access key ${green} of IAM user "ci-deployer" ` +
          `(AccessDenied: not authorized to perform iam:GetAccessKeyLastUsed): it is retired on ` +
          `its calendar date, without checking whether consumers still use it. Allow the ` +
          `deploying role iam:GetAccessKeyLastUsed on this user.`,
      ],
    });
  });

  it("deactivates it at its max-age bound although it is still used, and says so", async () => {
    const world: World = { keys: {}, made: 0 };
    const rotation = { everyDays: 30, overlapDays: 7, maxAgeDays: 40 };
    const day = (date: string) => runDayWith(world, date, { rotation });
    await day("2026-11-22");
    await day("2026-12-22"); // blue's bound: 2026-11-22 + 40 days = 2027-01-01
    const blue = world.keys.blue!.id;
    for (const [date, lastUsed] of [
      ["2026-12-29", "2026-12-28"],
      ["2026-12-30", "2026-12-29"],
      ["2026-12-31", "2026-12-30"],
    ]) {
      world.lastUsed = { [blue]: { date: lastUsed, ...ECR } };
      const run = await day(date);
      assert.deepEqual(run.keys["ci-blue"], ["Active", "2026-11-22"], date);
      assert.equal(world.tags!["key-rotation:previous-in-use"], date);
      assert.deepEqual(
        (await valueOf(run.component.run)).warnings,
        [keptWarning(blue, lastUsed, "2027-01-01")],
        date,
      );
    }
    world.lastUsed = { [blue]: { date: "2026-12-31", ...ECR } };
    const run = await day("2027-01-01");
    assert.deepEqual(run.keys, {
      "ci-blue": ["Inactive", "2026-11-22"],
      "ci-green": ["Active", "2026-12-22"],
    });
    assert.equal(world.tags!["key-rotation:previous-in-use"], "2026-12-31");
    assert.equal(run.doc.previous, undefined);
    assert.deepEqual(await valueOf(run.component.run), {
      date: "2027-01-01",
      events: [{ kind: "deactivate", slot: "blue", keyIssuedOn: "2026-11-22" }],
      keptInUse: null,
      previousDeactivatesOn: null,
      warnings: [
        `The previous access key ${blue} of IAM user "ci-deployer" was used on 2026-12-31 by ` +
          `ecr in eu-west-1, but it reached its maximum age (maxAgeDays) on 2027-01-01: it is ` +
          `deactivated now.`,
      ],
    });
  });

  it("shows the decision at preview: the last use is read and the key stays Active", async () => {
    const world: World = { keys: {}, made: 0 };
    await runDay(world, "2026-11-22");
    await runDay(world, "2026-12-22");
    const blue = world.keys.blue!.id;
    world.lastUsed = { [blue]: { date: "2026-12-28", ...ECR } };
    const { mocks, report } = await previewDay(world, "2026-12-29", {});
    assert.deepEqual(world.iam, [["GetAccessKeyLastUsedCommand", blue]]);
    assert.deepEqual(
      mocks.ofType(KEY).map((k) => [k.name, k.inputs.status]),
      [
        ["ci-green", "Active"],
        ["ci-blue", "Active"],
      ],
    );
    assert.equal(mocks.named("ci-user").inputs.tags["key-rotation:previous-in-use"], "2026-12-29");
    assert.deepEqual(report.keptInUse, {
      slot: "blue",
      accessKeyId: blue,
      lastUsed: { date: "2026-12-28T12:00:00.000Z", service: "ecr", region: "eu-west-1" },
    });
    assert.equal(report.previousDeactivatesOn, "2026-12-30");
  });
});
