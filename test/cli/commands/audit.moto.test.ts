import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  GetAccessKeyLastUsedCommand,
  IAMClient,
  ListUsersCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { parse } from "csv-parse/sync";
import { AuditDocument, CSV_COLUMNS } from "../../../cli/audit/auditDocument";
import type { Verdict } from "../../../cli/audit/verdict";
import { isoSecond } from "../../../cli/format";
import { AwsProxy, pageListUsers, queryError } from "../../support/awsProxy";
import { MOTO_ENV, runCli, setMotoAuth } from "../../support/cli";
import { useMoto } from "../../support/moto";
import { requiredActions } from "../../support/readme";
import { alignTimes } from "../../support/times";

const DAY = 86_400_000;
const MOTO_REPORT_TIME = "2015-02-02T20:02:02Z"; // moto stamps every credential report so
const USE_REPORT = ["--max-report-age", "1000000"]; // ... so accept moto's report as fresh

interface Key {
  id: string;
  secret: string;
  created: string;
}

interface Fixture {
  alice: { created: string; used: Key & { lastUsed: string }; unused: Key };
  bob: { created: string; inactive: Key & { lastUsed: string } };
  carol: { created: string };
}

async function createKey(iam: IAMClient, user: string): Promise<Key> {
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!;
  return {
    id: key.AccessKeyId!,
    secret: key.SecretAccessKey!,
    created: isoSecond(key.CreateDate!),
  };
}

async function createUser(iam: IAMClient, name: string, path = "/"): Promise<string> {
  const user = (await iam.send(new CreateUserCommand({ UserName: name, Path: path }))).User!;
  return isoSecond(user.CreateDate!);
}

async function lastUsed(iam: IAMClient, id: string): Promise<string> {
  const used = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: id }));
  return isoSecond(used.AccessKeyLastUsed!.LastUsedDate!);
}

/**
 * alice (/key-rotation/): one Active key used (STS, eu-west-1), one Active key never used;
 * bob (/): one key used (IAM, us-east-1), then made Inactive; carol (/): no keys.
 */
async function createFixture(endpoint: string): Promise<Fixture> {
  const config = { endpoint, region: "us-east-1", credentials: MOTO_CREDS, maxAttempts: 1 };
  const iam = new IAMClient(config);
  const aliceCreated = await createUser(iam, "alice", "/key-rotation/");
  const used = await createKey(iam, "alice");
  const unused = await createKey(iam, "alice");
  const bobCreated = await createUser(iam, "bob");
  const inactive = await createKey(iam, "bob");
  const carolCreated = await createUser(iam, "carol");
  // Sign one request with each key that should be "used".
  const sts = new STSClient({
    ...config,
    region: "eu-west-1",
    credentials: { accessKeyId: used.id, secretAccessKey: used.secret },
  });
  await sts.send(new GetCallerIdentityCommand({}));
  const asBob = new IAMClient({
    ...config,
    credentials: { accessKeyId: inactive.id, secretAccessKey: inactive.secret },
  });
  await asBob.send(new ListUsersCommand({}));
  await iam.send(
    new UpdateAccessKeyCommand({ UserName: "bob", AccessKeyId: inactive.id, Status: "Inactive" }),
  );
  const fixture = {
    alice: {
      created: aliceCreated,
      used: { ...used, lastUsed: await lastUsed(iam, used.id) },
      unused,
    },
    bob: {
      created: bobCreated,
      inactive: { ...inactive, lastUsed: await lastUsed(iam, inactive.id) },
    },
    carol: { created: carolCreated },
  };
  for (const c of [iam, sts, asBob]) c.destroy();
  return fixture;
}

const MOTO_CREDS = { accessKeyId: "testing", secretAccessKey: "testing" };
const ACCOUNT = "123456789012";

type Assessment = Pick<AuditDocument["users"][0]["keys"][0], "verdict" | "findings" | "detail">;

/** alice's two keys at 0, 80 and 100 days. */
const ALICE: Record<0 | 80 | 100, [used: Assessment, unused: Assessment]> = {
  0: [
    { verdict: "two-active", findings: ["two-active"], detail: "user has 2 Active keys" },
    { verdict: "two-active", findings: ["two-active"], detail: "user has 2 Active keys" },
  ],
  80: [
    {
      verdict: "unused",
      findings: ["unused", "two-active", "rotate-soon"],
      detail: "last used 80 days ago; user has 2 Active keys; stale in 11 days",
    },
    {
      verdict: "unused",
      findings: ["unused", "two-active", "rotate-soon"],
      detail: "never used in 80 days; user has 2 Active keys; stale in 11 days",
    },
  ],
  100: [
    {
      verdict: "stale",
      findings: ["stale", "unused", "two-active"],
      detail: "Active 100 days, more than 90; last used 100 days ago; user has 2 Active keys",
    },
    {
      verdict: "stale",
      findings: ["stale", "unused", "two-active"],
      detail: "Active 100 days, more than 90; never used in 100 days; user has 2 Active keys",
    },
  ],
};

