/**
 * The iam-key-rotation CrossGuard policy pack: the entry file (package.json `main`) that the
 * Pulumi CLI runs with @pulumi/pulumi/cmd/run-policy-pack. Only constructs the pack from the
 * list in index.ts: constructing a PolicyPack starts the gRPC server the Pulumi engine talks to
 * (and reads the version from ./package.json), so nothing else imports this file.
 *
 *   npm ci --prefix policies && pulumi preview --policy-pack policies
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./index";

new PolicyPack("iam-key-rotation", { policies });
