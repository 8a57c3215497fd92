/**
 * docs/cli.md cannot drift from the code: the `audit` JSON example and CSV columns are what the
 * command prints, and the permissions policy names the actions the commands call (the moto
 * tests of `audit` and `verify` grant exactly that policy's actions, through requiredActions).
 */
import * as assert from "node:assert/strict";
import { AuditDocument, buildAuditDocument, CSV_COLUMNS } from "../../cli/audit/auditDocument";
import { assessKey } from "../../cli/audit/verdict";
import { jsonBlocks, requiredActions, section } from "../support/readme";

/** The structure of a value: its keys, recursively (arrays by their first element). */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shape(value[0])];
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, shape(v)]),
    );
  }
  return typeof value;
}

describe("docs/cli.md", () => {
  const audit = section("docs/cli.md", "## `audit`: every access key of the account");

  it("the JSON example has the fields audit prints, and verdicts the rules give", () => {
    const [example] = jsonBlocks(audit) as AuditDocument[];
    const real = buildAuditDocument(
      {
        source: "credential-report",
        reportGeneratedAt: new Date("2026-11-22T09:12:40Z"),
        users: [
          {
            name: "u",
            arn: "arn:aws:iam::123456789012:user/u",
            path: "/",
            createdAt: new Date("2026-01-01T00:00:00Z"),
            keys: [
              {
                accessKeyId: null,
                status: "Active",
                createdAt: new Date("2026-08-01T08:00:00Z"),
                lastUsedAt: new Date("2026-11-21T17:30:00Z"),
                lastUsedService: "s3",
                lastUsedRegion: "eu-west-1",
              },
            ],
          },
        ],
      },
      new Date("2026-11-22T10:00:00Z"),
      { maxAgeDays: 90, warnDays: 14, unusedDays: 45 },
      "stale",
      "/",
    );
    assert.deepEqual(shape(example), shape(real));
    const key = example.users[0].keys[0];
    const assessed = assessKey(
      {
        status: key.status,
        createdAt: new Date(key.createdAt),
        lastUsedAt: key.lastUsed.date === null ? null : new Date(key.lastUsed.date),
        activeKeysOfUser: 1,
      },
      new Date(example.generatedAt),
      example.thresholds,
    );
    assert.deepEqual(
      { ageDays: key.ageDays, verdict: key.verdict, findings: key.findings, detail: key.detail },
      assessed,
    );
  });

  it("lists the CSV columns in order", () => {
    const csv = /- `csv`:([\s\S]*?)\n- `json`/.exec(audit)![1];
    const listed = [...csv.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
    assert.deepEqual(listed, [...CSV_COLUMNS]);
  });

  it("the permissions policy names the actions the commands call", () => {
    assert.deepEqual(requiredActions("Audit"), [
      "iam:GenerateCredentialReport",
      "iam:GetCredentialReport",
      "iam:ListUsers",
      "iam:ListAccessKeys",
      "iam:GetAccessKeyLastUsed",
    ]);
    assert.deepEqual(requiredActions("Verify"), [
      "secretsmanager:GetSecretValue",
      "iam:GetAccessKeyLastUsed",
    ]);
  });
});
