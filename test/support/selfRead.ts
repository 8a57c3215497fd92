/**
 * Managed users in moto_server for the tests of the self-read grant and of the `credentials`
 * command: an administrator (a user allowed everything, for the phases where moto enforces
 * request authentication) and the grant exactly as RotatedKeyUser writes it
 * (components/rotatedKeyUser/settings.ts selfReadPolicy), never a hand-written copy.
 */
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SELF_READ_POLICY_NAME, selfReadPolicy } from "../../components/rotatedKeyUser/settings";
import { MOTO_REGION, MotoServer } from "./moto";

/** Creates user "admin" allowed everything; clients signing with its key. */
export async function motoAdmin(
  server: MotoServer,
): Promise<{ iam: IAMClient; sm: SecretsManagerClient }> {
  const setup = new IAMClient(server.clientConfig());
  try {
    await setup.send(new CreateUserCommand({ UserName: "admin" }));
    await setup.send(
      new PutUserPolicyCommand({
        UserName: "admin",
        PolicyName: "all",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
        }),
      }),
    );
    const key = (await setup.send(new CreateAccessKeyCommand({ UserName: "admin" }))).AccessKey!;
    const credentials = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    return {
      iam: new IAMClient(server.clientConfig(credentials)),
      sm: new SecretsManagerClient(server.clientConfig(credentials)),
    };
  } finally {
    setup.destroy();
  }
}

/** Puts the self-read grant RotatedKeyUser gives `userName` on its secret `secretArn`. */
export async function putSelfRead(
  iam: IAMClient,
  userName: string,
  secretArn: string,
): Promise<void> {
  await iam.send(
    new PutUserPolicyCommand({
      UserName: userName,
      PolicyName: SELF_READ_POLICY_NAME,
      PolicyDocument: JSON.stringify(selfReadPolicy(secretArn, MOTO_REGION, false)),
    }),
  );
}
