// Which release a change deploys, and which one it is judged against: the stack's active release
// (its id and image) and, when the base commit's stack config ran another release, that one with
// its eval report (the gate's baseline: the cases both reports ran are compared pair by pair).
//
//   node examples/support-agent/evals/release.mjs <stack.yaml> [<base-stack.yaml>] >> "$GITHUB_OUTPUT"
//
// prints `id=`, `image=`, `previous=` and `previous_report=` lines (the last two empty without a
// baseline: a first release, or a change that keeps the release). Plain Node and `yaml`, no build.
import { existsSync, readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parse } from "yaml";

export const PROJECT = "airlock-support-agent";

/** The stack config's active release: `{ id, image, evalReport }`; throws naming the key when it is missing. */
export function activeRelease(config, file = "the stack config") {
  const id = config?.[`${PROJECT}:activeRelease`];
  const release = config?.[`${PROJECT}:releases`]?.[id];
  if (typeof id !== "string" || release === undefined) throw new Error(`${file}: \`${PROJECT}:activeRelease\` names no release of \`${PROJECT}:releases\``);
  if (typeof release.image !== "string") throw new Error(`${file}: release "${id}" has no \`image\`; the evals run for an image by digest`);
  return { id, image: release.image, evalReport: release.evalReport };
}

/**
 * The baseline of `candidate`: the base config's active release when it is another one and the
 * current config still lists its eval report; undefined otherwise.
 */
export function baselineRelease(candidate, config, baseConfig) {
  const id = baseConfig?.[`${PROJECT}:activeRelease`];
  if (typeof id !== "string" || id === candidate.id) return undefined;
  const report = config?.[`${PROJECT}:releases`]?.[id]?.evalReport ?? baseConfig?.[`${PROJECT}:releases`]?.[id]?.evalReport;
  return typeof report === "string" ? { id, evalReport: report } : undefined;
}

/** The `$GITHUB_OUTPUT` lines for a stack file and its base commit's copy (empty or absent: none). */
export function releaseOutputs(stackFile, baseFile) {
  const config = parse(readFileSync(stackFile, "utf8"))?.config;
  const candidate = activeRelease(config, stackFile);
  const baseText = baseFile !== undefined && existsSync(baseFile) ? readFileSync(baseFile, "utf8") : "";
  const baseline = baseText.trim() === "" ? undefined : baselineRelease(candidate, config, parse(baseText)?.config);
  const report = baseline !== undefined && existsSync(baseline.evalReport) ? baseline.evalReport : "";
  return [`id=${candidate.id}`, `image=${candidate.image}`, `previous=${report === "" ? "" : baseline.id}`, `previous_report=${report}`].join("\n");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [stackFile, baseFile] = process.argv.slice(2);
  if (stackFile === undefined) {
    console.error("usage: node release.mjs <stack.yaml> [<base-stack.yaml>]");
    process.exit(2);
  }
  try {
    console.log(releaseOutputs(stackFile, baseFile));
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
}
