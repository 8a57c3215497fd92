/**
 * An HTTP proxy in front of moto_server, on a free port of 127.0.0.1, for what moto cannot do:
 * count calls by action, answer some calls itself (throttling, a key not yet accepted), rewrite
 * answers (a credential report of another age or content), and page ListUsers like IAM does
 * (moto returns every user in one page and ignores MaxItems and Marker).
 *
 * Understands the query protocol (IAM, STS: `Action=` in the form body) and the JSON protocol
 * (Secrets Manager: `X-Amz-Target`).
 */
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";

export interface ProxyRequest {
  action: string;
  /** The form parameters (query protocol); empty for JSON-protocol requests. */
  params: URLSearchParams;
  /** How many calls of this action the proxy has seen, this one included. */
  nth: number;
}

export interface ProxyHooks {
  /** Answer instead of moto (with `contentType`, default text/xml). */
  intercept?: (
    req: ProxyRequest,
  ) => { status: number; body: string; contentType?: string } | undefined;
  /** Rewrite moto's answer. */
  transform?: (req: ProxyRequest, body: string) => string;
}

/** An IAM/STS error document as AWS sends it. */
export function queryError(code: string, message: string): string {
  return (
    `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>` +
    `<Code>${code}</Code><Message>${message}</Message></Error>` +
    `<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>`
  );
}

/**
 * Pages a ListUsers answer the way IAM does: at most MaxItems (default 100) users, IsTruncated
 * and an opaque Marker when more follow.
 */
export function pageListUsers(req: ProxyRequest, body: string): string {
  if (req.action !== "ListUsers") return body;
  const users = /<Users>([\s\S]*)<\/Users>/.exec(body);
  if (users === null) return body;
  if (users[1].includes("<Tags>")) throw new Error("pageListUsers cannot page users with tags");
  const members = users[1].match(/<member>[\s\S]*?<\/member>/g) ?? [];
  const max = Number(req.params.get("MaxItems") ?? "100");
  const from = Number(req.params.get("Marker")?.replace(/^page-/, "") ?? "0");
  const page = members.slice(from, from + max);
  const truncated = from + max < members.length;
  return body
    .replace(users[0], `<Users>${page.join("")}</Users>`)
    .replace(
      /<IsTruncated>\w+<\/IsTruncated>/,
      `<IsTruncated>${truncated}</IsTruncated>` +
        (truncated ? `<Marker>page-${from + max}</Marker>` : ""),
    );
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export class AwsProxy {
  /** Calls seen, by action (`ListUsers`, `secretsmanager.GetSecretValue`). */
  readonly calls = new Map<string, number>();

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(target: string, hooks: ProxyHooks = {}): Promise<AwsProxy> {
    const self: { proxy?: AwsProxy } = {};
    const server = createServer((req, res) => {
      void self.proxy!.handle(req, res, target, hooks).catch((err: unknown) => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    self.proxy = new AwsProxy(server, `http://127.0.0.1:${port}`);
    return self.proxy;
  }

  /** The calls as a plain object, for deepEqual. */
  counts(): Record<string, number> {
    return Object.fromEntries([...this.calls.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  private async handle(
    req: IncomingMessage,
    res: ServerResponse,
    target: string,
    hooks: ProxyHooks,
  ): Promise<void> {
    const body = await readBody(req);
    const amzTarget = req.headers["x-amz-target"];
    const params =
      typeof amzTarget === "string" ? new URLSearchParams() : new URLSearchParams(body.toString());
    const action = typeof amzTarget === "string" ? amzTarget : (params.get("Action") ?? "unknown");
    const nth = (this.calls.get(action) ?? 0) + 1;
    this.calls.set(action, nth);
    const call: ProxyRequest = { action, params, nth };

    const answer = hooks.intercept?.(call);
    if (answer !== undefined) {
      res.writeHead(answer.status, { "content-type": answer.contentType ?? "text/xml" });
      res.end(answer.body);
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === "string" && name !== "host" && name !== "content-length") {
        headers[name] = value;
      }
    }
    const upstream = await fetch(`${target}${req.url ?? "/"}`, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
    });
    let text = await upstream.text();
    if (hooks.transform) text = hooks.transform(call, text);
    res.writeHead(upstream.status, {
      "content-type": upstream.headers.get("content-type") ?? "text/xml",
    });
    res.end(text);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
