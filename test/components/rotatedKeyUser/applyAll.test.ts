/**
 * applyAll must be pulumi.all(values).apply(f) with fewer Outputs: the same value, known-ness,
 * secrecy and dependencies for every mix of inputs, f run only when every value is known, and
 * f's failure the result's. Outputs are built with the SDK's own constructor (as its resources
 * build theirs), so unknown and secret values need no engine.
 */
import * as pulumi from "@pulumi/pulumi";
import { strict as assert } from "node:assert";
import { applyAll } from "../../../components/rotatedKeyUser/applyAll";

/** What the SDK knows about an Output (the fields it reads when it serializes one). */
interface OutputState {
  value: unknown;
  isKnown: boolean;
  isSecret: boolean;
  resources: string[];
}

/** An Output as a resource's property is one: its value, whether known and secret, its resource. */
function made(value: unknown, opts: { known?: boolean; secret?: boolean; resource: string }) {
  const resource = { name: opts.resource } as unknown as pulumi.Resource;
  const Output = pulumi.Output as unknown as new (...args: unknown[]) => pulumi.Output<unknown>;
  return new Output(
    new Set([resource]),
    Promise.resolve(opts.known === false ? undefined : value),
    Promise.resolve(opts.known !== false),
    Promise.resolve(opts.secret === true),
    Promise.resolve(new Set([resource])),
  );
}

async function stateOf(output: pulumi.Output<unknown>): Promise<OutputState> {
  const o = output as unknown as {
    promise(withUnknowns?: boolean): Promise<unknown>;
    isKnown: Promise<boolean>;
    isSecret: Promise<boolean>;
    allResources(): Promise<Set<{ name: string }>>;
  };
  const isKnown = await o.isKnown;
  return {
    value: isKnown ? await o.promise() : undefined,
    isKnown,
    isSecret: await o.isSecret,
    resources: [...(await o.allResources())].map((r) => r.name).sort(),
  };
}

describe("applyAll", () => {
  it("passes the values in order, an undefined as is, and runs f once", async () => {
    const calls: unknown[][] = [];
    const out = applyAll<string>(
      [made("a", { resource: "r1" }), undefined, made(3, { resource: "r2" })],
      (values) => {
        calls.push(values);
        return values.map(String).join(",");
      },
    );
    assert.deepEqual(await stateOf(out), {
      value: "a,undefined,3",
      isKnown: true,
      isSecret: false,
      resources: ["r1", "r2"],
    });
    assert.deepEqual(calls, [["a", undefined, 3]]);
  });

  it("an async f: its promise is awaited; an Output it returns is lifted, secrecy included", async () => {
    const out = applyAll<string>([made("a", { resource: "r1" })], async ([a]) =>
      pulumi.secret(`${String(a)}!`),
    );
    assert.deepEqual(await stateOf(out), {
      value: "a!",
      isKnown: true,
      isSecret: true,
      resources: ["r1"],
    });
  });

  it("an unknown value anywhere: the result is unknown and f never runs", async () => {
    for (const unknownAt of [0, 1, 2]) {
      let ran = false;
      const values = [0, 1, 2].map((i) =>
        made(`v${i}`, { known: i !== unknownAt, resource: `r${i}` }),
      );
      const out = applyAll<string>(values, () => {
        ran = true;
        return "ran";
      });
      const state = await stateOf(out);
      assert.equal(state.isKnown, false, `unknown at ${unknownAt}`);
      assert.equal(ran, false, `f ran with the value at ${unknownAt} unknown`);
    }
  });

  it("f's failure is the result's", async () => {
    const out = applyAll<string>(
      [made("a", { resource: "r1" }), made("b", { resource: "r2" })],
      () => {
        throw new Error("the engine did not replace the key");
      },
    );
    await assert.rejects(
      (out as unknown as { promise(): Promise<unknown> }).promise(),
      /the engine did not replace the key/,
    );
  });

  it("no Output given: f's value as an Output", async () => {
    const out = applyAll<string>([undefined, undefined], (values) => `${values.length}`);
    assert.deepEqual(await stateOf(out), {
      value: "2",
      isKnown: true,
      isSecret: false,
      resources: [],
    });
  });

  it("matches pulumi.all(values).apply(f) for every mix of known, secret and missing values; an unknown one ends it", async () => {
    // Each of three values: missing, known, known and secret, unknown, unknown and secret.
    const kinds = ["missing", "known", "secret", "unknown", "unknown-secret"] as const;
    let compared = 0;
    for (const a of kinds) {
      for (const b of kinds) {
        for (const c of kinds) {
          const given = [a, b, c];
          const build = () =>
            given.map((kind, i) =>
              kind === "missing"
                ? undefined
                : made(`v${i}`, {
                    known: !kind.startsWith("unknown"),
                    secret: kind.endsWith("secret"),
                    resource: `r${i}`,
                  }),
            );
          const f = (values: unknown[]) => JSON.stringify(values);
          const ours = await stateOf(applyAll<string>(build(), f));
          const sdks = await stateOf(pulumi.all(build()).apply(f));
          const firstUnknown = given.findIndex((kind) => kind.startsWith("unknown"));
          if (firstUnknown === -1) {
            assert.deepEqual(ours, sdks, `values ${given.join(", ")}`);
          } else {
            // Unknown like pulumi.all's; dependencies and secrecy those of the values up to the
            // first unknown one.
            const upTo = given.slice(0, firstUnknown + 1);
            assert.deepEqual(
              ours,
              {
                value: undefined,
                isKnown: false,
                isSecret: upTo.some((kind) => kind.endsWith("secret")),
                resources: upTo.flatMap((kind, i) => (kind === "missing" ? [] : [`r${i}`])),
              },
              `values ${given.join(", ")}`,
            );
            assert.equal(sdks.isKnown, false);
          }
          compared++;
        }
      }
    }
    assert.equal(compared, 125);
  });
});
