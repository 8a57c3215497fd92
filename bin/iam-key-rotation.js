#!/usr/bin/env node
// Runs the TypeScript CLI in place (no build step): ts-node, transpile only.
"use strict";
const path = require("node:path");
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
require("ts-node").register({
  transpileOnly: true,
  project: path.join(__dirname, "..", "tsconfig.json"),
});
require("../cli/main.ts")
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`error: ${err && err.stack ? err.stack : err}\n`);
      process.exitCode = 3;
    },
  );
