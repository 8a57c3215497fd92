/**
 * `audit` of an account of 250 users against one moto_server: the credential report costs the
 * same few calls as for one user; the fallback asks ListUsers for pages of 1,000 (IAM's most),
 * follows every Marker and reads every user. IAM may return fewer users than MaxItems; the proxy
 * returns at most 100 a page, so 250 users take three pages. (How the audit scales to 1,000
 * users and 10 accounts is measured by `npm run bench`, bench/RESULTS.md, not here: every
 * moto request costs ~5 ms of its CPU.)
 */
import * as assert from "node:assert/strict";
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from "@aws-sdk/client-iam";
import { AuditDocument } from "../../../cli/audit/auditDocument";
import { AwsProxy, pageListUsers } from "../../support/awsProxy";
import { runCli } from "../../support/cli";
import { alignTimes } from "../../support/times";
import { useMoto } from "../../support/moto";

const USERS = 250;
const PAGE = 100;
const name = (i: number) => `user-${String(i).padStart(4, "0")}`;
/** Every 10th user has a key; every 100th lives under /key-rotation/. */
const hasKey = (i: number) => i % 10 === 0;
const pathOf = (i: number) => (i % 100 === 0 ? "/key-rotation/" : "/");

/** What the report cannot say (key ids, where a key was used), blanked for comparison. */
function comparable(doc: AuditDocument): AuditDocument["users"] {
  return doc.users.map((u) => ({
    ...u,
    keys: u.keys.map((k) => ({
      ...k,
      accessKeyId: null,
      lastUsed: { ...k.lastUsed, service: null, region: null },
    })),
  }));
}

describe("iam-key-rotation audit of 250 users (against moto_server)", function () {
  this.timeout(120_000);
  const moto = useMoto({ resetEachTest: false });
  let proxy: AwsProxy;

  before(async function () {
    this.timeout(120_000);
    const iam = new IAMClient(moto.server.clientConfig());
    const batch = 1; // one at a time: moto answers concurrent requests slower, not faster
    for (let from = 0; from < USERS; from += batch) {
      await Promise.all(
        Array.from({ length: Math.min(batch, USERS - from) }, async (_, j) => {
          const i = from + j;
          await iam.send(new CreateUserCommand({ UserName: name(i), Path: pathOf(i) }));
          if (hasKey(i)) await iam.send(new CreateAccessKeyCommand({ UserName: name(i) }));
        }),
      );
    }
    iam.destroy();
  });

  /** MaxItems of each ListUsers the CLI sent. */
  let asked: (string | null)[] = [];
  beforeEach(async () => {
    asked = [];
    proxy = await AwsProxy.start(moto.server.endpoint, {
      transform: (req, body) => {
        if (req.action !== "ListUsers") return body;
        asked.push(req.params.get("MaxItems"));
        req.params.set("MaxItems", String(Math.min(PAGE, Number(req.params.get("MaxItems")))));
        return pageListUsers(req, body);
      },
    });
  });
  afterEach(async () => {
    await proxy.stop();
  });

  const now = new Date();
  let fromReport: AuditDocument;

  it("the credential report: 3 calls the first time, then 2, for 250 users", async () => {
    const at = [
      "--endpoint-url",
      proxy.endpoint,
      "--max-report-age",
      "1000000",
      "--format",
      "json",
    ];
    const first = await runCli(["audit", ...at], { now });
    assert.equal(first.code, 0);
    assert.deepEqual(proxy.counts(), { GenerateCredentialReport: 2, GetCredentialReport: 1 });
    fromReport = JSON.parse(first.stdout) as AuditDocument;
    assert.equal(fromReport.source, "credential-report");
    assert.deepEqual(fromReport.summary, {
      users: 250,
      usersWithoutKeys: 225,
      keys: 25,
      verdicts: {
        ok: 25,
        "rotate-soon": 0,
        "two-active": 0,
        unused: 0,
        "setup-key": 0,
        stale: 0,
        "root-key": 0,
      },
      failing: 0,
    });
    assert.deepEqual(
      fromReport.users.map((u) => u.name),
      Array.from({ length: USERS }, (_, i) => name(i)),
    );
    assert.deepEqual(
      fromReport.users.filter((u) => u.keys.length > 0).map((u) => u.name),
      Array.from({ length: USERS }, (_, i) => i)
        .filter(hasKey)
        .map(name),
    );

    const again = await runCli(["audit", ...at], { now });
    assert.equal(again.stdout, first.stdout);
    assert.deepEqual(proxy.counts(), { GenerateCredentialReport: 3, GetCredentialReport: 2 });
  });

  it("--fresh asks for pages of 1,000, follows every Marker and reads each user: the same keys", async () => {
    const run = await runCli(
      [
        "audit",
        "--endpoint-url",
        proxy.endpoint,
        "--fresh",
        "--format",
        "json",
        "--concurrency",
        "16",
      ],
      { now },
    );
    assert.equal(run.code, 0);
    assert.deepEqual(proxy.counts(), {
      GetAccessKeyLastUsed: 25,
      ListAccessKeys: 250,
      ListUsers: 3,
    });
    assert.deepEqual(asked, ["1000", "1000", "1000"]);
    const fromApi = JSON.parse(run.stdout) as AuditDocument;
    assert.equal(fromApi.source, "api");
    assert.deepEqual(
      alignTimes(comparable(fromApi), comparable(fromReport)),
      comparable(fromReport),
    );
    assert.ok(fromApi.users[0].keys[0].accessKeyId?.startsWith("AKIA"));
  });

  it("--path-prefix: the report is filtered by the path in each ARN, ListUsers by PathPrefix", async () => {
    const expected = Array.from({ length: USERS }, (_, i) => i)
      .filter((i) => pathOf(i) === "/key-rotation/")
      .map(name);
    const at = ["--endpoint-url", proxy.endpoint, "--path-prefix", "/key-rotation/"];
    const report = await runCli(
      ["audit", ...at, "--max-report-age", "1000000", "--format", "json"],
      { now },
    );
    const api = await runCli(["audit", ...at, "--fresh", "--format", "json"], { now });
    const reportDoc = JSON.parse(report.stdout) as AuditDocument;
    assert.deepEqual(
      reportDoc.users.map((u) => u.name),
      expected,
    );
    const fromApi = comparable(JSON.parse(api.stdout) as AuditDocument);
    assert.deepEqual(alignTimes(fromApi, comparable(reportDoc)), comparable(reportDoc));
    assert.deepEqual(proxy.counts(), {
      GenerateCredentialReport: 1,
      GetAccessKeyLastUsed: 3,
      GetCredentialReport: 1,
      ListAccessKeys: 3,
      ListUsers: 1,
    });
  });
});
