/**
 * What the audit benchmarks share: timing a command as a subprocess (the CLI as users run it,
 * `node bin/iam-key-rotation.js`, and the boto3 baselines, timed the same way), medians and
 * paired ratios, creating users in moto_server, and a CPU profile summary of one CLI run.
 * Not a test: nothing here asserts anything about time.
 */
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from "@aws-sdk/client-iam";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";

// The drivers' own SDK clients (setup) run on Node 20 too.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

export const ROOT = path.join(__dirname, "..");
/**
 * The CLI's entry point: the package's bin, or `--bin FILE` (another entry point to compare,
 * e.g. a compiled build before the package's bin points at it).
 */
export const BIN = (() => {
  const i = process.argv.indexOf("--bin");
  return i === -1
    ? path.join(ROOT, "bin", "iam-key-rotation.js")
    : path.resolve(process.argv[i + 1]);
})();

/** The environment every timed command gets: moto's credentials, nothing from the caller. */
export function benchEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: "us-east-1",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
}

export interface Timed {
  ms: number;
  code: number | null;
  stdoutBytes: number;
  /** The first kilobyte of stdout. */
  stdoutHead: string;
  stderr: string;
}

/** Runs a command to completion; wall time from spawn to exit, output drained. */
export function timed(command: string, args: readonly string[], env = benchEnv()): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdoutBytes = 0;
    let stdoutHead = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      if (stdoutBytes < 1024) stdoutHead += d.subarray(0, 1024 - stdoutBytes).toString();
      stdoutBytes += d.length;
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ ms: performance.now() - start, code, stdoutBytes, stdoutHead, stderr }),
    );
  });
}

/** The CLI as users run it: `node bin/iam-key-rotation.js ...`. */
export const cli = (args: readonly string[]) => timed(process.execPath, [BIN, ...args]);
export const python = (script: string, args: readonly string[]) =>
  timed(process.env.MOTO_PYTHON ?? "python3", [path.join(ROOT, "bench", script), ...args]);

/** Fails the benchmark when a command did not do its job (a timing of a failure is no timing). */
export function check(label: string, run: Timed, codes: readonly number[] = [0]): Timed {
  if (run.code === null || !codes.includes(run.code)) {
    throw new Error(`${label} exited ${run.code}: ${run.stderr}`);
  }
  return run;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** "API calls: 2 (iam:GenerateCredentialReport 1, iam:GetCredentialReport 1)" from --api-stats. */
export const apiCalls = (t: Timed) => /API calls: [^;]*/.exec(t.stderr)?.[0] ?? "?";

export const ms = (x: number) => `${Math.round(x).toLocaleString("en-US")} ms`;
export const list = (xs: readonly number[]) => xs.map((x) => Math.round(x)).join(", ");

/** How the CLI runs here: its TypeScript (ts-node, or transpiled on load) or compiled JavaScript. */
export function cliEntryKind(): string {
  const bin = readFileSync(BIN, "utf8");
  const name = `\`node ${path.relative(ROOT, BIN)}\``;
  if (/ts-node/.test(bin)) return `${name}, which runs the TypeScript through ts-node`;
  if (/\.ts["']/.test(bin)) {
    return `${name}, which runs the TypeScript sources, transpiled on load (cached)`;
  }
  return `${name}, compiled JavaScript`;
}

/** One line about the machine, for RESULTS.md. */
export function machine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return (
    `nproc ${availableParallelism()} (${cpu}), Node ${process.version}, ` +
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} at the start`
  );
}

/** Reads a numeric option: `--users 1000`. */
export function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i === -1) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number >= 1`);
  return n;
}

export const flag = (name: string) => process.argv.includes(name);

/**
 * Creates users `prefix-00000`... each with one key, and a second key for the first
 * `twoKeys` of them; 50 requests in flight (moto answers one at a time anyway).
 */
export async function createUsers(
  iam: IAMClient,
  users: number,
  twoKeys: number,
  prefix = "user",
): Promise<void> {
  const batch = 50;
  for (let from = 0; from < users; from += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, users - from) }, async (_, j) => {
        const i = from + j;
        const name = `${prefix}-${String(i).padStart(5, "0")}`;
        await iam.send(new CreateUserCommand({ UserName: name }));
        await iam.send(new CreateAccessKeyCommand({ UserName: name }));
        if (i < twoKeys) await iam.send(new CreateAccessKeyCommand({ UserName: name }));
      }),
    );
  }
}

/**
 * Runs the CLI once under `--cpu-prof` and returns its self time by package (node_modules) or
 * project file, largest first: where a run's CPU goes.
 */
export async function profileCli(args: readonly string[], top = 12): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), "audit-prof-"));
  try {
    check(
      "profiled CLI",
      await timed(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${dir}`, BIN, ...args]),
      [0, 1],
    );
    const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"))!;
    return summarizeProfile(path.join(dir, file), top);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A CPU profile (.cpuprofile JSON) summed by self time per package (node_modules), project
 * file or Node's internals, largest first; `byFunction` splits project files and packages by
 * function (`file:line fn`) to find hot spots.
 */
export function summarizeProfile(file: string, top = 12, byFunction = false): string[] {
  const profile = JSON.parse(readFileSync(file, "utf8")) as {
    nodes: {
      id: number;
      callFrame: { url: string; functionName: string; lineNumber: number };
    }[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const bucket = (frame: { url: string; functionName: string; lineNumber: number }) => {
    const { url, functionName: fn } = frame;
    if (url === "") return fn === "(garbage collector)" ? "(garbage collector)" : "(native, idle)";
    const where = byFunction ? `:${frame.lineNumber + 1} ${fn || "(anonymous)"}` : "";
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)(.*)$/.exec(url);
    if (m) return byFunction ? `${m[1]}${m[2]}${where}` : m[1];
    if (url.startsWith("node:")) return byFunction ? `${url}${where}` : "(node internals)";
    return path.relative(ROOT, url.replace(/^file:\/\//, "")) + where;
  };
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const key = bucket(byId.get(id)!.callFrame);
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  return [
    `total ${ms(total / 1000)} of CPU samples`,
    ...[...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `${((100 * v) / total).toFixed(0).padStart(3)}%  ${ms(v / 1000)}  ${k}`),
  ];
}

/**
 * One row of the table (measure / result / target / met?), printed as
 * `SUMMARY | … |`: `npm run bench` (bench/all.ts) gathers these rows into one table.
 */
export function summary(measure: string, result: string, target: string, met: boolean): void {
  console.log(`SUMMARY | ${measure} | ${result} | ${target} | ${met ? "yes" : "no"} |`);
}
