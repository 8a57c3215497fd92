/**
 * `audit --organization` against moto_server: an organization of four accounts, each with its
 * own IAM (moto serves an assumed member account its own users: checked first), one report
 * with an account column, unreachable and suspended accounts, the exit code over all.
 */
import * as assert from "node:assert/strict";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  ListUsersCommand,
} from "@aws-sdk/client-iam";
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { parse } from "csv-parse/sync";
import { AuditDocument, CSV_COLUMNS } from "../../../cli/audit/auditDocument";
import { ROLE_SESSION_NAME } from "../../../cli/audit/organization";
import { AwsProxy, queryError } from "../../support/awsProxy";
import { runCli } from "../../support/cli";
import { useMoto } from "../../support/moto";

const USE_REPORT = ["--max-report-age", "1000000"];
const MANAGEMENT = "123456789012";
const ROLE = "SecurityAudit";

describe("iam-key-rotation audit --organization (against moto_server)", function () {
  this.timeout(60_000);
  const moto = useMoto({ resetEachTest: false });
  let proxy: AwsProxy | undefined;
  /** Member accounts by name. */
  const member: Record<"dev" | "prod" | "sandbox", string> = { dev: "", prod: "", sandbox: "" };
  const iamOf: Record<string, IAMClient> = {};

  async function assume(accountId: string) {
    const sts = new STSClient(moto.server.clientConfig());
    const c = (
      await sts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${accountId}:role/${ROLE}`,
          RoleSessionName: "setup",
        }),
      )
    ).Credentials!;
    sts.destroy();
    return {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    };
  }

  before(async () => {
    const org = new OrganizationsClient(moto.server.clientConfig());
    await org.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
    for (const name of ["dev", "prod", "sandbox"] as const) {
      const created = await org.send(
        new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }),
      );
      member[name] = created.CreateAccountStatus!.AccountId!;
    }
    org.destroy();
    for (const id of [member.dev, member.prod, member.sandbox]) {
      iamOf[id] = new IAMClient({ ...moto.server.clientConfig(), credentials: await assume(id) });
    }
    iamOf[MANAGEMENT] = new IAMClient(moto.server.clientConfig());
    const user = async (account: string, name: string, withKey: boolean) => {
      await iamOf[account].send(new CreateUserCommand({ UserName: name }));
      if (withKey) await iamOf[account].send(new CreateAccessKeyCommand({ UserName: name }));
    };
    await user(MANAGEMENT, "admin", true);
    await user(member.dev, "dev-ci", true);
    await user(member.prod, "prod-etl", true);
    await user(member.prod, "prod-console", false);
  });
  after(() => {
    for (const c of Object.values(iamOf)) c.destroy();
  });
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });

  const audit = (endpoint: string, ...args: string[]) =>
    runCli(["audit", "--endpoint-url", endpoint, "--organization", "--role-name", ROLE, ...args]);

  it("moto serves each assumed account its own IAM (a user made in prod is invisible to dev)", async () => {
    const names = async (id: string) =>
      ((await iamOf[id].send(new ListUsersCommand({}))).Users ?? []).map((u) => u.UserName);
    assert.deepEqual(await names(member.dev), ["dev-ci"]);
    assert.deepEqual((await names(member.prod)).sort(), ["prod-console", "prod-etl"]);
    assert.deepEqual(await names(member.sandbox), []);
    assert.deepEqual(await names(MANAGEMENT), ["admin"]);
    const sts = new STSClient({
      ...moto.server.clientConfig(),
      credentials: await assume(member.prod),
    });
    const me = await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
    assert.equal(me.Account, member.prod);
  });

  it("one report over every account: account per user, the accounts listed; exit 0", async () => {
    const run = await audit(moto.server.endpoint, ...USE_REPORT, "--format", "json", "--api-stats");
    assert.equal(run.code, 0);
    const doc = JSON.parse(run.stdout) as AuditDocument;
    const ids = [MANAGEMENT, member.dev, member.prod, member.sandbox].sort();
    const name = (id: string) =>
      id === MANAGEMENT ? "master" : Object.entries(member).find(([, v]) => v === id)![0];
    assert.deepEqual(doc.organization, {
      roleName: ROLE,
      accounts: ids.map((id) => ({
        id,
        name: name(id),
        status: "audited",
        reason: null,
        source: "credential-report",
        reportGeneratedAt: "2015-02-02T20:02:02Z",
      })),
    });
    const expectedUsers = [
      [MANAGEMENT, "admin", 1],
      [member.dev, "dev-ci", 1],
      [member.prod, "prod-console", 0],
      [member.prod, "prod-etl", 1],
    ].sort(([a], [b]) => ids.indexOf(a as string) - ids.indexOf(b as string));
    assert.deepEqual(
      doc.users.map((u) => [u.account, u.name, u.keys.length]),
      expectedUsers,
    );
    for (const u of doc.users) assert.match(u.arn, new RegExp(`^arn:aws:iam::${u.account}:user/`));
    assert.deepEqual(doc.summary.accounts, { audited: 4, unreachable: 0, skipped: 0 });
    assert.equal(doc.summary.users, 4);
    assert.equal(doc.source, "credential-report");
    // Per account: AssumeRole, GenerateCredentialReport until COMPLETE (twice: moto says
    // STARTED first), GetCredentialReport; ListAccounts once.
    assert.equal(
      run.stderr,
      "API calls: 17 (iam:GenerateCredentialReport 8, iam:GetCredentialReport 4, " +
        "organizations:ListAccounts 1, sts:AssumeRole 4); HTTP requests: 17.\n",
    );
  });

  it("an account whose role cannot be assumed is listed with the reason; exit 3 over all", async () => {
    proxy = await AwsProxy.start(moto.server.endpoint, {
      intercept: (req) =>
        req.action === "AssumeRole" && req.params.get("RoleArn")?.includes(member.sandbox)
          ? {
              status: 403,
              body: queryError(
                "AccessDenied",
                `User: arn:aws:iam::${MANAGEMENT}:user/auditor is not authorized to perform: sts:AssumeRole`,
              ),
            }
          : undefined,
    });
    const run = await audit(proxy.endpoint, ...USE_REPORT);
    assert.equal(run.code, 3);
    assert.equal(
      run.stderr,
      `error: 1 of 4 accounts could not be audited (${member.sandbox}); the report lists why.\n`,
    );
    const reason =
      `AWS denied sts:AssumeRole of arn:aws:iam::${member.sandbox}:role/${ROLE} (AccessDenied: ` +
      `User: arn:aws:iam::${MANAGEMENT}:user/auditor is not authorized to perform: ` +
      "sts:AssumeRole): the role does not exist in this account, its trust policy does not " +
      'allow the caller, or the caller may not assume it (docs/cli.md, "Every account of an ' +
      'organization (--organization)").';
    const lines = run.stdout.split("\n");
    assert.match(
      lines[0],
      new RegExp(
        `^Access keys of IAM users under / in 4 accounts of the organization \\(role ${ROLE}\\) on \\S+, from the credential reports\\. Stale after 90 days\\.$`,
      ),
    );
    assert.match(lines[2], /^ACCOUNT +USER +ACCESS KEY +STATUS +AGE +LAST USED +VERDICT +DETAIL$/);
    assert.match(run.stdout, new RegExp(`\\n${member.prod} +prod-etl +- +Active +0d `));
    assert.ok(
      run.stdout.endsWith(
        "\n3 keys of 4 users: 3 ok. 1 user without keys.\n" +
          "Accounts: 3 audited, 1 unreachable.\n" +
          `  ${member.sandbox} (sandbox) unreachable: ${reason}\n`,
      ),
      run.stdout,
    );
    const json = JSON.parse(
      (await audit(proxy.endpoint, ...USE_REPORT, "--format", "json")).stdout,
    ) as AuditDocument;
    assert.deepEqual(
      json.organization!.accounts.find((a) => a.id === member.sandbox),
      {
        id: member.sandbox,
        name: "sandbox",
        status: "unreachable",
        reason,
        source: null,
        reportGeneratedAt: null,
      },
    );
    assert.deepEqual(json.summary.accounts, { audited: 3, unreachable: 1, skipped: 0 });
    // CSV too: the unreachable account is a row of its own, with the reason.
    const csv = await audit(proxy.endpoint, ...USE_REPORT, "--format", "csv");
    assert.equal(csv.code, 3);
    const rows = parse<Record<string, string>>(csv.stdout, { columns: true });
    const empty = Object.fromEntries(CSV_COLUMNS.map((c) => [c, ""]));
    assert.deepEqual(rows.at(-1), {
      ...empty,
      account: member.sandbox,
      account_name: "sandbox",
      account_status: "unreachable",
      account_reason: reason,
    });
    assert.deepEqual(
      rows.slice(0, -1).map((r) => [r.account_status, r.account_reason, r.user]),
      [
        ["audited", "", "admin"],
        ["audited", "", "dev-ci"],
        ["audited", "", "prod-etl"],
      ].sort((a, b) => {
        const at = (u: string) => rows.find((r) => r.user === u)!.account;
        return at(a[2]) < at(b[2]) ? -1 : 1;
      }),
    );
  });

  it("AssumeRole answering without credentials: the account is unreachable, saying so", async () => {
    proxy = await AwsProxy.start(moto.server.endpoint, {
      transform: (req, body) =>
        req.action === "AssumeRole" && body.includes(member.dev)
          ? body.replace(/<Credentials>[\s\S]*<\/Credentials>/, "")
          : body,
    });
    const run = await audit(proxy.endpoint, ...USE_REPORT, "--format", "json");
    assert.equal(run.code, 3);
    const doc = JSON.parse(run.stdout) as AuditDocument;
    assert.equal(
      doc.organization!.accounts.find((a) => a.id === member.dev)!.reason,
      `sts:AssumeRole of arn:aws:iam::${member.dev}:role/${ROLE} returned no credentials.`,
    );
  });

  it("asks for the role's credentials again when they are about to expire", async () => {
    // Every AssumeRole answer expires in a minute: each IAM call of an account needs new ones.
    const soon = new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    proxy = await AwsProxy.start(moto.server.endpoint, {
      transform: (req, body) =>
        req.action === "AssumeRole"
          ? body.replace(/<Expiration>[^<]*<\/Expiration>/, `<Expiration>${soon}</Expiration>`)
          : body,
    });
    const run = await audit(proxy.endpoint, ...USE_REPORT, "--format", "json", "--api-stats");
    assert.equal(run.code, 0);
    assert.deepEqual((JSON.parse(run.stdout) as AuditDocument).summary.accounts, {
      audited: 4,
      unreachable: 0,
      skipped: 0,
    });
    // Per account one AssumeRole first, then at least one before each of its 3 IAM calls (the
    // SDK may ask its provider more than once per request); with hour-long credentials, one
    // per account (the test above: sts:AssumeRole 4).
    const assumed = proxy.calls.get("AssumeRole")!;
    assert.ok(assumed >= 4 * (1 + 3), `AssumeRole ${assumed} times`);
  });

  it("a renewal of the role's credentials that is denied makes that account unreachable", async () => {
    // Credentials expiring in a minute; dev's role may be assumed once, then no more.
    const soon = new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    let devAssumed = 0;
    proxy = await AwsProxy.start(moto.server.endpoint, {
      intercept: (req) =>
        req.action === "AssumeRole" &&
        req.params.get("RoleArn")?.includes(member.dev) &&
        ++devAssumed > 1
          ? {
              status: 403,
              body: queryError("AccessDenied", "not authorized to perform: sts:AssumeRole"),
            }
          : undefined,
      transform: (req, body) =>
        req.action === "AssumeRole"
          ? body.replace(/<Expiration>[^<]*<\/Expiration>/, `<Expiration>${soon}</Expiration>`)
          : body,
    });
    const run = await audit(proxy.endpoint, ...USE_REPORT, "--format", "json");
    assert.equal(run.code, 3);
    const doc = JSON.parse(run.stdout) as AuditDocument;
    assert.deepEqual(
      doc.organization!.accounts.find((a) => a.id === member.dev),
      {
        id: member.dev,
        name: "dev",
        status: "unreachable",
        reason:
          `AWS denied sts:AssumeRole of arn:aws:iam::${member.dev}:role/${ROLE} (AccessDenied: ` +
          "not authorized to perform: sts:AssumeRole): the role does not exist in this account, " +
          "its trust policy does not allow the caller, or the caller may not assume it " +
          '(docs/cli.md, "Every account of an organization (--organization)").',
        source: null,
        reportGeneratedAt: null,
      },
    );
    assert.deepEqual(doc.summary.accounts, { audited: 3, unreachable: 1, skipped: 0 });
  });

  it("an account that is not ACTIVE is skipped, not failed", async () => {
    proxy = await AwsProxy.start(moto.server.endpoint, {
      transform: (req, body) =>
        req.action.endsWith(".ListAccounts")
          ? JSON.stringify({
              ...JSON.parse(body),
              Accounts: (JSON.parse(body) as { Accounts: { Id: string }[] }).Accounts.map((a) =>
                a.Id === member.dev ? { ...a, Status: "SUSPENDED", State: "SUSPENDED" } : a,
              ),
            })
          : body,
    });
    const run = await audit(proxy.endpoint, ...USE_REPORT, "--format", "json");
    assert.equal(run.code, 0);
    const doc = JSON.parse(run.stdout) as AuditDocument;
    assert.deepEqual(
      doc.organization!.accounts.find((a) => a.id === member.dev),
      {
        id: member.dev,
        name: "dev",
        status: "skipped",
        reason: "the account is SUSPENDED, not ACTIVE",
        source: null,
        reportGeneratedAt: null,
      },
    );
    assert.equal(proxy.calls.get("AssumeRole"), 3);
    assert.ok(!doc.users.some((u) => u.account === member.dev));
  });

  it("CSV: the account column appended; the role session is named; same output at any concurrency", async () => {
    proxy = await AwsProxy.start(moto.server.endpoint);
    const one = await audit(
      proxy.endpoint,
      ...USE_REPORT,
      "--format",
      "csv",
      "--account-concurrency",
      "1",
    );
    const four = await audit(
      proxy.endpoint,
      ...USE_REPORT,
      "--format",
      "csv",
      "--account-concurrency",
      "4",
    );
    assert.equal(one.stdout, four.stdout);
    assert.equal(
      one.stdout.split("\n")[0],
      [...CSV_COLUMNS, "account", "account_name", "account_status", "account_reason"].join(","),
    );
    const rows = parse<Record<string, string>>(one.stdout, { columns: true });
    assert.deepEqual(
      rows
        .map((r) => [r.account, r.account_name, r.account_status, r.account_reason, r.user])
        .sort(),
      [
        [MANAGEMENT, "master", "audited", "", "admin"],
        [member.dev, "dev", "audited", "", "dev-ci"],
        [member.prod, "prod", "audited", "", "prod-etl"],
      ].sort(),
    );
    assert.equal(ROLE_SESSION_NAME, "iam-key-rotation-audit");
  });

  it("draws a progress bar over the accounts only when stderr is a terminal", async () => {
    const args = ["audit", "--endpoint-url", moto.server.endpoint, "--organization"];
    const tty = await runCli([...args, "--role-name", ROLE, ...USE_REPORT], { stderrIsTTY: true });
    const frame = (n: number) =>
      `\rauditing accounts [${"#".repeat(Math.floor((n * 30) / 4)).padEnd(30)}] ${n}/4`;
    assert.equal(tty.stderr, [0, 1, 2, 3, 4].map(frame).join("") + "\r\x1b[2K");
    const pipe = await runCli([...args, "--role-name", ROLE, ...USE_REPORT]);
    assert.equal(pipe.stderr, "");
    // A note (here: each account's report is too old) clears the bar's line, then the bar is
    // drawn again: never a note in the middle of the bar.
    const noted = await runCli([...args, "--role-name", ROLE, "--account-concurrency", "1"], {
      stderrIsTTY: true,
    });
    const pieces = noted.stderr.split("\r");
    assert.equal(pieces.filter((p) => p.includes("note: ")).length, 4);
    for (const piece of pieces.filter((p) => p.includes("note: "))) {
      assert.match(piece, /^\x1b\[2Knote: account \d{12}: [^\n]*\n$/);
    }
    assert.ok(noted.stderr.endsWith(`${frame(4)}\r\x1b[2K`), JSON.stringify(noted.stderr));
  });

  it("falls back per account like a single audit, saying which account", async () => {
    const run = await audit(moto.server.endpoint, "--format", "json");
    const notes = run.stderr.split("\n").filter((l) => l !== "");
    assert.equal(notes.length, 4);
    for (const line of notes) {
      assert.match(
        line,
        /^note: account \d{12}: the credential report was generated 2015-02-02T20:02:02Z, \d+ days ago \(more than --max-report-age 4 h\); reading every user's keys instead\.$/,
      );
    }
    const doc = JSON.parse(run.stdout) as AuditDocument;
    assert.equal(doc.source, "api");
    assert.ok(doc.users.every((u) => u.keys.every((k) => k.accessKeyId !== null)));
  });

  describe("arguments", () => {
    const cases: [string[], string][] = [
      [
        ["--organization"],
        "error: --organization needs --role-name: the role to assume in each account, the management account included (e.g. iam-key-rotation-audit; docs/cli.md says what it needs).\n",
      ],
      [
        ["--account-concurrency", "2"],
        "error: --account-concurrency is the number of accounts --organization audits at a time.\n",
      ],
      [
        ["--role-name", ROLE],
        "error: --role-name is the role each account of --organization is audited with.\n",
      ],
      [
        ["--organization", "--role-name", ROLE, "--stack", "prod"],
        "error: --stack marks the keys of one account's stack; it cannot be combined with --organization.\n",
      ],
      [
        ["--organization", "--role-name", "arn:aws:iam::1:role/x"],
        'error: --role-name must be an IAM role name, optionally after its path (got "arn:aws:iam::1:role/x").\n',
      ],
      [
        ["--organization", "--role-name", ROLE, "--account-concurrency", "0"],
        'error: --account-concurrency must be a whole number from 1 to 32 (got "0").\n',
      ],
    ];
    for (const [args, stderr] of cases) {
      it(`${args.join(" ")}: exit 2`, async () => {
        assert.deepEqual(await runCli(["audit", ...args]), { code: 2, stdout: "", stderr });
      });
    }
  });
});

describe("iam-key-rotation audit --organization: the accounts cannot be listed", function () {
  this.timeout(30_000);
  const moto = useMoto();

  it("ListAccounts denied: exit 3 naming organizations:ListAccounts, nothing printed", async () => {
    const proxy = await AwsProxy.start(moto.server.endpoint, {
      intercept: (req) =>
        req.action.endsWith(".ListAccounts")
          ? {
              status: 400,
              body: JSON.stringify({
                __type: "AccessDeniedException",
                Message: "You don't have permissions to access this resource.",
              }),
            }
          : undefined,
    });
    try {
      const run = await runCli([
        "audit",
        "--endpoint-url",
        proxy.endpoint,
        "--organization",
        "--role-name",
        ROLE,
      ]);
      assert.deepEqual(run, {
        code: 3,
        stdout: "",
        stderr:
          "error: AWS denied organizations:ListAccounts (AccessDeniedException: You don't have " +
          "permissions to access this resource.). The credentials in use need the " +
          'organizations:ListAccounts permission (docs/cli.md, "Required IAM permissions").\n',
      });
    } finally {
      await proxy.stop();
    }
  });

  it("no account at all (not an organization): exit 3", async () => {
    const run = await runCli([
      "audit",
      "--endpoint-url",
      moto.server.endpoint,
      "--organization",
      "--role-name",
      ROLE,
    ]);
    assert.deepEqual(run, {
      code: 3,
      stdout: "",
      stderr:
        "error: organizations:ListAccounts returned no account: are these the credentials of " +
        "the organization's management account (or a delegated administrator)?\n",
    });
  });
});
