/**
 * `npm run bench`: every benchmark of issue 13, one after the other in this one invocation,
 * each printing its own results as it runs, then one table of their summary rows (measure /
 * result / target / met?) with the machine, the date and the moto_server version: what
 * bench/RESULTS.md records.
 *
 *   npm run bench                                 # every benchmark
 *   npm run bench -- --only startup,audit         # some of them (names below)
 *
 * Each benchmark also runs on its own: `npm run bench:<name>`. A benchmark that fails makes the
 * run exit 1 (after the others have run).
 */
import { spawn, spawnSync } from "node:child_process";
import * as path from "node:path";
import { machine, ROOT } from "./auditBenchSupport";

const BENCHES: { name: string; file: string; args?: string[] }[] = [
  { name: "policies", file: "policyPack.bench.ts" },
  { name: "startup", file: "startup.bench.ts" },
  { name: "audit", file: "audit.bench.ts", args: ["--profile"] },
  { name: "program", file: "program.bench.ts" },
  { name: "churn", file: "churn.bench.ts" },
  { name: "organization", file: "audit-organization.bench.ts" },
];

function motoVersion(): string {
  const r = spawnSync(process.env.MOTO_PYTHON ?? "python3", [
    "-c",
    "import moto; print(moto.__version__)",
  ]);
  return r.status === 0 ? r.stdout.toString().trim() : "unknown";
}

function runBench(
  file: string,
  args: readonly string[],
): Promise<{ code: number; rows: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", path.join(ROOT, "bench", file), ...args],
      { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
    );
    const rows: string[] = [];
    let pending = "";
    child.stdout.on("data", (d: Buffer) => {
      process.stdout.write(d);
      pending += d.toString();
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) if (line.startsWith("SUMMARY ")) rows.push(line.slice(8));
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, rows }));
  });
}

async function main(): Promise<void> {
  const i = process.argv.indexOf("--only");
  const only = i === -1 ? undefined : process.argv[i + 1].split(",");
  const unknown = (only ?? []).filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length > 0) throw new Error(`unknown benchmark(s): ${unknown.join(", ")}`);
  const started = new Date();
  const header = `${machine()}, moto_server ${motoVersion()}`;
  const rows: string[] = [];
  const failed: string[] = [];
  for (const bench of BENCHES.filter((b) => only === undefined || only.includes(b.name))) {
    console.log(`\n========== ${bench.name}: bench/${bench.file} ==========\n`);
    const { code, rows: got } = await runBench(bench.file, bench.args ?? []);
    rows.push(...got);
    if (code !== 0) failed.push(bench.name);
  }
  const command = `npm run bench${only === undefined ? "" : ` -- --only ${only.join(",")}`}`;
  console.log(`\n========== summary ==========\n`);
  console.log(
    `\`${command}\`, started ${started.toISOString()}, finished ${new Date().toISOString()}; ${header}.`,
  );
  console.log("");
  console.log("| measure | result | target | met? |");
  console.log("| --- | --- | --- | --- |");
  for (const row of rows) console.log(row);
  if (failed.length > 0) {
    console.log(`\nFailed: ${failed.join(", ")}.`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
