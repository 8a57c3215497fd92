/**
 * The program (index.ts) under pulumi.runtime.setMocks with 1,000 users, side by side with a
 * bare program registering the same resources (same types, names, inputs and parents, no
 * logic), each run in a fresh process (bench/programUnderMocks.ts), in rounds alternating which
 * goes first. The day measured is a quiet one, the most common: every user exists, its record,
 * keys and published document agree, and nothing changes, so the program makes its three
 * reads per user (aws.iam.getUser, getAccessKeys, secretsmanager.getSecretVersion) and
 * registers the same resources as the day before. Three baselines: the bare program alone (the
 * issue's), the bare program making the same reads first, and the bare program making the same
 * reads and exporting the same stack outputs (the floor of what the program has to do: what it
 * costs beyond that is its own logic). Ratios are medians of the rounds' ratios (target <=
 * 1.15, against the first); a CPU profile of one program run lists the hot spots.
 *
 *   npm run bench:program -- [--users 1000] [--rounds 5] [--source-maps]
 *
 * --source-maps keeps ts-node's source-map support on in the runs (as `pulumi up` runs a
 * TypeScript program); by default it is off, as in a compiled program (see the child's header).
 * Not a test: nothing is asserted about time; a run that fails its job fails the benchmark.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import {
  check,
  flag,
  list,
  machine,
  median,
  ms,
  option,
  ROOT,
  summarizeProfile,
  summary,
  timed,
} from "./auditBenchSupport";

const USERS = option("--users", 1000);
const ROUNDS = option("--rounds", 5);
const SOURCE_MAPS = flag("--source-maps") ? ["--source-maps"] : [];

interface Run {
  ms: number;
  /** CPU time of the same span, every thread of the process (the GC's included). */
  cpuMs: number;
  resources: number;
  invokes: number;
  rssMB: number;
}

