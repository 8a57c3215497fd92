/**
 * What githubOidcTrust.ts checks, as a pure analysis: reads an IAM role's trust policy (assume
 * role policy) and finds the statements that trust GitHub Actions' OIDC provider without pinning
 * both claims that keep other workflows out: `aud` must be exactly `sts.amazonaws.com` and `sub`
 * must list exact subjects (`repo:ORG/REPO:ref:refs/heads/main`,
 * `repo:ORG/REPO:environment:prod`). Without `sub`, or with a wildcard in it (`repo:ORG/*`, `*`),
 * workflows of other repositories (or of every repository on GitHub) can assume the role.
 *
 * Pure. Accepts the document as a JSON string or an object, `Statement` as a list or a single
 * statement, condition values as a string or a list, and any condition operator; unknown parts
 * (UNKNOWN, see unknownValues.ts) are never reported.
 */
import { isPlainObject } from "../lib/validation";
import { UNKNOWN } from "./unknownValues";
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST } from "../components/githubOidcRole/trust";

type Claim = "aud" | "sub";

/**
 * Operators that require the claim to be present and compare it whole. Every other operator
 * either also matches when the claim is missing (`...IfExists`, `ForAllValues:...`) or negates
 * (`StringNotEquals`, `StringNotLike`), so it cannot pin a claim. Operators and condition keys
 * are compared case-insensitively.
 */
const PINNING_OPERATORS = new Set(
  ["StringEquals", "StringLike", "StringEqualsIgnoreCase"]
    .flatMap((op) => [op, `ForAnyValue:${op}`])
    .map((op) => op.toLowerCase()),
);

export type TrustProblem =
  | { kind: "no-aud"; statement: string }
  | { kind: "wrong-aud"; statement: string; values: string[] }
  | { kind: "no-sub"; statement: string }
  | { kind: "wildcard-sub"; statement: string; values: string[] }
  | { kind: "weak-operator"; statement: string; claim: Claim; operators: string[] };

type TrustAnalysis =
  /** The document (or the part that matters) is not known during this preview. */
  | { kind: "unknown" }
  /** Not a JSON policy document; AWS rejects it anyway. */
  | { kind: "unreadable" }
  | { kind: "read"; problems: TrustProblem[] };

interface ClaimCondition {
  operator: string;
  claim: Claim;
  values: string[];
  unknown: boolean;
}

/** A condition or principal value as a list; `unknown` when any element is not known. */
function listOf(value: unknown): { values: string[]; unknown: boolean } {
  if (value === UNKNOWN) return { values: [], unknown: true };
  const items = Array.isArray(value) ? value : [value];
  return {
    values: items.filter((v): v is string => typeof v === "string"),
    unknown: items.some((v) => v === UNKNOWN),
  };
}

function claimOf(key: string): Claim | undefined {
  const lower = key.toLowerCase();
  if (lower === `${GITHUB_OIDC_HOST}:aud`) return "aud";
  if (lower === `${GITHUB_OIDC_HOST}:sub`) return "sub";
  return undefined;
}

export function analyzeGithubTrust(policy: unknown): TrustAnalysis {
  if (policy === UNKNOWN) return { kind: "unknown" };
  let document: unknown = policy;
  if (typeof policy === "string") {
    try {
      document = JSON.parse(policy);
    } catch {
      return { kind: "unreadable" };
    }
  }
  if (!isPlainObject(document)) return { kind: "unreadable" };
  const statements = document.Statement;
  if (statements === UNKNOWN) return { kind: "unknown" };
  const list = Array.isArray(statements)
    ? statements
    : statements === undefined
      ? []
      : [statements];

  const problems: TrustProblem[] = [];
  list.forEach((statement, i) => {
    if (!isPlainObject(statement)) return;
    const sid = statement.Sid;
    const label =
      typeof sid === "string" && sid !== "" ? `statement "${sid}"` : `statement ${i + 1}`;
    problems.push(...statementProblems(statement, label));
  });
  return { kind: "read", problems };
}

function statementProblems(statement: Record<string, unknown>, label: string): TrustProblem[] {
  const effect = statement.Effect;
  if (typeof effect === "string" && effect.toLowerCase() !== "allow") return [];

  const condition = statement.Condition;
  if (condition === UNKNOWN) return [];
  const conditions: ClaimCondition[] = [];
  let githubKey = false;
  if (isPlainObject(condition)) {
    for (const [operator, block] of Object.entries(condition)) {
      if (block === UNKNOWN) return []; // its keys are not known: it may pin anything
      if (!isPlainObject(block)) continue;
      for (const [key, value] of Object.entries(block)) {
        if (key.toLowerCase().startsWith(`${GITHUB_OIDC_HOST}:`)) githubKey = true;
        const claim = claimOf(key);
        if (claim !== undefined) conditions.push({ operator, claim, ...listOf(value) });
      }
    }
  }
  if (!githubKey && !trustsGithubProvider(statement.Principal)) return [];

  const problems: TrustProblem[] = [];
  const aud = claimProblem(conditions, "aud", label, (v) => v === GITHUB_OIDC_AUDIENCE);
  if (aud !== undefined) problems.push(aud);
  const sub = claimProblem(conditions, "sub", label, (v) => !/[*?]/.test(v));
  if (sub !== undefined) problems.push(sub);
  return problems;
}

/** Whether a Principal names GitHub's OIDC provider as a federated principal. */
function trustsGithubProvider(principal: unknown): boolean {
  if (!isPlainObject(principal)) return false;
  const federated = listOf(principal.Federated);
  return federated.values.some((v) => v.toLowerCase().includes(GITHUB_OIDC_HOST));
}

/**
 * Conditions under one statement all apply (AND), so one pinning condition whose every value is
 * acceptable is enough, whatever the others say.
 */
function claimProblem(
  conditions: ClaimCondition[],
  claim: Claim,
  statement: string,
  acceptable: (value: string) => boolean,
): TrustProblem | undefined {
  const mentions = conditions.filter((c) => c.claim === claim);
  const pinning = mentions.filter(
    (c) => PINNING_OPERATORS.has(c.operator.toLowerCase()) && (c.values.length > 0 || c.unknown),
  );
  if (pinning.some((c) => c.unknown)) return undefined;
  if (pinning.some((c) => c.values.every(acceptable))) return undefined;
  if (pinning.length > 0) {
    const values = [...new Set(pinning.flatMap((c) => c.values))];
    return claim === "aud"
      ? { kind: "wrong-aud", statement, values }
      : { kind: "wildcard-sub", statement, values: values.filter((v) => !acceptable(v)) };
  }
  const weak = mentions.filter((c) => !PINNING_OPERATORS.has(c.operator.toLowerCase()));
  if (weak.length > 0) {
    const operators = [...new Set(weak.map((c) => c.operator))];
    return { kind: "weak-operator", statement, claim, operators };
  }
  return claim === "aud" ? { kind: "no-aud", statement } : { kind: "no-sub", statement };
}
