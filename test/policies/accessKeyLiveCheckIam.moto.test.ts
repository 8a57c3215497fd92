/**
 * The live check policy end to end against moto_server: the policy builds its own IAM client
 * from the pack config (`endpoint`) and the default credential chain (env variables here), as
 * it does in a real preview.
 */
import * as assert from "node:assert/strict";
import { createServer, IncomingMessage, Server } from "node:http";
import { AddressInfo } from "node:net";
import {
  AccessKey,
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { fromDay, toDay } from "../../lib/days";
import { accessKeyLiveCheck } from "../../policies/accessKeyLiveCheck";
import { messages, ResourceInput, runStack, UNKNOWN_VALUE, urnOf } from "../support/policyHarness";
import { MOTO_CREDENTIALS, MotoServer, useMoto } from "../support/moto";

const STACK = "urn:pulumi:test::iam-key-rotation::pulumi:pulumi:Stack::iam-key-rotation-test";
const PATH = "/key-rotation/";

interface DeclaredKey {
  slot: "blue" | "green";
  id: string;
  status: "Active" | "Inactive";
}

/** A RotatedKeyUser as validateStack sees it: component (its registered outputs), user, slot keys. */
function declaredUser(
  component: string,
  userName: string,
  keys: DeclaredKey[],
  outputs: Record<string, unknown> = {},
): ResourceInput[] {
  const parent = urnOf("iam-key-rotation:index:RotatedKeyUser", component, STACK);
  return [
    {
      type: "iam-key-rotation:index:RotatedKeyUser",
      name: component,
      parent: STACK,
      props: outputs,
    },
    {
      type: "aws:iam/user:User",
      name: `${component}-user`,
      parent,
      props: { id: userName, name: userName, path: PATH },
    },
    ...keys.map((k) => ({
      type: "aws:iam/accessKey:AccessKey",
      name: `${component}-${k.slot}`,
      parent,
      props: { id: k.id, user: userName, status: k.status, createDate: "2026-11-01T00:00:00Z" },
    })),
  ];
}

function userUrn(component: string): string {
  return urnOf(
    "aws:iam/user:User",
    `${component}-user`,
    urnOf("iam-key-rotation:index:RotatedKeyUser", component, STACK),
  );
}

/** Sets the default credential chain's env variables for the duration of a suite. */
function useEnvCredentials(get: () => { accessKeyId: string; secretAccessKey: string }) {
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  return {
    set() {
      const c = get();
      process.env.AWS_ACCESS_KEY_ID = c.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = c.secretAccessKey;
    },
    restore() {
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      else process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    },
  };
}

const fix = (id: string) =>
  `Find its consumers (aws iam get-access-key-last-used --access-key-id ${id}), move them to ` +
  `the key this stack publishes, then deactivate and delete ${id}.`;

describe("live check policy against moto_server", function () {
  this.timeout(120_000);
  const moto = useMoto();
  const env = useEnvCredentials(() => MOTO_CREDENTIALS);
  before(() => env.set());
  after(() => env.restore());

  let iam: IAMClient;
  beforeEach(() => {
    iam = new IAMClient(moto.server.clientConfig());
  });

  async function user(name: string): Promise<void> {
    await iam.send(new CreateUserCommand({ UserName: name, Path: PATH }));
  }
  async function key(userName: string): Promise<AccessKey> {
    return (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
  }
  const config = (extra: Record<string, unknown> = {}) => ({
    "iam-access-key-live-check": { liveCheck: true, endpoint: moto.server.endpoint, ...extra },
  });

  it("reports hand-made keys and re-activated keys of managed users, nothing else", async () => {
    // ci: both keys managed (blue deactivated by the rotation) -> nothing to report.
    await user("ci-deployer");
    const ciBlue = await key("ci-deployer");
    const ciGreen = await key("ci-deployer");
    await iam.send(
      new UpdateAccessKeyCommand({
        UserName: "ci-deployer",
        AccessKeyId: ciBlue.AccessKeyId,
        Status: "Inactive",
      }),
    );
    // reports: one managed key, one made by hand in the console.
    await user("reports");
    const reportsBlue = await key("reports");
    const handMade = await key("reports");
    // vendor: the stack deactivated blue, someone re-activated it (moto has it Active).
    await user("vendor");
    const vendorBlue = await key("vendor");
    const vendorGreen = await key("vendor");
    // audit: this update re-issues its green slot (id unknown): its extra key may be the old green.
    await user("audit");
    const auditBlue = await key("audit");
    await key("audit");
    // not in the stack at all: never looked at.
    await user("someone-else");
    await key("someone-else");

    const resources = [
      { type: "pulumi:pulumi:Stack", name: "iam-key-rotation-test", urn: STACK, props: {} },
      ...declaredUser("ci", "ci-deployer", [
        { slot: "blue", id: ciBlue.AccessKeyId!, status: "Inactive" },
        { slot: "green", id: ciGreen.AccessKeyId!, status: "Active" },
      ]),
      ...declaredUser("reports", "reports", [
        { slot: "blue", id: reportsBlue.AccessKeyId!, status: "Active" },
      ]),
      ...declaredUser("vendor", "vendor", [
        { slot: "blue", id: vendorBlue.AccessKeyId!, status: "Inactive" },
        { slot: "green", id: vendorGreen.AccessKeyId!, status: "Active" },
      ]),
      ...declaredUser("audit", "audit", [
        { slot: "blue", id: auditBlue.AccessKeyId!, status: "Active" },
        { slot: "green", id: UNKNOWN_VALUE.string, status: "Active" },
      ]),
      // A user this update creates: not in IAM yet.
      ...declaredUser("newbie", "newbie", [
        { slot: "blue", id: UNKNOWN_VALUE.string, status: "Active" },
      ]),
    ];
    const created = fromDay(toDay(handMade.CreateDate!));
    const outcome = await runStack(accessKeyLiveCheck, resources, { config: config() });
    assert.deepEqual(
      outcome.violations.map((v) => [v.message, v.urn, v.enforcementLevel]),
      [
        [
          `IAM user "reports" has an Active access key ${handMade.AccessKeyId} (created ${created}) ` +
            `that this stack does not manage, so nothing rotates it. ${fix(handMade.AccessKeyId!)}`,
          userUrn("reports"),
          "advisory",
        ],
        [
          `Access key ${vendorBlue.AccessKeyId} of IAM user "vendor" is Active in IAM although this ` +
            "stack deactivated it: it was re-activated outside Pulumi. Run `pulumi up --refresh` to " +
            "deactivate it again, and move whoever needed it to the key this stack publishes.",
          userUrn("vendor"),
          "advisory",
        ],
      ],
    );
    assert.deepEqual(outcome.cannotRun, []);
  });

  it("says when a hand-made key is also over the maximum age", async () => {
    await user("reports");
    const managed = await key("reports");
    const handMade = await key("reports");
    const resources = declaredUser("reports", "reports", [
      { slot: "blue", id: managed.AccessKeyId!, status: "Active" },
    ]);
    const createdOn = toDay(handMade.CreateDate!);
    const outcome = await runStack(accessKeyLiveCheck, resources, {
      config: config({ asOf: fromDay(createdOn + 120) }),
    });
    assert.deepEqual(messages(outcome), [
      `IAM user "reports" has an Active access key ${handMade.AccessKeyId} that this stack does ` +
        `not manage and that is 120 days old (created ${fromDay(createdOn)}), over the 90-day ` +
        `maximum. ${fix(handMade.AccessKeyId!)}`,
    ]);
  });

  it("flags a stale Inactive key this update re-activates, against its user's own maximum", async () => {
    await user("ci-deployer");
    const blue = await key("ci-deployer");
    const green = await key("ci-deployer");
    await iam.send(
      new UpdateAccessKeyCommand({
        UserName: "ci-deployer",
        AccessKeyId: blue.AccessKeyId,
        Status: "Inactive",
      }),
    );
    // The stack plans blue Active again (e.g. an edited record); ci's maximum is 60 days.
    const resources = declaredUser(
      "ci",
      "ci-deployer",
      [
        { slot: "blue", id: blue.AccessKeyId!, status: "Active" },
        { slot: "green", id: green.AccessKeyId!, status: "Active" },
      ],
      { rotation: { everyDays: 30, overlapDays: 7, maxAgeDays: 60 } },
    );
    const createdOn = toDay(blue.CreateDate!);
    const young = await runStack(accessKeyLiveCheck, resources, {
      config: config({ asOf: fromDay(createdOn + 60) }),
    });
    assert.deepEqual(messages(young), []);
    const outcome = await runStack(accessKeyLiveCheck, resources, {
      config: config({ asOf: fromDay(createdOn + 61) }),
    });
    assert.deepEqual(
      outcome.violations.map((v) => [v.message, v.urn]),
      [
        [
          `Access key ${blue.AccessKeyId} of IAM user "ci-deployer" is Inactive in IAM and 61 ` +
            `days old (created ${fromDay(createdOn)}), over the 60-day maximum of ` +
            'RotatedKeyUser "ci" (its rotation.maxAgeDays), and this update makes it Active ' +
            "again. A stale key must not come back: find out why the stack plans it Active (an " +
            "edited key-rotation:* tag record, a Pulumi CLI older than 3.208.0 that ignores " +
            "replacementTrigger, a key whose state was edited) and do not deploy until it plans " +
            "the key Inactive; rotate the user instead.",
          userUrn("ci"),
        ],
      ],
    );
  });

  it("checks more than 100 users", async () => {
    const resources: ResourceInput[] = [];
    const handMade: string[] = [];
    for (let i = 0; i < 120; i++) {
      const name = `svc-${String(i).padStart(3, "0")}`;
      await user(name);
      const managed = await key(name);
      handMade.push((await key(name)).AccessKeyId!);
      resources.push(
        ...declaredUser(name, name, [{ slot: "blue", id: managed.AccessKeyId!, status: "Active" }]),
      );
    }
    const outcome = await runStack(accessKeyLiveCheck, resources, { config: config() });
    assert.equal(outcome.violations.length, 120);
    assert.deepEqual(
      outcome.violations.map((v) =>
        v.message.match(/^IAM user "([^"]+)" has an Active access key (\S+)/)?.slice(1),
      ),
      handMade.map((id, i) => [`svc-${String(i).padStart(3, "0")}`, id]),
    );
  });
});

describe("live check policy when IAM refuses", function () {
  this.timeout(120_000);
  // Three unauthenticated setup requests, then moto checks every request's signature and the
  // caller's IAM policies.
  const moto = useMoto({ authAfter: 3, resetEachTest: false });
  let lister: AccessKey;
  const env = useEnvCredentials(() => ({
    accessKeyId: lister.AccessKeyId!,
    secretAccessKey: lister.SecretAccessKey!,
  }));

  before(async () => {
    const iam = new IAMClient(moto.server.clientConfig());
    await iam.send(new CreateUserCommand({ UserName: "lister", Path: PATH }));
    lister = (await iam.send(new CreateAccessKeyCommand({ UserName: "lister" }))).AccessKey!;
    await iam.send(
      new PutUserPolicyCommand({
        UserName: "lister",
        PolicyName: "list-users-only",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "iam:ListUsers", Resource: "*" }],
        }),
      }),
    );
    env.set();
  });
  after(() => env.restore());

  it("reports AccessDenied as an advisory message instead of crashing", async () => {
    const resources = declaredUser("lister", "lister", [
      { slot: "blue", id: lister.AccessKeyId!, status: "Active" },
    ]);
    const outcome = await runStack(accessKeyLiveCheck, resources, {
      config: { "iam-access-key-live-check": { liveCheck: true, endpoint: moto.server.endpoint } },
    });
    assert.deepEqual(
      outcome.violations.map((v) => [v.message, v.urn, v.enforcementLevel]),
      [
        [
          "The live check could not read IAM (ListAccessKeys(UserName=lister) failed: AccessDenied: " +
            "User: arn:aws:iam::123456789012:user/lister is not authorized to perform: " +
            "iam:ListAccessKeys). Allow the identity that runs the preview iam:ListUsers and " +
            "iam:ListAccessKeys on the managed users, or turn the check off with liveCheck: false.",
          undefined,
          "advisory",
        ],
      ],
    );
  });
});

