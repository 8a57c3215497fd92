/**
 * RotatedKeyUser under pulumi.runtime.setMocks: exact resources, names, parentage, tags,
 * statuses and the slot options, the published document, and a multi-run rotation cycle that
 * feeds each run's tags and secret into the next run's invokes.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
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

const USER = "aws:iam/user:User";
const KEY = "aws:iam/accessKey:AccessKey";
const ATTACH = "aws:iam/userPolicyAttachment:UserPolicyAttachment";
const SECRET = "aws:secretsmanager/secret:Secret";
const VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const COMPONENT = "iam-key-rotation:index:RotatedKeyUser";

async function load(): Promise<typeof import("../../../components/rotatedKeyUser/rotatedKeyUser")> {
  return import("../../../components/rotatedKeyUser/rotatedKeyUser");
}

/** Builds one component, waits until every child is registered and the document resolved. */
async function build(
  mocks: RecordingMocks,
  args: Partial<RotatedKeyUserArgs>,
  options: { preview?: boolean } = {},
) {
  await useMocks(mocks, options);
  const { RotatedKeyUser } = await load();
  const spy = optionsSpy();
  const component: RotatedKeyUserType = new RotatedKeyUser(
    "ci",
    { userName: "ci-deployer", waitForNewKey: false, today: "2026-11-22", ...args },
    { transformations: [spy.transformation] },
  );
  if (!options.preview) await valueOf(component.secretArn);
  await waitFor(() => mocks.ofType(VERSION).length === 1 || (options.preview ?? false));
  return { component, spy };
}

