/**
 * A real local AWS API for tests: starts `moto_server` on a free port of 127.0.0.1 and stops it
 * afterwards. No other address is ever a target.
 *
 *   const moto = useMoto();          // inside a describe(): before/after hooks
 *   new IAMClient(moto.clientConfig())
 */
import { ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

export const MOTO_REGION = "us-east-1";
/** Credentials for unauthenticated moto (any value works while auth is off). */
export const MOTO_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

export interface MotoOptions {
  /**
   * Turn on moto's IAM request authentication after this many unauthenticated requests
   * (moto's INITIAL_NO_AUTH_ACTION_COUNT). Default: authentication off.
   */
  authAfter?: number;
  /**
   * Also authorize IAM user and Secrets Manager calls against their resource ARNs, and give the
   * iam:PolicyARN condition its value: stock moto matches those calls against "*" only. Runs
   * test/support/moto_resource_auth.py with `python3` (or $MOTO_PYTHON), which must import moto.
   */
  resourceAuthorization?: boolean;
}

export class MotoServer {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly log: string[],
  ) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** SDK v3 client configuration pointing at this server. */
  clientConfig(credentials = MOTO_CREDENTIALS) {
    return { endpoint: this.endpoint, region: MOTO_REGION, credentials, maxAttempts: 1 };
  }

  static async start(options: MotoOptions = {}): Promise<MotoServer> {
    const env = { ...process.env };
    if (options.authAfter !== undefined)
      env.INITIAL_NO_AUTH_ACTION_COUNT = String(options.authAfter);
    // Port 0: the server binds a free port itself and prints it. Choosing one here and passing
    // it on would race with the other mocha workers' servers (parallel mode), and a server
    // that lost the race could leave its tests talking to another file's server.
    const listen = ["-H", "127.0.0.1", "-p", "0"];
    const [command, args] = options.resourceAuthorization
      ? [
          process.env.MOTO_PYTHON ?? "python3",
          [join(__dirname, "moto_resource_auth.py"), ...listen],
        ]
      : ["moto_server", listen];
    const child = spawn(command, args, {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const log: string[] = [];
    const port = new Promise<number>((resolve, reject) => {
      const listening = (d: Buffer) => {
        log.push(d.toString());
        const m = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(log.join(""));
        if (m) resolve(Number(m[1]));
      };
      child.stdout?.on("data", listening);
      child.stderr?.on("data", listening);
      child.once("exit", (code) =>
        reject(new Error(`moto_server exited (${code}): ${log.join("")}`)),
      );
      child.once("error", reject);
    });
    port.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no port within 30 s")), 30_000);
    });
    let server: MotoServer;
    try {
      server = new MotoServer(await Promise.race([port, deadline]), child, log);
    } catch (err) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      throw new Error(
        `moto_server did not start: ${err instanceof Error ? err.message : String(err)}: ${log.join("")}`,
      );
    } finally {
      clearTimeout(timer);
    }
    // It prints the address once it listens; make sure it answers.
    const res = await fetch(`${server.endpoint}/moto-api/`);
    if (!res.ok) {
      await server.stop();
      throw new Error(`moto_server on ${server.endpoint} answered ${res.status}: ${log.join("")}`);
    }
    return server;
  }

  /** What moto_server printed so far (for failure messages). */
  output(): string {
    return this.log.join("");
  }

  /** Forgets every resource (POST /moto-api/reset). */
  async reset(): Promise<void> {
    const res = await fetch(`${this.endpoint}/moto-api/reset`, { method: "POST" });
    if (!res.ok) throw new Error(`moto reset failed: ${res.status}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Mocha hooks: one server for the enclosing describe(), reset before each test.
 * Returns a handle whose `server` is set once `before` has run.
 */
export function useMoto(options: MotoOptions & { resetEachTest?: boolean } = {}): {
  server: MotoServer;
} {
  const handle = {} as { server: MotoServer };
  before(async function () {
    this.timeout(60_000);
    handle.server = await MotoServer.start(options);
  });
  if (options.resetEachTest ?? true) {
    beforeEach(async () => {
      await handle.server.reset();
    });
  }
  after(async () => {
    await handle.server?.stop();
  });
  return handle;
}
