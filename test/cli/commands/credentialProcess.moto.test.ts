/**
 * `iam-key-rotation credentials` as the `credential_process` of real clients: the installed AWS
 * CLI and boto3, each with an AWS profile whose credential_process runs bin/iam-key-rotation.js.
 * Against moto_server with request authentication on and the self-read grant enforced
 * (test/support/moto_resource_auth.py), the clients keep making calls across two rotations (a
 * new key published, then the previous one deactivated and deleted) with no restart and no
 * change of their configuration. moto authenticates Inactive keys, so each call's signing key
 * is asserted through GetAccessKeyLastUsed: every call is made in a region of its own
 * (`call-1`, `call-2`...), which moto records as the key's last-used region.
 */
import * as assert from "node:assert/strict";
import { ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { createInterface, Interface } from "node:readline";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  IAMClient,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { ROOT, runCli, setMotoAuth } from "../../support/cli";
import { useMoto } from "../../support/moto";
import { motoAdmin, putSelfRead } from "../../support/selfRead";

const ACCOUNT = "123456789012";
const SECRET = "key-rotation/ci";
const USER_ARN = `arn:aws:iam::${ACCOUNT}:user/key-rotation/ci`;
const BIN = path.join(ROOT, "bin", "iam-key-rotation.js");

interface Key {
  id: string;
  secret: string;
}

/** A boto3 consumer that lives across the whole test: one Session, calls on demand. */
const BOTO3_CONSUMER = `
import json, sys, boto3
session = boto3.Session(profile_name="consumer")
endpoint = sys.argv[1]
for line in sys.stdin:
    region = line.strip()
    try:
        sts = session.client("sts", region_name=region, endpoint_url=endpoint)
        print(json.dumps({"arn": sts.get_caller_identity()["Arn"]}), flush=True)
    except Exception as e:
        print(json.dumps({"error": type(e).__name__ + ": " + str(e)}), flush=True)
`;

/** The process environment without any AWS setting, plus `extra`. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_")) env[k] = v;
  return { ...env, AWS_EC2_METADATA_DISABLED: "true", ...extra };
}

describe("credential_process with the AWS CLI and boto3, across rotations (moto_server)", function () {
  this.timeout(240_000);
  const moto = useMoto({ resourceAuthorization: true });
  let admin: { iam: IAMClient; sm: SecretsManagerClient };
  let dir: string;
  let clientEnv: NodeJS.ProcessEnv;
  /** The keys created so far: the first one bootstraps the consumer. */
  let keys: Key[];

  async function createKey(): Promise<Key> {
    const key = (await admin.iam.send(new CreateAccessKeyCommand({ UserName: "ci" }))).AccessKey!;
    return { id: key.AccessKeyId!, secret: key.SecretAccessKey! };
  }

  function documentOf(current: Key, slot: string, issuedOn: string, previous?: Key): string {
    return JSON.stringify({
      accessKeyId: current.id,
      secretAccessKey: current.secret,
      slot,
      issuedOn,
      userName: "ci",
      ...(previous && {
        previous: {
          accessKeyId: previous.id,
          secretAccessKey: previous.secret,
          slot: slot === "blue" ? "green" : "blue",
          issuedOn: "2026-11-01",
        },
      }),
    });
  }

  /** The key of user ci whose last use was STS in `region`: the key that signed that call. */
  async function signedBy(region: string): Promise<string> {
    const keys = (await admin.iam.send(new ListAccessKeysCommand({ UserName: "ci" })))
      .AccessKeyMetadata!;
    const used = await Promise.all(
      keys.map(async (k) => {
        const last = (
          await admin.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: k.AccessKeyId }))
        ).AccessKeyLastUsed;
        return { id: k.AccessKeyId!, service: last?.ServiceName, region: last?.Region };
      }),
    );
    const signers = used.filter((u) => u.service === "sts" && u.region === region);
    assert.equal(
      signers.length,
      1,
      `keys that signed the call in ${region}: ${JSON.stringify(used)}`,
    );
    return signers[0].id;
  }

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "ikr-credential-process-"));
    await setMotoAuth(moto.server.endpoint, Infinity);
    admin = await motoAdmin(moto.server);
    await admin.iam.send(new CreateUserCommand({ UserName: "ci", Path: "/key-rotation/" }));
    const cache = path.join(dir, "cache", "ci.json");
    const processLine = (lifetime: string) =>
      [
        process.execPath,
        BIN,
        "credentials",
        "--secret",
        SECRET,
        "--region",
        "us-east-1",
        "--endpoint-url",
        moto.server.endpoint,
        "--cache",
        cache,
        "--lifetime",
        lifetime,
      ]
        .map((a) => JSON.stringify(a))
        .join(" ");
    writeFileSync(
      path.join(dir, "config"),
      // consumer (boto3, one Session): credentials valid 1 minute, inside botocore's refresh
      // window (10 minutes before expiry), so each call runs the process again and the test
      // needs no clock. consumer-cli (the AWS CLI, a new process per command, which runs the
      // process when it starts): valid 60 minutes, so the command does not run it twice.
      `[profile consumer]\ncredential_process = ${processLine("1")}\n` +
        `[profile consumer-cli]\ncredential_process = ${processLine("60")}\n`,
    );
    writeFileSync(path.join(dir, "credentials"), "");
    clientEnv = cleanEnv({
      AWS_CONFIG_FILE: path.join(dir, "config"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "credentials"),
      HOME: dir,
    });
    await setMotoAuth(moto.server.endpoint, 0);

    // The operator bootstraps the consumer once with its first key.
    const k1 = await createKey();
    const created = await admin.sm.send(
      new CreateSecretCommand({ Name: SECRET, SecretString: documentOf(k1, "blue", "2026-11-01") }),
    );
    await putSelfRead(admin.iam, "ci", created.ARN!);
    const init = await runCli(
      [
        "credentials",
        "--init",
        ...["--secret", SECRET, "--region", "us-east-1"],
        ...["--endpoint-url", moto.server.endpoint, "--cache", cache],
      ],
      { env: { AWS_ACCESS_KEY_ID: k1.id, AWS_SECRET_ACCESS_KEY: k1.secret } },
    );
    assert.deepEqual([init.code, init.stderr], [0, ""]);
    keys = [k1];
  });

  afterEach(async () => {
    await setMotoAuth(moto.server.endpoint, Infinity);
    admin.iam.destroy();
    admin.sm.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Drives one consumer through two rotations; `call(region)` makes one STS call in that
   * region and resolves to the ARN it signed in as. A long-lived client (`everyStep`) calls
   * after every change; a client that is a new process each time (the AWS CLI: ~1 s of python
   * start-up a call) calls once after the bootstrap, each publication and each deletion. (A
   * consumer that makes no call during an overlap is cut off: credentials.moto.test.ts.)
   */
  async function throughRotations(
    call: (region: string) => Promise<string>,
    { everyStep }: { everyStep: boolean },
  ): Promise<void> {
    let n = 0;
    const expectSignedBy = async (key: Key, always = true) => {
      if (!always && !everyStep) return;
      const region = `call-${++n}`;
      assert.equal(await call(region), USER_ARN, `call ${region}`);
      assert.equal(await signedBy(region), key.id, `the key that signed call ${region}`);
    };
    const [k1] = keys;
    await expectSignedBy(k1);
    await expectSignedBy(k1, false);

    // Rotation 1: green is issued and published, blue stays Active during the overlap...
    const k2 = await createKey();
    await admin.sm.send(
      new PutSecretValueCommand({
        SecretId: SECRET,
        SecretString: documentOf(k2, "green", "2026-11-22", k1),
      }),
    );
    await expectSignedBy(k2);
    // ...then blue is deactivated, and deleted when its slot is re-issued.
    await admin.iam.send(
      new UpdateAccessKeyCommand({ UserName: "ci", AccessKeyId: k1.id, Status: "Inactive" }),
    );
    await expectSignedBy(k2, false);
    await admin.iam.send(new DeleteAccessKeyCommand({ UserName: "ci", AccessKeyId: k1.id }));
    await expectSignedBy(k2);

    // Rotation 2: a new blue key, green deactivated then deleted.
    const k3 = await createKey();
    await admin.sm.send(
      new PutSecretValueCommand({
        SecretId: SECRET,
        SecretString: documentOf(k3, "blue", "2026-12-22", k2),
      }),
    );
    await expectSignedBy(k3);
    await admin.iam.send(
      new UpdateAccessKeyCommand({ UserName: "ci", AccessKeyId: k2.id, Status: "Inactive" }),
    );
    await expectSignedBy(k3, false);
    await admin.iam.send(new DeleteAccessKeyCommand({ UserName: "ci", AccessKeyId: k2.id }));
    await expectSignedBy(k3);
    assert.equal(n, everyStep ? 8 : 5);
  }

  it("the AWS CLI (a profile with credential_process) keeps working across rotations", async () => {
    await throughRotations(
      (region) =>
        new Promise((resolve, reject) => {
          execFile(
            "aws",
            [
              ...["sts", "get-caller-identity", "--profile", "consumer-cli"],
              ...["--region", region, "--endpoint-url", moto.server.endpoint, "--output", "json"],
            ],
            { env: clientEnv },
            (err, stdout, stderr) => {
              if (err) reject(new Error(`aws failed: ${stderr}`));
              else resolve((JSON.parse(stdout) as { Arn: string }).Arn);
            },
          );
        }),
      { everyStep: false },
    );
  });

  it("boto3 (one Session for the whole test) keeps working across rotations", async () => {
    const child: ChildProcess = spawn("python3", ["-c", BOTO3_CONSUMER, moto.server.endpoint], {
      env: clientEnv,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const lines: Interface = createInterface({ input: child.stdout! });
    const answers: string[] = [];
    const waiting: ((line: string) => void)[] = [];
    lines.on("line", (line) => {
      const next = waiting.shift();
      if (next) next(line);
      else answers.push(line);
    });
    const ask = (region: string) =>
      new Promise<string>((resolve) => {
        const answer = answers.shift();
        if (answer !== undefined) resolve(answer);
        else waiting.push(resolve);
        child.stdin!.write(`${region}\n`);
      });
    try {
      await throughRotations(
        async (region) => {
          const answer = JSON.parse(await ask(region)) as { arn?: string; error?: string };
          if (answer.error !== undefined) throw new Error(`boto3: ${answer.error}\n${stderr}`);
          return answer.arn!;
        },
        { everyStep: true },
      );
      assert.equal(child.exitCode, null, "the same boto3 process made every call");
    } finally {
      child.stdin!.end();
      child.kill();
    }
  });
});
