#!/usr/bin/env node
// Runs every test file with Node's test runner. Node 20's runner does not expand glob patterns,
// so the files are listed here: packages/*/test/**/*.test.ts and test/**/*.test.ts.
// Extra arguments narrow the run to files whose path contains any of them.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync, existsSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith(".test.ts")) out.push(relative(root, path));
  }
  return out;
}

const files = [];
for (const pkg of readdirSync(join(root, "packages")).sort()) walk(join(root, "packages", pkg, "test"), files);
walk(join(root, "test"), files);
const filters = process.argv.slice(2);
const selected = filters.length === 0 ? files : files.filter((f) => filters.some((x) => f.includes(x)));
if (selected.length === 0) {
  console.error(`no test file matches ${filters.join(" ")}`);
  process.exit(2);
}
const r = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", ...selected], { cwd: root, stdio: "inherit" });
process.exit(r.status ?? 1);
