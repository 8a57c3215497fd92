/**
 * The pack as the Pulumi CLI runs it: `node <@pulumi/pulumi/cmd/run-policy-pack> <engine> .`
 * in the pack's directory (what pulumi-language-nodejs does for `--policy-pack policies`),
 * which type-checks the TypeScript with ts-node, constructs the PolicyPack and serves the
 * Analyzer gRPC service on 127.0.0.1. The test plays the engine: GetAnalyzerInfo, Configure
 * with the reconciled config, Analyze and AnalyzeStack, and expects what the harness says.
 */
import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import * as path from "node:path";
import { policies } from "../../policies/index";
import {
  PACK_VERSION,
  POLICY_PACK_DIR,
  reconcileConfig,
  runResource,
  runStack,
  Violation,
  analyzerResource,
} from "../support/policyHarness";
import { deployedUserStack, named, slotKey, STACK_URN, TODAY } from "./fixtures";

const packRequire = createRequire(path.join(POLICY_PACK_DIR, "index.ts"));
const runPolicyPack = packRequire.resolve("@pulumi/pulumi/cmd/run-policy-pack");
const protoRequire = createRequire(packRequire.resolve("@pulumi/pulumi/proto/analyzer_grpc_pb"));
const grpcStubs = protoRequire("./analyzer_grpc_pb");
const pb = protoRequire("./analyzer_pb");
const grpc = protoRequire("@grpc/grpc-js");
const { Struct } = protoRequire("google-protobuf/google/protobuf/struct_pb");
const { Empty } = protoRequire("google-protobuf/google/protobuf/empty_pb");

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"] as const;
const PACK_CONFIG = {
  "iam-access-key-max-age": { asOf: TODAY },
  "iam-access-key-age-warning": { asOf: TODAY },
};

function unary(client: any, method: string, request: unknown): Promise<any> {
  return new Promise((resolve, reject) =>
    client[method](request, (err: Error | null, res: unknown) =>
      err ? reject(err) : resolve(res),
    ),
  );
}

function diagnostics(response: any): Violation[] {
  return response.getDiagnosticsList().map((d: any) => ({
    policyName: d.getPolicyname(),
    message: d.getMessage().slice(d.getDescription().length + 1),
    rendered: d.getMessage(),
    urn: d.getUrn() || undefined,
    enforcementLevel: LEVELS[d.getEnforcementlevel()],
  }));
}

describe("policy pack served by run-policy-pack (as `pulumi preview --policy-pack policies` runs it)", function () {
  this.timeout(120_000);
  let child: ChildProcess;
  let client: any;
  const stderr: string[] = [];

  before(async () => {
    child = spawn(process.execPath, [runPolicyPack, "127.0.0.1:0", "."], {
      cwd: POLICY_PACK_DIR,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stderr?.on("data", (d: Buffer) => stderr.push(d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        const line = /^(\d+)\s*$/m.exec(out);
        if (line) resolve(Number(line[1]));
      });
      child.once("exit", (code) =>
        reject(new Error(`pack exited (${code}): ${stderr.join("")}${out}`)),
      );
    });
    client = new grpcStubs.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());

    // The engine's Configure: every policy's reconciled config (schema defaults + the file).
    const configure = new pb.ConfigureAnalyzerRequest();
    for (const [name, c] of reconcileConfig(policies, PACK_CONFIG)) {
      const entry = new pb.PolicyConfig();
      entry.setEnforcementlevel(LEVELS.indexOf(c.enforcementLevel));
      entry.setProperties(Struct.fromJavaScript(c.properties));
      configure.getPolicyconfigMap().set(name, entry);
    }
    await unary(client, "configure", configure);
  });

  after(async () => {
    client?.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
  });

  it("describes the pack: name, version from package.json, policies with levels and schemas", async () => {
    const info = await unary(client, "getAnalyzerInfo", new Empty());
    assert.equal(info.getName(), "iam-key-rotation");
    assert.equal(info.getVersion(), PACK_VERSION);
    assert.deepEqual(
      info
        .getPoliciesList()
        .map((p: any) => [
          p.getName(),
          LEVELS[p.getEnforcementlevel()],
          p.getConfigschema()?.getProperties()?.toJavaScript()?.maxAgeDays?.default,
        ]),
      policies.map((p) => [
        p.name,
        p.enforcementLevel,
        p.configSchema?.properties.maxAgeDays?.default,
      ]),
    );
  });

  it("blocks a stale key at AnalyzeStack exactly as the harness says", async () => {
    const resources = deployedUserStack();
    named(resources, "ci-green").props.createDate = "2026-08-23T06:00:00Z";
    const request = new pb.AnalyzeStackRequest();
    request.setResourcesList(resources.map((r) => analyzerResource(r, new pb.AnalyzerResource())));
    const served = diagnostics(await unary(client, "analyzeStack", request));

    const expected: Violation[] = [];
    for (const p of policies.filter((p) => "validateStack" in p)) {
      expected.push(...(await runStack(p, resources, { config: PACK_CONFIG })).violations);
    }
    assert.equal(served.length, 1);
    assert.equal(served[0].policyName, "iam-access-key-max-age");
    assert.deepEqual(served, expected);
  });

  it("blocks an unmanaged key at Analyze exactly as the harness says", async () => {
    const key = { ...slotKey(), name: "legacy-key", parent: STACK_URN };
    const served = diagnostics(
      await unary(client, "analyze", analyzerResource(key, new pb.AnalyzeRequest())),
    );
    const expected: Violation[] = [];
    for (const p of policies.filter((p) => "validateResource" in p)) {
      expected.push(...(await runResource(p, key, { config: PACK_CONFIG })).violations);
    }
    assert.equal(served.length, 1);
    assert.equal(served[0].policyName, "iam-access-key-managed");
    assert.deepEqual(served, expected);
  });
});
