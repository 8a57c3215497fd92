import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  IAMClient,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { VerifyDocument } from "../../../cli/commands/verify";
import type { RotationState } from "../../../components/rotatedKeyUser/rotationModel";
import { AwsProxy, queryError } from "../../support/awsProxy";
import { CliRun, CliRunOptions, MOTO_ENV, runCli, setMotoAuth } from "../../support/cli";
import { publishedText } from "../../support/cliDocuments";
import { MotoServer, useMoto } from "../../support/moto";
import { requiredActions } from "../../support/readme";

const ACCOUNT = "123456789012";
const NOW = new Date("2026-11-22T10:00:00Z");
const HEADER =
  "Published keys checked on 2026-11-22T10:00:00Z with STS GetCallerIdentity (each retried " +
  "for up to 30 s); during an overlap the previous key is not signed with (that would count " +
  "as a use of it): its last use is shown instead.";

interface Key {
  id: string;
  secret: string;
}

/** Every secret access key a test made: none may ever be printed. */
let secrets: string[] = [];

async function createKey(iam: IAMClient, user: string): Promise<Key> {
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!;
  secrets.push(key.SecretAccessKey!);
  return { id: key.AccessKeyId!, secret: key.SecretAccessKey! };
}

/**
 * The document RotatedKeyUser publishes with `current` in green (issued 2026-11-22) and, during
 * an overlap, `previous` in blue (issued 2026-10-23, Active until 2026-11-29); with the full
 * record when `publishedOn` is given, else as a document of an earlier version (no record).
 */
function doc(user: string, current: Key, previous?: Key, publishedOn?: string): string {
  const state: RotationState = {
    current: "green",
    slots: { blue: { issuedOn: "2026-10-23" }, green: { issuedOn: "2026-11-22" } },
    previousActiveUntil: "2026-11-29",
    ...(publishedOn !== undefined && { publishedOn }),
  };
  return publishedText(state, {
    user,
    keys: { green: current, ...(previous !== undefined && { blue: previous }) },
    previous: previous !== undefined,
    legacy: publishedOn === undefined,
  });
}

/** Runs the CLI and checks that no secret access key appears in what it printed. */
async function verify(args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  const run = await runCli(["verify", ...args], { now: NOW, ...options });
  for (const secret of secrets) {
    assert.ok(!run.stdout.includes(secret), `stdout shows a secret access key:\n${run.stdout}`);
    assert.ok(!run.stderr.includes(secret), `stderr shows a secret access key:\n${run.stderr}`);
  }
  return run;
}

interface Setup {
  iam: IAMClient;
  sm: SecretsManagerClient;
  previous: Key;
  current: Key;
  bobKey: Key;
}

async function setUp(server: MotoServer): Promise<Setup> {
  const iam = new IAMClient(server.clientConfig());
  const sm = new SecretsManagerClient(server.clientConfig());
  await iam.send(new CreateUserCommand({ UserName: "alice", Path: "/key-rotation/" }));
  await iam.send(new CreateUserCommand({ UserName: "bob" }));
  const previous = await createKey(iam, "alice");
  const current = await createKey(iam, "alice");
  const bobKey = await createKey(iam, "bob");
  return { iam, sm, previous, current, bobKey };
}

async function publish(sm: SecretsManagerClient, name: string, text: string): Promise<void> {
  await sm.send(new CreateSecretCommand({ Name: name, SecretString: text }));
}

const ALICE_ARN = `arn:aws:iam::${ACCOUNT}:user/key-rotation/alice`;

/** `service region` of a key's last use as IAM reports it, or null if never used. */
async function lastUse(iam: IAMClient, key: Key): Promise<string | null> {
  const used = (await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.id })))
    .AccessKeyLastUsed;
  return used?.LastUsedDate ? `${used.ServiceName} ${used.Region}` : null;
}

