/**
 * `iam-key-rotation audit --organization` against moto_server (started here on 127.0.0.1): an
 * organization of `--accounts` accounts (the management account and its members) of `--users`
 * users with one key each, audited on the credential-report path, side by side with the boto3
 * floor of the same work done one account after the other (bench/audit_organization_floor.py:
 * ListAccounts, then per account AssumeRole, GenerateCredentialReport until COMPLETE,
 * GetCredentialReport), each run as a subprocess and timed the same way; and the CLI at
 * --account-concurrency 1 and 10 besides the default 4.
 *
 *   npm run bench:audit:organization -- [--accounts 10] [--users 1000] [--pairs 3] [--bin FILE]
 *
 * moto answers one request at a time, whichever account it is for, so parallel accounts overlap
 * only the client side (signing, parsing, process work). Not a test: nothing is asserted about
 * time; a run that fails its job fails the benchmark.
 */
import { IAMClient } from "@aws-sdk/client-iam";
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { performance } from "node:perf_hooks";
import { MotoServer } from "../test/support/moto";
import {
  apiCalls,
  check,
  cli,
  cliEntryKind,
  createUsers,
  list,
  machine,
  median,
  ms,
  option,
  python,
  Timed,
  summary,
} from "./auditBenchSupport";

const ACCOUNTS = option("--accounts", 10);
const USERS = option("--users", 1000);
const PAIRS = option("--pairs", 3);
const ROLE = "iam-key-rotation-audit";

async function iamIn(server: MotoServer, accountId: string): Promise<IAMClient> {
  const sts = new STSClient(server.clientConfig());
  const c = (
    await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${accountId}:role/${ROLE}`,
        RoleSessionName: "bench-setup",
      }),
    )
  ).Credentials!;
  sts.destroy();
  return new IAMClient({
    ...server.clientConfig(),
    credentials: {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    },
  });
}

async function run(): Promise<void> {
  const started = new Date();
  const header = machine();
  const server = await MotoServer.start({ stock: true });
  try {
    const endpoint = server.endpoint;
    const setupStart = performance.now();
    const org = new OrganizationsClient(server.clientConfig());
    const management = (await org.send(new CreateOrganizationCommand({ FeatureSet: "ALL" })))
      .Organization!.MasterAccountId!;
    const accounts = [management];
    for (let i = 1; i < ACCOUNTS; i++) {
      const created = await org.send(
        new CreateAccountCommand({ AccountName: `member-${i}`, Email: `member-${i}@example.com` }),
      );
      accounts.push(created.CreateAccountStatus!.AccountId!);
    }
    org.destroy();
    for (const account of accounts) {
      const iam = await iamIn(server, account);
      await createUsers(iam, USERS, 0);
      iam.destroy();
    }
    const setupMs = performance.now() - setupStart;

    const audit = (concurrency: number) => async () =>
      check(
        `audit --account-concurrency ${concurrency}`,
        await cli([
          "audit",
          "--endpoint-url",
          endpoint,
          "--organization",
          "--role-name",
          ROLE,
          "--account-concurrency",
          String(concurrency),
          "--max-report-age",
          "1000000",
          "--format",
          "json",
          "--fail-on",
          "never",
        ]),
      );
    const floor = async () =>
      check("boto3 floor", await python("audit_organization_floor.py", [endpoint, ROLE]));

    // Warm-up: every account's report generated once; then a run with the API calls counted.
    await audit(4)();
    const warm = check(
      "audit --api-stats",
      await cli([
        "audit",
        "--endpoint-url",
        endpoint,
        "--organization",
        "--role-name",
        ROLE,
        "--max-report-age",
        "1000000",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--api-stats",
      ]),
    );
    await floor();

    const pairs: { floor: Timed; audit: Timed }[] = [];
    for (let i = 0; i < PAIRS; i++) {
      if (i % 2 === 0) {
        const f = await floor();
        pairs.push({ floor: f, audit: await audit(4)() });
      } else {
        const a = await audit(4)();
        pairs.push({ floor: await floor(), audit: a });
      }
    }
    const one: Timed[] = [];
    const ten: Timed[] = [];
    for (let i = 0; i < PAIRS; i++) {
      one.push(await audit(1)());
      ten.push(await audit(10)());
    }

    const row = (label: string, runs: Timed[], calls: string) =>
      console.log(
        `| ${label} | ${ms(median(runs.map((r) => r.ms)))} | ${list(runs.map((r) => r.ms))} | ${calls} |`,
      );
    const calls = apiCalls(warm);
    console.log(
      `# audit --organization benchmark: ${ACCOUNTS} accounts x ${USERS} users, moto_server on 127.0.0.1`,
    );
    console.log("");
    console.log(`Run ${started.toISOString()}; ${header}.`);
    console.log(`The CLI: ${cliEntryKind()}.`);
    console.log(
      `Setup (organization, accounts, users and keys): ${(setupMs / 1000).toFixed(1)} s.`,
    );
    console.log("");
    console.log("| measure | median | runs (ms) | API calls |");
    console.log("| --- | --- | --- | --- |");
    row(
      "boto3 floor, one account after the other",
      pairs.map((p) => p.floor),
      `${1 + 3 * ACCOUNTS}`,
    );
    row(
      "`audit --organization`, --account-concurrency 4 (default)",
      pairs.map((p) => p.audit),
      calls,
    );
    row("`audit --organization`, --account-concurrency 1", one, "same");
    row("`audit --organization`, --account-concurrency 10", ten, "same");
    console.log("");
    console.log(
      `audit (concurrency 4) / floor, median of ${PAIRS} paired ratios: ` +
        `${median(pairs.map((p) => p.audit.ms / p.floor.ms)).toFixed(2)}x ` +
        `(pairs: ${pairs.map((p) => (p.audit.ms / p.floor.ms).toFixed(2)).join(", ")}).`,
    );
    console.log(
      `Output: ${Math.round(pairs[0].audit.stdoutBytes / 1024)} KiB of JSON for ` +
        `${ACCOUNTS * USERS} users.`,
    );
    console.log("");
    const orgRatio = median(pairs.map((p) => p.audit.ms / p.floor.ms));
    summary(
      `\`audit --organization\`, ${ACCOUNTS} accounts × ${USERS.toLocaleString("en-US")} users, vs the boto3 floor (one account after the other)`,
      `${orgRatio.toFixed(2)}×, ${calls.replace(/^API calls: /, "")} calls`,
      "reported (no target in the issue)",
      true,
    );
  } finally {
    await server.stop();
  }
}

run().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
