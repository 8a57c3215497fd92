/**
 * The URNs the prod program registers, compared with a fixture recorded before the code was
 * reorganised (test/fixtures/prod-urns.json). A changed type token or child name would replace
 * every resource of every stack: this test is what proves a refactoring renamed nothing.
 * Regenerate the fixture only for an intended, documented rename (with aliases):
 * `UPDATE_URN_FIXTURE=1 npx mocha --no-config -r test/support/register.js -r test/support/env.ts --extension ts test/program/urns.test.ts`.
 */
import * as assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { RecordingMocks, useMocks } from "../support/mocks";
import { ROOT } from "../support/root";
import { iamCalls } from "../../components/rotatedKeyUser/liveReads";
import type { IAMClient } from "@aws-sdk/client-iam";

type Program = () => Promise<Record<string, unknown>>;

const FIXTURE = path.join(ROOT, "test", "fixtures", "prod-urns.json");
const DAY = 86_400_000;
const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);

function prodConfig(): Record<string, unknown> {
  const doc = parse(readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  };
  return doc.config;
}

function asProgramConfig(config: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

/**
 * Every user as of one phase of the rotation: the record in its tags, its two keys in IAM and
 * the published document (with its copy of the record), all in agreement.
 */
function recordOf(phase: "new" | "overlap" | "retired"): Record<string, any> {
  if (phase === "new") {
    return {
      "aws:iam/getUser:getUser": (inputs: Record<string, any>) => {
        const message = `invoking aws:iam/getUser:getUser: 1 error occurred:\n\t* reading IAM User (${String(inputs.userName)}): couldn't find resource\n\n`;
        throw Object.assign(new Error(message), { details: message });
      },
    };
  }
  const until = phase === "overlap" ? day(1) : day(0);
  const blueId = "AKIAIOSFODNN7EXAMPLE";
  const greenId = "AKIAI44QH8DHBEXAMPLE";
  const record = {
    current: "green",
    slots: {
      blue: { issuedOn: day(-12), accessKeyId: blueId },
      green: { issuedOn: day(-1), accessKeyId: greenId },
    },
    publishedOn: day(-1),
    previousActiveUntil: until,
    stack: "iam-key-rotation/prod",
  };
  return {
    "aws:iam/getUser:getUser": (inputs: Record<string, any>) => ({
      userName: inputs.userName,
      path: "/key-rotation/",
      tags: {
        "key-rotation:current": "green",
        "key-rotation:green": day(-1),
        "key-rotation:blue": day(-12),
        "key-rotation:previous-active-until": until,
        "key-rotation:stack": "iam-key-rotation/prod",
      },
    }),
    "aws:iam/getAccessKeys:getAccessKeys": (inputs: Record<string, any>) => ({
      user: inputs.user,
      accessKeys: [
        { accessKeyId: blueId, status: "Active", createDate: `${day(-12)}T06:00:00Z` },
        { accessKeyId: greenId, status: "Active", createDate: `${day(-1)}T06:00:00Z` },
      ],
    }),
    "aws:secretsmanager/getSecretVersion:getSecretVersion": (inputs: Record<string, any>) => ({
      createdDate: `${day(-1)}T06:00:00Z`,
      secretString: JSON.stringify({
        accessKeyId: greenId,
        secretAccessKey: "x",
        slot: "green",
        issuedOn: day(-1),
        userName: String(inputs.secretId).replace("key-rotation/", ""),
        record,
      }),
    }),
  };
}

async function urnsOf(
  phase: "new" | "overlap" | "retired",
  edit: (config: Record<string, unknown>) => void = () => undefined,
): Promise<string[]> {
  const mocks = new RecordingMocks(recordOf(phase));
  // The previous keys' last use (the program's own IAM calls): never used. No AWS reached.
  iamCalls.client = {
    send: async () => Promise.resolve({ AccessKeyLastUsed: {} }),
  } as unknown as IAMClient;
  const config = prodConfig();
  config["iam-key-rotation:waitForNewKey"] = false;
  edit(config);
  await useMocks(mocks, { stack: "prod", config: asProgramConfig(config) });
  const mod = (await import("../../index")) as unknown as { default?: Program } & Program;
  const outputs = await (mod.default ?? mod)();
  // Wait until every resource is registered (the users' children come after their reads).
  await new Promise<void>((resolve) => pulumi.output(outputs).apply(() => resolve()));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings") as {
    getMonitor(): { getRegisteredResources(): Map<string, unknown> };
  };
  return [...settings.getMonitor().getRegisteredResources().keys()].sort();
}

async function scenarios(): Promise<Record<string, string[]>> {
  return {
    "prod, every user new": await urnsOf("new"),
    "prod, every user in an overlap": await urnsOf("overlap"),
    "prod, previous keys retired, compliance with a recorder": await urnsOf("retired", (c) => {
      (c["iam-key-rotation:compliance"] as Record<string, unknown>).createRecorder = true;
    }),
    "prod, organization compliance rule": await urnsOf("new", (c) => {
      (c["iam-key-rotation:compliance"] as Record<string, unknown>).organization = true;
    }),
  };
}

describe("the URNs the prod program registers", () => {
  it("are exactly the recorded ones: no type token or child name changed", async () => {
    const actual = await scenarios();
    if (process.env.UPDATE_URN_FIXTURE === "1") {
      writeFileSync(FIXTURE, JSON.stringify(actual, null, 2) + "\n");
    }
    const expected = JSON.parse(readFileSync(FIXTURE, "utf8")) as Record<string, string[]>;
    assert.deepEqual(actual, expected);
  });
});
