/**
 * The verdict rules of `iam-key-rotation audit`: pure, no clock, no I/O. One access key, the
 * number of Active keys its user has, and "now" in; its age, every finding and the verdict out.
 *
 * Ages are whole days elapsed (floor), like the AWS Config rule ACCESS_KEYS_ROTATED, which marks
 * a key NON_COMPLIANT once it is more than `maxAccessKeyAge` days old. Only Active keys can sign
 * requests, so an Inactive key is always `ok`.
 */
import { DEFAULT_POLICY } from "../../components/rotatedKeyUser/rotationModel";
import { plural } from "../format";

/** Every verdict, least severe first: the order `--fail-on` compares with. */
export const VERDICTS = ["ok", "rotate-soon", "two-active", "unused", "stale"] as const;
export type Verdict = (typeof VERDICTS)[number];

/** `--fail-on` values: a verdict other than ok, or never. */
export const FAIL_ON = ["rotate-soon", "two-active", "unused", "stale", "never"] as const;
export type FailOn = (typeof FAIL_ON)[number];

export interface Thresholds {
  /** An Active key older than this many whole days is stale. */
  maxAgeDays: number;
  /** An Active key this many days or fewer from being stale should be rotated soon. */
  warnDays: number;
  /** An Active key not used for this many days (or never used, this old) is unused. */
  unusedDays: number;
}

/** maxAgeDays as the rotation policy (and the Config rule) default; unusedDays from CIS 1.12. */
export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = Object.freeze({
  maxAgeDays: DEFAULT_POLICY.maxAgeDays,
  warnDays: 14,
  unusedDays: 45,
});

export interface KeyFacts {
  status: "Active" | "Inactive";
  createdAt: Date;
  /** null: never used (or no information). */
  lastUsedAt: Date | null;
  /** Active keys of the key's user, this one included. */
  activeKeysOfUser: number;
}

export interface KeyAssessment {
  /** Whole days since the key was created (0 when its date is in the future). */
  ageDays: number;
  /** The most severe finding, or ok. */
  verdict: Verdict;
  /** Every finding (never ok), most severe first. */
  findings: Verdict[];
  /** One clause per finding, in the same order, joined with "; " ("" for an Active ok key). */
  detail: string;
}

const DAY_MS = 86_400_000;

/** Whole days from `from` to `to`, never negative. */
export function wholeDaysBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / DAY_MS));
}

function severity(verdict: Verdict): number {
  return VERDICTS.indexOf(verdict);
}

/** True when `verdict` is at or above the `--fail-on` threshold. */
export function failsOn(verdict: Verdict, failOn: FailOn): boolean {
  if (failOn === "never" || verdict === "ok") return false;
  return severity(verdict) >= severity(failOn);
}

/** Problems with a set of thresholds, each naming its option; empty when valid. */
export function validateThresholds(t: Thresholds): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(t.maxAgeDays) || t.maxAgeDays < 1 || t.maxAgeDays > 3650) {
    problems.push(`--max-age-days must be a whole number from 1 to 3650 (got ${t.maxAgeDays}).`);
  }
  if (!Number.isInteger(t.warnDays) || t.warnDays < 0 || t.warnDays > t.maxAgeDays) {
    problems.push(
      `--warn-days must be a whole number from 0 to --max-age-days (${t.maxAgeDays}) (got ${t.warnDays}).`,
    );
  }
  if (!Number.isInteger(t.unusedDays) || t.unusedDays < 1 || t.unusedDays > 3650) {
    problems.push(`--unused-days must be a whole number from 1 to 3650 (got ${t.unusedDays}).`);
  }
  return problems;
}

/**
 * Rules, for an Active key of age A (whole days), with max age M, warn days W, unused days U:
 * - stale: A > M ("Active 91 days, more than 90");
 * - rotate-soon: M - W < A <= M: stale within W days ("stale in 14 days" .. "stale in 1 day");
 * - unused: never used and A >= U ("never used in 45 days"), or last used L >= U whole days
 *   ago ("last used 45 days ago");
 * - two-active: its user has two Active keys ("user has 2 Active keys"). Expected during a
 *   blue/green overlap, hence below unused and stale.
 * An Inactive key is ok ("inactive"). The verdict is the most severe finding.
 */
export function assessKey(key: KeyFacts, now: Date, t: Thresholds): KeyAssessment {
  const ageDays = wholeDaysBetween(key.createdAt, now);
  if (key.status !== "Active") {
    return { ageDays, verdict: "ok", findings: [], detail: "inactive" };
  }
  const found: { verdict: Verdict; text: string }[] = [];
  if (ageDays > t.maxAgeDays) {
    found.push({ verdict: "stale", text: `Active ${ageDays} days, more than ${t.maxAgeDays}` });
  } else if (ageDays > t.maxAgeDays - t.warnDays) {
    found.push({
      verdict: "rotate-soon",
      text: `stale in ${plural(t.maxAgeDays + 1 - ageDays, "day")}`,
    });
  }
  if (key.lastUsedAt === null) {
    if (ageDays >= t.unusedDays) {
      found.push({ verdict: "unused", text: `never used in ${plural(ageDays, "day")}` });
    }
  } else {
    const idle = wholeDaysBetween(key.lastUsedAt, now);
    if (idle >= t.unusedDays) {
      found.push({ verdict: "unused", text: `last used ${plural(idle, "day")} ago` });
    }
  }
  if (key.activeKeysOfUser >= 2) {
    found.push({ verdict: "two-active", text: `user has ${key.activeKeysOfUser} Active keys` });
  }
  found.sort((a, b) => severity(b.verdict) - severity(a.verdict));
  return {
    ageDays,
    verdict: found[0]?.verdict ?? "ok",
    findings: found.map((f) => f.verdict),
    detail: found.map((f) => f.text).join("; "),
  };
}
