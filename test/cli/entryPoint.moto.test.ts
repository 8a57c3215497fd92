/**
 * The real entry point (bin/iam-key-rotation.js) as a subprocess: exit codes reach the shell,
 * and credentials come from where the AWS CLI takes them (--profile, AWS_PROFILE).
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { AuditDocument } from "../../cli/audit/auditDocument";
import { ROOT, runCli } from "../support/cli";
import { useMoto } from "../support/moto";

const BIN = path.join(ROOT, "bin", "iam-key-rotation.js");

/** The test process's environment without any AWS setting. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_")) env[k] = v;
  return { ...env, AWS_EC2_METADATA_DISABLED: "true", ...extra };
}

function run(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe("bin/iam-key-rotation.js (subprocess, against moto_server)", function () {
  this.timeout(60_000);
  const moto = useMoto();
  let dir: string;
  let auditorKey: { id: string; secret: string };
  let keyFiles: NodeJS.ProcessEnv;

  beforeEach(async () => {
    const iam = new IAMClient(moto.server.clientConfig());
    await iam.send(new CreateUserCommand({ UserName: "alice" }));
    await iam.send(new CreateAccessKeyCommand({ UserName: "alice" }));
    await iam.send(new CreateAccessKeyCommand({ UserName: "alice" }));
    await iam.send(new CreateUserCommand({ UserName: "auditor" }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: "auditor" }))).AccessKey!;
    auditorKey = { id: key.AccessKeyId!, secret: key.SecretAccessKey! };
    iam.destroy();
    dir = mkdtempSync(path.join(tmpdir(), "aws-profile-"));
    writeFileSync(
      path.join(dir, "credentials"),
      `[auditor]\naws_access_key_id = ${auditorKey.id}\naws_secret_access_key = ${auditorKey.secret}\n`,
    );
    writeFileSync(path.join(dir, "config"), "[profile auditor]\nregion = eu-central-1\n");
    keyFiles = {
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "credentials"),
      AWS_CONFIG_FILE: path.join(dir, "config"),
    };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("audit: the exit code reaches the shell (1: two Active keys with --fail-on two-active)", async () => {
    const env = cleanEnv({
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL: moto.server.endpoint, // honoured like the AWS CLI does
    });
    const result = await run(["audit", "--fresh", "--fail-on", "two-active"], env);
    assert.equal(result.stderr, "");
    assert.equal(result.code, 1);
    assert.match(
      result.stdout,
      /\n3 keys of 2 users: 2 two-active, 1 ok\.\n2 keys at or above --fail-on two-active\.\n$/,
    );
    const usage = await run(["audit", "--format", "yaml"], env);
    assert.equal(usage.code, 2);
  });

  it("--profile wins over keys in the environment; the profile's region is used", async () => {
    const env = cleanEnv({
      ...keyFiles,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
    });
    const result = await run(
      [
        "audit",
        "--profile",
        "auditor",
        "--fresh",
        "--format",
        "json",
        "--endpoint-url",
        moto.server.endpoint,
      ],
      env,
    );
    assert.equal(result.stderr, "");
    assert.equal(result.code, 0);
    const auditor = (JSON.parse(result.stdout) as AuditDocument).users.find(
      (u) => u.name === "auditor",
    )!;
    // The audit's own first call (ListUsers) was signed with the profile's key, for its region.
    assert.deepEqual(
      [
        auditor.keys[0].accessKeyId,
        auditor.keys[0].lastUsed.service,
        auditor.keys[0].lastUsed.region,
      ],
      [auditorKey.id, "iam", "eu-central-1"],
    );
  });

  it("verify: exit 0 for a working published key", async () => {
    const iam = new IAMClient(moto.server.clientConfig());
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: "auditor" }))).AccessKey!;
    const sm = new SecretsManagerClient(moto.server.clientConfig());
    await sm.send(
      new CreateSecretCommand({
        Name: "key-rotation/auditor",
        SecretString: JSON.stringify({
          accessKeyId: key.AccessKeyId,
          secretAccessKey: key.SecretAccessKey,
          slot: "blue",
          issuedOn: "2026-11-22",
          userName: "auditor",
        }),
      }),
    );
    iam.destroy();
    sm.destroy();
    const env = cleanEnv({ AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" });
    const result = await run(
      [
        "verify",
        "--secret-id",
        "key-rotation/auditor",
        "--region",
        "us-east-1",
        "--endpoint-url",
        moto.server.endpoint,
      ],
      env,
    );
    assert.equal(result.stderr, "");
    assert.equal(result.code, 0);
    assert.match(result.stdout, /\n1 secret: 1 ok\.\n$/);
    assert.ok(!result.stdout.includes(key.SecretAccessKey!));
  });

  it("AWS_PROFILE is honoured (in process)", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, keyFiles);
    try {
      const result = await runCli(
        ["audit", "--fresh", "--format", "json", "--endpoint-url", moto.server.endpoint],
        { env: { AWS_PROFILE: "auditor" } },
      );
      assert.equal(result.code, 0);
      const auditor = (JSON.parse(result.stdout) as AuditDocument).users.find(
        (u) => u.name === "auditor",
      )!;
      assert.deepEqual(
        [auditor.keys[0].lastUsed.service, auditor.keys[0].lastUsed.region],
        ["iam", "eu-central-1"],
      );
    } finally {
      for (const k of Object.keys(keyFiles)) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });
});
