/**
 * .ci/postgres.sh, which the server tests call from parallel test processes (issue #11): the
 * server it starts must hold no lock (once, the server inherited the caller's `flock` descriptor,
 * so every later test process waited five minutes and was cancelled), parallel starts of one
 * cluster must share one server, and a lock that stays held must end in a clear error within the
 * bounded wait, not a silent hang.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { REPO_ROOT, postgresCommand, postgresLockPath, privatePostgresState } from "./helpers/stores.ts";

const POSTGRES_SH = join(REPO_ROOT, ".ci/postgres.sh");

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs a command to its end (bounded), with AIRLOCK_TEST_PG_STATE and any extra variables. */
function run(file: string, args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: timeoutMs, encoding: "utf8" }, (e, stdout, stderr) => {
      const code = e === null ? 0 : typeof e.code === "number" ? e.code : -1;
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

function urlOf(r: Run): string {
  const m = /^export AIRLOCK_TEST_DATABASE_URL=(\S+)$/m.exec(r.stdout);
  assert.ok(m, `postgres.sh printed a URL (exit ${r.code}):\n${r.stderr}`);
  return m[1]!.replace(/^'(.*)'$/, "$1");
}

/** Takes `lock` with flock(1) within `seconds`: exit 0 when it was free (or freed) in time. */
function tryLock(lock: string, seconds: number): Promise<Run> {
  return run("flock", ["-w", String(seconds), lock, "true"], {}, (seconds + 10) * 1000);
}

/** The postmaster's pid and where every descriptor it has open points. */
async function postmasterFds(url: string): Promise<{ pid: number; fds: Map<number, string> }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const dataDir = (await c.query<{ data_directory: string }>("SHOW data_directory")).rows[0]!.data_directory;
  await c.end();
  const pid = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  const fds = new Map<number, string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      fds.set(Number(fd), readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // closed while listed
    }
  }
  return { pid, fds };
}

describe(".ci/postgres.sh", () => {
  const states: string[] = [];
  const stateFor = (label: string): string => {
    const s = privatePostgresState(label);
    states.push(s);
    return s;
  };
  after(() => {
    for (const s of states) postgresCommand("stop", s);
  });

  test("the server holds no lock: a caller's flock and the script's own are free as soon as start or restart returns", async () => {
    const state = stateFor("lock");
    const own = postgresLockPath(state);
    // The old helper's very call: `flock <lock> bash .ci/postgres.sh start` (the lock named like a
    // cluster's, so the test runner removes it even when this file dies first).
    const callers = postgresLockPath(stateFor("caller"));
    const started = await run("flock", [callers, "bash", POSTGRES_SH, "start"], { AIRLOCK_TEST_PG_STATE: state });
    assert.equal(started.code, 0, started.stderr);
    const url = urlOf(started);
    for (const lock of [callers, own]) {
      const second = await tryLock(lock, 2);
      assert.equal(second.code, 0, `a second flock on ${lock} got it within 2 s`);
    }
    const server = await postmasterFds(url);
    const held = [...server.fds].filter(([, target]) => target === callers || target === own);
    assert.deepEqual(held, [], `postmaster ${server.pid} has no descriptor of a lock`);
    assert.equal(server.fds.get(0), "/dev/null", "the server's stdin is /dev/null, not the caller's");
    for (const fd of [1, 2]) assert.match(server.fds.get(fd) ?? "", /\/server\.log$/, `the server's fd ${fd} is its log, not the caller's pipe`);

    // pg_ctl restart starts a new postmaster: it must not take the lock with it either.
    const restarted = await run("flock", [callers, "bash", POSTGRES_SH, "restart"], { AIRLOCK_TEST_PG_STATE: state });
    assert.equal(restarted.code, 0, restarted.stderr);
    for (const lock of [callers, own]) assert.equal((await tryLock(lock, 2)).code, 0, `${lock} is free after a restart`);
    const restartedServer = await postmasterFds(url);
    assert.notEqual(restartedServer.pid, server.pid, "a new postmaster");
    assert.deepEqual([...restartedServer.fds].filter(([, target]) => target === callers || target === own), []);
  });

  test("parallel starts of one new cluster all succeed and share one server", async () => {
    const state = stateFor("parallel");
    const runs = await Promise.all([1, 2, 3].map(() => run("bash", [POSTGRES_SH, "start"], { AIRLOCK_TEST_PG_STATE: state })));
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const urls = new Set(runs.map(urlOf));
    assert.equal(urls.size, 1, `one server: ${[...urls].join(", ")}`);
    const c = new pg.Client({ connectionString: [...urls][0] });
    await c.connect();
    assert.deepEqual((await c.query("SELECT current_database() AS db")).rows, [{ db: "airlock_test" }]);
    await c.end();
    // And a start after them reuses it, quickly.
    const again = await run("bash", [POSTGRES_SH, "start"], { AIRLOCK_TEST_PG_STATE: state });
    assert.equal(urlOf(again), [...urls][0]);
  });

  test("a lock held by someone else is waited for a bounded time, then the error names the lock and its holder", async () => {
    const state = stateFor("held");
    const lock = postgresLockPath(state);
    // -o: the lock stays with flock itself (its `sleep` holds no descriptor of it), so killing
    // flock frees it.
    const holder = spawn("flock", ["-o", lock, "sleep", "60"], { stdio: "ignore" });
    const exited = once(holder, "exit");
    try {
      // flock has the lock once a non-blocking try fails.
      for (let i = 0; i < 100 && (await run("flock", ["-n", lock, "true"], {})).code === 0; i++) await new Promise((r) => setTimeout(r, 50));
      const r = await run("bash", [POSTGRES_SH, "start"], { AIRLOCK_TEST_PG_STATE: state, AIRLOCK_PG_LOCK_WAIT: "1" }, 30_000);
      assert.equal(r.code, 1, `start failed instead of starting a second server beside the lock's holder:\n${r.stdout}${r.stderr}`);
      assert.ok(r.ms < 15_000, `it gave up in ${r.ms} ms`);
      assert.ok(r.stderr.includes(`gave up after 1 s waiting for the lock ${lock}`), r.stderr);
      assert.match(r.stderr, new RegExp(`pid ${holder.pid} \\(flock -o ${lock.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} sleep 60\\)`));
      assert.equal(r.stdout, "", "no URL printed");
    } finally {
      holder.kill();
      await exited;
    }
  });
});
