/**
 * The IAM calls a run makes with the program's own credentials (./liveReads.ts readLastUse,
 * deleteInactiveKey) against moto_server: last use recorded by a real request signed with the
 * key, a never-used key, and deleting an adopted user's Inactive key but never an Active one.
 */
import * as assert from "node:assert/strict";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUsersCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { MOTO_REGION, useMoto } from "../../support/moto";
import {
  deleteInactiveKey,
  iamCalls,
  readLastUse,
} from "../../../components/rotatedKeyUser/liveReads";
import { utcToday } from "../../../lib/days";

describe("live IAM calls against moto_server", () => {
  const moto = useMoto();
  let admin: IAMClient;

  before(() => {
    admin = new IAMClient(moto.server.clientConfig());
    iamCalls.client = admin;
  });
  after(() => {
    iamCalls.client = undefined;
  });

  async function userWithKeys(userName: string, count: number) {
    await admin.send(new CreateUserCommand({ UserName: userName }));
    const keys = [];
    for (let i = 0; i < count; i++) {
      const out = await admin.send(new CreateAccessKeyCommand({ UserName: userName }));
      keys.push({ id: out.AccessKey!.AccessKeyId!, secret: out.AccessKey!.SecretAccessKey! });
    }
    return keys;
  }

  async function keysOf(userName: string) {
    const out = await admin.send(new ListAccessKeysCommand({ UserName: userName }));
    return (out.AccessKeyMetadata ?? []).map((k) => ({ id: k.AccessKeyId, status: k.Status }));
  }

  describe("readLastUse", () => {
    it("a never-used key: null", async () => {
      const [key] = await userWithKeys("ci", 1);
      assert.equal(await readLastUse(key.id), null);
    });

    it("after an STS request signed with the key: its date, sts and the region", async () => {
      const [key, other] = await userWithKeys("ci", 2);
      const dayBefore = utcToday();
      const sts = new STSClient(
        moto.server.clientConfig({ accessKeyId: key.id, secretAccessKey: key.secret }),
      );
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      assert.equal(identity.Arn, "arn:aws:iam::123456789012:user/ci");
      const dayAfter = utcToday();

      const use = await readLastUse(key.id);
      assert.ok(use !== null);
      assert.deepEqual(
        { ...use, date: "(checked below)" },
        {
          date: "(checked below)",
          service: "sts",
          region: MOTO_REGION,
        },
      );
      assert.match(use.date, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      assert.ok([dayBefore, dayAfter].includes(use.date.slice(0, 10)), use.date);
      // Only the key that signed the request.
      assert.equal(await readLastUse(other.id), null);
    });

    it("after an IAM request signed with the key: iam", async () => {
      const [key] = await userWithKeys("ci", 1);
      const asKey = new IAMClient(
        moto.server.clientConfig({ accessKeyId: key.id, secretAccessKey: key.secret }),
      );
      await asKey.send(new ListUsersCommand({}));
      const use = await readLastUse(key.id);
      assert.equal(use?.service, "iam");
      assert.equal(use?.region, MOTO_REGION);
    });

    it("a key that does not exist: the read fails (the run plan turns it into a warning)", async () => {
      await assert.rejects(readLastUse("AKIANOTEXISTING00000"), { name: "NoSuchEntityException" });
    });
  });

  describe("deleteInactiveKey", () => {
    it("deletes an Inactive key, leaving the other", async () => {
      const [kept, inactive] = await userWithKeys("legacy", 2);
      await admin.send(
        new UpdateAccessKeyCommand({
          UserName: "legacy",
          AccessKeyId: inactive.id,
          Status: "Inactive",
        }),
      );
      await deleteInactiveKey("legacy", inactive.id);
      assert.deepEqual(await keysOf("legacy"), [{ id: kept.id, status: "Active" }]);
    });

    it("refuses an Active key: it still exists afterwards", async () => {
      const [active] = await userWithKeys("legacy", 1);
      await assert.rejects(deleteInactiveKey("legacy", active.id), {
        message:
          `Access key ${active.id} of IAM user "legacy" is Active now: it is not deleted. ` +
          `Stopping; run again to see what adoption will do.`,
      });
      assert.deepEqual(await keysOf("legacy"), [{ id: active.id, status: "Active" }]);
    });

    it("a key already gone: nothing to do", async () => {
      const [active] = await userWithKeys("legacy", 1);
      await deleteInactiveKey("legacy", "AKIANOTEXISTING00000");
      assert.deepEqual(await keysOf("legacy"), [{ id: active.id, status: "Active" }]);
    });

    it("never deletes another user's key of that id", async () => {
      const [theirs] = await userWithKeys("other", 1);
      await admin.send(
        new UpdateAccessKeyCommand({
          UserName: "other",
          AccessKeyId: theirs.id,
          Status: "Inactive",
        }),
      );
      await userWithKeys("legacy", 0);
      await deleteInactiveKey("legacy", theirs.id);
      assert.deepEqual(await keysOf("other"), [{ id: theirs.id, status: "Inactive" }]);
    });
  });
});