async function waitFor(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(done(), "resources were not registered");
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
      ].sort(),
      "exact resources (any registration order)",
    );
    assert.deepEqual(mocks.named("ci-user").inputs, {
      name: "ci-deployer",
      path: "/key-rotation/",
      tags: { team: "platform", "key-rotation:current": "blue", "key-rotation:blue": "2026-11-22" },
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
      },
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
      ["ci-secret-version"],
      "deactivated after publishing",
    );
    assert.deepEqual(await dependsOnNames(spy, "ci-green"), []);
  });

  it("makes an Active previous key wait for nothing (it is published with the current one)", async () => {
    const mocks = new RecordingMocks();
    const { spy } = await build(mocks, { recorded: twoSlots, published: null });
    assert.deepEqual(await dependsOnNames(spy, "ci-blue"), []);
    assert.deepEqual(await dependsOnNames(spy, "ci-green"), []);
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
    assert.deepEqual(await dependsOnNames(spy, "ci-green"), ["ci-secret-version"]);
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

describe("RotatedKeyUser reading its record live", () => {
  it("takes a missing user as new and issues blue", async () => {
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

  it("reads the secret only while an overlap waits for publication", async () => {
    const mocks = new RecordingMocks({
      "aws:iam/getUser:getUser": () => ({
        userName: "ci-deployer",
        tags: {
          "key-rotation:current": "green",
          "key-rotation:blue": "2026-10-23",
          "key-rotation:green": "2026-11-22",
        },
      }),
      "aws:secretsmanager/getSecretVersion:getSecretVersion": () => ({
        secretString: JSON.stringify({ slot: "green", issuedOn: "2026-11-22" }),
        createdDate: "2026-11-22T06:00:00Z",
      }),
    });
    await build(mocks, { today: "2026-11-23" });
    assert.deepEqual(
      mocks.invokes.map((i) => [i.token, i.inputs]),
      [
        ["aws:iam/getUser:getUser", { userName: "ci-deployer" }],
        [
          "aws:secretsmanager/getSecretVersion:getSecretVersion",
          { secretId: "key-rotation/ci-deployer" },
        ],
      ],
    );
    assert.equal(
      mocks.named("ci-user").inputs.tags["key-rotation:previous-active-until"],
      "2026-11-29",
    );
  });
});

/**
 * One `pulumi up` of one user: the invokes answer from `world` (the previous run's tags and
 * secret); afterwards the world takes this run's user tags and, when it changed, its secret.
 */
interface World {
  tags?: Record<string, string>;
  secret?: { secretString: string; createdDate: string };
}

async function runDay(world: World, day: string) {
  const mocks = new RecordingMocks({
    "aws:iam/getUser:getUser": (inputs) => {
      if (world.tags === undefined) throw noSuchUser(inputs.userName);
      return { userName: inputs.userName, path: "/key-rotation/", arn: "arn", tags: world.tags };
    },
    "aws:secretsmanager/getSecretVersion:getSecretVersion": (inputs) => {
      if (world.secret === undefined) throw noSuchSecret(inputs.secretId);
      return world.secret;
    },
  });
  const { spy } = await build(mocks, { today: day });
  world.tags = mocks.named("ci-user").inputs.tags as Record<string, string>;
  const secretString = unwrapSecret(mocks.named("ci-secret-version").inputs.secretString)
    .value as string;
  if (world.secret?.secretString !== secretString)
    world.secret = { secretString, createdDate: `${day}T06:00:00Z` };
  /** Each slot key: [status, replacementTrigger]; a new trigger means the slot is re-issued. */
  const keys = Object.fromEntries(
    mocks
      .ofType(KEY)
      .map((k) => [
        k.name,
        [k.inputs.status, spy.seen.find((c) => c.name === k.name)!.opts.replacementTrigger],
      ]),
  );
  return { mocks, keys, doc: JSON.parse(secretString) as Record<string, unknown> };
}

describe("RotatedKeyUser over a full rotation cycle", () => {
  it("blue issued, green issued, blue Inactive after the overlap, blue deleted and re-issued", async () => {
    const world: World = {};
    const day = (date: string) => runDay(world, date);
    const tag = (key: string): string | undefined => (world.tags as Record<string, string>)[key];

    let run = await day("2026-11-22");
    assert.deepEqual(run.keys, { "ci-blue": ["Active", "2026-11-22"] });
    assert.deepEqual(world.tags, {
      "key-rotation:current": "blue",
      "key-rotation:blue": "2026-11-22",
    });

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
    });
    assert.equal(run.doc.slot, "green");
    assert.equal((run.doc.previous as Record<string, unknown>).slot, "blue");

    run = await day("2026-12-23");
    assert.equal(
      tag("key-rotation:previous-active-until"),
      "2026-12-29",
      "overlap from publication day",
    );

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

    run = await day("2027-01-21");
    assert.deepEqual(
      run.keys,
      { "ci-blue": ["Active", "2027-01-21"], "ci-green": ["Active", "2026-12-22"] },
      "blue deleted and re-issued: new trigger",
    );
    assert.deepEqual(world.tags, {
      "key-rotation:current": "blue",
      "key-rotation:blue": "2027-01-21",
      "key-rotation:green": "2026-12-22",
    });
    assert.equal(run.doc.slot, "blue");
    assert.equal(run.doc.issuedOn, "2027-01-21");

    run = await day("2027-01-22");
    assert.equal(tag("key-rotation:previous-active-until"), "2027-01-28");
    run = await day("2027-01-28");
    assert.deepEqual(run.keys, {
      "ci-blue": ["Active", "2027-01-21"],
      "ci-green": ["Inactive", "2026-12-22"],
    });
  });

  it("a run that fails before publishing does not start the overlap", async () => {
    const world: World = {};
    await runDay(world, "2026-11-22");
    const published = world.secret;
    await runDay(world, "2026-12-22"); // rotation: green issued
    world.secret = published; // ...but the secret was never updated (the run failed)
    for (const date of ["2026-12-23", "2026-12-30", "2027-01-05"]) {
      const run = await runDay(world, date);
      world.secret = published;
      assert.equal(world.tags?.["key-rotation:previous-active-until"], undefined, date);
      assert.deepEqual(
        run.keys,
        { "ci-blue": ["Active", "2026-11-22"], "ci-green": ["Active", "2026-12-22"] },
        date,
      );
    }
  });
});
