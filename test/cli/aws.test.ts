/**
 * How the CLI words AWS failures (cli/aws.ts describeAwsFailure), driven by real SDK clients
 * against the test proxy (test/support/awsProxy.ts), which answers every call itself here: an
 * answer that is not an AWS error (a proxy's or load balancer's HTML error page, plain text, an
 * empty body) is reported by its HTTP status, never as "Unknown"; a real AWS error keeps its
 * code and message.
 */
import * as assert from "node:assert/strict";
import { ListUsersCommand } from "@aws-sdk/client-iam";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { describeAwsFailure, openAwsSession, secretsManagerWithKey } from "../../cli/aws";
import { AwsProxy, queryError } from "../support/awsProxy";
import { SilentServer } from "../support/silentServer";

const NGINX_502 =
  "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad " +
  "Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
const ELB_503 =
  "<!DOCTYPE html><html><head><title>503 Service Temporarily Unavailable</title></head>" +
  "<body><h1>Service Temporarily Unavailable</h1></body></html>";

interface Answer {
  status: number;
  body: string;
  contentType?: string;
}

/** The sentence each client's call gets when the proxy answers `answer`. */
async function failures(answer: Answer): Promise<{ iam: string; secretsManager: string }> {
  const proxy = await AwsProxy.start("http://127.0.0.1:9", { intercept: () => answer });
  const session = await openAwsSession(
    { endpointUrl: proxy.endpoint, region: "us-east-1" },
    { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_MAX_ATTEMPTS: "1" },
  );
  const describe = (p: Promise<unknown>) =>
    p.then(
      () => assert.fail("the call succeeded"),
      (err: unknown) => describeAwsFailure(err),
    );
  try {
    return {
      iam: await describe(session.iam().send(new ListUsersCommand({}))),
      secretsManager: await describe(
        session.secretsManager().send(new GetSecretValueCommand({ SecretId: "key-rotation/a" })),
      ),
    };
  } finally {
    session.destroy();
    await proxy.stop();
  }
}

describe("AWS failures in words (cli/aws.ts)", () => {
  const pages: [string, Answer, number][] = [
    ["nginx's HTML 502", { status: 502, body: NGINX_502, contentType: "text/html" }, 502],
    ["a load balancer's HTML 503", { status: 503, body: ELB_503, contentType: "text/html" }, 503],
    ["an HTML 504 sent as XML", { status: 504, body: ELB_503 }, 504],
    ["a plain-text 500", { status: 500, body: "oops", contentType: "text/plain" }, 500],
    ["an empty 503", { status: 503, body: "" }, 503],
    ["a 500 of empty JSON", { status: 500, body: "{}", contentType: "application/json" }, 500],
  ];
  for (const [what, answer, status] of pages) {
    it(`${what} is "HTTP ${status}", never "Unknown"`, async () => {
      assert.deepEqual(await failures(answer), {
        iam: `iam:ListUsers failed: HTTP ${status}.`,
        secretsManager: `secretsmanager:GetSecretValue failed: HTTP ${status}.`,
      });
    });
  }

  it("an HTML 403 from a proxy is a denial naming the permission, with its status", async () => {
    const answer = { status: 403, body: "<html>Forbidden</html>", contentType: "text/html" };
    const help = 'permission (docs/cli.md, "Required IAM permissions").';
    assert.deepEqual(await failures(answer), {
      iam: `AWS denied iam:ListUsers (HTTP 403). The credentials in use need the iam:ListUsers ${help}`,
      secretsManager:
        "AWS denied secretsmanager:GetSecretValue (HTTP 403). The credentials in use need the " +
        `secretsmanager:GetSecretValue ${help}`,
    });
  });

  it("a real AWS 503 keeps its error code and message", async () => {
    const answer = {
      status: 503,
      body: queryError("ServiceUnavailable", "Service is unavailable"),
    };
    assert.equal(
      (await failures(answer)).iam,
      "iam:ListUsers failed: ServiceUnavailable: Service is unavailable.",
    );
  });
});

describe("the credentials command's Secrets Manager client", () => {
  it("gives up on an endpoint that accepts the request and never answers (a consumer is never held)", async () => {
    const silent = await SilentServer.start();
    const client = secretsManagerWithKey(
      { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "testing" },
      { region: "us-east-1", endpoint: silent.endpoint, maxAttempts: 1, timeoutMs: 300 },
    );
    try {
      await assert.rejects(
        client.send(new GetSecretValueCommand({ SecretId: "key-rotation/ci" })),
        {
          name: "TimeoutError",
          message: /exceeded the configured 300 ms requestTimeout/,
        },
      );
      assert.equal(silent.requests.length, 1, "the request reached the endpoint");
    } finally {
      client.destroy();
      await silent.stop();
    }
  });
});
