import * as assert from "node:assert/strict";
import {
  AccountAudit,
  buildAuditDocument,
  buildOrganizationDocument,
  CSV_COLUMNS,
  renderAuditCsv,
  renderAuditTable,
  StackMarks,
} from "../../../cli/audit/auditDocument";
import type { Inventory, InventoryUser } from "../../../cli/audit/inventory";
import type { KeyManagement } from "../../../cli/audit/managed";

const NOW = new Date("2026-11-22T10:00:00Z");
const T = { maxAgeDays: 90, warnDays: 14, unusedDays: 45 };

function user(name: string, account: string, keyDates: string[]): InventoryUser {
  return {
    name,
    arn: `arn:aws:iam::${account}:user/${name}`,
    path: "/",
    createdAt: new Date("2026-01-01T00:00:00Z"),
    passwordEnabled: false,
    keys: keyDates.map((d) => ({
      accessKeyId: null,
      status: "Active",
      createdAt: new Date(`${d}T08:00:00Z`),
      lastUsedAt: new Date("2026-11-21T00:00:00Z"),
      lastUsedService: null,
      lastUsedRegion: null,
    })),
  };
}

const inventory = (
  source: Inventory["source"],
  generated: string | null,
  users: InventoryUser[],
): Inventory => ({
  source,
  reportGeneratedAt: generated === null ? null : new Date(generated),
  users,
});

