/**
 * `iam-key-rotation summary`: the job summary of the rotation workflow, from fixtures of
 * `pulumi stack output --json` built on the contract of each user's `run` output (date, events,
 * keptInUse, previousDeactivatesOn, warnings). Exact Markdown; the shape checked like
 * `plan --state`; hostile text escaped so it can neither add markup nor a workflow command.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { md } from "../../../cli/commands/summary";
import { main } from "../../../cli/main";
import { CliRun, runCli } from "../../support/cli";
import { codeBlocks, section } from "../../support/readme";

const TODAY = new Date("2026-12-22T05:40:00Z");
const KEY = {
  jenkinsGreen: "AKIAJENKINSGREEN0002",
  athenaBlue: "AKIAATHENABLUE000001",
  athenaGreen: "AKIAATHENAGREEN00002",
  partnerGreen: "AKIAPARTNERGREEN0002",
  quietBlue: "AKIAQUIETBLUE0000001",
};

type Outputs = Record<string, unknown>;

function user(
  currentSlot: "blue" | "green",
  currentAccessKeyId: string,
  slots: Record<string, string>,
  nextRotationOn: string,
  run: Outputs | undefined,
): Outputs {
  return {
    userArn: "arn:aws:iam::123456789012:user/key-rotation/x",
    currentSlot,
    currentAccessKeyId,
    secretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:key-rotation/x-AbCdEf",
    nextRotationOn,
    rotationState: {
      current: currentSlot,
      slots: Object.fromEntries(Object.entries(slots).map(([s, d]) => [s, { issuedOn: d }])),
    },
    ...(run !== undefined && { run }),
  };
}

const run = (extra: Outputs = {}): Outputs => ({
  date: "2026-12-22",
  events: [],
  keptInUse: null,
  previousDeactivatesOn: null,
  warnings: [],
  ...extra,
});

/** A day of the prod stack: one rotation, one key kept Active, one deactivation, one quiet. */
function outputs(): { users: Record<string, Outputs>; [key: string]: unknown } {
  return {
    compliance: { ruleName: "iam-access-keys-rotated" },
    users: {
      "onprem-jenkins-ecr": user(
        "green",
        KEY.jenkinsGreen,
        { blue: "2026-11-22", green: "2026-12-22" },
        "2027-01-21",
        run({
          events: [{ kind: "issue", slot: "green", keyIssuedOn: "2026-12-22" }],
          previousDeactivatesOn: "2026-12-29",
        }),
      ),
      "bi-vendor-athena": user(
        "green",
        KEY.athenaGreen,
        { blue: "2026-10-23", green: "2026-12-08" },
        "2027-02-06",
        run({
          keptInUse: {
            slot: "blue",
            accessKeyId: KEY.athenaBlue,
            lastUsed: { date: "2026-12-21T17:30:00Z", service: "athena", region: "eu-west-1" },
          },
          previousDeactivatesOn: "2026-12-23",
          warnings: [
            `User bi-vendor-athena: the previous key ${KEY.athenaBlue} was used after the new ` +
              "key was published (2026-12-21, athena, eu-west-1); it stays Active one more day.",
          ],
        }),
      ),
      "partner-dropbox-sync": user(
        "green",
        KEY.partnerGreen,
        { blue: "2026-11-22", green: "2026-12-20" },
        "2027-01-03",
        run({ events: [{ kind: "deactivate", slot: "blue", keyIssuedOn: "2026-11-22" }] }),
      ),
      "quiet-user": user("blue", KEY.quietBlue, { blue: "2026-12-01" }, "2026-12-31", run()),
    },
  };
}

const TABLE_HEAD =
  "| User | This run | Published key | Previous key | Next rotation |\n| --- | --- | --- | --- | --- |\n";

async function summary(doc: unknown, args: string[] = [], now = TODAY): Promise<CliRun> {
  return runCli(["summary", ...args], { now, stdin: JSON.stringify(doc) });
}

