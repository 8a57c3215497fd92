/**
 * The live check's IAM side without AWS: marker pagination against a fake IAM. The policy
 * against moto_server is in accessKeyLiveCheckIam.moto.test.ts.
 */
import * as assert from "node:assert/strict";
import {
  checkLiveKeys,
  IamReader,
  LiveCheckError,
  LiveKey,
  ManagedUser,
  Page,
} from "../../policies/accessKeyLiveCheckIam";
import { fromDay, toDay } from "../../lib/days";
import { TODAY } from "./fixtures";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A fake IAM that pages like AWS: users `pageSize` at a time, keys one at a time. */
class PagingIam implements IamReader {
  readonly calls: string[] = [];
  constructor(
    private readonly users: Record<string, LiveKey[]>,
    private readonly pageSize = 100,
  ) {}

  async listUsers(pathPrefix: string, marker?: string): Promise<Page<string>> {
    this.calls.push(`ListUsers ${pathPrefix} ${marker ?? "-"}`);
    await tick();
    const names = Object.keys(this.users);
    const start = marker ? Number(marker) : 0;
    const end = start + this.pageSize;
    return { items: names.slice(start, end), marker: end < names.length ? String(end) : undefined };
  }

  async listAccessKeys(userName: string, marker?: string): Promise<Page<LiveKey>> {
    this.calls.push(`ListAccessKeys ${userName} ${marker ?? "-"}`);
    await tick();
    const keys = this.users[userName] ?? [];
    const i = marker ? Number(marker) : 0;
    return { items: keys.slice(i, i + 1), marker: i + 1 < keys.length ? String(i + 1) : undefined };
  }
}

const created = new Date("2026-11-01T06:00:00Z");
const options = { maxAgeDays: 90, today: toDay(TODAY), concurrency: 4 };

function managed(name: string, ids: string[]): ManagedUser {
  return {
    name,
    path: "/key-rotation/",
    urn: `urn:${name}`,
    keys: ids.map((id) => ({ id, status: "Active" })),
  };
}

describe("live check: checkLiveKeys", () => {
  it("follows markers across pages of users and of keys", async () => {
    const live: Record<string, LiveKey[]> = {};
    const users: ManagedUser[] = [];
    for (let i = 0; i < 250; i++) {
      const name = `u${String(i).padStart(3, "0")}`;
      live[name] = [
        { id: `AKIAMANAGED${i}`, status: "Active", createDate: created },
        { id: `AKIAHAND${i}`, status: "Active", createDate: created },
      ];
      users.push(managed(name, [`AKIAMANAGED${i}`]));
    }
    const iam = new PagingIam(live);
    const findings = await checkLiveKeys(users, iam, options);
    assert.equal(findings.length, 250);
    assert.equal(findings[249].urn, "urn:u249");
    assert.match(findings[249].message, /^IAM user "u249" has an Active access key AKIAHAND249 /);
    assert.deepEqual(
      iam.calls.filter((c) => c.startsWith("ListUsers")),
      [
        "ListUsers /key-rotation/ -",
        "ListUsers /key-rotation/ 100",
        "ListUsers /key-rotation/ 200",
      ],
    );
    assert.deepEqual(
      iam.calls.filter((c) => c.startsWith("ListAccessKeys u007")),
      ["ListAccessKeys u007 -", "ListAccessKeys u007 1"],
    );
  });

  it("skips users that do not exist yet", async () => {
    const iam = new PagingIam({});
    assert.deepEqual(await checkLiveKeys([managed("new-user", [])], iam, options), []);
    assert.deepEqual(iam.calls, ["ListUsers /key-rotation/ -"]);
  });

  it("gives up with a LiveCheckError when a marker repeats", async () => {
    const looping: IamReader = {
      listUsers: async () => ({ items: ["a"], marker: "same" }),
      listAccessKeys: async () => ({ items: [] }),
    };
    await assert.rejects(checkLiveKeys([managed("a", [])], looping, options), (err: unknown) => {
      assert.ok(err instanceof LiveCheckError);
      assert.equal(
        err.message,
        "ListUsers(PathPrefix=/key-rotation/) failed: marker same repeated",
      );
      return true;
    });
  });
});

