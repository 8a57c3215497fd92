/**
 * The pack as the Pulumi CLI runs it: `node <@pulumi/pulumi/cmd/run-policy-pack> <engine> .`
 * in the pack's directory (what pulumi-language-nodejs does for `--policy-pack policies`),
 * which loads the TypeScript with ts-node, constructs the PolicyPack and serves the Analyzer
 * gRPC service on 127.0.0.1. ts-node transpiles only here (test/support/packTranspileOnly.js):
 * the type-check run-policy-pack also does is `npm run check`'s `tsc -p policies`. The test plays the engine: GetAnalyzerInfo, Configure
 * with the reconciled config, Analyze and AnalyzeStack, and expects what the harness says.
 */
import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fromDay, toDay, utcToday } from "../../lib/days";
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
import { deployedUserStack, named, slotKey, STACK_URN, stateOf, TODAY } from "./fixtures";
import { ResourceInput } from "../support/policyHarness";

const packRequire = createRequire(path.join(POLICY_PACK_DIR, "index.ts"));
const runPolicyPack = packRequire.resolve("@pulumi/pulumi/cmd/run-policy-pack");
const protoRequire = createRequire(packRequire.resolve("@pulumi/pulumi/proto/analyzer_grpc_pb"));
const grpcStubs = protoRequire("./analyzer_grpc_pb");
const pb = protoRequire("./analyzer_pb");
const grpc = protoRequire("@grpc/grpc-js");
const { Struct } = protoRequire("google-protobuf/google/protobuf/struct_pb");
const { Empty } = protoRequire("google-protobuf/google/protobuf/empty_pb");

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"] as const;
/**
 * The served pack reads the real clock, the harness the fixtures' pinned one (TODAY), and a
 * past asOf is rejected: both judge ages as of tomorrow (by the real clock), on the fixtures
 * moved forward by as many days.
 */
const AS_OF = fromDay(toDay(utcToday()) + 1);
const SHIFT = toDay(AS_OF) - toDay(TODAY);
const PACK_CONFIG = {
  "iam-access-key-max-age": { asOf: AS_OF },
  "iam-access-key-age-warning": { asOf: AS_OF },
};

/** Every date (YYYY-MM-DD, alone or starting a timestamp) in the props, SHIFT days later. */
function shifted(resources: ResourceInput[]): ResourceInput[] {
  const shift = (value: unknown): unknown => {
    if (typeof value === "string") {
      return value.replace(/^(\d{4}-\d{2}-\d{2})/, (d) => fromDay(toDay(d) + SHIFT));
    }
    if (Array.isArray(value)) return value.map(shift);
    if (typeof value === "object" && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shift(v)]));
    }
    return value;
  };
  return resources.map((r) => ({ ...r, props: shift(r.props) as Record<string, unknown> }));
}

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
    const transpileOnly = path.join(__dirname, "..", "support", "packTranspileOnly.js");
    child = spawn(process.execPath, ["-r", transpileOnly, runPolicyPack, "127.0.0.1:0", "."], {
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
    // Runs stopped after green was issued on 2026-08-23: record and key agree, green is stale.
    let resources = deployedUserStack();
    named(resources, "ci-green").props.createDate = "2026-08-23T06:00:00Z";
    Object.assign(stateOf(resources, "ci"), {
      slots: { blue: { issuedOn: "2026-07-24" }, green: { issuedOn: "2026-08-23" } },
    });
    named(resources, "ci-blue").props.createDate = "2026-07-24T06:00:00Z";
    resources = shifted(resources);
    const request = new pb.AnalyzeStackRequest();
    request.setResourcesList(resources.map((r) => analyzerResource(r, new pb.AnalyzerResource())));
    const served = diagnostics(await unary(client, "analyzeStack", request));

    const expected: Violation[] = [];
    for (const p of policies.filter((p) => "validateStack" in p)) {
      expected.push(...(await runStack(p, resources, { config: PACK_CONFIG })).violations);
    }
    assert.deepEqual(served, expected);
    assert.equal(served.length, 1, JSON.stringify(served, null, 1));
    assert.equal(served[0].policyName, "iam-access-key-max-age");
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
