// Preloaded (`node -r`) into the policy pack's process by test/policies/pack.test.ts, in the
// pack's directory: run-policy-pack registers ts-node with `typeCheck: true`, and that
// type-check of the pack (~9 s of CPU) is a compile step, run once by `npm run check`
// (`tsc -p policies`, the pack's own tsconfig and node_modules), not by a test. Here ts-node
// transpiles only, with swc as the tests do (test/support/register.js); everything else is
// run-policy-pack's own code.
"use strict";
const path = require("node:path");

const pulumi = path.dirname(
  require.resolve("@pulumi/pulumi/package.json", { paths: [process.cwd()] }),
);
// The ts-node run-policy-pack loads (tsutils.js: require("ts-node") from @pulumi/pulumi).
const tsNode = require(require.resolve("ts-node", { paths: [pulumi] }));
const register = tsNode.register;
tsNode.register = (options = {}) =>
  register({ ...options, typeCheck: false, transpileOnly: true, swc: true });
