/**
 * Churn: two simulated years of daily runs for 100 users, driven by the program's own pure
 * decision functions the way test/components/rotatedKeyUser/rotationModel.simulation.test.ts
 * drives them (checkObservation, quietKeyToCheck, previousKeyToCheck, decideRun, encodeRecord),
 * against a world holding each user's tags, keys (ids, statuses, creation days, last use) and
 * published document, written as RotatedKeyUser writes it. Every run succeeds; nothing is
 * tampered with. Each run's resource changes are counted:
 *
 * - key re-issued: a slot whose replacement trigger (issue date) changed (delete + create);
 * - key status change: a key kept in its slot whose status changed;
 * - secret version: the published document's text changed;
 * - tag write: the record tags changed;
 *
 * against the physical minimum of the day: a rotation day (a key issued) 3 (the key, a secret
 * version, the record tags), a retirement day (the previous key goes Inactive) 1 status change,
 * any other day 0. Three kinds of consumers, each a run of its own: they switch to a new key
 * before the run that publishes it is over ("switch at once"), they used the previous key on the
 * publication day ("same-day use", a run in working hours), and 10% of users have a slow
 * consumer that keeps using the previous key 1 to 20 days ("slow consumers").
 *
 *   npm run bench:churn -- [--users 100] [--years 2]
 *
 * Not a test: it asserts nothing but that no run stops (an untouched record must never stop).
 */
import { performance } from "node:perf_hooks";
import {
  checkObservation,
  CheckSettings,
  Observation,
} from "../components/rotatedKeyUser/crossCheck";
import { PublishedKeyDocument, publishedRecordOf } from "../components/rotatedKeyUser/publishedKey";
import { encodeRecord } from "../components/rotatedKeyUser/rotationRecord";
import {
  KeyStatus,
  otherSlot,
  RotationPolicy,
  Slot,
  SLOTS,
} from "../components/rotatedKeyUser/rotationModel";
import {
  decideRun,
  PreviousUse,
  previousKeyToCheck,
  quietKeyToCheck,
  quietProblems,
  UserRunPlan,
} from "../components/rotatedKeyUser/runPlan";
import { addDays, fromDay, toDay } from "../lib/days";
import { machine, option, summary } from "./auditBenchSupport";

const USERS = option("--users", 100);
const YEARS = option("--years", 2);
const STACK = "iam-key-rotation/churn";
const START = toDay("2026-01-01");

/** The prod stack's three policies: the default (60%), the BI vendor's (20%), the partner's. */
const POLICIES: RotationPolicy[] = [
  { everyDays: 30, overlapDays: 7, maxAgeDays: 90 },
  { everyDays: 60, overlapDays: 14, maxAgeDays: 90 },
  { everyDays: 14, overlapDays: 2, maxAgeDays: 30 },
];
const policyOf = (i: number) => POLICIES[i % 10 < 6 ? 0 : i % 10 < 8 ? 1 : 2];

type Consumers = "switch at once" | "same-day use" | "slow consumers";

interface WorldKey {
  id: string;
  /** The replacement trigger Pulumi holds: the issue date the key was made for. */
  trigger: string;
  status: KeyStatus;
  createdDay: number;
  /** First day consumers were given it (the run that published it). */
  publishedFrom?: number;
  /** The day a newer key was published in its place. */
  replacedOn?: number;
  /** The first day it was Inactive. */
  inactiveFrom?: number;
}

type Change = "key re-issued" | "key status change" | "secret version" | "tag write";
const CHANGES: Change[] = ["key re-issued", "key status change", "secret version", "tag write"];
type DayKind = "rotation" | "retirement" | "quiet";
const MINIMUM: Record<DayKind, Partial<Record<Change, number>>> = {
  rotation: { "key re-issued": 1, "secret version": 1, "tag write": 1 },
  retirement: { "key status change": 1 },
  quiet: {},
};

