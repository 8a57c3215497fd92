/**
 * Benchmark of the policy pack's stack validation: the time `validateStack` of every stack
 * policy takes on stacks of 2,500 users (5,000 keys) and 5,000 users (10,000 keys), the pack's
 * algorithm side by side with the one it replaced (copied below as the baseline: it scanned
 * every resource per component, per stale key and per user). Both run in this process, on the
 * same resources, alternately.
 *
 *   npm run bench:policies
 *   node -r ts-node/register/transpile-only bench/policyPack.bench.ts --users 2500,5000 --runs 5
 *
 * Not a test: it asserts nothing about time, but it checks that the baseline and the pack
 * report the same number of violations on these stacks. The stacks are built by the tests'
 * harness (test/support/policyHarness.ts) exactly as the policy server builds them (protobuf
 * Struct, the SDK's deserializer and unknown-checking proxy, parents resolved to resources);
 * building them is not timed. Each user is a RotatedKeyUser with its registered outputs, an
 * aws.iam.User and two slot keys (blue Inactive, green Active); every 10th user is mid-rotation
 * after missed runs (blue being issued, green stale and rotated away), which exercises the
 * stale-key sibling lookup; a few users hold a finding of each policy (see stackInputs). The live check's IAM side reads an in-memory IAM (no network, built
 * before the timed runs), so its row measures the stack-side matching and the per-user
 * comparison. Each cell is the median of the runs, with the fastest run in brackets (on a
 * machine shared with other jobs, the fastest is the closest to the cost itself).
 */
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import {
  PolicyResource,
  ReportViolation,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { fromDay, toDay } from "../lib/days";
import { summary } from "./auditBenchSupport";
import { ROTATED_KEY_USER_TYPE } from "../components/typeTokens";
import { accessKeyAgeWarning } from "../policies/accessKeyAgeWarning";
import { stackUsers } from "../policies/accessKeyLiveCheck";
import { checkLiveKeys, IamReader, LiveKey, ManagedUser } from "../policies/accessKeyLiveCheckIam";
import { accessKeyMaxAge } from "../policies/accessKeyMaxAge";
import { accessKeyOneSlotPerUpdate } from "../policies/accessKeyOneSlotPerUpdate";
import { KeyFacts, keyFacts, keyLabel, slotNames } from "../policies/accessKeys";
import { ACCESS_KEY_TYPE, USER_TYPE } from "../policies/resourceTypes";
import { rotationRecord } from "../policies/rotationRecord";
import { policyClock } from "../policies/thresholds";
import { knownString, UNKNOWN } from "../policies/unknownValues";
import { ResourceInput, runStack, UNKNOWN_VALUE, urnOf } from "../test/support/policyHarness";

const TODAY = "2026-11-22";
const MAX_AGE_DAYS = 90;
const STACK_URN = "urn:pulumi:bench::iam-key-rotation::pulumi:pulumi:Stack::iam-key-rotation-bench";

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1];
}
const SIZES = option("--users", "2500,5000").split(",").map(Number);
const RUNS = Number(option("--runs", "5"));

// ---------------------------------------------------------------------------------------------
// The stacks

