/**
 * A real local AWS API for tests: `moto_server` on a free port of 127.0.0.1, never another address.
 *
 *   const moto = useMoto();          // inside a describe(): before/after hooks
 *   new IAMClient(moto.server.clientConfig())
 *
 * The tests run moto through test/support/moto_server.py (moto's own server with its per-request
 * directory scan, class introspection and request log taken out: same answers, a third less CPU)
 * and each mocha worker keeps the servers it started for the next file: a describe() gets a
 * server to itself, emptied (POST /moto-api/reset) and with authentication set as it asked
 * (POST /moto-api/reset-auth), and hands it back afterwards. A server exits when the worker does
 * (it watches its stdin). `MotoServer.start({ stock: true })` runs the installed `moto_server`
 * itself (the benchmarks do, so their recorded numbers stay comparable).
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { join } from "node:path";

export const MOTO_REGION = "us-east-1";
/** Credentials for unauthenticated moto (any value works while auth is off). */
export const MOTO_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

export interface MotoOptions {
  /**
   * Turn on moto's IAM request authentication after this many unauthenticated requests
   * (moto's INITIAL_NO_AUTH_ACTION_COUNT, set through /moto-api/reset-auth). Default: off.
   */
  authAfter?: number;
  /**
   * Also authorize IAM user and Secrets Manager calls against their resource ARNs, and give the
   * iam:PolicyARN condition its value: stock moto matches those calls against "*" only
   * (test/support/moto_resource_auth.py).
   */
  resourceAuthorization?: boolean;
  /**
   * Load AWS managed policies (AWS_ConfigRole...) into IAM, as moto does only when asked
   * (its iam.load_aws_managed_policies config, set through /moto-api/config; each reset then
   * reloads them, which is slow: ask only where a test attaches one).
   */
  awsManagedPolicies?: boolean;
  /** Run the installed `moto_server` command, unpatched and unpooled (benchmarks). */
  stock?: boolean;
}

/** Turns moto's request authentication on (0) or off (Infinity) from now on. */
export async function setMotoAuth(endpoint: string, afterRequests: number): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset-auth`, {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: Number.isFinite(afterRequests) ? String(afterRequests) : "inf",
  });
  if (!res.ok) throw new Error(`moto reset-auth failed: ${res.status} ${await res.text()}`);
}

let python: string | undefined;
/**
 * The python that imports moto: $MOTO_PYTHON, else the one `python3` runs, resolved once per
 * process (a version manager's `python3` shim costs dozens of processes per start).
 */
function motoPython(): string {
  if (python !== undefined) return python;
  const configured = process.env.MOTO_PYTHON ?? "python3";
  // find_spec, not an import: importing moto.server here cost a second of CPU per worker,
  // and the server imports it anyway.
  const found = spawnSync(
    configured,
    [
      "-c",
      "import importlib.util, sys; print(sys.executable if importlib.util.find_spec('moto') else '')",
    ],
    { encoding: "utf8" },
  );
  if (found.status !== 0 || found.stdout.trim() === "") {
    throw new Error(
      `${configured} cannot import moto (set MOTO_PYTHON to the python that runs moto_server): ${found.stderr || found.error || "no module named moto"}`,
    );
  }
  python = found.stdout.trim();
  return python;
}

export class MotoServer {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly log: string[],
    readonly options: MotoOptions,
  ) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** SDK v3 client configuration pointing at this server. */
  clientConfig(credentials = MOTO_CREDENTIALS) {
    return { endpoint: this.endpoint, region: MOTO_REGION, credentials, maxAttempts: 1 };
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  static async start(options: MotoOptions = {}): Promise<MotoServer> {
    // Port 0: the server binds a free port itself and prints it. Choosing one here and passing
    // it on would race with the other mocha workers' servers (parallel mode), and a server
    // that lost the race could leave its tests talking to another file's server.
    const listen = ["-H", "127.0.0.1", "-p", "0"];
    const [command, args] = options.stock
      ? ["moto_server", listen]
      : [
          motoPython(),
          // Resource authorization, like the rest of the settings, is set by prepare().
          [join(__dirname, "moto_server.py"), ...listen],
        ];
    const env = { ...process.env };
    if (options.stock && options.authAfter !== undefined)
      env.INITIAL_NO_AUTH_ACTION_COUNT = String(options.authAfter);
    const child = spawn(command, args, { env, stdio: ["pipe", "pipe", "pipe"] });
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
    // The launcher exits when its stdin closes: a worker that ends leaves no server behind.
    child.stdin?.on("error", () => undefined);
    child.unref();
    (child.stdout as { unref?: () => void } | null)?.unref?.();
    (child.stderr as { unref?: () => void } | null)?.unref?.();
    (child.stdin as { unref?: () => void } | null)?.unref?.();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no port within 30 s")), 30_000);
    });
    let server: MotoServer;
    try {
      server = new MotoServer(await Promise.race([port, deadline]), child, log, options);
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
    if (!options.stock) await server.prepare(options);
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

  /**
   * Authentication on after `after` more unauthenticated requests (Infinity: off), counting
   * from now (POST /moto-api/reset-auth: moto's INITIAL_NO_AUTH_ACTION_COUNT).
   */
  resetAuth(after: number): Promise<void> {
    return setMotoAuth(this.endpoint, after);
  }

  private managedPolicies = false;
  private resourceAuthorization = false;

  /**
   * Empty, with the authentication, resource authorization and managed policies `options` ask
   * for (moto_server.py's additions to /moto-api/config).
   */
  async prepare(options: MotoOptions): Promise<void> {
    const managed = options.awsManagedPolicies ?? false;
    const resourceAuthorization = options.resourceAuthorization ?? false;
    if (managed !== this.managedPolicies || resourceAuthorization !== this.resourceAuthorization) {
      const res = await fetch(`${this.endpoint}/moto-api/config`, {
        method: "POST",
        body: JSON.stringify({
          iam: { load_aws_managed_policies: managed },
          resource_authorization: resourceAuthorization,
        }),
      });
      if (!res.ok) throw new Error(`moto config failed: ${res.status}`);
      this.managedPolicies = managed;
      this.resourceAuthorization = resourceAuthorization;
    }
    await this.reset();
    await this.resetAuth(options.authAfter ?? Infinity);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Servers this process started and no describe() holds. */
const idle: MotoServer[] = [];

/** A server to oneself: a kept one, emptied and set as `options` ask, or a new one. */
async function acquire(options: MotoOptions): Promise<MotoServer> {
  for (let server = idle.pop(); server !== undefined; server = idle.pop()) {
    if (!server.running) continue;
    await server.prepare(options);
    return server;
  }
  return MotoServer.start(options);
}

/** Back to the pool, emptied, with moto's defaults. */
async function release(server: MotoServer): Promise<void> {
  if (!server.running) return;
  await server.prepare({});
  idle.push(server);
}

/**
 * Mocha hooks: a server for the enclosing describe() (from this worker's pool), reset before
 * each test unless `resetEachTest: false`. Returns a handle whose `server` is set once `before`
 * has run.
 */
export function useMoto(options: Omit<MotoOptions, "stock"> & { resetEachTest?: boolean } = {}): {
  server: MotoServer;
} {
  const handle = {} as { server: MotoServer };
  before(async function () {
    this.timeout(60_000);
    handle.server = await acquire(options);
  });
  if (options.resetEachTest ?? true) {
    beforeEach(async () => {
      await handle.server.reset();
    });
  }
  after(async () => {
    if (handle.server !== undefined) await release(handle.server);
  });
  return handle;
}