interface Tally {
  runs: number;
  days: Record<DayKind, number>;
  keptDays: number;
  changes: Record<Change, number>;
  minimum: number;
  /** Changes above the day's minimum, by what kind of day it was and what changed. */
  excess: Map<string, number>;
}

class User {
  tags?: Record<string, string>;
  keys: Partial<Record<Slot, WorldKey>> = {};
  secret?: { text: string; writtenOn: string };
  private made = 0;

  constructor(
    readonly name: string,
    readonly policy: RotationPolicy,
    /** Days a consumer keeps using a previous key after its replacement is published. */
    readonly straggle: number,
    /** Whether consumers used the previous key on the day its replacement was published. */
    readonly sameDay: boolean,
  ) {}

  private newId(): string {
    this.made++;
    const tag = this.name.replace(/[^0-9]/g, "").padStart(4, "0");
    return `AKIA${tag}${String(this.made).padStart(12, "0")}`;
  }

  /** The last day before `day` a consumer used the key (GetAccessKeyLastUsed on `day`). */
  private lastUse(key: WorldKey, day: number): number | undefined {
    if (key.publishedFrom === undefined) return undefined;
    let last = day - 1;
    if (key.replacedOn !== undefined) {
      // Slow: days after the publication; same-day: on it (before the run); else the day before.
      const extra = this.straggle > 0 ? this.straggle : this.sameDay ? 0 : -1;
      last = Math.min(last, key.replacedOn + extra);
    }
    if (key.inactiveFrom !== undefined) last = Math.min(last, key.inactiveFrom - 1);
    return last >= key.publishedFrom ? last : undefined;
  }

  private observe(): Observation {
    return {
      user: this.tags === undefined ? null : { path: "/key-rotation/", tags: { ...this.tags } },
      keys: Object.values(this.keys).map((k) => ({
        accessKeyId: k.id,
        status: k.status,
        createDate: `${fromDay(k.createdDay)}T06:00:00Z`,
      })),
      secret: this.secret === undefined ? null : { ...this.secret },
    };
  }

  private use(id: string | undefined, day: number): PreviousUse | undefined {
    if (id === undefined) return undefined;
    const key = Object.values(this.keys).find((k) => k.id === id);
    const last = key === undefined ? undefined : this.lastUse(key, day);
    return {
      accessKeyId: id,
      use: last === undefined ? null : { date: `${fromDay(last)}T12:00:00Z` },
    };
  }

  /** One daily run: decides as the program does, applies it, and returns what changed. */
  run(day: number): { changes: Record<Change, number>; kind: DayKind; kept: boolean } {
    const today = fromDay(day);
    const settings: CheckSettings = {
      userName: this.name,
      stack: STACK,
      path: "/key-rotation/",
      policy: this.policy,
    };
    const observed = this.observe();
    const checked = checkObservation(observed, settings, today);
    if (checked.kind === "stop")
      throw new Error(`${this.name} stopped on ${today}: ${checked.problems.join(" | ")}`);
    const quiet = quietKeyToCheck(checked, observed);
    if (quiet !== undefined) {
      const problems = quietProblems(checked, settings, this.use(quiet, day)!);
      if (problems.length > 0) throw new Error(`${this.name} stopped on ${today}: ${problems[0]}`);
    }
    const previousId = previousKeyToCheck(checked, observed, settings, today);
    const run = decideRun(checked, observed, settings, today, this.use(previousId, day));
    const changes: Record<Change, number> = {
      "key re-issued": 0,
      "key status change": 0,
      "secret version": 0,
      "tag write": 0,
    };

    const tags = encodeRecord(run.record, STACK);
    if (JSON.stringify(tags) !== JSON.stringify(this.tags)) changes["tag write"]++;
    this.tags = tags;

    // Keys: a new issue date re-issues the slot; otherwise a status may change in place. An
    // Inactive key is deactivated after the publication (it depends on the secret version).
    const plan = run.plan;
    for (const slot of SLOTS) {
      const want = plan.slots[slot];
      const have = this.keys[slot];
      if (want === undefined) {
        if (have !== undefined) throw new Error(`${this.name}: slot ${slot} dropped on ${today}`);
        continue;
      }
      if (have === undefined || have.trigger !== want.issuedOn) {
        changes["key re-issued"]++;
        this.keys[slot] = {
          id: this.newId(),
          trigger: want.issuedOn,
          status: want.status,
          createdDay: day,
        };
      } else if (have.status !== want.status) {
        changes["key status change"]++;
        have.status = want.status;
        if (want.status === "Inactive") have.inactiveFrom = day;
      }
    }

    const text = this.document(run, today);
    if (this.secret?.text !== text) {
      changes["secret version"]++;
      const current = this.keys[plan.current]!;
      if (current.publishedFrom === undefined) {
        current.publishedFrom = day;
        for (const key of Object.values(this.keys)) {
          if (key !== current && key.replacedOn === undefined && key.publishedFrom !== undefined) {
            key.replacedOn = day;
          }
        }
      }
      this.secret = { text, writtenOn: today };
    }
    const kind: DayKind =
      changes["key re-issued"] > 0
        ? "rotation"
        : Object.values(this.keys).some((k) => k.inactiveFrom === day)
          ? "retirement"
          : "quiet";
    return { changes, kind, kept: run.keptInUse !== undefined };
  }

