/**
 * The harness against the real thing: what it must reproduce of the policy server and the
 * engine's config reconciliation, and a cross-check that feeds the same resources to the
 * policy server's own Analyze / AnalyzeStack handlers (@pulumi/policy server.js, called
 * in-process without starting gRPC) and compares what comes back.
 */
import * as assert from "node:assert/strict";
import { createRequire } from "node:module";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { accessKeyManaged } from "../../policies/accessKeyManaged";
import { accessKeyMaxAge } from "../../policies/accessKeyMaxAge";
import { accessKeyOneSlotPerUpdate } from "../../policies/accessKeyOneSlotPerUpdate";
import {
  Outcome,
  PACK_VERSION,
  Policy,
  POLICY_PACK_DIR,
  reconcileConfig,
  runResource,
  runStack,
  secretValue,
  UNKNOWN_VALUE,
  urnOf,
  analyzerProto,
  analyzerResource,
} from "../support/policyHarness";
import { deployedUserStack, named, slotKey, STACK_URN, UNKNOWN_STRING } from "./fixtures";

const naive: StackValidationPolicy = {
  name: "naive-reader",
  description: "Reads createDate without caring whether it is known.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    for (const r of args.resources) {
      if (r.type === "aws:iam/accessKey:AccessKey") report(String(r.props.createDate));
    }
  },
};

