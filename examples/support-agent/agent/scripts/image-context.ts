/**
 * Prepares the image's build context before `pulumi up` builds it:
 *
 *   npm run image:context -w @airlock-examples/support-agent
 *
 * writes image/agent-model.json and image/prompts/system.md (as the Pulumi program does) and
 * bundles the agent's code into image/dist/ (see ../build/image-context.ts). Exit 0 with the files
 * written, one per line; exit 2 with the manifest's error, or 1 when bundling fails.
 */
import { fileURLToPath } from "node:url";
import { bundleAgent, loadManifestBuildingImage, writeReleaseFiles } from "../build/image-context.ts";

const manifest = fileURLToPath(new URL("../../agent.yaml", import.meta.url));
let model;
try {
  model = await loadManifestBuildingImage(manifest);
} catch (e) {
  process.stderr.write(`image:context: ${manifest}: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
}
try {
  const files = writeReleaseFiles(model);
  const bundled = await bundleAgent();
  for (const f of [files.modelFile, files.promptFile, ...bundled]) process.stdout.write(`${f}\n`);
  process.stdout.write(`model ${model.hash}\n`);
} catch (e) {
  process.stderr.write(`image:context: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