describe("live check: checkLiveKeys findings", () => {
  const today = toDay(TODAY);
  const daysAgo = (n: number) => new Date(`${fromDay(today - n)}T08:00:00Z`);
  /** One user "ci-deployer" whose stack key AKIASTACK is planned with this status. */
  const user = (status: string, maxAge?: ManagedUser["maxAge"]): ManagedUser => ({
    name: "ci-deployer",
    path: "/key-rotation/",
    urn: "urn:ci",
    ...(maxAge !== undefined ? { maxAge } : {}),
    keys: [{ id: "AKIASTACK", status }],
  });
  const check = (managed: ManagedUser, live: LiveKey[]) =>
    checkLiveKeys([managed], new PagingIam({ "ci-deployer": live }), options);
  const reactivating = (age: string) =>
    `Access key AKIASTACK of IAM user "ci-deployer" is Inactive in IAM and ${age}, and this ` +
    "update makes it Active again. A stale key must not come back: find out why the stack " +
    "plans it Active (an edited key-rotation:* tag record, a Pulumi CLI older than 3.208.0 " +
    "that ignores replacementTrigger, a key whose state was edited) and do not deploy until " +
    "it plans the key Inactive; rotate the user instead.";

  it("flags an update that re-activates an Inactive key older than the maximum", async () => {
    const findings = await check(user("Active"), [
      { id: "AKIASTACK", status: "Inactive", createDate: daysAgo(120) },
    ]);
    assert.deepEqual(findings, [
      {
        urn: "urn:ci",
        message: reactivating(
          `120 days old (created ${fromDay(today - 120)}), over the 90-day maximum`,
        ),
      },
    ]);
  });

  it("judges it against the user's own maximum", async () => {
    const findings = await check(user("Active", { days: 30, component: "ci" }), [
      { id: "AKIASTACK", status: "Inactive", createDate: daysAgo(31) },
    ]);
    assert.deepEqual(
      findings.map((f) => f.message),
      [
        reactivating(
          `31 days old (created ${fromDay(today - 31)}), over the 30-day maximum of ` +
            'RotatedKeyUser "ci" (its rotation.maxAgeDays)',
        ),
      ],
    );
  });

  it("treats an Inactive key without a creation date as stale", async () => {
    const findings = await check(user("Active"), [{ id: "AKIASTACK", status: "Inactive" }]);
    assert.deepEqual(
      findings.map((f) => f.message),
      [
        reactivating(
          "of unknown age (IAM gives no creation date, so it counts as older than the 90-day maximum)",
        ),
      ],
    );
  });

  it("does not flag re-activating a key within the maximum, or an Inactive key the stack keeps Inactive", async () => {
    assert.deepEqual(
      await check(user("Active"), [
        { id: "AKIASTACK", status: "Inactive", createDate: daysAgo(90) },
      ]),
      [],
    );
    assert.deepEqual(
      await check(user("Inactive"), [
        { id: "AKIASTACK", status: "Inactive", createDate: daysAgo(300) },
      ]),
      [],
    );
  });

  it("judges an unmanaged key's age against the user's own maximum", async () => {
    const findings = await check(user("Active", { days: 30, component: "ci" }), [
      { id: "AKIASTACK", status: "Active", createDate: daysAgo(5) },
      { id: "AKIAHAND", status: "Active", createDate: daysAgo(45) },
    ]);
    assert.deepEqual(
      findings.map((f) => f.message),
      [
        'IAM user "ci-deployer" has an Active access key AKIAHAND that this stack does not ' +
          `manage and that is 45 days old (created ${fromDay(today - 45)}), over the 30-day ` +
          'maximum of RotatedKeyUser "ci" (its rotation.maxAgeDays). Find its consumers (aws ' +
          "iam get-access-key-last-used --access-key-id AKIAHAND), move them to the key this " +
          "stack publishes, then deactivate and delete AKIAHAND.",
      ],
    );
  });

  it("counts an unmanaged Active key without a creation date as stale", async () => {
    const findings = await check(user("Active"), [
      { id: "AKIASTACK", status: "Active", createDate: daysAgo(5) },
      { id: "AKIAHAND", status: "Active", createDate: new Date(Number.NaN) },
    ]);
    assert.deepEqual(
      findings.map((f) => f.message),
      [
        'IAM user "ci-deployer" has an Active access key AKIAHAND that this stack does not ' +
          "manage and whose creation date IAM does not give, so it counts as older than the " +
          "90-day maximum. Find its consumers (aws iam get-access-key-last-used --access-key-id " +
          "AKIAHAND), move them to the key this stack publishes, then deactivate and delete AKIAHAND.",
      ],
    );
  });
});
