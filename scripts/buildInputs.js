// The inputs of the CLI's build (`npm run build`: scripts/build.js), read by
// bin/iam-key-rotation.js (is the build in dist/ older than them?) and by the tests' global
// setup (rebuild first?). Plain JavaScript: the bin loads it on every run, TypeScript never.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

/** The directories whose TypeScript the build compiles (tsconfig.build.json's "include"). */
const SOURCE_DIRS = ["cli", "components", "lib", "program"];
/** The compiler settings the build reads. */
const CONFIGS = ["tsconfig.json", "tsconfig.build.json"];

/**
 * The most recently modified input of the build under `root`: { file, mtimeMs }, the file
 * relative to `root`; undefined when the sources are not there (nothing to compare with).
 */
function newestBuildInput(root) {
  let newest;
  const consider = (file) => {
    const mtimeMs = fs.statSync(path.join(root, file)).mtimeMs;
    if (newest === undefined || mtimeMs > newest.mtimeMs) newest = { file, mtimeMs };
  };
  const visit = (dir) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(file);
      else if (entry.name.endsWith(".ts")) consider(file);
    }
  };
  for (const dir of SOURCE_DIRS) {
    if (!fs.existsSync(path.join(root, dir))) return undefined;
    visit(dir);
  }
  for (const file of CONFIGS) if (fs.existsSync(path.join(root, file))) consider(file);
  return newest;
}

module.exports = { newestBuildInput, SOURCE_DIRS };
