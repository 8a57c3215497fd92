/**
 * Randomized simulations of years of daily runs of one managed user against a model of the
 * world: the user's tags (which anyone who may tag the user can edit), the keys IAM holds (ids,
 * statuses, creation dates, last use), the published secret, and consumers that read it (one of
 * them sometimes slow to move to a new key). Each run does what the program does, with the
 * program's own pure functions: observe, cross-check the record (checkObservation), read the
 * previous key's last use when asked (previousKeyToCheck), decide (decideRun: the rotation
 * model), then write the tags, apply the keys, publish, and retire the previous key after
 * publishing. Runs are missed, fail half-way, policies change (maxAgeDays lowered mid-overlap
 * included), keys leak (revocation), the user may start as an existing user with an old
 * hand-made key (adoption), and the tags are tampered with.
 *
 * Checked after every run:
 *  1. at most one slot is re-issued per run; never both; never the published key;
 *  2. the current slot exists and is Active; at most two keys exist;
 *  3. the published key exists and is Active; a consumer that read a key from the secret on
 *     day t can use it at least until t + overlapDays, unless it was revoked or reached its
 *     max-age bound; a key is never retired while it is still being used, except at that bound;
 *  4. with daily successful runs, no key is Active longer than everyDays + overlapDays, and,
 *     from the run after any policy change on, no key is Active past its maxAgeDays (adopted
 *     keys and keys already too old when rotated away keep their overlap);
 *  5. idempotent: deciding twice on the same day gives the same plan;
 *  6. a tampered record never makes a run delete or deactivate a key consumers may use, or
 *     keep a key Active longer: the run either stops before any change, or acts as if the tags
 *     had not been touched;
 *  and, after a successful run on or after a revocation date, no revoked key is Active.
 */
import * as assert from "node:assert/strict";
import fc from "fast-check";
import {
  CheckSettings,
  checkObservation,
  Observation,
} from "../../../components/rotatedKeyUser/crossCheck";
import { decodeRecord, encodeRecord } from "../../../components/rotatedKeyUser/rotationRecord";
import {
  KeyStatus,
  otherSlot,
  RotationPolicy,
  RotationState,
  Slot,
  SLOTS,
} from "../../../components/rotatedKeyUser/rotationModel";
import {
  decideRun,
  quietKeyToCheck,
  quietProblems,
  PreviousUse,
  previousKeyToCheck,
  UserRunPlan,
} from "../../../components/rotatedKeyUser/runPlan";
import { fromDay, toDay } from "../../../lib/days";

/**
 * Scenarios of the main property; the others run 3/10 of it (the tamper property as many for
 * each kind of tamper). SIMULATION_RUNS=1000 is the deep run (DEVELOPMENT.md, "Running them").
 */
const RUNS = scenarioCount(process.env.SIMULATION_RUNS, 100);

function scenarioCount(value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`SIMULATION_RUNS must be a positive integer (got ${JSON.stringify(value)}).`);
  }
  return n;
}

const STACK = "iam-key-rotation/sim";
const USER = "sim-user";
const START = toDay("2026-01-01");

interface WorldKey {
  id: string;
  /** The replacement trigger Pulumi holds for the slot: the issue date it was made for. */
  trigger: string;
  status: KeyStatus;
  createdDay: number;
  /** Day it last became Active. */
  activeSince: number;
  /** Last day a consumer could read it from the secret. */
  lastPublishedDay?: number;
  /** Last day a consumer used it. */
  lastUsedDay?: number;
  /** Adopted: it existed before the stack. */
  adopted?: boolean;
}

type Outcome = "ok" | "fail-before-keys" | "fail-before-publish";

type Tamper =
  | "remove-slot"
  | "edit-slot"
  | "swap-current"
  | "extend-overlap"
  | "drop-revocation"
  | "earlier-revocation"
  | "later-revocation"
  | "future-revocation"
  | "forge-adopted"
  | "forge-stack"
  | "wipe";

const TAMPERS: Tamper[] = [
  "remove-slot",
  "edit-slot",
  "swap-current",
  "extend-overlap",
  "drop-revocation",
  "earlier-revocation",
  "later-revocation",
  "future-revocation",
  "forge-adopted",
  "forge-stack",
  "wipe",
];

