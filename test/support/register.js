// ts-node for the tests (.mocharc.js "require"; DEVELOPMENT.md "Running them"): transpile-only,
// with swc (@swc/core) as the transpiler. ts-node maps the tsconfig's options to swc's (target,
// CommonJS, esModuleInterop, class fields), so the emitted modules behave as TypeScript's do;
// TypeScript's own transpiler, loaded and run in each of mocha's workers, was about a sixth of
// the suite's CPU (bench/RESULTS.md, "The test suite"). Type-checking is `npm run typecheck`.
// Only the tests use it: Pulumi runs the program with the tsconfig as it is (no swc).
"use strict";
require("ts-node").register({ transpileOnly: true, swc: true });
