/**
 * The live reads at the start of a run: only a definite "does not exist" means "nothing there";
 * every other failure stops the run with an error naming the user (or secret) and what to do.
 */
import * as assert from "node:assert/strict";
import {
  invokeFailure,
  noSuchSecret,
  noSuchUser,
  RecordingMocks,
  useMocks,
} from "../../support/mocks";
import {
  isNotFoundError,
  parsePublication,
  readLiveState,
  readPublication,
  readRecordedState,
} from "../../../components/rotatedKeyUser/liveReads";

const GET_USER = "aws:iam/getUser:getUser";
const GET_SECRET = "aws:secretsmanager/getSecretVersion:getSecretVersion";

async function withInvokes(handlers: ConstructorParameters<typeof RecordingMocks>[0]) {
  const mocks = new RecordingMocks(handlers);
  await useMocks(mocks);
  return mocks;
}

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

describe("readRecordedState", () => {
  it("returns null only when the user does not exist", async () => {
    await withInvokes({
      [GET_USER]: (i) => {
        throw noSuchUser(i.userName);
      },
    });
    assert.equal(await readRecordedState("ci"), null);
  });

  it("returns the recorded state", async () => {
    await withInvokes({
      [GET_USER]: () => ({
        userName: "ci",
        tags: { team: "x", "key-rotation:current": "blue", "key-rotation:blue": "2026-11-22" },
      }),
    });
    assert.deepEqual(await readRecordedState("ci"), {
      current: "blue",
      slots: { blue: { issuedOn: "2026-11-22" } },
    });
  });

  it("stops on access denied, naming the user and the permission", async () => {
    await withInvokes({
      [GET_USER]: () => {
        throw invokeFailure(
          "invoking aws:iam/getUser:getUser: 1 error occurred:\n\t* reading IAM User (ci): operation error IAM: GetUser, https response error StatusCode: 403, RequestID: 1, api error AccessDenied: not authorized to perform: iam:GetUser\n\n",
        );
      },
    });
    await assert.rejects(readRecordedState("ci"), {
      message:
        'Cannot read the rotation record of IAM user "ci" (its key-rotation:* tags): reading IAM User (ci): ' +
        "operation error IAM: GetUser, https response error StatusCode: 403, RequestID: 1, api error AccessDenied: " +
        "not authorized to perform: iam:GetUser. Stopping before any change: taking a failed read for a new user " +
        "would re-issue the key its consumers are using. Check that the deploying role may call iam:GetUser on " +
        "this user, then run again.",
    });
  });

  it("stops on throttling", async () => {
    await withInvokes({
      [GET_USER]: () => {
        throw invokeFailure("reading IAM User (ci): Throttling: Rate exceeded");
      },
    });
    await assert.rejects(
      readRecordedState("ci"),
      /^Error: Cannot read the rotation record of IAM user "ci".*Throttling: Rate exceeded\. Stopping before any change/,
    );
  });

  it("stops when the user exists without a record", async () => {
    await withInvokes({ [GET_USER]: () => ({ userName: "ci", tags: { team: "x" } }) });
    await assert.rejects(readRecordedState("ci"), {
      message:
        'IAM user "ci" exists but has no rotation record (no key-rotation:* tags). Stopping before any change. ' +
        'A user made outside this stack cannot be taken over in place: see docs/runbooks.md, "Adopting existing users". ' +
        'If the tags were removed by hand, restore them from the last run (docs/runbooks.md, "Repairing a rotation record").',
    });
  });

  it("stops on a record that contradicts today, naming the tag", async () => {
    await withInvokes({
      [GET_USER]: () => ({
        userName: "ci",
        tags: { "key-rotation:current": "blue", "key-rotation:blue": "2026-12-01" },
      }),
    });
    await assert.rejects(readRecordedState("ci", undefined, "2026-11-22"), {
      message:
        'IAM user "ci" has an inconsistent rotation record (its key-rotation:* tags): blue issue date 2026-12-01 is ' +
        "after today (2026-11-22). Stopping before any change; fix the tags as described in " +
        'docs/runbooks.md, "Repairing a rotation record".',
    });
  });

  it("stops on a malformed record, naming each tag", async () => {
    await withInvokes({
      [GET_USER]: () => ({
        userName: "ci",
        tags: { "key-rotation:current": "purple", "key-rotation:blue": "yesterday" },
      }),
    });
    await assert.rejects(readRecordedState("ci"), {
      message:
        'IAM user "ci" has a malformed rotation record: tag key-rotation:current must be "blue" or "green" (got "purple"). ' +
        'tag key-rotation:blue must be a date YYYY-MM-DD (got "yesterday"). Stopping before any change; fix the tags ' +
        'as described in docs/runbooks.md, "Repairing a rotation record".',
    });
  });
});

