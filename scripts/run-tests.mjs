#!/usr/bin/env node
// Runs every test file with Node's test runner. Node 20's runner does not expand glob patterns,
// so the files are listed here: packages/*/test/**/*.test.ts and test/**/*.test.ts.
// Extra arguments narrow the run to files whose path contains any of them.
//
// PostgreSQL: nothing needs starting first. The approval tests start a local server through
// .ci/postgres.sh the first time they need one (unless AIRLOCK_TEST_DATABASE_URL names a server).
// Each run gets a cluster of its own, AIRLOCK_TEST_PG_STATE=$TMPDIR/airlock-pg-run-<pid>, and
// tests that need a private one put it beside that (airlock-pg-run-<pid>-<label>-<pid>); when the
// tests end (or on Ctrl-C) this script stops all of them, and clusters left by a run that was
// killed are stopped by the next. So runs one after another, or at once in two clones, never
// share a server or wait on one another. With AIRLOCK_TEST_PG_STATE set, its cluster is yours:
// it is used and left running.
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, statSync, existsSync, rmSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const POSTGRES_SH = join(root, ".ci/postgres.sh");

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

// --- the run's PostgreSQL clusters ---------------------------------------------------------------
// A run's state directory, or a private one beside it (<run>-<label>-<pid>); each has <name>.lock.
const RUN_STATE = /^airlock-pg-run-(\d+)(-[a-z0-9]+-\d+)?$/;

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}

/**
 * Stops the clusters of the runs whose pid `pred` accepts and removes their lock files. A cluster
 * is found by its state directory or by its lock file alone (postgres.sh creates the lock before
 * anything else), and `stop` takes that lock, so a start still under way finishes first.
 */
function stopClusters(pred) {
  const dir = tmpdir();
  let states;
  try {
    states = [
      ...new Set(
        readdirSync(dir)
          .map((name) => name.replace(/\.lock$/, ""))
          .filter((name) => {
            const m = RUN_STATE.exec(name);
            return m !== null && pred(Number(m[1]));
          }),
      ),
    ];
  } catch {
    return;
  }
  for (const name of states) {
    const state = join(dir, name);
    const r = spawnSync("bash", [POSTGRES_SH, "stop"], {
      env: { ...process.env, AIRLOCK_TEST_PG_STATE: state },
      stdio: ["ignore", "ignore", "pipe"],
      encoding: "utf8",
      timeout: 90_000,
    });
    if (r.status !== 0) console.error(`run-tests: could not stop the test PostgreSQL in ${state}:\n${r.stderr || r.error}`);
    else rmSync(`${state}.lock`, { force: true });
  }
}

const env = { ...process.env };
const ownsClusters = (process.env.AIRLOCK_TEST_PG_STATE ?? "") === "";
if (ownsClusters) {
  env.AIRLOCK_TEST_PG_STATE = join(tmpdir(), `airlock-pg-run-${process.pid}`);
  stopClusters((pid) => pid !== process.pid && !alive(pid));
}

// --- the tests -----------------------------------------------------------------------------------
const child = spawn(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", ...selected], { cwd: root, stdio: "inherit", env });
let signalled;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    signalled ??= signal;
    child.kill(signal);
  });
}
child.on("exit", (code, signal) => {
  if (ownsClusters) stopClusters((pid) => pid === process.pid);
  const by = signalled ?? signal;
  process.exit(code ?? (by ? 128 + constants.signals[by] : 1));
});
