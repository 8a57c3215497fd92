/**
 * GithubOidcRole: keyless CI for this stack. GitHub Actions' OIDC provider (or an existing one),
 * an apply role that runs `pulumi up` and a read-only preview role for pull requests, each
 * trusting exact `sub` values only (./trust.ts), with least-privilege policies (./permissions.ts);
 * defaults and validation are in ./settings.ts. The component only declares resources.
 *
 * Why CI cannot widen its own permissions: these roles and their policies are resources of the
 * same stack, but neither role may write any IAM role or policy (an explicit Deny covers the CI
 * roles and the OIDC provider). A change that would widen them (a new `policyArns` entry, a new
 * tag key, another path or prefix, the `github` section itself) makes CI's `pulumi up` fail with
 * AccessDenied until an administrator reviews it and runs `pulumi up` with their own credentials:
 * the same way the roles were bootstrapped (docs/keyless-ci.md, "Bootstrap (once, by an administrator)").
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  GithubOidcRoleSettings,
  githubOidcRoleSettings,
  managedUsers,
  validateGithubOidcRoleArgs,
} from "./settings";
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_URL, githubTrustPolicy } from "./trust";
import {
  APPLY_POLICY_NAME,
  applyRolePolicy,
  CiScope,
  MAX_INLINE_POLICY_CHARS,
  policySize,
  PREVIEW_POLICY_NAME,
  previewRolePolicy,
  usersPolicy,
  usersPolicyChunks,
  usersPolicyName,
} from "./permissions";
import { accountOf, parseArn } from "../../lib/arn";
import { GITHUB_OIDC_ROLE_TYPE } from "../typeTokens";

export interface GithubOidcRoleArgs {
  /** OIDC subjects (exact `sub` values) allowed to assume the apply role. Required. */
  readonly applySubjects: readonly string[];
  /** OIDC subjects allowed to assume the read-only preview role. Defaults to none: no preview role. */
  readonly previewSubjects?: readonly string[];
  /**
   * ARN of the account's existing GitHub Actions OIDC provider (an account holds one per URL).
   * Defaults to creating the provider.
   */
  readonly providerArn?: string;
  /** Name of the apply role. Defaults to "key-rotation-github-apply". */
  readonly applyRoleName?: string;
  /** Name of the preview role. Defaults to "key-rotation-github-preview". */
  readonly previewRoleName?: string;
  /**
   * Names of the managed users. The roles may touch the keys, tags and policies of exactly these
   * users and the secrets of exactly these users; a user outside the list, even under `path`
   * (another stack's), is out of reach. Required, at least one.
   */
  readonly users: readonly string[];
  /** IAM path of the managed users. Defaults to "/key-rotation/". */
  readonly path?: string;
  /** Secrets Manager name prefix of the published keys. Defaults to "key-rotation/". */
  readonly secretPrefix?: string;
  /**
   * The tags the stack puts on each user and its secret besides the record tags, by user name:
   * the apply role may set exactly these values on exactly that user and its secret, and never
   * remove them. Defaults to none.
   */
  readonly userTags?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /**
   * The managed policies the stack attaches to each user, by user name: the apply role may
   * attach exactly these to exactly that user, and never detach any. Defaults to none.
   */
  readonly userPolicyArns?: Readonly<Record<string, readonly string[]>>;
  /** The IAM path of each user that does not live under `path`, by user name. Defaults to none. */
  readonly userPaths?: Readonly<Record<string, string>>;
  /** S3 bucket of the Pulumi state (`s3://<bucket>/<prefix>`). Defaults to none (another backend). */
  readonly stateBucket?: string;
  /** Key prefix of the state in `stateBucket`: "" or ending with "/". Defaults to "". */
  readonly stateKeyPrefix?: string;
  /** KMS key ARN of the stack's `awskms://` secrets provider. Defaults to none. */
  readonly secretsProviderKmsKeyArn?: string;
  /**
   * Let the roles read (refresh) the KeyRotationCompliance resources; writing them stays an
   * administrator's apply. Defaults to false.
   */
  readonly compliance?: boolean;
  /** Name of the KeyRotationCompliance component. Defaults to "key-rotation-compliance". */
  readonly complianceComponentName?: string;
  /** Its Config rule name (`compliance.ruleName`). Defaults to "iam-key-rotation-access-keys-rotated". */
  readonly complianceRuleName?: string;
  /** It creates the recorder, delivery channel, bucket and role (`createRecorder`). Defaults to false. */
  readonly complianceRecorder?: boolean;
  /** It deploys an organization rule (`organization`). Defaults to false. */
  readonly complianceOrganization?: boolean;
  /** Maximum session of the roles, in seconds (3600 to 43200). Defaults to 3600. */
  readonly maxSessionDuration?: number;
}

