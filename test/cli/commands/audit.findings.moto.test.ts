/**
 * `audit`'s credential-report findings against moto_server: the root user's keys (CIS 1.4),
 * setup keys of console users (CIS 1.11), and a report row with an Active key but no creation
 * date (read from the API for that user). moto's report has no root row and always dates its
 * keys, so those rows are written into its answer by a proxy.
 */
import * as assert from "node:assert/strict";
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { parse } from "csv-parse/sync";
import { AuditDocument } from "../../../cli/audit/auditDocument";
import { isoSecond } from "../../../cli/format";
import { AwsProxy, ProxyRequest } from "../../support/awsProxy";
import { runCli } from "../../support/cli";
import { useMoto } from "../../support/moto";

const DAY = 86_400_000;
const USE_REPORT = ["--max-report-age", "1000000"]; // moto stamps its report 2015
const ACCOUNT = "123456789012";

/** A proxy transform that edits the credential report's CSV. */
function editReport(edit: (csv: string) => string) {
  return (req: ProxyRequest, body: string) =>
    req.action === "GetCredentialReport"
      ? body.replace(
          /<Content>([^<]*)</,
          (_, b64: string) =>
            `<Content>${Buffer.from(edit(Buffer.from(b64, "base64").toString("utf8"))).toString("base64")}<`,
        )
      : body;
}

/** Sets `column` of `user`'s row to `value` (the report's rows have no quotes). */
function setCell(csv: string, user: string, column: string, value: string): string {
  const lines = csv.split("\n");
  const at = lines[0].split(",").indexOf(column);
  assert.notEqual(at, -1, column);
  let found = false;
  const edited = lines.map((line) => {
    const cells = line.split(",");
    if (cells[0] !== user) return line;
    found = true;
    cells[at] = value;
    return cells.join(",");
  });
  assert.ok(found, `no row for ${user}`);
  return edited.join("\n");
}

/** Inserts rows right after the header. */
const addRows =
  (...rows: string[]) =>
  (csv: string) => {
    const [header, ...rest] = csv.split("\n");
    return [header, ...rows, ...rest].join("\n");
  };

/** `<root_account>` with an Active key (2020, used yesterday) and an Inactive one (2019, never used). */
function rootRow(now: Date): string {
  const yesterday = new Date(now.getTime() - DAY).toISOString().replace(/\.\d{3}Z$/, "+00:00");
  return (
    `<root_account>,arn:aws:iam::${ACCOUNT}:root,2014-09-01T20:13:35+00:00,not_supported,` +
    `${yesterday},not_supported,not_supported,true,` +
    `true,2020-01-01T00:00:00+00:00,${yesterday},us-east-1,ec2,` +
    `false,2019-05-05T05:05:05+00:00,N/A,N/A,N/A,false,N/A,false,N/A`
  );
}

const ageOn = (now: Date, iso: string) => Math.floor((now.getTime() - Date.parse(iso)) / DAY);

