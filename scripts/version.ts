/**
 * `node --import tsx scripts/version.ts <version>`: moves every package to one version together
 * (the packages are released as a set: each pins its Airlock dependencies to exactly that version),
 * then refreshes package-lock.json. test/packaging.test.ts fails when the versions drift apart.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PACKAGES = ["core", "trace", "approvals", "runtime", "guardrails", "pulumi", "cli"];
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

const version = process.argv[2];
if (version === undefined || !SEMVER.test(version)) {
  console.error(`usage: node --import tsx scripts/version.ts <version>: a semantic version such as 0.2.0 (got ${JSON.stringify(version ?? null)})`);
  process.exit(2);
}
for (const p of PACKAGES) {
  const file = join(ROOT, "packages", p, "package.json");
  const pkg = JSON.parse(readFileSync(file, "utf8")) as { version: string; dependencies?: Record<string, string> };
  pkg.version = version;
  for (const dep of Object.keys(pkg.dependencies ?? {})) if (dep.startsWith("@airlock/")) pkg.dependencies![dep] = version;
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
}
// The example agent's workspace is not released, but links the packages at exactly that version.
for (const file of [join(ROOT, "examples/support-agent/agent/package.json")]) {
  const pkg = JSON.parse(readFileSync(file, "utf8")) as { dependencies?: Record<string, string> };
  for (const dep of Object.keys(pkg.dependencies ?? {})) if (dep.startsWith("@airlock/")) pkg.dependencies![dep] = version;
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
}
// The policy pack's directory reports the package's version to Pulumi.
const packFile = join(ROOT, "packages/guardrails/pack/package.json");
const pack = JSON.parse(readFileSync(packFile, "utf8")) as { version: string };
pack.version = version;
writeFileSync(packFile, `${JSON.stringify(pack, null, 2)}\n`);
const npm = spawnSync("npm", ["install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: ROOT, stdio: "inherit" });
process.exit(npm.status ?? 1);
