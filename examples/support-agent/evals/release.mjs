// Which release a change deploys, and which one it is judged against: the stack's active release
// (its id, image and quarantined eval cases) and, when the base commit's stack config ran another
// release, that one with its eval report(s) and quarantine (the gate's baseline: the cases both
// reports ran are compared pair by pair, and a quarantine that grew is a finding).
//
//   node examples/support-agent/evals/release.mjs <stack.yaml> [<base-stack.yaml>] >> "$GITHUB_OUTPUT"
//
// prints `id=`, `image=`, `policy=`, `previous=`, `previous_reports=` (space-separated) and
// `previous_policy=` lines, the last three empty without a baseline (a first release, or a change
// that keeps the release), and writes the policies `airlock evals check` reads (--policy,
// --previous-policy) as eval-policy.json and eval-previous-policy.json: the releases'
// `evalQuarantine`, the same lists the deployment's gate applies. Plain Node and `yaml`, no build.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parse } from "yaml";

export const PROJECT = "airlock-support-agent";
export const POLICY_FILE = "eval-policy.json";
export const PREVIOUS_POLICY_FILE = "eval-previous-policy.json";

const releasesOf = (config) => config?.[`${PROJECT}:releases`] ?? {};
const reportsOf = (release) => (release?.evalReport === undefined ? [] : [release.evalReport].flat());

/** The stack config's active release: `{ id, image, quarantine }`; throws naming the key when it is missing. */
export function activeRelease(config, file = "the stack config") {
  const id = config?.[`${PROJECT}:activeRelease`];
  const release = releasesOf(config)[id];
  if (typeof id !== "string" || release === undefined) throw new Error(`${file}: \`${PROJECT}:activeRelease\` names no release of \`${PROJECT}:releases\``);
  if (typeof release.image !== "string") throw new Error(`${file}: release "${id}" has no \`image\`; the evals run for an image by digest`);
  return { id, image: release.image, quarantine: release.evalQuarantine ?? [] };
}

/**
 * The baseline of `candidate`: the base config's active release when it is another one, with its
 * eval reports (as the current config lists them, else the base's) and its quarantine then;
 * undefined otherwise.
 */
export function baselineRelease(candidate, config, baseConfig) {
  const id = baseConfig?.[`${PROJECT}:activeRelease`];
  if (typeof id !== "string" || id === candidate.id) return undefined;
  const then = releasesOf(baseConfig)[id];
  const reports = reportsOf(releasesOf(config)[id]).length > 0 ? reportsOf(releasesOf(config)[id]) : reportsOf(then);
  return reports.length > 0 ? { id, evalReports: reports, quarantine: then?.evalQuarantine ?? [] } : undefined;
}

/** Writes the policy files and returns the `$GITHUB_OUTPUT` lines for a stack file and its base commit's copy. */
export function releaseOutputs(stackFile, baseFile) {
  const config = parse(readFileSync(stackFile, "utf8"))?.config;
  const candidate = activeRelease(config, stackFile);
  writeFileSync(POLICY_FILE, `${JSON.stringify({ quarantine: candidate.quarantine }, null, 2)}\n`);
  const baseText = baseFile !== undefined && existsSync(baseFile) ? readFileSync(baseFile, "utf8") : "";
  const found = baseText.trim() === "" ? undefined : baselineRelease(candidate, config, parse(baseText)?.config);
  // A report the checkout no longer holds cannot be compared with.
  const baseline = found !== undefined && found.evalReports.every((r) => existsSync(r)) ? found : undefined;
  if (baseline !== undefined) writeFileSync(PREVIOUS_POLICY_FILE, `${JSON.stringify({ quarantine: baseline.quarantine }, null, 2)}\n`);
  return [
    `id=${candidate.id}`,
    `image=${candidate.image}`,
    `policy=${POLICY_FILE}`,
    `previous=${baseline?.id ?? ""}`,
    `previous_reports=${baseline?.evalReports.join(" ") ?? ""}`,
    `previous_policy=${baseline !== undefined ? PREVIOUS_POLICY_FILE : ""}`,
  ].join("\n");
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