/** The users of the fixture as `audit --format json` must show them at `days` days of age. */
function expectedUsers(
  f: Fixture,
  days: 0 | 80 | 100,
  fromReport: boolean,
): AuditDocument["users"] {
  const id = (k: Key) => (fromReport ? null : k.id);
  // moto's report writes not_supported for the service and region of last use.
  const where = (service: string, region: string) =>
    fromReport ? { service: null, region: null } : { service, region };
  return [
    {
      name: "alice",
      arn: `arn:aws:iam::${ACCOUNT}:user/key-rotation/alice`,
      path: "/key-rotation/",
      createdAt: f.alice.created,
      keys: [
        {
          accessKeyId: id(f.alice.used),
          status: "Active",
          createdAt: f.alice.used.created,
          ageDays: days,
          lastUsed: { date: f.alice.used.lastUsed, ...where("sts", "eu-west-1") },
          ...ALICE[days][0],
        },
        {
          accessKeyId: id(f.alice.unused),
          status: "Active",
          createdAt: f.alice.unused.created,
          ageDays: days,
          lastUsed: { date: null, service: null, region: null },
          ...ALICE[days][1],
        },
      ],
    },
    {
      name: "bob",
      arn: `arn:aws:iam::${ACCOUNT}:user/bob`,
      path: "/",
      createdAt: f.bob.created,
      keys: [
        {
          accessKeyId: id(f.bob.inactive),
          status: "Inactive",
          createdAt: f.bob.inactive.created,
          ageDays: days,
          lastUsed: { date: f.bob.inactive.lastUsed, ...where("iam", "us-east-1") },
          verdict: "ok",
          findings: [],
          detail: "inactive",
        },
      ],
    },
    {
      name: "carol",
      arn: `arn:aws:iam::${ACCOUNT}:user/carol`,
      path: "/",
      createdAt: f.carol.created,
      keys: [],
    },
  ];
}

const daysLater = (days: number) => new Date(Date.now() + days * DAY);

/** summary.verdicts: every verdict, 0 unless given. */
const verdicts = (counts: Partial<Record<Verdict, number>>): Record<Verdict, number> => ({
  ok: 0,
  "rotate-soon": 0,
  "two-active": 0,
  unused: 0,
  "setup-key": 0,
  stale: 0,
  "root-key": 0,
  ...counts,
});