/** `users` RotatedKeyUsers as validateStack gets them at a preview on TODAY. */
function stackInputs(users: number): ResourceInput[] {
  const inputs: ResourceInput[] = [
    { type: "pulumi:pulumi:Stack", name: "iam-key-rotation-bench", urn: STACK_URN, props: {} },
  ];
  for (let i = 0; i < users; i++) {
    const name = `svc-${String(i).padStart(5, "0")}`;
    const component = urnOf(ROTATED_KEY_USER_TYPE, name, STACK_URN, "bench");
    const rotating = i % 10 === 0;
    // Findings, so that the baseline and the pack can be checked to agree: a stale key nobody
    // rotates (every 100th user, from the 2nd), a key in the warning window (from the 3rd), an
    // update that re-issues both slots (every 500th, from the 4th).
    const stale = i % 100 === 1;
    const both = i % 500 === 3;
    const greenOn = rotating || stale ? "2026-08-01" : i % 100 === 2 ? "2026-09-01" : "2026-11-01";
    const id = (slot: string) => `AKIA${slot.toUpperCase()}${String(i).padStart(10, "0")}`;
    inputs.push(
      {
        type: ROTATED_KEY_USER_TYPE,
        name,
        urn: component,
        parent: STACK_URN,
        props: {
          userName: name,
          path: "/key-rotation/",
          secretName: `key-rotation/${name}`,
          rotation: { everyDays: 30, overlapDays: 7, maxAgeDays: 90 },
          adopt: false,
          selfRead: true,
          rotationState: rotating
            ? {
                current: "blue",
                slots: { blue: { issuedOn: TODAY }, green: { issuedOn: greenOn } },
                previousActiveUntil: "2026-11-29",
                publishedOn: TODAY,
              }
            : {
                current: "green",
                slots: { blue: { issuedOn: "2026-10-02" }, green: { issuedOn: greenOn } },
                previousActiveUntil: "2026-11-08",
                publishedOn: greenOn,
              },
        },
      },
      {
        type: USER_TYPE,
        name: `${name}-user`,
        urn: urnOf(USER_TYPE, `${name}-user`, component, "bench"),
        parent: component,
        props: { id: name, name, path: "/key-rotation/" },
      },
      {
        type: ACCESS_KEY_TYPE,
        name: `${name}-blue`,
        urn: urnOf(ACCESS_KEY_TYPE, `${name}-blue`, component, "bench"),
        parent: component,
        props:
          rotating || both
            ? {
                id: UNKNOWN_VALUE.string,
                user: name,
                status: "Active",
                createDate: UNKNOWN_VALUE.string,
              }
            : {
                id: id("blue"),
                user: name,
                status: "Inactive",
                createDate: "2026-10-02T06:00:00Z",
              },
      },
      {
        type: ACCESS_KEY_TYPE,
        name: `${name}-green`,
        urn: urnOf(ACCESS_KEY_TYPE, `${name}-green`, component, "bench"),
        parent: component,
        props: both
          ? {
              id: UNKNOWN_VALUE.string,
              user: name,
              status: "Active",
              createDate: UNKNOWN_VALUE.string,
            }
          : {
              id: id("green"),
              user: name,
              status: "Active",
              createDate: `${greenOn}T06:00:00Z`,
            },
      },
    );
  }
  return inputs;
}

/** The resources as the policy server hands them to validateStack (the harness builds them). */
async function delivered(inputs: ResourceInput[]): Promise<PolicyResource[]> {
  let seen: PolicyResource[] = [];
  const spy: StackValidationPolicy = {
    name: "spy",
    description: "Keeps the resources.",
    validateStack: (args) => void (seen = args.resources),
  };
  await runStack(spy, inputs);
  return seen;
}

/** validateStack's arguments over prepared resources, with the config the engine would send. */
function stackArgs(resources: PolicyResource[], config: Record<string, unknown>) {
  const args: StackValidationArgs = {
    resources,
    getConfig: <T extends object>() => ({ ...config }) as T,
    stackTags: new Map(),
    notApplicable: (reason?: string): never => {
      throw new Error(reason ?? "not applicable");
    },
  };
  return args;
}

/** An IAM that holds exactly the keys the stack declares (ids known), answering at once. */
const iams = new WeakMap<PolicyResource[], IamReader>();
function memoryIam(resources: PolicyResource[]): IamReader {
  const built = iams.get(resources);
  if (built !== undefined) return built;
  const keys = new Map<string, LiveKey[]>();
  for (const r of resources) {
    if (r.type !== ACCESS_KEY_TYPE) continue;
    const facts = keyFacts(r);
    if (facts.user === undefined || facts.id === undefined) continue;
    const list = keys.get(facts.user) ?? [];
    list.push({
      id: facts.id,
      status: typeof facts.status === "string" ? facts.status : "Active",
      createDate:
        typeof facts.createdOn === "number" ? new Date(facts.createdOn * 86_400_000) : undefined,
    });
    keys.set(facts.user, list);
  }
  const names = [...keys.keys()];
  // A key made by hand in the console for every 100th user (from the 5th): the live check's finding.
  names.forEach((name, i) => {
    if (i % 100 === 4) {
      keys.get(name)!.push({ id: `AKIAHAND${i}`, status: "Active", createDate: new Date() });
    }
  });
  const reader: IamReader = {
    listUsers: async () => ({ items: names }),
    listAccessKeys: async (userName) => ({ items: keys.get(userName) ?? [] }),
  };
  iams.set(resources, reader);
  return reader;
}

