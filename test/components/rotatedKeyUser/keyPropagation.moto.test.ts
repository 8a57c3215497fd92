import * as assert from "node:assert/strict";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  ListUsersCommand,
} from "@aws-sdk/client-iam";
import { useMoto } from "../../support/moto";
import { waitUntilKeyWorks } from "../../../components/rotatedKeyUser/keyPropagation";

describe("moto_server harness and the key propagation check", () => {
  const moto = useMoto();

  it("serves IAM on 127.0.0.1 and forgets everything on reset", async () => {
    assert.match(moto.server.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    const iam = new IAMClient(moto.server.clientConfig());
    await iam.send(new CreateUserCommand({ UserName: "alice" }));
    const before = await iam.send(new ListUsersCommand({}));
    assert.deepEqual(
      before.Users?.map((u) => u.UserName),
      ["alice"],
    );
    await moto.server.reset();
    const after = await iam.send(new ListUsersCommand({}));
    assert.deepEqual(after.Users ?? [], []);
  });

  it("waitUntilKeyWorks returns the identity of a working key", async () => {
    const iam = new IAMClient(moto.server.clientConfig());
    await iam.send(new CreateUserCommand({ UserName: "bob" }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: "bob" }))).AccessKey!;
    const identity = await waitUntilKeyWorks(
      { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! },
      { endpoint: moto.server.endpoint, timeoutMs: 5_000, intervalMs: 100 },
    );
    assert.equal(identity.arn, "arn:aws:iam::123456789012:user/bob");
    assert.equal(identity.account, "123456789012");
    assert.equal(identity.attempts, 1);
  });
});
