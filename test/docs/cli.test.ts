/**
 * docs/cli.md cannot drift from the code: the `audit` JSON example and CSV columns are what the
 * command prints, and the permissions policy names the actions the commands call (the moto
 * tests of `audit` and `verify` grant exactly that policy's actions, through requiredActions).
 */
import * as assert from "node:assert/strict";
import {
  AuditDocument,
  buildAuditDocument,
  buildOrganizationDocument,
  CSV_COLUMNS,
  ORGANIZATION_CSV_COLUMNS,
  STACK_CSV_COLUMNS,
} from "../../cli/audit/auditDocument";
import type { Inventory } from "../../cli/audit/inventory";
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

  const inventory: Inventory = {
    source: "credential-report",
    reportGeneratedAt: new Date("2026-11-22T09:12:40Z"),
    users: [
      {
        name: "u",
        arn: "arn:aws:iam::123456789012:user/u",
        path: "/",
        createdAt: new Date("2026-01-01T00:00:00Z"),
        passwordEnabled: false,
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
  };
  const now = new Date("2026-11-22T10:00:00Z");
  const thresholds = { maxAgeDays: 90, warnDays: 14, unusedDays: 45 };
  const examples = jsonBlocks(audit) as Record<string, unknown>[];

  it("the JSON example has the fields audit prints, and verdicts the rules give", () => {
    const example = examples.find((e) => "version" in e) as unknown as AuditDocument;
    const real = buildAuditDocument(inventory, now, thresholds, "stale", "/");
    assert.deepEqual(shape(example), shape(real));
    const key = example.users[0].keys[0];
    const assessed = assessKey(
      {
        status: key.status,
        createdAt: new Date(key.createdAt!),
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

  it("the --stack example has the fields --stack adds to a key", () => {
    const real = buildAuditDocument(inventory, now, thresholds, "stale", "/", {
      stack: "iam-key-rotation/prod",
      of: () => [
        { managed: "yes", slot: "blue", adopted: true, reason: "the blue slot's adopted key" },
      ],
    });
    const plain = buildAuditDocument(inventory, now, thresholds, "stale", "/");
    const added = Object.fromEntries(
      Object.entries(real.users[0].keys[0]).filter(([k]) => !(k in plain.users[0].keys[0])),
    );
    const example = examples.find((e) => "managed" in e);
    assert.deepEqual(example, added);
    assert.deepEqual(
      Object.keys(real).filter((k) => !(k in plain)),
      ["stack"],
    );
  });

  it("the --organization example has the shape of `organization`", () => {
    const real = buildOrganizationDocument(
      [
        { id: "111111111111", name: "prod", status: "audited", reason: null, inventory },
        {
          id: "222222222222",
          name: "sandbox",
          status: "unreachable",
          reason: "x",
          inventory: null,
        },
      ],
      "OrganizationAccountAccessRole",
      now,
      thresholds,
      "stale",
      "/",
    );
    const example = examples.find((e) => "roleName" in e);
    assert.deepEqual(shape(example), shape(real.organization));
    assert.equal(real.users[0].account, "111111111111");
  });

  it("lists the CSV columns in order", () => {
    const csv = /- `csv`:([\s\S]*?)\n- `json`/.exec(audit)![1];
    const listed = [...csv.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
    assert.deepEqual(listed, [...CSV_COLUMNS]);
    const stack = /CSV gains\s+the columns ([^;]*);/.exec(audit)![1];
    assert.deepEqual(
      [...stack.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]),
      [...STACK_CSV_COLUMNS],
    );
    const organization = /CSV gains the columns ([^(]*)\(last;/.exec(audit)![1];
    assert.deepEqual(
      [...organization.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]),
      [...ORGANIZATION_CSV_COLUMNS],
    );
  });

  it("the permissions policy names the actions the commands call", () => {
    assert.deepEqual(requiredActions("Audit"), [
      "iam:GenerateCredentialReport",
      "iam:GetCredentialReport",
      "iam:ListUsers",
      "iam:ListAccessKeys",
      "iam:GetAccessKeyLastUsed",
      "iam:ListUserTags",
    ]);
    assert.deepEqual(requiredActions("AuditOrganization"), [
      "organizations:ListAccounts",
      "sts:AssumeRole",
    ]);
    assert.deepEqual(requiredActions("Verify"), [
      "secretsmanager:GetSecretValue",
      "iam:GetAccessKeyLastUsed",
    ]);
  });
});
