/**
 * The key propagation check against an STS endpoint that never answers: each call gives up on
 * its own (`credentials` asks STS once, as a consumer's credential_process, and must not hang).
 */
import * as assert from "node:assert/strict";
import { waitUntilKeyWorks } from "../../../components/rotatedKeyUser/keyPropagation";
import { SilentServer } from "../../support/silentServer";

describe("waitUntilKeyWorks against an endpoint that never answers", () => {
  it("gives up on the call after callTimeoutMs, naming the timeout as the cause", async () => {
    const silent = await SilentServer.start();
    try {
      const failure = await waitUntilKeyWorks(
        { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "testing" },
        { endpoint: silent.endpoint, timeoutMs: 0, callTimeoutMs: 300 },
      ).then(
        () => assert.fail("the check succeeded"),
        (err: Error) => err,
      );
      assert.match(
        failure.message,
        /^Access key AKIAEXAMPLE was not accepted by STS after 1 attempt in 0 s: TimeoutError: .*exceeded the configured 300 ms requestTimeout/,
      );
      assert.equal((failure.cause as Error).name, "TimeoutError");
      assert.equal(silent.requests.length, 1);
    } finally {
      await silent.stop();
    }
  });
});
