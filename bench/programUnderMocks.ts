/**
 * One run of the program (index.ts) under pulumi.runtime.setMocks, or of a bare program
 * registering the same resources, in a fresh process: what bench/program.bench.ts spawns and
 * times. Modes:
 *
 *   world   --out FILE --users N     a first run, every user new: writes the config and what it
 *                                    left in "AWS" (tags, keys, published document) to FILE
 *   record  --world FILE --out FILE  a run against that world (a quiet day: nothing to change):
 *                                    writes every registered resource (type, name, inputs,
 *                                    parent) and every invoke to FILE, after checking the run
 *                                    changed nothing
 *   program --world FILE             the timed run of the program against that world
 *   bare    --world FILE --resources FILE [--reads] [--outputs]
 *                                    the timed run of a bare program: the same resources with the
 *                                    same types, names, inputs and parents, no logic; with
 *                                    --reads it first makes the same invokes the program makes;
 *                                    with --outputs it exports the same stack outputs (what
 *                                    the program gave as an Output, the same resource's Output;
 *                                    the rest the recorded plain values)
 *
 * Modules (the program's, @pulumi/aws's modules of every type registered) load before the
 * clock starts; the clock stops when the Pulumi runtime has no RPC left (what `pulumi up` waits
 * for). Prints one line `RESULT {json}`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { parse } from "yaml";
import {
  AccessKeyAnswer,
  noSuchUser,
  RecordingMocks,
  unwrapSecret,
  useMocks,
} from "../test/support/mocks";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
// ts-node (which loads this file) maps every stack trace through source maps, and Pulumi's
// promises capture a stack trace each: that would be most of the time measured, for the
// program and the bare one alike. Off, as in a compiled program, unless --source-maps.
if (!process.argv.includes("--source-maps")) {
  (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
}
const ROOT = path.join(__dirname, "..");
const NS = "iam-key-rotation:";

type Program = () => Promise<Record<string, unknown>>;

interface WorldUser {
  path: string;
  tags: Record<string, string>;
  keys: { accessKeyId: string; createDate: string; status: string }[];
  secretName: string;
  secretText: string;
}

interface World {
  config: Record<string, string>;
  createdAt: string;
  users: Record<string, WorldUser>;
}

interface RecordedResource {
  type: string;
  name: string;
  custom: boolean;
  /** `type::name` of the parent; undefined: the stack. */
  parent?: string;
  inputs: Record<string, unknown>;
}

interface Recording {
  resources: RecordedResource[];
  invokes: { token: string; inputs: Record<string, unknown> }[];
  /** The program's stack outputs, resolved. */
  outputs: { users: Record<string, Record<string, unknown>> } & Record<string, unknown>;
  /** By user, the stack outputs the program gave as Outputs (the others were plain values). */
  outputValued: Record<string, string[]>;
}

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
};
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, "utf8")) as T;

/** The stack config `pulumi up` would hand over: prod's settings with `users` generated users. */
function benchConfig(users: number): Record<string, string> {
  const prod = parse(readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  };
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(prod.config)) {
    if (key === `${NS}github` || key === `${NS}users`) continue; // CI roles cap a stack at 80
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  const list = Array.from({ length: users }, (_, i) => ({
    name: `svc-${String(i).padStart(4, "0")}-reporting`,
    policyArns: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
    tags: { team: `team-${i % 10}` },
  }));
  config[`${NS}users`] = JSON.stringify(list);
  config[`${NS}waitForNewKey`] = "false";
  return config;
}

async function loadProgram(): Promise<Program> {
  const mod = (await import("../index")) as unknown as { default?: Program } & Program;
  return mod.default ?? mod;
}

/**
 * Runs `init` as the Pulumi runtime runs a program: under the stack, until no RPC is left.
 * With --profile FILE, a CPU profile of exactly that span is written to FILE.
 */
/** CPU time (user + system, every thread of the process: GC included) of the last runStack span. */
let spanCpuMs = 0;

