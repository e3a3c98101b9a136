/**
 * Generates the API reference (docs/api/, Markdown) from the packages' TSDoc comments with typedoc
 * and typedoc-plugin-markdown, as configured in typedoc.json (entry points: each package's public
 * entries; one section per `@airlock/<x>` package, named by the `@module` tag of its entry file).
 *
 *   node --import tsx scripts/api-docs.ts                 writes docs/api/ (removing what is stale)
 *   node --import tsx scripts/api-docs.ts --check         regenerates into a temporary directory; exit 1
 *                                                         listing every file that differs from docs/api/,
 *                                                         or on any typedoc warning (printed)
 *   node --import tsx scripts/api-docs.ts --undocumented  lists the exported symbols without a doc
 *                                                         comment (typedoc's `notDocumented`); writes nothing
 *
 * The output holds no timestamps, source links or absolute paths (typedoc.json: `disableSources`,
 * `hideGenerator`), so a regeneration anywhere gives the same bytes. Run it after changing a
 * public symbol or its doc comment and commit docs/api/.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { Application, PackageJsonReader, TSConfigReader, TypeDocReader, type TypeDocOptions } from "typedoc";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = join(ROOT, "docs/api");
const USAGE = "usage: node --import tsx scripts/api-docs.ts [--check | --undocumented]";

type Mode = "write" | "check" | "undocumented";

/** Runs typedoc with typedoc.json and `overrides`; returns false when it failed or (if `strict`) warned. */
async function runTypedoc(overrides: TypeDocOptions, strict: boolean, emit: boolean): Promise<boolean> {
  const app = await Application.bootstrapWithPlugins(
    { options: join(ROOT, "typedoc.json"), ...overrides },
    [new TypeDocReader(), new PackageJsonReader(), new TSConfigReader()],
  );
  const failed = (): boolean => app.logger.hasErrors() || (strict && app.logger.hasWarnings());
  if (failed()) return false;
  const project = await app.convert();
  if (project === undefined || failed()) return false;
  app.validate(project);
  if (failed()) return false;
  if (emit) {
    await app.generateOutputs(project);
    if (failed()) return false;
  }
  return true;
}

/** Every file under `dir`, as paths relative to it with `/` separators, sorted. */
function listFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join("/"))
    .sort();
}

/** The files that differ between `expected` and `actual` (missing from either side, or other bytes). */
export function differingFiles(expected: string, actual: string): string[] {
  const a = listFiles(expected);
  const b = new Set(listFiles(actual));
  const differ: string[] = [];
  for (const f of a) {
    if (!b.has(f)) differ.push(`${f} (removed)`);
    else if (!readFileSync(join(expected, f)).equals(readFileSync(join(actual, f)))) differ.push(`${f} (changed)`);
    b.delete(f);
  }
  for (const f of b) differ.push(`${f} (new)`);
  return differ.sort();
}

async function run(mode: Mode): Promise<number> {
  process.chdir(ROOT); // typedoc resolves its plugin and relative options from the working directory
  const shown = relative(ROOT, OUT);
  const started = Date.now();
  if (mode === "undocumented") {
    const ok = await runTypedoc({ validation: { notExported: true, invalidLink: true, notDocumented: true } }, true, false);
    if (!ok) {
      console.error("api-docs: the warnings above list what lacks a doc comment");
      return 1;
    }
    console.log("api-docs: every exported symbol has a doc comment");
    return 0;
  }
  if (mode === "check") {
    const tmp = mkdtempSync(join(tmpdir(), "airlock-api-docs-"));
    try {
      const out = join(tmp, "api");
      if (!(await runTypedoc({ out }, true, true))) {
        console.error("api-docs: typedoc reported the errors or warnings above (warnings fail --check)");
        return 1;
      }
      const differ = differingFiles(OUT, out);
      if (differ.length > 0) {
        console.error(`api-docs: ${shown}/ is out of date; run \`node --import tsx scripts/api-docs.ts\` and commit it:`);
        for (const f of differ) console.error(`  ${shown}/${f}`);
        return 1;
      }
      console.log(`api-docs: ${shown}/ is up to date (${listFiles(out).length} files, ${((Date.now() - started) / 1000).toFixed(1)}s)`);
      return 0;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  rmSync(OUT, { recursive: true, force: true });
  if (!(await runTypedoc({ out: OUT }, false, true))) {
    console.error("api-docs: typedoc failed (errors above)");
    return 1;
  }
  console.log(`api-docs: wrote ${shown}/ (${listFiles(OUT).length} files, ${((Date.now() - started) / 1000).toFixed(1)}s)`);
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== "--check" && a !== "--undocumented");
  if (unknown.length > 0 || args.length > 1) {
    console.error(`api-docs: ${unknown.length > 0 ? `unknown argument ${unknown.join(" ")}` : "one mode at a time"}; ${USAGE}`);
    process.exit(2);
  }
  const mode: Mode = args[0] === "--check" ? "check" : args[0] === "--undocumented" ? "undocumented" : "write";
  run(mode).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`api-docs: ${(e as Error).stack ?? String(e)}`);
      process.exit(1);
    },
  );
}
