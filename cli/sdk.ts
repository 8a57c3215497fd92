/**
 * The AWS SDK, loaded on first use: each client package takes 50-130 ms to load, and `--help`,
 * `plan` and `summary` never call AWS. Modules import the SDK's types with `import type` and
 * its values through these functions.
 */
import type * as Iam from "@aws-sdk/client-iam";
import type * as Organizations from "@aws-sdk/client-organizations";
import type * as SecretsManager from "@aws-sdk/client-secrets-manager";
import type * as Sts from "@aws-sdk/client-sts";
import type * as CredentialProviders from "@aws-sdk/credential-providers";

/* eslint-disable @typescript-eslint/no-require-imports */
export const iamSdk = (): typeof Iam => require("@aws-sdk/client-iam") as typeof Iam;
export const organizationsSdk = (): typeof Organizations =>
  require("@aws-sdk/client-organizations") as typeof Organizations;
export const secretsManagerSdk = (): typeof SecretsManager =>
  require("@aws-sdk/client-secrets-manager") as typeof SecretsManager;
export const stsSdk = (): typeof Sts => require("@aws-sdk/client-sts") as typeof Sts;
export const credentialProvidersSdk = (): typeof CredentialProviders =>
  require("@aws-sdk/credential-providers") as typeof CredentialProviders;
/* eslint-enable @typescript-eslint/no-require-imports */
