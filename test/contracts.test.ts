/**
 * The contracts (issue #13): every name that crosses a process or package boundary lives in
 * `@airlock/core/contracts`, and writers and readers import it. This test parses every source file
 * of the packages (and the Lambda sources and build scripts beside them) and fails on a literal
 * copy of a contract's value anywhere else: a string, a template's text, an object key or a
 * property name (`env.AIRLOCK_RELEASE`). It also fails on a name that looks like a new contract
 * (`AIRLOCK_…`, `airlock:…`, `Airlock/…`) written in a package anywhere but the contracts, so the
 * next one is added there first (the examples are user programs: they may name their own
 * variables, such as the workflow's `AIRLOCK_EVAL_REPORT`). Comments are not code and are not read.
 */
import { strict as assert } from "node:assert";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";
import * as contracts from "@airlock/core/contracts";
import { REPOSITORY_ROOT } from "../scripts/plan-all.ts";

const CONTRACTS_DIR = join(REPOSITORY_ROOT, "packages/core/src/contracts");
/** Where code lives: every package's sources (a new package included) and build scripts, and the examples' programs. */
const ROOTS = [
  ...readdirSync(join(REPOSITORY_ROOT, "packages")).flatMap((p) => ["src", "build"].map((d) => `packages/${p}/${d}`)).filter((d) => existsSync(join(REPOSITORY_ROOT, d))),
  "examples",
];
const SOURCE = /\.(ts|cts|mts|mjs|js)$/;
/** A name shaped like a contract: Airlock's environment variables, tag keys and namespaces. */
const CONTRACT_SHAPED = /^(AIRLOCK_[A-Z]|airlock:[a-z][a-z-]*(:|$)|Airlock\/[A-Z])/;
/**
 * Values that are also ordinary words (a metric `Errors` of AWS/Lambda, a dimension `Agent` in
 * prose, a role kind `task`): one word, optionally capitalised, or hyphenated lowercase. The
 * distinctive names (`OldestPendingSeconds`, `AIRLOCK_STACK`, `airlock:agent`, `gateway.json`)
 * are all checked.
 */
const ORDINARY_WORD = /^[A-Z]?[a-z]+(-[a-z]+)*$/;

/** Every string in the contracts module's exports, with where it is defined. */
function contractValues(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (value: unknown, path: string): void => {
    if (typeof value === "string") {
      if (!ORDINARY_WORD.test(value) && !out.has(value)) out.set(value, path);
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`));
    else if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`);
  };
  for (const [name, value] of Object.entries(contracts)) walk(value, name);
  return out;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== CONTRACTS_DIR) out.push(...sourceFiles(path));
    } else if (SOURCE.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

interface Literal {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

/** The strings a file's code spells out: literals, template text, object keys and property names. */
function literalsOf(file: string): Literal[] {
  const text = readFileSync(file, "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith("ts") ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  const out: Literal[] = [];
  const add = (node: ts.Node, value: string) => out.push({ file: relative(REPOSITORY_ROOT, file), line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, text: value });
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) add(node, node.text);
    else if (ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) add(node, node.text);
    else if ((ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node)) && ts.isIdentifier(node.name)) add(node.name, node.name.text);
    else if (ts.isPropertyAccessExpression(node)) add(node.name, node.name.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

const files = ROOTS.flatMap((r) => sourceFiles(join(REPOSITORY_ROOT, r)));
const values = contractValues();

describe("the contracts", () => {
  it("are the only place a boundary name is spelled out", () => {
    const copies: string[] = [];
    for (const file of files) {
      for (const l of literalsOf(file)) {
        const contract = values.get(l.text);
        if (contract !== undefined) copies.push(`${l.file}:${l.line}: "${l.text}" is ${contract}; import it from @airlock/core/contracts`);
        else if (l.file.startsWith("packages/") && CONTRACT_SHAPED.test(l.text)) copies.push(`${l.file}:${l.line}: "${l.text}" looks like a boundary name; add it to packages/core/src/contracts and import it`);
      }
    }
    assert.deepEqual(copies, []);
  });

  it("read every file they are meant to (the check is not vacuous)", () => {
    const names = new Set(files.map((f) => relative(REPOSITORY_ROOT, f)));
    for (const f of ["packages/approvals/src/gateway/lambda.ts", "packages/pulumi/src/agent/task-definitions.ts", "packages/guardrails/src/policies.ts", "packages/pulumi/src/secrets/lambda/secret-age.mjs", "packages/trace/src/constants.ts"]) {
      assert.ok(names.has(f), `${f} is not read`);
    }
    assert.ok(values.has("AIRLOCK_STACK") && values.has("airlock:agent") && values.has("gateway.json") && values.has("OldestPendingSeconds"));
  });

  it("catch a copy in every shape code spells one", () => {
    const probe = join(REPOSITORY_ROOT, "test/fixtures/contract-copies.ts");
    const found = literalsOf(probe).filter((l) => values.has(l.text) || CONTRACT_SHAPED.test(l.text)).map((l) => l.text);
    assert.deepEqual(found.sort(), ["AIRLOCK_AGENT", "AIRLOCK_RELEASE", "AIRLOCK_STACK", "Airlock/Secrets", "OldestPendingSeconds", "airlock:agent", "airlock:wildcard:", "gateway.json"]);
  });

  it("import nothing, so a Lambda bundle or the runtime takes them alone", () => {
    for (const file of readdirSync(CONTRACTS_DIR)) {
      const imports = [...readFileSync(join(CONTRACTS_DIR, file), "utf8").matchAll(/^import .* from "([^"]+)"/gm)].map((m) => m[1]);
      assert.deepEqual(imports, [], `${file} imports ${imports.join(", ")}`);
    }
  });
});
