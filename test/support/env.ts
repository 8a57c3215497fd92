// Loaded by mocha before any spec (.mocharc.js "require"): keep the tests hermetic.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
// Never reach an instance metadata endpoint or a developer's real profile.
process.env.AWS_EC2_METADATA_DISABLED = "true";
delete process.env.AWS_PROFILE;
delete process.env.AWS_ACCESS_KEY_ID;
delete process.env.AWS_SECRET_ACCESS_KEY;
delete process.env.AWS_SESSION_TOKEN;

// Pulumi records a stack trace for every promise it makes (runtime/debuggable.js) and prints them
// only when a program exits with promises still pending and PULUMI_DEBUG_PROMISE_LEAKS is set.
// Formatting them (ts-node's source-map-support maps each through the source maps) was ~7% of
// the suite's CPU: without that variable they are not formatted at all, with it they are left
// unmapped (line numbers of the transpiled JavaScript). Every other stack is mapped as before.
const mapStack = Error.prepareStackTrace?.bind(Error);
if (mapStack !== undefined) {
  const debugLeaks = !!process.env.PULUMI_DEBUG_PROMISE_LEAKS; // as Pulumi reads it
  const frame = (f: NodeJS.CallSite) =>
    `    at ${f.getFunctionName() ?? "<anonymous>"} (${f.getFileName()}:${f.getLineNumber()}:${f.getColumnNumber()})`;
  Error.prepareStackTrace = (error, frames) =>
    frames[0]?.getFunctionName() !== "debuggablePromise"
      ? mapStack(error, frames)
      : debugLeaks
        ? `${String(error)}\n${frames.map(frame).join("\n")}`
        : "Error (stack not kept: set PULUMI_DEBUG_PROMISE_LEAKS to keep it)";
}