describe("iam-key-rotation summary", () => {
  it("prints the day's key changes as Markdown", async () => {
    assert.deepEqual(await summary(outputs(), ["--stack", "prod"]), {
      code: 0,
      stdout:
        "## Key rotation: stack prod\n" +
        "\n" +
        "4 users, run of 2026-12-22: 1 key issued and published, 1 deactivated, 0 deleted, " +
        "1 kept Active because still in use.\n" +
        "\n" +
        TABLE_HEAD +
        "| onprem-jenkins-ecr | Issued and published a new green key | " +
        `green \`${KEY.jenkinsGreen}\` (issued 2026-12-22) | ` +
        "blue (issued 2026-11-22): deactivated on 2026-12-29 | 2027-01-21 |\n" +
        "| bi-vendor-athena | Kept the blue key `AKIAATHENABLUE000001` Active: still in use " +
        "(last used 2026-12-21T17:30:00Z by athena in eu-west-1) | " +
        `green \`${KEY.athenaGreen}\` (issued 2026-12-08) | ` +
        "blue (issued 2026-10-23): deactivated on 2026-12-23, or later while still in use | " +
        "2027-02-06 |\n" +
        "| partner-dropbox-sync | Deactivated the blue key issued 2026-11-22 | " +
        `green \`${KEY.partnerGreen}\` (issued 2026-12-20) | none Active | 2027-01-03 |\n` +
        `| quiet-user | No change | blue \`${KEY.quietBlue}\` (issued 2026-12-01) | ` +
        "none Active | 2026-12-31 |\n" +
        "\n" +
        "### Warnings\n" +
        "\n" +
        "- **bi-vendor-athena**: User bi-vendor-athena\\: the previous key " +
        `${KEY.athenaBlue} was used after the new key was published \\(2026-12-21, athena, ` +
        "eu-west-1\\); it stays Active one more day.\n",
      stderr: "",
    });
  });

  it("prints the example of docs/cli.md", async () => {
    const doc = outputs();
    delete doc.users["quiet-user"];
    (doc.users["bi-vendor-athena"].run as Outputs).warnings = [];
    const [example] = codeBlocks(
      section("docs/cli.md", "## `summary`: the job summary of a rotation run"),
      "text",
    );
    assert.equal((await summary(doc, ["--stack", "prod"])).stdout, example);
  });

  it("reads a file too, and a delete and an issue in one run", async () => {
    const doc = outputs();
    (doc.users["partner-dropbox-sync"].run as Outputs).events = [
      { kind: "delete", slot: "blue", keyIssuedOn: "2026-11-22" },
      { kind: "issue", slot: "blue", keyIssuedOn: "2026-12-22" },
    ];
    const dir = mkdtempSync(path.join(tmpdir(), "ikr-summary-"));
    const file = path.join(dir, "outputs.json");
    writeFileSync(file, JSON.stringify(doc));
    const result = await runCli(["summary", "--state", file], { now: TODAY });
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^## Key rotation\n\n4 users, run of 2026-12-22: 2 keys issued/);
    assert.ok(
      result.stdout.includes(
        "| partner-dropbox-sync | Deleted the blue key issued 2026-11-22; issued and " +
          "published a new blue key |",
      ),
      result.stdout,
    );
  });

  it("says so when the outputs are not today's (today's pulumi up did not complete)", async () => {
    const result = await summary(outputs(), [], new Date("2026-12-23T05:40:00Z"));
    assert.equal(result.code, 0);
    assert.ok(
      result.stdout.includes(
        "\n> **Warning:** these outputs are from the run of 2026-12-22, not of today " +
          "(2026-12-23): today's `pulumi up` did not complete.\n",
      ),
      result.stdout,
    );
  });

  it("takes users without `run` (a stack updated by an earlier version)", async () => {
    const doc = outputs();
    delete doc.users["quiet-user"].run;
    const result = await summary(doc);
    assert.equal(result.code, 0);
    assert.ok(
      result.stdout.includes(
        "\n> **Note:** 1 user without `run` in the outputs (a stack last updated by an earlier " +
          "version of the program): what their run did is not known.\n",
      ),
    );
    assert.ok(
      result.stdout.includes(
        "| quiet-user | not reported (these outputs have no `run`) | " +
          `blue \`${KEY.quietBlue}\` (issued 2026-12-01) | – | 2026-12-31 |\n`,
      ),
      result.stdout,
    );
  });

  describe("hostile warnings: escaped, one line each, no workflow command, no markup", () => {
    const hostile = [
      "line one\n::error file=x::pwned\n::set-output name=token::stolen",
      "::warning::at the start",
      "##[error]old-style command",
      "<script>alert(1)</script><img src=x onerror=alert(1)>",
      "| a | b | c |",
      "[click](javascript:alert(1)) ![img](http://x/y.png) **bold** `code` _it_ ~strike~",
      "@everyone @octocat",
      "\u001b[2J\u001b[31mred\u001b[0m \u202eevil\u2066",
      "x".repeat(10_240),
    ];

    it("every warning renders as inert text", async () => {
      const doc = outputs();
      (doc.users["quiet-user"].run as Outputs).warnings = hostile;
      const result = await summary(doc);
      assert.equal(result.code, 0);
      const lines = result.stdout.split("\n");
      const warnings = lines.filter((l) => l.startsWith("- **quiet-user**: "));
      assert.equal(warnings.length, hostile.length, "one line per warning");
      for (const line of lines) {
        assert.match(line, /^([#|>-].*)?$|^\d+ users/, `a line of free text: ${line}`);
        assert.ok(!/^\s*(::|##\[)/.test(line), `a workflow command: ${line}`);
        assert.match(line, /^[\x20-\x7e…–]*$/, `unprintable: ${JSON.stringify(line)}`);
      }
      for (const text of ["<script", "<img", "](", "@everyone", "::error", "::set-output"]) {
        assert.ok(!result.stdout.includes(text), `${text} survived:\n${result.stdout}`);
      }
      assert.deepEqual(warnings.slice(0, 5), [
        "- **quiet-user**: line one?\\:\\:error file=x\\:\\:pwned?\\:\\:set-output name=token\\:\\:stolen",
        "- **quiet-user**: \\:\\:warning\\:\\:at the start",
        "- **quiet-user**: \\#\\#\\[error\\]old-style command",
        "- **quiet-user**: &lt;script&gt;alert\\(1\\)&lt;/script&gt;&lt;img src=x onerror=alert\\(1\\)&gt;",
        "- **quiet-user**: \\| a \\| b \\| c \\|",
      ]);
      assert.equal(warnings[8].length, "- **quiet-user**: ".length + 1000, "cut at 1,000");
      assert.ok(warnings[8].endsWith("…"));
      assert.ok(result.stdout.length < 20_000);
    });

    it("md() escapes table cells and markup (table test)", () => {
      const cases: [string, string][] = [
        ["plain text", "plain text"],
        ["a|b", "a\\|b"],
        ["<b>&", "&lt;b&gt;&amp;"],
        ["@user", "&#64;user"],
        ["[x](y)", "\\[x\\]\\(y\\)"],
        ["*_`~#+!{}\\", "\\*\\_\\`\\~\\#\\+\\!\\{\\}\\\\"],
        ["::x::", "\\:\\:x\\:\\:"],
        ["a\nb\r\u0007", "a?b??"],
      ];
      for (const [input, expected] of cases) assert.equal(md(input), expected, input);
    });
  });

  describe("the outputs' shape is checked like plan --state: exit 2, paths named, nothing quoted", () => {
    const SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYSECRET";
    const HEAD = "error: the standard input is not the JSON of `pulumi stack output --json`, ";
    const withRun = (change: Outputs) => {
      const doc = outputs();
      doc.users = { "quiet-user": { ...doc.users["quiet-user"], run: run(change) } };
      return doc;
    };
    const cases: [string, unknown, string[]][] = [
      [
        "text that is not JSON",
        `{"users": ${SECRET}`,
        ["the text is not JSON (46 characters; content not shown)"],
      ],
      [
        "a secret output shown as [secret]",
        (() => {
          const doc = outputs();
          doc.users = {
            "quiet-user": { ...doc.users["quiet-user"], currentAccessKeyId: "[secret]" },
          };
          return doc;
        })(),
        ["users.quiet-user.currentAccessKeyId must be an access key id (got another string)"],
      ],
      [
        "a run that is a string",
        (() => {
          const doc = outputs();
          doc.users = { "quiet-user": { ...doc.users["quiet-user"], run: SECRET } };
          return doc;
        })(),
        ["users.quiet-user.run must be an object (got a string)"],
      ],
      [
        "a run without its fields",
        (() => {
          const doc = outputs();
          doc.users = { "quiet-user": { ...doc.users["quiet-user"], run: {} } };
          return doc;
        })(),
        [
          "users.quiet-user.run.date is missing (a date YYYY-MM-DD)",
          "users.quiet-user.run.events is missing (an array)",
          "users.quiet-user.run.keptInUse is missing (null or an object)",
          "users.quiet-user.run.previousDeactivatesOn is missing (null or a date YYYY-MM-DD)",
          "users.quiet-user.run.warnings is missing (an array)",
        ],
      ],
      [
        "events of another kind, slot and date",
        withRun({ events: [{ kind: "rotate", slot: "red", keyIssuedOn: SECRET }, 7] }),
        [
          'users.quiet-user.run.events[0].kind must be "issue", "deactivate", "delete" (got another string)',
          'users.quiet-user.run.events[0].slot must be "blue" or "green" (got another string)',
          "users.quiet-user.run.events[0].keyIssuedOn must be a date YYYY-MM-DD (got a string that is not one)",
          "users.quiet-user.run.events[1] must be an object (got a number)",
        ],
      ],
      [
        "a kept key with a bad id and last use",
        withRun({
          keptInUse: {
            slot: "blue",
            accessKeyId: SECRET,
            lastUsed: { date: "yesterday", service: "S3\n::error::x", region: 5 },
          },
        }),
        [
          "users.quiet-user.run.keptInUse.accessKeyId must be an access key id (got another string)",
          "users.quiet-user.run.keptInUse.lastUsed.date must be an ISO 8601 time or a date YYYY-MM-DD (got a string that is neither)",
          "users.quiet-user.run.keptInUse.lastUsed.service must be an AWS service name (got another string)",
          "users.quiet-user.run.keptInUse.lastUsed.region must be an AWS region name (got a number)",
        ],
      ],
      [
        "warnings that are not strings, a deactivation day that is not a date",
        withRun({ warnings: ["ok", { text: SECRET }], previousDeactivatesOn: SECRET }),
        [
          "users.quiet-user.run.previousDeactivatesOn must be a date YYYY-MM-DD (got a string that is not one)",
          "users.quiet-user.run.warnings[1] must be a string (got an object)",
        ],
      ],
      [
        "a user without the outputs the summary needs",
        {
          users: {
            "quiet-user": {
              rotationState: { current: "blue", slots: { blue: { issuedOn: "2026-12-01" } } },
            },
          },
        },
        [
          'users.quiet-user.currentSlot is missing ("blue" or "green")',
          "users.quiet-user.currentAccessKeyId is missing (an access key id)",
          "users.quiet-user.nextRotationOn is missing (a date YYYY-MM-DD)",
        ],
      ],
    ];
    for (const [what, doc, problems] of cases) {
      it(`exits 2 on ${what}`, async () => {
        const result = await runCli(["summary"], {
          now: TODAY,
          stdin: typeof doc === "string" ? doc : JSON.stringify(doc),
        });
        const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
        assert.deepEqual(result, {
          code: 2,
          stdout: "",
          stderr: `${HEAD}${count}:\n${problems.map((p) => `  - ${p}.\n`).join("")}`,
        });
        assert.ok(!result.stderr.includes(SECRET.slice(0, 12)));
      });
    }
  });

  describe("arguments", () => {
    it("a terminal on standard input: exit 2, saying what to pass", async () => {
      let stderr = "";
      const code = await main(["summary"], {
        stdout: () => undefined,
        stderr: (t) => (stderr += t),
        cwd: "/",
        env: {},
        stderrIsTTY: true,
        stdinIsTTY: true,
        now: () => TODAY,
        readStdin: () => assert.fail("stdin read"),
      });
      assert.deepEqual(
        [code, stderr],
        [
          2,
          "error: pipe the outputs in (pulumi stack output --json | iam-key-rotation summary) or " +
            "pass --state FILE.\n",
        ],
      );
    });

    it("a file that does not exist, one without end, a bad stack name: exit 2", async () => {
      assert.deepEqual(await runCli(["summary", "--state", "/nonexistent/o.json"]), {
        code: 2,
        stdout: "",
        stderr: "error: --state /nonexistent/o.json: cannot read it (no such file).\n",
      });
      assert.deepEqual(await runCli(["summary", "--state", "/dev/zero"]), {
        code: 2,
        stdout: "",
        stderr: "error: --state /dev/zero: cannot read it (larger than 64 MiB).\n",
      });
      assert.deepEqual(await runCli(["summary"], { stdin: " ".repeat(64 * 1024 * 1024 + 1) }), {
        code: 2,
        stdout: "",
        stderr: "error: the standard input: cannot read it (larger than 64 MiB).\n",
      });
      assert.deepEqual(await summary(outputs(), ["--stack", "prod\n::error::x"]), {
        code: 2,
        stdout: "",
        stderr: 'error: --stack must be a stack name like "prod" (got another string).\n',
      });
    });

    it("--help explains it, with the workflow's command", async () => {
      const result = await runCli(["summary", "--help"]);
      assert.equal(result.code, 0);
      assert.match(result.stdout, /^Usage: iam-key-rotation summary \[options\]/);
      assert.ok(
        result.stdout.includes(
          '  pulumi stack output --json --stack prod | iam-key-rotation summary --stack prod >> "$GITHUB_STEP_SUMMARY"\n',
        ),
      );
    });
  });
});
