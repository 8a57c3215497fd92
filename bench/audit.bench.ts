/**
 * Benchmark of `iam-key-rotation audit` against moto_server: wall time and AWS API calls of
 * the credential-report path and of the user-by-user fallback, for an account of N users
 * with one key each (every other key used once).
 *
 *   node -r ts-node/register/transpile-only bench/audit.bench.ts [--users 1500] [--runs 3]
 *
 * Not a test: it asserts nothing about time. Calls are counted by the CLI itself
 * (--api-stats). moto answers every request on one Python thread (~3 ms each), so the
 * fallback's wall time here is moto's, not AWS's; the call counts are what carry over.
 */
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { performance } from "node:perf_hooks";
import { main } from "../cli/main";
import { MotoServer } from "../test/support/moto";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
process.env.AWS_EC2_METADATA_DISABLED = "true";

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

const USERS = option("--users", 1500);
const RUNS = option("--runs", 3);

async function audit(
  endpoint: string,
  args: string[],
): Promise<{ ms: number; code: number; calls: string }> {
  let stderr = "";
  const start = performance.now();
  const code = await main(
    ["audit", "--endpoint-url", endpoint, "--format", "json", "--api-stats", ...args],
    {
      stdout: () => undefined,
      stderr: (t) => (stderr += t),
      cwd: process.cwd(),
      env: {
        AWS_ACCESS_KEY_ID: "testing",
        AWS_SECRET_ACCESS_KEY: "testing",
        AWS_REGION: "us-east-1",
      },
      stderrIsTTY: false,
      now: () => new Date(),
    },
  );
  const ms = performance.now() - start;
  const calls = /API calls: .*/.exec(stderr)?.[0] ?? stderr.trim();
  return { ms, code, calls };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function run(): Promise<void> {
  const server = await MotoServer.start();
  try {
    const config = server.clientConfig();
    const iam = new IAMClient(config);
    const setupStart = performance.now();
    const batch = 50;
    for (let from = 0; from < USERS; from += batch) {
      await Promise.all(
        Array.from({ length: Math.min(batch, USERS - from) }, async (_, j) => {
          const i = from + j;
          const name = `user-${String(i).padStart(5, "0")}`;
          await iam.send(new CreateUserCommand({ UserName: name }));
          const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
          if (i % 2 === 0) {
            const sts = new STSClient({
              ...config,
              credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! },
            });
            await sts.send(new GetCallerIdentityCommand({}));
            sts.destroy();
          }
        }),
      );
    }
    iam.destroy();
    const setupMs = performance.now() - setupStart;

    const rows: string[] = [];
    const measure = async (label: string, args: string[], runs: number) => {
      const results = [];
      for (let r = 0; r < runs; r++) results.push(await audit(server.endpoint, args));
      const codes = new Set(results.map((x) => x.code));
      rows.push(
        `| ${label} | ${median(results.map((x) => x.ms)).toFixed(0)} ms | ` +
          `${results.map((x) => x.ms.toFixed(0)).join(", ")} | ${results[0].calls} | ${[...codes].join(",")} |`,
      );
    };
    const report = ["--max-report-age", "1000000"]; // moto stamps its report 2015-02-02
    // First call: no report exists yet (GenerateCredentialReport answers STARTED once).
    await measure("credential report, first run (report generated)", report, 1);
    await measure("credential report, report exists", report, RUNS);
    await measure("fallback (--fresh), --concurrency 1", ["--fresh", "--concurrency", "1"], 1);
    await measure("fallback (--fresh), --concurrency 8 (default)", ["--fresh"], RUNS);
    await measure("fallback (--fresh), --concurrency 32", ["--fresh", "--concurrency", "32"], RUNS);

    console.log(
      `# audit benchmark: ${USERS} users, one key each, moto_server, Node ${process.version}`,
    );
    console.log(
      `setup (create ${USERS} users + keys, sign with half of them): ${(setupMs / 1000).toFixed(1)} s\n`,
    );
    console.log("| path | median wall time | runs | API calls (--api-stats) | exit |");
    console.log("| --- | --- | --- | --- | --- |");
    for (const row of rows) console.log(row);
  } finally {
    await server.stop();
  }
}

run().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
