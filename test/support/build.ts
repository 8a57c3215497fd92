/**
 * A mocha global setup (.mocharc.js "require"): the tests that run bin/iam-key-rotation.js
 * as a subprocess run the build in dist/, so it is rebuilt first when any of its sources is
 * newer (or it is missing), the way `npm ci` builds it (`npm run build`).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { ROOT } from "./root";

const BUILT = path.join(ROOT, "dist", "cli", "main.js");
const SOURCES = ["cli", "components", "lib", "program"];
const CONFIGS = ["tsconfig.json", "tsconfig.build.json"];

/** The newest modification time of the build's inputs, in ms. */
function newestSource(): number {
  let newest = 0;
  const visit = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(file);
      else if (entry.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(file).mtimeMs);
    }
  };
  for (const dir of SOURCES) visit(path.join(ROOT, dir));
  for (const file of CONFIGS) newest = Math.max(newest, fs.statSync(path.join(ROOT, file)).mtimeMs);
  return newest;
}

export function mochaGlobalSetup(): void {
  const built = fs.existsSync(BUILT) ? fs.statSync(BUILT).mtimeMs : -Infinity;
  if (built >= newestSource()) return;
  const tsc = require.resolve("typescript/bin/tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(`npm run build failed:\n${result.stdout}${result.stderr}`);
  }
}