/** Answers the first `throttled` requests with IAM's Throttling error, then forwards to moto. */
async function throttlingProxy(target: MotoServer, throttled: number) {
  const seen: string[] = [];
  const body = (req: IncomingMessage) =>
    new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => resolve(Buffer.concat(chunks)));
    });
  const server: Server = createServer((req, res) => {
    void body(req).then(async (payload) => {
      const action = /Action=(\w+)/.exec(payload.toString())?.[1] ?? "?";
      if (seen.length < throttled) {
        seen.push(`${action} throttled`);
        res.writeHead(400, { "content-type": "text/xml" });
        res.end(
          '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>' +
            "<Code>Throttling</Code><Message>Rate exceeded</Message></Error>" +
            "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>",
        );
        return;
      }
      seen.push(`${action} forwarded`);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          ([k]) => !["host", "content-length", "connection"].includes(k),
        ),
      ) as Record<string, string>;
      const answer = await fetch(`${target.endpoint}${req.url}`, {
        method: req.method,
        headers,
        body: payload,
      });
      res.writeHead(answer.status, {
        "content-type": answer.headers.get("content-type") ?? "text/xml",
      });
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("live check policy under throttling", function () {
  this.timeout(120_000);
  const moto = useMoto();
  const env = useEnvCredentials(() => MOTO_CREDENTIALS);
  before(() => env.set());
  after(() => env.restore());

  async function oneUserWithHandMadeKey() {
    const iam = new IAMClient(moto.server.clientConfig());
    await iam.send(new CreateUserCommand({ UserName: "reports", Path: PATH }));
    const managed = (await iam.send(new CreateAccessKeyCommand({ UserName: "reports" })))
      .AccessKey!;
    const handMade = (await iam.send(new CreateAccessKeyCommand({ UserName: "reports" })))
      .AccessKey!;
    const resources = declaredUser("reports", "reports", [
      { slot: "blue", id: managed.AccessKeyId!, status: "Active" },
    ]);
    return { resources, handMade };
  }

  it("retries throttled calls and still reports", async () => {
    const { resources, handMade } = await oneUserWithHandMadeKey();
    const proxy = await throttlingProxy(moto.server, 2);
    try {
      const outcome = await runStack(accessKeyLiveCheck, resources, {
        config: { "iam-access-key-live-check": { liveCheck: true, endpoint: proxy.endpoint } },
      });
      assert.deepEqual(proxy.seen, [
        "ListUsers throttled",
        "ListUsers throttled",
        "ListUsers forwarded",
        "ListAccessKeys forwarded",
      ]);
      assert.equal(outcome.violations.length, 1);
      assert.match(
        outcome.violations[0].message,
        new RegExp(`access key ${handMade.AccessKeyId} `),
      );
    } finally {
      await proxy.close();
    }
  });

  it("reports, without crashing, when throttling outlasts the attempts", async () => {
    const { resources } = await oneUserWithHandMadeKey();
    const proxy = await throttlingProxy(moto.server, 2);
    try {
      const outcome = await runStack(accessKeyLiveCheck, resources, {
        config: {
          "iam-access-key-live-check": {
            liveCheck: true,
            endpoint: proxy.endpoint,
            maxAttempts: 2,
          },
        },
      });
      assert.deepEqual(messages(outcome), [
        "The live check could not read IAM (ListUsers(PathPrefix=/key-rotation/) failed: " +
          "Throttling: Rate exceeded). Check the AWS credentials and endpoint the preview uses, " +
          "or turn the check off with liveCheck: false.",
      ]);
    } finally {
      await proxy.close();
    }
  });
});
