/**
 * The CI roles' permission documents, enforced by a real (local) AWS API: moto_server with its
 * request authentication on. The documents are attached to IAM users (moto authenticates users
 * and assumed roles alike; web identity cannot be exercised locally) and every call below is
 * signed with that user's own key.
 *
 * moto 5.2.1 matches resource ARNs only for role, S3, SQS and AssumeRole calls, so the suites run
 * test/support/moto_resource_auth.py, which adds user and secret ARNs and the iam:PolicyARN
 * condition (see that file). The last suite runs stock moto to show why.
 */
import * as assert from "node:assert/strict";
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  DeleteUserCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import {
  applyRolePolicy,
  CiScope,
  previewRolePolicy,
  usersPolicy,
} from "../../../components/githubOidcRole/permissions";
import { MOTO_CREDENTIALS, MotoServer, useMoto } from "../../support/moto";

const ACCOUNT = "123456789012";
const SCOPE: CiScope = {
  partition: "aws",
  accountId: ACCOUNT,
  region: "us-east-1",
  project: "iam-key-rotation",
  stack: "prod",
  path: "/key-rotation/",
  secretPrefix: "key-rotation/",
  // "stranger" lives under the managed path too, but is not one of this stack's users.
  users: ["managed", "new-consumer"],
  policyArns: [`arn:aws:iam::${ACCOUNT}:policy/ecr-push`],
  userTagKeys: ["team"],
  applyRoleName: "key-rotation-github-apply",
  previewRoleName: "key-rotation-github-preview",
  providerArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
  manageProvider: true,
  stateKeyPrefix: "",
};
const LISTED_POLICY = `arn:aws:iam::${ACCOUNT}:policy/ecr-push`;
const OTHER_POLICY = `arn:aws:iam::${ACCOUNT}:policy/admin-everything`;
const EVERYTHING = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
});
const TRUST_ANYONE = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }],
});

type Key = { accessKeyId: string; secretAccessKey: string };

interface World {
  apply: Key;
  preview: Key;
  /** Holds the apply policy and an extra Allow * / *: only the Deny stands in its way. */
  broad: Key;
  managedKeyId: string;
  outsiderKeyId: string;
}