// ---------------------------------------------------------------------------------------------
// The baseline: the stack policies' algorithms before the one-pass index (policies/ at
// 945c6a6), trimmed to what they compute. Same helpers (keyFacts, keyLabel, slotNames).

function baselineAccessKeys(resources: PolicyResource[]): KeyFacts[] {
  return resources.filter((r) => r.type === ACCESS_KEY_TYPE).map(keyFacts);
}

function baselineSiblingIsReissued(key: PolicyResource, resources: PolicyResource[]): boolean {
  const parent = key.parent;
  if (parent?.type !== ROTATED_KEY_USER_TYPE) return false;
  const slots = slotNames(parent.name);
  if (!slots.includes(key.name)) return false;
  return resources.some(
    (r) =>
      r.type === ACCESS_KEY_TYPE &&
      r.parent?.urn === parent.urn &&
      r.name !== key.name &&
      slots.includes(r.name) &&
      keyFacts(r).createdOn === UNKNOWN,
  );
}

function baselineMaxAge(resources: PolicyResource[], report: ReportViolation): void {
  const today = toDay(TODAY);
  for (const key of baselineAccessKeys(resources)) {
    if (key.status !== "Active" || typeof key.createdOn !== "number") continue;
    const age = today - key.createdOn;
    if (age <= MAX_AGE_DAYS) continue;
    if (baselineSiblingIsReissued(key.resource, resources)) continue;
    report(`${keyLabel(key)} is Active and ${age} days old`, key.resource.urn);
  }
}

function baselineAgeWarning(resources: PolicyResource[], report: ReportViolation): void {
  const today = toDay(TODAY);
  for (const key of baselineAccessKeys(resources)) {
    if (key.status !== "Active" || typeof key.createdOn !== "number") continue;
    const age = today - key.createdOn;
    if (age > MAX_AGE_DAYS || age <= MAX_AGE_DAYS - 14) continue;
    report(`${keyLabel(key)} reaches the maximum on ${fromDay(key.createdOn + MAX_AGE_DAYS)}`);
  }
}

function baselineOneSlot(resources: PolicyResource[], report: ReportViolation): void {
  const components = resources.filter((r) => r.type === ROTATED_KEY_USER_TYPE);
  for (const component of components) {
    const children = resources.filter((r) => r.parent?.urn === component.urn);
    const slots = slotNames(component.name).map((name) =>
      children.find((r) => r.type === ACCESS_KEY_TYPE && r.name === name),
    );
    const issued = slots.filter((r) => r !== undefined && keyFacts(r).createdOn === UNKNOWN);
    if (issued.length < slots.length) continue;
    const user = children.find((r) => r.type === USER_TYPE);
    report(`both slots of ${component.name} (${user?.name ?? "?"})`, component.urn);
  }
}

function baselineStackUsers(resources: PolicyResource[]): ManagedUser[] {
  const keys = baselineAccessKeys(resources);
  const anyUnattributed = keys.some((k) => k.user === undefined);
  const users: ManagedUser[] = [];
  for (const resource of resources.filter((r) => r.type === USER_TYPE)) {
    const name = knownString(() => resource.props.name);
    if (name === undefined) continue;
    const own = keys.filter((k) => k.user?.toLowerCase() === name.toLowerCase());
    users.push({
      name,
      path: knownString(() => resource.props.path) ?? "/",
      urn: resource.urn,
      keys: [
        ...own.map((k) => ({ id: k.id, status: k.status === UNKNOWN ? undefined : k.status })),
        ...(anyUnattributed ? [{ id: undefined, status: undefined }] : []),
      ],
    });
  }
  return users;
}

// ---------------------------------------------------------------------------------------------
// Measuring

type Run = (resources: PolicyResource[]) => Promise<number>;

