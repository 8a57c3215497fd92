/**
 * An HTTP server on a free port of 127.0.0.1 that accepts every connection and request and
 * never answers: an endpoint a client must give up on by itself.
 */
import { createServer, IncomingMessage, Server } from "node:http";
import { AddressInfo } from "node:net";

export class SilentServer {
  private constructor(
    private readonly server: Server,
    /** `http://127.0.0.1:<port>` */
    readonly endpoint: string,
    /** The requests it received (and never answered). */
    readonly requests: IncomingMessage[],
  ) {}

  static async start(): Promise<SilentServer> {
    const requests: IncomingMessage[] = [];
    const server = createServer((req) => {
      requests.push(req);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return new SilentServer(server, `http://127.0.0.1:${port}`, requests);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
