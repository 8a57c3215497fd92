/**
 * `audit --stack` against moto_server: which keys the stack manages, from the rotation record
 * in the tags of the stack's users (and only theirs), on both paths.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  AccessKey,
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  TagUserCommand,
} from "@aws-sdk/client-iam";
import { parse } from "csv-parse/sync";
import { AwsProxy, ProxyRequest } from "../../support/awsProxy";
import { AuditDocument, CSV_COLUMNS, STACK_CSV_COLUMNS } from "../../../cli/audit/auditDocument";
import { toDay, fromDay } from "../../../lib/days";
import { runCli } from "../../support/cli";
import { useMoto } from "../../support/moto";

const USE_REPORT = ["--max-report-age", "1000000"];
const STACK_ID = "iam-key-rotation/test";
const LISTED = [
  "svc-adopted",
  "svc-future",
  "svc-handmade",
  "svc-managed",
  "svc-new",
  "svc-other",
  "svc-shared",
  "svc-absent", // listed, not in the account: nothing to read
];

type Marks = [user: string, managed: string, slot: string | null, adopted: boolean][];

/** When the keys that existed before adoption were made (moto dates every key today). */
const BEFORE = "2025-03-03T10:00:00";

/**
 * Backdates the first key of svc-adopted and svc-handmade to BEFORE, in the credential report
 * and in ListAccessKeys: the keys an adoption finds are old.
 */
function backdate(oldKeyIds: () => string[]) {
  return (req: ProxyRequest, body: string): string => {
    if (req.action === "GetCredentialReport") {
      return body.replace(/<Content>([^<]*)</, (_, b64: string) => {
        const lines = Buffer.from(b64, "base64").toString("utf8").split("\n");
        const at = lines[0].split(",").indexOf("access_key_1_last_rotated");
        const edited = lines.map((line) => {
          const cells = line.split(",");
          if (cells[0] === "svc-adopted" || cells[0] === "svc-handmade")
            cells[at] = `${BEFORE}+00:00`;
          return cells.join(",");
        });
        return `<Content>${Buffer.from(edited.join("\n")).toString("base64")}<`;
      });
    }
    if (req.action === "ListAccessKeys") {
      return body.replace(/<member>[\s\S]*?<\/member>/g, (member) =>
        oldKeyIds().some((id) => member.includes(`<AccessKeyId>${id}</AccessKeyId>`))
          ? member.replace(/<CreateDate>[^<]*</, `<CreateDate>${BEFORE}Z<`)
          : member,
      );
    }
    return body;
  };
}

