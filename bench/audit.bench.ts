/**
 * `iam-key-rotation audit` of one account against moto_server (started here on 127.0.0.1),
 * side by side with its baselines, each run as a subprocess and timed the same way (spawn to
 * exit):
 * - the boto3 credential-report floor (bench/audit_report_floor.py: the same 2 API calls and
 *   nothing else), in pairs with the CLI's credential-report path, alternating which goes
 *   first; the ratio is the median of the pairs' ratios (target <= 1.5);
 * - the naive per-key loop (bench/audit_naive_loop.py: ListUsers, ListAccessKeys per user,
 *   GetAccessKeyLastUsed per key, in sequence), in pairs with the CLI (target >= 20x slower
 *   than the CLI);
 * - the CLI's own user-by-user path (--fresh), and `iam-key-rotation --help` (what starting
 *   the CLI costs before any audit work), for reference.
 *
 *   npm run bench:audit -- [--users 1000] [--two-keys 68] [--pairs 7] [--naive-pairs 3] [--profile]
 *                          [--bin FILE]
 *
 * The CLI runs the way users run it (`node bin/iam-key-rotation.js`), or as `node FILE`. Not a test: nothing is
 * asserted about time; a run that fails its job (exit code, output) fails the benchmark.
 */
import { IAMClient } from "@aws-sdk/client-iam";
import { performance } from "node:perf_hooks";
import { MotoServer } from "../test/support/moto";
import {
  apiCalls,
  check,
  cli,
  cliEntryKind,
  createUsers,
  flag,
  list,
  machine,
  median,
  ms,
  option,
  profileCli,
  summary,
  python,
  Timed,
} from "./auditBenchSupport";

const USERS = option("--users", 1000);
const TWO_KEYS = option("--two-keys", 68);
const PAIRS = option("--pairs", 7);
const NAIVE_PAIRS = option("--naive-pairs", 3);