describe("the audit document (cli/audit/auditDocument.ts)", () => {
  describe("--organization", () => {
    const accounts: AccountAudit[] = [
      {
        id: "111111111111",
        name: "prod",
        status: "audited",
        reason: null,
        inventory: inventory("credential-report", "2026-11-22T09:00:00Z", [
          user("etl", "111111111111", ["2026-08-01"]),
        ]),
      },
      {
        id: "222222222222",
        name: "dev",
        status: "audited",
        reason: null,
        inventory: inventory("api", null, [
          user("ci", "222222222222", ["2026-11-01"]),
          user("nobody", "222222222222", []),
        ]),
      },
      {
        id: "333333333333",
        name: "sandbox",
        status: "unreachable",
        reason: "AWS denied sts:AssumeRole (AccessDenied).",
        inventory: null,
      },
      {
        id: "444444444444",
        name: "old",
        status: "skipped",
        reason: "the account is SUSPENDED, not ACTIVE",
        inventory: null,
      },
    ];
    const doc = buildOrganizationDocument(accounts, "Audit", NOW, T, "stale", "/");

    it("one document: users by account, summed counts, accounts by status, mixed source", () => {
      assert.deepEqual(
        doc.users.map((u) => [u.account, u.name]),
        [
          ["111111111111", "etl"],
          ["222222222222", "ci"],
          ["222222222222", "nobody"],
        ],
      );
      assert.equal(doc.source, "mixed");
      assert.equal(doc.reportGeneratedAt, "2026-11-22T09:00:00Z");
      assert.deepEqual(doc.summary, {
        users: 3,
        usersWithoutKeys: 1,
        keys: 2,
        verdicts: {
          ok: 1,
          "rotate-soon": 0,
          "two-active": 0,
          unused: 0,
          "setup-key": 0,
          stale: 1,
          "root-key": 0,
        },
        failing: 1,
        accounts: { audited: 2, unreachable: 1, skipped: 1 },
      });
      assert.deepEqual(
        doc.organization!.accounts.map((a) => [a.id, a.status, a.source, a.reportGeneratedAt]),
        [
          ["111111111111", "audited", "credential-report", "2026-11-22T09:00:00Z"],
          ["222222222222", "audited", "api", null],
          ["333333333333", "unreachable", null, null],
          ["444444444444", "skipped", null, null],
        ],
      );
      assert.equal("stack" in doc, false);
    });

    it("the oldest report is the document's; no account audited: mixed, no report", () => {
      const two = buildOrganizationDocument(
        [
          { ...accounts[0] },
          {
            ...accounts[0],
            id: "555555555555",
            inventory: inventory("credential-report", "2026-11-22T07:30:00Z", []),
          },
        ],
        "Audit",
        NOW,
        T,
        "stale",
        "/",
      );
      assert.equal(two.source, "credential-report");
      assert.equal(two.reportGeneratedAt, "2026-11-22T07:30:00Z");
      const none = buildOrganizationDocument(accounts.slice(2), "Audit", NOW, T, "stale", "/");
      assert.equal(none.source, "mixed");
      assert.equal(none.reportGeneratedAt, null);
      assert.deepEqual(none.users, []);
    });

    it("table: an ACCOUNT column, and the accounts not audited with why", () => {
      assert.equal(
        renderAuditTable(doc),
        "Access keys of IAM users under / in 4 accounts of the organization (role Audit) on " +
          "2026-11-22T10:00:00Z, from the credential reports or user by user. Stale after 90 days.\n" +
          "\n" +
          "ACCOUNT       USER  ACCESS KEY  STATUS  AGE   LAST USED   VERDICT  DETAIL\n" +
          "111111111111  etl   -           Active  113d  2026-11-21  stale    Active 113 days, more than 90\n" +
          "222222222222  ci    -           Active  21d   2026-11-21  ok\n" +
          "\n" +
          "2 keys of 3 users: 1 stale, 1 ok. 1 user without keys.\n" +
          "Accounts: 2 audited, 1 unreachable, 1 skipped.\n" +
          "  333333333333 (sandbox) unreachable: AWS denied sts:AssumeRole (AccessDenied).\n" +
          "  444444444444 (old) skipped: the account is SUSPENDED, not ACTIVE\n" +
          "1 key at or above --fail-on stale.\n",
      );
    });

    it("CSV: a field a spreadsheet would run as a formula is quoted, whatever its column", () => {
      const hostile = buildOrganizationDocument(
        [
          {
            ...accounts[0],
            name: "+cmd|' /C calc'!A0",
            inventory: inventory("credential-report", "2026-11-22T09:00:00Z", [
              user('=HYPERLINK("http://x")', "111111111111", ["2026-08-01"]),
            ]),
          },
          { ...accounts[2], reason: "@SUM(1)" },
        ],
        "Audit",
        NOW,
        T,
        "stale",
        "/",
      );
      const rows = renderAuditCsv(hostile).split("\n");
      assert.match(rows[1], /^"'=HYPERLINK\(""http:\/\/x""\)",/);
      assert.match(rows[1], /,111111111111,'\+cmd\|' \/C calc'!A0,audited,$/);
      assert.match(rows[2], /,333333333333,sandbox,unreachable,'@SUM\(1\)$/);
    });

    it("CSV: the account columns last; each account not audited a row of its own", () => {
      const lines = renderAuditCsv(doc).split("\n");
      assert.match(
        lines[0],
        /,verdict,findings,detail,account,account_name,account_status,account_reason$/,
      );
      assert.match(lines[1], /^etl,.*,111111111111,prod,audited,$/);
      const blank = ",".repeat(CSV_COLUMNS.length);
      assert.deepEqual(lines.slice(3), [
        `${blank}333333333333,sandbox,unreachable,AWS denied sts:AssumeRole (AccessDenied).`,
        `${blank}444444444444,old,skipped,"the account is SUSPENDED, not ACTIVE"`,
        "",
      ]);
    });
  });

  describe("--stack", () => {
    const management: KeyManagement[] = [
      { managed: "yes", slot: "blue", adopted: true, reason: "the blue slot's adopted key" },
      { managed: "unknown", slot: null, adopted: false, reason: "dates" },
    ];
    const marks: StackMarks = {
      stack: "iam-key-rotation/prod",
      of: (u) =>
        u.name === "svc"
          ? management
          : u.keys.map(() => ({ managed: "no", slot: null, adopted: false, reason: "not listed" })),
    };
    const doc = buildAuditDocument(
      inventory("credential-report", "2026-11-22T09:00:00Z", [
        user("other", "123456789012", ["2026-11-20"]),
        user("svc", "123456789012", ["2026-11-01", "2026-11-20"]),
      ]),
      NOW,
      T,
      "stale",
      "/",
      marks,
    );

    it("adds stack, summary.managed and each key's management", () => {
      assert.equal(doc.stack, "iam-key-rotation/prod");
      assert.deepEqual(doc.summary.managed, { yes: 1, no: 1, unknown: 1 });
      assert.deepEqual(
        doc.users[1].keys.map((k) => [k.managed, k.slot, k.adopted, k.managedReason]),
        [
          ["yes", "blue", true, "the blue slot's adopted key"],
          ["unknown", null, false, "dates"],
        ],
      );
    });

    it("table: a MANAGED column before DETAIL, and the counts", () => {
      assert.equal(
        renderAuditTable(doc),
        "Access keys of IAM users under / on 2026-11-22T10:00:00Z, from the credential report " +
          "generated 2026-11-22T09:00:00Z. Stale after 90 days. MANAGED: keys of stack " +
          "iam-key-rotation/prod.\n" +
          "\n" +
          "USER   ACCESS KEY  STATUS  AGE  LAST USED   VERDICT     MANAGED              DETAIL\n" +
          "other  -           Active  2d   2026-11-21  ok          no\n" +
          "svc    -           Active  21d  2026-11-21  two-active  yes (blue, adopted)  user has 2 Active keys\n" +
          "svc    -           Active  2d   2026-11-21  two-active  unknown              user has 2 Active keys\n" +
          "\n" +
          "3 keys of 2 users: 2 two-active, 1 ok.\n" +
          "Managed by stack iam-key-rotation/prod: 1 yes, 1 no, 1 unknown.\n",
      );
    });

    it("CSV: managed, managed_slot, adopted, managed_reason appended", () => {
      const lines = renderAuditCsv(doc).split("\n");
      assert.match(lines[0], /,detail,managed,managed_slot,adopted,managed_reason$/);
      assert.match(lines[2], /,yes,blue,true,the blue slot's adopted key$/);
      assert.match(lines[3], /,unknown,,false,dates$/);
    });
  });
});