describe("iam-key-rotation audit --stack (against moto_server)", function () {
  this.timeout(30_000);
  const moto = useMoto({ resetEachTest: false });
  let proxy: AwsProxy;
  let dir: string;
  const keys: Record<string, AccessKey[]> = {};
  const day = (k: AccessKey) => fromDay(toDay(k.CreateDate!));

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "audit-stack-"));
    writeFileSync(path.join(dir, "Pulumi.yaml"), "name: iam-key-rotation\nruntime: nodejs\n");
    writeFileSync(
      path.join(dir, "Pulumi.test.yaml"),
      "config:\n  aws:region: us-east-1\n  iam-key-rotation:users:\n" +
        LISTED.map((n) => `    - name: ${n}\n`).join(""),
    );
    const iam = new IAMClient(moto.server.clientConfig());
    const tag = (user: string, tags: Record<string, string>) =>
      iam.send(
        new TagUserCommand({
          UserName: user,
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
    for (const user of [...LISTED.filter((n) => n !== "svc-absent"), "outsider"]) {
      await iam.send(new CreateUserCommand({ UserName: user }));
      keys[user] = [];
    }
    const key = async (user: string) => {
      const k = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!;
      keys[user].push(k);
      return k;
    };
    // Issued by the stack into blue.
    const managed = await key("svc-managed");
    await tag("svc-managed", {
      "key-rotation:current": "blue",
      "key-rotation:blue": day(managed),
      "key-rotation:stack": STACK_ID,
    });
    // Adopted into blue (a key that existed before), a new key issued into green.
    const old = await key("svc-adopted");
    const issued = await key("svc-adopted");
    await tag("svc-adopted", {
      "key-rotation:current": "green",
      "key-rotation:blue": day(old),
      "key-rotation:green": day(issued),
      "key-rotation:adopted": `blue:${old.AccessKeyId}`,
      "key-rotation:stack": STACK_ID,
    });
    // The record says blue holds an adopted key that is not there; a hand-made key is.
    await key("svc-handmade");
    const green = await key("svc-handmade");
    await tag("svc-handmade", {
      "key-rotation:current": "green",
      "key-rotation:blue": day(green),
      "key-rotation:green": day(green),
      "key-rotation:adopted": "blue:AKIAGONEGONEGONEGONE",
      "key-rotation:stack": STACK_ID,
    });
    // One slot, two keys made the same day: the dates cannot tell which is the slot's.
    const shared = await key("svc-shared");
    await key("svc-shared");
    await tag("svc-shared", { "key-rotation:current": "blue", "key-rotation:blue": day(shared) });
    // A key older than every slot of its record.
    const early = await key("svc-future");
    await tag("svc-future", {
      "key-rotation:current": "blue",
      "key-rotation:blue": fromDay(toDay(early.CreateDate!) + 30),
    });
    // Another stack's record; no record at all; a user the stack does not list.
    const other = await key("svc-other");
    await tag("svc-other", {
      "key-rotation:current": "blue",
      "key-rotation:blue": day(other),
      "key-rotation:stack": "iam-key-rotation/staging",
    });
    await key("svc-new");
    const outsider = await key("outsider");
    await tag("outsider", {
      "key-rotation:current": "blue",
      "key-rotation:blue": day(outsider),
      "key-rotation:stack": STACK_ID,
    });
    iam.destroy();
    proxy = await AwsProxy.start(moto.server.endpoint, {
      transform: backdate(() =>
        [keys["svc-adopted"][0], keys["svc-handmade"][0]].map((k) => k.AccessKeyId!),
      ),
    });
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await proxy?.stop();
  });

  const audit = (...args: string[]) =>
    runCli(["audit", "--endpoint-url", proxy.endpoint, "--stack", "test", "--dir", dir, ...args]);
  const marks = (doc: AuditDocument): Marks =>
    doc.users.flatMap((u) =>
      u.keys.map((k): Marks[number] => [u.name, k.managed!, k.slot ?? null, k.adopted!]),
    );

  const FROM_REPORT: Marks = [
    ["outsider", "no", null, false],
    ["svc-adopted", "yes", "blue", true],
    ["svc-adopted", "yes", "green", false],
    ["svc-future", "no", null, false],
    // The report names no key: a key older than the adopted slot's date passes for it.
    ["svc-handmade", "yes", "blue", true],
    ["svc-handmade", "yes", "green", false],
    ["svc-managed", "yes", "blue", false],
    ["svc-new", "no", null, false],
    ["svc-other", "no", null, false],
    ["svc-shared", "unknown", null, false],
    ["svc-shared", "unknown", null, false],
  ];

  it("from the credential report: managed by date; one ListUserTags per listed user found", async () => {
    const run = await audit(...USE_REPORT, "--format", "json", "--api-stats");
    assert.equal(
      run.stderr,
      "API calls: 10 (iam:GenerateCredentialReport 2, iam:GetCredentialReport 1, " +
        "iam:ListUserTags 7); HTTP requests: 10.\n",
    );
    assert.equal(run.code, 1); // the two adopted keys are stale: that is why they are adopted
    const doc = JSON.parse(run.stdout) as AuditDocument;
    assert.equal(doc.stack, STACK_ID);
    assert.deepEqual(marks(doc), FROM_REPORT);
    assert.deepEqual(doc.summary.managed, { yes: 5, no: 4, unknown: 2 });
    const reasons = Object.fromEntries(
      doc.users.map((u) => [u.name, u.keys.map((k) => k.managedReason)]),
    );
    assert.deepEqual(reasons, {
      outsider: ["the stack does not list this user"],
      "svc-adopted": [
        "the blue slot's adopted key",
        `the green slot's key, issued ${day(keys["svc-adopted"][1])}`,
      ],
      "svc-future": ["no slot of the rotation record accounts for it (a hand-made key?)"],
      "svc-handmade": [
        "the blue slot's adopted key",
        `the green slot's key, issued ${day(keys["svc-handmade"][1])}`,
      ],
      "svc-managed": [`the blue slot's key, issued ${day(keys["svc-managed"][0])}`],
      "svc-new": ["the user has no rotation record: the stack has not taken it over"],
      "svc-other": ["the rotation record belongs to stack iam-key-rotation/staging"],
      "svc-shared": [
        "the creation dates cannot tell whether the record accounts for it or for another key",
        "the creation dates cannot tell whether the record accounts for it or for another key",
      ],
    });
  });

  it("read user by user: the adopted key by its id, so the hand-made key is not managed", async () => {
    const run = await audit("--fresh", "--format", "json");
    const doc = JSON.parse(run.stdout) as AuditDocument;
    const handmade = keys["svc-handmade"].map((k) => k.AccessKeyId);
    assert.deepEqual(
      marks(doc).filter(([u]) => u !== "svc-handmade"),
      FROM_REPORT.filter(([u]) => u !== "svc-handmade"),
    );
    assert.deepEqual(
      doc.users
        .find((u) => u.name === "svc-handmade")!
        .keys.map((k) => [k.accessKeyId, k.managed, k.slot, k.adopted]),
      [
        [handmade[0], "no", null, false],
        [handmade[1], "yes", "green", false],
      ],
    );
    const adopted = doc.users.find((u) => u.name === "svc-adopted")!.keys;
    assert.equal(adopted[0].accessKeyId, keys["svc-adopted"][0].AccessKeyId);
    assert.equal(adopted[0].adopted, true);
  });

  it("table: a MANAGED column and a summary line; CSV: four columns appended", async () => {
    const table = await audit(...USE_REPORT);
    const lines = table.stdout.split("\n");
    assert.match(lines[0], / MANAGED: keys of stack iam-key-rotation\/test\.$/);
    assert.match(lines[2], /^USER +ACCESS KEY +STATUS +AGE +LAST USED +VERDICT +MANAGED +DETAIL$/);
    const managedColumn = lines.slice(3, 14).map((l) => l.split(/ {2,}/)[6]);
    assert.deepEqual(managedColumn, [
      "no",
      "yes (blue, adopted)",
      "yes (green)",
      "no",
      "yes (blue, adopted)",
      "yes (green)",
      "yes (blue)",
      "no",
      "no",
      "unknown",
      "unknown",
    ]);
    assert.match(
      table.stdout,
      /\nManaged by stack iam-key-rotation\/test: 5 yes, 4 no, 2 unknown\.\n2 keys at or above --fail-on stale\.\n$/,
    );

    const csv = await audit(...USE_REPORT, "--format", "csv");
    assert.equal(csv.stdout.split("\n")[0], [...CSV_COLUMNS, ...STACK_CSV_COLUMNS].join(","));
    const rows = parse<Record<string, string>>(csv.stdout, { columns: true });
    assert.deepEqual(
      rows.map((r) => [r.user, r.managed, r.managed_slot, r.adopted]),
      FROM_REPORT.map(([u, m, s, a]) => [u, m, s ?? "", String(a)]),
    );
    assert.equal(rows[0].managed_reason, "the stack does not list this user");
  });

  it("reads no tags of users outside --path-prefix, and none without --stack", async () => {
    const scoped = await audit(...USE_REPORT, "--path-prefix", "/elsewhere/", "--api-stats");
    assert.doesNotMatch(scoped.stderr, /ListUserTags/);
    const plain = await runCli([
      "audit",
      "--endpoint-url",
      proxy.endpoint,
      ...USE_REPORT,
      "--format",
      "json",
      "--api-stats",
    ]);
    assert.doesNotMatch(plain.stderr, /ListUserTags/);
    const doc = JSON.parse(plain.stdout) as AuditDocument;
    assert.equal("stack" in doc, false);
    assert.equal("managed" in doc.users[0].keys[0], false);
    assert.equal("managed" in doc.summary, false);
  });

  it("a stack file that cannot be read: exit 2 before any AWS call", async () => {
    const run = await runCli([
      "audit",
      "--endpoint-url",
      "http://127.0.0.1:9",
      "--stack",
      "nosuch",
      "--dir",
      dir,
    ]);
    assert.deepEqual(run, {
      code: 2,
      stdout: "",
      stderr: `error: cannot read ${path.join(dir, "Pulumi.nosuch.yaml")}: no such file.\n`,
    });
  });
});