describe("iam-key-rotation audit (against moto_server)", function () {
  this.timeout(30_000);
  const moto = useMoto();
  const at = () => ["--endpoint-url", moto.server.endpoint];
  let proxy: AwsProxy | undefined;
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });

  describe("an empty account", () => {
    it("prints no keys in every format and exits 0", async () => {
      const now = new Date("2026-11-22T10:00:00Z");
      const table = await runCli(["audit", ...at(), ...USE_REPORT], { now });
      assert.deepEqual(table, {
        code: 0,
        stdout:
          `Access keys of IAM users under / on 2026-11-22T10:00:00Z, from the credential report ` +
          `generated ${MOTO_REPORT_TIME}. Stale after 90 days.\n\nNo access keys.\n\n0 keys of 0 users.\n`,
        stderr: "",
      });
      const json = await runCli(["audit", ...at(), ...USE_REPORT, "--format", "json"], { now });
      assert.equal(json.code, 0);
      assert.deepEqual(JSON.parse(json.stdout), {
        version: 1,
        generatedAt: "2026-11-22T10:00:00Z",
        source: "credential-report",
        reportGeneratedAt: MOTO_REPORT_TIME,
        pathPrefix: "/",
        thresholds: { maxAgeDays: 90, warnDays: 14, unusedDays: 45 },
        failOn: "stale",
        summary: {
          users: 0,
          usersWithoutKeys: 0,
          keys: 0,
          verdicts: verdicts({}),
          failing: 0,
        },
        users: [],
      });
      const csv = await runCli(["audit", ...at(), "--fresh", "--format", "csv"], { now });
      assert.deepEqual(csv, { code: 0, stdout: `${CSV_COLUMNS.join(",")}\n`, stderr: "" });
    });
  });

  describe("an account of one user with one key", () => {
    it("reads it from the credential report", async () => {
      const iam = new IAMClient(moto.server.clientConfig());
      await createUser(iam, "dave");
      const key = await createKey(iam, "dave");
      const run = await runCli(["audit", ...at(), ...USE_REPORT, "--fresh", "--format", "csv"]);
      assert.equal(run.code, 0);
      assert.deepEqual(parse(run.stdout, { columns: true }), [
        {
          user: "dave",
          user_arn: `arn:aws:iam::${ACCOUNT}:user/dave`,
          user_path: "/",
          access_key_id: key.id,
          status: "Active",
          created: key.created,
          age_days: "0",
          last_used_date: "",
          last_used_service: "",
          last_used_region: "",
          verdict: "ok",
          findings: "",
          detail: "",
        },
      ]);
      iam.destroy();
    });
  });

  describe("keys Active, Inactive, used and never used", () => {
    let f: Fixture;
    beforeEach(async () => {
      f = await createFixture(moto.server.endpoint);
    });

    it("table from the credential report, today: two Active keys, exit 0", async () => {
      const now = new Date();
      const run = await runCli(["audit", ...at(), ...USE_REPORT], { now });
      const used = f.alice.used.lastUsed.slice(0, 10);
      const bobUsed = f.bob.inactive.lastUsed.slice(0, 10);
      assert.equal(run.stderr, "");
      assert.equal(
        run.stdout,
        `Access keys of IAM users under / on ${isoSecond(now)}, from the credential report ` +
          `generated ${MOTO_REPORT_TIME}. Stale after 90 days.\n` +
          "\n" +
          "USER   ACCESS KEY  STATUS    AGE  LAST USED   VERDICT     DETAIL\n" +
          `alice  -           Active    0d   ${used}  two-active  user has 2 Active keys\n` +
          "alice  -           Active    0d   never       two-active  user has 2 Active keys\n" +
          `bob    -           Inactive  0d   ${bobUsed}  ok          inactive\n` +
          "\n" +
          "3 keys of 3 users: 2 two-active, 1 ok. 1 user without keys.\n",
      );
      assert.equal(run.code, 0);
    });

    it("--fail-on two-active exits 1; --fail-on never exits 0 even with stale keys", async () => {
      const twoActive = await runCli(["audit", ...at(), "--fresh", "--fail-on", "two-active"]);
      assert.equal(twoActive.code, 1);
      assert.match(twoActive.stdout, /\n2 keys at or above --fail-on two-active\.\n$/);
      const never = await runCli(["audit", ...at(), "--fresh", "--fail-on", "never"], {
        now: daysLater(100),
      });
      assert.equal(never.code, 0);
      assert.match(never.stdout, /\n3 keys of 3 users: 2 stale, 1 ok\. 1 user without keys\.\n$/);
    });

    it("JSON read user by user, 100 days later: stale keys with every finding, exit 1", async () => {
      const now = daysLater(100);
      const run = await runCli(["audit", ...at(), "--fresh", "--format", "json"], { now });
      assert.equal(run.stderr, "");
      assert.equal(run.code, 1);
      assert.deepEqual(JSON.parse(run.stdout), {
        version: 1,
        generatedAt: isoSecond(now),
        source: "api",
        reportGeneratedAt: null,
        pathPrefix: "/",
        thresholds: { maxAgeDays: 90, warnDays: 14, unusedDays: 45 },
        failOn: "stale",
        summary: {
          users: 3,
          usersWithoutKeys: 1,
          keys: 3,
          verdicts: verdicts({ ok: 1, stale: 2 }),
          failing: 2,
        },
        users: expectedUsers(f, 100, false),
      });
      assert.match(run.stdout, /^\{\n {2}"version": 1,\n/); // pretty-printed
    });

    it("the credential report and the user-by-user path agree (but for what the report lacks)", async () => {
      const now = daysLater(80);
      const report = await runCli(["audit", ...at(), ...USE_REPORT, "--format", "json"], { now });
      const api = await runCli(["audit", ...at(), "--fresh", "--format", "json"], { now });
      const fromReport = JSON.parse(report.stdout) as AuditDocument;
      const fromApi = JSON.parse(api.stdout) as AuditDocument;
      assert.equal(fromReport.source, "credential-report");
      assert.equal(fromApi.source, "api");
      assert.deepEqual(fromApi.users, expectedUsers(f, 80, false));
      // (times from the report are truncated to the second; see test/support/times.ts)
      const expected = expectedUsers(f, 80, true);
      assert.deepEqual(alignTimes(fromReport.users, expected), expected);
      assert.deepEqual(fromReport.summary, fromApi.summary);
      assert.equal(report.code, 0);
      assert.equal(api.code, 0);
    });

    it("CSV parses back with csv-parse, one row per key", async () => {
      const now = daysLater(100);
      const run = await runCli(["audit", ...at(), "--fresh", "--format", "csv"], { now });
      assert.equal(run.code, 1);
      const rows = parse<Record<string, string>>(run.stdout, { columns: true });
      const expected = expectedUsers(f, 100, false).flatMap((u) =>
        u.keys.map((k) => ({
          user: u.name,
          user_arn: u.arn,
          user_path: u.path,
          access_key_id: k.accessKeyId!,
          status: k.status,
          created: k.createdAt,
          age_days: String(k.ageDays),
          last_used_date: k.lastUsed.date ?? "",
          last_used_service: k.lastUsed.service ?? "",
          last_used_region: k.lastUsed.region ?? "",
          verdict: k.verdict,
          findings: k.findings.join(" "),
          detail: k.detail,
        })),
      );
      assert.deepEqual(rows, expected);
      assert.equal(run.stdout.split("\n")[0], CSV_COLUMNS.join(","));
    });

    it("--path-prefix keeps the users under that path, on both paths", async () => {
      for (const source of [USE_REPORT, ["--fresh"]]) {
        const run = await runCli(
          ["audit", ...at(), ...source, "--path-prefix", "/key-rotation/", "--format", "json"],
          { now: daysLater(1) },
        );
        const doc = JSON.parse(run.stdout) as AuditDocument;
        assert.deepEqual(
          doc.users.map((u) => u.name),
          ["alice"],
        );
        assert.equal(doc.pathPrefix, "/key-rotation/");
        const none = await runCli(["audit", ...at(), ...source, "--path-prefix", "/nobody/"]);
        assert.match(none.stdout, /\nNo access keys\.\n\n0 keys of 0 users\.\n$/);
      }
    });

    it("draws a progress bar on stderr only when it is a terminal", async () => {
      const now = new Date();
      const tty = await runCli(["audit", ...at(), "--fresh"], { stderrIsTTY: true, now });
      const frame = (n: number) =>
        `\rreading access keys [${"#".repeat(n * 10)}${" ".repeat(30 - n * 10)}] ${n}/3`;
      assert.equal(tty.stderr, frame(0) + frame(1) + frame(2) + frame(3) + "\r\x1b[2K");
      const pipe = await runCli(["audit", ...at(), "--fresh"], { stderrIsTTY: false, now });
      assert.equal(pipe.stderr, "");
      assert.equal(pipe.stdout, tty.stdout);
    });
  });

  describe("the credential report: missing, not ready, stale, unreadable", () => {
    beforeEach(async () => {
      await createFixture(moto.server.endpoint);
    });

    it("missing: generated first (STARTED, then COMPLETE); then 2 calls for any account", async () => {
      const now = new Date();
      const first = await runCli(["audit", ...at(), ...USE_REPORT, "--api-stats"], { now });
      assert.equal(
        first.stderr,
        "API calls: 3 (iam:GenerateCredentialReport 2, iam:GetCredentialReport 1); HTTP requests: 3.\n",
      );
      const second = await runCli(["audit", ...at(), ...USE_REPORT, "--api-stats"], { now });
      assert.equal(
        second.stderr,
        "API calls: 2 (iam:GenerateCredentialReport 1, iam:GetCredentialReport 1); HTTP requests: 2.\n",
      );
      assert.equal(second.stdout, first.stdout);
    });

    it("not ready within --report-wait: reads user by user", async () => {
      const run = await runCli([
        "audit",
        ...at(),
        ...USE_REPORT,
        "--report-wait",
        "0",
        "--api-stats",
      ]);
      assert.equal(
        run.stderr,
        "note: the credential report was not ready within 0 s (--report-wait); reading every " +
          "user's keys instead.\n" +
          "API calls: 8 (iam:GenerateCredentialReport 1, iam:GetAccessKeyLastUsed 3, " +
          "iam:ListAccessKeys 3, iam:ListUsers 1); HTTP requests: 8.\n",
      );
      assert.match(
        run.stdout,
        / read user by user \(the root user's keys and setup-key are only seen in the credential report\)\. Stale after 90 days\./,
      );
    });

    it("a report not readable yet after COMPLETE (ReportNotPresent) is asked for again", async () => {
      await runCli(["audit", ...at(), ...USE_REPORT]); // moto: the report now exists
      proxy = await AwsProxy.start(moto.server.endpoint, {
        intercept: (req) =>
          req.action === "GetCredentialReport" && req.nth === 1
            ? {
                status: 410,
                body: queryError("ReportNotPresent", "Credential report not present."),
              }
            : undefined,
      });
      const run = await runCli([
        "audit",
        "--endpoint-url",
        proxy.endpoint,
        ...USE_REPORT,
        "--api-stats",
      ]);
      assert.equal(run.code, 0);
      assert.equal(
        run.stderr,
        "API calls: 4 (iam:GenerateCredentialReport 2, iam:GetCredentialReport 2); HTTP requests: 4.\n",
      );
      assert.match(run.stdout, /from the credential report/);
    });

    it("moto's report (stamped 2015) is older than the default 4 h: reads user by user", async () => {
      const now = new Date();
      const run = await runCli(["audit", ...at(), "--format", "json"], { now });
      const days = Math.floor((now.getTime() - Date.parse(MOTO_REPORT_TIME)) / DAY);
      assert.equal(
        run.stderr,
        `note: the credential report was generated ${MOTO_REPORT_TIME}, ${days} days ago (more ` +
          "than --max-report-age 4 h); reading every user's keys instead.\n",
      );
      assert.equal((JSON.parse(run.stdout) as AuditDocument).source, "api");
    });

    it("4 h is the boundary: a report 3 h 59 min old is used, one 4 h 1 min old is not", async () => {
      const now = new Date();
      let generated = "";
      proxy = await AwsProxy.start(moto.server.endpoint, {
        transform: (req, body) =>
          req.action === "GetCredentialReport"
            ? body.replace(/<GeneratedTime>[^<]*</, `<GeneratedTime>${generated}<`)
            : body,
      });
      const endpoint = ["--endpoint-url", proxy.endpoint, "--format", "json"];
      generated = new Date(now.getTime() - (4 * 60 - 1) * 60_000).toISOString();
      const fresh = await runCli(["audit", ...endpoint], { now });
      assert.equal(fresh.stderr, "");
      const freshDoc = JSON.parse(fresh.stdout) as AuditDocument;
      assert.equal(freshDoc.source, "credential-report");
      assert.equal(freshDoc.reportGeneratedAt, isoSecond(new Date(generated)));

      generated = new Date(now.getTime() - (4 * 60 + 1) * 60_000).toISOString();
      const stale = await runCli(["audit", ...endpoint], { now });
      assert.equal(
        stale.stderr,
        `note: the credential report was generated ${isoSecond(new Date(generated))}, 4 h 1 min ` +
          "ago (more than --max-report-age 4 h); reading every user's keys instead.\n",
      );
      assert.equal((JSON.parse(stale.stdout) as AuditDocument).source, "api");
      // --max-report-age 5 accepts it.
      const lenient = await runCli(["audit", ...endpoint, "--max-report-age", "5"], { now });
      assert.equal((JSON.parse(lenient.stdout) as AuditDocument).source, "credential-report");
    });

    it("reads what real AWS writes: service and region of last use, the root row left out", async () => {
      const csv =
        "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed," +
        "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated," +
        "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service," +
        "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date," +
        "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active," +
        "cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n" +
        "<root_account>,arn:aws:iam::123456789012:root,2014-09-01T20:13:35+00:00,not_supported," +
        "2026-11-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false," +
        "N/A,N/A,N/A,N/A,false,N/A,false,N/A\n" +
        "erin,arn:aws:iam::123456789012:user/erin,2026-01-02T03:04:05+00:00,false,N/A,N/A,N/A," +
        "false,true,2026-08-01T08:00:00+00:00,2026-11-21T17:30:00+00:00,eu-west-1,s3,false,N/A," +
        "N/A,N/A,N/A,false,N/A,false,N/A\n";
      proxy = await AwsProxy.start(moto.server.endpoint, {
        transform: (req, body) =>
          req.action === "GetCredentialReport"
            ? body.replace(/<Content>[^<]*</, `<Content>${Buffer.from(csv).toString("base64")}<`)
            : body,
      });
      const now = new Date("2026-11-22T12:00:00Z");
      const run = await runCli(["audit", "--endpoint-url", proxy.endpoint, ...USE_REPORT], { now });
      assert.equal(
        run.stdout,
        "Access keys of IAM users under / on 2026-11-22T12:00:00Z, from the credential report " +
          `generated ${MOTO_REPORT_TIME}. Stale after 90 days.\n` +
          "\n" +
          "USER  ACCESS KEY  STATUS  AGE   LAST USED                VERDICT  DETAIL\n" +
          "erin  -           Active  113d  2026-11-21 s3 eu-west-1  stale    Active 113 days, more than 90\n" +
          "\n" +
          "1 key of 1 user: 1 stale.\n" +
          "1 key at or above --fail-on stale.\n",
      );
      assert.equal(run.code, 1);
    });

    it("a report it cannot read: says why and reads user by user", async () => {
      proxy = await AwsProxy.start(moto.server.endpoint, {
        transform: (req, body) =>
          req.action === "GetCredentialReport"
            ? body.replace(
                /<Content>[^<]*</,
                `<Content>${Buffer.from("user,arn\n").toString("base64")}<`,
              )
            : body,
      });
      const run = await runCli(["audit", "--endpoint-url", proxy.endpoint, ...USE_REPORT]);
      assert.equal(
        run.stderr,
        "note: cannot read the credential report (missing columns user_creation_time, password_enabled, " +
          "access_key_1_active, access_key_1_last_rotated, access_key_1_last_used_date, " +
          "access_key_1_last_used_region, access_key_1_last_used_service, access_key_2_active, " +
          "access_key_2_last_rotated, access_key_2_last_used_date, access_key_2_last_used_region, " +
          "access_key_2_last_used_service.); reading every user's keys instead.\n",
      );
      assert.match(run.stdout, /read user by user/);
      assert.equal(run.code, 0);
    });
  });

  describe("throttling", () => {
    beforeEach(async () => {
      await createFixture(moto.server.endpoint);
    });

    it("retries throttled calls (adaptive mode) and reports the same keys", async () => {
      proxy = await AwsProxy.start(moto.server.endpoint, {
        intercept: (req) =>
          req.action === "ListAccessKeys" && req.nth === 1
            ? { status: 400, body: queryError("Throttling", "Rate exceeded") }
            : undefined,
      });
      const now = daysLater(100);
      const direct = await runCli(["audit", ...at(), "--fresh", "--format", "json"], { now });
      const throttled = await runCli(
        ["audit", "--endpoint-url", proxy.endpoint, "--fresh", "--format", "json", "--api-stats"],
        { now },
      );
      assert.equal(throttled.stdout, direct.stdout);
      assert.equal(throttled.code, 1);
      assert.equal(
        throttled.stderr,
        "API calls: 7 (iam:GetAccessKeyLastUsed 3, iam:ListAccessKeys 3, iam:ListUsers 1); " +
          "HTTP requests: 8.\n",
      );
      assert.deepEqual(proxy.counts(), {
        GetAccessKeyLastUsed: 3,
        ListAccessKeys: 4,
        ListUsers: 1,
      });
    });

    it("gives up after AWS_MAX_ATTEMPTS with exit 3", async () => {
      proxy = await AwsProxy.start(moto.server.endpoint, {
        intercept: () => ({ status: 400, body: queryError("Throttling", "Rate exceeded") }),
      });
      const run = await runCli(["audit", "--endpoint-url", proxy.endpoint, "--fresh"], {
        env: { ...MOTO_ENV, AWS_MAX_ATTEMPTS: "2" },
      });
      assert.deepEqual(run, {
        code: 3,
        stdout: "",
        stderr: "error: iam:ListUsers failed: Throttling: Rate exceeded.\n",
      });
      assert.deepEqual(proxy.counts(), { ListUsers: 2 });
    });
  });

  describe("pagination of ListUsers (IAM pages; moto does not)", () => {
    it("follows every Marker", async () => {
      const iam = new IAMClient(moto.server.clientConfig());
      for (let i = 0; i < 5; i++) await createUser(iam, `user-${i}`);
      iam.destroy();
      proxy = await AwsProxy.start(moto.server.endpoint, {
        transform: (req, body) => {
          // Pages of 2, whatever MaxItems asks: IAM may return fewer than MaxItems.
          req.params.set("MaxItems", "2");
          return pageListUsers(req, body);
        },
      });
      const run = await runCli([
        "audit",
        "--endpoint-url",
        proxy.endpoint,
        "--fresh",
        "--format",
        "json",
      ]);
      const doc = JSON.parse(run.stdout) as AuditDocument;
      assert.deepEqual(
        doc.users.map((u) => u.name),
        ["user-0", "user-1", "user-2", "user-3", "user-4"],
      );
      assert.equal(proxy.calls.get("ListUsers"), 3);
    });
  });

  describe("arguments", () => {
    const cases: [string[], string][] = [
      [
        ["--format", "xml"],
        "error: option '--format <format>' argument 'xml' is invalid. Allowed choices are table, json, csv.\n(run with --help for usage)\n",
      ],
      [
        ["--fail-on", "ok"],
        "error: option '--fail-on <verdict>' argument 'ok' is invalid. Allowed choices are rotate-soon, two-active, unused, setup-key, stale, root-key, never.\n(run with --help for usage)\n",
      ],
      [
        ["--max-age-days", "ninety"],
        'error: --max-age-days must be a whole number from 1 to 3650 (got "ninety").\n',
      ],
      [
        ["--max-age-days", "10"],
        "error: --warn-days must be a whole number from 0 to --max-age-days (10) (got 14).\n",
      ],
      [
        ["--path-prefix", "key-rotation/"],
        'error: --path-prefix must be an IAM path prefix: "/" followed by up to 511 printable ASCII characters, e.g. /key-rotation/ (got "key-rotation/").\n',
      ],
      [
        ["--endpoint-url", "localhost:5000"],
        'error: --endpoint-url must be an http(s) URL (got "localhost:5000").\n',
      ],
      [
        ["--concurrency", "0"],
        'error: --concurrency must be a whole number from 1 to 64 (got "0").\n',
      ],
    ];
    for (const [args, stderr] of cases) {
      it(`${args.join(" ")}: exit 2`, async () => {
        const run = await runCli(["audit", ...args]);
        assert.deepEqual(run, { code: 2, stdout: "", stderr });
      });
    }

    it("--max-age-days 30 passes with --warn-days 7", async () => {
      const run = await runCli(["audit", ...at(), "--max-age-days", "30", "--warn-days", "7"]);
      assert.equal(run.code, 0);
      assert.match(run.stdout, /Stale after 30 days\./);
    });

    it("--help shows the verdicts, exit codes and examples", async () => {
      const run = await runCli(["audit", "--help"]);
      assert.equal(run.code, 0);
      for (const text of [
        "Usage: iam-key-rotation audit [options]",
        "  stale        Active and more than --max-age-days old\n",
        "  1  at least one key at or above --fail-on\n",
        "  3  AWS error (access denied names the missing permission, e.g. iam:GenerateCredentialReport)\n",
        "  iam-key-rotation audit --path-prefix /key-rotation/ --fail-on unused\n",
        "--endpoint-url <url>",
        "--profile <name>",
        "--region <region>",
      ]) {
        assert.ok(
          run.stdout.includes(text),
          `--help lacks ${JSON.stringify(text)}:\n${run.stdout}`,
        );
      }
    });
  });
});

