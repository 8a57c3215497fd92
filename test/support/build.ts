/**
 * A mocha global setup (.mocharc.js "require"): the tests that run bin/iam-key-rotation.js
 * as a subprocess run the build in dist/, so it is rebuilt first when any of its sources is
 * newer (or it is missing), the way `npm ci` builds it (`npm run build`).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { ROOT } from "./root";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { newestBuildInput } = require("../../scripts/buildInputs") as {
  newestBuildInput: (root: string) => { file: string; mtimeMs: number } | undefined;
};

const BUILT = path.join(ROOT, "dist", "cli", "main.js");

export function mochaGlobalSetup(): void {
  const built = fs.existsSync(BUILT) ? fs.statSync(BUILT).mtimeMs : -Infinity;
  if (built >= (newestBuildInput(ROOT)?.mtimeMs ?? 0)) return;
  const result = spawnSync(process.execPath, [path.join(ROOT, "scripts", "build.js")], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(`npm run build failed:\n${result.stdout}${result.stderr}`);
  }
}