  /** The document as RotatedKeyUser's document() writes it. */
  private document(run: UserRunPlan, today: string): string {
    const { plan, record } = run;
    const current = this.keys[plan.current]!;
    const previousSlot = otherSlot(plan.current);
    // Only an Active previous key is declared before the document, and only it is published.
    const declaredPrevious =
      plan.slots[previousSlot]?.status === "Active" ? this.keys[previousSlot] : undefined;
    const previousKey = plan.state.adopted?.slot === previousSlot ? undefined : declaredPrevious;
    const doc: PublishedKeyDocument = {
      accessKeyId: current.id,
      secretAccessKey: `secret-of-${current.id}`,
      slot: plan.current,
      issuedOn: plan.slots[plan.current]!.issuedOn,
      userName: this.name,
    };
    if (previousKey !== undefined) {
      doc.previous = {
        accessKeyId: previousKey.id,
        secretAccessKey: `secret-of-${previousKey.id}`,
        slot: previousSlot,
        issuedOn: plan.slots[previousSlot]!.issuedOn,
      };
      const deactivatesOn =
        record.previousInUse === today ? addDays(today, 1) : record.previousActiveUntil;
      if (deactivatesOn !== undefined) doc.previous.deactivatesOn = deactivatesOn;
    }
    const previousIdOfSlot = declaredPrevious?.id ?? run.keyIds[previousSlot];
    doc.record = publishedRecordOf(record, STACK, {
      [plan.current]: current.id,
      ...(previousIdOfSlot !== undefined && { [previousSlot]: previousIdOfSlot }),
    });
    return JSON.stringify(doc);
  }
}

function simulate(consumers: Consumers): Tally {
  const users = Array.from({ length: USERS }, (_, i) => {
    // Every tenth user has a slow consumer: 1 to 20 days, within and past the overlap.
    const straggle =
      consumers === "slow consumers" && i % 10 === 3 ? 1 + ((Math.floor(i / 10) * 7) % 20) : 0;
    return new User(
      `churn-user-${String(i).padStart(4, "0")}`,
      policyOf(i),
      straggle,
      consumers !== "switch at once",
    );
  });
  const tally: Tally = {
    runs: 0,
    days: { rotation: 0, retirement: 0, quiet: 0 },
    keptDays: 0,
    changes: { "key re-issued": 0, "key status change": 0, "secret version": 0, "tag write": 0 },
    minimum: 0,
    excess: new Map(),
  };
  for (let d = 0; d < YEARS * 365; d++) {
    for (const user of users) {
      const { changes, kind, kept } = user.run(START + d);
      tally.runs++;
      tally.days[kind]++;
      if (kept) tally.keptDays++;
      for (const change of CHANGES) {
        tally.changes[change] += changes[change];
        const min = MINIMUM[kind][change] ?? 0;
        tally.minimum += min;
        const over = changes[change] - min;
        if (over !== 0) {
          const label = `${kept ? "kept-in-use" : kind} day: ${change}`;
          tally.excess.set(label, (tally.excess.get(label) ?? 0) + over);
        }
      }
    }
  }
  return tally;
}

