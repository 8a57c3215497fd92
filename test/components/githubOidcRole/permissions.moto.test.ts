/**
 * The CI roles' permission documents, enforced by a real (local) AWS API: moto_server with its
 * request authentication on. The documents are attached to IAM users (moto authenticates users
 * and assumed roles alike; web identity cannot be exercised locally) and every call below is
 * signed with that user's own key.
 *
 * moto 5.2.1 matches resource ARNs only for role, S3, SQS and AssumeRole calls, and evaluates
 * conditions its own way, so the suites run test/support/moto_resource_auth.py, which adds user,
 * secret, topic, alarm and event rule ARNs, IAM's condition semantics and the condition values
 * these documents test (tags, iam:PolicyARN, s3:prefix; see that file). The last suite runs
 * stock moto to show why.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUserPoliciesCommand,
  ListUserTagsCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-secrets-manager";
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetTopicAttributesCommand,
  SetTopicAttributesCommand,
  SNSClient,
  SubscribeCommand,
} from "@aws-sdk/client-sns";
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  DisableAlarmActionsCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import {
  DescribeRuleCommand,
  DisableRuleCommand,
  EventBridgeClient,
  PutRuleCommand,
  RemoveTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import {
  applyRolePolicy,
  CiScope,
  previewRolePolicy,
  usersPolicy,
} from "../../../components/githubOidcRole/permissions";
import { RECORD_TAG_KEYS } from "../../../components/rotatedKeyUser/rotationRecord";
import { MOTO_CREDENTIALS, MOTO_REGION, MotoServer, useMoto } from "../../support/moto";

const ACCOUNT = "123456789012";
const LISTED_POLICY = `arn:aws:iam::${ACCOUNT}:policy/ecr-push`;
const OTHER_USERS_POLICY = `arn:aws:iam::${ACCOUNT}:policy/s3-read`;
const OTHER_POLICY = `arn:aws:iam::${ACCOUNT}:policy/admin-everything`;
const RULE = "iam-key-rotation-access-keys-rotated";
const NON_COMPLIANT = `${RULE}-non-compliant`;
const BUCKET = "acme-pulumi-state";
const SCOPE: CiScope = {
  partition: "aws",
  accountId: ACCOUNT,
  region: MOTO_REGION,
  project: "iam-key-rotation",
  stack: "prod",
  secretPrefix: "key-rotation/",
  // "stranger" lives under the managed path too, but is another stack's user.
  users: [
    {
      name: "managed",
      path: "/key-rotation/",
      tags: { team: "platform", consumer: "jenkins" },
      policyArns: [LISTED_POLICY],
    },
    {
      name: "new-consumer",
      path: "/key-rotation/",
      tags: { team: "data" },
      policyArns: [OTHER_USERS_POLICY],
    },
  ],
  applyRoleName: "key-rotation-github-apply",
  previewRoleName: "key-rotation-github-preview",
  providerArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
  manageProvider: true,
  stateBucket: BUCKET,
  stateKeyPrefix: "",
  compliance: {
    componentName: "key-rotation-compliance",
    ruleName: RULE,
    recorder: false,
    organization: false,
  },
};
const COMPLIANCE_TOPIC = `arn:aws:sns:${MOTO_REGION}:${ACCOUNT}:key-rotation-compliance-topic-1a2b3c`;
const OTHER_TOPIC = `arn:aws:sns:${MOTO_REGION}:${ACCOUNT}:other-topic`;
const EVERYTHING = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
});
const TRUST_ANYONE = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }],
});
const [RECORD_KEY, OTHER_RECORD_KEY] = RECORD_TAG_KEYS;
/** The state objects this stack's backend keeps, and another stack's checkpoint. */
const STATE = {
  meta: ".pulumi/meta.yaml",
  checkpoint: ".pulumi/stacks/iam-key-rotation/prod.json",
  tags: ".pulumi/stacks/iam-key-rotation/prod.pulumi-tags",
  history: ".pulumi/history/iam-key-rotation/prod/prod-1700000000000000000.history.json",
  lock: ".pulumi/locks/organization/iam-key-rotation/prod/0b1c2d3e.json",
  otherStack: ".pulumi/stacks/iam-key-rotation/dev.json",
};