async function runStack(init: () => Promise<Record<string, unknown> | undefined>): Promise<number> {
  const profile = arg("--profile");
  const session = profile === undefined ? undefined : new Session();
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) =>
      session!.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
    );
  if (session !== undefined) {
    session.connect();
    await post("Profiler.enable");
    await post("Profiler.start");
  }
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  await pulumi.runtime.runInPulumiStack(init);
  await (pulumi.runtime as unknown as { disconnect: () => Promise<void> }).disconnect();
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  spanCpuMs = (cpu.user + cpu.system) / 1000;
  if (session !== undefined) {
    const { profile: data } = (await post("Profiler.stop")) as { profile: unknown };
    writeFileSync(profile!, JSON.stringify(data));
    session.disconnect();
  }
  return ms;
}

/** Loads @pulumi/aws's lazily loaded modules of these tokens before the clock starts. */
function preload(tokens: Iterable<string>): void {
  for (const token of tokens) void awsMember(token);
}

/** `aws:iam/user:User` → aws.iam.User; `aws:iam/getUser:getUser` → aws.iam.getUser. */
function awsMember(token: string): any {
  const m = /^aws:([^/:]+)\/[^:]+:(.+)$/.exec(token);
  if (m === null) return undefined;
  return (aws as any)[m[1]]?.[m[2]];
}