interface Day {
  run: boolean;
  outcome: Outcome;
  policy: RotationPolicy;
  revokeIssuedBefore?: string;
  tamper?: { kind: Tamper; roll: number };
  /** Days a slow consumer keeps using the previous key after a new one is published. */
  straggle: number;
}

class Simulation {
  tags?: Record<string, string>;
  keys: Partial<Record<Slot, WorldKey>> = {};
  secret?: { text: string; writtenOn: string };
  /** The key the secret publishes (parsed once, when it is written). */
  private published?: { slot: Slot; accessKeyId: string };
  made = 0;
  /** The tags were edited by someone else since the last run that wrote them. */
  tampered = false;
  /** The operator's repair after a stop on a tampered record. */
  rebuildNext = false;
  adopt = false;
  stops = 0;
  /** Mutation check: trust the tags as they are, as the program did before issue 10. */
  naive = false;
  /** Policies in effect by day. */
  readonly policies = new Map<number, RotationPolicy>();
  readonly activeDurations: {
    name: string;
    days: number;
    from: number;
    to: number;
    kept: number;
  }[] = [];
  /** Days a run kept a previous key Active past its overlap because it was in use. */
  readonly keptDays: number[] = [];
  /** Days a slow consumer keeps using a previous key; set when a new key is published. */
  private straggleUntil?: { id: string; until: number };
  private revokedBefore = -Infinity;

  /** An existing user with one old hand-made key, to be adopted. */
  startAdopted(createdDay: number): void {
    this.tags = { team: "data" };
    this.adopt = true;
    const id = this.newId();
    this.keys.blue = {
      id,
      trigger: "", // set when it is imported: Pulumi then holds the trigger it is declared with
      status: "Active",
      createdDay,
      activeSince: createdDay,
      lastUsedDay: START - 1,
      adopted: true,
    };
  }

  private newId(): string {
    this.made++;
    return `AKIASIM${String(this.made).padStart(13, "0")}`;
  }