describe("iam-key-rotation verify (against moto_server)", function () {
  this.timeout(30_000);
  const moto = useMoto();
  const at = () => ["--endpoint-url", moto.server.endpoint];
  let s: Setup;
  beforeEach(async () => {
    secrets = [];
    s = await setUp(moto.server);
  });
  afterEach(() => {
    s.iam.destroy();
    s.sm.destroy();
  });

  it("a working key: the user it signs in as, exit 0", async () => {
    await publish(s.sm, "key-rotation/alice", doc("alice", s.current));
    const run = await verify([...at(), "--secret-id", "key-rotation/alice"]);
    assert.deepEqual(run, {
      code: 0,
      stdout:
        `${HEADER}\n` +
        "\n" +
        "SECRET              USER   KEY      ACCESS KEY ID         SLOT   ISSUED      RESULT  IN USE  DETAIL\n" +
        `key-rotation/alice  alice  current  ${s.current.id}  green  2026-11-22  ok      -       ${ALICE_ARN}\n` +
        "\n" +
        "1 secret: 1 ok.\n",
      stderr: "",
    });
  });

  it("during an overlap: the previous key's last use, without signing with it (JSON)", async () => {
    await publish(s.sm, "key-rotation/alice", doc("alice", s.current, s.previous));
    const run = await verify([...at(), "--secret-id", "key-rotation/alice", "--format", "json"]);
    assert.equal(run.code, 0);
    const parsed = JSON.parse(run.stdout) as VerifyDocument;
    assert.match(
      parsed.results[0].secretArn!,
      /^arn:aws:secretsmanager:us-east-1:123456789012:secret:key-rotation\/alice-\w{6}$/,
    );
    assert.deepEqual(parsed, {
      version: 1,
      checkedAt: "2026-11-22T10:00:00Z",
      results: [
        {
          secretId: "key-rotation/alice",
          secretArn: parsed.results[0].secretArn,
          user: "alice",
          status: "ok",
          problem: null,
          keys: [
            {
              role: "current",
              accessKeyId: s.current.id,
              slot: "green",
              issuedOn: "2026-11-22",
              deactivatesOn: null,
              status: "ok",
              arn: ALICE_ARN,
              attempts: 1,
              problem: null,
            },
          ],
          publishedOn: null,
          previousKey: {
            accessKeyId: s.previous.id,
            slot: "blue",
            issuedOn: "2026-10-23",
            deactivatesOn: "2026-11-29",
            lastUsed: { date: null, service: null, region: null },
            inUse: "no",
            problem: null,
          },
        },
      ],
      summary: { secrets: 1, ok: 1, failed: 0, error: 0, previousKeysInUse: 0 },
    });
    // Nothing signed with the previous key.
    assert.deepEqual(await lastUse(s.iam, s.previous), null);
  });

  it("--prove-previous: the previous key is proven too", async () => {
    await publish(s.sm, "key-rotation/alice", doc("alice", s.current, s.previous));
    const run = await verify([
      ...at(),
      ...["--secret-id", "key-rotation/alice", "--format", "json", "--prove-previous"],
    ]);
    assert.equal(run.code, 0);
    const result = (JSON.parse(run.stdout) as VerifyDocument).results[0];
    assert.deepEqual(result.keys[1], {
      role: "previous",
      accessKeyId: s.previous.id,
      slot: "blue",
      issuedOn: "2026-10-23",
      deactivatesOn: "2026-11-29",
      status: "ok",
      arn: ALICE_ARN,
      attempts: 1,
      problem: null,
    });
    // Its last use was read before it was signed with; that signature is now its last use.
    assert.deepEqual(result.previousKey?.lastUsed, { date: null, service: null, region: null });
    assert.equal(await lastUse(s.iam, s.previous), "sts us-east-1");
  });

  describe("the previous key's use, during an overlap", () => {
    /** Signs a real request with `key`, from `region`: AWS records it as the key's last use. */
    async function useKey(key: Key, region: string): Promise<string> {
      const sts = new STSClient({
        ...moto.server.clientConfig({ accessKeyId: key.id, secretAccessKey: key.secret }),
        region,
      });
      await sts.send(new GetCallerIdentityCommand({}));
      sts.destroy();
      const used = (await s.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.id })))
        .AccessKeyLastUsed!;
      return used.LastUsedDate!.toISOString().replace(/\.\d{3}Z$/, "Z");
    }
    const today = () => new Date().toISOString().slice(0, 10);
    const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const run = async () => {
      const result = await verify([
        ...at(),
        "--secret-id",
        "key-rotation/alice",
        "--format",
        "json",
      ]);
      assert.deepEqual([result.code, result.stderr], [0, ""]);
      return JSON.parse(result.stdout) as VerifyDocument;
    };

    it("used since the current key was published: in use, by what and where", async () => {
      const when = await useKey(s.previous, "eu-west-3");
      await publish(s.sm, "key-rotation/alice", doc("alice", s.current, s.previous, today()));
      const parsed = await run();
      assert.equal(parsed.results[0].publishedOn, today());
      assert.deepEqual(parsed.results[0].previousKey, {
        accessKeyId: s.previous.id,
        slot: "blue",
        issuedOn: "2026-10-23",
        deactivatesOn: "2026-11-29",
        lastUsed: { date: when, service: "sts", region: "eu-west-3" },
        inUse: "yes",
        problem: null,
      });
      assert.equal(parsed.summary.previousKeysInUse, 1);
      // Verify itself never used the previous key.
      assert.equal(await lastUse(s.iam, s.previous), "sts eu-west-3");

      const table = await verify([...at(), "--secret-id", "key-rotation/alice"]);
      assert.deepEqual(table, {
        code: 0,
        stdout:
          `${HEADER}\n` +
          "\n" +
          "SECRET              USER   KEY       ACCESS KEY ID         SLOT   ISSUED      RESULT  IN USE  DETAIL\n" +
          `key-rotation/alice  alice  current   ${s.current.id}  green  2026-11-22  ok      -       ${ALICE_ARN}\n` +
          `key-rotation/alice  alice  previous  ${s.previous.id}  blue   2026-10-23  -       yes     ` +
          `last used ${when} by sts in eu-west-3, on or after the day the current key was published (${today()})\n` +
          "\n" +
          "1 secret: 1 ok. 1 previous key still in use.\n",
        stderr: "",
      });
    });

    it("last used before the current key was published: not in use", async () => {
      const when = await useKey(s.previous, "ap-south-1");
      await publish(s.sm, "key-rotation/alice", doc("alice", s.current, s.previous, tomorrow()));
      const parsed = await run();
      assert.deepEqual(
        [parsed.results[0].previousKey?.lastUsed, parsed.results[0].previousKey?.inUse],
        [{ date: when, service: "sts", region: "ap-south-1" }, "no"],
      );
      assert.equal(parsed.summary.previousKeysInUse, 0);
      const table = await verify([...at(), "--secret-id", "key-rotation/alice"]);
      assert.ok(
        table.stdout.includes(
          `  -       no      last used ${when} by sts in ap-south-1, before the current key ` +
            `was published (${tomorrow()})\n`,
        ),
        table.stdout,
      );
    });

    it("a document without record.publishedOn: unknown, with the last use", async () => {
      const when = await useKey(s.previous, "eu-west-3");
      await publish(s.sm, "key-rotation/alice", doc("alice", s.current, s.previous));
      const parsed = await run();
      assert.deepEqual(parsed.results[0].previousKey, {
        accessKeyId: s.previous.id,
        slot: "blue",
        issuedOn: "2026-10-23",
        deactivatesOn: "2026-11-29",
        lastUsed: { date: when, service: "sts", region: "eu-west-3" },
        inUse: "unknown",
        problem:
          "the document does not say when the current key was published (no record.publishedOn)",
      });
    });

    it("never used: not in use", async () => {
      await publish(s.sm, "key-rotation/alice", doc("alice", s.current, s.previous, today()));
      const parsed = await run();
      assert.deepEqual(
        [parsed.results[0].previousKey?.lastUsed, parsed.results[0].previousKey?.inUse],
        [{ date: null, service: null, region: null }, "no"],
      );
      const table = await verify([...at(), "--secret-id", "key-rotation/alice"]);
      assert.ok(table.stdout.includes("  -       no      never used\n"), table.stdout);
    });

    it("outside an overlap there is no previous key to report", async () => {
      await publish(s.sm, "key-rotation/alice", doc("alice", s.current, undefined, today()));
      const parsed = await run();
      assert.deepEqual(
        [parsed.results[0].publishedOn, parsed.results[0].previousKey],
        [today(), null],
      );
    });
  });

  it("a deleted key: moto (auth off) signs unknown keys in as user/moto, not alice: exit 1", async () => {
    await publish(s.sm, "key-rotation/alice", doc("alice", s.current, s.previous));
    await s.iam.send(new DeleteAccessKeyCommand({ UserName: "alice", AccessKeyId: s.previous.id }));
    const run = await verify([
      ...at(),
      ...["--secret-id", "key-rotation/alice", "--wait", "0", "--prove-previous"],
    ]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stdout,
      HEADER.replace(/ \(each.*$/, ` (each retried for up to 0 s).\n`) +
        "\n" +
        "SECRET              USER   KEY       ACCESS KEY ID         SLOT   ISSUED      RESULT  IN USE   DETAIL\n" +
        `key-rotation/alice  alice  current   ${s.current.id}  green  2026-11-22  ok      -        ${ALICE_ARN}\n` +
        `key-rotation/alice  alice  previous  ${s.previous.id}  blue   2026-10-23  failed  unknown  ` +
        `the key signs in as arn:aws:sts::${ACCOUNT}:user/moto, not as IAM user alice of account ${ACCOUNT}\n` +
        "\n" +
        "1 secret: 1 failed.\n",
    );
  });

  it("another user's key: exit 1", async () => {
    await publish(s.sm, "key-rotation/alice", doc("alice", s.bobKey));
    const run = await verify([...at(), "--secret-id", "key-rotation/alice", "--format", "json"]);
    assert.equal(run.code, 1);
    const result = (JSON.parse(run.stdout) as VerifyDocument).results[0];
    assert.equal(result.status, "failed");
    assert.equal(
      result.keys[0].problem,
      `the key signs in as arn:aws:iam::${ACCOUNT}:user/bob, not as IAM user alice of account ${ACCOUNT}`,
    );
  });

  it("a secret that is not JSON, one that is not a key document, one that does not exist", async () => {
    const plain = `${s.current.id}:${s.current.secret}`;
    await publish(s.sm, "key-rotation/plain", plain);
    await publish(
      s.sm,
      "key-rotation/partial",
      JSON.stringify({ accessKeyId: "not-an-id", secretAccessKey: s.current.secret, slot: "red" }),
    );
    const run = await verify([
      ...at(),
      "--secret-id",
      "key-rotation/plain",
      "--secret-id",
      "key-rotation/partial",
      "--secret-id",
      "key-rotation/nobody",
    ]);
    assert.deepEqual(run, {
      code: 1,
      stdout:
        `${HEADER}\n` +
        "\n" +
        "SECRET                USER  KEY  ACCESS KEY ID  SLOT  ISSUED  RESULT  IN USE  DETAIL\n" +
        "key-rotation/plain    -     -    -              -     -       failed  -       " +
        `the secret is not JSON (${plain.length} characters; content not shown)\n` +
        "key-rotation/partial  -     -    -              -     -       failed  -       " +
        "the secret is not an iam-key-rotation key document: accessKeyId is missing or not an " +
        "access key id; slot is not blue or green; issuedOn is not a YYYY-MM-DD date; userName is missing\n" +
        "key-rotation/nobody   -     -    -              -     -       failed  -       " +
        "the secret does not exist (or has no current value)\n" +
        "\n" +
        "3 secrets: 3 failed.\n",
      stderr: "",
    });
  });

  it("--stack: the stack's users, their secrets, and a document for the wrong user", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "verify-stack-"));
    try {
      writeFileSync(path.join(dir, "Pulumi.yaml"), "name: iam-key-rotation\nruntime: nodejs\n");
      writeFileSync(
        path.join(dir, "Pulumi.test.yaml"),
        [
          "config:",
          "  aws:region: us-east-1",
          "  iam-key-rotation:secretPrefix: test/",
          "  iam-key-rotation:path: /key-rotation/",
          "  iam-key-rotation:users:",
          "    - name: alice",
          "    - name: bob",
          "    - name: carol",
          "",
        ].join("\n"),
      );
      await publish(s.sm, "test/alice", doc("alice", s.current));
      await publish(s.sm, "test/bob", doc("alice", s.previous)); // alice's key in bob's secret
      // No AWS_REGION: the stack's aws:region is used.
      const env = { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" };
      const run = await verify([...at(), "--stack", "test", "--dir", dir, "--format", "json"], {
        env,
      });
      assert.equal(run.code, 1);
      const parsed = JSON.parse(run.stdout) as VerifyDocument;
      assert.deepEqual(
        parsed.results.map((r) => [
          r.secretId,
          r.user,
          r.status,
          r.problem,
          r.keys.map((k) => k.problem),
        ]),
        [
          ["test/alice", "alice", "ok", null, [null]],
          [
            "test/bob",
            "bob",
            "failed",
            "the secret holds a key of user alice, but the stack publishes user bob's here",
            [`the key signs in as ${ALICE_ARN}, not as IAM user bob of account ${ACCOUNT}`],
          ],
          [
            "test/carol",
            "carol",
            "failed",
            "the secret does not exist (or has no current value)",
            [],
          ],
        ],
      );
      assert.deepEqual(parsed.summary, {
        secrets: 3,
        ok: 1,
        failed: 2,
        error: 0,
        previousKeysInUse: 0,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a new key not accepted at first is retried until it works", async () => {
    await publish(s.sm, "key-rotation/alice", doc("alice", s.current));
    const proxy = await AwsProxy.start(moto.server.endpoint, {
      intercept: (req) =>
        req.action === "GetCallerIdentity" && req.nth === 1
          ? {
              status: 403,
              body: queryError(
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
              ),
            }
          : undefined,
    });
    try {
      const run = await verify([
        "--endpoint-url",
        proxy.endpoint,
        "--secret-id",
        "key-rotation/alice",
        "--wait",
        "10",
        "--format",
        "json",
      ]);
      assert.equal(run.code, 0);
      const key = (JSON.parse(run.stdout) as VerifyDocument).results[0].keys[0];
      assert.deepEqual([key.status, key.attempts, key.arn], ["ok", 2, ALICE_ARN]);
      assert.equal(proxy.calls.get("GetCallerIdentity"), 2);
    } finally {
      await proxy.stop();
    }
  });

  it("STS throttling (a 400 in STS's protocol) means the key could not be checked: exit 3, not 1", async () => {
    await publish(s.sm, "key-rotation/alice", doc("alice", s.current));
    const proxy = await AwsProxy.start(moto.server.endpoint, {
      intercept: (req) =>
        req.action === "GetCallerIdentity"
          ? {
              status: 400,
              body: queryError("Throttling", "Rate exceeded"),
            }
          : undefined,
    });
    try {
      const run = await verify([
        "--endpoint-url",
        proxy.endpoint,
        "--secret-id",
        "key-rotation/alice",
        "--wait",
        "0",
        "--format",
        "json",
      ]);
      assert.equal(run.code, 3);
      const key = (JSON.parse(run.stdout) as VerifyDocument).results[0].keys[0];
      assert.equal(key.status, "error");
    } finally {
      await proxy.stop();
    }
  });

  it("a proxy's HTML error pages are reported as HTTP <status>: exit 3", async () => {
    await publish(s.sm, "key-rotation/alice", doc("alice", s.current));
    let failing = "";
    const proxy = await AwsProxy.start(moto.server.endpoint, {
      intercept: (req) =>
        req.action === failing
          ? {
              status: failing === "GetCallerIdentity" ? 503 : 502,
              body: "<html><body><h1>Bad Gateway</h1><p>::error::x</p></body></html>",
              contentType: "text/html",
            }
          : undefined,
    });
    const run = async () => {
      const result = await verify(
        [
          ...["--endpoint-url", proxy.endpoint, "--secret-id", "key-rotation/alice"],
          ...["--wait", "0", "--format", "json"],
        ],
        { env: { ...MOTO_ENV, AWS_MAX_ATTEMPTS: "1" } },
      );
      assert.deepEqual([result.code, result.stderr], [3, ""]);
      const r = (JSON.parse(result.stdout) as VerifyDocument).results[0];
      return [r.status, r.problem, r.keys.map((k) => [k.status, k.problem])];
    };
    try {
      failing = "GetCallerIdentity";
      assert.deepEqual(await run(), [
        "error",
        null,
        [
          [
            "error",
            `Access key ${s.current.id} was not accepted by STS after 1 attempt in 0 s: HTTP 503`,
          ],
        ],
      ]);
      failing = "secretsmanager.GetSecretValue";
      assert.deepEqual(await run(), [
        "error",
        "secretsmanager:GetSecretValue failed: HTTP 502.",
        [],
      ]);
    } finally {
      await proxy.stop();
    }
  });

  describe("secrets never reach the output: adversarial secrets", () => {
    // moto (auth off) does not check signatures: a key id with any secret signs in as its user,
    // so the output must be the same whatever the secrets are, byte for byte. A scrubber that
    // replaced secrets in the output would corrupt it for secrets like these.
    const ADVERSARIAL = [
      "ok",
      "1",
      "0",
      "s",
      "alice",
      "secret",
      "failed",
      "green",
      "blue",
      "current",
      "2026-11-22",
      "key-rotation/alice",
      "arn:aws:iam::123456789012:user/key-rotation/alice",
      ".",
      ":",
      "-",
      ".*",
      "$&",
      "$1",
      "(",
      "[",
      "\\",
      "|",
      "^$",
      "a.*b+c?(d|e)[f]{2}",
      '"',
      "{}",
      "null",
    ];

    async function outputs(): Promise<string[]> {
      const runs = await Promise.all(
        ["table", "json"].map((format) =>
          verify([...at(), "--secret-id", "key-rotation/alice", "--format", format]),
        ),
      );
      for (const run of runs) assert.deepEqual([run.code, run.stderr], [0, ""]);
      return runs.map((run) => run.stdout);
    }

    it("the output does not depend on the secrets, whatever they are", async () => {
      await publish(s.sm, "key-rotation/alice", doc("alice", s.current, s.previous));
      const baseline = await outputs();
      assert.match(baseline[0], /\n1 secret: 1 ok\.\n$/);
      for (const secret of ADVERSARIAL) {
        const forged = JSON.parse(doc("alice", s.current, s.previous));
        forged.secretAccessKey = secret;
        forged.previous.secretAccessKey = secret;
        await s.sm.send(
          new PutSecretValueCommand({
            SecretId: "key-rotation/alice",
            SecretString: JSON.stringify(forged),
          }),
        );
        assert.deepEqual(await outputs(), baseline, `with secret ${JSON.stringify(secret)}`);
      }
    });
  });

  describe("adversarial documents and answers: nothing unchecked reaches the output", () => {
    /** Printable ASCII lines (and "…"), none of which a CI runner takes as a workflow command. */
    function assertInert(run: CliRun): void {
      for (const text of [run.stdout, run.stderr]) {
        assert.match(text, /^[\x20-\x7e\n…]*$/, `unprintable output:\n${JSON.stringify(text)}`);
        for (const line of text.split("\n")) {
          assert.ok(!/^\s*(::|##\[)/.test(line), `a workflow command: ${JSON.stringify(line)}`);
        }
      }
    }
    const NOT_USER_NAME =
      "the secret is not an iam-key-rotation key document: userName is not an IAM user name " +
      "(1 to 64 letters, digits and +=,.@_-)";
    const cases: [string, Record<string, unknown>, string][] = [
      [
        "a user name with a newline and ::set-output",
        { userName: "alice\n::set-output name=token::stolen" },
        NOT_USER_NAME,
      ],
      ["a user name that is ::error::", { userName: "::error file=x::pwned" }, NOT_USER_NAME],
      [
        "a user name with ANSI escapes",
        { userName: "\u001b]0;x\u0007\u001b[2Jalice" },
        NOT_USER_NAME,
      ],
      ["a user name of 10 kB", { userName: "a".repeat(10_240) }, NOT_USER_NAME],
      [
        "every key field forged",
        {
          accessKeyId: "AKIA\n::error::x",
          slot: "green\u001b[31m",
          issuedOn: "2026-11-22\r\n::warning::y",
          previous: { accessKeyId: "x".repeat(10_240), slot: "::debug::", issuedOn: "\u202e" },
        },
        "the secret is not an iam-key-rotation key document: accessKeyId is missing or not an " +
          "access key id; slot is not blue or green; issuedOn is not a YYYY-MM-DD date; " +
          "previous.accessKeyId is missing or not an access key id; previous.secretAccessKey is " +
          "missing; previous.slot is not blue or green; previous.issuedOn is not a YYYY-MM-DD date",
      ],
    ];
    for (const [what, change, problem] of cases) {
      it(`${what}: failed, the field named, its value never printed`, async () => {
        const text = JSON.stringify({ ...JSON.parse(doc("alice", s.current)), ...change });
        await publish(s.sm, "key-rotation/alice", text);
        for (const format of ["table", "json"]) {
          const run = await verify([
            ...at(),
            "--secret-id",
            "key-rotation/alice",
            "--format",
            format,
          ]);
          assert.equal(run.code, 1);
          assertInert(run);
          assert.ok(run.stdout.length < 2_000, `${run.stdout.length} characters printed`);
          if (format === "json") {
            const result = (JSON.parse(run.stdout) as VerifyDocument).results[0];
            assert.deepEqual(
              [result.status, result.user, result.problem, result.keys],
              ["failed", null, problem, []],
            );
          } else {
            assert.ok(run.stdout.includes(`  failed  -       ${problem}\n`), run.stdout);
          }
        }
      });
    }

    it("an identity, an error message and an error code with control characters from AWS", async () => {
      await publish(s.sm, "key-rotation/alice", doc("alice", s.current, s.previous));
      const proxy = await AwsProxy.start(moto.server.endpoint, {
        intercept: (req) =>
          req.action === "GetCallerIdentity" && req.nth === 2
            ? {
                status: 403,
                body: queryError("Invalid&#27;[2J&#10;::error::x", "bad&#27;[31m key&#8238;"),
              }
            : undefined,
        transform: (req, body) =>
          req.action === "GetCallerIdentity"
            ? body.replace(/<Arn>[^<]*<\/Arn>/, "<Arn>&#10;::error::pwned&#27;[31m</Arn>")
            : body,
      });
      try {
        const run = await verify([
          "--endpoint-url",
          proxy.endpoint,
          "--secret-id",
          "key-rotation/alice",
          "--prove-previous",
          "--wait",
          "0",
          "--format",
          "json",
        ]);
        assertInert(run);
        const keys = (JSON.parse(run.stdout) as VerifyDocument).results[0].keys;
        assert.deepEqual(
          keys.map((k) => [k.status, k.arn, k.problem]),
          [
            ["failed", null, "STS answered with an identity that is not an ARN"],
            [
              "error",
              null,
              `Access key ${s.previous.id} was not accepted by STS after 1 attempt in 0 s: ` +
                "Invalid?[2J?::error::x: bad?[31m key?",
            ],
          ],
        );
      } finally {
        await proxy.stop();
      }
    });
  });

  describe("arguments", () => {
    it("needs --stack or --secret-id: exit 2", async () => {
      assert.deepEqual(await verify([...at()]), {
        code: 2,
        stdout: "",
        stderr: "error: pass --stack <name> or --secret-id <id> (repeatable).\n",
      });
    });

    it("a stack file that does not exist: exit 2", async () => {
      const run = await verify(["--stack", "nope", "--dir", "/nonexistent"]);
      assert.deepEqual(run, {
        code: 2,
        stdout: "",
        stderr: "error: cannot read /nonexistent/Pulumi.yaml: no such file.\n",
      });
    });

    it("no region anywhere: exit 2", async () => {
      const saved = process.env.AWS_CONFIG_FILE;
      process.env.AWS_CONFIG_FILE = "/nonexistent/aws-config";
      try {
        const run = await verify([...at(), "--secret-id", "x"], {
          env: { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" },
        });
        assert.deepEqual(run, {
          code: 2,
          stdout: "",
          stderr:
            "error: no AWS region: pass --region, set AWS_REGION, or set aws:region in the stack.\n",
        });
      } finally {
        if (saved === undefined) delete process.env.AWS_CONFIG_FILE;
        else process.env.AWS_CONFIG_FILE = saved;
      }
    });

    it("--help shows the exit codes and examples", async () => {
      const run = await runCli(["verify", "--help"]);
      assert.equal(run.code, 0);
      for (const text of [
        "Usage: iam-key-rotation verify [options]",
        "--secret-id <id>",
        "  1  a key was rejected or signs in as another user, or a secret is missing or malformed\n",
        "  iam-key-rotation verify --stack prod\n",
      ]) {
        assert.ok(
          run.stdout.includes(text),
          `--help lacks ${JSON.stringify(text)}:\n${run.stdout}`,
        );
      }
    });
  });
});

describe("iam-key-rotation verify with moto's request authentication on", function () {
  this.timeout(30_000);
  const moto = useMoto();
  let s: Setup;
  let env: NodeJS.ProcessEnv;
  const at = () => ["--endpoint-url", moto.server.endpoint];

  /** A caller allowed exactly `actions`; authentication on from then on. */
  async function caller(actions: string[]): Promise<void> {
    await s.iam.send(new CreateUserCommand({ UserName: "verifier" }));
    await s.iam.send(
      new PutUserPolicyCommand({
        UserName: "verifier",
        PolicyName: "verify",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }],
        }),
      }),
    );
    const key = await createKey(s.iam, "verifier");
    env = { ...MOTO_ENV, AWS_ACCESS_KEY_ID: key.id, AWS_SECRET_ACCESS_KEY: key.secret };
    await setMotoAuth(moto.server.endpoint, 0);
  }

  beforeEach(async () => {
    secrets = [];
    s = await setUp(moto.server);
  });
  afterEach(async () => {
    await setMotoAuth(moto.server.endpoint, Infinity);
    s.iam.destroy();
    s.sm.destroy();
  });

  it("a deleted key is rejected by STS: exit 1", async () => {
    await publish(s.sm, "key-rotation/alice", doc("alice", s.current, s.previous));
    await s.iam.send(new DeleteAccessKeyCommand({ UserName: "alice", AccessKeyId: s.current.id }));
    await caller(requiredActions("Verify"));
    const run = await verify([...at(), "--secret-id", "key-rotation/alice", "--wait", "0"], {
      env,
    });
    assert.equal(run.code, 1);
    const keys = (
      await verify(
        [
          ...at(),
          ...["--secret-id", "key-rotation/alice", "--wait", "0", "--format", "json"],
          "--prove-previous",
        ],
        { env },
      )
    ).stdout;
    const result = (JSON.parse(keys) as VerifyDocument).results[0];
    assert.deepEqual(
      result.keys.map((k) => [k.role, k.status, k.problem]),
      [
        [
          "current",
          "failed",
          `Access key ${s.current.id} was not accepted by STS after 1 attempt in 0 s: ` +
            "InvalidClientTokenId: The security token included in the request is invalid.",
        ],
        ["previous", "ok", null],
      ],
    );
    assert.match(run.stdout, /\n1 secret: 1 failed\.\n$/);
  });

  it("the previous key's use needs iam:GetAccessKeyLastUsed: without it, unknown and why", async () => {
    await publish(
      s.sm,
      "key-rotation/alice",
      doc("alice", s.current, s.previous, new Date().toISOString().slice(0, 10)),
    );
    await caller(["secretsmanager:GetSecretValue"]);
    const run = await verify([...at(), "--secret-id", "key-rotation/alice", "--format", "json"], {
      env,
    });
    assert.equal(run.code, 0, "the keys themselves are fine");
    const use = (JSON.parse(run.stdout) as VerifyDocument).results[0].previousKey!;
    assert.deepEqual([use.lastUsed, use.inUse], [null, "unknown"]);
    assert.match(
      use.problem!,
      /^AWS denied iam:GetAccessKeyLastUsed \(AccessDenied: .*\)\. The credentials in use need the iam:GetAccessKeyLastUsed permission/,
    );
    // With the documented Verify policy, it is known.
    await setMotoAuth(moto.server.endpoint, Infinity);
    await s.iam.send(
      new PutUserPolicyCommand({
        UserName: "verifier",
        PolicyName: "verify",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: requiredActions("Verify"), Resource: "*" }],
        }),
      }),
    );
    await setMotoAuth(moto.server.endpoint, 0);
    const allowed = await verify(
      [...at(), "--secret-id", "key-rotation/alice", "--format", "json"],
      { env },
    );
    const known = (JSON.parse(allowed.stdout) as VerifyDocument).results[0].previousKey!;
    assert.deepEqual([known.inUse, known.problem], ["no", null]);
  });

  it("a wrong secret access key is rejected, and never printed", async () => {
    const wrong = { id: s.current.id, secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
    secrets.push(wrong.secret);
    await publish(s.sm, "key-rotation/alice", doc("alice", wrong));
    await caller(requiredActions("Verify"));
    const run = await verify(
      [...at(), "--secret-id", "key-rotation/alice", "--wait", "0", "--format", "json"],
      {
        env,
      },
    );
    assert.equal(run.code, 1);
    assert.match(
      (JSON.parse(run.stdout) as VerifyDocument).results[0].keys[0].problem!,
      /: SignatureDoesNotMatch: The request signature we calculated does not match/,
    );
  });

  it("wrong secrets that are short, common words or regex syntax: rejected, never printed", async () => {
    const wrong = ["ok", "1", "alice", "a.*b+c?(d|e)[f]{2}", "$&$1\\"];
    await publish(s.sm, "key-rotation/alice", doc("alice", s.current));
    await caller(requiredActions("Verify"));
    for (const secret of wrong) {
      await setMotoAuth(moto.server.endpoint, Infinity);
      const forged = { ...JSON.parse(doc("alice", s.current)), secretAccessKey: secret };
      await s.sm.send(
        new PutSecretValueCommand({
          SecretId: "key-rotation/alice",
          SecretString: JSON.stringify(forged),
        }),
      );
      await setMotoAuth(moto.server.endpoint, 0);
      const run = await verify(
        [...at(), "--secret-id", "key-rotation/alice", "--wait", "0", "--format", "json"],
        { env },
      );
      assert.deepEqual([run.code, run.stderr], [1, ""]);
      const key = (JSON.parse(run.stdout) as VerifyDocument).results[0].keys[0];
      assert.deepEqual(
        [key.status, key.problem],
        [
          "failed",
          `Access key ${s.current.id} was not accepted by STS after 1 attempt in 0 s: ` +
            "SignatureDoesNotMatch: The request signature we calculated does not match the " +
            "signature you provided. Check your AWS Secret Access Key and signing method. " +
            "Consult the service documentation for details.",
        ],
      );
      // The short ones are ordinary words of the output ("ok", "1", "alice"): the exact problem
      // above shows them untouched; the others appear nowhere.
      if (/[^\w]/.test(secret)) assert.ok(!run.stdout.includes(secret), secret);
    }
  });

  // moto answers this JSON-protocol call with an XML AccessDenied page, which the SDK cannot
  // parse: only the HTTP status is left (real AWS sends AccessDeniedException as JSON).
  it("AccessDenied on the secret names secretsmanager:GetSecretValue: exit 3", async () => {
    await publish(s.sm, "key-rotation/alice", doc("alice", s.current));
    await caller(["iam:ListUsers"]);
    const run = await verify([...at(), "--secret-id", "key-rotation/alice", "--format", "json"], {
      env,
    });
    assert.equal(run.code, 3);
    const result = (JSON.parse(run.stdout) as VerifyDocument).results[0];
    assert.deepEqual([result.status, result.keys], ["error", []]);
    assert.equal(
      result.problem,
      "AWS denied secretsmanager:GetSecretValue (HTTP 403). The credentials in use " +
        'need the secretsmanager:GetSecretValue permission (docs/cli.md, "Required IAM permissions").',
    );
  });
});