/** One of the two roles: its child-name suffix, IAM name, subjects and permissions. */
interface RoleSpec {
  suffix: "apply" | "preview";
  roleName: string;
  subjects: readonly string[];
  description: string;
  policyName: string;
  policy: (scope: CiScope) => aws.iam.PolicyDocument;
  write: boolean;
}

/** The apply role, and the preview role when there are preview subjects. */
function roleSpecs(
  settings: GithubOidcRoleSettings,
  stack: string,
): { apply: RoleSpec; preview?: RoleSpec } {
  const apply: RoleSpec = {
    suffix: "apply",
    roleName: settings.applyRoleName,
    subjects: settings.applySubjects,
    description: `GitHub Actions: pulumi up of iam-key-rotation stack ${stack}. Changed only by an administrator's apply.`,
    policyName: APPLY_POLICY_NAME,
    policy: applyRolePolicy,
    write: true,
  };
  if (settings.previewRoleName === undefined) return { apply };
  return {
    apply,
    preview: {
      suffix: "preview",
      roleName: settings.previewRoleName,
      subjects: settings.previewSubjects,
      description: `GitHub Actions: read-only pulumi preview of iam-key-rotation stack ${stack}.`,
      policyName: PREVIEW_POLICY_NAME,
      policy: previewRolePolicy,
      write: false,
    },
  };
}

export class GithubOidcRole extends pulumi.ComponentResource {
  /** ARN of the GitHub Actions OIDC provider (created or reused). */
  public readonly providerArn: pulumi.Output<string>;
  /** ARN of the apply role (once its permissions exist): `role-to-assume` of the scheduled workflow. */
  public readonly applyRoleArn: pulumi.Output<string>;
  /** ARN of the preview role (once its permissions exist); undefined without preview subjects. */
  public readonly previewRoleArn: pulumi.Output<string | undefined>;

  constructor(name: string, args: GithubOidcRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before anything is registered, the component itself included.
    const settings = githubOidcRoleSettings(args);
    const problems = validateGithubOidcRoleArgs(args, {
      project: pulumi.getProject(),
      stack: pulumi.getStack(),
    });
    if (problems.length > 0) {
      throw new Error(`GithubOidcRole "${name}": ${problems.join(" ")}`);
    }
    // Registered as the component's inputs, so policy packs see the settings at preview.
    super(GITHUB_OIDC_ROLE_TYPE, name, settings, opts);

    const provider = this.provider(name, settings);
    const providerArn: pulumi.Output<string> =
      provider?.arn ?? pulumi.output(settings.providerArn!);
    const { apply, preview } = roleSpecs(settings, pulumi.getStack());
    const applyRole = this.role(name, apply, settings, providerArn);
    const previewRole = preview && this.role(name, preview, settings, providerArn);
    const scope = this.scope(settings, applyRole, providerArn, provider !== undefined);

    this.providerArn = providerArn;
    this.applyRoleArn = this.permissions(name, apply, applyRole, settings, scope);
    this.previewRoleArn =
      preview && previewRole
        ? this.permissions(name, preview, previewRole, settings, scope)
        : pulumi.output(undefined);
    this.registerOutputs({
      providerArn: this.providerArn,
      applyRoleArn: this.applyRoleArn,
      previewRoleArn: this.previewRoleArn,
    });
  }

  /** The GitHub Actions OIDC provider, unless an existing one is given. */
  private provider(
    name: string,
    settings: GithubOidcRoleSettings,
  ): aws.iam.OpenIdConnectProvider | undefined {
    if (settings.providerArn !== undefined) return undefined;
    return new aws.iam.OpenIdConnectProvider(
      `${name}-provider`,
      { url: GITHUB_OIDC_URL, clientIdLists: [GITHUB_OIDC_AUDIENCE] },
      { parent: this },
    );
  }