/** The mocks answering the reads with what the world holds. */
function worldMocks(world: World): RecordingMocks {
  const user = (name: string) => {
    const u = world.users[name];
    if (u === undefined) throw noSuchUser(name);
    return u;
  };
  const bySecret = new Map(Object.values(world.users).map((u) => [u.secretName, u]));
  const mocks = new RecordingMocks({
    "aws:iam/getUser:getUser": (inputs) => {
      const u = user(inputs.userName as string);
      return {
        arn: `arn:aws:iam::123456789012:user${u.path}${inputs.userName}`,
        id: inputs.userName,
        path: u.path,
        tags: u.tags,
        userId: "AIDAEXAMPLE",
        userName: inputs.userName,
      };
    },
    "aws:iam/getAccessKeys:getAccessKeys": (inputs) => ({
      accessKeys: user(inputs.user as string).keys.map((k) => ({ ...k, userName: inputs.user })),
      id: inputs.user,
      user: inputs.user,
    }),
    "aws:secretsmanager/getSecretVersion:getSecretVersion": (inputs) => {
      const u = bySecret.get(inputs.secretId as string)!;
      return {
        arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${inputs.secretId}-AbCdEf`,
        createdDate: world.createdAt,
        id: inputs.secretId,
        secretId: inputs.secretId,
        secretString: u.secretText,
        versionId: "v1",
        versionStage: "AWSCURRENT",
        versionStages: ["AWSCURRENT"],
      };
    },
  });
  // The keys the world holds: the same ids and creation time as when they were made.
  mocks.accessKey = (name): AccessKeyAnswer => ({
    id: accessKeyId(name),
    createDate: world.createdAt,
  });
  return mocks;
}

async function worldMode(): Promise<void> {
  const config = benchConfig(Number(arg("--users") ?? 1000));
  const createdAt = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  const mocks = new RecordingMocks({
    "aws:iam/getUser:getUser": (inputs) => {
      throw noSuchUser(inputs.userName as string);
    },
  });
  mocks.accessKey = (name): AccessKeyAnswer => ({ id: accessKeyId(name), createDate: createdAt });
  await useMocks(mocks, { stack: "bench", config });
  const program = await loadProgram();
  await runStack(program);
  const users: Record<string, WorldUser> = {};
  for (const r of mocks.ofType("aws:iam/user:User")) {
    users[r.inputs.name as string] = {
      path: r.inputs.path as string,
      tags: r.inputs.tags as Record<string, string>,
      keys: [],
      secretName: "",
      secretText: "",
    };
  }
  const owner = (resourceName: string) =>
    Object.keys(users).find((u) => resourceName.startsWith(`${u}-`))!;
  for (const r of mocks.ofType("aws:iam/accessKey:AccessKey")) {
    users[owner(r.name)].keys.push({ accessKeyId: r.id, createDate: createdAt, status: "Active" });
  }
  for (const r of mocks.ofType("aws:secretsmanager/secret:Secret")) {
    users[owner(r.name)].secretName = r.inputs.name as string;
  }
  for (const r of mocks.ofType("aws:secretsmanager/secretVersion:SecretVersion")) {
    users[owner(r.name)].secretText = unwrapSecret(r.inputs.secretString).value as string;
  }
  const world: World = { config, createdAt, users };
  writeFileSync(arg("--out")!, JSON.stringify(world));
  console.log(`RESULT ${JSON.stringify({ users: Object.keys(users).length })}`);
}

/** The id the world's keys get: stable per logical name, like AWS's never-reused ids. */
function accessKeyId(name: string): string {
  let h = 2166136261;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return `AKIA${h.toString(36).toUpperCase().padStart(16, "0")}`;
}

const keyOf = (type: string, name: string) => `${type}::${name}`;

async function recordMode(): Promise<void> {
  const world = readJson<World>(arg("--world")!);
  const mocks = worldMocks(world);
  await useMocks(mocks, { stack: "bench", config: world.config });
  const program = await loadProgram();
  const order: { type: string; name: string; custom: boolean; parent?: string }[] = [];
  let outputs: Recording["outputs"] | undefined;
  let outputValued: Recording["outputValued"] = {};
  await runStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      const parent = args.opts.parent as any;
      const stackParent = parent === undefined || parent.__pulumiType === "pulumi:pulumi:Stack";
      order.push({
        type: args.type,
        name: args.name,
        custom: args.resource instanceof pulumi.CustomResource,
        ...(!stackParent && {
          parent: keyOf(parent.__pulumiType as string, parent.__name as string),
        }),
      });
      return undefined;
    });
    const returned = await program();
    const users = (returned as { users: Record<string, Record<string, unknown>> }).users;
    outputValued = Object.fromEntries(
      Object.entries(users).map(([name, values]) => [
        name,
        Object.keys(values).filter((k) => pulumi.Output.isInstance(values[k])),
      ]),
    );
    pulumi.output(returned).apply((v) => {
      outputs = v as unknown as Recording["outputs"];
    });
    return returned;
  });
  if (outputs === undefined) throw new Error("the program's stack outputs did not resolve");
  const inputs = new Map(mocks.resources.map((r) => [keyOf(r.type, r.name), r.inputs]));
  // A quiet day: the run must leave the world as it found it.
  for (const r of mocks.ofType("aws:iam/user:User")) {
    const want = world.users[r.inputs.name as string].tags;
    if (JSON.stringify(r.inputs.tags) !== JSON.stringify(want)) {
      throw new Error(`the quiet run changed the tags of ${r.name}`);
    }
  }
  for (const r of mocks.ofType("aws:secretsmanager/secretVersion:SecretVersion")) {
    const text = unwrapSecret(r.inputs.secretString).value;
    if (!Object.values(world.users).some((u) => u.secretText === text)) {
      throw new Error(`the quiet run published a new document in ${r.name}`);
    }
  }
  const recording: Recording = {
    resources: order.map((o) => ({ ...o, inputs: inputs.get(keyOf(o.type, o.name)) ?? {} })),
    invokes: mocks.invokes,
    outputs,
    outputValued,
  };
  const seen = mocks.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").length;
  if (recording.resources.length !== seen) {
    throw new Error(`recorded ${recording.resources.length} resources, the mocks saw ${seen}`);
  }
  writeFileSync(arg("--out")!, JSON.stringify(recording));
  console.log(
    `RESULT ${JSON.stringify({ resources: recording.resources.length, invokes: recording.invokes.length })}`,
  );
}

/** A component with no logic: its inputs registered, no outputs. */
class BareComponent extends pulumi.ComponentResource {
  constructor(type: string, name: string, props: pulumi.Inputs, opts: pulumi.ResourceOptions) {
    super(type, name, props, opts);
    this.registerOutputs({});
  }
}

/** A custom resource of a type that is not @pulumi/aws's. */
class BareCustom extends pulumi.CustomResource {}

/** Input values as a program passes them: wire-format secrets turned back into secrets. */
function programValue(value: unknown): unknown {
  const { secret, value: plain } = unwrapSecret(value);
  if (secret) return pulumi.secret(plain);
  if (Array.isArray(value)) return value.map(programValue);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, programValue(v)]));
  }
  return value;
}

async function timedMode(bare: boolean): Promise<void> {
  const world = readJson<World>(arg("--world")!);
  const recording = bare ? readJson<Recording>(arg("--resources")!) : undefined;
  const reads = process.argv.includes("--reads");
  const withOutputs = process.argv.includes("--outputs");
  const mocks = worldMocks(world);
  await useMocks(mocks, { stack: "bench", config: world.config });
  let init: () => Promise<Record<string, unknown> | undefined>;
  if (!bare) {
    const program = await loadProgram();
    preload([
      "aws:iam/user:User",
      "aws:iam/accessKey:AccessKey",
      "aws:iam/userPolicy:UserPolicy",
      "aws:iam/userPolicyAttachment:UserPolicyAttachment",
      "aws:secretsmanager/secret:Secret",
      "aws:secretsmanager/secretVersion:SecretVersion",
      "aws:iam/getUser:getUser",
    ]);
    init = program;
  } else {
    const rec = recording!;
    // The same modules loaded before the clock starts (the program loads them on import).
    await loadProgram();
    preload([...rec.resources.map((r) => r.type), ...rec.invokes.map((i) => i.token)]);
    init = async () => {
      if (reads) {
        await Promise.all(rec.invokes.map((i) => awsMember(i.token)(i.inputs)));
      }
      const made = new Map<string, pulumi.Resource>();
      for (const r of rec.resources) {
        const opts = r.parent === undefined ? {} : { parent: made.get(r.parent)! };
        const props = programValue(r.inputs) as Record<string, unknown>;
        let resource: pulumi.Resource;
        if (!r.custom) {
          resource = new BareComponent(r.type, r.name, props, opts);
        } else {
          const Ctor = awsMember(r.type);
          resource =
            Ctor === undefined
              ? new BareCustom(r.type, r.name, props, opts)
              : new Ctor(r.name, props, opts);
        }
        made.set(keyOf(r.type, r.name), resource);
      }
      if (!withOutputs) return {};
      // The program's stack outputs: what it gave as an Output is the same resource's Output
      // (index.ts names a user's children `<user>-user`, `<user>-<slot>`,
      // `<user>-secret-version`), everything else the recorded plain value.
      const child = <T extends pulumi.Resource>(type: string, name: string) =>
        made.get(keyOf(type, name)) as T;
      const users: Record<string, Record<string, unknown>> = {};
      for (const [name, recorded] of Object.entries(rec.outputs.users)) {
        const slot = recorded.currentSlot as string;
        const fromChildren: Record<string, () => pulumi.Output<unknown>> = {
          userArn: () => child<aws.iam.User>("aws:iam/user:User", `${name}-user`).arn,
          currentAccessKeyId: () =>
            child<aws.iam.AccessKey>("aws:iam/accessKey:AccessKey", `${name}-${slot}`).id,
          secretArn: () =>
            child<aws.secretsmanager.SecretVersion>(
              "aws:secretsmanager/secretVersion:SecretVersion",
              `${name}-secret-version`,
            ).arn,
        };
        users[name] = { ...recorded };
        for (const key of rec.outputValued[name]) {
          const made = fromChildren[key];
          if (made === undefined) throw new Error(`no resource gives the stack output ${key}`);
          users[name][key] = made();
        }
      }
      return { ...rec.outputs, users };
    };
  }
  const ms = await runStack(init);
  const mem = process.memoryUsage();
  console.log(
    `RESULT ${JSON.stringify({
      ms,
      cpuMs: spanCpuMs,
      resources: mocks.resources.length,
      invokes: mocks.invokes.length,
      rssMB: Math.round(mem.rss / 2 ** 20),
    })}`,
  );
}

const mode = process.argv[2];
const run =
  mode === "world"
    ? worldMode()
    : mode === "record"
      ? recordMode()
      : mode === "program"
        ? timedMode(false)
        : mode === "bare"
          ? timedMode(true)
          : Promise.reject(new Error(`unknown mode ${mode}`));
run.then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
