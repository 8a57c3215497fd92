// `npm run build` (and `prepare`, which `npm ci` runs): the CLI's JavaScript in dist/, from
// scratch: dist/ is removed first, so a source renamed or deleted leaves no stale module
// behind for the bin to load. tsc transpiles without type-checking (tsconfig.build.json);
// `npm run typecheck` checks the types.
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.join(__dirname, "..");
fs.rmSync(path.join(ROOT, "dist"), { recursive: true, force: true });
const tsc = require.resolve("typescript/bin/tsc");
const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
  cwd: ROOT,
  stdio: "inherit",
});
process.exitCode = result.status ?? 1;