async function child(label: string, args: readonly string[]): Promise<Run> {
  const t = check(
    label,
    await timed(
      process.execPath,
      [
        "--max-old-space-size=4096",
        "-r",
        "ts-node/register/transpile-only",
        path.join(ROOT, "bench", "programUnderMocks.ts"),
        ...args,
        ...SOURCE_MAPS,
      ],
      { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
    ),
  );
  const line = /^RESULT (.*)$/m.exec(t.stdoutHead);
  if (line === null) throw new Error(`${label} printed no result: ${t.stderr}`);
  return JSON.parse(line[1]) as Run;
}

async function run(): Promise<void> {
  const started = new Date();
  const header = machine();
  const dir = mkdtempSync(path.join(tmpdir(), "program-bench-"));
  try {
    const world = path.join(dir, "world.json");
    const recording = path.join(dir, "resources.json");
    const setupStart = performance.now();
    await child("world", ["world", "--users", String(USERS), "--out", world]);
    const recorded = await child("record", ["record", "--world", world, "--out", recording]);
    const setupMs = performance.now() - setupStart;

    const modes = {
      program: () => child("program", ["program", "--world", world]),
      bare: () => child("bare", ["bare", "--world", world, "--resources", recording]),
      bareReads: () =>
        child("bare --reads", ["bare", "--world", world, "--resources", recording, "--reads"]),
      bareFloor: () =>
        child("bare --reads --outputs", [
          ...["bare", "--world", world, "--resources", recording, "--reads", "--outputs"],
        ]),
    };
    type Mode = keyof typeof modes;
    const orders: Mode[][] = [
      ["program", "bare", "bareReads", "bareFloor"],
      ["bareFloor", "bareReads", "bare", "program"],
      ["bare", "program", "bareFloor", "bareReads"],
      ["bareReads", "bareFloor", "program", "bare"],
    ];
    const rounds: Record<Mode, Run>[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const round: Partial<Record<Mode, Run>> = {};
      for (const mode of orders[i % orders.length]) round[mode] = await modes[mode]();
      rounds.push(round as Record<Mode, Run>);
    }
    const profileFile = path.join(dir, "program.cpuprofile");
    await child("profiled program", ["program", "--world", world, "--profile", profileFile]);

    const ratio = (a: Mode, b: Mode) => rounds.map((r) => r[a].ms / r[b].ms);
    const vsBare = median(ratio("program", "bare"));
    const vsReads = median(ratio("program", "bareReads"));
    const vsFloor = median(ratio("program", "bareFloor"));
    const cpuRatio = (a: Mode, b: Mode) => rounds.map((r) => r[a].cpuMs / r[b].cpuMs);
    const row = (label: string, mode: Mode) =>
      `| ${label} | ${ms(median(rounds.map((r) => r[mode].ms)))} | ` +
      `${list(rounds.map((r) => r[mode].ms))} | ${rounds[0][mode].resources} | ` +
      `${rounds[0][mode].invokes} | ${Math.max(...rounds.map((r) => r[mode].rssMB))} MB |`;

    console.log(`# program under mocks: ${USERS} users, a quiet day`);
    console.log("");
    console.log(`Run ${started.toISOString()}; ${header}.`);
    console.log(
      `Stack traces source-mapped (ts-node, as pulumi up runs TypeScript): ` +
        `${SOURCE_MAPS.length > 0 ? "yes" : "no (as a compiled program)"}.`,
    );
    console.log(
      `Setup (a first run creating every user, then a recording run): ${(setupMs / 1000).toFixed(1)} s; ` +
        `${recorded.resources} resources, ${recorded.invokes} invokes per run.`,
    );
    console.log("");
    console.log("| run | median | runs (ms) | resources | invokes | peak RSS |");
    console.log("| --- | --- | --- | --- | --- | --- |");
    console.log(row("the program (index.ts)", "program"));
    console.log(row("bare program, same resources", "bare"));
    console.log(row("bare program, same reads, then same resources", "bareReads"));
    console.log(row("bare program, same reads, same resources, same stack outputs", "bareFloor"));
    console.log("");
    console.log(
      `program / bare, median of ${ROUNDS} rounds: ${vsBare.toFixed(2)}x ` +
        `(rounds: ${ratio("program", "bare")
          .map((x) => x.toFixed(2))
          .join(", ")}; target <= 1.15x).`,
    );
    console.log(
      `program / (bare + the same reads), median of the same rounds: ${vsReads.toFixed(2)}x ` +
        `(rounds: ${ratio("program", "bareReads")
          .map((x) => x.toFixed(2))
          .join(", ")}).`,
    );
    console.log(
      `program / (bare + the same reads + the same stack outputs), median of the same rounds: ` +
        `${vsFloor.toFixed(2)}x (rounds: ${ratio("program", "bareFloor")
          .map((x) => x.toFixed(2))
          .join(", ")}).`,
    );
    console.log(
      `CPU time (user + system, all threads), program / bare: ` +
        `${median(cpuRatio("program", "bare")).toFixed(2)}x (rounds: ${cpuRatio("program", "bare")
          .map((x) => x.toFixed(2))
          .join(", ")}); program / (bare + reads): ` +
        `${median(cpuRatio("program", "bareReads")).toFixed(2)}x; program / (bare + reads + ` +
        `outputs): ${median(cpuRatio("program", "bareFloor")).toFixed(2)}x; medians ` +
        `${ms(median(rounds.map((r) => r.program.cpuMs)))}, ` +
        `${ms(median(rounds.map((r) => r.bare.cpuMs)))}, ` +
        `${ms(median(rounds.map((r) => r.bareReads.cpuMs)))}, ` +
        `${ms(median(rounds.map((r) => r.bareFloor.cpuMs)))}.`,
    );
    console.log("");
    console.log("CPU profile of one program run, the run itself (self time):");
    console.log("");
    for (const line of summarizeProfile(profileFile, 12)) console.log(`    ${line}`);
    console.log("");
    console.log("The same, by function:");
    console.log("");
    for (const line of summarizeProfile(profileFile, 20, true)) console.log(`    ${line}`);
    console.log("");
    summary(
      `the program under mocks, ${USERS.toLocaleString("en-US")} users, vs a bare program registering the same resources`,
      `${vsBare.toFixed(2)}× (${vsReads.toFixed(2)}× vs the bare program making the same reads, ` +
        `${vsFloor.toFixed(2)}× vs the same reads and stack outputs)`,
      "≤ 1.15×",
      vsBare <= 1.15,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

run().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
