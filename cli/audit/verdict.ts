/**
 * The verdict rules of `iam-key-rotation audit`: pure, no clock, no I/O. One access key, what
 * the audit knows of its user, and "now" in; its age, every finding and the verdict out.
 *
 * Ages are whole days elapsed (floor), like the AWS Config rule ACCESS_KEYS_ROTATED, which marks
 * a key NON_COMPLIANT once it is more than `maxAccessKeyAge` days old. Only Active keys can sign
 * requests, so an Inactive key is `ok`, except the root user's: any root access key is a
 * finding (CIS AWS 1.4).
 */
import { DEFAULT_POLICY } from "../../components/rotatedKeyUser/rotationModel";
import { plural } from "../format";

/** Every verdict, least severe first: the order `--fail-on` compares with. */
export const VERDICTS = [
  "ok",
  "rotate-soon",
  "two-active",
  "unused",
  "setup-key",
  "stale",
  "root-key",
] as const;
export type Verdict = (typeof VERDICTS)[number];

/** `--fail-on` values: a verdict other than ok, or never. */
export const FAIL_ON = [...VERDICTS.slice(1), "never"] as const;
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

/** A key created this close to its user (either way) was created at the user's setup. */
export const SETUP_KEY_MINUTES = 10;

export interface KeyFacts {
  status: "Active" | "Inactive";
  /** null: unknown (a root key whose report row has no date); no age-based finding then. */
  createdAt: Date | null;
  /** null: never used (or no information). */
  lastUsedAt: Date | null;
  /** Active keys of the key's user, this one included. */
  activeKeysOfUser: number;
  /** A key of the account root user. Defaults to false. */
  root?: boolean;
  /** When the key's user was created (for setup-key). */
  userCreatedAt?: Date;
  /** Whether the key's user has a console password; null or absent: unknown. */
  passwordEnabled?: boolean | null;
}

/** An Active key never used and created within SETUP_KEY_MINUTES of its user. */
function createdWithUser(key: KeyFacts): boolean {
  return (
    key.status === "Active" &&
    key.lastUsedAt === null &&
    key.createdAt !== null &&
    key.userCreatedAt !== undefined &&
    Math.abs(key.createdAt.getTime() - key.userCreatedAt.getTime()) <= SETUP_KEY_MINUTES * 60_000
  );
}

export interface KeyAssessment {
  /** Whole days since the key was created (0 when its date is in the future); null: unknown. */
  ageDays: number | null;
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
 * - root-key: a key of the account root user, Active or not (CIS AWS 1.4: "root user access
 *   key (CIS 1.4)"); the most severe, as the root user cannot be restricted by any policy;
 * - stale: A > M ("Active 91 days, more than 90");
 * - setup-key: its user has a console password, the key was created within SETUP_KEY_MINUTES
 *   of the user and was never used: a key made by the console's user wizard "just in case"
 *   (CIS AWS 1.11: "created at user setup, never used (CIS 1.11)");
 * - unused: never used and A >= U ("never used in 45 days"), or last used L >= U whole days
 *   ago ("last used 45 days ago");
 * - two-active: its user has two Active keys ("user has 2 Active keys"). Expected during a
 *   blue/green overlap, hence below unused and stale;
 * - rotate-soon: M - W < A <= M: stale within W days ("stale in 14 days" .. "stale in 1 day").
 * An Inactive key other than the root user's is ok ("inactive"). The verdict is the most severe
 * finding. A key of unknown age (root only) gets no age-based finding and says so.
 */
export function assessKey(key: KeyFacts, now: Date, t: Thresholds): KeyAssessment {
  const ageDays = key.createdAt === null ? null : wholeDaysBetween(key.createdAt, now);
  const found: { verdict: Verdict; text: string }[] = [];
  if (key.root === true) {
    const notes = [key.status === "Active" ? "" : ", Inactive"];
    if (ageDays === null) notes.push(", creation date unknown");
    found.push({ verdict: "root-key", text: `root user access key${notes.join("")} (CIS 1.4)` });
  }
  if (key.status !== "Active") {
    if (found.length === 0) return { ageDays, verdict: "ok", findings: [], detail: "inactive" };
    return { ageDays, verdict: found[0].verdict, findings: ["root-key"], detail: found[0].text };
  }
  // A key of unknown age (only a root key can be one) gets no age-based finding.
  if (ageDays !== null && ageDays > t.maxAgeDays) {
    found.push({ verdict: "stale", text: `Active ${ageDays} days, more than ${t.maxAgeDays}` });
  } else if (ageDays !== null && ageDays > t.maxAgeDays - t.warnDays) {
    found.push({
      verdict: "rotate-soon",
      text: `stale in ${plural(t.maxAgeDays + 1 - ageDays, "day")}`,
    });
  }
  if (key.root !== true && key.passwordEnabled === true && createdWithUser(key)) {
    found.push({ verdict: "setup-key", text: "created at user setup, never used (CIS 1.11)" });
  }
  if (key.lastUsedAt === null) {
    if (ageDays !== null && ageDays >= t.unusedDays) {
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
