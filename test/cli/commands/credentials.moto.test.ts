/**
 * `iam-key-rotation credentials` in process, against moto_server with request authentication on
 * and resource-level authorization (test/support/moto_resource_auth.py), so the managed user's
 * self-read grant is enforced like IAM would: the user may read exactly its own secret.
 * Which key signed each read is asserted with GetAccessKeyLastUsed (moto, like IAM, records the
 * last use of a key on every signed request, and authenticates Inactive keys, so keys that must
 * stop working are deleted).
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  chmodSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { AwsProxy } from "../../support/awsProxy";
import { CliRun, CliRunOptions, runCli, setMotoAuth } from "../../support/cli";
import { useMoto } from "../../support/moto";
import { motoAdmin, putSelfRead } from "../../support/selfRead";

const NOW = new Date("2026-11-22T10:00:00Z");
const SECRET = "key-rotation/ci";

interface Key {
  id: string;
  secret: string;
}

function documentOf(
  current: Key,
  slot: "blue" | "green",
  issuedOn: string,
  previous?: { key: Key; slot: "blue" | "green"; issuedOn: string },
): string {
  return JSON.stringify({
    accessKeyId: current.id,
    secretAccessKey: current.secret,
    slot,
    issuedOn,
    userName: "ci",
    ...(previous && {
      previous: {
        accessKeyId: previous.key.id,
        secretAccessKey: previous.key.secret,
        slot: previous.slot,
        issuedOn: previous.issuedOn,
        deactivatesOn: "2026-11-29",
      },
    }),
  });
}

describe("iam-key-rotation credentials (against moto_server, self-read enforced)", function () {
  this.timeout(60_000);
  const moto = useMoto({ resourceAuthorization: true });
  let admin: { iam: IAMClient; sm: SecretsManagerClient };
  let k1: Key;
  let dir: string;
  let cache: string;
  /** Every secret access key of the test: none may reach stderr, nor stdout outside the JSON. */
  let secrets: string[];

  const base = () => [
    "credentials",
    "--secret",
    SECRET,
    "--region",
    "us-east-1",
    "--endpoint-url",
    moto.server.endpoint,
    "--cache",
    cache,
  ];

  /** Runs the command with no AWS credentials in its environment, checking where secrets go. */
  async function credentials(args: string[], options: CliRunOptions = {}): Promise<CliRun> {
    const run = await runCli([...base(), ...args], { now: NOW, env: {}, cwd: dir, ...options });
    for (const secret of secrets) {
      assert.ok(!run.stderr.includes(secret), `stderr shows a secret:\n${run.stderr}`);
    }
    if (run.code === 0 && !args.includes("--init")) {
      const printed = JSON.parse(run.stdout) as Record<string, unknown>;
      assert.deepEqual(Object.keys(printed), [
        "Version",
        "AccessKeyId",
        "SecretAccessKey",
        "Expiration",
      ]);
    } else {
      for (const secret of secrets) assert.ok(!run.stdout.includes(secret), run.stdout);
    }
    return run;
  }

  async function createKey(user = "ci"): Promise<Key> {
    const key = (await admin.iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!;
    secrets.push(key.SecretAccessKey!);
    return { id: key.AccessKeyId!, secret: key.SecretAccessKey! };
  }

  async function publish(text: string): Promise<void> {
    await admin.sm.send(new PutSecretValueCommand({ SecretId: SECRET, SecretString: text }));
  }

  /** Which service and region last used each key (as the admin sees it). */
  async function lastUse(...keys: Key[]): Promise<(string | null)[]> {
    return Promise.all(
      keys.map(async (k) => {
        const used = (await admin.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: k.id })))
          .AccessKeyLastUsed;
        return used?.LastUsedDate ? `${used.ServiceName} ${used.Region}` : null;
      }),
    );
  }

  function json(key: Key, minutes: number): string {
    const expiration = new Date(NOW.getTime() + minutes * 60_000).toISOString();
    return (
      JSON.stringify({
        Version: 1,
        AccessKeyId: key.id,
        SecretAccessKey: key.secret,
        Expiration: expiration.replace(/\.000Z$/, "Z"),
      }) + "\n"
    );
  }

  beforeEach(async () => {
    secrets = [];
    dir = mkdtempSync(path.join(tmpdir(), "ikr-credentials-"));
    cache = path.join(dir, "cache", "ci.json");
    await setMotoAuth(moto.server.endpoint, Infinity);
    admin = await motoAdmin(moto.server);
    await admin.iam.send(new CreateUserCommand({ UserName: "ci", Path: "/key-rotation/" }));
    k1 = await createKey();
    const created = await admin.sm.send(
      new CreateSecretCommand({ Name: SECRET, SecretString: documentOf(k1, "blue", "2026-11-01") }),
    );
    await putSelfRead(admin.iam, "ci", created.ARN!);
    await admin.sm.send(
      new CreateSecretCommand({ Name: "key-rotation/other", SecretString: "{}" }),
    );
    await setMotoAuth(moto.server.endpoint, 0);
  });

  afterEach(async () => {
    await setMotoAuth(moto.server.endpoint, Infinity);
    admin.iam.destroy();
    admin.sm.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const init = (key: Key, extra: string[] = []) =>
    credentials(["--init", ...extra], {
      env: { AWS_ACCESS_KEY_ID: key.id, AWS_SECRET_ACCESS_KEY: key.secret },
    });

  const BOOTSTRAP = () =>
    "Bootstrap it once with a current key of the user, given by an operator, in the environment:\n" +
    `  AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... iam-key-rotation credentials --init --secret ${SECRET} ` +
    `--region us-east-1 --endpoint-url ${moto.server.endpoint} --cache ${cache}\n` +
    "or in a file (--key-file FILE: the published document, the output of `aws iam " +
    "create-access-key`, or the console's CSV). See docs/cli.md, " +
    '"credentials: a credential_process that follows rotations".';

  describe("bootstrap (--init)", () => {
    it("no key cached yet: exit 2, saying how to bootstrap", async () => {
      assert.deepEqual(await credentials([]), {
        code: 2,
        stdout: "",
        stderr:
          `error: no key is cached yet for secret ${SECRET}: ${cache} does not exist.\n` +
          `${BOOTSTRAP()}\n`,
      });
    });

    it("from the environment: caches the current key (mode 0600, directory 0700)", async () => {
      const run = await init(k1);
      assert.deepEqual(run, {
        code: 0,
        stdout:
          `Cached key ${k1.id} (user ci, slot blue, issued 2026-11-01) of secret ${SECRET} in ` +
          `${cache} (mode 0600).\n` +
          "Use it as the credential_process of an AWS profile (~/.aws/config):\n" +
          `  credential_process = iam-key-rotation credentials --secret ${SECRET} --region ` +
          `us-east-1 --endpoint-url ${moto.server.endpoint} --cache ${cache}\n`,
        stderr: "",
      });
      assert.equal(statSync(cache).mode & 0o777, 0o600);
      assert.equal(statSync(path.dirname(cache)).mode & 0o777, 0o700);
      assert.deepEqual(JSON.parse(readFileSync(cache, "utf8")), {
        version: 1,
        secretId: SECRET,
        accessKeyId: k1.id,
        secretAccessKey: k1.secret,
        userName: "ci",
        slot: "blue",
        issuedOn: "2026-11-01",
        savedAt: "2026-11-22T10:00:00Z",
      });
      assert.deepEqual(await lastUse(k1), ["secretsmanager us-east-1"]);
    });

    it("with the previous key during an overlap: caches the current one", async () => {
      const k2 = await createKey();
      await publish(
        documentOf(k2, "green", "2026-11-22", { key: k1, slot: "blue", issuedOn: "2026-11-01" }),
      );
      const run = await init(k1);
      assert.equal(run.code, 0);
      assert.match(
        run.stdout,
        new RegExp(
          `^Cached key ${k2.id} \\(user ci, slot green, issued 2026-11-22\\) .*\\n` +
            `The key given \\(${k1.id}\\) is not the one published as current: cached the ` +
            "current key instead.\\n",
        ),
      );
      assert.equal(JSON.parse(readFileSync(cache, "utf8")).accessKeyId, k2.id);
    });

    it("from --key-file: the published document, create-access-key's output, the console's CSV, stdin", async () => {
      const file = path.join(dir, "key");
      const texts = [
        documentOf(k1, "blue", "2026-11-01"),
        JSON.stringify({
          AccessKey: { UserName: "ci", AccessKeyId: k1.id, SecretAccessKey: k1.secret },
        }),
        `\uFEFFAccess key ID,Secret access key\r\n${k1.id},${k1.secret}\r\n`,
      ];
      for (const text of texts) {
        rmSync(cache, { force: true });
        writeFileSync(file, text);
        const run = await credentials(["--init", "--key-file", file]);
        assert.deepEqual([run.code, run.stderr], [0, ""]);
        assert.equal(JSON.parse(readFileSync(cache, "utf8")).accessKeyId, k1.id);
      }
      rmSync(cache, { force: true });
      const piped = await credentials(["--init", "--key-file", "-"], {
        stdin: JSON.stringify({ AccessKeyId: k1.id, SecretAccessKey: k1.secret }),
      });
      assert.deepEqual([piped.code, piped.stderr], [0, ""]);
    });

    it("a key that is not one, temporary credentials, no key: exit 2, content not shown", async () => {
      const file = path.join(dir, "key");
      writeFileSync(file, `{"accessKeyId": "${k1.secret}", "secretAccessKey": "two words"}`);
      const cases: [string[], NodeJS.ProcessEnv, string][] = [
        [
          ["--key-file", file],
          {},
          `--key-file ${file}: the access key id is missing or not one (16 to 128 A-Z and 0-9); ` +
            "the secret access key is missing or not one (1 to 128 printable characters) " +
            "(content not shown).",
        ],
        [
          [],
          { AWS_ACCESS_KEY_ID: k1.id, AWS_SECRET_ACCESS_KEY: k1.secret, AWS_SESSION_TOKEN: "t" },
          "--init needs an IAM user's access key, not temporary credentials (AWS_SESSION_TOKEN " +
            "is set): the cache must hold a key that keeps working.",
        ],
        [
          [],
          {},
          "--init needs a key of the user: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or " +
            "pass --key-file FILE.",
        ],
        [
          ["--key-file", path.join(dir, "none")],
          {},
          `--key-file ${path.join(dir, "none")}: cannot read it (no such file).`,
        ],
        [["--key-file", dir], {}, `--key-file ${dir}: cannot read it (it is a directory).`],
        // A file without end: read up to the ceiling, never until memory runs out.
        [
          ["--key-file", "/dev/zero"],
          {},
          "--key-file /dev/zero: not a key file (larger than 64 KiB).",
        ],
      ];
      for (const [args, env, message] of cases) {
        assert.deepEqual(await credentials(["--init", ...args], { env }), {
          code: 2,
          stdout: "",
          stderr: `error: ${message}\n`,
        });
      }
      assert.deepEqual(
        await credentials(["--init", "--key-file", "-"], {
          stdinIsTTY: true,
          stdin: JSON.stringify({ accessKeyId: k1.id, secretAccessKey: k1.secret }),
        }),
        {
          code: 2,
          stdout: "",
          stderr:
            "error: --key-file -: the standard input is a terminal; pipe the key in (... | " +
            "iam-key-rotation credentials --init ... --key-file -) or pass --key-file FILE.\n",
        },
      );
      assert.deepEqual(
        await credentials(["--init", "--key-file", "-"], { stdin: " ".repeat(64 * 1024 + 1) }),
        {
          code: 2,
          stdout: "",
          stderr: "error: --key-file -: not a key file (larger than 64 KiB).\n",
        },
      );
      assert.throws(() => statSync(cache), /ENOENT/);
    });

    it("a key AWS does not take, a key that may not read the secret: exit 3, nothing cached", async () => {
      const rejected = await init({ id: k1.id, secret: "not-the-secret" });
      assert.equal(rejected.code, 3);
      assert.match(
        rejected.stderr,
        new RegExp(
          `^error: --init: AWS does not take the key given \\(${k1.id}\\): HTTP 403\\. Give a ` +
            "current key of the user \\(the one the secret publishes, or the previous one " +
            "during an overlap\\)\\. Nothing was cached\\.\\n$",
        ),
      );
      const other = await credentials(["--init", "--secret", "key-rotation/other"], {
        env: { AWS_ACCESS_KEY_ID: k1.id, AWS_SECRET_ACCESS_KEY: k1.secret },
      });
      assert.equal(other.code, 3);
      assert.equal(
        other.stderr,
        `error: --init: the key given (${k1.id}) may not read secret key-rotation/other: ` +
          "HTTP 403. The user needs its self-read grant (the stack's default; " +
          "docs/configuration.md, selfRead), and --secret must be its own secret. Nothing " +
          "was cached.\n",
      );
      assert.throws(() => statSync(cache), /ENOENT/);
    });
  });

  describe("the credential process", () => {
    beforeEach(async () => {
      assert.equal((await init(k1)).code, 0);
    });

    it("prints the cached key as credential_process JSON, expiring in 60 minutes", async () => {
      assert.deepEqual(await credentials([]), { code: 0, stdout: json(k1, 60), stderr: "" });
      assert.deepEqual(await credentials(["--lifetime", "15"]), {
        code: 0,
        stdout: json(k1, 15),
        stderr: "",
      });
    });

    it("moves to the new key as soon as it is published, replacing the cache atomically", async () => {
      const before = statSync(cache).ino;
      const k2 = await createKey();
      await publish(
        documentOf(k2, "green", "2026-11-22", { key: k1, slot: "blue", issuedOn: "2026-11-01" }),
      );
      assert.deepEqual(await credentials([]), {
        code: 0,
        stdout: json(k2, 60),
        stderr:
          `iam-key-rotation credentials: moved from key ${k1.id} (user ci, slot blue, issued ` +
          `2026-11-01) to the new key ${k2.id} (user ci, slot green, issued 2026-11-22).\n`,
      });
      // The old key read the secret, the new one read it again before being trusted.
      assert.deepEqual(await lastUse(k1, k2), [
        "secretsmanager us-east-1",
        "secretsmanager us-east-1",
      ]);
      assert.equal(JSON.parse(readFileSync(cache, "utf8")).accessKeyId, k2.id);
      assert.equal(statSync(cache).mode & 0o777, 0o600);
      assert.notEqual(statSync(cache).ino, before, "the cache was replaced, not rewritten");
      assert.deepEqual(readdirSync(path.dirname(cache)), ["ci.json"]);
      // From now on the new key reads the secret; the old one can go.
      await admin.iam.send(new DeleteAccessKeyCommand({ UserName: "ci", AccessKeyId: k1.id }));
      assert.deepEqual(await credentials([]), { code: 0, stdout: json(k2, 60), stderr: "" });
    });

    it("a new key that does not work yet: the cached one, asked again in 5 minutes", async () => {
      const unknown = { id: "AKIAUNKNOWNKEY000001", secret: "s3cr3t-not-accepted" };
      secrets.push(unknown.secret);
      await publish(documentOf(unknown, "green", "2026-11-22"));
      const run = await credentials([]);
      assert.equal(run.stdout, json(k1, 5));
      assert.equal(
        run.stderr,
        `iam-key-rotation credentials: warning: the new key ${unknown.id} (user ci, slot green, ` +
          `issued 2026-11-22) does not work yet (HTTP 403); giving the cached key ${k1.id} ` +
          "(user ci, slot blue, issued 2026-11-01) and asking again in 5 min.\n",
      );
    });

    it("the cached key no longer works (offline past the overlap): exit 3, how to re-bootstrap", async () => {
      const k2 = await createKey();
      await publish(documentOf(k2, "green", "2026-11-22"));
      await admin.iam.send(new DeleteAccessKeyCommand({ UserName: "ci", AccessKeyId: k1.id }));
      assert.deepEqual(await credentials([]), {
        code: 3,
        stdout: "",
        stderr:
          `error: the cached key ${k1.id} (user ci, slot blue, issued 2026-11-01) no longer ` +
          `works: AWS rejected it reading secret ${SECRET} (HTTP 403). It was probably ` +
          "deactivated after its overlap while this consumer was not running, so it cannot " +
          `read the new key.\n${BOOTSTRAP()}\n`,
      });
      // Re-bootstrapping with the current key gets it going again.
      assert.equal((await init(k2)).code, 0);
      assert.deepEqual(await credentials([]), { code: 0, stdout: json(k2, 60), stderr: "" });
    });

    it("AWS unreachable or answering an error page: the cached key for 5 minutes, a warning", async () => {
      const closed = await AwsProxy.start(moto.server.endpoint);
      const endpoint = closed.endpoint;
      await closed.stop();
      const args = base();
      args[args.indexOf("--endpoint-url") + 1] = endpoint;
      const down = await runCli(args, { now: NOW, env: { AWS_MAX_ATTEMPTS: "1" }, cwd: dir });
      assert.equal(down.code, 0);
      assert.equal(down.stdout, json(k1, 5));
      assert.match(
        down.stderr,
        new RegExp(
          `^iam-key-rotation credentials: warning: could not read secret ${SECRET} \\(.*ECONNREFUSED.*\\); ` +
            `giving the cached key ${k1.id} \\(user ci, slot blue, issued 2026-11-01\\), saved ` +
            "2026-11-22T10:00:00Z, and asking again in 5 min\\.\\n$",
        ),
      );
      const proxy = await AwsProxy.start(moto.server.endpoint, {
        intercept: () => ({ status: 503, body: "<html>down</html>", contentType: "text/html" }),
      });
      try {
        args[args.indexOf("--endpoint-url") + 1] = proxy.endpoint;
        const page = await runCli(args, { now: NOW, env: { AWS_MAX_ATTEMPTS: "1" }, cwd: dir });
        assert.deepEqual(page, {
          code: 0,
          stdout: json(k1, 5),
          stderr:
            `iam-key-rotation credentials: warning: could not read secret ${SECRET} (HTTP 503); ` +
            `giving the cached key ${k1.id} (user ci, slot blue, issued 2026-11-01), saved ` +
            "2026-11-22T10:00:00Z, and asking again in 5 min.\n",
        });
      } finally {
        await proxy.stop();
      }
    });

    it("no self-read grant any more: the cached key while it works, and a warning", async () => {
      await admin.iam.send(
        new DeleteUserPolicyCommand({ UserName: "ci", PolicyName: "iam-key-rotation-self-read" }),
      );
      assert.deepEqual(await credentials([]), {
        code: 0,
        stdout: json(k1, 5),
        stderr:
          `iam-key-rotation credentials: warning: the cached key ${k1.id} (user ci, slot blue, ` +
          `issued 2026-11-01) may not read secret ${SECRET} (HTTP 403), so it cannot follow a ` +
          "rotation; giving it while it still works. The user needs its self-read grant " +
          "(docs/configuration.md, selfRead).\n",
      });
    });

    it("a secret that is no key document any more: the cached key, and a warning", async () => {
      await publish(`{"accessKeyId": "${k1.secret}"}`);
      const run = await credentials([]);
      assert.equal(run.stdout, json(k1, 5));
      assert.equal(
        run.stderr,
        `iam-key-rotation credentials: warning: secret ${SECRET} is not an iam-key-rotation key ` +
          "document: accessKeyId is missing or not an access key id; secretAccessKey is " +
          "missing; slot is not blue or green; issuedOn is not a YYYY-MM-DD date; userName is " +
          `missing; giving the cached key ${k1.id} (user ci, slot blue, issued 2026-11-01).\n`,
      );
    });

    it("a cache others may read, one that is not JSON, one of another secret: exit 2, not quoted", async () => {
      chmodSync(cache, 0o644);
      assert.deepEqual(await credentials([]), {
        code: 2,
        stdout: "",
        stderr:
          `error: the cache cannot be used for secret ${SECRET}: ${cache} may be read or ` +
          "written by other users (mode 0644, must be 0600): the key in it may have leaked.\n" +
          `${BOOTSTRAP()}\n`,
      });
      writeFileSync(cache, `not json ${k1.secret}`, { mode: 0o600 });
      chmodSync(cache, 0o600);
      assert.deepEqual(await credentials([]), {
        code: 2,
        stdout: "",
        stderr:
          `error: the cache cannot be used for secret ${SECRET}: ${cache} is not JSON (content ` +
          `not shown).\n${BOOTSTRAP()}\n`,
      });
      writeFileSync(cache, JSON.stringify({ version: 1, accessKeyId: k1.secret }));
      assert.deepEqual(await credentials([]), {
        code: 2,
        stdout: "",
        stderr:
          `error: the cache cannot be used for secret ${SECRET}: ${cache} is not a cache this ` +
          "command wrote (secretId is missing (a secret id); accessKeyId must be an access key " +
          "id (got another string); secretAccessKey is missing (a secret access key); savedAt " +
          `is missing (an ISO 8601 time)).\n${BOOTSTRAP()}\n`,
      });
      rmSync(cache);
      assert.equal((await init(k1)).code, 0);
      const other = await credentials(["--secret", "key-rotation/other"]);
      assert.equal(other.code, 2);
      assert.match(
        other.stderr,
        new RegExp(`^error: the cache ${cache} was written for another secret: pass the --cache`),
      );
    });
  });

  describe("arguments", () => {
    it("a secret id that is not one, --key-file without --init, no region: exit 2", async () => {
      const cases: [string[], string][] = [
        [
          ["credentials", "--secret", "key rotation/ci\n::error::x"],
          "--secret must be a secret name (letters, digits and /_+=.@-) or a secret's ARN.",
        ],
        [
          ["credentials", "--secret", SECRET, "--key-file", "k"],
          "--key-file is only read with --init.",
        ],
        [
          ["credentials", "--secret", SECRET, "--lifetime", "0"],
          '--lifetime must be a whole number from 1 to 720 (got "0").',
        ],
      ];
      for (const [args, message] of cases) {
        assert.deepEqual(await runCli(args, { env: {} }), {
          code: 2,
          stdout: "",
          stderr: `error: ${message}\n`,
        });
      }
      const saved = process.env.AWS_CONFIG_FILE;
      process.env.AWS_CONFIG_FILE = "/nonexistent/aws-config";
      try {
        assert.deepEqual(await runCli(["credentials", "--secret", SECRET], { env: {} }), {
          code: 2,
          stdout: "",
          stderr:
            "error: no AWS region: pass --region, give --secret as an ARN, or set AWS_REGION.\n",
        });
        // A profile that gives no region is named, whether --profile or AWS_PROFILE names it.
        assert.deepEqual(
          await runCli(["credentials", "--secret", SECRET, "--profile", "nope"], { env: {} }),
          {
            code: 2,
            stdout: "",
            stderr:
              'error: no AWS region: the profile "nope" (--profile) gives none (it is not in the ' +
              "AWS config files, or has no region there): pass --region, give --secret as an ARN, " +
              "or set AWS_REGION.\n",
          },
        );
        assert.equal(
          (await runCli(["credentials", "--secret", SECRET], { env: { AWS_PROFILE: "ops" } }))
            .stderr,
          'error: no AWS region: the profile "ops" (AWS_PROFILE) gives none (it is not in the ' +
            "AWS config files, or has no region there): pass --region, give --secret as an ARN, " +
            "or set AWS_REGION.\n",
        );
      } finally {
        if (saved === undefined) delete process.env.AWS_CONFIG_FILE;
        else process.env.AWS_CONFIG_FILE = saved;
      }
    });

    it("the region comes from the secret's ARN (no --region, no AWS_REGION)", async () => {
      const { ARN } = await admin.sm.send(new DescribeSecretCommand({ SecretId: SECRET }));
      assert.match(ARN!, /^arn:aws:secretsmanager:us-east-1:/);
      const saved = process.env.AWS_CONFIG_FILE;
      process.env.AWS_CONFIG_FILE = "/nonexistent/aws-config";
      try {
        const args = ["credentials", "--secret", ARN!, "--endpoint-url", moto.server.endpoint];
        const env = { AWS_ACCESS_KEY_ID: k1.id, AWS_SECRET_ACCESS_KEY: k1.secret };
        const options = { env: {}, now: NOW, cwd: dir };
        assert.equal(
          (await runCli([...args, "--cache", cache, "--init"], { ...options, env })).code,
          0,
        );
        assert.deepEqual(await runCli([...args, "--cache", cache], options), {
          code: 0,
          stdout: json(k1, 60),
          stderr: "",
        });
      } finally {
        if (saved === undefined) delete process.env.AWS_CONFIG_FILE;
        else process.env.AWS_CONFIG_FILE = saved;
      }
    });

    it("--init prints a credential_process line that works as printed: the region resolved, paths quoted", async () => {
      // The region from the environment (the AWS CLI hands the process neither its profile nor
      // its region), a cache path with a space and a quote.
      const odd = path.join(dir, "my cache", "it's.json");
      const run = await runCli(
        [
          "credentials",
          "--init",
          "--secret",
          SECRET,
          "--endpoint-url",
          moto.server.endpoint,
          "--cache",
          odd,
        ],
        {
          now: NOW,
          cwd: dir,
          env: {
            AWS_ACCESS_KEY_ID: k1.id,
            AWS_SECRET_ACCESS_KEY: k1.secret,
            AWS_REGION: "us-east-1",
          },
        },
      );
      assert.equal(run.code, 0, run.stderr);
      const line = run.stdout.split("\n").find((l) => l.startsWith("  credential_process = "))!;
      const command = line.replace("  credential_process = ", "");
      assert.equal(
        command,
        `iam-key-rotation credentials --secret ${SECRET} --region us-east-1 --endpoint-url ` +
          `${moto.server.endpoint} --cache '${path.join(dir, "my cache", "it")}'\\''s.json'`,
      );
      // A POSIX shell (as botocore's shlex and the JavaScript SDK's exec) splits it back into
      // exactly the arguments given.
      const words = execFileSync("sh", ["-c", `printf '%s\\n' ${command}`], { encoding: "utf8" });
      assert.deepEqual(words.trimEnd().split("\n"), [
        "iam-key-rotation",
        "credentials",
        "--secret",
        SECRET,
        "--region",
        "us-east-1",
        "--endpoint-url",
        moto.server.endpoint,
        "--cache",
        odd,
      ]);
      // And run that way, it serves the cached key without the environment's region.
      const served = await runCli(words.trimEnd().split("\n").slice(1), {
        now: NOW,
        cwd: "/",
        env: {},
      });
      assert.deepEqual(served, { code: 0, stdout: json(k1, 60), stderr: "" });
    });

    it("--help explains bootstrap, the Expiration and exit codes, with examples", async () => {
      const run = await runCli(["credentials", "--help"]);
      assert.equal(run.code, 0);
      for (const text of [
        "Usage: iam-key-rotation credentials [options]",
        "--secret <id>",
        "--init",
        "--key-file <file>",
        "--lifetime <minutes>",
        "--cache <file>",
        "  credential_process = iam-key-rotation credentials --secret key-rotation/onprem-jenkins-ecr --region us-east-1\n",
        "  3  the cached key no longer works (the message says how to re-bootstrap)",
      ]) {
        assert.ok(
          run.stdout.includes(text),
          `--help lacks ${JSON.stringify(text)}:\n${run.stdout}`,
        );
      }
    });
  });
});