function main(): void {
  const started = new Date();
  console.log(`# churn: ${USERS} users, ${YEARS} years of daily runs (${YEARS * 365} days)`);
  console.log("");
  console.log(`Run ${started.toISOString()}; ${machine()}.`);
  console.log(
    `Policies: ${POLICIES.map((p) => `${p.everyDays}/${p.overlapDays}/${p.maxAgeDays}`).join(", ")} ` +
      `(everyDays/overlapDays/maxAgeDays) for 60%, 20% and 20% of the users.`,
  );
  console.log("");
  const all: [Consumers, Tally][] = [];
  for (const consumers of ["switch at once", "same-day use", "slow consumers"] as Consumers[]) {
    const t0 = performance.now();
    const tally = simulate(consumers);
    const seconds = (performance.now() - t0) / 1000;
    all.push([consumers, tally]);
    const total = CHANGES.reduce((n, c) => n + tally.changes[c], 0);
    console.log(
      `## consumers: ${consumers} (${tally.runs.toLocaleString("en-US")} runs, ${seconds.toFixed(1)} s)`,
    );
    console.log("");
    console.log(
      `Days: ${tally.days.rotation} rotation, ${tally.days.retirement} retirement, ` +
        `${tally.days.quiet} other (${tally.keptDays} of them a previous key kept Active because in use).`,
    );
    console.log("");
    console.log("| change | count | per run |");
    console.log("| --- | --- | --- |");
    for (const change of CHANGES) {
      console.log(
        `| ${change} | ${tally.changes[change].toLocaleString("en-US")} | ${(tally.changes[change] / tally.runs).toFixed(4)} |`,
      );
    }
    console.log(
      `| **total** | **${total.toLocaleString("en-US")}** | ${(total / tally.runs).toFixed(4)} |`,
    );
    console.log(
      `| physical minimum | ${tally.minimum.toLocaleString("en-US")} | ${(tally.minimum / tally.runs).toFixed(4)} |`,
    );
    console.log(
      `| excess | ${(total - tally.minimum).toLocaleString("en-US")} | ${((total - tally.minimum) / tally.runs).toFixed(4)} |`,
    );
    console.log("");
    if (tally.excess.size === 0) console.log("No excess.");
    for (const [label, n] of [...tally.excess.entries()].sort()) {
      console.log(`- ${label}: ${n > 0 ? "+" : ""}${n}`);
    }
    console.log("");
  }
  // The minimum's only allowed excess: a kept-in-use day (the price of keeping a used key),
  // and the retirement day's document without the retired key (see RESULTS.md).
  const explained = (label: string) =>
    label.startsWith("kept-in-use day:") || label === "retirement day: secret version";
  const unexplained = all.flatMap(([, t]) => [...t.excess.keys()].filter((l) => !explained(l)));
  const parts = all.map(([c, t]) => {
    const total = CHANGES.reduce((n, ch) => n + t.changes[ch], 0);
    return `${c}: ${total.toLocaleString("en-US")} vs ${t.minimum.toLocaleString("en-US")} (+${(total - t.minimum).toLocaleString("en-US")})`;
  });
  summary(
    `churn, ${USERS} users × ${YEARS} years of daily runs: changes vs the physical minimum`,
    parts.join("; "),
    "the minimum, excess only as the price of safety",
    unexplained.length === 0,
  );
}

main();
