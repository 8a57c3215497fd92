/**
 * Runs the pack's policies the way the policy server does, without starting it (constructing a
 * PolicyPack starts a gRPC server and may exit the process). Mirrors, in @pulumi/policy 1.21:
 *
 * - server.ts `makeAnalyzeRpcFun` / `makeAnalyzeStackRpcFun`: props go through the SDK's own
 *   `deserializeProperties` (from a protobuf Struct, as sent by the engine) and behind
 *   `unknownCheckingProxy`; `opts` as `getResourceOptions` builds them (`parent` only for
 *   validateResource: the engine sends no parent option to AnalyzeStack, the parent is a
 *   PolicyResource there); stack resources get `parent`, `dependencies` and
 *   `propertyDependencies` resolved to the resource objects by URN; `notApplicable` throws and is
 *   recorded; an `UnknownValueError` becomes an advisory "can't run policy ... during preview";
 *   any other error fails the whole analysis (a crashed preview); violations render as
 *   `description + "\n" + message`; the enforcement level is the configured one, else the
 *   policy's, else the pack's ("advisory"); "disabled" policies do not run;
 * - pulumi/pulumi pkg/resource/analyzer/config.go `ReconcilePolicyPackConfig`: each policy's
 *   config starts from its configSchema defaults, `all` sets every enforcement level, a
 *   policy's own entry overrides property by property, and the result is validated against the
 *   schema before anything runs.
 *
 * The SDK is loaded from where the pack resolves it (policies/node_modules when installed), so
 * `UnknownValueError` here is the very class the policies catch.
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import type * as PolicySdk from "@pulumi/policy";
import type {
  EnforcementLevel,
  PolicyResource,
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

export const POLICY_PACK_DIR = path.resolve(__dirname, "../../policies");
const packRequire = createRequire(path.join(POLICY_PACK_DIR, "index.ts"));
const sdk = packRequire("@pulumi/policy") as typeof PolicySdk;
const sdkRequire = createRequire(packRequire.resolve("@pulumi/policy"));
const proxy = sdkRequire("./proxy") as Record<string, string>;
const deserialize = sdkRequire("./deserialize") as {
  deserializeProperties(struct: unknown, proxySecrets: boolean): Record<string, any>;
};
const structproto = sdkRequire("google-protobuf/google/protobuf/struct_pb") as {
  Struct: { fromJavaScript(value: Record<string, unknown>): unknown };
};

/** The engine's sentinels for values not known during preview (proxy.ts). */
export const UNKNOWN_VALUE = {
  string: proxy.unknownStringValue,
  number: proxy.unknownNumberValue,
  boolean: proxy.unknownBooleanValue,
  array: proxy.unknownArrayValue,
  object: proxy.unknownObjectValue,
} as const;

/** A secret property as the engine serializes it (rpc.ts specialSecretSig). */
export function secretValue(value: unknown): Record<string, unknown> {
  return { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value };
}

export type Policy = ResourceValidationPolicy | StackValidationPolicy;
export const PACK_NAME = "iam-key-rotation";
export const PACK_VERSION = (packRequire("./package.json") as { version: string }).version;
const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = "advisory";

// ---------------------------------------------------------------------------------------------
// Config (what `--policy-pack-config <file>` holds)

export type PolicyConfigEntry =
  EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>);
export type PackConfig = Record<string, PolicyConfigEntry>;

interface Reconciled {
  enforcementLevel: EnforcementLevel;
  properties: Record<string, unknown>;
}

/** ReconcilePolicyPackConfig: defaults, then `all`, then each policy's entry; validated. */
export function reconcileConfig(
  policies: readonly Policy[],
  given: PackConfig = {},
): Map<string, Reconciled> {
  const result = new Map<string, Reconciled>();
  for (const p of policies) {
    const properties: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(p.configSchema?.properties ?? {})) {
      if (schema.default !== undefined) properties[key] = schema.default;
    }
    result.set(p.name, {
      enforcementLevel: p.enforcementLevel ?? PACK_ENFORCEMENT_LEVEL,
      properties,
    });
  }
  const entries = Object.entries(given).map(([name, entry]) => {
    if (typeof entry === "string") return [name, { level: entry, props: {} }] as const;
    const { enforcementLevel, ...props } = entry;
    return [name, { level: enforcementLevel, props }] as const;
  });
  for (const [name, { level }] of entries) {
    if (name === "all" && level !== undefined) {
      for (const value of result.values()) value.enforcementLevel = level;
    }
  }
  for (const [name, { level, props }] of entries) {
    const current = result.get(name);
    if (current === undefined) continue;
    if (level !== undefined) current.enforcementLevel = level;
    Object.assign(current.properties, props);
  }
  const errors: string[] = [];
  for (const p of policies) {
    const props = result.get(p.name)!.properties;
    for (const problem of validateAgainstSchema(p, props)) errors.push(`${p.name}: ${problem}`);
  }
  if (errors.length > 0) {
    throw new Error(`policy pack configuration is invalid: ${errors.join(", ")}`);
  }
  return result;
}