  observe(day: number): Observation {
    // A consumer signs requests with the keys it holds: every Active key it still uses.
    for (const key of Object.values(this.keys)) {
      if (key === undefined || key.status !== "Active") continue;
      const published = key.lastPublishedDay !== undefined && key.lastPublishedDay >= day - 1;
      const straggling = this.straggleUntil?.id === key.id && day <= this.straggleUntil.until;
      if (published || straggling || key.adopted === true) key.lastUsedDay = day - 1;
    }
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

  run(day: number, d: Day): UserRunPlan | undefined {
    this.policies.set(day, d.policy);
    this.revokedBefore =
      d.revokeIssuedBefore === undefined ? -Infinity : toDay(d.revokeIssuedBefore);
    const today = fromDay(day);
    const settings: CheckSettings = {
      userName: USER,
      stack: STACK,
      path: "/key-rotation/",
      policy: d.policy,
      ...(d.revokeIssuedBefore !== undefined && { revokeIssuedBefore: d.revokeIssuedBefore }),
      ...(this.adopt && { adopt: { deleteInactiveKey: false } }),
      ...(this.rebuildNext && { rebuildRecord: true }),
    };
    const observed = this.observe(day);
    let checked = this.naive ? naiveCheck(observed) : checkObservation(observed, settings, today);
    // A recorded rotation replacing a key kept because it was in use: its use is read first.
    const quietKey = checked.kind === "run" ? quietKeyToCheck(checked, observed) : undefined;
    if (checked.kind === "run" && quietKey !== undefined) {
      const quiet = this.keyById(quietKey);
      const problems = quietProblems(checked, settings, {
        accessKeyId: quietKey,
        use:
          quiet?.lastUsedDay === undefined
            ? null
            : { date: `${fromDay(quiet.lastUsedDay)}T12:00:00Z` },
      });
      if (problems.length > 0) checked = { kind: "stop", problems };
    }
    if (checked.kind === "stop") {
      // 6. a stop is the right answer to a tampered record, and the only one allowed then.
      assert.ok(
        this.tampered,
        `a run stopped on ${today} on an untouched record: ${checked.problems.join(" | ")}`,
      );
      this.stops++;
      this.rebuildNext = true; // the operator repairs the record
      return undefined;
    }
    this.rebuildNext = false;
    const key = previousKeyToCheck(checked, observed, settings, today);
    const previous = key === undefined ? undefined : this.keyById(key);
    const use: PreviousUse | undefined =
      key === undefined
        ? undefined
        : {
            accessKeyId: key,
            use:
              previous?.lastUsedDay === undefined
                ? null
                : { date: `${fromDay(previous.lastUsedDay)}T12:00:00Z` },
          };
    const run = decideRun(checked, observed, settings, today, use);
    if (run.keptInUse !== undefined) {
      this.keptDays.push(day);
      // Kept only while used: since the publication, then since the last day it was kept.
      const since = checked.recorded?.previousInUse ?? checked.recorded?.publishedOn ?? "";
      assert.ok(
        previous?.lastUsedDay !== undefined && fromDay(previous.lastUsedDay) >= since,
        `kept a quiet key on ${today}`,
      );
    }
    // 5. the same observation on the same day gives the same plan.
    assert.deepEqual(
      decideRun(checked, observed, settings, today, use).plan,
      run.plan,
      `idempotence on ${today}`,
    );
    const plan = run.plan;

    // 1. at most one slot re-issued, never the published key.
    const reissued = SLOTS.filter(
      (s) =>
        this.keys[s] !== undefined &&
        this.keys[s].trigger !== "" &&
        plan.slots[s] !== undefined &&
        this.keys[s].trigger !== plan.slots[s].issuedOn,
    );
    assert.ok(reissued.length <= 1, `both slots re-issued on ${today}`);
    const publishedSlot = this.publishedSlot();
    if (publishedSlot !== undefined && this.keys[publishedSlot]?.lastPublishedDay !== undefined) {
      assert.ok(
        !reissued.includes(publishedSlot),
        `published key ${publishedSlot} re-issued on ${today}`,
      );
    }
    // 2. the current slot exists and is Active.
    assert.equal(plan.slots[plan.current]?.status, "Active", `current not Active on ${today}`);

    // Apply: tags first (the keys depend on the user), then keys, the secret, deactivations.
    this.tags = { ...(run.adoption?.keepTags ?? {}), ...encodeRecord(run.record, STACK) };
    this.tampered = false;
    if (d.outcome === "fail-before-keys") return run;
    const deactivate: Slot[] = [];
    for (const slot of SLOTS) {
      const want = plan.slots[slot];
      const have = this.keys[slot];
      if (want === undefined) {
        if (have !== undefined) {
          this.retire(slot, have, day, "deleted");
          delete this.keys[slot];
        }
        continue;
      }
      if (have?.adopted === true && have.trigger === "") have.trigger = want.issuedOn; // imported
      if (have === undefined || have.trigger !== want.issuedOn) {
        if (want.status === "Inactive") {
          deactivate.push(slot);
          continue;
        }
        if (have !== undefined) this.retire(slot, have, day, "deleted");
        this.keys[slot] = {
          id: this.newId(),
          trigger: want.issuedOn,
          status: "Active",
          createdDay: day,
          activeSince: day,
        };
      } else if (have.status !== want.status) {
        if (want.status === "Inactive") deactivate.push(slot);
        else {
          have.status = "Active";
          have.activeSince = day;
        }
      }
    }
    assert.ok(Object.keys(this.keys).length <= 2, "more than two keys");
    if (d.outcome === "fail-before-publish") return run;

    const current = this.keys[plan.current]!;
    const text = this.document(run);
    if (this.secret?.text !== text) {
      const before = this.publishedKey();
      if (before !== undefined && before.id !== current.id) {
        before.lastPublishedDay = day;
        this.straggleUntil = { id: before.id, until: day + d.straggle };
      }
      this.secret = { text, writtenOn: today };
      this.published = JSON.parse(text) as { slot: Slot; accessKeyId: string };
    }
    for (const slot of deactivate) {
      const want = plan.slots[slot]!;
      const key = this.keys[slot];
      if (key !== undefined && key.trigger === want.issuedOn) {
        this.retire(slot, key, day, "deactivated");
        key.status = "Inactive";
      } else {
        if (key !== undefined) this.retire(slot, key, day, "deleted");
        this.keys[slot] = {
          id: this.newId(),
          trigger: want.issuedOn,
          status: "Inactive",
          createdDay: day,
          activeSince: day,
        };
      }
    }
    // 3. (strong form) what is published exists and is Active.
    const published = this.publishedKey();
    assert.ok(published !== undefined, `published key gone on ${today}`);
    assert.equal(published.status, "Active", `published key Inactive on ${today}`);
    published.lastPublishedDay = day;
    // Revocation works.
    if (day >= this.revokedBefore) {
      for (const slot of SLOTS) {
        const key = this.keys[slot];
        if (
          key !== undefined &&
          key.status === "Active" &&
          toDay(key.trigger) < this.revokedBefore &&
          key.adopted !== true
        ) {
          assert.fail(`revoked key ${slot} (issued ${key.trigger}) still Active on ${today}`);
        }
      }
    }
    return run;
  }

  private keyById(id: string): WorldKey | undefined {
    return Object.values(this.keys).find((k) => k?.id === id);
  }

  private publishedSlot(): Slot | undefined {
    return this.published?.slot;
  }

  private publishedKey(): WorldKey | undefined {
    return this.published === undefined ? undefined : this.keyById(this.published.accessKeyId);
  }

  /** The document as the component writes it. */
  private document(run: UserRunPlan): string {
    const { plan, record } = run;
    const current = this.keys[plan.current]!;
    const previousSlot = otherSlot(plan.current);
    const previous = this.keys[previousSlot];
    const doc: Record<string, unknown> = {
      accessKeyId: current.id,
      secretAccessKey: `secret-of-${current.id}`,
      slot: plan.current,
      issuedOn: plan.slots[plan.current]!.issuedOn,
      userName: USER,
    };
    if (
      plan.slots[previousSlot]?.status === "Active" &&
      previous !== undefined &&
      record.adopted?.slot !== previousSlot
    ) {
      doc.previous = {
        accessKeyId: previous.id,
        secretAccessKey: `secret-of-${previous.id}`,
        slot: previousSlot,
        issuedOn: plan.slots[previousSlot].issuedOn,
        ...(record.previousActiveUntil !== undefined && {
          deactivatesOn: record.previousActiveUntil,
        }),
      };
    }
    const slots: Record<string, unknown> = {};
    for (const slot of SLOTS) {
      const s = record.slots[slot];
      if (s === undefined) continue;
      const id = slot === plan.current ? current.id : (previous?.id ?? run.keyIds[slot]);
      slots[slot] = { issuedOn: s.issuedOn, ...(id !== undefined && { accessKeyId: id }) };
    }
    doc.record = { ...stripSlots(record), current: record.current, slots, stack: STACK };
    return JSON.stringify(doc);
  }

  /** 3. A key stops working: it must have been unpublished for the promised overlap. */
  private retire(slot: Slot, key: WorldKey, day: number, how: string): void {
    if (key.status === "Active") {
      this.activeDurations.push({
        name: `${slot}@${key.trigger}`,
        days: day - key.activeSince,
        from: key.activeSince,
        to: day,
        // Keeping a previous key also delays the rotation of the current one.
        kept: this.keptDays.filter((k) => k >= key.activeSince && k < day).length,
      });
    }
    if (key.status === "Inactive") return;
    // Revoked (a leak): cut off on purpose. An adopted key's issue date is its creation day.
    const issued = key.adopted === true ? key.createdDay : toDay(key.trigger);
    if (issued < this.revokedBefore) return;
    const policy = this.policies.get(day)!;
    const atBound = day >= toDay(key.trigger) + policy.maxAgeDays;
    if (key.adopted !== true && atBound) return; // the max-age bound wins
    if (key.lastPublishedDay !== undefined) {
      let minOverlap = Infinity;
      for (let d = key.lastPublishedDay; d <= day; d++) {
        const p = this.policies.get(d);
        if (p !== undefined) minOverlap = Math.min(minOverlap, p.overlapDays);
      }
      assert.ok(
        day >= key.lastPublishedDay + minOverlap,
        `${slot}@${key.trigger} ${how} on ${fromDay(day)}, only ${day - key.lastPublishedDay} day(s) after it was last published; overlap ${minOverlap}`,
      );
    }
    // Never retired while still used, unless at its bound: a use on the day before this run
    // (seen by this run's last-use read) keeps it.
    if (key.lastUsedDay !== undefined && key.lastUsedDay >= day - 1 && !atBound) {
      assert.fail(
        `${slot}@${key.trigger} ${how} on ${fromDay(day)} although used on ${fromDay(key.lastUsedDay)}`,
      );
    }
  }

  /** Edits the tags the way someone who may tag the user could. */
  tamper(kind: Tamper, roll: number, day: number): void {
    if (this.tags === undefined || this.tags["key-rotation:current"] === undefined) return;
    const tags = { ...this.tags };
    const current = tags["key-rotation:current"] as Slot;
    const other = otherSlot(current);
    const shift = 1 + Math.floor(roll * 40);
    const date = (offset: number) => fromDay(day + offset);
    switch (kind) {
      case "remove-slot":
        delete tags[`key-rotation:${roll < 0.5 ? other : current}`];
        break;
      case "edit-slot": {
        const slot = roll < 0.5 ? other : current;
        const value = tags[`key-rotation:${slot}`];
        if (value === undefined) return;
        tags[`key-rotation:${slot}`] = fromDay(
          Math.min(day, toDay(value) + (roll < 0.25 || roll > 0.75 ? -shift : shift)),
        );
        break;
      }
      case "swap-current":
        tags["key-rotation:current"] = other;
        break;
      case "extend-overlap":
        tags["key-rotation:previous-active-until"] = "2099-01-01";
        break;
      case "drop-revocation":
        if (tags["key-rotation:revoked-before"] === undefined) return;
        delete tags["key-rotation:revoked-before"];
        break;
      case "earlier-revocation": {
        const value = tags["key-rotation:revoked-before"];
        if (value === undefined) return;
        tags["key-rotation:revoked-before"] = fromDay(toDay(value) - shift);
        break;
      }
      case "later-revocation":
        tags["key-rotation:revoked-before"] = date(-Math.floor(roll * 3));
        break;
      case "future-revocation":
        tags["key-rotation:revoked-before"] = date(1 + Math.floor(roll * 3));
        break;
      case "forge-adopted":
        tags["key-rotation:adopted"] = `${other}:AKIAFORGED0000000001`;
        break;
      case "forge-stack":
        tags["key-rotation:stack"] = "other-project/prod";
        break;
      case "wipe":
        for (const k of Object.keys(tags)) if (k.startsWith("key-rotation:")) delete tags[k];
        break;
    }
    if (JSON.stringify(tags) === JSON.stringify(this.tags)) return;
    this.tags = tags;
    this.tampered = true;
  }
}

/** The tags taken at their word, and what the secret publishes: no cross-check at all. */
function naiveCheck(observed: Observation): ReturnType<typeof checkObservation> {
  const decoded = decodeRecord(observed.user?.tags);
  const doc =
    observed.secret === null
      ? undefined
      : (JSON.parse(observed.secret.text) as { slot: Slot; issuedOn: string });
  return {
    kind: "run",
    recorded: decoded.kind === "ok" ? decoded.state : undefined,
    published:
      doc === undefined
        ? null
        : { slot: doc.slot, issuedOn: doc.issuedOn, publishedOn: observed.secret!.writtenOn },
    keyIds: {},
    warnings: [],
  };
}

function stripSlots(record: RotationState): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...record };
  delete copy.slots;
  delete copy.current;
  return copy;
}

