/**
 * Starting the CLI: `node bin/iam-key-rotation.js --help` (whatever the bin runs: through
 * ts-node, or compiled JavaScript) against `node -e 0`, Node starting and doing nothing, in
 * pairs alternating which goes first, each a subprocess timed from spawn to exit; the ratio is
 * the median of the pairs' ratios (target <= 4).
 *
 *   npm run bench:startup -- [--pairs 10] [--bin FILE]
 *
 * Not a test: nothing is asserted about time; a run that fails (exit code) fails the benchmark.
 */
import {
  check,
  cli,
  cliEntryKind,
  list,
  machine,
  median,
  ms,
  option,
  summary,
  timed,
  Timed,
} from "./auditBenchSupport";

const PAIRS = option("--pairs", 10);

async function run(): Promise<void> {
  const started = new Date();
  const header = machine();
  const help = async () => {
    const t = check("--help", await cli(["--help"]));
    if (!t.stdoutHead.includes("Usage:"))
      throw new Error(`--help printed no usage: ${t.stdoutHead}`);
    return t;
  };
  const node = async () => check("node -e 0", await timed(process.execPath, ["-e", "0"]));
  await help(); // warm-up: file system caches
  await node();
  const pairs: { help: Timed; node: Timed }[] = [];
  for (let i = 0; i < PAIRS; i++) {
    if (i % 2 === 0) {
      const h = await help();
      pairs.push({ help: h, node: await node() });
    } else {
      const n = await node();
      pairs.push({ node: n, help: await help() });
    }
  }
  const ratios = pairs.map((p) => p.help.ms / p.node.ms);
  const ratio = median(ratios);
  const helpMs = median(pairs.map((p) => p.help.ms));
  console.log(`# starting the CLI: --help vs node -e 0`);
  console.log("");
  console.log(`Run ${started.toISOString()}; ${header}.`);
  console.log(`The CLI: ${cliEntryKind()}.`);
  console.log("");
  console.log("| command | median | runs (ms) |");
  console.log("| --- | --- | --- |");
  console.log(
    `| \`iam-key-rotation --help\` | ${ms(helpMs)} | ${list(pairs.map((p) => p.help.ms))} |`,
  );
  console.log(
    `| \`node -e 0\` | ${ms(median(pairs.map((p) => p.node.ms)))} | ${list(pairs.map((p) => p.node.ms))} |`,
  );
  console.log("");
  console.log(
    `--help / node -e 0, median of ${PAIRS} paired ratios: ${ratio.toFixed(2)}x ` +
      `(pairs: ${ratios.map((r) => r.toFixed(2)).join(", ")}; target <= 4x).`,
  );
  console.log("");
  summary(
    "`iam-key-rotation --help` vs `node -e 0`",
    `${ratio.toFixed(1)}× (${ms(helpMs)}; ${/TypeScript/.test(cliEntryKind()) ? "TypeScript sources" : "compiled"})`,
    "≤ 4×",
    ratio <= 4,
  );
}

run().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