/** Setup, unauthenticated: one request per step, so moto turns authentication on right after. */
function setupSteps(iam: IAMClient, sm: SecretsManagerClient, world: Partial<World>) {
  const keyOf = async (user: string): Promise<Key> => {
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!;
    return { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  };
  const apply = JSON.stringify(applyRolePolicy(SCOPE));
  const preview = JSON.stringify(previewRolePolicy(SCOPE));
  // The per-user grants live in managed policies on the roles; here, a second inline policy.
  const applyUsers = JSON.stringify(usersPolicy(SCOPE, true));
  const previewUsers = JSON.stringify(usersPolicy(SCOPE, false));
  return [
    () => iam.send(new CreatePolicyCommand({ PolicyName: "ecr-push", PolicyDocument: EVERYTHING })),
    () =>
      iam.send(
        new CreatePolicyCommand({ PolicyName: "admin-everything", PolicyDocument: EVERYTHING }),
      ),
    () => iam.send(new CreateUserCommand({ UserName: "ci-apply", Path: "/ci/" })),
    () =>
      iam.send(
        new PutUserPolicyCommand({
          UserName: "ci-apply",
          PolicyName: "apply",
          PolicyDocument: apply,
        }),
      ),
    () =>
      iam.send(
        new PutUserPolicyCommand({
          UserName: "ci-apply",
          PolicyName: "apply-users",
          PolicyDocument: applyUsers,
        }),
      ),
    async () => void (world.apply = await keyOf("ci-apply")),
    () => iam.send(new CreateUserCommand({ UserName: "ci-preview", Path: "/ci/" })),
    () =>
      iam.send(
        new PutUserPolicyCommand({
          UserName: "ci-preview",
          PolicyName: "preview",
          PolicyDocument: preview,
        }),
      ),
    () =>
      iam.send(
        new PutUserPolicyCommand({
          UserName: "ci-preview",
          PolicyName: "preview-users",
          PolicyDocument: previewUsers,
        }),
      ),
    async () => void (world.preview = await keyOf("ci-preview")),
    () => iam.send(new CreateUserCommand({ UserName: "ci-broad", Path: "/ci/" })),
    () =>
      iam.send(
        new PutUserPolicyCommand({
          UserName: "ci-broad",
          PolicyName: "apply",
          PolicyDocument: apply,
        }),
      ),
    () =>
      iam.send(
        new PutUserPolicyCommand({
          UserName: "ci-broad",
          PolicyName: "everything",
          PolicyDocument: EVERYTHING,
        }),
      ),
    async () => void (world.broad = await keyOf("ci-broad")),
    () => iam.send(new CreateUserCommand({ UserName: "managed", Path: "/key-rotation/" })),
    async () => void (world.managedKeyId = (await keyOf("managed")).accessKeyId),
    () => iam.send(new CreateUserCommand({ UserName: "outsider", Path: "/" })),
    async () => void (world.outsiderKeyId = (await keyOf("outsider")).accessKeyId),
    // Under the managed path, but not one of this stack's users (another stack's, say).
    () => iam.send(new CreateUserCommand({ UserName: "stranger", Path: "/key-rotation/" })),
    () => sm.send(new CreateSecretCommand({ Name: "key-rotation/stranger", SecretString: "{}" })),
    () =>
      iam.send(
        new CreateRoleCommand({
          RoleName: "key-rotation-github-apply",
          AssumeRolePolicyDocument: TRUST_ANYONE,
        }),
      ),
    () =>
      iam.send(
        new CreateRoleCommand({
          RoleName: "some-other-role",
          AssumeRolePolicyDocument: TRUST_ANYONE,
        }),
      ),
    () => sm.send(new CreateSecretCommand({ Name: "key-rotation/managed", SecretString: "{}" })),
    () => sm.send(new CreateSecretCommand({ Name: "other/outsider", SecretString: "{}" })),
  ];
}
const SETUP_REQUESTS = setupSteps({} as IAMClient, {} as SecretsManagerClient, {}).length;

/** Asserts the call is refused by moto's authorization for exactly this caller and action. */
async function denied(call: Promise<unknown>, caller: string, action: string): Promise<void> {
  await assert.rejects(call, (err: Error) => {
    assert.equal(err.name, "AccessDenied");
    assert.equal(
      err.message,
      `User: arn:aws:iam::${ACCOUNT}:user/${caller} is not authorized to perform: ${action}`,
    );
    return true;
  });
}

/**
 * moto answers an authorization failure of a JSON-protocol service (Secrets Manager) with IAM's
 * XML error body, which the SDK cannot parse; raise it as the error AWS would send instead.
 */
function readXmlErrors(client: SecretsManagerClient): SecretsManagerClient {
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

function clients(server: MotoServer, key: Key) {
  const config = server.clientConfig(key);
  return { iam: new IAMClient(config), sm: readXmlErrors(new SecretsManagerClient(config)) };
}

function withSetup(options: { resourceAuthorization: boolean }) {
  const moto = useMoto({ authAfter: SETUP_REQUESTS, resetEachTest: false, ...options });
  const world: Partial<World> = {};
  before(async () => {
    const admin = clients(moto.server, MOTO_CREDENTIALS);
    for (const step of setupSteps(admin.iam, admin.sm, world)) await step();
  });
  return { moto, world: world as World };
}

describe("CI role permissions against moto_server (signed requests, resource ARNs enforced)", function () {
  this.timeout(60_000);
  const { moto, world } = withSetup({ resourceAuthorization: true });

  describe("the apply role", () => {
    const as = () => clients(moto.server, world.apply);

    it("creates, deactivates and deletes keys of a user under the managed path", async () => {
      const { iam } = as();
      const created = await iam.send(new CreateAccessKeyCommand({ UserName: "managed" }));
      const id = created.AccessKey!.AccessKeyId!;
      await iam.send(
        new UpdateAccessKeyCommand({ UserName: "managed", AccessKeyId: id, Status: "Inactive" }),
      );
      const listed = await iam.send(new ListAccessKeysCommand({ UserName: "managed" }));
      assert.deepEqual(
        listed.AccessKeyMetadata?.map((k) => [k.AccessKeyId, k.Status]),
        [
          [world.managedKeyId, "Active"],
          [id, "Inactive"],
        ],
      );
      await iam.send(new DeleteAccessKeyCommand({ UserName: "managed", AccessKeyId: id }));
      const after = await iam.send(new ListAccessKeysCommand({ UserName: "managed" }));
      assert.deepEqual(
        after.AccessKeyMetadata?.map((k) => k.AccessKeyId),
        [world.managedKeyId],
      );
    });

    it("may not create keys for, delete, or read the secret of a user it does not manage, even under the path", async () => {
      const { iam, sm } = as();
      await denied(
        iam.send(new CreateAccessKeyCommand({ UserName: "stranger" })),
        "ci-apply",
        "iam:CreateAccessKey",
      );
      await denied(
        iam.send(new DeleteUserCommand({ UserName: "stranger" })),
        "ci-apply",
        "iam:DeleteUser",
      );
      await denied(
        sm.send(new GetSecretValueCommand({ SecretId: "key-rotation/stranger" })),
        "ci-apply",
        "secretsmanager:GetSecretValue",
      );
    });

    it("may not create, update, delete or list keys of a user outside the path", async () => {
      const { iam } = as();
      const id = world.outsiderKeyId;
      await denied(
        iam.send(new CreateAccessKeyCommand({ UserName: "outsider" })),
        "ci-apply",
        "iam:CreateAccessKey",
      );
      await denied(
        iam.send(
          new UpdateAccessKeyCommand({ UserName: "outsider", AccessKeyId: id, Status: "Inactive" }),
        ),
        "ci-apply",
        "iam:UpdateAccessKey",
      );
      await denied(
        iam.send(new DeleteAccessKeyCommand({ UserName: "outsider", AccessKeyId: id })),
        "ci-apply",
        "iam:DeleteAccessKey",
      );
      await denied(
        iam.send(new ListAccessKeysCommand({ UserName: "outsider" })),
        "ci-apply",
        "iam:ListAccessKeys",
      );
    });

    it("creates users under the managed path only", async () => {
      const { iam } = as();
      const created = await iam.send(
        new CreateUserCommand({
          UserName: "new-consumer",
          Path: "/key-rotation/",
          Tags: [{ Key: "team", Value: "data" }],
        }),
      );
      assert.equal(created.User?.Arn, `arn:aws:iam::${ACCOUNT}:user/key-rotation/new-consumer`);
      await denied(
        iam.send(new CreateUserCommand({ UserName: "stray", Path: "/" })),
        "ci-apply",
        "iam:CreateUser",
      );
    });

    it("reads any user's record tags, so a user not created yet is NoSuchEntity", async () => {
      const { iam } = as();
      const user = await iam.send(new GetUserCommand({ UserName: "outsider" }));
      assert.equal(user.User?.Arn, `arn:aws:iam::${ACCOUNT}:user/outsider`);
      await assert.rejects(iam.send(new GetUserCommand({ UserName: "not-yet" })), {
        name: "NoSuchEntityException",
      });
    });

    it("attaches only the policies the stack lists, and only to managed users", async () => {
      const { iam } = as();
      await iam.send(
        new AttachUserPolicyCommand({ UserName: "managed", PolicyArn: LISTED_POLICY }),
      );
      await denied(
        iam.send(new AttachUserPolicyCommand({ UserName: "managed", PolicyArn: OTHER_POLICY })),
        "ci-apply",
        "iam:AttachUserPolicy",
      );
      await denied(
        iam.send(new AttachUserPolicyCommand({ UserName: "outsider", PolicyArn: LISTED_POLICY })),
        "ci-apply",
        "iam:AttachUserPolicy",
      );
      await denied(
        iam.send(
          new PutUserPolicyCommand({
            UserName: "managed",
            PolicyName: "x",
            PolicyDocument: EVERYTHING,
          }),
        ),
        "ci-apply",
        "iam:PutUserPolicy",
      );
    });

    it("reads and writes the managed secrets only", async () => {
      const { sm } = as();
      await sm.send(
        new PutSecretValueCommand({ SecretId: "key-rotation/managed", SecretString: "v2" }),
      );
      const value = await sm.send(new GetSecretValueCommand({ SecretId: "key-rotation/managed" }));
      assert.equal(value.SecretString, "v2");
      const created = await sm.send(
        new CreateSecretCommand({ Name: "key-rotation/new-consumer", SecretString: "{}" }),
      );
      assert.match(created.ARN!, /:secret:key-rotation\/new-consumer-\w{6}$/);

      await denied(
        sm.send(new GetSecretValueCommand({ SecretId: "other/outsider" })),
        "ci-apply",
        "secretsmanager:GetSecretValue",
      );
      await denied(
        sm.send(new PutSecretValueCommand({ SecretId: "other/outsider", SecretString: "x" })),
        "ci-apply",
        "secretsmanager:PutSecretValue",
      );
      await denied(
        sm.send(new CreateSecretCommand({ Name: "other/new", SecretString: "{}" })),
        "ci-apply",
        "secretsmanager:CreateSecret",
      );
    });

    it("cannot change its own role, even holding an extra Allow * on *", async () => {
      const { iam } = clients(moto.server, world.broad);
      // The extra policy works: another role can be changed...
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: "some-other-role",
          PolicyName: "x",
          PolicyDocument: EVERYTHING,
        }),
      );
      // ...the CI role cannot.
      await denied(
        iam.send(
          new PutRolePolicyCommand({
            RoleName: "key-rotation-github-apply",
            PolicyName: "x",
            PolicyDocument: EVERYTHING,
          }),
        ),
        "ci-broad",
        "iam:PutRolePolicy",
      );
      await denied(
        iam.send(
          new UpdateAssumeRolePolicyCommand({
            RoleName: "key-rotation-github-apply",
            PolicyDocument: TRUST_ANYONE,
          }),
        ),
        "ci-broad",
        "iam:UpdateAssumeRolePolicy",
      );
    });
  });

  describe("the preview role", () => {
    const as = () => clients(moto.server, world.preview);

    it("reads managed users and secrets", async () => {
      const { iam, sm } = as();
      const keys = await iam.send(new ListAccessKeysCommand({ UserName: "managed" }));
      assert.ok(keys.AccessKeyMetadata?.some((k) => k.AccessKeyId === world.managedKeyId));
      const user = await iam.send(new GetUserCommand({ UserName: "managed" }));
      assert.equal(user.User?.Path, "/key-rotation/");
      const value = await sm.send(new GetSecretValueCommand({ SecretId: "key-rotation/managed" }));
      assert.equal(typeof value.SecretString, "string");
    });

    it("changes nothing", async () => {
      const { iam, sm } = as();
      await denied(
        iam.send(new CreateAccessKeyCommand({ UserName: "managed" })),
        "ci-preview",
        "iam:CreateAccessKey",
      );
      await denied(
        iam.send(
          new UpdateAccessKeyCommand({
            UserName: "managed",
            AccessKeyId: world.managedKeyId,
            Status: "Inactive",
          }),
        ),
        "ci-preview",
        "iam:UpdateAccessKey",
      );
      await denied(
        sm.send(new PutSecretValueCommand({ SecretId: "key-rotation/managed", SecretString: "x" })),
        "ci-preview",
        "secretsmanager:PutSecretValue",
      );
      await denied(
        iam.send(new ListAccessKeysCommand({ UserName: "outsider" })),
        "ci-preview",
        "iam:ListAccessKeys",
      );
      await denied(
        sm.send(new GetSecretValueCommand({ SecretId: "other/outsider" })),
        "ci-preview",
        "secretsmanager:GetSecretValue",
      );
    });
  });
});