describe("iam-key-rotation audit: findings from the credential report (against moto_server)", function () {
  this.timeout(30_000);
  const moto = useMoto();
  let proxy: AwsProxy | undefined;
  let iam: IAMClient;
  beforeEach(() => {
    iam = new IAMClient(moto.server.clientConfig());
  });
  afterEach(async () => {
    iam.destroy();
    await proxy?.stop();
    proxy = undefined;
  });

  async function user(name: string, opts: { password?: boolean; path?: string } = {}) {
    const created = (await iam.send(new CreateUserCommand({ UserName: name, Path: opts.path })))
      .User!;
    if (opts.password) {
      await iam.send(
        new CreateLoginProfileCommand({ UserName: name, Password: "Correct-Horse-9-Battery" }),
      );
    }
    return created;
  }
  async function key(name: string) {
    return (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  }
  async function use(k: { AccessKeyId?: string; SecretAccessKey?: string }) {
    const sts = new STSClient({
      ...moto.server.clientConfig(),
      credentials: { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! },
    });
    await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
  }

  describe("root access keys (CIS 1.4)", () => {
    let now: Date;
    beforeEach(async () => {
      now = new Date();
      await user("dave");
      await use(await key("dave"));
      proxy = await AwsProxy.start(moto.server.endpoint, {
        transform: editReport(addRows(rootRow(now))),
      });
    });
    const at = () => ["--endpoint-url", proxy!.endpoint, ...USE_REPORT];

    it("JSON: the root user first, each key a root-key finding, Active or not; exit 1", async () => {
      const run = await runCli(["audit", ...at(), "--format", "json"], { now });
      assert.equal(run.stderr, "");
      assert.equal(run.code, 1);
      const doc = JSON.parse(run.stdout) as AuditDocument;
      const yesterday = isoSecond(new Date(now.getTime() - DAY));
      const age = ageOn(now, "2020-01-01T00:00:00Z");
      assert.deepEqual(doc.users[0], {
        name: "<root_account>",
        arn: `arn:aws:iam::${ACCOUNT}:root`,
        path: "/",
        createdAt: "2014-09-01T20:13:35Z",
        root: true,
        keys: [
          {
            accessKeyId: null,
            status: "Inactive",
            createdAt: "2019-05-05T05:05:05Z",
            ageDays: ageOn(now, "2019-05-05T05:05:05Z"),
            lastUsed: { date: null, service: null, region: null },
            verdict: "root-key",
            findings: ["root-key"],
            detail: "root user access key, Inactive (CIS 1.4)",
          },
          {
            accessKeyId: null,
            status: "Active",
            createdAt: "2020-01-01T00:00:00Z",
            ageDays: age,
            lastUsed: { date: yesterday, service: "ec2", region: "us-east-1" },
            verdict: "root-key",
            findings: ["root-key", "stale"],
            detail: `root user access key (CIS 1.4); Active ${age} days, more than 90`,
          },
        ],
      });
      assert.deepEqual(
        doc.users.map((u) => [u.name, u.root ?? false]),
        [
          ["<root_account>", true],
          ["dave", false],
        ],
      );
      assert.equal(doc.summary.verdicts["root-key"], 2);
      assert.equal(doc.summary.failing, 2);
      assert.equal(doc.summary.users, 2);
    });

    it("table and CSV show the root user's rows; --fail-on never exits 0", async () => {
      const table = await runCli(["audit", ...at(), "--fail-on", "never"], { now });
      assert.equal(table.code, 0);
      const lines = table.stdout.split("\n");
      assert.match(lines[2], /^USER +ACCESS KEY +STATUS +AGE +LAST USED +VERDICT +DETAIL$/);
      assert.match(
        lines[3],
        /^<root_account> +- +Inactive +\d+d +never +root-key +root user access key, Inactive \(CIS 1\.4\)$/,
      );
      assert.match(
        lines[4],
        /^<root_account> +- +Active +\d+d +\S+ ec2 us-east-1 +root-key +root user access key \(CIS 1\.4\); Active \d+ days, more than 90$/,
      );
      assert.match(lines[5], /^dave +- +Active +0d +\S+ +ok$/);
      assert.match(table.stdout, /\n3 keys of 2 users: 2 root-key, 1 ok\.\n$/);

      const csv = await runCli(["audit", ...at(), "--format", "csv"], { now });
      const rows = parse<Record<string, string>>(csv.stdout, { columns: true });
      assert.deepEqual(
        rows.map((r) => [r.user, r.user_arn, r.user_path, r.status, r.verdict]),
        [
          ["<root_account>", `arn:aws:iam::${ACCOUNT}:root`, "/", "Inactive", "root-key"],
          ["<root_account>", `arn:aws:iam::${ACCOUNT}:root`, "/", "Active", "root-key"],
          ["dave", `arn:aws:iam::${ACCOUNT}:user/dave`, "/", "Active", "ok"],
        ],
      );
      assert.equal(csv.code, 1);
    });

    it("--fail-on root-key fails on it alone; a --path-prefix other than / leaves it out", async () => {
      const only = await runCli(["audit", ...at(), "--fail-on", "root-key"], { now });
      assert.equal(only.code, 1);
      assert.match(only.stdout, /\n2 keys at or above --fail-on root-key\.\n$/);
      const scoped = await runCli(["audit", ...at(), "--path-prefix", "/key-rotation/"], { now });
      assert.equal(scoped.code, 0);
      assert.doesNotMatch(scoped.stdout, /root/);
    });

    it("an undated Active root key is kept: age ?, its finding says the date is unknown", async () => {
      await proxy!.stop();
      const undated = rootRow(now).replace("true,2020-01-01T00:00:00+00:00", "true,N/A");
      proxy = await AwsProxy.start(moto.server.endpoint, {
        transform: editReport(addRows(undated)),
      });
      const run = await runCli(["audit", ...at(), "--format", "json"], { now });
      assert.equal(run.stderr, "");
      const root = (JSON.parse(run.stdout) as AuditDocument).users[0];
      assert.deepEqual(
        root.keys.map((k) => [k.status, k.createdAt, k.ageDays, k.verdict, k.detail]),
        [
          [
            "Inactive",
            "2019-05-05T05:05:05Z",
            ageOn(now, "2019-05-05T05:05:05Z"),
            "root-key",
            "root user access key, Inactive (CIS 1.4)",
          ],
          [
            "Active",
            null,
            null,
            "root-key",
            "root user access key, creation date unknown (CIS 1.4)",
          ],
        ],
      );
      const table = await runCli(["audit", ...at()], { now });
      assert.match(table.stdout, /\n<root_account> {2}- {11}Active {4}\? {6}/);
    });
  });

  describe("setup keys of console users (CIS 1.11)", () => {
    beforeEach(async () => {
      await user("console-dev", { password: true });
      await key("console-dev"); // made with the user, never used
      await user("console-used", { password: true });
      await use(await key("console-used"));
      await user("machine");
      await key("machine"); // no password: not a console user
    });
    const at = () => ["--endpoint-url", moto.server.endpoint, ...USE_REPORT];

    it("flags the never-used key of a console user made at its setup, and nothing else", async () => {
      const now = new Date();
      const run = await runCli(["audit", ...at(), "--format", "json"], { now });
      assert.equal(run.code, 0); // below the default --fail-on stale
      const doc = JSON.parse(run.stdout) as AuditDocument;
      assert.deepEqual(
        doc.users.map((u) => [u.name, u.keys.map((k) => [k.verdict, k.findings, k.detail])]),
        [
          [
            "console-dev",
            [["setup-key", ["setup-key"], "created at user setup, never used (CIS 1.11)"]],
          ],
          ["console-used", [["ok", [], ""]]],
          ["machine", [["ok", [], ""]]],
        ],
      );
      assert.equal(doc.summary.verdicts["setup-key"], 1);
    });

    it("--fail-on setup-key and --fail-on unused exit 1; the table says why", async () => {
      for (const failOn of ["setup-key", "unused"]) {
        const run = await runCli(["audit", ...at(), "--fail-on", failOn]);
        assert.equal(run.code, 1, failOn);
        assert.match(
          run.stdout,
          /\nconsole-dev +- +Active +0d +never +setup-key +created at user setup, never used \(CIS 1\.11\)\n/,
        );
        assert.match(run.stdout, new RegExp(`\\n1 key at or above --fail-on ${failOn}\\.\\n$`));
      }
      assert.equal((await runCli(["audit", ...at(), "--fail-on", "stale"])).code, 0);
    });

    it("60 days later it is also unused (and still setup-key)", async () => {
      const run = await runCli(["audit", ...at(), "--format", "json"], {
        now: new Date(Date.now() + 60 * DAY),
      });
      const dev = (JSON.parse(run.stdout) as AuditDocument).users[0];
      assert.deepEqual(dev.keys[0].findings, ["setup-key", "unused"]);
    });
  });

  describe("an Active key without a creation date in the report", () => {
    let ids: { alice: string[] };
    beforeEach(async () => {
      await user("alice");
      const first = await key("alice");
      await use(first);
      const second = await key("alice");
      await user("bob");
      await key("bob");
      ids = { alice: [first.AccessKeyId!, second.AccessKeyId!] };
    });

    it("reads that user's keys with the API, says so, and drops no key", async () => {
      proxy = await AwsProxy.start(moto.server.endpoint, {
        transform: editReport((csv) => setCell(csv, "alice", "access_key_2_last_rotated", "N/A")),
      });
      const run = await runCli(
        [
          "audit",
          "--endpoint-url",
          proxy.endpoint,
          ...USE_REPORT,
          "--format",
          "json",
          "--api-stats",
        ],
        { now: new Date() },
      );
      assert.equal(
        run.stderr,
        "note: the credential report shows an Active access key without a creation date for " +
          "alice; reading that user's keys instead.\n" +
          "API calls: 6 (iam:GenerateCredentialReport 2, iam:GetAccessKeyLastUsed 2, " +
          "iam:GetCredentialReport 1, iam:ListAccessKeys 1); HTTP requests: 6.\n",
      );
      const doc = JSON.parse(run.stdout) as AuditDocument;
      assert.equal(doc.source, "credential-report");
      assert.deepEqual(
        doc.users.map((u) => [u.name, u.keys.map((k) => k.accessKeyId)]),
        [
          ["alice", ids.alice],
          ["bob", [null]],
        ],
      );
      assert.equal(doc.users[0].keys[0].lastUsed.service, "sts");
      assert.equal(doc.summary.keys, 3);
      assert.equal(run.code, 0);
    });

    it("several users: names them; a user gone since the report is left out", async () => {
      const ghost =
        `ghost,arn:aws:iam::${ACCOUNT}:user/ghost,2026-01-01T00:00:00+00:00,false,N/A,N/A,N/A,` +
        "false,true,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A";
      proxy = await AwsProxy.start(moto.server.endpoint, {
        transform: editReport((csv) =>
          addRows(ghost)(
            setCell(
              setCell(csv, "alice", "access_key_1_last_rotated", "N/A"),
              "bob",
              "access_key_1_last_rotated",
              "not_supported",
            ),
          ),
        ),
      });
      const run = await runCli([
        "audit",
        "--endpoint-url",
        proxy.endpoint,
        ...USE_REPORT,
        "--format",
        "json",
      ]);
      assert.equal(
        run.stderr,
        "note: the credential report shows an Active access key without a creation date for " +
          "alice, bob and ghost; reading those users' keys instead.\n",
      );
      const doc = JSON.parse(run.stdout) as AuditDocument;
      assert.deepEqual(
        doc.users.map((u) => [u.name, u.keys.length, u.keys.every((k) => k.accessKeyId !== null)]),
        [
          ["alice", 2, true],
          ["bob", 1, true],
        ],
      );
    });
  });
});
