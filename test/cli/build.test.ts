/**
 * The build users run (`npm ci` → scripts/build.js → dist/) and the entry point that runs it
 * (bin/iam-key-rotation.js): a clean build, a build older than its sources said on stderr, a
 * broken build refused with exit 4, and what the CLI loads to answer `--help` and `plan`
 * (nothing of the TypeScript compiler, Pulumi or the AWS SDK).
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ROOT } from "../support/cli";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function node(args: string[], cwd = ROOT): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A project copy holding the entry point and scripts/buildInputs.js, a stand-in build whose
 * main prints "ran", and sources (cli/x.ts) dated `sourceAge` seconds before the build.
 */
function project(dir: string, sourceAge: number | null): string {
  mkdirSync(path.join(dir, "bin"));
  mkdirSync(path.join(dir, "scripts"));
  mkdirSync(path.join(dir, "dist", "cli"), { recursive: true });
  cpSync(
    path.join(ROOT, "bin", "iam-key-rotation.js"),
    path.join(dir, "bin", "iam-key-rotation.js"),
  );
  cpSync(path.join(ROOT, "scripts", "buildInputs.js"), path.join(dir, "scripts", "buildInputs.js"));
  const main = path.join(dir, "dist", "cli", "main.js");
  writeFileSync(
    main,
    'exports.main = async () => { process.stdout.write("ran\\n"); return 0; };\n',
  );
  if (sourceAge !== null) {
    for (const d of ["cli", "components", "lib", "program"]) mkdirSync(path.join(dir, d));
    const source = path.join(dir, "cli", "x.ts");
    writeFileSync(source, "export {};\n");
    const built = new Date("2026-11-30T12:00:00Z");
    utimesSync(main, built, built);
    const at = new Date(built.getTime() - sourceAge * 1000);
    utimesSync(source, at, at);
  }
  return path.join(dir, "bin", "iam-key-rotation.js");
}

describe("the build and the entry point that runs it", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "ikr-build-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("runs a build newer than its sources without a word", async () => {
    const bin = project(dir, 60);
    assert.deepEqual(await node([bin, "--help"]), { code: 0, stdout: "ran\n", stderr: "" });
  });

  it("says when the build is older than a source, and still runs it", async () => {
    const bin = project(dir, -60);
    assert.deepEqual(await node([bin, "--help"]), {
      code: 0,
      stdout: "ran\n",
      stderr:
        "warning: the CLI's build in dist/ is older than cli/x.ts: it runs the code as it was " +
        "built; run npm run build (or npm ci) to run the sources.\n",
    });
  });

  it("has nothing to compare with when no sources are beside the build", async () => {
    const bin = project(dir, null);
    assert.deepEqual(await node([bin]), { code: 0, stdout: "ran\n", stderr: "" });
  });

  it("refuses a build that cannot be loaded: exit 4, one line, no stack", async () => {
    const bin = project(dir, 60);
    writeFileSync(path.join(dir, "dist", "cli", "main.js"), 'require("./progress");\n');
    const run = await node([bin, "--help"]);
    assert.equal(run.code, 4);
    assert.equal(run.stdout, "");
    assert.match(
      run.stderr,
      /^error: the CLI's build in dist\/ cannot be loaded \(Cannot find module '\.\/progress'\): run npm run build \(or npm ci\)\n$/,
    );
  });

  it("refuses a missing build: exit 4", async () => {
    const bin = project(dir, 60);
    rmSync(path.join(dir, "dist"), { recursive: true });
    assert.deepEqual(await node([bin, "--help"]), {
      code: 4,
      stdout: "",
      stderr:
        "error: the CLI is not built (dist/cli/main.js is missing): run npm ci or npm run build\n",
    });
  });

  it("npm run build starts from an empty dist/: a deleted source leaves no module behind", async () => {
    for (const file of ["tsconfig.json", "tsconfig.build.json"]) {
      cpSync(path.join(ROOT, file), path.join(dir, file));
    }
    mkdirSync(path.join(dir, "scripts"));
    cpSync(path.join(ROOT, "scripts", "build.js"), path.join(dir, "scripts", "build.js"));
    symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    for (const d of ["cli", "components", "lib", "program"]) mkdirSync(path.join(dir, d));
    writeFileSync(path.join(dir, "cli", "main.ts"), "export const main = 1;\n");
    mkdirSync(path.join(dir, "dist", "cli"), { recursive: true });
    writeFileSync(path.join(dir, "dist", "cli", "renamed.js"), "// left by an older build\n");
    const run = await node([path.join(dir, "scripts", "build.js")], dir);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(existsSync(path.join(dir, "dist", "cli", "main.js")));
    assert.ok(!existsSync(path.join(dir, "dist", "cli", "renamed.js")));
  });
});

describe("what the built CLI loads", function () {
  this.timeout(60_000);
  /** The packages (under node_modules) the CLI required while running `args`. */
  async function packagesLoaded(args: string[]): Promise<string[]> {
    const hook = path.join(tmpdir(), `ikr-loads-${process.pid}.js`);
    writeFileSync(
      hook,
      [
        'const Module = require("node:module");',
        "const seen = new Set();",
        "const load = Module._load;",
        "Module._load = function (request, parent, isMain) {",
        "  const loaded = load.apply(this, arguments);",
        "  try {",
        "    const file = Module._resolveFilename(request, parent, isMain);",
        "    const m = /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(file);",
        '    if (m) seen.add(m[1].replace("\\\\", "/"));',
        "  } catch {}",
        "  return loaded;",
        "};",
        'process.on("exit", () => process.stderr.write("LOADED " + JSON.stringify([...seen].sort()) + "\\n"));',
      ].join("\n"),
    );
    try {
      const run = await node(["-r", hook, path.join(ROOT, "bin", "iam-key-rotation.js"), ...args]);
      const line = run.stderr.split("\n").find((l) => l.startsWith("LOADED "));
      assert.ok(line !== undefined, run.stderr);
      return JSON.parse(line.slice("LOADED ".length)) as string[];
    } finally {
      rmSync(hook, { force: true });
    }
  }

  it("--help: commander and csv-stringify only", async () => {
    assert.deepEqual(await packagesLoaded(["--help"]), ["commander", "csv-stringify"]);
  });

  it("plan: no compiler, no Pulumi, no AWS SDK (yaml for the stack file)", async () => {
    const loaded = await packagesLoaded([
      "plan",
      "--stack",
      "prod",
      "--at",
      "2026-11-22",
      "--days",
      "1",
    ]);
    assert.deepEqual(loaded, ["commander", "csv-stringify", "yaml"]);
  });

  it("each command's --help loads no more than --help", async () => {
    for (const command of ["plan", "audit", "verify", "credentials", "summary"]) {
      assert.deepEqual(await packagesLoaded([command, "--help"]), ["commander", "csv-stringify"]);
    }
  });
});
