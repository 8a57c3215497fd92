/**
 * The iam-key-rotation CrossGuard policy pack. Only constructs the pack: every policy lives in
 * rules.ts, which the tests import (constructing a PolicyPack starts the gRPC server the Pulumi
 * engine talks to, and reads the version from ./package.json).
 *
 *   npm ci --prefix policies && pulumi preview --policy-pack policies
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules";

new PolicyPack("iam-key-rotation", { policies });
