import * as assert from "node:assert/strict";
import {
  parseCredentialReport,
  ReportFormatError,
  REQUIRED_COLUMNS,
  userPathFromArn,
} from "../../../cli/audit/credentialReport";

const HEADER =
  "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed," +
  "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated," +
  "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service," +
  "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date," +
  "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active," +
  "cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

// Rows as real AWS writes them (values from the IAM User Guide's example and field notes).
const REPORT = [
  HEADER,
  "<root_account>,arn:aws:iam::123456789012:root,2014-09-01T20:13:35+00:00,not_supported,2026-11-01T10:00:00+00:00,not_supported,not_supported,true,true,2020-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
  "alice,arn:aws:iam::123456789012:user/key-rotation/alice,2026-01-02T03:04:05+00:00,false,N/A,N/A,N/A,false,true,2026-10-01T08:00:00+00:00,2026-11-21T17:30:00+00:00,eu-west-1,s3,false,2026-09-01T08:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A",
  "bob,arn:aws:iam::123456789012:user/bob,2025-05-05T05:05:05+00:00,true,no_information,2025-05-05T05:05:05+00:00,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
  "", // trailing newline
].join("\n");

/** A report row: `cells` overrides columns of an IAM user with no keys and no password. */
function row(cells: Record<string, string>): string {
  const base: Record<string, string> = {
    user: "zed",
    arn: "arn:aws:iam::123456789012:user/zed",
    user_creation_time: "2026-01-01T00:00:00+00:00",
    password_enabled: "false",
    password_last_used: "N/A",
    password_last_changed: "N/A",
    password_next_rotation: "N/A",
    mfa_active: "false",
    access_key_1_active: "false",
    access_key_1_last_rotated: "N/A",
    access_key_1_last_used_date: "N/A",
    access_key_1_last_used_region: "N/A",
    access_key_1_last_used_service: "N/A",
    access_key_2_active: "false",
    access_key_2_last_rotated: "N/A",
    access_key_2_last_used_date: "N/A",
    access_key_2_last_used_region: "N/A",
    access_key_2_last_used_service: "N/A",
    cert_1_active: "false",
    cert_1_last_rotated: "N/A",
    cert_2_active: "false",
    cert_2_last_rotated: "N/A",
  };
  const all = { ...base, ...cells };
  return HEADER.split(",")
    .map((c) => all[c])
    .join(",");
}

const ROOT = {
  user: "<root_account>",
  arn: "arn:aws:iam::123456789012:root",
  user_creation_time: "2014-09-01T20:13:35+00:00",
  password_enabled: "not_supported",
};

