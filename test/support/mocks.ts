/**
 * One recording mock for every Pulumi test (pulumi.runtime.setMocks): stores each registered
 * resource and each invoke; invokes without a handler throw `Mock not implemented: <token>`.
 * Computed outputs are filled in for the resource types this project creates, the way AWS would
 * (ARNs, key ids); in preview mode nothing computed is returned, so those outputs are unknown.
 */
import * as pulumi from "@pulumi/pulumi";

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";

export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, any>;
  id: string;
  /** The id it was registered to import (the `import` option, as sent to the engine). */
  importId?: string;
}

export type InvokeHandler = (inputs: Record<string, any>) => Record<string, any>;

/** What an access key the mock creates looks like: its id and creation time. */
export type AccessKeyAnswer = { id: string; createDate: string };

export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  readonly invokes: { token: string; inputs: Record<string, any> }[] = [];
  /**
   * Answers for access keys, by logical name: a test that models IAM (ids that persist across
   * runs, creation dates) sets it. Default: id `AKIA<hash of the name>`, created now.
   */
  accessKey?: (name: string, inputs: Record<string, any>) => AccessKeyAnswer;
  constructor(
    private readonly handlers: Record<string, InvokeHandler> = {},
    private readonly preview = false,
  ) {}

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
    const key =
      args.type === "aws:iam/accessKey:AccessKey" && !this.preview
        ? (this.accessKey?.(args.name, args.inputs) ?? {
            id: `AKIA${hash(args.name).toUpperCase()}`,
            createDate: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
          })
        : undefined;
    const id = this.preview ? "" : (key?.id ?? mockId(args));
    const importId = args.id === undefined || args.id === "" ? undefined : args.id;
    this.resources.push({
      type: args.type,
      name: args.name,
      inputs: args.inputs,
      id,
      ...(importId !== undefined && { importId }),
    });
    const extra = key === undefined ? {} : { createDate: key.createDate };
    const state = this.preview
      ? { ...args.inputs }
      : { ...args.inputs, ...computed(args, id), ...extra };
    // As the provider: an imported key's secret cannot be read from IAM, so it has none.
    if (importId !== undefined && args.type === "aws:iam/accessKey:AccessKey") {
      delete state.secret;
    }
    return { id: this.preview ? (undefined as unknown as string) : id, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
    this.invokes.push({ token: args.token, inputs: args.inputs });
    const handler = this.handlers[args.token];
    // As invokeFailure: the SDK keeps only `details`, so the token must travel there.
    if (handler === undefined) throw invokeFailure(`Mock not implemented: ${args.token}`);
    return handler(args.inputs);
  }

  /** Resources of one type, in registration order. */
  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  named(name: string): RecordedResource {
    const found = this.resources.filter((r) => r.name === name);
    if (found.length !== 1)
      throw new Error(`expected one resource named ${name}, found ${found.length}`);
    return found[0];
  }
}

function mockId(args: pulumi.runtime.MockResourceArgs): string {
  switch (args.type) {
    case "aws:iam/user:User":
      return String(args.inputs.name ?? args.name);
    case "aws:secretsmanager/secret:Secret": // the provider's id of a secret is its ARN
      return secretArn(String(args.inputs.name));
    default:
      return `${args.name}-id`;
  }
}

/** The ARN AWS gives a secret (with its random six-character suffix, fixed here). */
export function secretArn(name: string): string {
  return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`;
}

function hash(text: string): string {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h.toString(36).padStart(7, "0").slice(0, 12);
}

function computed(args: pulumi.runtime.MockResourceArgs, id: string): Record<string, any> {
  const i = args.inputs;
  switch (args.type) {
    case "aws:iam/user:User":
      return {
        arn: `arn:aws:iam::${ACCOUNT}:user${i.path ?? "/"}${i.name}`,
        uniqueId: `AIDA${hash(i.name)}`,
      };
    case "aws:iam/accessKey:AccessKey":
      return { secret: `secret-for-${args.name}`, createDate: "2026-11-22T10:00:00Z" };
    case "aws:secretsmanager/secret:Secret":
      return { arn: id };
    case "aws:secretsmanager/secretVersion:SecretVersion":
      return { versionId: `v-${hash(String(i.secretString))}`, arn: i.secretId };
    default:
      return { arn: `arn:aws:mock:${REGION}:${ACCOUNT}:${args.type}/${args.name}` };
  }
}

/** Resolves an Output's value; in tests only, where every output is known. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** Whether an Output is marked secret. */
export function isSecret<T>(output: pulumi.Output<T>): Promise<boolean> {
  return pulumi.isSecret(output);
}

/** Installs the mocks; call before importing or constructing anything that registers resources. */
export async function useMocks(
  mocks: RecordingMocks,
  options: { preview?: boolean; stack?: string; config?: Record<string, string> } = {},
): Promise<void> {
  await pulumi.runtime.setMocks(
    mocks,
    "iam-key-rotation",
    options.stack ?? "test",
    options.preview ?? false,
  );
  pulumi.runtime.setAllConfig({ "aws:region": REGION, ...(options.config ?? {}) });
}

/** What a legacy `transformations` spy on a component saw for each child: options included. */
export interface SeenChild {
  type: string;
  name: string;
  opts: pulumi.CustomResourceOptions;
}

/** A `transformations` entry recording every child's type, name and resource options. */
export function optionsSpy(): { seen: SeenChild[]; transformation: pulumi.ResourceTransformation } {
  const seen: SeenChild[] = [];
  return {
    seen,
    transformation: (args) => {
      seen.push({
        type: args.type,
        name: args.name,
        opts: args.opts,
      });
      return undefined;
    },
  };
}

/**
 * An invoke failure as the engine reports it: the SDK rejects with `new Error(err.details)`,
 * so the text must travel in `details` (a plain Error's message would arrive empty).
 */
export function invokeFailure(message: string): Error {
  return Object.assign(new Error(message), { details: message });
}

/** The AWS provider's "no such user" for the aws.iam.getUser invoke. */
export function noSuchUser(userName: string): Error {
  return invokeFailure(
    `invoking aws:iam/getUser:getUser: 1 error occurred:\n\t* reading IAM User (${userName}): couldn't find resource\n\n`,
  );
}

/** The AWS provider's "no such secret" for the aws.secretsmanager.getSecretVersion invoke. */
export function noSuchSecret(secretId: string): Error {
  return invokeFailure(
    `invoking aws:secretsmanager/getSecretVersion:getSecretVersion: 1 error occurred:\n\t* ` +
      `reading Secrets Manager Secret Version (${secretId}|AWSCURRENT): couldn't find resource\n\n`,
  );
}

// Pulumi's wire marker of a secret value (sdk/nodejs/runtime/rpc.ts: specialSigKey, specialSecretSig).
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A registered input as sent on the wire: `{ secret: true, value }` when marked secret. */
export function unwrapSecret(input: unknown): { secret: boolean; value: unknown } {
  if (
    typeof input === "object" &&
    input !== null &&
    (input as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
  ) {
    return { secret: true, value: (input as { value: unknown }).value };
  }
  return { secret: false, value: input };
}