/** A valid policy: everyDays 1..90 (mostly short, so years hold many rotations). */
const policyArb: fc.Arbitrary<RotationPolicy> = fc
  .record({
    everyDays: fc.integer({ min: 1, max: 90 }),
    o: fc.nat(),
    extra: fc.integer({ min: 0, max: 40 }),
  })
  .map(({ everyDays, o, extra }) => {
    const overlapDays = o % everyDays;
    const maxAgeDays = Math.min(365, everyDays + Math.max(overlapDays, 1) + extra);
    return { everyDays, overlapDays, maxAgeDays };
  });

interface Scenario {
  years: number;
  policies: RotationPolicy[];
  changes: number[];
  missRate: number;
  failRate: number;
  tamperRate: number;
  seed: number;
  revocation: { at: number } | null;
  /** Start from an existing user with a hand-made key this many days old (adoption). */
  adoptedKeyAge: number | null;
  /** Largest number of days a slow consumer keeps using a previous key. */
  straggle: number;
}

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  years: fc.integer({ min: 2, max: 3 }),
  policies: fc.array(policyArb, { minLength: 1, maxLength: 5 }),
  changes: fc.array(fc.integer({ min: 1, max: 3 * 365 }), { maxLength: 4 }),
  missRate: fc.constantFrom(0, 0.05, 0.3),
  failRate: fc.constantFrom(0, 0.05, 0.3),
  tamperRate: fc.constantFrom(0, 0, 0.02, 0.1),
  seed: fc.integer(),
  revocation: fc.option(fc.record({ at: fc.integer({ min: 1, max: 3 * 365 }) }), { freq: 3 }),
  adoptedKeyAge: fc.option(fc.integer({ min: 0, max: 800 }), { freq: 3 }),
  straggle: fc.constantFrom(0, 0, 3, 20),
});