describe("credential report parser (cli/audit/credentialReport.ts)", () => {
  it("reads users and keys, the root user's apart, turns N/A into null", () => {
    const parsed = parseCredentialReport(REPORT);
    assert.deepEqual(parsed.root, {
      name: "<root_account>",
      arn: "arn:aws:iam::123456789012:root",
      path: "/",
      createdAt: new Date("2014-09-01T20:13:35Z"),
      passwordEnabled: null,
      root: true,
      keys: [
        {
          accessKeyId: null,
          status: "Active",
          createdAt: new Date("2020-01-01T00:00:00Z"),
          lastUsedAt: null,
          lastUsedService: null,
          lastUsedRegion: null,
        },
      ],
    });
    assert.deepEqual(parsed.unreadable, []);
    assert.deepEqual(parsed.users, [
      {
        name: "alice",
        arn: "arn:aws:iam::123456789012:user/key-rotation/alice",
        path: "/key-rotation/",
        createdAt: new Date("2026-01-02T03:04:05Z"),
        passwordEnabled: false,
        keys: [
          {
            accessKeyId: null,
            status: "Active",
            createdAt: new Date("2026-10-01T08:00:00Z"),
            lastUsedAt: new Date("2026-11-21T17:30:00Z"),
            lastUsedService: "s3",
            lastUsedRegion: "eu-west-1",
          },
          {
            accessKeyId: null,
            status: "Inactive",
            createdAt: new Date("2026-09-01T08:00:00Z"),
            lastUsedAt: null,
            lastUsedService: null,
            lastUsedRegion: null,
          },
        ],
      },
      {
        name: "bob",
        arn: "arn:aws:iam::123456789012:user/bob",
        path: "/",
        createdAt: new Date("2025-05-05T05:05:05Z"),
        passwordEnabled: true,
        keys: [],
      },
    ]);
  });

  it("the root user: left out without keys, kept with an Inactive key, undated Active key kept", () => {
    const report = (cells: Record<string, string>) =>
      parseCredentialReport(`${HEADER}\n${row({ ...ROOT, ...cells })}\n`);
    assert.equal(report({}).root, undefined);
    assert.deepEqual(report({}).users, []);
    const inactive = report({
      access_key_2_active: "false",
      access_key_2_last_rotated: "2019-05-05T05:05:05+00:00",
      access_key_2_last_used_date: "2019-06-01T00:00:00+00:00",
      access_key_2_last_used_region: "us-east-1",
      access_key_2_last_used_service: "ec2",
    });
    assert.deepEqual(inactive.root?.keys, [
      {
        accessKeyId: null,
        status: "Inactive",
        createdAt: new Date("2019-05-05T05:05:05Z"),
        lastUsedAt: new Date("2019-06-01T00:00:00Z"),
        lastUsedService: "ec2",
        lastUsedRegion: "us-east-1",
      },
    ]);
    // No API lists the root user's keys: an undated Active key is kept, its date unknown.
    const undated = report({ access_key_1_active: "true" });
    assert.deepEqual(undated.root?.keys, [
      {
        accessKeyId: null,
        status: "Active",
        createdAt: null,
        lastUsedAt: null,
        lastUsedService: null,
        lastUsedRegion: null,
      },
    ]);
    assert.deepEqual(undated.unreadable, []);
  });

  it("an Active key without a creation date makes its user unreadable; its other key is kept", () => {
    const parsed = parseCredentialReport(
      [
        HEADER,
        row({
          user: "ann",
          arn: "arn:aws:iam::123456789012:user/ann",
          access_key_1_active: "true",
        }),
        row({
          user: "ben",
          arn: "arn:aws:iam::123456789012:user/ben",
          access_key_1_active: "false",
          access_key_1_last_rotated: "2026-02-02T00:00:00+00:00",
          access_key_2_active: "true",
          access_key_2_last_rotated: "not_supported",
        }),
        row({ user: "cy", arn: "arn:aws:iam::123456789012:user/cy" }), // no key: fine
        "",
      ].join("\n"),
    );
    assert.deepEqual(parsed.unreadable, ["ann", "ben"]);
    assert.deepEqual(
      parsed.users.map((u) => [u.name, u.keys.map((k) => [k.status, k.createdAt?.toISOString()])]),
      [
        ["ann", []],
        ["ben", [["Inactive", "2026-02-02T00:00:00.000Z"]]],
        ["cy", []],
      ],
    );
  });

  it("password_enabled: true, false, anything else unknown", () => {
    const parsed = parseCredentialReport(
      [
        HEADER,
        row({ user: "a", arn: "arn:aws:iam::123456789012:user/a", password_enabled: "true" }),
        row({ user: "b", arn: "arn:aws:iam::123456789012:user/b", password_enabled: "false" }),
        row({ user: "c", arn: "arn:aws:iam::123456789012:user/c", password_enabled: "N/A" }),
      ].join("\n"),
    );
    assert.deepEqual(
      parsed.users.map((u) => u.passwordEnabled),
      [true, false, null],
    );
  });

  it("reads quoted fields (a real CSV parser, not split(','))", () => {
    const row =
      '"carol","arn:aws:iam::123456789012:user/carol",2026-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,' +
      "true,2026-11-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A";
    const { users } = parseCredentialReport(`${HEADER}\r\n${row}\r\n`);
    assert.deepEqual(
      users.map((u) => [u.name, u.path, u.keys.length]),
      [["carol", "/", 1]],
    );
  });

  it("an empty account: only the header", () => {
    assert.deepEqual(parseCredentialReport(`${HEADER}\n`), {
      users: [],
      root: undefined,
      unreadable: [],
    });
  });

  it("an empty report has no header: every column is missing", () => {
    assert.throws(
      () => parseCredentialReport(""),
      (err: Error) =>
        err instanceof ReportFormatError && /^missing columns user, arn, /.test(err.message),
    );
  });

  it("names a missing column", () => {
    const header = HEADER.replace(",access_key_2_last_used_service", "");
    assert.throws(
      () => parseCredentialReport(`${header}\n`),
      new ReportFormatError("missing column access_key_2_last_used_service."),
    );
    assert.equal(REQUIRED_COLUMNS.length, 14);
  });

  it("names the row and column of a bad value", () => {
    const bad = REPORT.replace("2026-10-01T08:00:00+00:00", "yesterday");
    assert.throws(
      () => parseCredentialReport(bad),
      new ReportFormatError('row 3: access_key_1_last_rotated is not a date (got "yesterday").'),
    );
    const flag = REPORT.replace(
      "false,true,2026-10-01T08:00:00+00:00",
      "false,yes,2026-10-01T08:00:00+00:00",
    );
    assert.throws(
      () => parseCredentialReport(flag),
      new ReportFormatError('row 3: access_key_1_active must be true or false (got "yes").'),
    );
  });

  it("reports CSV that does not parse, and rows of the wrong length", () => {
    assert.throws(
      () => parseCredentialReport(`${HEADER}\n"unterminated,`),
      new ReportFormatError("not valid CSV: line 2: a quoted field is not closed."),
    );
    assert.throws(
      () => parseCredentialReport(`${HEADER}\nbob,arn:aws:iam::123456789012:user/bob\n`),
      new ReportFormatError("row 2 has 2 fields, the header 22."),
    );
  });

  it("finds the IAM path in a user ARN", () => {
    assert.equal(userPathFromArn("arn:aws:iam::123456789012:user/bob"), "/");
    assert.equal(
      userPathFromArn("arn:aws:iam::123456789012:user/division_abc/subdivision_xyz/Bob"),
      "/division_abc/subdivision_xyz/",
    );
    assert.equal(userPathFromArn("arn:aws-cn:iam::123456789012:user/a/b"), "/a/");
    assert.throws(
      () => userPathFromArn("arn:aws:iam::123456789012:role/x"),
      new ReportFormatError('"arn:aws:iam::123456789012:role/x" is not the ARN of an IAM user.'),
    );
  });
});
