/**
 * The live reads at the start of a run (./liveReads.ts observe): the user, its keys and the
 * published secret through provider invokes, at preview too. Only a definite "does not exist"
 * means "nothing there"; every other failure stops the run with an error naming the user (or
 * secret), the permission and what to do.
 */
import * as assert from "node:assert/strict";
import {
  invokeFailure,
  noSuchSecret,
  noSuchUser,
  RecordingMocks,
  useMocks,
} from "../../support/mocks";
import { isNotFoundError, observe } from "../../../components/rotatedKeyUser/liveReads";

const GET_USER = "aws:iam/getUser:getUser";
const GET_KEYS = "aws:iam/getAccessKeys:getAccessKeys";
const GET_SECRET = "aws:secretsmanager/getSecretVersion:getSecretVersion";

async function withInvokes(
  handlers: ConstructorParameters<typeof RecordingMocks>[0],
  preview = false,
) {
  const mocks = new RecordingMocks(handlers, preview);
  await useMocks(mocks, { preview });
  return mocks;
}

/** What the provider answers for an existing user, its keys and its secret. */
const USER = {
  arn: "arn:aws:iam::123456789012:user/ci",
  id: "ci",
  path: "/",
  permissionsBoundary: "",
  tags: { team: "payments", "key-rotation:current": "blue", "key-rotation:blue": "2027-02-20" },
  userId: "AIDAEXAMPLE",
  userName: "ci",
};
const KEYS = {
  id: "ci",
  user: "ci",
  accessKeys: [
    { accessKeyId: "AKIAEXAMPLEBLUE00001", status: "Active", createDate: "2027-02-20T09:15:00Z" },
    {
      accessKeyId: "AKIAEXAMPLEGREEN0001",
      status: "Inactive",
      createDate: "2027-01-20T09:15:00Z",
    },
  ],
};
const SECRET = {
  arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:key-rotation/ci-AbCdEf",
  id: "key-rotation/ci|AWSCURRENT",
  secretId: "key-rotation/ci",
  secretString: '{"slot":"blue"}',
  createdDate: "2027-02-20T23:30:00-02:00",
  versionId: "v1",
  versionStage: "AWSCURRENT",
};

describe("isNotFoundError", () => {
  const cases: [string, string, boolean][] = [
    ["reading IAM User (ci): couldn't find resource", "ci", true],
    [
      "invoking aws:iam/getUser:getUser: 1 error occurred:\n\t* reading IAM User (ci): couldn't find resource\n\n",
      "ci",
      true,
    ],
    [
      "reading IAM User (ci): operation error IAM: GetUser, https response error StatusCode: 404, NoSuchEntity: The user with name ci cannot be found.",
      "ci",
      true,
    ],
    ["reading IAM User (other): couldn't find resource", "ci", false],
    [
      "reading IAM User (ci): operation error IAM: GetUser, https response error StatusCode: 403, api error AccessDenied: User: arn:aws:sts::1:assumed-role/ci is not authorized to perform: iam:GetUser",
      "ci",
      false,
    ],
    [
      "reading IAM User (ci): operation error IAM: GetUser, exceeded maximum number of attempts, 25, Throttling: Rate exceeded",
      "ci",
      false,
    ],
    ["couldn't find resource", "ci", false],
    ["", "ci", false],
  ];
  for (const [text, user, expected] of cases) {
    it(`${expected ? "is" : "is not"} not-found: ${JSON.stringify(text.slice(0, 70))}`, () => {
      assert.equal(isNotFoundError(new Error(text), "IAM User", user), expected);
    });
  }
});