interface Row {
  policy: string;
  baseline?: Run;
  pack: Run;
}

const policyRun =
  (policy: StackValidationPolicy, config: Record<string, unknown>): Run =>
  async (resources) => {
    let count = 0;
    await policy.validateStack(stackArgs(resources, config), () => void count++);
    return count;
  };

const baselineRun =
  (f: (resources: PolicyResource[], report: ReportViolation) => void): Run =>
  async (resources) => {
    let count = 0;
    f(resources, () => void count++);
    return count;
  };

/** The live check past its IAM client: stack users matched to keys, then compared with IAM. */
const liveCheckRun =
  (users: (resources: PolicyResource[]) => ManagedUser[]): Run =>
  async (resources) => {
    const findings = await checkLiveKeys(users(resources), memoryIam(resources), {
      maxAgeDays: MAX_AGE_DAYS,
      today: toDay(TODAY),
      concurrency: 4,
    });
    return findings.length;
  };

const ROWS: Row[] = [
  {
    policy: "iam-access-key-max-age",
    baseline: baselineRun(baselineMaxAge),
    pack: policyRun(accessKeyMaxAge, { maxAgeDays: MAX_AGE_DAYS }),
  },
  {
    policy: "iam-access-key-age-warning",
    baseline: baselineRun(baselineAgeWarning),
    pack: policyRun(accessKeyAgeWarning, { maxAgeDays: MAX_AGE_DAYS, warnDays: 14 }),
  },
  {
    policy: "iam-access-key-one-slot-per-update",
    baseline: baselineRun(baselineOneSlot),
    pack: policyRun(accessKeyOneSlotPerUpdate, {}),
  },
  { policy: "iam-rotation-record (new)", pack: policyRun(rotationRecord, {}) },
  {
    policy: "iam-access-key-live-check (stack side, in-memory IAM)",
    baseline: liveCheckRun(baselineStackUsers),
    pack: liveCheckRun((resources) => stackUsers(resources, MAX_AGE_DAYS)),
  },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time(run: Run, resources: PolicyResource[]): Promise<{ ms: number; found: number }> {
  const start = performance.now();
  const found = await run(resources);
  return { ms: performance.now() - start, found };
}

/** The timed runs of one policy on one stack: median and fastest, in ms. */
interface Timing {
  median: number;
  min: number;
}

interface Result {
  users: number;
  keys: number;
  policy: string;
  baseline?: Timing;
  pack: Timing;
}

const timing = (xs: number[]): Timing | undefined =>
  xs.length === 0 ? undefined : { median: median(xs), min: Math.min(...xs) };

async function main(): Promise<void> {
  policyClock.now = () => new Date(`${TODAY}T12:00:00Z`);
  const loadBefore = loadavg()[0];
  const results: Result[] = [];
  for (const users of SIZES) {
    const buildStart = performance.now();
    const resources = await delivered(stackInputs(users));
    const keys = resources.filter((r) => r.type === ACCESS_KEY_TYPE).length;
    memoryIam(resources); // built once, outside the timed runs
    console.error(
      `built ${users} users (${keys} keys, ${resources.length} resources) in ` +
        `${((performance.now() - buildStart) / 1000).toFixed(1)} s`,
    );
    for (const row of ROWS) {
      const baseline: number[] = [];
      const pack: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        // Alternate which goes first, so neither always runs on a warmer heap.
        const order =
          r % 2 === 0 ? (["baseline", "pack"] as const) : (["pack", "baseline"] as const);
        for (const which of order) {
          const run = row[which];
          if (run === undefined) continue;
          const { ms, found } = await time(run, resources);
          (which === "baseline" ? baseline : pack).push(ms);
          if (which === "pack" && r === 0) console.error(`  ${row.policy}: ${found} found`);
        }
      }
      if (row.baseline !== undefined) {
        const [a, b] = [await row.baseline(resources), await row.pack(resources)];
        if (a !== b) throw new Error(`${row.policy}: baseline found ${a}, the pack ${b}`);
      }
      results.push({
        users,
        keys,
        policy: row.policy,
        baseline: timing(baseline),
        pack: timing(pack)!,
      });
    }
  }
  print(results, loadBefore, loadavg()[0]);
}