/** The subset of JSON Schema this pack's configSchemas use. */
function validateAgainstSchema(p: Policy, props: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const schema = p.configSchema;
  if (schema === undefined) return problems;
  for (const key of schema.required ?? []) {
    if (props[key] === undefined) problems.push(`${key} is required`);
  }
  for (const [key, value] of Object.entries(props)) {
    const s = schema.properties[key];
    if (s === undefined) continue;
    const type = s.type;
    const ok =
      type === undefined ||
      (type === "integer" && Number.isInteger(value)) ||
      (type === "number" && typeof value === "number") ||
      (type === "string" && typeof value === "string") ||
      (type === "boolean" && typeof value === "boolean") ||
      (type === "array" && Array.isArray(value)) ||
      (type === "object" && typeof value === "object" && value !== null && !Array.isArray(value));
    if (!ok) {
      problems.push(`${key}: Invalid type. Expected: ${String(type)}`);
      continue;
    }
    if (typeof value === "number") {
      if (s.minimum !== undefined && value < s.minimum) {
        problems.push(`${key}: Must be greater than or equal to ${s.minimum}`);
      }
      if (s.maximum !== undefined && value > s.maximum) {
        problems.push(`${key}: Must be less than or equal to ${s.maximum}`);
      }
    }
    if (
      typeof value === "string" &&
      s.pattern !== undefined &&
      !new RegExp(s.pattern).test(value)
    ) {
      problems.push(`${key}: Does not match pattern '${s.pattern}'`);
    }
    if (s.enum !== undefined && !s.enum.includes(value as never)) {
      problems.push(`${key}: must be one of the enum values`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Resources

/** `urn:pulumi:<stack>::<project>::<parent types $ type>::<name>`. */
export function urnOf(type: string, name: string, parentUrn?: string, stack = "test"): string {
  let qualified = type;
  if (parentUrn !== undefined) {
    const parentType = parentUrn.split("::")[2];
    if (parentType !== "pulumi:pulumi:Stack") qualified = `${parentType}$${type}`;
  }
  return `urn:pulumi:${stack}::iam-key-rotation::${qualified}::${name}`;
}

export interface ResourceInput {
  type: string;
  name: string;
  /** Properties as the engine sends them; UNKNOWN_VALUE sentinels for unknowns. */
  props: Record<string, unknown>;
  /** Defaults to urnOf(type, name, parent). */
  urn?: string;
  /** URN of the parent. */
  parent?: string;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
  deleteBeforeReplace?: boolean;
  protect?: boolean;
}

/** Engine wire format → policy props: protobuf Struct, the SDK's deserializer, the proxy. */
function policyProps(props: Record<string, unknown>): Record<string, any> {
  const struct = structproto.Struct.fromJavaScript(JSON.parse(JSON.stringify(props)));
  return sdk.unknownCheckingProxy(deserialize.deserializeProperties(struct, false));
}

function resourceOptions(r: ResourceInput, withParent: boolean): PolicyResourceOptions {
  const opts: PolicyResourceOptions = {
    protect: r.protect ?? false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
  };
  if (r.deleteBeforeReplace !== undefined) opts.deleteBeforeReplace = r.deleteBeforeReplace;
  if (withParent && r.parent) opts.parent = r.parent;
  return opts;
}

function isTypeOf(type: string, resourceClass: unknown): boolean {
  const pulumiType = (resourceClass as { __pulumiType?: unknown }).__pulumiType;
  return typeof pulumiType === "string" && pulumiType === type;
}

// ---------------------------------------------------------------------------------------------
// Running

export interface Violation {
  policyName: string;
  /** What the policy passed to reportViolation. */
  message: string;
  /** What the engine prints: the description, a newline, the message. */
  rendered: string;
  urn?: string;
  enforcementLevel: EnforcementLevel;
}

export interface Outcome {
  /** The level the server used; "disabled": the policy did not run. */
  enforcementLevel: EnforcementLevel;
  violations: Violation[];
  /** Reasons given to notApplicable. */
  notApplicable: string[];
  /** Advisory diagnostics for an uncaught UnknownValueError ("can't run policy ..."). */
  cannotRun: string[];
}

export interface RunOptions {
  config?: PackConfig;
  stackTags?: Record<string, string>;
}

class NotApplicable extends Error {
  constructor(readonly reason: string | undefined) {
    super(reason ?? "Policy does not apply");
  }
}

function prepare(policy: Policy, options: RunOptions) {
  const config = reconcileConfig([policy], options.config).get(policy.name)!;
  const level = config.enforcementLevel === "remediate" ? "mandatory" : config.enforcementLevel;
  const outcome: Outcome = {
    enforcementLevel: level,
    violations: [],
    notApplicable: [],
    cannotRun: [],
  };
  const report: ReportViolation = (message: string, urn?: string) => {
    outcome.violations.push({
      policyName: policy.name,
      message,
      rendered: message ? `${policy.description}\n${message}` : policy.description,
      urn,
      enforcementLevel: level,
    });
  };
  const common = {
    stackTags: new Map(Object.entries(options.stackTags ?? {})) as ReadonlyMap<string, string>,
    getConfig: <T extends object>() => ({ ...config.properties }) as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
  const settle = async (run: () => unknown) => {
    try {
      await Promise.resolve(run());
    } catch (err) {
      const from = `policy '${policy.name}' from policy pack '${PACK_NAME}@v${PACK_VERSION}'`;
      if (err instanceof sdk.UnknownValueError) {
        outcome.cannotRun.push(`can't run ${from} during preview: ${(err as Error).message}`);
      } else if (err instanceof NotApplicable) {
        outcome.notApplicable.push(err.reason ?? "");
      } else {
        throw new Error(`Error validating resource with ${from}:\n${(err as Error).stack}`);
      }
    }
  };
  return { outcome, report, common, settle };
}

/** One resource through `validateResource`, as the engine's Analyze call delivers it. */
export async function runResource(
  policy: Policy,
  resource: ResourceInput,
  options: RunOptions = {},
): Promise<Outcome> {
  const { outcome, report, common, settle } = prepare(policy, options);
  const validations = (policy as ResourceValidationPolicy).validateResource;
  if (outcome.enforcementLevel === "disabled" || validations === undefined) return outcome;
  for (const validate of Array.isArray(validations) ? validations : [validations]) {
    await settle(() => {
      const props = policyProps(resource.props);
      const args: ResourceValidationArgs = {
        type: resource.type,
        props,
        urn: resource.urn ?? urnOf(resource.type, resource.name, resource.parent),
        name: resource.name,
        opts: resourceOptions(resource, true),
        isType: (cls) => isTypeOf(resource.type, cls),
        asType: ((cls: unknown) => (isTypeOf(resource.type, cls) ? props : undefined)) as never,
        ...common,
      };
      return validate(args, report);
    });
  }
  return outcome;
}

/** The whole stack through `validateStack`, as the engine's AnalyzeStack call delivers it. */
export async function runStack(
  policy: Policy,
  resources: readonly ResourceInput[],
  options: RunOptions = {},
): Promise<Outcome> {
  const { outcome, report, common, settle } = prepare(policy, options);
  const validate = (policy as StackValidationPolicy).validateStack;
  if (outcome.enforcementLevel === "disabled" || validate === undefined) return outcome;
  await settle(() => {
    const byUrn = new Map<string, PolicyResource>();
    const built = resources.map((r) => {
      const props = policyProps(r.props);
      const resource: PolicyResource = {
        type: r.type,
        props,
        urn: r.urn ?? urnOf(r.type, r.name, r.parent),
        name: r.name,
        opts: resourceOptions(r, false),
        dependencies: [],
        propertyDependencies: {},
        isType: (cls) => isTypeOf(r.type, cls),
        asType: ((cls: unknown) => (isTypeOf(r.type, cls) ? props : undefined)) as never,
      };
      byUrn.set(resource.urn, resource);
      return { input: r, resource };
    });
    for (const { input, resource } of built) {
      if (input.parent) {
        const parent = byUrn.get(input.parent);
        if (parent) resource.parent = parent;
      }
      resource.dependencies = (input.dependencies ?? []).flatMap((u) => byUrn.get(u) ?? []);
      for (const [key, urns] of Object.entries(input.propertyDependencies ?? {})) {
        resource.propertyDependencies[key] = urns.flatMap((u) => byUrn.get(u) ?? []);
      }
    }
    const args: StackValidationArgs = {
      resources: built.map((b) => b.resource),
      ...common,
    };
    return validate(args, report);
  });
  return outcome;
}

/** Raw messages of an outcome's violations, for exact assertions. */
export function messages(outcome: Outcome): string[] {
  return outcome.violations.map((v) => v.message);
}

/** The engine's analyzer protobuf messages, from the pack's own @pulumi/pulumi. */

export const analyzerProto: any = sdkRequire("@pulumi/pulumi/proto/analyzer_pb");

/**
 * A resource as the engine sends it to a policy pack: in an AnalyzeRequest (single-resource
 * checks: the parent in the options) or as an AnalyzerResource of an AnalyzeStackRequest (the
 * parent on the resource), props as a protobuf Struct.
 */

export function analyzerResource(
  r: ResourceInput,
  request: any = new analyzerProto.AnalyzerResource(),
) {
  request.setType(r.type);
  request.setName(r.name);
  request.setUrn(r.urn ?? urnOf(r.type, r.name, r.parent));
  request.setProperties(structproto.Struct.fromJavaScript(JSON.parse(JSON.stringify(r.props))));
  const options = new analyzerProto.AnalyzerResourceOptions();
  if (r.parent && request instanceof analyzerProto.AnalyzeRequest) options.setParent(r.parent);
  request.setOptions(options);
  if (r.parent && request instanceof analyzerProto.AnalyzerResource) request.setParent(r.parent);
  return request;
}
