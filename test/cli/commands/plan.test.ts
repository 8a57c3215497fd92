import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { ROOT, runCli as cli } from "../../support/cli";
import type { PlanDocument } from "../../../cli/commands/plan";
import { loadStack } from "../../../cli/stackFile";
import { decodeProgramValue, parseStackConfig } from "../../../program/stackConfig";
import {
  advance,
  DEFAULT_POLICY,
  maxAgeCut,
  RotationState,
} from "../../../components/rotatedKeyUser/rotationModel";

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ikr-plan-"));
  writeFileSync(path.join(dir, "Pulumi.yaml"), "name: iam-key-rotation\nruntime: nodejs\n");
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

describe("iam-key-rotation plan", () => {
  it("--state with maxAgeDays lowered past the previous key's age: the first run's deactivation, warned", async () => {
    const dir = project({
      "Pulumi.dev.yaml":
        "config:\n  iam-key-rotation:users:\n    - name: u1\n      rotation: { everyDays: 20, overlapDays: 7, maxAgeDays: 27 }\n",
      "outputs.json": JSON.stringify({
        users: {
          u1: {
            rotationState: {
              current: "green",
              slots: { blue: { issuedOn: "2026-10-20" }, green: { issuedOn: "2026-11-28" } },
              publishedOn: "2026-11-28",
              previousActiveUntil: "2026-12-05",
            },
          },
        },
      }),
    });
    const args = [
      "plan",
      "--stack",
      "dev",
      "--dir",
      dir,
      "--state",
      path.join(dir, "outputs.json"),
    ];
    const result = await cli([...args, "--at", "2026-12-01", "--days", "10"]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.split("\n").slice(5), [
      "DATE        USER  EVENT       SLOT  KEY ISSUED ON",
      "2026-12-01  u1    deactivate  blue  2026-10-20",
      "",
      "Warnings:",
      "  - u1: the previous blue key (issued 2026-10-20) is deactivated on 2026-12-01, before its " +
        "overlap would end on 2026-12-05: it reached its maximum age (rotation.maxAgeDays 27) on " +
        "2026-11-16. Consumers must have moved to the published key by 2026-12-01.",
      "",
    ]);
    const json = await cli([...args, "--at", "2026-12-01", "--days", "10", "--json"]);
    assert.deepEqual((JSON.parse(json.stdout) as PlanDocument).users[0].maxAgeCuts, [
      { slot: "blue", keyIssuedOn: "2026-10-20", on: "2026-12-01", overlapEndsOn: "2026-12-05" },
    ]);
  });

  it("says an adopted user without --state is planned as new, and what its first run really does", async () => {
    const dir = project({
      "Pulumi.dev.yaml":
        "config:\n  iam-key-rotation:users:\n    - name: etl\n      adopt: true\n    - name: ci\n",
    });
    const args = ["plan", "--stack", "dev", "--dir", dir, "--at", "2026-11-22", "--days", "1"];
    const result = await cli(args);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.split("\n").slice(1, 3), [
      "Planned as new users, first key issued on 2026-11-22: etl, ci (pass --state to start from the recorded state).",
      "etl is adopted (adopt): planned as new, since the plan cannot see its existing key offline. " +
        "If it has an Active one, the first run imports that key into blue and issues green, and " +
        "the adopted key goes Inactive after the overlap; `pulumi preview` shows what adoption " +
        "does, then plan --state from the stack's outputs.",
    ]);
    const json = await cli([...args, "--json"]);
    const doc = JSON.parse(json.stdout) as PlanDocument;
    assert.deepEqual(
      doc.users.map((u) => [u.name, u.adoptsUnseen]),
      [
        ["etl", true],
        ["ci", undefined],
      ],
    );
  });

  it("prints the prod calendar as a table", async () => {
    const result = await cli(["plan", "--stack", "prod", "--at", "2026-11-22", "--days", "45"]);
    assert.equal(result.stderr, "");
    assert.equal(result.code, 0);
    assert.equal(
      result.stdout,
      [
        "Rotation calendar of stack prod, 2026-11-22 to 2027-01-05 (45 days, one `pulumi up` a day).",
        "Planned as new users, first key issued on 2026-11-22: onprem-jenkins-ecr, bi-vendor-athena, partner-dropbox-sync (pass --state to start from the recorded state).",
        "",
        "USER                  EVERY  OVERLAP  MAX AGE  CURRENT AT END  NEXT ROTATION",
        "onprem-jenkins-ecr    30d    7d       90d      green           2027-01-21",
        "bi-vendor-athena      60d    14d      90d      blue            2027-01-21",
        "partner-dropbox-sync  14d    2d       30d      green           2027-01-17",
        "",
        "DATE        USER                  EVENT          SLOT   KEY ISSUED ON",
        "2026-11-22  onprem-jenkins-ecr    issue new key  blue   2026-11-22",
        "2026-11-22  bi-vendor-athena      issue new key  blue   2026-11-22",
        "2026-11-22  partner-dropbox-sync  issue new key  blue   2026-11-22",
        "2026-12-06  partner-dropbox-sync  issue new key  green  2026-12-06",
        "2026-12-08  partner-dropbox-sync  deactivate     blue   2026-11-22",
        "2026-12-20  partner-dropbox-sync  delete         blue   2026-11-22",
        "2026-12-20  partner-dropbox-sync  issue new key  blue   2026-12-20",
        "2026-12-22  onprem-jenkins-ecr    issue new key  green  2026-12-22",
        "2026-12-22  partner-dropbox-sync  deactivate     green  2026-12-06",
        "2026-12-29  onprem-jenkins-ecr    deactivate     blue   2026-11-22",
        "2027-01-03  partner-dropbox-sync  delete         green  2026-12-06",
        "2027-01-03  partner-dropbox-sync  issue new key  green  2027-01-03",
        "2027-01-05  partner-dropbox-sync  deactivate     blue   2026-12-20",
        "",
      ].join("\n"),
    );
  });

  it("defaults to 90 days from today (UTC)", async () => {
    const result = await cli(["plan", "--stack", "prod"], {
      now: new Date("2026-11-22T23:59:00Z"),
    });
    assert.equal(result.code, 0);
    assert.match(
      result.stdout,
      /^Rotation calendar of stack prod, 2026-11-22 to 2027-02-19 \(90 days,/,
    );
  });

  it("prints a stable JSON document", async () => {
    const result = await cli([
      "plan",
      "--stack",
      "prod",
      "--at",
      "2026-11-22",
      "--days",
      "31",
      "--json",
    ]);
    assert.equal(result.code, 0);
    const doc = JSON.parse(result.stdout) as PlanDocument;
    assert.deepEqual(Object.keys(doc), ["version", "stack", "from", "to", "days", "users"]);
    assert.deepEqual(
      [doc.version, doc.stack, doc.from, doc.to, doc.days],
      [1, "prod", "2026-11-22", "2026-12-22", 31],
    );
    assert.deepEqual(doc.users[0], {
      name: "onprem-jenkins-ecr",
      policy: { everyDays: 30, overlapDays: 7, maxAgeDays: 90 },
      recorded: null,
      events: [
        { date: "2026-11-22", kind: "issue", slot: "blue", keyIssuedOn: "2026-11-22" },
        { date: "2026-12-22", kind: "issue", slot: "green", keyIssuedOn: "2026-12-22" },
      ],
      end: {
        current: "green",
        nextRotationOn: "2027-01-21",
        slots: {
          blue: { issuedOn: "2026-11-22", status: "Active" },
          green: { issuedOn: "2026-12-22", status: "Active" },
        },
      },
      adopted: null,
      maxAgeCuts: [],
    });
  });

  it("starts from the recorded state given by `pulumi stack output --json`", async () => {
    const dir = project({
      "Pulumi.dev.yaml": "config:\n  iam-key-rotation:users:\n    - name: ci\n",
      "outputs.json": JSON.stringify({
        users: {
          ci: {
            currentSlot: "green",
            rotationState: {
              current: "green",
              slots: { blue: { issuedOn: "2026-10-01" }, green: { issuedOn: "2026-10-31" } },
              previousActiveUntil: "2026-11-07",
            },
          },
        },
      }),
    });
    const result = await cli([
      "plan",
      "--stack",
      "dev",
      "--dir",
      dir,
      "--state",
      path.join(dir, "outputs.json"),
      "--at",
      "2026-11-22",
      "--days",
      "10",
      "--json",
    ]);
    assert.equal(result.stderr, "");
    const doc = JSON.parse(result.stdout) as PlanDocument;
    assert.deepEqual(doc.users[0].events, [
      { date: "2026-11-30", kind: "delete", slot: "blue", keyIssuedOn: "2026-10-01" },
      { date: "2026-11-30", kind: "issue", slot: "blue", keyIssuedOn: "2026-11-30" },
    ]);
  });

  const usage: [string, string[], string][] = [
    [
      "no --stack",
      ["plan"],
      "error: required option '-s, --stack <name>' not specified\n(run with --help for usage)\n",
    ],
    [
      "a bad date",
      ["plan", "--stack", "prod", "--at", "2026-02-30"],
      'error: --at must be a date written YYYY-MM-DD (got "2026-02-30").\n',
    ],
    [
      "a bad day count",
      ["plan", "--stack", "prod", "--days", "0"],
      "error: --days must be a whole number from 1 to 3650 (got 0).\n",
    ],
    [
      "a day count that is not a number",
      ["plan", "--stack", "prod", "--days", "ten"],
      'error: --days must be a whole number (got "ten").\n',
    ],
    [
      "an unknown option",
      ["plan", "--stack", "prod", "--verbose"],
      "error: unknown option '--verbose'\n(run with --help for usage)\n",
    ],
    [
      "a bad stack name",
      ["plan", "--stack", "../etc"],
      'error: --stack must be a stack name like "prod" (got "../etc").\n',
    ],
    [
      "a missing stack file",
      ["plan", "--stack", "staging"],
      `error: cannot read ${path.join(ROOT, "Pulumi.staging.yaml")}: no such file.\n`,
    ],
    [
      "an unknown command",
      ["rotate"],
      "error: unknown command 'rotate'\n(run with --help for usage)\n",
    ],
  ];
  for (const [title, args, stderr] of usage) {
    it(`exits 2 on ${title}`, async () => {
      const result = await cli(args);
      assert.deepEqual(result, { code: 2, stdout: "", stderr });
    });
  }

  it("exits 2 on a bad stack file, naming the file and every problem", async () => {
    const dir = project({
      "Pulumi.dev.yaml":
        "config:\n  iam-key-rotation:users:\n    - name: ci\n      rotation: { everyDays: 10, overlapDays: 10 }\n  iam-key-rotation:pathh: /x/\n",
    });
    const result = await cli(["plan", "--stack", "dev", "--dir", dir]);
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      `error: ${path.join(dir, "Pulumi.dev.yaml")}: Invalid stack configuration (2 problems); nothing was changed:\n` +
        "  - [pathh] is not a known setting of iam-key-rotation (known: users, rotation, path, secretPrefix, waitForNewKey, selfRead, compliance, github).\n" +
        '  - user "ci": [users[0].rotation.overlapDays] must be smaller than [users[0].rotation.everyDays] (got 10 and 10).\n',
    );
  });

  it("exits 2 on revocation dates after --at, naming every user's field at once", async () => {
    const dir = project({
      "Pulumi.dev.yaml":
        "config:\n  iam-key-rotation:users:\n" +
        '    - { name: a, revokeIssuedBefore: "2027-01-01" }\n    - { name: b }\n' +
        '    - { name: c, revokeIssuedBefore: "2027-02-01" }\n',
    });
    const future = (day: string) =>
      `revokeIssuedBefore ${day} is in the future (today is 2026-12-01): only keys that exist ` +
      "can be revoked, and a later date would also revoke the key issued to replace them.";
    assert.deepEqual(await cli(["plan", "--stack", "dev", "--dir", dir, "--at", "2026-12-01"]), {
      code: 2,
      stdout: "",
      stderr:
        "error: --at 2026-12-01:\n" +
        `  - user "a": [users[0].revokeIssuedBefore] ${future("2027-01-01")}\n` +
        `  - user "c": [users[2].revokeIssuedBefore] ${future("2027-02-01")}\n`,
    });
  });

  it("reads quoted scalars and JSON strings as the program does (Pulumi hands it strings)", () => {
    const dir = project({
      "Pulumi.dev.yaml":
        "config:\n" +
        '  iam-key-rotation:selfRead: "false"\n' +
        "  iam-key-rotation:waitForNewKey: 'false'\n" +
        '  iam-key-rotation:rotation: \'{"everyDays": 14, "overlapDays": 2, "maxAgeDays": 30}\'\n' +
        '  iam-key-rotation:users: \'[{"name": "etl-a"}]\'\n',
    });
    // The program's view: every value a string, decoded by decodeProgramValue.
    const program = parseStackConfig({
      selfRead: decodeProgramValue("selfRead", "false"),
      waitForNewKey: decodeProgramValue("waitForNewKey", "false"),
      rotation: decodeProgramValue("rotation", '{"everyDays":14,"overlapDays":2,"maxAgeDays":30}'),
      users: decodeProgramValue("users", '[{"name":"etl-a"}]'),
    });
    const { config } = loadStack(dir, "dev");
    assert.deepEqual(config, program);
    assert.deepEqual(
      [config.selfRead, config.waitForNewKey, config.users.map((u) => [u.name, u.rotation])],
      [false, false, [["etl-a", { everyDays: 14, overlapDays: 2, maxAgeDays: 30 }]]],
    );
  });

  it("exits 2 on an encrypted setting, at any depth, naming where it is", async () => {
    const dir = project({
      "Pulumi.top.yaml": "config:\n  iam-key-rotation:secretPrefix:\n    secure: v1:abc\n",
      "Pulumi.deep.yaml":
        "config:\n  iam-key-rotation:users:\n    - name: a\n    - name: b\n" +
        "      tags: { team: { secure: 'v1:abc' } }\n",
      "Pulumi.other.yaml":
        "config:\n  aws:secretKey:\n    secure: v1:abc\n" +
        "  iam-key-rotation:users: [{ name: a }]\n",
    });
    const refused = (stack: string, where: string) => ({
      code: 2,
      stdout: "",
      stderr:
        `error: ${path.join(dir, `Pulumi.${stack}.yaml`)}: ${where} is encrypted; ` +
        "iam-key-rotation settings are not secrets.\n",
    });
    assert.deepEqual(
      await cli(["plan", "--stack", "top", "--dir", dir]),
      refused("top", "iam-key-rotation:secretPrefix"),
    );
    assert.deepEqual(
      await cli(["plan", "--stack", "deep", "--dir", dir]),
      refused("deep", "iam-key-rotation:users[1].tags.team"),
    );
    // Only {secure: "<ciphertext>"} is a secret; a setting named "secure" is read (and refused).
    writeFileSync(
      path.join(dir, "Pulumi.notsecret.yaml"),
      "config:\n  iam-key-rotation:users: [{ name: a, adopt: { secure: true } }]\n",
    );
    assert.deepEqual(await cli(["plan", "--stack", "notsecret", "--dir", dir]), {
      code: 2,
      stdout: "",
      stderr:
        `error: ${path.join(dir, "Pulumi.notsecret.yaml")}: Invalid stack configuration (1 problem); ` +
        'nothing was changed:\n  - user "a": [users[0].adopt.secure] is not a known setting ' +
        "(known: deleteInactiveKey).\n",
    });
    // Another namespace's secret is not read.
    assert.equal((await cli(["plan", "--stack", "other", "--dir", dir, "--days", "1"])).code, 0);
  });

  it("exits 2 on a plain number the Pulumi CLI would read as another value (YAML 1.1)", async () => {
    const cases: [string, string][] = [
      ["iam-key-rotation:rotation: { everyDays: 030 }", "030"], // octal 24 for Pulumi
      ["iam-key-rotation:secretPrefix: 1_0", "1_0"], // 10 for Pulumi
      ["iam-key-rotation:users: [{ name: a, tags: { n: 0b11 } }]", "0b11"], // 3 for Pulumi
      ["iam-key-rotation:secretPrefix: .inf", ".inf"], // no JSON: Pulumi cannot pass it on
    ];
    for (const [line, written] of cases) {
      const key = line.slice(0, line.indexOf(": "));
      const files: Record<string, string> = { "Pulumi.dev.yaml": `config:\n  ${line}\n` };
      if (!line.includes(":users:"))
        files["Pulumi.dev.yaml"] += "  iam-key-rotation:users: [{ name: a }]\n";
      const dir = project(files);
      assert.deepEqual(await cli(["plan", "--stack", "dev", "--dir", dir]), {
        code: 2,
        stdout: "",
        stderr:
          `error: ${path.join(dir, "Pulumi.dev.yaml")}: ${key} holds ${written}, which the ` +
          'Pulumi CLI reads as another value (YAML 1.1: a leading 0 is octal, "_" is dropped, ' +
          ".inf and .nan cannot be passed on): write it as a decimal number, or quote it if a " +
          "string is meant.\n",
      });
    }
    // Quoted, in another namespace, or read alike by both readers (0, 0x1E, 1e2): accepted.
    const dir = project({
      "Pulumi.dev.yaml":
        "config:\n  other:n: 010\n  iam-key-rotation:secretPrefix: '010'\n" +
        "  iam-key-rotation:rotation: { everyDays: 0x1E, overlapDays: 0, maxAgeDays: 1e2 }\n" +
        "  iam-key-rotation:users: [{ name: a }]\n",
    });
    const ok = await cli(["plan", "--stack", "dev", "--dir", dir, "--days", "1", "--json"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(
      (JSON.parse(ok.stdout) as PlanDocument).users.map((u) => [u.name, u.policy]),
      [["a", { everyDays: 30, overlapDays: 0, maxAgeDays: 100 }]],
    );
    assert.equal(loadStack(dir, "dev").config.secretPrefix, "010");
  });

  it("exits 2 on aliases that would expand past all memory (a billion laughs)", async () => {
    const lines = ["config:", "  other:a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 8; i++) {
      lines.push(
        `  other:a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(", ")}]`,
      );
    }
    lines.push("  iam-key-rotation:users: [{ name: a }]");
    const dir = project({ "Pulumi.dev.yaml": lines.join("\n") + "\n" });
    assert.deepEqual(await cli(["plan", "--stack", "dev", "--dir", dir]), {
      code: 2,
      stdout: "",
      stderr:
        `error: ${path.join(dir, "Pulumi.dev.yaml")} is not valid YAML: Excessive alias count ` +
        "indicates a resource exhaustion attack\n",
    });
  });

  it("exits 2 on a key without a namespace, saying how to write it", async () => {
    const dir = project({
      "Pulumi.dev.yaml":
        "config:\n  secretPrefix: team-a/\n  iam-key-rotation:users: [{ name: a }]\n",
    });
    assert.deepEqual(await cli(["plan", "--stack", "dev", "--dir", dir]), {
      code: 2,
      stdout: "",
      stderr:
        `error: ${path.join(dir, "Pulumi.dev.yaml")}: the key "secretPrefix" has no namespace: ` +
        'write it "iam-key-rotation:secretPrefix".\n',
    });
  });

  it("reads YAML merge keys (<<: *anchor) as the Pulumi CLI does", async () => {
    const dir = project({
      "Pulumi.dev.yaml":
        "config:\n  iam-key-rotation:users:\n" +
        "    - &base\n      name: etl-a\n      rotation: { everyDays: 14, overlapDays: 2, maxAgeDays: 30 }\n" +
        "    - <<: *base\n      name: etl-b\n",
    });
    const result = await cli(["plan", "--stack", "dev", "--dir", dir, "--days", "1", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const doc = JSON.parse(result.stdout) as PlanDocument;
    assert.deepEqual(
      doc.users.map((u) => [u.name, u.policy]),
      [
        ["etl-a", { everyDays: 14, overlapDays: 2, maxAgeDays: 30 }],
        ["etl-b", { everyDays: 14, overlapDays: 2, maxAgeDays: 30 }],
      ],
    );
  });

  it("exits 2 on a stack file that is not YAML, or a state file that does not fit", async () => {
    const dir = project({
      "Pulumi.dev.yaml": "config: [unclosed\n",
      "Pulumi.ok.yaml": "config:\n  iam-key-rotation:users: [{ name: a }]\n",
      "bad.json": "{}",
    });
    const yaml = await cli(["plan", "--stack", "dev", "--dir", dir]);
    assert.equal(yaml.code, 2);
    assert.match(
      yaml.stderr,
      new RegExp(
        `^error: ${path.join(dir, "Pulumi.dev.yaml").replace(/[.]/g, "\\.")} is not valid YAML: `,
      ),
    );
    const state = await cli([
      "plan",
      "--stack",
      "ok",
      "--dir",
      dir,
      "--state",
      path.join(dir, "nope.json"),
    ]);
    assert.deepEqual(state, {
      code: 2,
      stdout: "",
      stderr: `error: --state ${path.join(dir, "nope.json")}: cannot read it (no such file).\n`,
    });
    // A stack file without end (here a link to /dev/zero) is read up to a ceiling, then refused.
    symlinkSync("/dev/zero", path.join(dir, "Pulumi.zero.yaml"));
    assert.deepEqual(await cli(["plan", "--stack", "zero", "--dir", dir]), {
      code: 2,
      stdout: "",
      stderr: `error: cannot read ${path.join(dir, "Pulumi.zero.yaml")}: larger than 16 MiB.\n`,
    });
  });

  describe("--state: the shape of the file is checked, its content never quoted", () => {
    // Each text below holds SECRET somewhere; no message may show it, or any of the file.
    const SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYSECRET";
    const dir = project({
      "Pulumi.dev.yaml": "config:\n  iam-key-rotation:users:\n    - name: ci\n",
    });
    const state = (slots: unknown, extra: Record<string, unknown> = {}) => ({
      users: { ci: { rotationState: { current: "green", slots, ...extra } } },
    });
    const good = { blue: { issuedOn: "2026-10-01" }, green: { issuedOn: "2026-10-31" } };
    const HEAD = "is not the JSON of `pulumi stack output --json`, ";
    const cases: [string, string, string[]][] = [
      [
        "text that is not JSON",
        `{"users": ${SECRET}`,
        ["the text is not JSON (46 characters; content not shown)"],
      ],
      [
        "JSON that is not an object",
        JSON.stringify([SECRET]),
        ["the document must be an object (got an array)"],
      ],
      ["an empty object", "{}", ['the document has no "users" object']],
      [
        "users that is a string",
        JSON.stringify({ users: SECRET }),
        ["users must be an object (got a string)"],
      ],
      ["users that is empty", JSON.stringify({ users: {} }), ["users has no user"]],
      [
        "a user that is null",
        JSON.stringify({ users: { ci: null } }),
        ["users.ci must be an object (got null)"],
      ],
      [
        "a user without rotationState",
        JSON.stringify({ users: { ci: { currentSlot: SECRET } } }),
        ["users.ci.rotationState is missing (an object)"],
      ],
      [
        "a user name with a newline and a workflow command",
        JSON.stringify({
          users: { [`ci\n::set-output name=x::${SECRET}`]: { rotationState: {} } },
        }),
        ["users entry 1 is not named after an IAM user (1 to 64 letters, digits and +=,.@_-)"],
      ],
      [
        "a user name of 10 kB",
        JSON.stringify({ users: { [SECRET.repeat(300)]: {} } }),
        ["users entry 1 is not named after an IAM user (1 to 64 letters, digits and +=,.@_-)"],
      ],
      [
        "a current slot that is not a slot",
        JSON.stringify(state(good, { current: SECRET })),
        ['users.ci.rotationState.current must be "blue" or "green" (got another string)'],
      ],
      [
        "slots that is a list",
        JSON.stringify(state([SECRET])),
        ["users.ci.rotationState.slots must be an object (got an array)"],
      ],
      [
        "a third slot",
        JSON.stringify(state({ ...good, [SECRET]: {} })),
        ['users.ci.rotationState.slots may only hold "blue" and "green" (it has another key)'],
      ],
      [
        "a current slot with no record",
        JSON.stringify(state({ blue: good.blue })),
        ["users.ci.rotationState.slots.green is missing (the current slot needs a record)"],
      ],
      [
        "an issue date that is not a date",
        JSON.stringify(state({ ...good, blue: { issuedOn: SECRET } })),
        [
          "users.ci.rotationState.slots.blue.issuedOn must be a date YYYY-MM-DD (got a string that is not one)",
        ],
      ],
      [
        "an impossible issue date",
        JSON.stringify(state({ ...good, blue: { issuedOn: "2026-02-30" } })),
        [
          "users.ci.rotationState.slots.blue.issuedOn must be a date YYYY-MM-DD (got a string that is not one)",
        ],
      ],
      [
        "an end of overlap of 10 kB",
        JSON.stringify(state(good, { previousActiveUntil: SECRET.repeat(300) })),
        [
          "users.ci.rotationState.previousActiveUntil must be a date YYYY-MM-DD (got a string that is not one)",
        ],
      ],
      [
        "a revocation date that is a number",
        JSON.stringify(state(good, { revokedBefore: 20261122 })),
        ["users.ci.rotationState.revokedBefore must be a date YYYY-MM-DD (got a number)"],
      ],
      [
        "record dates and a stale flag that are not ones",
        JSON.stringify(
          state(good, { publishedOn: SECRET, previousInUse: 1, previousWasStale: "yes" }),
        ),
        [
          "users.ci.rotationState.publishedOn must be a date YYYY-MM-DD (got a string that is not one)",
          "users.ci.rotationState.previousInUse must be a date YYYY-MM-DD (got a number)",
          "users.ci.rotationState.previousWasStale must be true or false (got a string)",
        ],
      ],
      [
        "an adopted key that is not one",
        JSON.stringify(state(good, { adopted: { slot: "red", accessKeyId: SECRET } })),
        [
          'users.ci.rotationState.adopted.slot must be "blue" or "green" (got another string)',
          "users.ci.rotationState.adopted.accessKeyId must be an access key id (got another string)",
        ],
      ],
      [
        "every problem at once",
        JSON.stringify({ users: { ci: { rotationState: { current: 1, slots: { blue: 2 } } } } }),
        [
          'users.ci.rotationState.current must be "blue" or "green" (got a number)',
          "users.ci.rotationState.slots.blue must be an object (got a number)",
        ],
      ],
    ];
    for (const [what, text, problems] of cases) {
      it(`exits 2 on ${what}, naming each JSON path`, async () => {
        const file = path.join(dir, "state.json");
        writeFileSync(file, text);
        const result = await cli([
          "plan",
          "--stack",
          "dev",
          "--dir",
          dir,
          "--state",
          file,
          "--at",
          "2026-11-22",
        ]);
        const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
        assert.deepEqual(result, {
          code: 2,
          stdout: "",
          stderr: `error: --state ${file} ${HEAD}${count}:\n${problems.map((p) => `  - ${p}.\n`).join("")}`,
        });
        assert.ok(!result.stderr.includes(SECRET.slice(0, 12)));
      });
    }

    it("ignores fields it does not know and outputs other than users", async () => {
      const file = path.join(dir, "state.json");
      writeFileSync(
        file,
        JSON.stringify({
          compliance: { ruleName: SECRET },
          users: {
            ci: {
              rotationState: {
                current: "green",
                slots: {
                  blue: { issuedOn: "2026-10-01", note: SECRET },
                  green: { issuedOn: "2026-10-31" },
                },
                previousActiveUntil: "2026-11-07",
                adopted: { slot: "blue", accessKeyId: "AKIAIOSFODNN7EXAMPLE" },
                somethingNew: SECRET,
              },
              run: SECRET,
            },
          },
        }),
      );
      const result = await cli([
        "plan",
        "--stack",
        "dev",
        "--dir",
        dir,
        "--state",
        file,
        "--at",
        "2026-11-22",
        "--days",
        "1",
        "--json",
      ]);
      assert.equal(result.code, 0);
      assert.deepEqual((JSON.parse(result.stdout) as PlanDocument).users[0].recorded, {
        current: "green",
        slots: { blue: { issuedOn: "2026-10-01" }, green: { issuedOn: "2026-10-31" } },
        previousActiveUntil: "2026-11-07",
        adopted: { slot: "blue", accessKeyId: "AKIAIOSFODNN7EXAMPLE" },
      });
      assert.ok(!result.stdout.includes(SECRET));
    });

    it("takes `pulumi stack output users --json` too", async () => {
      const file = path.join(dir, "users.json");
      writeFileSync(file, JSON.stringify(state(good).users));
      const result = await cli([
        "plan",
        "--stack",
        "dev",
        "--dir",
        dir,
        "--state",
        file,
        "--at",
        "2026-11-22",
        "--days",
        "1",
        "--json",
      ]);
      assert.equal(result.code, 0);
      assert.equal((JSON.parse(result.stdout) as PlanDocument).users[0].recorded?.current, "green");
      writeFileSync(file, JSON.stringify({ ci: { rotationState: { current: "red" } } }));
      const bad = await cli(["plan", "--stack", "dev", "--dir", dir, "--state", file]);
      assert.equal(bad.code, 2);
      assert.equal(
        bad.stderr,
        `error: --state ${file} ${HEAD}2 problems:\n` +
          '  - ci.rotationState.current must be "blue" or "green" (got another string).\n' +
          "  - ci.rotationState.slots is missing (an object).\n",
      );
    });

    it("a user the stack does not have, and a state that cannot start on --at: exit 2", async () => {
      const file = path.join(dir, "state.json");
      writeFileSync(file, JSON.stringify({ users: { other: state(good).users.ci } }));
      const other = await cli(["plan", "--stack", "dev", "--dir", dir, "--state", file]);
      assert.deepEqual(other, {
        code: 2,
        stdout: "",
        stderr: `error: --state ${file}: user other is not in Pulumi.dev.yaml.\n`,
      });
      writeFileSync(file, JSON.stringify(state(good)));
      const early = await cli([
        "plan",
        "--stack",
        "dev",
        "--dir",
        dir,
        "--state",
        file,
        "--at",
        "2026-10-15",
      ]);
      assert.deepEqual(early, {
        code: 2,
        stdout: "",
        stderr:
          `error: --state ${file}: users.ci.rotationState cannot start on 2026-10-15: ` +
          "green issue date 2026-10-31 is after today (2026-10-15).\n",
      });
    });
  });

  describe("an adopted key's retirement and max-age cuts, from the recorded state", () => {
    const HAND = "AKIAHANDMADE00000001";
    /** What the adopting run records (rotationState output): the model's own first run. */
    const adoptedState = advance(
      {
        current: "blue",
        slots: { blue: { issuedOn: "2025-06-01" } },
        adopted: { slot: "blue", accessKeyId: HAND },
      },
      DEFAULT_POLICY,
      "2026-11-20",
    ).state;
    const planFrom = async (
      stackFile: string,
      rotationState: RotationState,
      args: string[],
    ): Promise<{ code: number; stdout: string; stderr: string }> => {
      const dir = project({
        "Pulumi.dev.yaml": stackFile,
        "outputs.json": JSON.stringify({ users: { ci: { rotationState } } }),
      });
      const state = path.join(dir, "outputs.json");
      return cli(["plan", "--stack", "dev", "--dir", dir, "--state", state, ...args]);
    };
    const ADOPT = "config:\n  iam-key-rotation:users:\n    - name: ci\n      adopt: true\n";

    it("shows when the adopted key goes Inactive and is deleted (its overlap, no max-age cut)", async () => {
      // The adopted key is 17 months old: without `adopted` (and previousWasStale) in the
      // state, the calendar would deactivate it at once, at its max-age bound.
      assert.deepEqual(adoptedState, {
        current: "green",
        slots: { blue: { issuedOn: "2025-06-01" }, green: { issuedOn: "2026-11-20" } },
        adopted: { slot: "blue", accessKeyId: HAND },
        publishedOn: "2026-11-20",
        previousActiveUntil: "2026-11-27",
        previousWasStale: true,
      });
      const result = await planFrom(ADOPT, adoptedState, ["--at", "2026-11-22", "--days", "45"]);
      assert.deepEqual(result, {
        code: 0,
        stderr: "",
        stdout: [
          "Rotation calendar of stack dev, 2026-11-22 to 2027-01-05 (45 days, one `pulumi up` a day).",
          `Adopted key of ci: blue ${HAND} (created 2025-06-01), goes Inactive on 2026-11-27, deleted on 2026-12-20.`,
          "",
          "USER  EVERY  OVERLAP  MAX AGE  CURRENT AT END  NEXT ROTATION",
          "ci    30d    7d       90d      blue            2027-01-19",
          "",
          "DATE        USER  EVENT          SLOT   KEY ISSUED ON",
          "2026-11-27  ci    deactivate     blue   2025-06-01",
          "2026-12-20  ci    delete         blue   2025-06-01",
          "2026-12-20  ci    issue new key  blue   2026-12-20",
          "2026-12-27  ci    deactivate     green  2026-11-20",
          "",
        ].join("\n"),
      });
      const json = await planFrom(ADOPT, adoptedState, ["--at", "2026-11-22", "--json"]);
      const user = (JSON.parse(json.stdout) as PlanDocument).users[0];
      assert.deepEqual(
        [user.recorded, user.adopted, user.maxAgeCuts],
        [
          adoptedState,
          {
            slot: "blue",
            accessKeyId: HAND,
            issuedOn: "2025-06-01",
            deactivatedOn: "2026-11-27",
            deletedOn: "2026-12-20",
          },
          [],
        ],
      );
    });

    it("says when the adopted key's retirement falls outside the period", async () => {
      const early = await planFrom(ADOPT, adoptedState, ["--at", "2026-11-22", "--days", "3"]);
      assert.equal(
        early.stdout.split("\n")[1],
        `Adopted key of ci: blue ${HAND} (created 2025-06-01), still Active on 2026-11-24, not deleted by 2026-11-24.`,
      );
      const late = await planFrom(ADOPT, adoptedState, ["--at", "2026-12-01", "--days", "5"]);
      assert.equal(
        late.stdout.split("\n")[1],
        `Adopted key of ci: blue ${HAND} (created 2025-06-01), Inactive before 2026-12-01, not deleted by 2026-12-05.`,
      );
    });

    const TIGHTENED =
      "config:\n  iam-key-rotation:users:\n    - name: ci\n" +
      "  iam-key-rotation:rotation:\n    everyDays: 20\n    overlapDays: 7\n    maxAgeDays: 27\n";

    it("warns of an overlap cut at the max-age bound (maxAgeDays lowered mid-overlap)", async () => {
      // Recorded under the old policy: the overlap runs to 2026-11-27, but the blue key
      // reaches 27 days on 2026-11-24.
      const recorded: RotationState = {
        current: "green",
        slots: { blue: { issuedOn: "2026-10-28" }, green: { issuedOn: "2026-11-20" } },
        publishedOn: "2026-11-20",
        previousActiveUntil: "2026-11-27",
      };
      const result = await planFrom(TIGHTENED, recorded, ["--at", "2026-11-22", "--days", "30"]);
      assert.deepEqual(result, {
        code: 0,
        stderr: "",
        stdout: [
          "Rotation calendar of stack dev, 2026-11-22 to 2026-12-21 (30 days, one `pulumi up` a day).",
          "",
          "USER  EVERY  OVERLAP  MAX AGE  CURRENT AT END  NEXT ROTATION",
          "ci    20d    7d       27d      blue            2026-12-30",
          "",
          "DATE        USER  EVENT          SLOT   KEY ISSUED ON",
          "2026-11-24  ci    deactivate     blue   2026-10-28",
          "2026-12-10  ci    delete         blue   2026-10-28",
          "2026-12-10  ci    issue new key  blue   2026-12-10",
          "2026-12-17  ci    deactivate     green  2026-11-20",
          "",
          "Warnings:",
          "  - ci: the previous blue key (issued 2026-10-28) is deactivated on 2026-11-24, before " +
            "its overlap would end on 2026-11-27: it reaches its maximum age (rotation.maxAgeDays " +
            "27) then. Consumers must have moved to the published key by 2026-11-24.",
          "",
        ].join("\n"),
      });
      // The same cut the model computes; a stale previous key keeps its overlap (no cut).
      assert.deepEqual(maxAgeCut(recorded, { everyDays: 20, overlapDays: 7, maxAgeDays: 27 }), {
        on: "2026-11-24",
        overlapEndsOn: "2026-11-27",
      });
      const stale = await planFrom(TIGHTENED, { ...recorded, previousWasStale: true }, [
        ...["--at", "2026-11-22", "--days", "30", "--json"],
      ]);
      const user = (JSON.parse(stale.stdout) as PlanDocument).users[0];
      assert.deepEqual(
        [user.maxAgeCuts, user.events[0]],
        [[], { date: "2026-11-27", kind: "deactivate", slot: "blue", keyIssuedOn: "2026-10-28" }],
      );
    });

    it("warns of a cut in an overlap the period starts (the current key already old)", async () => {
      // Green was issued under everyDays 30: it is replaced on the first day, and reaches 27
      // days on 2026-11-29, before the new overlap would end on 2026-11-30.
      const recorded: RotationState = {
        current: "green",
        slots: { green: { issuedOn: "2026-11-02" } },
      };
      const result = await planFrom(TIGHTENED, recorded, [
        ...["--at", "2026-11-23", "--days", "10", "--json"],
      ]);
      const user = (JSON.parse(result.stdout) as PlanDocument).users[0];
      assert.deepEqual(
        [user.events, user.maxAgeCuts],
        [
          [
            { date: "2026-11-23", kind: "issue", slot: "blue", keyIssuedOn: "2026-11-23" },
            { date: "2026-11-29", kind: "deactivate", slot: "green", keyIssuedOn: "2026-11-02" },
          ],
          [
            {
              slot: "green",
              keyIssuedOn: "2026-11-02",
              on: "2026-11-29",
              overlapEndsOn: "2026-11-30",
            },
          ],
        ],
      );
    });
  });

  it("--help explains the command with examples", async () => {
    const result = await cli(["plan", "--help"]);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^Usage: iam-key-rotation plan \[options\]/);
    assert.match(result.stdout, /--state <file>/);
    assert.match(result.stdout, /Examples:\n {2}iam-key-rotation plan --stack prod\n/);
    // --dir's default is where the command runs, not the path of wherever --help ran.
    assert.match(
      result.stdout,
      /--dir <path> +project directory holding Pulumi\.yaml \(default: the\s+current directory\)/,
    );
    assert.ok(!result.stdout.includes(ROOT), "--help prints no absolute path");
  });

  it("runs as the installed command, with the same output and exit codes", async () => {
    const run = promisify(execFile);
    const bin = path.join(ROOT, "bin", "iam-key-rotation.js");
    const ok = await run(
      process.execPath,
      [bin, "plan", "--stack", "prod", "--at", "2026-11-22", "--days", "1", "--json"],
      { cwd: ROOT },
    );
    assert.equal((JSON.parse(ok.stdout) as PlanDocument).users.length, 3);
    await assert.rejects(
      run(process.execPath, [bin, "plan", "--stack", "prod", "--at", "tomorrow"], { cwd: ROOT }),
      (err: { code: number; stderr: string }) => {
        assert.equal(err.code, 2);
        assert.equal(
          err.stderr,
          'error: --at must be a date written YYYY-MM-DD (got "tomorrow").\n',
        );
        return true;
      },
    );
  });
});
