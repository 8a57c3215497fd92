/**
 * RotatedKeyUser reads aws:region once per run, not once per user: each read of aws.config
 * parses the whole stack config (which lists every user), so a read per user made a run
 * quadratic in users. A new run (here: a new setMocks) reads it again.
 */
import * as assert from "node:assert/strict";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { RecordingMocks, useMocks, valueOf } from "../../support/mocks";

const POLICY = "aws:iam/userPolicy:UserPolicy";

/** Counts the reads of one config key (every pulumi.Config read goes through getConfig). */
function countReads(key: string): { reads: number; restore: () => void } {
  const original = runtimeConfig.getConfig;
  const counter = {
    reads: 0,
    restore: () => {
      (runtimeConfig as { getConfig: typeof original }).getConfig = original;
    },
  };
  (runtimeConfig as { getConfig: typeof original }).getConfig = (k: string) => {
    if (k === key) counter.reads++;
    return original(k);
  };
  return counter;
}

/** Builds `count` users with a customer managed key (their self-read policies name the region). */
async function run(region: string, count: number): Promise<{ regions: string[]; reads: number }> {
  const mocks = new RecordingMocks();
  await useMocks(mocks, { config: { "aws:region": region } });
  const { RotatedKeyUser } = await import("../../../components/rotatedKeyUser/rotatedKeyUser");
  const counter = countReads("aws:region");
  try {
    const users = Array.from(
      { length: count },
      (_, i) =>
        new RotatedKeyUser(`u${i}`, {
          userName: `user-${i}`,
          recorded: null,
          published: null,
          kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/abc",
          waitForNewKey: false,
          today: "2026-11-22",
        }),
    );
    await Promise.all(users.map((u) => valueOf(u.secretArn)));
  } finally {
    counter.restore();
  }
  const regions = mocks.ofType(POLICY).map((p) => {
    const doc = JSON.parse(String(p.inputs.policy)) as {
      Statement: { Condition?: { StringEquals?: Record<string, string> } }[];
    };
    return doc.Statement.flatMap((s) => s.Condition?.StringEquals?.["kms:ViaService"] ?? []).join();
  });
  return { regions, reads: counter.reads };
}

describe("RotatedKeyUser: aws:region", () => {
  it("is read once per run, whatever the number of users", async () => {
    const { regions, reads } = await run("eu-west-1", 5);
    assert.deepEqual(regions, Array(5).fill("secretsmanager.eu-west-1.amazonaws.com"));
    assert.equal(reads, 1);
  });

  it("is read again by the next run, which may name another region", async () => {
    await run("eu-west-1", 1);
    const { regions, reads } = await run("ap-southeast-2", 2);
    assert.deepEqual(regions, Array(2).fill("secretsmanager.ap-southeast-2.amazonaws.com"));
    assert.equal(reads, 1);
  });
});
