#!/usr/bin/env node
// Runs the TypeScript CLI in place (no build step). Each .ts file is transpiled once with
// TypeScript's transpileModule (no type check: `npm run typecheck` does that) and the result is
// kept in node_modules/.cache/iam-key-rotation/, keyed by the file's content, so later runs load
// plain JavaScript: about 0.4 s instead of 3 s of CPU, which matters to `credentials`, run by
// SDKs and the AWS CLI as a credential_process. Without a writable cache it transpiles each
// time.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const ROOT = path.join(__dirname, "..");
const CACHE = path.join(ROOT, "node_modules", ".cache", "iam-key-rotation");
let typescript;
const ts = () => (typescript ??= require("typescript"));
const OPTIONS = {
  module: "commonjs",
  target: "es2022",
  esModuleInterop: true,
  resolveJsonModule: true,
};

function transpile(filename, source) {
  const ts_ = ts();
  const { options } = ts_.convertCompilerOptionsFromJson(OPTIONS, ROOT);
  return ts_.transpileModule(source, { compilerOptions: options, fileName: filename }).outputText;
}

require.extensions[".ts"] = (module, filename) => {
  const source = fs.readFileSync(filename, "utf8");
  const version = require("typescript/package.json").version;
  const key = crypto
    .createHash("sha256")
    .update(`${version}\0${JSON.stringify(OPTIONS)}\0${filename}\0${source}`)
    .digest("hex");
  const cached = path.join(CACHE, `${key}.js`);
  let js;
  try {
    js = fs.readFileSync(cached, "utf8");
  } catch {
    js = transpile(filename, source);
    try {
      fs.mkdirSync(CACHE, { recursive: true });
      const temp = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(temp, js);
      fs.renameSync(temp, cached);
    } catch {
      // A read-only install: transpile every time.
    }
  }
  module._compile(js, filename);
};

require("../cli/main.ts")
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
