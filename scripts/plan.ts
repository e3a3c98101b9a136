/**
 * `npm run plan` (the README's first command, after `npm ci`): plans the repository's Pulumi
 * program offline with the `airlock` CLI run from its TypeScript sources. tsx and the root
 * tsconfig's `paths` resolve `@airlock/*` to the sources, as the tests do, so a fresh clone plans
 * without compiling every package first (a full `npm run build` is ~15 s of tsc on a 2-core
 * machine; `npm test` runs it, and CI's consumer test runs the built, packed CLI). Only the
 * Lambda code the plan reads is made first: `@airlock/pulumi`'s assets/, bundled by esbuild (cached).
 *
 *   npm run plan [-- <airlock plan options>]     e.g. npm run plan -- --json --stack prod
 */
import { fileURLToPath } from "node:url";
import { writeAssets } from "../packages/pulumi/build/bundle.ts";
import { main } from "../packages/cli/src/main.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
writeAssets(fileURLToPath(new URL("../packages/pulumi/assets", import.meta.url)));
process.chdir(root);
process.exitCode = await main(["plan", ".", ...process.argv.slice(2)]);