type Key = { accessKeyId: string; secretAccessKey: string };

interface World {
  apply: Key;
  preview: Key;
  /** Holds the apply policies and an extra Allow * / *: only the Denies stand in its way. */
  broad: Key;
  managedKeyId: string;
  outsiderKeyId: string;
  strangerKeyId: string;
}

type Step = () => Promise<unknown>;

/** An unsigned S3 request (setup, while moto does not authenticate yet). */
function s3Put(endpoint: string, key: string): Step {
  return async () => {
    const res = await fetch(`${endpoint}/${BUCKET}${key === "" ? "" : `/${key}`}`, {
      method: "PUT",
      body: key === "" ? undefined : "{}",
    });
    if (!res.ok) throw new Error(`PUT ${key}: ${res.status} ${await res.text()}`);
  };
}

/** Setup, unauthenticated: one request per step, so moto turns authentication on right after. */
function setupSteps(c: Clients, endpoint: string, world: Partial<World>): Step[] {
  const { iam, sm } = c;
  const keyOf = async (user: string): Promise<Key> => {
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!;
    return { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  };
  const policies = {
    apply: JSON.stringify(applyRolePolicy(SCOPE)),
    preview: JSON.stringify(previewRolePolicy(SCOPE)),
    // The per-user grants live in managed policies on the roles; here, a second inline policy.
    "apply-users": JSON.stringify(usersPolicy(SCOPE, true)),
    "preview-users": JSON.stringify(usersPolicy(SCOPE, false)),
    everything: EVERYTHING,
  };
  const ciUser = (name: string, docs: (keyof typeof policies)[], into: keyof World): Step[] => [
    () => iam.send(new CreateUserCommand({ UserName: name, Path: "/ci/" })),
    ...docs.map(
      (doc): Step =>
        () =>
          iam.send(
            new PutUserPolicyCommand({
              UserName: name,
              PolicyName: doc,
              PolicyDocument: policies[doc],
            }),
          ),
    ),
    async () => void ((world as Record<string, Key>)[into] = await keyOf(name)),
  ];
  const alarm =
    (name: string): Step =>
    () =>
      c.cw.send(
        new PutMetricAlarmCommand({
          AlarmName: name,
          Namespace: "AWS/Events",
          MetricName: "TriggeredRules",
          Statistic: "Sum",
          Period: 300,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: "GreaterThanOrEqualToThreshold",
        }),
      );
  const rule =
    (name: string): Step =>
    () =>
      c.events.send(
        new PutRuleCommand({
          Name: name,
          EventPattern: JSON.stringify({ source: ["aws.config"] }),
        }),
      );
  return [
    ...["ecr-push", "s3-read", "admin-everything"].map(
      (name): Step =>
        () =>
          iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: EVERYTHING })),
    ),
    ...ciUser("ci-apply", ["apply", "apply-users"], "apply"),
    ...ciUser("ci-preview", ["preview", "preview-users"], "preview"),
    ...ciUser("ci-broad", ["apply", "apply-users", "everything"], "broad"),
    () =>
      iam.send(
        new CreateUserCommand({
          UserName: "managed",
          Path: "/key-rotation/",
          Tags: [
            { Key: "team", Value: "platform" },
            { Key: "consumer", Value: "jenkins" },
          ],
        }),
      ),
    async () => void (world.managedKeyId = (await keyOf("managed")).accessKeyId),
    // The self-read policy an administrator's apply puts on each managed user.
    () =>
      iam.send(
        new PutUserPolicyCommand({
          UserName: "managed",
          PolicyName: "iam-key-rotation-self-read",
          PolicyDocument: EVERYTHING,
        }),
      ),
    () => iam.send(new CreateUserCommand({ UserName: "outsider", Path: "/" })),
    async () => void (world.outsiderKeyId = (await keyOf("outsider")).accessKeyId),
    // Under the managed path, but not one of this stack's users (another stack's, say).
    () => iam.send(new CreateUserCommand({ UserName: "stranger", Path: "/key-rotation/" })),
    async () => void (world.strangerKeyId = (await keyOf("stranger")).accessKeyId),
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
    () =>
      sm.send(
        new CreateSecretCommand({
          Name: "key-rotation/managed",
          SecretString: "{}",
          Tags: [
            { Key: "key-rotation:user", Value: "managed" },
            { Key: "team", Value: "platform" },
          ],
        }),
      ),
    () => sm.send(new CreateSecretCommand({ Name: "other/outsider", SecretString: "{}" })),
    // The compliance paging path, and one of each kind that is not on it.
    () => c.sns.send(new CreateTopicCommand({ Name: COMPLIANCE_TOPIC.split(":").pop()! })),
    () => c.sns.send(new CreateTopicCommand({ Name: "other-topic" })),
    alarm(NON_COMPLIANT),
    alarm("other-alarm"),
    rule(NON_COMPLIANT),
    rule("other-rule"),
    // The Pulumi DIY backend's objects.
    s3Put(endpoint, ""),
    ...Object.values(STATE).map((key) => s3Put(endpoint, key)),
  ];
}
const SETUP_REQUESTS = setupSteps({} as Clients, "", {}).length;

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
 * moto answers an authorization failure of a JSON-protocol service (Secrets Manager, CloudWatch,
 * EventBridge) with IAM's XML error body, which the SDK cannot parse; raise it as the error AWS
 * would send instead.
 */
