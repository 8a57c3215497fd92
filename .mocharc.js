// mocha's configuration (`npm run test:only`): every test/**/*.test.ts, in parallel.
//
// Three worker processes on this project's two-core machines: most files spend most of their
// time waiting (on moto_server, on the aws CLI, boto3 and the CLI run as a subprocess, on the
// SDK's retry back-off), so a third worker fills the cores the other two leave idle.
// The files that take longest start first (each worker takes the next file as it frees up);
// without that, one of them starting last would run alone at the end. bench/RESULTS.md has the
// suite's times.
"use strict";
const { readdirSync } = require("node:fs");

const LONGEST_FIRST = [
  "test/components/rotatedKeyUser/rotationModel.simulation.test.ts",
  "test/cli/commands/audit.moto.test.ts",
  "test/cli/commands/credentialProcess.moto.test.ts",
  "test/policies/accessKeyLiveCheckIam.moto.test.ts",
  "test/cli/commands/verify.moto.test.ts",
  "test/components/githubOidcRole/permissions.moto.test.ts",
  "test/cli/commands/audit.large.moto.test.ts",
  "test/policies/pack.test.ts",
  "test/workflows/workflows.test.ts",
  "test/cli/commands/audit.findings.moto.test.ts",
];
const all = readdirSync(`${__dirname}/test`, { recursive: true })
  .map((file) => `test/${file.split("\\").join("/")}`)
  .filter((file) => file.endsWith(".test.ts"))
  .sort();
const missing = LONGEST_FIRST.filter((file) => !all.includes(file));
if (missing.length > 0)
  throw new Error(`.mocharc.js names test files that do not exist: ${missing}`);

module.exports = {
  require: ["test/support/register.js", "test/support/env.ts", "test/support/build.ts"],
  extension: ["ts"],
  spec: [...LONGEST_FIRST, ...all.filter((file) => !LONGEST_FIRST.includes(file))],
  timeout: 20000,
  parallel: true,
  jobs: 3,
};
