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

describe("credential report parser (cli/audit/credentialReport.ts)", () => {
  it("reads users and keys, leaves out the root row, turns N/A into null", () => {
    assert.deepEqual(parseCredentialReport(REPORT), [
      {
        name: "alice",
        arn: "arn:aws:iam::123456789012:user/key-rotation/alice",
        path: "/key-rotation/",
        createdAt: new Date("2026-01-02T03:04:05Z"),
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
        keys: [],
      },
    ]);
  });

  it("reads quoted fields (a real CSV parser, not split(','))", () => {
    const row =
      '"carol","arn:aws:iam::123456789012:user/carol",2026-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,' +
      "true,2026-11-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A";
    const users = parseCredentialReport(`${HEADER}\r\n${row}\r\n`);
    assert.deepEqual(
      users.map((u) => [u.name, u.path, u.keys.length]),
      [["carol", "/", 1]],
    );
  });

  it("an empty account: only the header", () => {
    assert.deepEqual(parseCredentialReport(`${HEADER}\n`), []);
  });

  it("names a missing column", () => {
    const header = HEADER.replace(",access_key_2_last_used_service", "");
    assert.throws(
      () => parseCredentialReport(`${header}\n`),
      new ReportFormatError("missing column access_key_2_last_used_service."),
    );
    assert.equal(REQUIRED_COLUMNS.length, 13);
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

  it("reports CSV that does not parse", () => {
    assert.throws(
      () => parseCredentialReport(`${HEADER}\n"unterminated,`),
      (err: Error) => err instanceof ReportFormatError && /^not valid CSV: /.test(err.message),
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