async function run(): Promise<void> {
  const started = new Date();
  const header = machine();
  const server = await MotoServer.start({ stock: true });
  try {
    const endpoint = server.endpoint;
    const iam = new IAMClient(server.clientConfig());
    const setupStart = performance.now();
    await createUsers(iam, USERS, Math.min(TWO_KEYS, USERS));
    iam.destroy();
    const setupMs = performance.now() - setupStart;
    const keys = USERS + Math.min(TWO_KEYS, USERS);

    // moto stamps its report 2015: accept it. --fail-on never: exit 0 whatever the verdicts.
    const report = [
      "audit",
      "--endpoint-url",
      endpoint,
      "--max-report-age",
      "1000000",
      "--format",
      "json",
      "--fail-on",
      "never",
    ];
    const audit = async () => check("audit", await cli(report));
    const floor = async () =>
      check("boto3 floor", await python("audit_report_floor.py", [endpoint]));
    const naive = async () => check("naive loop", await python("audit_naive_loop.py", [endpoint]));

    // Warm-up: the report is generated once (later runs find it COMPLETE), caches filled.
    await audit();
    const warm = check("audit --api-stats", await cli([...report, "--api-stats"]));
    await floor();
    const naiveCalls = (await naive()).stdoutHead.trim(); // it prints the calls it made

    const help = async () => check("--help", await cli(["--help"]));
    const pairs: { floor: Timed; audit: Timed; help: Timed }[] = [];
    for (let i = 0; i < PAIRS; i++) {
      if (i % 2 === 0) {
        const f = await floor();
        const a = await audit();
        pairs.push({ floor: f, audit: a, help: await help() });
      } else {
        const h = await help();
        const a = await audit();
        pairs.push({ floor: await floor(), audit: a, help: h });
      }
    }
    const naivePairs: { naive: Timed; audit: Timed }[] = [];
    for (let i = 0; i < NAIVE_PAIRS; i++) {
      if (i % 2 === 0) {
        const a = await audit();
        naivePairs.push({ audit: a, naive: await naive() });
      } else {
        const n = await naive();
        naivePairs.push({ naive: n, audit: await audit() });
      }
    }
    const fresh = check(
      "audit --fresh",
      await cli([
        "audit",
        "--endpoint-url",
        endpoint,
        "--fresh",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--api-stats",
      ]),
    );
    const profile = flag("--profile") ? await profileCli(report) : [];

    const ratio = median(pairs.map((p) => p.audit.ms / p.floor.ms));
    const speedup = median(naivePairs.map((p) => p.naive.ms / p.audit.ms));
    const ownWork = median(pairs.map((p) => (p.audit.ms - p.help.ms) / p.floor.ms));

    console.log(`# audit benchmark: ${USERS} users, ${keys} keys, moto_server on 127.0.0.1`);
    console.log("");
    console.log(`Run ${started.toISOString()}; ${header}.`);
    console.log(`The CLI: ${cliEntryKind()}.`);
    console.log(`Setup (users and keys created): ${(setupMs / 1000).toFixed(1)} s.`);
    console.log("");
    console.log("| measure | median | runs (ms) | API calls |");
    console.log("| --- | --- | --- | --- |");
    console.log(
      `| boto3 credential-report floor | ${ms(median(pairs.map((p) => p.floor.ms)))} | ` +
        `${list(pairs.map((p) => p.floor.ms))} | 2 |`,
    );
    console.log(
      `| \`audit\`, credential report | ${ms(median(pairs.map((p) => p.audit.ms)))} | ` +
        `${list(pairs.map((p) => p.audit.ms))} | ${apiCalls(warm)} |`,
    );
    console.log(
      `| naive per-key loop (boto3) | ${ms(median(naivePairs.map((p) => p.naive.ms)))} | ` +
        `${list(naivePairs.map((p) => p.naive.ms))} | ${naiveCalls} |`,
    );
    console.log(
      `| \`audit\` paired with the naive loop | ${ms(median(naivePairs.map((p) => p.audit.ms)))} | ` +
        `${list(naivePairs.map((p) => p.audit.ms))} | 2 |`,
    );
    console.log(
      `| \`audit --fresh\` (user by user, --concurrency 8), one run | ${ms(fresh.ms)} | ` +
        `${list([fresh.ms])} | ${apiCalls(fresh)} |`,
    );
    console.log(
      `| \`iam-key-rotation --help\` (starting the CLI, no audit) | ` +
        `${ms(median(pairs.map((p) => p.help.ms)))} | ${list(pairs.map((p) => p.help.ms))} | 0 |`,
    );
    console.log("");
    console.log(
      `audit / floor, median of ${PAIRS} paired ratios: ${ratio.toFixed(2)}x ` +
        `(pairs: ${pairs.map((p) => (p.audit.ms / p.floor.ms).toFixed(2)).join(", ")}; target <= 1.5x).`,
    );
    console.log(
      `(audit - --help) / floor, the audit's own work against the floor, median of the same ` +
        `pairs: ${ownWork.toFixed(2)}x.`,
    );
    console.log(
      `naive loop / audit, median of ${NAIVE_PAIRS} paired ratios: ${speedup.toFixed(1)}x ` +
        `(pairs: ${naivePairs.map((p) => (p.naive.ms / p.audit.ms).toFixed(1)).join(", ")}; target >= 20x).`,
    );
    console.log("");
    const entry = /ts-node|TypeScript/.test(cliEntryKind()) ? "TypeScript" : "compiled";
    summary(
      `\`audit\` of ${USERS.toLocaleString("en-US")} users (credential report) vs the boto3 floor`,
      `${ratio.toFixed(2)}× (${entry} CLI)`,
      "≤ 1.5×",
      ratio <= 1.5,
    );
    summary(
      "same, vs the naive per-key loop",
      `${speedup.toFixed(1)}× faster (${naiveCalls} calls against 2)`,
      "≥ 20× faster",
      speedup >= 20,
    );
    if (profile.length > 0) {
      console.log("");
      console.log("CPU profile of one `audit` run (self time by package or file):");
      console.log("");
      for (const line of profile) console.log(`    ${line}`);
    }
  } finally {
    await server.stop();
  }
}

run().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
