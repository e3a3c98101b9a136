/**
 * Runs a user's Pulumi program the way `pulumi up` runs it (@pulumi/pulumi's cmd/run), in either
 * kind of project:
 * - CommonJS (what `pulumi new aws-typescript` makes: no `"type"` in package.json): the program is
 *   `require()`d; if what it exports is a function, that function is called and its result is the
 *   stack's outputs, else the exports are. A TypeScript `export default async function` in such a
 *   project exports `{ default: fn }`, which Pulumi never calls: refused here with the fix.
 * - ES modules (`"type": "module"`, `.mjs`/`.mts`): the program is `import()`ed; a default export
 *   (it must be the only export) is taken as the program, and called if it is a function.
 * TypeScript sources go through tsx, registered for both module systems the first time a program
 * is loaded; the CLI's own code is built JavaScript and needs neither.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { UsageError } from "../io.ts";

let registered = false;

async function registerTsx(): Promise<void> {
  if (registered) return;
  const [esm, cjs] = await Promise.all([import("tsx/esm/api"), import("tsx/cjs/api")]);
  esm.register();
  cjs.register();
  registered = true;
}

/** "commonjs" or "module": how Node loads `file` (its extension, else the nearest package.json's `type`). */
export function moduleKind(file: string): "commonjs" | "module" {
  if (/\.(mjs|mts)$/.test(file)) return "module";
  if (/\.(cjs|cts)$/.test(file)) return "commonjs";
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, "utf8")) as { type?: unknown }).type === "module" ? "module" : "commonjs";
      } catch {
        return "commonjs";
      }
    }
    if (dirname(dir) === dir) return "commonjs";
  }
}

/** Loads the program's entry file (`main` of its Pulumi.yaml, resolved to a file) and runs it; returns the stack outputs. */
export async function runProgram(file: string): Promise<unknown> {
  if (/\.[cm]?tsx?$/.test(file)) await registerTsx();
  let exported: unknown;
  if (moduleKind(file) === "commonjs") {
    exported = createRequire(file)(file);
    const mod = exported as { __esModule?: unknown; default?: unknown } | null;
    if (typeof exported !== "function" && mod !== null && typeof mod === "object" && mod.__esModule === true && typeof mod.default === "function") {
      throw new UsageError(
        `${file}: the program's function is its \`export default\`, which Pulumi does not run in a CommonJS project (one without "type": "module" in package.json): \`pulumi up\` would deploy nothing. Write \`export = async () => { … }\` instead, or make the project an ES module project`,
      );
    }
  } else {
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    if (Object.getOwnPropertyDescriptor(mod, "default") !== undefined) {
      if (Object.keys(mod).length !== 1) throw new UsageError(`${file}: a program has either a default export or named exports, not both (Pulumi refuses it)`);
      exported = mod.default;
    } else exported = mod;
  }
  return typeof exported === "function" ? await (exported as () => unknown)() : exported;
}
