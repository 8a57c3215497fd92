import * as assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import {
  readErrorText,
  readTextFile,
  readTextStream,
  sizeText,
  TooLargeError,
} from "../../cli/boundedRead";
import { ROOT } from "../support/root";

describe("bounded reads of what a command is pointed at", () => {
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), "bounded-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a file of exactly the limit, refuses one byte more", () => {
    const file = path.join(dir, "f");
    // Text that never repeats, with a 3-byte character across the first 64 KiB chunk's end:
    // a reader that decoded chunk by chunk, or reused its buffer, would garble it.
    const text =
      "a".repeat(65535) + "€" + Array.from({ length: 20_000 }, (_, i) => i.toString(36)).join(",");
    writeFileSync(file, text);
    const bytes = Buffer.byteLength(text);
    assert.equal(readTextFile(file, bytes), text);
    assert.throws(
      () => readTextFile(file, bytes - 1),
      (err: unknown) => err instanceof TooLargeError && err.limit === bytes - 1,
    );
  });

  it("drops a leading byte-order mark (a JSON file saved by a Windows editor)", async () => {
    const file = path.join(dir, "bom.json");
    writeFileSync(file, "\ufeff{}");
    assert.equal(readTextFile(file, 100), "{}");
    assert.equal(await readTextStream(Readable.from([Buffer.from("\ufeff{}")]), 100), "{}");
  });

  it("stops on a file without end (/dev/zero) at the limit", () => {
    assert.throws(() => readTextFile("/dev/zero", 1024), {
      name: "TooLargeError",
      message: "larger than 1 KiB",
    });
  });

  it("reads a pipe that ends (a FIFO), as a process substitution would give", async () => {
    const fifo = path.join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    const writer = spawn("sh", ["-c", 'printf key > "$1"', "sh", fifo], { stdio: "ignore" });
    const exited = once(writer, "exit");
    assert.equal(readTextFile(fifo, 10), "key");
    await exited;
  });

  it("passes the file system's errors on, in words", () => {
    const missing = (() => {
      try {
        readTextFile(path.join(dir, "none"), 10);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    assert.equal((missing as NodeJS.ErrnoException).code, "ENOENT");
    assert.equal(readErrorText(missing), "no such file");
    const directory = (() => {
      try {
        readTextFile(dir, 10);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    assert.equal(readErrorText(directory), "it is a directory");
    assert.equal(readErrorText(new TooLargeError(64 * 1024)), "larger than 64 KiB");
  });

  it("stops a stream without end at the limit", async () => {
    async function* endless(): AsyncGenerator<Buffer> {
      for (;;) yield Buffer.alloc(4096);
    }
    await assert.rejects(readTextStream(endless(), 10_000), {
      name: "TooLargeError",
      message: "larger than 10000 bytes",
    });
    async function* two(): AsyncGenerator<Buffer | string> {
      yield Buffer.from("ab");
      yield "cd";
    }
    assert.equal(await readTextStream(two(), 4), "abcd");
    await assert.rejects(readTextStream(two(), 3), TooLargeError);
    // "€" (3 bytes) split across chunks decodes whole.
    const euro = Buffer.from("x€y");
    async function* split(): AsyncGenerator<Buffer> {
      yield euro.subarray(0, 2);
      yield euro.subarray(2, 3);
      yield euro.subarray(3);
    }
    assert.equal(await readTextStream(split(), 5), "x€y");
  });

  it("names sizes in the unit they are set in", () => {
    assert.deepEqual(
      [sizeText(65536), sizeText(16 * 1024 * 1024), sizeText(1500), sizeText(10)],
      ["64 KiB", "16 MiB", "1500 bytes", "10 bytes"],
    );
  });
});

describe("the built CLI on a standard input without end", () => {
  it("credentials --key-file - < /dev/zero: exit 2 at 64 KiB, no key cached", function () {
    this.timeout(20_000);
    const dir = mkdtempSync(path.join(tmpdir(), "bounded-bin-"));
    const zero = openSync("/dev/zero", "r");
    try {
      const cache = path.join(dir, "cache.json");
      const run = spawnSync(
        process.execPath,
        [
          path.join(ROOT, "bin", "iam-key-rotation.js"),
          ...["credentials", "--init", "--secret", "s", "--region", "us-east-1"],
          ...["--cache", cache, "--key-file", "-"],
        ],
        { stdio: [zero, "pipe", "pipe"], encoding: "utf8", timeout: 15_000 },
      );
      assert.deepEqual(
        [run.status, run.stdout, run.stderr],
        [2, "", "error: --key-file -: not a key file (larger than 64 KiB).\n"],
      );
      assert.equal(existsSync(cache), false);
    } finally {
      closeSync(zero);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
