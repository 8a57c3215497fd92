#!/usr/bin/env node
// The CLI's entry point: runs the compiled JavaScript of cli/ in dist/, which `npm ci` builds
// (the `prepare` script: tsc -p tsconfig.build.json, a transpile without type-check; `npm run
// typecheck` does that). No TypeScript compiler is loaded at run time, which matters to
// `credentials`, run by SDKs and the AWS CLI as a credential_process.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const MAIN = path.join(__dirname, "..", "dist", "cli", "main.js");

if (!fs.existsSync(MAIN)) {
  process.stderr.write(
    "error: the CLI is not built (dist/cli/main.js is missing): run npm ci or npm run build\n",
  );
  process.exitCode = 4;
} else {
  require(MAIN)
    .main(process.argv.slice(2))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (err) => {
        // main() handles every error; this is a last resort that prints no details (they may
        // quote what the command read) unless asked.
        const debug = process.env.IAM_KEY_ROTATION_DEBUG === "1";
        process.stderr.write(
          `error: ${debug && err && err.stack ? err.stack : "internal error; set IAM_KEY_ROTATION_DEBUG=1 for details"}\n`,
        );
        process.exitCode = 4;
      },
    );
}