describe("policy harness", () => {
  it("turns an uncaught unknown read into the server's advisory can't-run diagnostic", async () => {
    const resources = deployedUserStack();
    named(resources, "ci-blue").props.createDate = UNKNOWN_STRING;
    const outcome = await runStack(naive, resources);
    assert.deepEqual(outcome.cannotRun, [
      `can't run policy 'naive-reader' from policy pack 'iam-key-rotation@v${PACK_VERSION}' ` +
        "during preview: string value at .createDate can't be known during preview",
    ]);
    assert.deepEqual(outcome.violations, []);
  });

  it("unwraps secrets the way the server does (no proxySecrets for validation)", async () => {
    const seen: unknown[] = [];
    const policy: ResourceValidationPolicy = {
      name: "secret-reader",
      description: "Reads a secret.",
      validateResource: (args) => void seen.push(args.props.secret),
    };
    await runResource(policy, { ...slotKey(), props: { secret: secretValue("s3cr3t") } });
    assert.deepEqual(seen, ["s3cr3t"]);
  });

  it("gives validateResource opts.parent, and validateStack resolved parents and dependencies", async () => {
    const seen: Record<string, unknown> = {};
    const resourcePolicy: ResourceValidationPolicy = {
      name: "opts-reader",
      description: "Reads options.",
      validateResource: (args) => void (seen.resourceParent = args.opts.parent),
    };
    await runResource(resourcePolicy, slotKey());
    const stackPolicy: StackValidationPolicy = {
      name: "graph-reader",
      description: "Reads the graph.",
      validateStack: (args) => {
        const key = args.resources.find((r) => r.name === "ci-blue")!;
        seen.stackOptsParent = key.opts.parent;
        seen.stackParent = key.parent?.name;
        seen.dependencies = key.dependencies.map((d) => d.name);
        seen.propertyDependencies = Object.fromEntries(
          Object.entries(key.propertyDependencies).map(([k, v]) => [k, v.map((d) => d.name)]),
        );
      },
    };
    const resources = deployedUserStack();
    const userUrn = urnOf("aws:iam/user:User", "ci-user", named(resources, "ci-user").parent);
    Object.assign(named(resources, "ci-blue"), {
      dependencies: [userUrn],
      propertyDependencies: { user: [userUrn] },
    });
    await runStack(stackPolicy, resources);
    assert.deepEqual(seen, {
      resourceParent:
        "urn:pulumi:test::iam-key-rotation::iam-key-rotation:index:RotatedKeyUser::ci",
      stackOptsParent: undefined,
      stackParent: "ci",
      dependencies: ["ci-user"],
      propertyDependencies: { user: ["ci-user"] },
    });
  });

  it("does not run a disabled policy", async () => {
    const resources = deployedUserStack();
    named(resources, "ci-green").props.createDate = "2020-01-01T00:00:00Z";
    const outcome = await runStack(accessKeyMaxAge, resources, {
      config: { "iam-access-key-max-age": "disabled" },
    });
    assert.deepEqual(outcome, {
      enforcementLevel: "disabled",
      violations: [],
      notApplicable: [],
      cannotRun: [],
    });
  });

  it("reconciles config like the engine: defaults, then all, then the policy's own entry", () => {
    const config = reconcileConfig([accessKeyMaxAge, accessKeyOneSlotPerUpdate], {
      all: "advisory",
      "iam-access-key-max-age": { enforcementLevel: "mandatory", asOf: "2026-11-22" },
    });
    assert.deepEqual(Object.fromEntries(config), {
      "iam-access-key-max-age": {
        enforcementLevel: "mandatory",
        properties: { maxAgeDays: 90, asOf: "2026-11-22" },
      },
      "iam-access-key-one-slot-per-update": { enforcementLevel: "advisory", properties: {} },
    });
  });

  it("rejects config that does not match a policy's schema, as the engine does", () => {
    assert.throws(
      () => reconcileConfig([accessKeyMaxAge], { "iam-access-key-max-age": { maxAgeDays: 0 } }),
      {
        message:
          "policy pack configuration is invalid: iam-access-key-max-age: maxAgeDays: Must be greater than or equal to 1",
      },
    );
    assert.throws(
      () =>
        reconcileConfig([accessKeyMaxAge], { "iam-access-key-max-age": { asOf: "22/11/2026" } }),
      {
        message:
          "policy pack configuration is invalid: iam-access-key-max-age: asOf: Does not match pattern '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'",
      },
    );
  });

  it("fails the analysis, like the server, when a policy throws anything else", async () => {
    const broken: StackValidationPolicy = {
      name: "broken",
      description: "Throws.",
      validateStack: () => {
        throw new TypeError("boom");
      },
    };
    await assert.rejects(runStack(broken, deployedUserStack()), (err: Error) => {
      assert.match(
        err.message,
        /^Error validating resource with policy 'broken' from policy pack 'iam-key-rotation@v[^']+':\nTypeError: boom/,
      );
      return true;
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Cross-check with the policy server's own handlers

const packRequire = createRequire(`${POLICY_PACK_DIR}/index.ts`);
const sdkRequire = createRequire(packRequire.resolve("@pulumi/policy"));
const server = sdkRequire("./server") as {
  makeAnalyzeRpcFun(name: string, version: string, level: string, policies: Policy[]): Handler;
  makeAnalyzeStackRpcFun(name: string, version: string, level: string, policies: Policy[]): Handler;
};
const pb = analyzerProto;
type Handler = (
  call: { request: unknown },
  callback: (err: Error | null, res: any) => void,
) => void;

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"];

function call(handler: Handler, request: unknown): Promise<any> {
  return new Promise((resolve, reject) =>
    handler({ request }, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

/** The server's response reduced to what the harness reports. */
function fromServer(response: any): Omit<Outcome, "enforcementLevel"> {
  const violations: Outcome["violations"] = [];
  const cannotRun: string[] = [];
  for (const d of response.getDiagnosticsList()) {
    if (d.getMessage().startsWith("can't run")) {
      cannotRun.push(d.getMessage());
      continue;
    }
    const rendered: string = d.getMessage();
    violations.push({
      policyName: d.getPolicyname(),
      message: rendered.slice(d.getDescription().length + 1),
      rendered,
      urn: d.getUrn() || undefined,
      enforcementLevel: LEVELS[d.getEnforcementlevel()] as Outcome["enforcementLevel"],
    });
  }
  const notApplicable = response.getNotApplicableList().map((n: any) => n.getReason());
  return { violations, notApplicable, cannotRun };
}

function withoutLevel(outcome: Outcome): Omit<Outcome, "enforcementLevel"> {
  const { violations, notApplicable, cannotRun } = outcome;
  return { violations, notApplicable, cannotRun };
}

describe("policy harness against the policy server's handlers", () => {
  const analyzeStack = (policies: Policy[]) =>
    server.makeAnalyzeStackRpcFun("iam-key-rotation", PACK_VERSION, "advisory", policies);
  const analyze = (policies: Policy[]) =>
    server.makeAnalyzeRpcFun("iam-key-rotation", PACK_VERSION, "advisory", policies);

  it("agrees on a stack violation (both slots re-issued)", async () => {
    const resources = deployedUserStack();
    for (const name of ["ci-blue", "ci-green"]) {
      Object.assign(named(resources, name).props, {
        id: UNKNOWN_STRING,
        createDate: UNKNOWN_STRING,
      });
    }
    const request = new pb.AnalyzeStackRequest();
    request.setResourcesList(resources.map((r) => analyzerResource(r)));
    const real = fromServer(await call(analyzeStack([accessKeyOneSlotPerUpdate]), request));
    const harness = withoutLevel(await runStack(accessKeyOneSlotPerUpdate, resources));
    assert.equal(real.violations.length, 1);
    assert.deepEqual(harness, real);
  });

  it("agrees on a resource violation and on notApplicable", async () => {
    const key = { ...slotKey(), name: "legacy-key", parent: STACK_URN };
    const real = fromServer(
      await call(analyze([accessKeyManaged]), analyzerResource(key, new pb.AnalyzeRequest())),
    );
    assert.equal(real.violations.length, 1);
    assert.deepEqual(withoutLevel(await runResource(accessKeyManaged, key)), real);

    const role = { type: "aws:iam/role:Role", name: "r", parent: STACK_URN, props: {} };
    const realNa = fromServer(
      await call(analyze([accessKeyManaged]), analyzerResource(role, new pb.AnalyzeRequest())),
    );
    assert.deepEqual(realNa.notApplicable, [
      "Policy only applies to resources of type 'aws:iam/accessKey:AccessKey'",
    ]);
    assert.deepEqual(withoutLevel(await runResource(accessKeyManaged, role)), realNa);
  });

  it("agrees on the can't-run diagnostic for an unknown read", async () => {
    const resources = deployedUserStack();
    named(resources, "ci-blue").props.createDate = UNKNOWN_VALUE.string;
    const request = new pb.AnalyzeStackRequest();
    request.setResourcesList(resources.map((r) => analyzerResource(r)));
    const real = fromServer(await call(analyzeStack([naive]), request));
    assert.equal(real.cannotRun.length, 1);
    assert.deepEqual(withoutLevel(await runStack(naive, resources)), real);
  });
});
