/** The repository root (where Pulumi.yaml, Pulumi.prod.yaml and the README live). */
import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");