function print(results: Result[], loadBefore: number, loadAfter: number): void {
  const cell = (t: Timing | undefined) =>
    t === undefined ? "—" : `${t.median.toFixed(0)} ms (${t.min.toFixed(0)})`;
  const sum = (rows: Result[], key: "baseline" | "pack"): Timing => ({
    median: rows.reduce((s, r) => s + (r[key]?.median ?? 0), 0),
    min: rows.reduce((s, r) => s + (r[key]?.min ?? 0), 0),
  });
  console.log(
    `# policy pack stack validation: ${RUNS} runs each, Node ${process.version}, ` +
      `${cpus().length} CPUs, load average ${loadBefore.toFixed(1)} before and ` +
      `${loadAfter.toFixed(1)} after, ${new Date().toISOString().slice(0, 10)}\n`,
  );
  console.log("Each cell: median of the runs (fastest run in brackets).\n");
  console.log("| users (keys) | policy | baseline (before) | pack (now) | speed-up (medians) |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const r of results) {
    const speedUp =
      r.baseline !== undefined ? `${(r.baseline.median / r.pack.median).toFixed(1)}×` : "—";
    console.log(
      `| ${r.users} (${r.keys}) | ${r.policy} | ${cell(r.baseline)} | ${cell(r.pack)} | ${speedUp} |`,
    );
  }
  for (const users of SIZES) {
    const rows = results.filter((r) => r.users === users);
    const compared = rows.filter((r) => r.baseline !== undefined);
    const baseline = sum(compared, "baseline");
    const pack = sum(compared, "pack");
    console.log(
      `| ${users} (${rows[0].keys}) | **the four compared, together** | ${cell(baseline)} | ` +
        `${cell(pack)} | ${(baseline.median / pack.median).toFixed(1)}× |`,
    );
    console.log(
      `| ${users} (${rows[0].keys}) | **every stack policy (with iam-rotation-record)** | — | ` +
        `${cell(sum(rows, "pack"))} | — |`,
    );
  }
  if (SIZES.length >= 2) {
    const [small, large] = [SIZES[0], SIZES[SIZES.length - 1]];
    const growth = (key: "baseline" | "pack") => {
      const at = (users: number) =>
        sum(
          results.filter((r) => r.users === users && r.baseline !== undefined),
          key,
        );
      return `×${(at(large).median / at(small).median).toFixed(2)} (fastest runs ×${(at(large).min / at(small).min).toFixed(2)})`;
    };
    console.log(
      `\nGrowth of the four compared from ${small} to ${large} users ` +
        `(×${(large / small).toFixed(1)}): baseline ${growth("baseline")}, pack ${growth("pack")}.`,
    );
  }
  console.log("");
  const every = (users: number) =>
    sum(
      results.filter((r) => r.users === users),
      "pack",
    );
  for (const users of SIZES) {
    const all = every(users);
    const keys = results.find((r) => r.users === users)!.keys;
    const time = `${(all.median / 1000).toFixed(2)} s (fastest run ${(all.min / 1000).toFixed(2)} s)`;
    const what = `policy pack, stack validation over ${keys.toLocaleString("en-US")} keys (${users.toLocaleString("en-US")} users), every stack policy`;
    if (keys <= 5000) {
      summary(what, time, "< 0.3 s", all.median < 300);
      continue;
    }
    // Linear, measured: the time grows with the users, not with their square. Allowed: up to
    // 1.5 times the users' growth (×2 users: ×3 at most; a quadratic pass gives about ×4).
    if (users === SIZES[0]) {
      summary(what, `${time} (no smaller size run: linearity not measured)`, "linear", false);
      continue;
    }
    const size = users / SIZES[0];
    const growth = all.median / every(SIZES[0]).median;
    summary(
      what,
      `${time}: ×${growth.toFixed(2)} the time of ${SIZES[0].toLocaleString("en-US")} users for ×${size.toFixed(1)} the users`,
      `linear (at most ×${(1.5 * size).toFixed(1)})`,
      growth <= 1.5 * size,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