/** A small deterministic PRNG so a scenario replays exactly from its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function daysOf(scenario: Scenario): Day[] {
  const random = prng(scenario.seed);
  const changes = [...scenario.changes].sort((a, b) => a - b);
  const days: Day[] = [];
  let policyIndex = 0;
  for (let i = 0; i < scenario.years * 365; i++) {
    while (changes.length > 0 && changes[0] <= i) {
      changes.shift();
      policyIndex = Math.min(policyIndex + 1, scenario.policies.length - 1);
    }
    const run = i === 0 || random() >= scenario.missRate;
    const roll = random();
    const outcome: Outcome =
      roll < scenario.failRate / 2
        ? "fail-before-keys"
        : roll < scenario.failRate
          ? "fail-before-publish"
          : "ok";
    const rev = scenario.revocation;
    const revokeIssuedBefore = rev !== null && i >= rev.at ? fromDay(START + rev.at) : undefined;
    const tamperRoll = random();
    const tamper =
      tamperRoll < scenario.tamperRate
        ? { kind: TAMPERS[Math.floor(random() * TAMPERS.length)], roll: random() }
        : undefined;
    const straggle = Math.floor(random() * (scenario.straggle + 1));
    days.push({
      run,
      outcome,
      policy: scenario.policies[policyIndex],
      revokeIssuedBefore,
      tamper,
      straggle,
    });
  }
  return days;
}

function simulate(scenario: Scenario, days: Day[] = daysOf(scenario)): Simulation {
  const sim = new Simulation();
  if (scenario.adoptedKeyAge !== null) sim.startAdopted(START - scenario.adoptedKeyAge);
  days.forEach((d, i) => {
    if (d.tamper !== undefined) sim.tamper(d.tamper.kind, d.tamper.roll, START + i);
    if (d.run) sim.run(START + i, d);
  });
  return sim;
}

describe("rotation: randomized multi-year simulations of the program's runs", function () {
  this.timeout(600_000);

  it("keeps every invariant through missed days, failed runs, policy changes, leaks, adoption, slow consumers and tampered tags (SIMULATION_RUNS scenarios)", () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        simulate(scenario);
      }),
      { numRuns: RUNS, seed: 20261130 },
    );
  });

  it("every kind of tamper stops a run, or changes nothing that matters (each kind, many times)", () => {
    let stops = 0;
    TAMPERS.forEach((kind, k) => {
      fc.assert(
        fc.property(scenarioArb, (scenario) => {
          const days = daysOf({ ...scenario, tamperRate: 0 }).map((d, i) =>
            i % 37 === 20 ? { ...d, run: true, tamper: { kind, roll: (i % 7) / 7 } } : d,
          );
          stops += simulate(scenario, days).stops;
        }),
        { numRuns: Math.ceil((RUNS * 0.3) / TAMPERS.length), seed: 7 + k },
      );
    });
    assert.ok(stops > 0, "tampers were caught");
  });

  it("with daily successful runs, no key is Active longer than everyDays + overlapDays, plus the days it was kept because still used (invariant 4)", () => {
    fc.assert(
      fc.property(policyArb, fc.integer({ min: 1, max: 3 }), (policy, years) => {
        const scenario: Scenario = {
          years,
          policies: [policy],
          changes: [],
          missRate: 0,
          failRate: 0,
          tamperRate: 0,
          seed: 1,
          revocation: null,
          adoptedKeyAge: null,
          straggle: 0,
        };
        const sim = simulate(scenario);
        const bound = policy.everyDays + Math.max(policy.overlapDays, 1);
        for (const d of sim.activeDurations) {
          assert.ok(
            d.days <= bound + d.kept,
            `${d.name} Active ${d.days} days > ${bound} + ${d.kept} kept in use, under ${JSON.stringify(policy)}`,
          );
          assert.ok(d.days <= policy.maxAgeDays, `${d.name} Active ${d.days} days > maxAgeDays`);
        }
      }),
      { numRuns: Math.ceil(RUNS * 0.3), seed: 7 },
    );
  });

  it("with daily successful runs, maxAgeDays holds from the run after any policy change on, a lowered one included", () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const days = daysOf({
          ...scenario,
          missRate: 0,
          failRate: 0,
          tamperRate: 0,
          revocation: null,
          adoptedKeyAge: null,
        });
        const sim = new Simulation();
        days.forEach((d, i) => {
          const day = START + i;
          const run = sim.run(day, d)!;
          for (const slot of SLOTS) {
            const key = sim.keys[slot];
            if (key === undefined || key.status !== "Active") continue;
            const stale = run.record.previousWasStale === true && slot !== run.plan.current;
            if (stale) continue; // already too old when it was rotated away: keeps its overlap
            assert.ok(
              day < key.createdDay + d.policy.maxAgeDays ||
                (slot === run.plan.current && key.createdDay === day),
              `${slot} (created ${fromDay(key.createdDay)}) Active on ${fromDay(day)}, past maxAgeDays ${d.policy.maxAgeDays}`,
            );
          }
        });
      }),
      { numRuns: Math.ceil(RUNS * 0.3), seed: 11 },
    );
  });

  it("lowering maxAgeDays mid-overlap cuts the overlap at the bound from the next run on", () => {
    const wide = { everyDays: 60, overlapDays: 30, maxAgeDays: 120 };
    const tight = { everyDays: 20, overlapDays: 7, maxAgeDays: 27 };
    const sim = new Simulation();
    const day = (i: number, policy: RotationPolicy) =>
      sim.run(START + i, { run: true, outcome: "ok", policy, straggle: 0 })!;
    for (let i = 0; i <= 65; i++) day(i, wide); // blue issued day 0, green day 60, overlap to 90
    assert.equal(sim.keys.blue?.status, "Active");
    day(66, tight); // blue is 66 days old: past 27
    assert.equal(sim.keys.blue?.status, "Inactive");
  });

  it("the simulation catches a run that trusts the tags (mutation check)", () => {
    // Without the cross-check, removing the previous slot's tag during its overlap makes the
    // run drop that key (Pulumi deletes a key the program no longer declares) while consumers
    // may still hold it: invariant 3 has to notice.
    const sim = new Simulation();
    sim.naive = true;
    const policy = { everyDays: 10, overlapDays: 5, maxAgeDays: 20 };
    for (let i = 0; i <= 11; i++)
      sim.run(START + i, { run: true, outcome: "ok", policy, straggle: 0 });
    sim.tamper("remove-slot", 0, START + 12); // the previous slot, blue
    assert.throws(
      () => sim.run(START + 12, { run: true, outcome: "ok", policy, straggle: 0 }),
      /blue@2026-01-01 deleted on 2026-01-13, only 2 day\(s\) after it was last published; overlap 5/,
    );
  });
});