describe("readPublication", () => {
  it("parses what this program publishes, dated by the version's creation (UTC)", async () => {
    await withInvokes({
      [GET_SECRET]: () => ({
        secretString: JSON.stringify({
          slot: "green",
          issuedOn: "2026-12-22",
          accessKeyId: "AKIA",
          secretAccessKey: "s",
        }),
        createdDate: "2026-12-22T23:30:00-02:00",
      }),
    });
    assert.deepEqual(await readPublication("key-rotation/ci"), {
      slot: "green",
      issuedOn: "2026-12-22",
      publishedOn: "2026-12-23",
    });
  });

  it("returns null when the secret does not exist", async () => {
    await withInvokes({
      [GET_SECRET]: (i) => {
        throw noSuchSecret(i.secretId);
      },
    });
    assert.equal(await readPublication("key-rotation/ci"), null);
  });

  it("stops on any other failure", async () => {
    await withInvokes({
      [GET_SECRET]: () => {
        throw invokeFailure(
          "reading Secrets Manager Secret Version (key-rotation/ci|AWSCURRENT): AccessDeniedException: no",
        );
      },
    });
    await assert.rejects(readPublication("key-rotation/ci"), {
      message:
        'Cannot read the published key of secret "key-rotation/ci": reading Secrets Manager Secret Version ' +
        "(key-rotation/ci|AWSCURRENT): AccessDeniedException: no. Stopping before any change: the previous key may " +
        "only be retired once the new one is seen published. Check that the deploying role may call " +
        "secretsmanager:GetSecretValue on this secret, then run again.",
    });
  });

  it("treats a document it did not write as nothing published", () => {
    assert.equal(parsePublication("not json", "2026-12-22T00:00:00Z"), undefined);
    assert.equal(
      parsePublication('{"slot":"red","issuedOn":"2026-12-22"}', "2026-12-22T00:00:00Z"),
      undefined,
    );
    assert.equal(
      parsePublication('{"slot":"blue","issuedOn":"22.12.2026"}', "2026-12-22T00:00:00Z"),
      undefined,
    );
    assert.equal(
      parsePublication('{"slot":"blue","issuedOn":"2026-12-22"}', "yesterday"),
      undefined,
    );
    assert.equal(parsePublication("null", "2026-12-22T00:00:00Z"), undefined);
    assert.equal(parsePublication(undefined, "2026-12-22T00:00:00Z"), undefined);
  });
});

describe("readLiveState", () => {
  it("reads the secret only while an overlap waits to start", async () => {
    const tags = {
      "key-rotation:current": "green",
      "key-rotation:blue": "2026-11-22",
      "key-rotation:green": "2026-12-22",
    };
    const mocks = await withInvokes({
      [GET_USER]: () => ({ userName: "ci", tags }),
      [GET_SECRET]: () => ({
        secretString: '{"slot":"green","issuedOn":"2026-12-22"}',
        createdDate: "2026-12-22T08:00:00Z",
      }),
    });
    assert.deepEqual(await readLiveState("ci", "key-rotation/ci", undefined, "2026-12-23"), {
      recorded: {
        current: "green",
        slots: { blue: { issuedOn: "2026-11-22" }, green: { issuedOn: "2026-12-22" } },
      },
      published: { slot: "green", issuedOn: "2026-12-22", publishedOn: "2026-12-22" },
    });
    assert.deepEqual(
      mocks.invokes.map((i) => i.token),
      [GET_USER, GET_SECRET],
    );
  });

  it("does not read the secret otherwise", async () => {
    const mocks = await withInvokes({
      [GET_USER]: () => ({
        userName: "ci",
        tags: { "key-rotation:current": "blue", "key-rotation:blue": "2026-11-22" },
      }),
    });
    assert.deepEqual(await readLiveState("ci", "key-rotation/ci"), {
      recorded: { current: "blue", slots: { blue: { issuedOn: "2026-11-22" } } },
      published: null,
    });
    assert.deepEqual(
      mocks.invokes.map((i) => i.token),
      [GET_USER],
    );
  });
});
