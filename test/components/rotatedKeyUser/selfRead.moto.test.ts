/**
 * The self-read grant (issue 12), proven with signed requests against moto_server with request
 * authentication on and resource-level authorization (test/support/moto_resource_auth.py): the
 * inline policy RotatedKeyUser attaches (`iam-key-rotation-self-read`, the document of
 * settings.ts selfReadPolicy for the secret's real ARN) lets the current key and, during the
 * overlap, the previous key read and describe their own secret, and nothing else: not another
 * user's secret, not the list of secrets. Without the policy, the same reads are denied, so the
 * grant is what allows them.
 */
import * as assert from "node:assert/strict";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteUserPolicyCommand,
  GetUserPolicyCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { SELF_READ_POLICY_NAME } from "../../../components/rotatedKeyUser/settings";
import { setMotoAuth } from "../../support/cli";
import { useMoto } from "../../support/moto";
import { putSelfRead } from "../../support/selfRead";

const POLICY_NAME = SELF_READ_POLICY_NAME;

interface Key {
  accessKeyId: string;
  secretAccessKey: string;
}

interface ManagedUser {
  name: string;
  secretArn: string;
  secretText: string;
  /** The keys the user holds: [current] or [current, previous] during an overlap. */
  keys: { role: "current" | "previous"; key: Key }[];
}

/** What a signed request answered: "ok", or the AWS error's name and message. */
async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return "ok";
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
}

/** The denial moto answers `user` for `action` (its message leaves out the user's path). */
const denial = (user: string, action: string) =>
  `AccessDenied: User: arn:aws:iam::123456789012:user/${user} is not authorized ` +
  `to perform: secretsmanager:${action}`;

/**
 * A Secrets Manager client signing with `key`. moto answers an authorization failure of this
 * JSON-protocol service with IAM's XML error body, which the SDK cannot parse: it is raised as
 * the error AWS would send instead (as in test/components/githubOidcRole/permissions.moto.test.ts).
 */
function secretsClient(config: object): SecretsManagerClient {
  const client = new SecretsManagerClient(config);
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as { statusCode?: number; body?: AsyncIterable<Buffer> };
      if (response.statusCode === 403 && response.body !== undefined) {
        const chunks: Buffer[] = [];
        for await (const chunk of response.body) chunks.push(Buffer.from(chunk));
        const text = Buffer.concat(chunks).toString("utf8");
        const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
        const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
        if (code !== undefined) throw Object.assign(new Error(message), { name: code });
      }
      return result;
    },
    { step: "deserialize", priority: "low", name: "motoXmlErrors" },
  );
  return client;
}

