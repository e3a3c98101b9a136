/**
 * Loads a user's Pulumi program the way `pulumi up` would run it, in either kind of project:
 * CommonJS (what `pulumi new aws-typescript` makes: no `"type"` in package.json, `module: commonjs`)
 * or ES modules (`"type": "module"`). TypeScript sources go through tsx, registered for both
 * module systems the first time a program is loaded (a CommonJS program's `require()` of its own
 * `.ts` files needs the CommonJS hook, an ES module's `import` the other); the CLI's own code is
 * built JavaScript and needs neither.
 */
import { pathToFileURL } from "node:url";

let registered = false;

async function registerTsx(): Promise<void> {
  if (registered) return;
  const [esm, cjs] = await Promise.all([import("tsx/esm/api"), import("tsx/cjs/api")]);
  esm.register();
  cjs.register();
  registered = true;
}

/** Imports the program's entry file (`main` of its Pulumi.yaml, resolved to a file). */
export async function importProgram(file: string): Promise<{ default?: unknown }> {
  if (/\.[cm]?tsx?$/.test(file)) await registerTsx();
  return (await import(pathToFileURL(file).href)) as { default?: unknown };
}