describe("iam-key-rotation audit: AWS unreachable or no credentials", () => {
  it("an endpoint nobody listens on: exit 3, names the call", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const run = await runCli(["audit", "--endpoint-url", `http://127.0.0.1:${port}`], {
      env: { ...MOTO_ENV, AWS_MAX_ATTEMPTS: "1" },
    });
    assert.deepEqual(run, {
      code: 3,
      stdout: "",
      stderr:
        "error: cannot reach AWS for iam:GenerateCredentialReport: ECONNREFUSED " +
        `(connect ECONNREFUSED 127.0.0.1:${port}).\n`,
    });
  });

  it("no credentials anywhere: exit 3, says where they may come from", async () => {
    const saved = { ...process.env };
    process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/credentials";
    process.env.AWS_CONFIG_FILE = "/nonexistent/config";
    try {
      const run = await runCli(["audit", "--endpoint-url", "http://127.0.0.1:9"], {
        env: { AWS_REGION: "us-east-1" },
      });
      assert.deepEqual(run, {
        code: 3,
        stdout: "",
        stderr:
          "error: no AWS credentials found (Could not load credentials from any providers). " +
          "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, set AWS_PROFILE, or pass --profile.\n",
      });
    } finally {
      for (const k of ["AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"]) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });
});

describe("iam-key-rotation audit with moto's request authentication on", function () {
  this.timeout(30_000);
  const moto = useMoto();
  afterEach(async () => {
    await setMotoAuth(moto.server.endpoint, Infinity);
  });

  /** A user allowed exactly `actions`, and an environment signed with its key. */
  async function auditor(actions: string[]): Promise<NodeJS.ProcessEnv> {
    const iam = new IAMClient(moto.server.clientConfig());
    await createFixture(moto.server.endpoint);
    await createUser(iam, "auditor");
    await iam.send(
      new PutUserPolicyCommand({
        UserName: "auditor",
        PolicyName: "audit",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }],
        }),
      }),
    );
    const key = await createKey(iam, "auditor");
    iam.destroy();
    await setMotoAuth(moto.server.endpoint, 0);
    return {
      AWS_ACCESS_KEY_ID: key.id,
      AWS_SECRET_ACCESS_KEY: key.secret,
      AWS_REGION: "us-east-1",
    };
  }

  /** The permissions docs/cli.md lists for `audit`. */
  const AUDIT_ACTIONS = requiredActions("Audit");

  it("the permissions docs/cli.md lists are enough for both paths", async () => {
    const env = await auditor(AUDIT_ACTIONS);
    const at = ["--endpoint-url", moto.server.endpoint, "--format", "json"];
    const report = await runCli(["audit", ...at, ...USE_REPORT], { env });
    const api = await runCli(["audit", ...at, "--fresh"], { env });
    assert.equal(report.stderr, "");
    assert.equal(api.stderr, "");
    assert.deepEqual(
      (JSON.parse(report.stdout) as AuditDocument).users.map((u) => u.name),
      ["alice", "auditor", "bob", "carol"],
    );
    assert.deepEqual(
      (JSON.parse(api.stdout) as AuditDocument).users.map((u) => u.name),
      ["alice", "auditor", "bob", "carol"],
    );
  });

  it("they are enough for --stack; without iam:ListUserTags, --stack names it, exit 3", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "audit-auth-"));
    try {
      writeFileSync(path.join(dir, "Pulumi.yaml"), "name: iam-key-rotation\nruntime: nodejs\n");
      writeFileSync(
        path.join(dir, "Pulumi.test.yaml"),
        "config:\n  iam-key-rotation:users:\n    - name: alice\n",
      );
      const args = ["audit", "--endpoint-url", moto.server.endpoint, "--stack", "test"];
      const env = await auditor(AUDIT_ACTIONS);
      const run = await runCli([...args, "--dir", dir, ...USE_REPORT, "--format", "json"], { env });
      assert.equal(run.stderr, "");
      const doc = JSON.parse(run.stdout) as AuditDocument;
      assert.deepEqual(
        doc.users.flatMap((u) => u.keys.map((k) => [u.name, k.managed])),
        [
          ["alice", "no"],
          ["alice", "no"],
          ["auditor", "no"],
          ["bob", "no"],
        ],
      );
      await setMotoAuth(moto.server.endpoint, Infinity);
      await moto.server.reset();
      const without = await auditor(AUDIT_ACTIONS.filter((a) => a !== "iam:ListUserTags"));
      const denied = await runCli([...args, "--dir", dir, ...USE_REPORT], { env: without });
      assert.equal(denied.code, 3);
      assert.match(denied.stderr, /^error: AWS denied iam:ListUserTags \(AccessDenied: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const denied = (action: string) =>
    `error: AWS denied ${action} (AccessDenied: User: arn:aws:iam::${ACCOUNT}:user/auditor is not ` +
    `authorized to perform: ${action}). The credentials in use need the ${action} permission ` +
    `(docs/cli.md, "Required IAM permissions").\n`;

  it("AccessDenied on the report names iam:GenerateCredentialReport, exit 3", async () => {
    const env = await auditor(AUDIT_ACTIONS.filter((a) => a !== "iam:GenerateCredentialReport"));
    const run = await runCli(["audit", "--endpoint-url", moto.server.endpoint], { env });
    assert.deepEqual(run, { code: 3, stdout: "", stderr: denied("iam:GenerateCredentialReport") });
  });

  it("AccessDenied on the user-by-user path names the action, exit 3", async () => {
    const env = await auditor(AUDIT_ACTIONS.filter((a) => a !== "iam:GetAccessKeyLastUsed"));
    const run = await runCli(["audit", "--endpoint-url", moto.server.endpoint, "--fresh"], { env });
    assert.deepEqual(run, { code: 3, stdout: "", stderr: denied("iam:GetAccessKeyLastUsed") });
  });

  it("credentials AWS does not know: exit 3", async () => {
    await auditor(AUDIT_ACTIONS);
    const run = await runCli(["audit", "--endpoint-url", moto.server.endpoint]);
    assert.deepEqual(run, {
      code: 3,
      stdout: "",
      stderr:
        "error: AWS rejected the credentials in use on iam:GenerateCredentialReport " +
        "(InvalidClientTokenId: The security token included in the request is invalid.).\n",
    });
  });
});
