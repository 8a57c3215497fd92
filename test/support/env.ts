// Loaded by mocha before any spec (.mocharc.js "require"): keep the tests hermetic.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
// Never reach an instance metadata endpoint or a developer's real profile.
process.env.AWS_EC2_METADATA_DISABLED = "true";
delete process.env.AWS_PROFILE;
delete process.env.AWS_ACCESS_KEY_ID;
delete process.env.AWS_SECRET_ACCESS_KEY;
delete process.env.AWS_SESSION_TOKEN;

// Pulumi records a stack trace for every promise it makes (runtime/debuggable.js), only ever
// printed when a program exits with promises still pending; ts-node's source-map-support maps
// each of them through the source maps, which was ~7% of the suite's CPU. Those stacks are left
// unmapped (line numbers of the transpiled JavaScript); every other stack is mapped as before.
const mapStack = Error.prepareStackTrace?.bind(Error);
if (mapStack !== undefined) {
  const frame = (f: NodeJS.CallSite) =>
    `    at ${f.getFunctionName() ?? "<anonymous>"} (${f.getFileName()}:${f.getLineNumber()}:${f.getColumnNumber()})`;
  Error.prepareStackTrace = (error, frames) =>
    frames[0]?.getFunctionName() === "debuggablePromise"
      ? `${String(error)}\n${frames.map(frame).join("\n")}`
      : mapStack(error, frames);
}
