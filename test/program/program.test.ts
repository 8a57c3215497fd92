/**
 * The program (index.ts) under mocks, with config the way `pulumi up` hands it over: every
 * value a string, structured values as JSON. Bad config and failed reads must stop the run
 * before any resource is registered.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as pulumi from "@pulumi/pulumi";
import * as engineRpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import { parse } from "yaml";
import {
  invokeFailure,
  noSuchSecret,
  noSuchUser,
  RecordingMocks,
  useMocks,
  valueOf,
} from "../support/mocks";
import { ROOT } from "../support/root";
import { documentOf } from "../components/rotatedKeyUser/rotationWorlds";
import { iamCalls } from "../../components/rotatedKeyUser/liveReads";
import type { IAMClient } from "@aws-sdk/client-iam";

type Program = () => Promise<{ users: Record<string, Record<string, pulumi.Output<unknown>>> }>;

/** Pulumi.<stack>.yaml's config as the engine passes it to a program. */
function stackConfig(stack: string): Record<string, string> {
  const doc = parse(readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  return Object.fromEntries(
    Object.entries(doc.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

async function runProgram(mocks: RecordingMocks, config: Record<string, string>) {
  await useMocks(mocks, { stack: "prod", config });
  const mod = (await import("../../index")) as unknown as { default?: Program } & Program;
  const program: Program = mod.default ?? mod;
  return program();
}

/** The fewest users of 20-character names the prod stack's CI roles cannot grant. */
const CI_USERS_OVER = 71;

const allUsersNew = {
  "aws:iam/getUser:getUser": (inputs: Record<string, any>) => {
    throw noSuchUser(inputs.userName as string);
  },
};

describe("the program", () => {
  it("declares every user of the prod stack with its settings", async () => {
    const mocks = new RecordingMocks(allUsersNew);
    const started = new Date().toISOString().slice(0, 10);
    const config = { ...stackConfig("prod"), "iam-key-rotation:waitForNewKey": "false" };
    const outputs = await runProgram(mocks, config);
    assert.deepEqual(Object.keys(outputs.users), [
      "onprem-jenkins-ecr",
      "bi-vendor-athena",
      "partner-dropbox-sync",
    ]);
    await valueOf(outputs.users["partner-dropbox-sync"].secretArn);

    assert.deepEqual(
      mocks.ofType("iam-key-rotation:index:RotatedKeyUser").map((r) => r.inputs),
      [
        {
          userName: "onprem-jenkins-ecr",
          path: "/key-rotation/",
          secretName: "key-rotation/onprem-jenkins-ecr",
          rotation: { everyDays: 30, overlapDays: 7, maxAgeDays: 90 },
          adopt: false,
          selfRead: true,
        },
        {
          userName: "bi-vendor-athena",
          path: "/key-rotation/",
          secretName: "key-rotation/bi-vendor-athena",
          rotation: { everyDays: 60, overlapDays: 14, maxAgeDays: 90 },
          adopt: false,
          selfRead: true,
        },
        {
          userName: "partner-dropbox-sync",
          path: "/key-rotation/",
          secretName: "key-rotation/partner-dropbox-sync",
          rotation: { everyDays: 14, overlapDays: 2, maxAgeDays: 30 },
          adopt: false,
          selfRead: true,
        },
      ],
    );
    assert.deepEqual(
      mocks
        .ofType("aws:iam/userPolicyAttachment:UserPolicyAttachment")
        .map((r) => [r.name, r.inputs.policyArn])
        .sort(),
      [
        [
          "bi-vendor-athena-aws-AmazonAthenaFullAccess",
          "arn:aws:iam::aws:policy/AmazonAthenaFullAccess",
        ],
        [
          "bi-vendor-athena-aws-AmazonS3ReadOnlyAccess",
          "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        ],
        [
          "onprem-jenkins-ecr-aws-AmazonEC2ContainerRegistryPowerUser",
          "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser",
        ],
        [
          "partner-dropbox-sync-aws-AmazonS3ReadOnlyAccess",
          "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        ],
      ],
    );
    assert.deepEqual(
      mocks
        .ofType("aws:iam/accessKey:AccessKey")
        .map((r) => r.name)
        .sort(),
      ["bi-vendor-athena-blue", "onprem-jenkins-ecr-blue", "partner-dropbox-sync-blue"],
    );
    const { tags } = mocks.named("bi-vendor-athena-user").inputs;
    assert.ok(
      [started, new Date().toISOString().slice(0, 10)].includes(tags["key-rotation:blue"]),
      "issued today (UTC)",
    );
    assert.deepEqual(tags, {
      team: "data",
      consumer: "bi-vendor",
      "key-rotation:current": "blue",
      "key-rotation:blue": tags["key-rotation:blue"],
      "key-rotation:stack": "iam-key-rotation/prod",
    });
    const outputs0 = outputs.users["onprem-jenkins-ecr"];
    assert.deepEqual(Object.keys(outputs0), [
      "userArn",
      "currentSlot",
      "currentAccessKeyId",
      "secretArn",
      "nextRotationOn",
      "rotationState",
      "run",
    ]);
    // What the plan says is a plain value; what the children say, an Output.
    assert.equal(outputs0.currentSlot, "blue");
    assert.equal(pulumi.Output.isInstance(outputs0.currentAccessKeyId), true);
  });

  const bad: [string, Record<string, string>, string][] = [
    [
      "no users",
      {},
      "Invalid stack configuration (1 problem); nothing was changed:\n" +
        '  - [users] must be a non-empty list of users, e.g. [{ name: "ci-deployer" }] (got undefined).',
    ],
    [
      "users that are not JSON",
      { "iam-key-rotation:users": "ci-deployer" },
      "Invalid stack configuration (1 problem); nothing was changed:\n" +
        '  - [users] must be a non-empty list of users, e.g. [{ name: "ci-deployer" }] (got "ci-deployer").',
    ],
    [
      "an unknown key and a bad overlap",
      {
        "iam-key-rotation:users": JSON.stringify([{ name: "ci", rotation: { overlapDays: 30 } }]),
        "iam-key-rotation:maxAge": "90",
      },
      "Invalid stack configuration (2 problems); nothing was changed:\n" +
        "  - [maxAge] is not a known setting of iam-key-rotation (known: users, rotation, path, secretPrefix, waitForNewKey, selfRead, compliance, github).\n" +
        '  - user "ci": [users[0].rotation.overlapDays] must be smaller than [users[0].rotation.everyDays] (got 30 and 30).',
    ],
    [
      "waitForNewKey that is not a boolean",
      {
        "iam-key-rotation:users": JSON.stringify([{ name: "ci" }]),
        "iam-key-rotation:waitForNewKey": "yes",
      },
      "Invalid stack configuration (1 problem); nothing was changed:\n" +
        '  - [waitForNewKey] must be true or false (got "yes").',
    ],
  ];
  // More users than the keyless CI roles' ten managed policies can grant (README, "Performance
  // and scale"): 20-character names, the stack "prod" of project iam-key-rotation.
  const ciUsers = (n: number) =>
    JSON.stringify(
      Array.from({ length: n }, (_, i) => ({
        name: `svc-${String(i).padStart(3, "0")}-abcdefghijkl`,
      })),
    );
  const github = JSON.stringify({
    applySubjects: ["repo:acme/iam-key-rotation:environment:prod"],
  });
  bad.push([
    "more users than the CI roles can grant",
    { "iam-key-rotation:users": ciUsers(CI_USERS_OVER), "iam-key-rotation:github": github },
    "Invalid stack configuration (1 problem); nothing was changed:\n" +
      `  - [users] lists ${CI_USERS_OVER} users: their grants need 11 managed policies, more than the 10 IAM ` +
      `attaches to a role; split the users across stacks (the first ${CI_USERS_OVER - 1} fit in one).`,
  ]);
  for (const [title, config, message] of bad) {
    it(`stops on ${title} before reading or creating anything`, async () => {
      const mocks = new RecordingMocks(allUsersNew);
      await assert.rejects(runProgram(mocks, config), (err: Error) => {
        assert.ok(err instanceof pulumi.RunError, "a RunError prints without a stack trace");
        assert.equal(err.message, message);
        return true;
      });
      assert.deepEqual(mocks.resources, []);
      assert.deepEqual(mocks.invokes, []);
    });
  }

  it("exports the ARNs it read for a user it manages as plain values, the key id once published, a new user's as Outputs", async () => {
    // "old" exists, its record, key and published document in agreement (issued yesterday);
    // "new" does not exist yet.
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const keyId = "AKIAIOSFODNN7EXAMPLE";
    const state = {
      current: "blue" as const,
      slots: { blue: { issuedOn: yesterday } },
      publishedOn: yesterday,
    };
    const userArn = "arn:aws:iam::123456789012:user/key-rotation/old";
    const readSecretArn =
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:key-rotation/old-ReadAr";
    const mocks = new RecordingMocks({
      "aws:iam/getUser:getUser": (inputs) => {
        if (inputs.userName !== "old") throw noSuchUser(inputs.userName as string);
        return {
          userName: "old",
          arn: userArn,
          path: "/key-rotation/",
          tags: {
            "key-rotation:current": "blue",
            "key-rotation:blue": yesterday,
            "key-rotation:stack": "iam-key-rotation/prod",
          },
        };
      },
      "aws:iam/getAccessKeys:getAccessKeys": (inputs) => ({
        user: inputs.user,
        accessKeys: [
          { accessKeyId: keyId, status: "Active", createDate: `${yesterday}T06:00:00Z` },
        ],
      }),
      "aws:secretsmanager/getSecretVersion:getSecretVersion": () => ({
        arn: readSecretArn,
        createdDate: `${yesterday}T06:00:00Z`,
        secretString: JSON.stringify({
          ...documentOf(state, { ids: { blue: keyId }, stack: "iam-key-rotation/prod" }),
          userName: "old",
        }),
      }),
    });
    mocks.accessKey = (name) =>
      name === "old-blue"
        ? { id: keyId, createDate: `${yesterday}T06:00:00Z` }
        : { id: "AKIAI44QH8DHBEXAMPLE", createDate: new Date().toISOString() };
    const config = {
      "iam-key-rotation:users": JSON.stringify([{ name: "old" }, { name: "new" }]),
      "iam-key-rotation:waitForNewKey": "false",
    };
    const { users } = await runProgram(mocks, config);
    // Read and checked: plain (the secret's as read).
    assert.equal(users.old.userArn, userArn);
    assert.equal(users.old.secretArn, readSecretArn);
    // The state's key, once the key is published: the version is among its dependencies, so
    // a run that fails to publish records no outputs.
    const keyOutput = users.old.currentAccessKeyId;
    assert.equal(pulumi.Output.isInstance(keyOutput), true);
    assert.equal(await valueOf(keyOutput), keyId);
    const after = await (
      keyOutput as unknown as { allResources(): Promise<Set<pulumi.Resource>> }
    ).allResources();
    const urns = await Promise.all([...after].map((r) => valueOf(r.urn)));
    assert.deepEqual(urns.map((urn) => urn.split("::").pop()).sort(), [
      "old-blue",
      "old-secret-version",
    ]);
    // New: the children's Outputs.
    for (const name of ["userArn", "currentAccessKeyId", "secretArn"]) {
      assert.equal(pulumi.Output.isInstance(users.new[name]), true, name);
    }
    assert.equal(
      await valueOf(users.new.userArn),
      "arn:aws:iam::123456789012:user/key-rotation/new",
    );
  });

  it("stops on a revocation date in the future before reading or creating anything", async () => {
    const mocks = new RecordingMocks(allUsersNew);
    const config = {
      "iam-key-rotation:users": JSON.stringify([{ name: "ci", revokeIssuedBefore: "2999-01-01" }]),
    };
    await assert.rejects(runProgram(mocks, config), (err: Error) => {
      assert.ok(err instanceof pulumi.RunError);
      assert.match(
        err.message,
        /^Invalid stack configuration \(1 problem\); nothing was changed:\n {2}- user "ci": \[users\[0\]\.revokeIssuedBefore\] revokeIssuedBefore 2999-01-01 is in the future \(today is \d{4}-\d{2}-\d{2}\): only keys that exist can be revoked/,
      );
      return true;
    });
    assert.deepEqual(mocks.resources, []);
    assert.deepEqual(mocks.invokes, []);
  });

  it("reads every user first and stops, naming each failed one, before creating anything", async () => {
    const mocks = new RecordingMocks({
      "aws:iam/getUser:getUser": (inputs) => {
        if (inputs.userName === "a") throw noSuchUser("a");
        if (inputs.userName === "b") throw invokeFailure("reading IAM User (b): AccessDenied: no");
        return { userName: inputs.userName, path: "/key-rotation/", tags: {} };
      },
      "aws:iam/getAccessKeys:getAccessKeys": (inputs) => ({ user: inputs.user, accessKeys: [] }),
      "aws:secretsmanager/getSecretVersion:getSecretVersion": (inputs) => {
        throw noSuchSecret(inputs.secretId);
      },
    });
    const config = {
      "iam-key-rotation:users": JSON.stringify([{ name: "a" }, { name: "b" }, { name: "c" }]),
    };
    await assert.rejects(runProgram(mocks, config), (err: Error) => {
      assert.ok(err instanceof pulumi.RunError);
      assert.equal(
        err.message,
        'Cannot read the rotation record of IAM user "b" (its key-rotation:* tags): reading IAM User (b): ' +
          "AccessDenied: no. Stopping before any change: taking a failed read for a new user would re-issue the " +
          "key its consumers are using. Check that the deploying role may call iam:GetUser on this user, then run again.\n" +
          'IAM user "c" exists but has no rotation record (no key-rotation:* tags). Stopping before any change. ' +
          'A user made outside this stack is taken over with adopt: true (docs/runbooks.md, "Adopting existing users"). ' +
          'If the tags were removed by hand, rebuild them with rebuildRecord (docs/runbooks.md, "Repairing a rotation record").',
      );
      return true;
    });
    assert.deepEqual(mocks.resources, []);
    assert.deepEqual(
      mocks.invokes.map((i) => [
        i.token.split(":").pop(),
        i.inputs.userName ?? i.inputs.user ?? i.inputs.secretId,
      ]),
      [
        ["getUser", "a"],
        ["getUser", "b"],
        ["getUser", "c"],
        ["getAccessKeys", "c"],
        ["getSecretVersion", "key-rotation/c"],
      ],
    );
  });
  it("names the failed invoke when it fails with no reason (an empty error from the engine)", async () => {
    const mocks = new RecordingMocks({
      "aws:iam/getUser:getUser": (inputs) => ({
        userName: inputs.userName,
        path: "/key-rotation/",
        tags: {},
      }),
      // The engine's details empty: the SDK rejects with new Error("").
      "aws:iam/getAccessKeys:getAccessKeys": (inputs) => {
        if (inputs.user === "jenkins") throw new Error("lost");
        return { user: inputs.user, accessKeys: [] };
      },
      // Not mocked: getSecretVersion, whose failure must still name the mock's token.
    });
    const config = {
      "iam-key-rotation:users": JSON.stringify([{ name: "jenkins" }, { name: "vendor" }]),
    };
    await assert.rejects(runProgram(mocks, config), (err: Error) => {
      assert.ok(err instanceof pulumi.RunError);
      assert.equal(
        err.message,
        'Cannot list the access keys of IAM user "jenkins": the aws:iam/getAccessKeys:getAccessKeys ' +
          "invoke failed with no reason given (an empty Error). Stopping before any change: the run " +
          "checks its rotation record against the keys IAM holds. Check that the deploying role may " +
          "call iam:ListAccessKeys on this user, then run again.\n" +
          'Cannot read the published key of secret "key-rotation/vendor": Mock not implemented: ' +
          "aws:secretsmanager/getSecretVersion:getSecretVersion. Stopping before any change: the " +
          "previous key may only be retired once the new one is seen published. Check that the " +
          "deploying role may call secretsmanager:GetSecretValue on this secret, then run again.",
      );
      return true;
    });
    assert.deepEqual(mocks.resources, []);
  });
  it("stops on adopt where there is nothing to adopt, naming each user, changing nothing", async () => {
    const STACK_TAG = "key-rotation:stack";
    const published = JSON.stringify(
      documentOf(
        { current: "blue", slots: { blue: { issuedOn: "2026-01-05" } } },
        { ids: { blue: "AKIAEXAMPLEBLUE00001" }, stack: "iam-key-rotation/prod" },
      ),
    );
    const users: Record<string, { tags: Record<string, string>; secret?: string }> = {
      // A record without the stack tag: managed by a stack that never adopted it.
      legacy: { tags: { "key-rotation:current": "blue", "key-rotation:blue": "2026-01-05" } },
      other: {
        tags: {
          "key-rotation:current": "blue",
          "key-rotation:blue": "2026-01-05",
          [STACK_TAG]: "acme/other",
        },
      },
      // Its tags removed by hand, but its document says this stack manages it.
      stripped: { tags: { team: "data" }, secret: published },
      // Fine on its own: one Active key and an Inactive one the run may delete.
      oldkeys: { tags: {} },
    };
    const mocks = new RecordingMocks({
      "aws:iam/getUser:getUser": (inputs) => {
        const user = users[inputs.userName as string];
        if (user === undefined) throw noSuchUser(inputs.userName as string);
        return { userName: inputs.userName, path: "/key-rotation/", tags: user.tags };
      },
      "aws:iam/getAccessKeys:getAccessKeys": (inputs) => ({
        user: inputs.user,
        accessKeys: [
          {
            accessKeyId: "AKIAEXAMPLEBLUE00001",
            status: "Active",
            createDate: "2026-01-05T09:00:00Z",
          },
          ...(inputs.user === "oldkeys"
            ? [
                {
                  accessKeyId: "AKIAEXAMPLEHAND00002",
                  status: "Inactive",
                  createDate: "2025-01-05T09:00:00Z",
                },
              ]
            : []),
        ],
      }),
      "aws:secretsmanager/getSecretVersion:getSecretVersion": (inputs) => {
        const user = users[(inputs.secretId as string).replace("key-rotation/", "")];
        if (user?.secret === undefined) throw noSuchSecret(inputs.secretId as string);
        return { secretString: user.secret, createdDate: "2026-01-05T10:00:00Z" };
      },
    });
    const calls: string[] = [];
    iamCalls.client = {
      send: async (command: object) => {
        calls.push(command.constructor.name);
        return { AccessKeyLastUsed: {} };
      },
    } as unknown as IAMClient;
    const config = {
      "iam-key-rotation:users": JSON.stringify([
        { name: "ghost", adopt: true },
        { name: "legacy", adopt: true },
        { name: "other", adopt: true },
        { name: "stripped", adopt: true },
        { name: "oldkeys", adopt: { deleteInactiveKey: true } },
      ]),
    };
    try {
      await assert.rejects(runProgram(mocks, config), (err: Error) => {
        assert.ok(err instanceof pulumi.RunError);
        assert.equal(
          err.message,
          [
            'IAM user "ghost" does not exist, so there is nothing to adopt. Remove adopt to ' +
              "create the user, or fix the user name.",
            'IAM user "legacy" already has a rotation record, written by a stack that did not ' +
              "adopt it. Remove adopt: the user is managed already (by this stack, or by another " +
              "one: check every stack that lists it).",
            'IAM user "other" is managed by stack acme/other (its key-rotation:stack tag), not ' +
              "iam-key-rotation/prod. Stopping before any change: a user is managed by one stack " +
              "only. Remove it from one of the stacks; if the tag was edited, set rebuildRecord: " +
              'true on the user for one run (docs/runbooks.md, "Repairing a rotation record").',
            'IAM user "stripped" has no rotation record in its tags, but its published document ' +
              "records that stack iam-key-rotation/prod manages it: the tags were removed, the " +
              "user was not made by hand. Stopping before any change: adopting it would take the " +
              "stack's own keys for hand-made ones. Rebuild the record instead (rebuildRecord: " +
              'true instead of adopt; docs/runbooks.md, "Repairing a rotation record").',
          ].join("\n"),
        );
        return true;
      });
    } finally {
      iamCalls.client = undefined;
    }
    assert.deepEqual(mocks.resources, [], "nothing registered");
    // Only reads: the Inactive key of "oldkeys" is not deleted by a run that stops.
    assert.deepEqual(calls, ["GetAccessKeyLastUsedCommand", "GetAccessKeyLastUsedCommand"]);
  });
});

/**
 * An engine on 127.0.0.1 that answers RequirePulumiVersion with `refusal` (the program reaches
 * it through the SDK's own client, as under `pulumi up`), and accepts log messages.
 */
async function fakeEngine(refusal: Partial<grpc.ServiceError>) {
  const asked: string[] = [];
  const server = new grpc.Server();
  // An empty reply (google.protobuf.Empty), made by the service's own deserializer.
  const ok = (_call: unknown, callback: (err: null, value: unknown) => void) =>
    callback(null, engineRpc.EngineService.log.responseDeserialize(Buffer.alloc(0)));
  server.addService(engineRpc.EngineService, {
    log: ok,
    requirePulumiVersion: (
      call: { request: { getPulumiVersionRange(): string } },
      callback: (err: Partial<grpc.ServiceError>) => void,
    ) => {
      asked.push(call.request.getPulumiVersionRange());
      callback(refusal);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err === null ? resolve(p) : reject(err),
    ),
  );
  return { address: `127.0.0.1:${port}`, asked, close: () => server.forceShutdown() };
}

/** The runtime's settings (the SDK keeps them on a global store). */
const runtimeOptions = () =>
  (globalThis as unknown as { globalStore: { settings: { options: { engineAddr?: string } } } })
    .globalStore.settings.options;

/** index.ts with modules of its own (requireEngine checks once per process); restored after. */
function withFreshProgram<T>(run: (program: Program) => Promise<T>): Promise<T> {
  const paths = [
    "index.ts",
    "components/index.ts",
    "components/rotatedKeyUser/rotatedKeyUser.ts",
  ].map((p) => path.join(ROOT, p));
  const saved = paths.map((p) => require.cache[p]);
  for (const p of paths) delete require.cache[p];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(ROOT, "index.ts")) as { default?: Program } & Program;
  return run(mod.default ?? mod).finally(() => {
    paths.forEach((p, i) => {
      if (saved[i] === undefined) delete require.cache[p];
      else require.cache[p] = saved[i];
    });
  });
}

describe("the program under an engine older than the minimum", () => {
  const cases: [string, Partial<grpc.ServiceError>, string][] = [
    [
      "refuses the version range",
      {
        code: grpc.status.UNKNOWN,
        details: 'Pulumi CLI version 3.150.0 does not satisfy the version range ">=3.208.0"',
      },
      '2 UNKNOWN: Pulumi CLI version 3.150.0 does not satisfy the version range ">=3.208.0"',
    ],
    [
      "does not know the RequirePulumiVersion call",
      { code: grpc.status.UNIMPLEMENTED, details: "unknown method RequirePulumiVersion" },
      "The installed version of the CLI does not support the `RequirePulumiVersion` RPC. " +
        "Please upgrade the Pulumi CLI.",
    ],
  ];
  for (const [title, refusal, reason] of cases) {
    it(`stops before reading or creating anything when the engine ${title}`, async () => {
      const engine = await fakeEngine(refusal);
      const mocks = new RecordingMocks(allUsersNew);
      try {
        await useMocks(mocks, {
          stack: "prod",
          config: { "iam-key-rotation:users": JSON.stringify([{ name: "ci" }]) },
        });
        runtimeOptions().engineAddr = engine.address;
        await withFreshProgram(async (program) => {
          await assert.rejects(program(), (err: Error) => {
            assert.ok(err instanceof pulumi.RunError, "a RunError prints without a stack trace");
            assert.equal(
              err.message,
              "iam-key-rotation needs Pulumi CLI 3.208.0 or later: older engines ignore the " +
                "replacementTrigger option, so keys would never be re-issued " +
                `(${reason}). Upgrade the Pulumi CLI, then run again. Nothing was changed.`,
            );
            return true;
          });
        });
      } finally {
        runtimeOptions().engineAddr = "";
        await useMocks(new RecordingMocks()); // drops the runtime's client of that engine
        engine.close();
      }
      assert.deepEqual(engine.asked, [">=3.208.0"]);
      assert.deepEqual(mocks.invokes, [], "nothing read");
      assert.deepEqual(mocks.resources, [], "nothing registered");
    });
  }
});
