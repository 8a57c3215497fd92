/**
 * The command line's last line of defence (cli/main.ts): an unexpected error (a bug) exits 4
 * and prints only its kind, since its message or stack may quote what the command read;
 * IAM_KEY_ROTATION_DEBUG=1 prints the details.
 */
import * as assert from "node:assert/strict";
import { main } from "../../cli/main";
import { ROOT } from "../support/root";

async function crash(env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  const code = await main(["plan", "--stack", "prod", "--days", "1"], {
    stdout: () => {
      throw new TypeError("cannot print wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    },
    stderr: (text) => (stderr += text),
    cwd: ROOT,
    env,
    stderrIsTTY: false,
    now: () => new Date("2026-11-22T10:00:00Z"),
  });
  return { code, stderr };
}

describe("iam-key-rotation: an unexpected error", () => {
  it("exits 4 and prints its kind only, never its message or stack", async () => {
    assert.deepEqual(await crash({}), {
      code: 4,
      stderr:
        "error: internal error (TypeError); set IAM_KEY_ROTATION_DEBUG=1 to print its details, " +
        "which may include data the command read.\n",
    });
  });

  it("prints the stack with IAM_KEY_ROTATION_DEBUG=1", async () => {
    const { code, stderr } = await crash({ IAM_KEY_ROTATION_DEBUG: "1" });
    assert.equal(code, 4);
    assert.match(stderr, /^error: TypeError: cannot print wJalr\S+\n {4}at /);
  });
});
