/** Combining Outputs for the cost of one apply each (components/rotatedKeyUser/rotatedKeyUser.ts). */
import * as pulumi from "@pulumi/pulumi";

/**
 * `pulumi.all(values).apply(f)` as one apply per Output given (an `undefined` is passed to `f`
 * as is): pulumi.all copies each Output it is given and applies on the copy before combining
 * them, three Outputs for each where this makes one, and each Output costs the SDK a dozen
 * promises (bench/RESULTS.md). With every value known the result is the same: `f`'s value,
 * with every value's dependencies and secrecy (an apply's result takes on those of the Output
 * its function returns). An unknown value (at preview) ends the applies: the result is unknown
 * and `f` does not run, as with pulumi.all, but it carries the dependencies and secrecy of the
 * values up to that one only. Put the values least likely to be unknown first.
 */
export function applyAll<R>(
  values: readonly (pulumi.Output<unknown> | undefined)[],
  f: (values: unknown[]) => pulumi.Input<R> | Promise<pulumi.Input<R>>,
): pulumi.Output<R> {
  // Typed loosely inside: each apply's result lifts the Output or promise its function returns.
  const step = (i: number, got: readonly unknown[]): unknown => {
    if (i === values.length) return f([...got]);
    const value = values[i];
    if (value === undefined) return step(i + 1, [...got, undefined]);
    return value.apply((v) => step(i + 1, [...got, v]));
  };
  const result = step(0, []);
  // pulumi.output would copy an Output too: only a value with no Output given is wrapped.
  return (pulumi.Output.isInstance(result) ? result : pulumi.output(result)) as pulumi.Output<R>;
}