  /** A role that exactly the spec's subjects may assume through the provider. */
  private role(
    name: string,
    spec: RoleSpec,
    settings: GithubOidcRoleSettings,
    providerArn: pulumi.Output<string>,
  ): aws.iam.Role {
    return new aws.iam.Role(
      `${name}-${spec.suffix}`,
      {
        name: spec.roleName,
        description: spec.description,
        maxSessionDuration: settings.maxSessionDuration,
        assumeRolePolicy: pulumi.jsonStringify(
          providerArn.apply((arn) => githubTrustPolicy(arn, spec.subjects)),
        ),
      },
      { parent: this },
    );
  }

  /**
   * What the permission documents depend on. The apply role's ARN tells the partition and
   * account; the region is the provider's. No invoke: nothing extra to grant, and nothing to mock.
   */
  private scope(
    settings: GithubOidcRoleSettings,
    applyRole: aws.iam.Role,
    providerArn: pulumi.Output<string>,
    manageProvider: boolean,
  ): pulumi.Output<CiScope> {
    const region: pulumi.Output<string> =
      aws.config.region !== undefined
        ? pulumi.output(aws.config.region)
        : aws.getRegionOutput({}, { parent: this }).region;
    return pulumi.all([applyRole.arn, region, providerArn]).apply(([roleArn, regionName, arn]) => ({
      ...arnAccount(roleArn),
      region: regionName,
      project: pulumi.getProject(),
      stack: pulumi.getStack(),
      secretPrefix: settings.secretPrefix,
      users: managedUsers(settings),
      applyRoleName: settings.applyRoleName,
      previewRoleName: settings.previewRoleName,
      providerArn: arn,
      manageProvider,
      stateBucket: settings.stateBucket,
      stateKeyPrefix: settings.stateKeyPrefix,
      secretsProviderKmsKeyArn: settings.secretsProviderKmsKeyArn,
      compliance: settings.compliance,
    }));
  }

  /**
   * A role's inline policy, and its per-user grants in as many managed policies as they need
   * (they grow with the stack). Returns the role's ARN, resolved only once the role has all its
   * permissions (eks' resolvedRole idea).
   */
  private permissions(
    name: string,
    spec: RoleSpec,
    role: aws.iam.Role,
    settings: GithubOidcRoleSettings,
    scope: pulumi.Output<CiScope>,
  ): pulumi.Output<string> {
    const { suffix, write } = spec;
    const inline = new aws.iam.RolePolicy(
      `${name}-${suffix}-permissions`,
      {
        name: spec.policyName,
        role: role.name,
        policy: pulumi.jsonStringify(
          scope.apply((s) => {
            const document = spec.policy(s);
            const size = policySize(document);
            if (size > MAX_INLINE_POLICY_CHARS) {
              throw new Error(
                `GithubOidcRole "${name}": the ${suffix} role's policy has ${size} characters; ` +
                  `IAM allows ${MAX_INLINE_POLICY_CHARS} per role.`,
              );
            }
            return document;
          }),
        ),
      },
      { parent: this },
    );
    const stack = pulumi.getStack();
    const attached = usersPolicyChunks(settings, managedUsers(settings), write).map((users, i) => {
      const policy = new aws.iam.Policy(
        `${name}-${suffix}-users-${i}`,
        {
          name: usersPolicyName(spec.roleName, i),
          description: `Keys and secrets of ${users.length} managed user(s) of iam-key-rotation stack ${stack}.`,
          policy: pulumi.jsonStringify(scope.apply((s) => usersPolicy({ ...s, users }, write))),
        },
        { parent: this },
      );
      return new aws.iam.RolePolicyAttachment(
        `${name}-${suffix}-users-${i}`,
        { role: role.name, policyArn: policy.arn },
        { parent: this },
      ).id;
    });
    return pulumi.all([role.arn, inline.id, ...attached]).apply(([arn]) => arn);
  }
}

/** Partition and account of an ARN (`arn:<partition>:<service>:<region>:<account>:...`). */
function arnAccount(arn: string): { partition: string; accountId: string } {
  const accountId = accountOf(arn);
  if (accountId === undefined) {
    throw new Error(`Not an ARN with an account: ${JSON.stringify(arn)}.`);
  }
  return { partition: parseArn(arn)!.partition, accountId };
}
