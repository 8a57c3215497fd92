import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { GITHUB_OIDC_AUDIENCE } from "../components/githubOidcRole/trust";
import { analyzeGithubTrust, TrustProblem } from "./githubOidcTrustAnalysis";
import { onlyFor, ROLE_TYPE } from "./resourceTypes";
import { plain, read, UNKNOWN } from "./unknownValues";

export const githubOidcTrust: ResourceValidationPolicy = {
  name: "iam-github-oidc-trust",
  description:
    "IAM roles that trust GitHub Actions' OIDC provider must pin the audience to sts.amazonaws.com and the subject to exact repositories, branches or environments.",
  enforcementLevel: "mandatory",
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    onlyFor(args, ROLE_TYPE);
    const policy = read(() => args.props.assumeRolePolicy as unknown);
    // An unknown trust policy (one built from a provider ARN this update creates) is checked
    // by `pulumi up`, which analyzes each resource again with its inputs known.
    const analysis = analyzeGithubTrust(policy === UNKNOWN ? UNKNOWN : plain(policy));
    if (analysis.kind !== "read") return;
    for (const problem of analysis.problems) reportViolation(trustMessage(args.name, problem));
  },
};

function trustMessage(role: string, problem: TrustProblem): string {
  const trusts = `Role "${role}" trusts GitHub's OIDC provider in ${problem.statement}`;
  const exampleSub = `"repo:ORG/REPO:ref:refs/heads/main" or "repo:ORG/REPO:environment:prod"`;
  switch (problem.kind) {
    case "no-aud":
      return (
        `${trusts} without pinning the audience. Add "StringEquals": ` +
        `{"token.actions.githubusercontent.com:aud": "${GITHUB_OIDC_AUDIENCE}"} to that statement.`
      );
    case "wrong-aud":
      return (
        `${trusts} with audience ${JSON.stringify(problem.values)}. Pin ` +
        `token.actions.githubusercontent.com:aud to exactly "${GITHUB_OIDC_AUDIENCE}" with StringEquals.`
      );
    case "no-sub":
      return (
        `${trusts} without a token.actions.githubusercontent.com:sub condition, so a workflow in ` +
        `any GitHub repository can assume it. Add a StringEquals condition on ` +
        `token.actions.githubusercontent.com:sub listing the exact subjects allowed, such as ${exampleSub}.`
      );
    case "wildcard-sub":
      return (
        `${trusts} with wildcard subject ${JSON.stringify(problem.values)}, so every workflow the ` +
        `pattern matches can assume it (an organization-wide pattern admits all of the ` +
        `organization's repositories). List exact subjects instead, such as ${exampleSub}, ` +
        `under StringEquals.`
      );
    case "weak-operator":
      return (
        `${trusts} and constrains token.actions.githubusercontent.com:${problem.claim} only with ` +
        `${problem.operators.join(", ")}, which also admits tokens without a matching claim. ` +
        `Use StringEquals with ${problem.claim === "aud" ? `"${GITHUB_OIDC_AUDIENCE}"` : `exact subjects such as ${exampleSub}`}.`
      );
  }
}