describe("observe", () => {
  it("reads the user, its keys and the published secret", async () => {
    const mocks = await withInvokes({
      [GET_USER]: () => USER,
      [GET_KEYS]: () => KEYS,
      [GET_SECRET]: () => SECRET,
    });
    assert.deepEqual(await observe("ci", "key-rotation/ci"), {
      user: { path: "/", tags: USER.tags, arn: USER.arn },
      keys: [
        {
          accessKeyId: "AKIAEXAMPLEBLUE00001",
          status: "Active",
          createDate: "2027-02-20T09:15:00Z",
        },
        {
          accessKeyId: "AKIAEXAMPLEGREEN0001",
          status: "Inactive",
          createDate: "2027-01-20T09:15:00Z",
        },
      ],
      // Dated by the version's creation, as a UTC day; the secret's ARN as given.
      secret: { text: '{"slot":"blue"}', writtenOn: "2027-02-21", arn: SECRET.arn },
    });
    assert.deepEqual(
      mocks.invokes.map((i) => [i.token, i.inputs]),
      [
        [GET_USER, { userName: "ci" }],
        [GET_KEYS, { user: "ci" }],
        [GET_SECRET, { secretId: "key-rotation/ci" }],
      ],
    );
  });

  it("gives no ARN when the read gives none", async () => {
    await withInvokes({
      [GET_USER]: () => ({ ...USER, arn: "" }),
      [GET_KEYS]: () => KEYS,
      [GET_SECRET]: () => ({ ...SECRET, arn: "" }),
    });
    const observed = await observe("ci", "key-rotation/ci");
    assert.deepEqual(observed.user, { path: "/", tags: USER.tags });
    assert.deepEqual(observed.secret, { text: '{"slot":"blue"}', writtenOn: "2027-02-21" });
  });

  it("reads the same at preview", async () => {
    await withInvokes(
      { [GET_USER]: () => USER, [GET_KEYS]: () => KEYS, [GET_SECRET]: () => SECRET },
      true,
    );
    const observed = await observe("ci", "key-rotation/ci");
    assert.equal(observed.keys.length, 2);
    assert.equal(observed.secret?.writtenOn, "2027-02-21");
  });

  it("keeps the path and a permissions boundary; no tags is an empty record", async () => {
    await withInvokes({
      [GET_USER]: () => ({
        ...USER,
        path: "/legacy/",
        tags: undefined,
        permissionsBoundary: "arn:aws:iam::123456789012:policy/boundary",
      }),
      [GET_KEYS]: () => ({ ...KEYS, accessKeys: [] }),
      [GET_SECRET]: (i) => {
        throw noSuchSecret(i.secretId);
      },
    });
    assert.deepEqual(await observe("ci", "key-rotation/ci"), {
      user: {
        path: "/legacy/",
        tags: {},
        permissionsBoundary: "arn:aws:iam::123456789012:policy/boundary",
        arn: USER.arn,
      },
      keys: [],
      secret: null,
    });
  });

  it("a user that does not exist: nothing else is read", async () => {
    const mocks = await withInvokes({
      [GET_USER]: (i) => {
        throw noSuchUser(i.userName);
      },
    });
    assert.deepEqual(await observe("ci", "key-rotation/ci"), {
      user: null,
      keys: [],
      secret: null,
    });
    assert.deepEqual(
      mocks.invokes.map((i) => i.token),
      [GET_USER],
    );
  });

  it("a user read denied stops, naming the user and the permission", async () => {
    await withInvokes({
      [GET_USER]: () => {
        throw invokeFailure(
          "invoking aws:iam/getUser:getUser: 1 error occurred:\n\t* reading IAM User (ci): operation error IAM: GetUser, https response error StatusCode: 403, RequestID: 1, api error AccessDenied: not authorized to perform: iam:GetUser\n\n",
        );
      },
    });
    await assert.rejects(observe("ci", "key-rotation/ci"), {
      message:
        'Cannot read the rotation record of IAM user "ci" (its key-rotation:* tags): reading IAM User (ci): ' +
        "operation error IAM: GetUser, https response error StatusCode: 403, RequestID: 1, api error AccessDenied: " +
        "not authorized to perform: iam:GetUser. Stopping before any change: taking a failed read for a new user " +
        "would re-issue the key its consumers are using. Check that the deploying role may call iam:GetUser on " +
        "this user, then run again.",
    });
  });

  it("a throttled user read stops", async () => {
    await withInvokes({
      [GET_USER]: () => {
        throw invokeFailure("reading IAM User (ci): Throttling: Rate exceeded");
      },
    });
    await assert.rejects(
      observe("ci", "key-rotation/ci"),
      /^Error: Cannot read the rotation record of IAM user "ci".*Throttling: Rate exceeded\. Stopping before any change/,
    );
  });

  it("another user's not-found is not this user's", async () => {
    await withInvokes({
      [GET_USER]: () => {
        throw noSuchUser("other");
      },
    });
    await assert.rejects(
      observe("ci", "key-rotation/ci"),
      /^Error: Cannot read the rotation record/,
    );
  });

  it("a failed key listing stops, naming the user and the permission", async () => {
    await withInvokes({
      [GET_USER]: () => USER,
      [GET_KEYS]: () => {
        throw invokeFailure(
          "invoking aws:iam/getAccessKeys:getAccessKeys: 1 error occurred:\n\t* reading IAM Access Keys (ci): operation error IAM: ListAccessKeys, https response error StatusCode: 403, api error AccessDenied: not authorized to perform: iam:ListAccessKeys\n\n",
        );
      },
      [GET_SECRET]: () => SECRET,
    });
    await assert.rejects(observe("ci", "key-rotation/ci"), {
      message:
        'Cannot list the access keys of IAM user "ci": reading IAM Access Keys (ci): operation ' +
        "error IAM: ListAccessKeys, https response error StatusCode: 403, api error " +
        "AccessDenied: not authorized to perform: iam:ListAccessKeys. Stopping before any " +
        "change: the run checks its rotation record against the keys IAM holds. Check that " +
        "the deploying role may call iam:ListAccessKeys on this user, then run again.",
    });
  });

  it("a key listing that says not-found is still a failure (the user exists)", async () => {
    await withInvokes({
      [GET_USER]: () => USER,
      [GET_KEYS]: () => {
        throw invokeFailure("reading IAM Access Keys (ci): couldn't find resource");
      },
      [GET_SECRET]: () => SECRET,
    });
    await assert.rejects(observe("ci", "key-rotation/ci"), /^Error: Cannot list the access keys/);
  });

  it("a secret that does not exist: nothing published", async () => {
    await withInvokes({
      [GET_USER]: () => USER,
      [GET_KEYS]: () => KEYS,
      [GET_SECRET]: (i) => {
        throw noSuchSecret(i.secretId);
      },
    });
    assert.equal((await observe("ci", "key-rotation/ci")).secret, null);
  });

  it("any other secret failure stops", async () => {
    await withInvokes({
      [GET_USER]: () => USER,
      [GET_KEYS]: () => KEYS,
      [GET_SECRET]: () => {
        throw invokeFailure(
          "reading Secrets Manager Secret Version (key-rotation/ci|AWSCURRENT): AccessDeniedException: no",
        );
      },
    });
    await assert.rejects(observe("ci", "key-rotation/ci"), {
      message:
        'Cannot read the published key of secret "key-rotation/ci": reading Secrets Manager Secret Version ' +
        "(key-rotation/ci|AWSCURRENT): AccessDeniedException: no. Stopping before any change: the previous key may " +
        "only be retired once the new one is seen published. Check that the deploying role may call " +
        "secretsmanager:GetSecretValue on this secret, then run again.",
    });
  });

  it("another secret's not-found is not this secret's", async () => {
    await withInvokes({
      [GET_USER]: () => USER,
      [GET_KEYS]: () => KEYS,
      [GET_SECRET]: () => {
        throw noSuchSecret("key-rotation/other");
      },
    });
    await assert.rejects(observe("ci", "key-rotation/ci"), /^Error: Cannot read the published key/);
  });

  for (const [what, answer] of [
    ["a binary secret (no string)", { ...SECRET, secretString: undefined, secretBinary: "AAEC" }],
    ["a version with an unreadable creation date", { ...SECRET, createdDate: "yesterday" }],
  ] as const) {
    it(`${what}: nothing published`, async () => {
      await withInvokes({
        [GET_USER]: () => USER,
        [GET_KEYS]: () => KEYS,
        [GET_SECRET]: () => answer,
      });
      assert.equal((await observe("ci", "key-rotation/ci")).secret, null);
    });
  }

  it("a key status other than Active is Inactive", async () => {
    await withInvokes({
      [GET_USER]: () => USER,
      [GET_KEYS]: () => ({
        ...KEYS,
        accessKeys: [{ ...KEYS.accessKeys[0], status: "Expired" }],
      }),
      [GET_SECRET]: () => SECRET,
    });
    assert.deepEqual(
      (await observe("ci", "key-rotation/ci")).keys.map((k) => k.status),
      ["Inactive"],
    );
  });
});
