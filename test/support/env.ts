// Loaded by mocha before any spec (.mocharc.json "require"): keep the tests hermetic.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
// Never reach an instance metadata endpoint or a developer's real profile.
process.env.AWS_EC2_METADATA_DISABLED = "true";
delete process.env.AWS_PROFILE;
delete process.env.AWS_ACCESS_KEY_ID;
delete process.env.AWS_SECRET_ACCESS_KEY;
delete process.env.AWS_SESSION_TOKEN;