describe("stock moto_server: why the resource shim exists", function () {
  this.timeout(60_000);
  const { moto, world } = withSetup({ resourceAuthorization: false });

  it("matches user calls against '*', so a path-scoped Allow never applies", async () => {
    const { iam, sm } = clients(moto.server, world.apply);
    // Allowed in AWS by ManagedUsersKeys (user/key-rotation/*); stock moto cannot tell.
    await denied(
      iam.send(new CreateAccessKeyCommand({ UserName: "managed" })),
      "ci-apply",
      "iam:CreateAccessKey",
    );
    // Allowed in AWS by ManagedSecrets (secret:key-rotation/managed-??????); stock moto reads the
    // IAM wildcard ? as regex syntax and fails with a server error.
    await assert.rejects(
      sm.send(new GetSecretValueCommand({ SecretId: "key-rotation/managed" })),
      (err: { $response?: { statusCode?: number }; $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(err.$response?.statusCode ?? err.$metadata?.httpStatusCode, 500);
        return true;
      },
    );
    // Role calls do carry the role's ARN in stock moto: the Deny on the CI role holds there too.
    const broad = clients(moto.server, world.broad).iam;
    await broad.send(
      new PutRolePolicyCommand({
        RoleName: "some-other-role",
        PolicyName: "x",
        PolicyDocument: EVERYTHING,
      }),
    );
    await denied(
      broad.send(
        new PutRolePolicyCommand({
          RoleName: "key-rotation-github-apply",
          PolicyName: "x",
          PolicyDocument: EVERYTHING,
        }),
      ),
      "ci-broad",
      "iam:PutRolePolicy",
    );
  });
});