function readXmlErrors<C extends SecretsManagerClient | CloudWatchClient | EventBridgeClient>(
  client: C,
): C {
  (client.middlewareStack as SecretsManagerClient["middlewareStack"]).add(
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

interface Clients {
  iam: IAMClient;
  sm: SecretsManagerClient;
  sns: SNSClient;
  cw: CloudWatchClient;
  events: EventBridgeClient;
}

function clients(server: MotoServer, key: Key): Clients {
  const config = server.clientConfig(key);
  return {
    iam: new IAMClient(config),
    sm: readXmlErrors(new SecretsManagerClient(config)),
    sns: new SNSClient(config),
    cw: readXmlErrors(new CloudWatchClient(config)),
    events: readXmlErrors(new EventBridgeClient(config)),
  };
}

/** One S3 call: list a prefix (or the whole bucket), or get, put or delete a key. */
type S3Call = ["list", string | null] | ["get" | "put" | "delete", string];

/** Runs the calls with boto3, in one process. */
const S3_CALLS = `
import json, sys, boto3, botocore.config
from botocore.exceptions import ClientError
args = json.load(sys.stdin)
s3 = boto3.client("s3", endpoint_url=args["endpoint"], region_name=args["region"],
    aws_access_key_id=args["key"]["accessKeyId"], aws_secret_access_key=args["key"]["secretAccessKey"],
    config=botocore.config.Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
out = []
for op, arg in args["calls"]:
    try:
        if op == "list":
            s3.list_objects_v2(Bucket=args["bucket"], **({} if arg is None else {"Prefix": arg}))
        elif op == "get":
            s3.get_object(Bucket=args["bucket"], Key=arg)["Body"].read()
        elif op == "put":
            s3.put_object(Bucket=args["bucket"], Key=arg, Body=b"{}")
        else:
            s3.delete_object(Bucket=args["bucket"], Key=arg)
        out.append("ok")
    except ClientError as e:
        out.append(e.response["Error"]["Code"])
print(json.dumps(out))
`;

/**
 * S3 calls signed with `key` (the project has no S3 SDK client; boto3 comes with moto): "ok",
 * or the error code S3 answered with, for each call.
 */
function s3(server: MotoServer, key: Key, calls: S3Call[]): string[] {
  const result = spawnSync(process.env.MOTO_PYTHON ?? "python3", ["-c", S3_CALLS], {
    encoding: "utf8",
    input: JSON.stringify({
      endpoint: server.endpoint,
      region: MOTO_REGION,
      bucket: BUCKET,
      key,
      calls,
    }),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_CONFIG_FILE: "/dev/null" },
  });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as string[];
}

function withSetup(options: { resourceAuthorization: boolean }) {
  const moto = useMoto({ authAfter: SETUP_REQUESTS, resetEachTest: false, ...options });
  const world: Partial<World> = {};
  before(async function () {
    this.timeout(60_000);
    const admin = clients(moto.server, MOTO_CREDENTIALS);
    for (const step of setupSteps(admin, moto.server.endpoint, world)) await step();
  });
  return { moto, world: world as World };
}

const tag = (Key: string, Value: string) => ({ Key, Value });

describe("CI role permissions against moto_server (signed requests, resource ARNs and conditions enforced)", function () {
  this.timeout(60_000);
  const { moto, world } = withSetup({ resourceAuthorization: true });

  describe("the apply role", () => {
    const as = () => clients(moto.server, world.apply);

    it("creates, deactivates and deletes keys of a managed user", async () => {
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

    it("may not touch another stack's user under the same path: keys, record tags, deletion, secret", async () => {
      const { iam, sm } = as();
      await denied(
        iam.send(new CreateAccessKeyCommand({ UserName: "stranger" })),
        "ci-apply",
        "iam:CreateAccessKey",
      );
      await denied(
        iam.send(
          new TagUserCommand({ UserName: "stranger", Tags: [tag(RECORD_KEY, "2099-01-01")] }),
        ),
        "ci-apply",
        "iam:TagUser",
      );
      await denied(
        iam.send(new UntagUserCommand({ UserName: "stranger", TagKeys: [RECORD_KEY] })),
        "ci-apply",
        "iam:UntagUser",
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
      await denied(
        iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: world.strangerKeyId })),
        "ci-apply",
        "iam:GetAccessKeyLastUsed",
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

    it("sets and removes the record tags of a managed user, any value", async () => {
      const { iam } = as();
      await iam.send(
        new TagUserCommand({
          UserName: "managed",
          Tags: [tag(RECORD_KEY, "blue"), tag(OTHER_RECORD_KEY, "2026-01-01")],
        }),
      );
      await iam.send(new UntagUserCommand({ UserName: "managed", TagKeys: [OTHER_RECORD_KEY] }));
      const tags = await iam.send(new ListUserTagsCommand({ UserName: "managed" }));
      assert.deepEqual(
        tags.Tags?.map((t) => [t.Key, t.Value]).sort(),
        [
          [RECORD_KEY, "blue"],
          ["consumer", "jenkins"],
          ["team", "platform"],
        ].sort(),
      );
    });

    it("sets a managed user's own tags only to the configured values, and never removes them", async () => {
      const { iam } = as();
      // The configured values, one alone or with the record (the AWS provider sends only what
      // changed: a plain StringEquals on the other configured key would refuse these).
      await iam.send(new TagUserCommand({ UserName: "managed", Tags: [tag("team", "platform")] }));
      await iam.send(
        new TagUserCommand({
          UserName: "managed",
          Tags: [tag("team", "platform"), tag("consumer", "jenkins")],
        }),
      );
      await iam.send(
        new TagUserCommand({
          UserName: "managed",
          Tags: [tag(RECORD_KEY, "green"), tag("team", "platform")],
        }),
      );
      for (const tags of [
        [tag("team", "data")], // another user's value
        [tag("team", "platform"), tag("consumer", "someone-else")],
        [tag("team", "admins")],
        [tag(RECORD_KEY, "green"), tag("team", "admins")],
        [tag("Team", "platform")], // IAM tag keys are case-insensitive: the same key
        [tag("owner", "someone")], // a key the stack does not set
      ]) {
        await denied(
          iam.send(new TagUserCommand({ UserName: "managed", Tags: tags })),
          "ci-apply",
          "iam:TagUser",
        );
      }
      await denied(
        iam.send(new UntagUserCommand({ UserName: "managed", TagKeys: ["team"] })),
        "ci-apply",
        "iam:UntagUser",
      );
    });

    it("creates exactly the managed users, with their configured tags", async () => {
      const { iam } = as();
      await denied(
        iam.send(
          new CreateUserCommand({
            UserName: "new-consumer",
            Path: "/key-rotation/",
            Tags: [tag("team", "platform")],
          }),
        ),
        "ci-apply",
        "iam:CreateUser",
      );
      const created = await iam.send(
        new CreateUserCommand({
          UserName: "new-consumer",
          Path: "/key-rotation/",
          Tags: [tag("team", "data"), tag(RECORD_KEY, "blue")],
        }),
      );
      assert.equal(created.User?.Arn, `arn:aws:iam::${ACCOUNT}:user/key-rotation/new-consumer`);
      await denied(
        iam.send(new CreateUserCommand({ UserName: "stray", Path: "/key-rotation/" })),
        "ci-apply",
        "iam:CreateUser",
      );
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

    it("reads a managed user's inline policies and last key use, never writes them", async () => {
      const { iam } = as();
      const names = await iam.send(new ListUserPoliciesCommand({ UserName: "managed" }));
      assert.deepEqual(names.PolicyNames, ["iam-key-rotation-self-read"]);
      const policy = await iam.send(
        new GetUserPolicyCommand({ UserName: "managed", PolicyName: "iam-key-rotation-self-read" }),
      );
      assert.equal(policy.UserName, "managed");
      const used = await iam.send(
        new GetAccessKeyLastUsedCommand({ AccessKeyId: world.managedKeyId }),
      );
      assert.equal(used.UserName, "managed");
      await denied(
        iam.send(
          new PutUserPolicyCommand({
            UserName: "managed",
            PolicyName: "iam-key-rotation-self-read",
            PolicyDocument: EVERYTHING,
          }),
        ),
        "ci-apply",
        "iam:PutUserPolicy",
      );
      await denied(
        iam.send(
          new DeleteUserPolicyCommand({
            UserName: "managed",
            PolicyName: "iam-key-rotation-self-read",
          }),
        ),
        "ci-apply",
        "iam:DeleteUserPolicy",
      );
      await denied(
        iam.send(new ListUserPoliciesCommand({ UserName: "stranger" })),
        "ci-apply",
        "iam:ListUserPolicies",
      );
    });

    it("attaches to each user exactly the policies listed for it, and detaches none", async () => {
      const { iam } = as();
      await iam.send(
        new AttachUserPolicyCommand({ UserName: "managed", PolicyArn: LISTED_POLICY }),
      );
      for (const [user, arn] of [
        ["managed", OTHER_USERS_POLICY], // listed, but for another user
        ["managed", OTHER_POLICY],
        ["stranger", LISTED_POLICY],
        ["outsider", LISTED_POLICY],
      ]) {
        await denied(
          iam.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: arn })),
          "ci-apply",
          "iam:AttachUserPolicy",
        );
      }
      await denied(
        iam.send(new DetachUserPolicyCommand({ UserName: "managed", PolicyArn: LISTED_POLICY })),
        "ci-apply",
        "iam:DetachUserPolicy",
      );
    });

    it("reads and writes the managed secrets only, tags them only as configured, deletes none", async () => {
      const { sm } = as();
      await sm.send(
        new PutSecretValueCommand({ SecretId: "key-rotation/managed", SecretString: "v2" }),
      );
      const value = await sm.send(new GetSecretValueCommand({ SecretId: "key-rotation/managed" }));
      assert.equal(value.SecretString, "v2");
      await denied(
        sm.send(
          new CreateSecretCommand({
            Name: "key-rotation/new-consumer",
            SecretString: "{}",
            Tags: [tag("key-rotation:user", "managed"), tag("team", "data")],
          }),
        ),
        "ci-apply",
        "secretsmanager:CreateSecret",
      );
      const created = await sm.send(
        new CreateSecretCommand({
          Name: "key-rotation/new-consumer",
          SecretString: "{}",
          Tags: [tag("key-rotation:user", "new-consumer"), tag("team", "data")],
        }),
      );
      assert.match(created.ARN!, /:secret:key-rotation\/new-consumer-\w{6}$/);
      await sm.send(
        new TagResourceCommand({
          SecretId: "key-rotation/managed",
          Tags: [tag("team", "platform")],
        }),
      );
      for (const tags of [
        [tag("team", "data")],
        [tag("key-rotation:user", "new-consumer")],
        [tag(RECORD_KEY, "blue")],
      ]) {
        await denied(
          sm.send(new TagResourceCommand({ SecretId: "key-rotation/managed", Tags: tags })),
          "ci-apply",
          "secretsmanager:TagResource",
        );
      }
      await denied(
        sm.send(new UntagResourceCommand({ SecretId: "key-rotation/managed", TagKeys: ["team"] })),
        "ci-apply",
        "secretsmanager:UntagResource",
      );
      await denied(
        sm.send(new DeleteSecretCommand({ SecretId: "key-rotation/managed" })),
        "ci-apply",
        "secretsmanager:DeleteSecret",
      );
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

    it("reads the compliance paging path and cannot silence or redirect it", async () => {
      const { sns, cw, events } = as();
      const attributes = await sns.send(
        new GetTopicAttributesCommand({ TopicArn: COMPLIANCE_TOPIC }),
      );
      assert.equal(attributes.Attributes?.TopicArn, COMPLIANCE_TOPIC);
      const alarms = await cw.send(new DescribeAlarmsCommand({ AlarmNames: [NON_COMPLIANT] }));
      assert.deepEqual(
        alarms.MetricAlarms?.map((a) => a.AlarmName),
        [NON_COMPLIANT],
      );
      assert.equal(
        (await events.send(new DescribeRuleCommand({ Name: NON_COMPLIANT }))).Name,
        NON_COMPLIANT,
      );

      await denied(
        sns.send(
          new SetTopicAttributesCommand({
            TopicArn: COMPLIANCE_TOPIC,
            AttributeName: "Policy",
            AttributeValue: "{}",
          }),
        ),
        "ci-apply",
        "sns:SetTopicAttributes",
      );
      await denied(
        sns.send(
          new SubscribeCommand({
            TopicArn: COMPLIANCE_TOPIC,
            Protocol: "email",
            Endpoint: "attacker@example.com",
          }),
        ),
        "ci-apply",
        "sns:Subscribe",
      );
      await denied(
        sns.send(new DeleteTopicCommand({ TopicArn: COMPLIANCE_TOPIC })),
        "ci-apply",
        "sns:DeleteTopic",
      );
      await denied(
        cw.send(new DisableAlarmActionsCommand({ AlarmNames: [NON_COMPLIANT] })),
        "ci-apply",
        "cloudwatch:DisableAlarmActions",
      );
      await denied(
        cw.send(new DeleteAlarmsCommand({ AlarmNames: [NON_COMPLIANT] })),
        "ci-apply",
        "cloudwatch:DeleteAlarms",
      );
      await denied(
        events.send(new DisableRuleCommand({ Name: NON_COMPLIANT })),
        "ci-apply",
        "events:DisableRule",
      );
      await denied(
        events.send(new RemoveTargetsCommand({ Rule: NON_COMPLIANT, Ids: ["notify"] })),
        "ci-apply",
        "events:RemoveTargets",
      );
    });

    it("uses exactly the state backend's listings and objects, and deletes nothing but its lock", () => {
      const newLock = ".pulumi/locks/organization/iam-key-rotation/prod/4f5e6d7c.json";
      const newHistory =
        ".pulumi/history/iam-key-rotation/prod/prod-1800000000000000000.history.json";
      const calls: Record<string, S3Call[]> = {
        list: [
          ["list", STATE.checkpoint],
          ["list", ".pulumi/locks/organization/iam-key-rotation/prod/"],
        ],
        listElsewhere: [
          ["list", null],
          ["list", ".pulumi/"],
          ["list", ".pulumi/stacks/iam-key-rotation/"],
          ["list", ".pulumi/history/iam-key-rotation/prod/"],
          ["list", ".pulumi/locks/organization/iam-key-rotation/"],
        ],
        read: [STATE.meta, STATE.checkpoint, STATE.tags, STATE.lock].map((k) => ["get", k]),
        readElsewhere: [STATE.history, STATE.otherStack].map((k) => ["get", k]),
        write: [STATE.checkpoint, `${STATE.checkpoint}.bak`, newHistory, newLock].map((k) => [
          "put",
          k,
        ]),
        writeElsewhere: [STATE.meta, STATE.otherStack, STATE.tags].map((k) => ["put", k]),
        delete: [["delete", newLock]],
        deleteElsewhere: [STATE.history, STATE.checkpoint, STATE.otherStack].map((k) => [
          "delete",
          k,
        ]),
      };
      const results = s3(moto.server, world.apply, Object.values(calls).flat());
      const answered = Object.fromEntries(
        Object.entries(calls).map(([what, list]) => [what, results.splice(0, list.length)]),
      );
      const denials = (n: number) => Array<string>(n).fill("AccessDenied");
      assert.deepEqual(answered, {
        list: ["ok", "ok"],
        listElsewhere: denials(5),
        read: ["ok", "ok", "ok", "ok"],
        readElsewhere: denials(2),
        write: ["ok", "ok", "ok", "ok"],
        writeElsewhere: denials(3),
        delete: ["ok"],
        deleteElsewhere: denials(3),
      });
    });

    it("cannot change its own role, a user's inline policy or the paging path, even holding an extra Allow * on *", async () => {
      const { iam, sns, cw, events } = clients(moto.server, world.broad);
      // The extra policy works: another role, topic, alarm and rule can be changed...
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: "some-other-role",
          PolicyName: "x",
          PolicyDocument: EVERYTHING,
        }),
      );
      await sns.send(
        new SetTopicAttributesCommand({
          TopicArn: OTHER_TOPIC,
          AttributeName: "DisplayName",
          AttributeValue: "x",
        }),
      );
      // (moto does not implement DisableAlarmActions beyond its authorization.)
      await cw.send(
        new SetAlarmStateCommand({ AlarmName: "other-alarm", StateValue: "OK", StateReason: "x" }),
      );
      await events.send(new DisableRuleCommand({ Name: "other-rule" }));
      // ...the CI role, the managed users' inline policies and the paging path cannot.
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
      await denied(
        iam.send(
          new PutUserPolicyCommand({
            UserName: "managed",
            PolicyName: "x",
            PolicyDocument: EVERYTHING,
          }),
        ),
        "ci-broad",
        "iam:PutUserPolicy",
      );
      await denied(
        sns.send(
          new SetTopicAttributesCommand({
            TopicArn: COMPLIANCE_TOPIC,
            AttributeName: "DisplayName",
            AttributeValue: "x",
          }),
        ),
        "ci-broad",
        "sns:SetTopicAttributes",
      );
      await denied(
        cw.send(new DisableAlarmActionsCommand({ AlarmNames: [NON_COMPLIANT] })),
        "ci-broad",
        "cloudwatch:DisableAlarmActions",
      );
      await denied(
        cw.send(
          new SetAlarmStateCommand({
            AlarmName: NON_COMPLIANT,
            StateValue: "OK",
            StateReason: "x",
          }),
        ),
        "ci-broad",
        "cloudwatch:SetAlarmState",
      );
      await denied(
        events.send(new DisableRuleCommand({ Name: NON_COMPLIANT })),
        "ci-broad",
        "events:DisableRule",
      );
    });
  });

  describe("the preview role", () => {
    const as = () => clients(moto.server, world.preview);

    it("reads managed users, their keys' last use, inline policies and secrets", async () => {
      const { iam, sm } = as();
      const keys = await iam.send(new ListAccessKeysCommand({ UserName: "managed" }));
      assert.ok(keys.AccessKeyMetadata?.some((k) => k.AccessKeyId === world.managedKeyId));
      const user = await iam.send(new GetUserCommand({ UserName: "managed" }));
      assert.equal(user.User?.Path, "/key-rotation/");
      const used = await iam.send(
        new GetAccessKeyLastUsedCommand({ AccessKeyId: world.managedKeyId }),
      );
      assert.equal(used.UserName, "managed");
      const policy = await iam.send(
        new GetUserPolicyCommand({ UserName: "managed", PolicyName: "iam-key-rotation-self-read" }),
      );
      assert.equal(policy.PolicyName, "iam-key-rotation-self-read");
      const value = await sm.send(new GetSecretValueCommand({ SecretId: "key-rotation/managed" }));
      assert.equal(typeof value.SecretString, "string");
    });

    it("changes nothing", async () => {
      const { iam, sm, sns } = as();
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
        iam.send(new TagUserCommand({ UserName: "managed", Tags: [tag(RECORD_KEY, "green")] })),
        "ci-preview",
        "iam:TagUser",
      );
      await denied(
        sm.send(new PutSecretValueCommand({ SecretId: "key-rotation/managed", SecretString: "x" })),
        "ci-preview",
        "secretsmanager:PutSecretValue",
      );
      await denied(
        sns.send(new DeleteTopicCommand({ TopicArn: COMPLIANCE_TOPIC })),
        "ci-preview",
        "sns:DeleteTopic",
      );
      await denied(
        iam.send(new ListAccessKeysCommand({ UserName: "outsider" })),
        "ci-preview",
        "iam:ListAccessKeys",
      );
      await denied(
        iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: world.strangerKeyId })),
        "ci-preview",
        "iam:GetAccessKeyLastUsed",
      );
      await denied(
        sm.send(new GetSecretValueCommand({ SecretId: "other/outsider" })),
        "ci-preview",
        "secretsmanager:GetSecretValue",
      );
    });

    it("lists and reads the stack's checkpoint, takes no lock, writes nothing", () => {
      assert.deepEqual(
        s3(moto.server, world.preview, [
          ["list", STATE.checkpoint],
          ["list", ".pulumi/locks/organization/iam-key-rotation/prod/"],
          ["get", STATE.checkpoint],
          ["get", STATE.tags],
          ["get", STATE.lock],
          ["put", STATE.lock],
          ["delete", STATE.lock],
        ]),
        ["ok", "AccessDenied", "ok", "ok", "AccessDenied", "AccessDenied", "AccessDenied"],
      );
    });
  });
});

describe("stock moto_server: why the resource shim exists", function () {
  this.timeout(60_000);
  const { moto, world } = withSetup({ resourceAuthorization: false });

  it("matches user calls against '*', so an exact-user Allow never applies", async () => {
    const { iam, sm } = clients(moto.server, world.apply);
    // Allowed in AWS by ManagedUsersKeys (user/key-rotation/managed); stock moto cannot tell.
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

  it("ignores s3:prefix, so a prefix-limited listing lists the whole bucket", () => {
    assert.deepEqual(s3(moto.server, world.apply, [["list", null]]), ["ok"]);
  });
});