describe("self-read: a managed user reads exactly its own secret (signed requests, moto)", function () {
  this.timeout(60_000);
  const moto = useMoto({ resourceAuthorization: true });
  let admin: { iam: IAMClient; sm: SecretsManagerClient };
  let alice: ManagedUser;
  let bob: ManagedUser;

  async function manage(name: string, overlap: boolean): Promise<ManagedUser> {
    await admin.iam.send(new CreateUserCommand({ UserName: name, Path: "/key-rotation/" }));
    const newKey = async (): Promise<Key> => {
      const k = (await admin.iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
      return { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
    };
    const previous = overlap ? await newKey() : undefined;
    const current = await newKey();
    const secretText = JSON.stringify({ userName: name, accessKeyId: current.accessKeyId });
    const secretArn = (
      await admin.sm.send(
        new CreateSecretCommand({ Name: `key-rotation/${name}`, SecretString: secretText }),
      )
    ).ARN!;
    await putSelfRead(admin.iam, name, secretArn);
    return {
      name,
      secretArn,
      secretText,
      keys: [
        { role: "current", key: current },
        ...(previous !== undefined ? [{ role: "previous" as const, key: previous }] : []),
      ],
    };
  }

  const sm = (key: Key) => secretsClient(moto.server.clientConfig(key));

  beforeEach(async () => {
    await setMotoAuth(moto.server.endpoint, Infinity);
    admin = {
      iam: new IAMClient(moto.server.clientConfig()),
      sm: new SecretsManagerClient(moto.server.clientConfig()),
    };
    alice = await manage("alice", true); // during an overlap: two Active keys
    bob = await manage("bob", false);
    await setMotoAuth(moto.server.endpoint, 0);
  });
  afterEach(async () => {
    await setMotoAuth(moto.server.endpoint, Infinity);
    admin.iam.destroy();
    admin.sm.destroy();
  });

  it("attaches the document selfReadPolicy makes: the two reads, on the secret's exact ARN", async () => {
    await setMotoAuth(moto.server.endpoint, Infinity);
    const policy = await admin.iam.send(
      new GetUserPolicyCommand({ UserName: "alice", PolicyName: POLICY_NAME }),
    );
    assert.deepEqual(JSON.parse(decodeURIComponent(policy.PolicyDocument!)), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ReadOwnSecret",
          Effect: "Allow",
          Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
          Resource: alice.secretArn,
        },
      ],
    });
    assert.match(
      alice.secretArn,
      /^arn:aws:secretsmanager:us-east-1:123456789012:secret:key-rotation\/alice-\w{6}$/,
    );
  });

  it("the current key and, during the overlap, the previous key read their own secret", async () => {
    assert.deepEqual(
      alice.keys.map((k) => k.role),
      ["current", "previous"],
    );
    for (const user of [alice, bob]) {
      for (const { role, key } of user.keys) {
        const client = sm(key);
        try {
          const value = await client.send(new GetSecretValueCommand({ SecretId: user.secretArn }));
          assert.equal(value.SecretString, user.secretText, `${user.name} ${role}`);
          // By name too, as consumers and `credentials` ask for it.
          const byName = await client.send(
            new GetSecretValueCommand({ SecretId: `key-rotation/${user.name}` }),
          );
          assert.equal(byName.SecretString, user.secretText, `${user.name} ${role}`);
          const described = await client.send(
            new DescribeSecretCommand({ SecretId: `key-rotation/${user.name}` }),
          );
          assert.deepEqual(
            [described.Name, described.ARN],
            [`key-rotation/${user.name}`, user.secretArn],
          );
        } finally {
          client.destroy();
        }
      }
    }
  });

  it("neither key reads another user's secret, nor lists secrets", async () => {
    const cases: [ManagedUser, ManagedUser][] = [
      [alice, bob],
      [bob, alice],
    ];
    for (const [user, other] of cases) {
      for (const { role, key } of user.keys) {
        const client = sm(key);
        try {
          assert.deepEqual(
            [
              await outcome(() =>
                client.send(new GetSecretValueCommand({ SecretId: other.secretArn })),
              ),
              await outcome(() =>
                client.send(new GetSecretValueCommand({ SecretId: `key-rotation/${other.name}` })),
              ),
              await outcome(() =>
                client.send(new DescribeSecretCommand({ SecretId: `key-rotation/${other.name}` })),
              ),
              await outcome(() => client.send(new ListSecretsCommand({}))),
            ],
            [
              denial(user.name, "GetSecretValue"),
              denial(user.name, "GetSecretValue"),
              denial(user.name, "DescribeSecret"),
              denial(user.name, "ListSecrets"),
            ],
            `${user.name}'s ${role} key`,
          );
        } finally {
          client.destroy();
        }
      }
    }
  });

  it("without the policy, the user's own reads are denied: the grant is what allows them", async () => {
    await setMotoAuth(moto.server.endpoint, Infinity);
    await admin.iam.send(
      new DeleteUserPolicyCommand({ UserName: "alice", PolicyName: POLICY_NAME }),
    );
    await setMotoAuth(moto.server.endpoint, 0);
    for (const { role, key } of alice.keys) {
      const client = sm(key);
      try {
        assert.deepEqual(
          [
            await outcome(() =>
              client.send(new GetSecretValueCommand({ SecretId: "key-rotation/alice" })),
            ),
            await outcome(() =>
              client.send(new DescribeSecretCommand({ SecretId: "key-rotation/alice" })),
            ),
          ],
          [denial("alice", "GetSecretValue"), denial("alice", "DescribeSecret")],
          role,
        );
      } finally {
        client.destroy();
      }
    }
  });
});
