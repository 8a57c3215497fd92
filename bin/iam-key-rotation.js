#!/usr/bin/env node
// The CLI's entry point: runs the compiled JavaScript of cli/ in dist/, which `npm ci` builds
// (the `prepare` script: scripts/build.js, a transpile without type-check; `npm run typecheck`
// does that). No TypeScript compiler is loaded at run time, which matters to
// `credentials`, run by SDKs and the AWS CLI as a credential_process.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const ROOT = path.join(__dirname, "..");
const MAIN = path.join(ROOT, "dist", "cli", "main.js");

/** Runs the build, or says why it cannot (exit 4): missing, or broken (a module missing). */
function run() {
  if (!fs.existsSync(MAIN)) {
    process.stderr.write(
      "error: the CLI is not built (dist/cli/main.js is missing): run npm ci or npm run build\n",
    );
    process.exitCode = 4;
    return;
  }
  warnIfStale();
  let cli;
  try {
    cli = require(MAIN);
  } catch (err) {
    process.stderr.write(
      `error: the CLI's build in dist/ cannot be loaded (${firstLine(err)}): run npm run build ` +
        `(or npm ci)${debug() ? `\n${err && err.stack}` : ""}\n`,
    );
    process.exitCode = 4;
    return;
  }
  cli.main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      // main() handles every error; this is a last resort that prints no details (they may
      // quote what the command read) unless asked.
      process.stderr.write(
        `error: ${debug() && err && err.stack ? err.stack : "internal error; set IAM_KEY_ROTATION_DEBUG=1 for details"}\n`,
      );
      process.exitCode = 4;
    },
  );
}

/**
 * A build older than the sources beside it (edited, or pulled, without `npm run build`) runs
 * the old code: said on stderr, not refused (the command may still be what the user wants).
 */
function warnIfStale() {
  let newest;
  try {
    newest = require("../scripts/buildInputs").newestBuildInput(ROOT);
  } catch {
    return; // no sources beside the build: nothing to compare with
  }
  if (newest !== undefined && newest.mtimeMs > fs.statSync(MAIN).mtimeMs) {
    process.stderr.write(
      `warning: the CLI's build in dist/ is older than ${newest.file.split(path.sep).join("/")}: ` +
        "it runs the code as it was built; run npm run build (or npm ci) to run the sources.\n",
    );
  }
}

function debug() {
  return process.env.IAM_KEY_ROTATION_DEBUG === "1";
}

function firstLine(err) {
  const message = err && typeof err.message === "string" ? err.message : String(err);
  return message.split("\n")[0].slice(0, 300);
}

run();
