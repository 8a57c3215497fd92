/**
 * No import cycles: reads every .ts file under cli/, components/, lib/, policies/ and program/, follows
 * their relative imports (type-only ones and re-exports included) and fails naming the cycle.
 */
import * as assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { ROOT } from "./support/root";

const CHECKED_DIRS = ["cli", "components", "lib", "policies", "program"];

/** Every module specifier of a source file: imports, re-exports, `require()`, `import()`. */
function specifiersOf(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      found.push(node.moduleReference.expression.text);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === "require")) &&
      node.arguments.length === 1 &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The .ts file a relative specifier names (`./x` is x.ts or x/index.ts), else undefined. */
function resolve(fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = path.resolve(path.dirname(fromFile), specifier);
  return [base, `${base}.ts`, path.join(base, "index.ts")].find(
    (candidate) => candidate.endsWith(".ts") && existsSync(candidate),
  );
}

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return entry === "node_modules" ? [] : tsFilesUnder(full);
    return entry.endsWith(".ts") ? [full] : [];
  });
}

/** Module → the modules it imports, as paths relative to ROOT (imports from outside ignored). */
function importGraph(dirs: readonly string[]): Map<string, string[]> {
  const files = dirs.flatMap((dir) => tsFilesUnder(path.join(ROOT, dir)));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = specifiersOf(file, readFileSync(file, "utf8"))
      .map((specifier) => resolve(file, specifier))
      .filter((target): target is string => target !== undefined && files.includes(target))
      .map((target) => path.relative(ROOT, target));
    graph.set(path.relative(ROOT, file), [...new Set(targets)]);
  }
  return graph;
}

/**
 * The cycles a depth-first search meets (an edge to a module still on the path closes one; every
 * group of modules that import each other yields at least one), each written from its first
 * module back to it: `a.ts → b.ts → a.ts`. Empty when the graph has none.
 */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (module: string): void => {
    onPath.push(module);
    for (const next of graph.get(module) ?? []) {
      const at = onPath.indexOf(next);
      if (at >= 0) cycles.push([...onPath.slice(at), next]);
      else if (!done.has(next)) visit(next);
    }
    onPath.pop();
    done.add(module);
  };
  for (const module of [...graph.keys()].sort()) if (!done.has(module)) visit(module);
  return cycles;
}

describe("no import cycles", () => {
  it(`in ${CHECKED_DIRS.join("/, ")}/`, () => {
    const graph = importGraph(CHECKED_DIRS);
    // Not vacuous: every directory is read and relative imports resolve.
    for (const dir of CHECKED_DIRS) {
      assert.ok(
        [...graph.keys()].some((m) => m.startsWith(`${dir}/`)),
        `no module in ${dir}/`,
      );
    }
    assert.ok(graph.get("cli/main.ts")!.includes("cli/errors.ts"));
    assert.deepEqual(
      findCycles(graph).map((cycle) => cycle.join(" → ")),
      [],
    );
  });

  it("finds a cycle in a small graph and names it", () => {
    const graph = new Map([
      ["a.ts", ["b.ts", "d.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", []],
    ]);
    assert.deepEqual(findCycles(graph), [["a.ts", "b.ts", "c.ts", "a.ts"]]);
  });

  it("finds a module that imports itself, and nothing in a graph without cycles", () => {
    assert.deepEqual(findCycles(new Map([["a.ts", ["a.ts"]]])), [["a.ts", "a.ts"]]);
    const diamond = new Map([
      ["a.ts", ["b.ts", "c.ts"]],
      ["b.ts", ["d.ts"]],
      ["c.ts", ["d.ts"]],
      ["d.ts", []],
    ]);
    assert.deepEqual(findCycles(diamond), []);
  });

  it("follows type-only imports, re-exports, require() and import()", () => {
    const text = [
      'import type { A } from "./a";',
      'import { type B } from "./b";',
      'import * as c from "./c";',
      'export { D } from "./d";',
      'export * from "./e";',
      'import f = require("./f");',
      'const g = require("./g");',
      'const h = import("./h");',
      'let i: import("./i").I;',
      'import "./j";',
      'import { k } from "node:fs";',
    ].join("\n");
    assert.deepEqual(specifiersOf("x.ts", text), [
      "./a",
      "./b",
      "./c",
      "./d",
      "./e",
      "./f",
      "./g",
      "./h",
      "./i",
      "./j",
      "node:fs",
    ]);
  });
});
