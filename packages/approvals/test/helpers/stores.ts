/**
 * Stores for tests: embedded PGlite (a migrated template copied per test, since a fresh PGlite
 * takes seconds to initialise) and a real PostgreSQL server (AIRLOCK_TEST_DATABASE_URL, or one
 * started through .ci/postgres.sh when a test first needs it; nothing needs starting beforehand,
 * and scripts/run-tests.mjs stops it when the run ends), with a fresh database per test file and
 * a login role that has only the service role's rights.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, type Database } from "../../src/audit/db.ts";
import { loadMigrations, migrate } from "../../src/audit/migrate.ts";

export const REPO_ROOT = resolve(fileURLToPath(new URL("../../../../", import.meta.url)));
const POSTGRES_SH = join(REPO_ROOT, ".ci/postgres.sh");

let template: Promise<string> | undefined;

/**
 * A migrated PGlite data directory to copy, shared by every test process of this machine: a new
 * PGlite takes ~10 s to initialise, a copy of the template opens in ~1 s. Keyed by the PGlite
 * version and the migrations, built once and renamed into place (rename is atomic, so a parallel
 * process either sees the finished template or builds its own and discards it).
 */
async function pgliteTemplate(): Promise<string> {
  const version = (JSON.parse(readFileSync(join(REPO_ROOT, "node_modules/@electric-sql/pglite/package.json"), "utf8")) as { version: string }).version;
  const key = createHash("sha256").update(version).update(loadMigrations().map((m) => m.checksum).join(",")).digest("hex").slice(0, 16);
  const target = join(tmpdir(), `airlock-pglite-template-${key}`);
  if (existsSync(join(target, "PG_VERSION"))) return target;
  const building = mkdtempSync(join(tmpdir(), "airlock-pglite-building-"));
  const db = await openDatabase({ dataDir: building });
  await migrate(db);
  await db.close();
  try {
    renameSync(building, target);
  } catch {
    rmSync(building, { recursive: true, force: true });
  }
  return target;
}

/** A migrated embedded store in a new temporary directory. */
export async function freshPglite(): Promise<{ db: Database; dir: string; dispose(): Promise<void> }> {
  template ??= pgliteTemplate();
  const src = await template;
  const dir = mkdtempSync(join(tmpdir(), "airlock-pglite-"));
  cpSync(src, dir, { recursive: true });
  const db = await openDatabase({ dataDir: dir });
  return {
    db,
    dir,
    async dispose() {
      await db.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Parses the `export NAME=value` lines postgres.sh prints. */
function parseExports(out: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!.replace(/^'(.*)'$/, "$1");
  }
  return env;
}

/**
 * The state directory of the shared test cluster: the test runner gives each run its own
 * (AIRLOCK_TEST_PG_STATE), else .ci/postgres.sh's default, $TMPDIR/airlock-pg-<uid>.
 */
export function sharedPostgresState(): string {
  const fromEnv = process.env.AIRLOCK_TEST_PG_STATE;
  return fromEnv !== undefined && fromEnv !== "" ? fromEnv : join(tmpdir(), `airlock-pg-${process.getuid?.() ?? 0}`);
}

/**
 * A state directory for a cluster of this process's own (`label` says what for), beside the
 * shared one and named after it, so the test runner stops it with the run's cluster even when the
 * test file that started it dies before its own `after` hook.
 */
export function privatePostgresState(label: string): string {
  // scripts/run-tests.mjs finds these as <run state>-<label>-<pid>: keep labels to [a-z0-9].
  if (!/^[a-z0-9]+$/.test(label)) throw new Error(`privatePostgresState: label "${label}" must be lowercase letters and digits`);
  const shared = sharedPostgresState();
  return join(dirname(shared), `${basename(shared)}-${label}-${process.pid}`);
}

/** The lock that .ci/postgres.sh holds while it starts, restarts or stops the cluster in `state`. */
export function postgresLockPath(state: string): string {
  return `${state}.lock`;
}

/**
 * Starts (or reuses) a server through .ci/postgres.sh. `state` picks a separate cluster (the
 * restart test uses its own so restarting it cannot disturb other test files). The script takes
 * its own lock (waiting at most a minute, then failing with the holder's name) and leaves no
 * descriptor of it to the server, so parallel test processes never wait on one another for long.
 * The generous timeout is only for a machine without PostgreSQL, where the script installs it.
 */
export function startPostgres(state?: string): { url: string; state: string } {
  let out: string;
  try {
    out = execFileSync("bash", [POSTGRES_SH, "start"], {
      encoding: "utf8",
      env: { ...process.env, ...(state === undefined ? {} : { AIRLOCK_TEST_PG_STATE: state }) },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 900_000,
    });
  } catch (e) {
    const err = e as { stderr?: string; signal?: string };
    const why = err.signal !== undefined && err.signal !== null ? `was ended by ${err.signal} after 900 s` : "failed";
    throw new Error(`bash .ci/postgres.sh start ${why}${state === undefined ? "" : ` (AIRLOCK_TEST_PG_STATE=${state})`}:\n${err.stderr ?? String(e)}`);
  }
  const env = parseExports(out);
  if (!env.AIRLOCK_TEST_DATABASE_URL || !env.AIRLOCK_TEST_PG_STATE) throw new Error(`.ci/postgres.sh printed no URL:\n${out}`);
  return { url: env.AIRLOCK_TEST_DATABASE_URL, state: env.AIRLOCK_TEST_PG_STATE };
}

export function postgresCommand(command: "restart" | "stop", state: string): void {
  execFileSync("bash", [POSTGRES_SH, command], { env: { ...process.env, AIRLOCK_TEST_PG_STATE: state }, stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
}

/** The superuser URL of the test server: the env var when set, else a server started now. */
export function serverUrl(): string {
  const fromEnv = process.env.AIRLOCK_TEST_DATABASE_URL;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const started = startPostgres();
  process.env.AIRLOCK_TEST_DATABASE_URL = started.url;
  return started.url;
}

export const SERVICE_LOGIN = "airlock_svc_test";
const SERVICE_PASSWORD = "airlock_svc_test";

function withDatabase(url: string, database: string, user?: { name: string; password: string }): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  if (user !== undefined) {
    u.username = user.name;
    u.password = user.password;
  }
  return u.toString();
}

export interface ServerDatabase {
  /** Superuser URL of the new database. */
  readonly adminUrl: string;
  /** URL of the same database as a login role that is only a member of airlock_approvals_service. */
  readonly serviceUrl: string;
  readonly name: string;
  /** Runs SQL as the superuser. */
  admin<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  dispose(): Promise<void>;
}

/** A new, migrated database on the server at `url`, with the service login role granted. */
export async function freshServerDatabase(url: string = serverUrl()): Promise<ServerDatabase> {
  const name = `airlock_t_${randomBytes(6).toString("hex")}`;
  const root = new pg.Client({ connectionString: url });
  await root.connect();
  await root.query(`CREATE DATABASE ${name}`);
  await root.end();
  const adminUrl = withDatabase(url, name);
  const migrator = await openDatabase({ url: adminUrl, maxConnections: 2 });
  await migrate(migrator);
  await migrator.close();
  const adminClient = new pg.Client({ connectionString: adminUrl });
  await adminClient.connect();
  // The login role is cluster-wide: create it once, tolerate a parallel test file doing the same.
  await adminClient.query(`DO $$ BEGIN
      CREATE ROLE ${SERVICE_LOGIN} LOGIN PASSWORD '${SERVICE_PASSWORD}' NOSUPERUSER NOCREATEDB NOCREATEROLE;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
  await adminClient.query(`GRANT airlock_approvals_service TO ${SERVICE_LOGIN}`).catch((e: { code?: string }) => {
    if (e.code !== "23505" && e.code !== "XX000") throw e;
  });
  await adminClient.end();
  return {
    adminUrl,
    serviceUrl: withDatabase(url, name, { name: SERVICE_LOGIN, password: SERVICE_PASSWORD }),
    name,
    async admin<T>(sql: string, params: unknown[] = []) {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        return (await c.query(sql, params)).rows as T[];
      } finally {
        await c.end();
      }
    },
    async dispose() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await c.end();
    },
  };
}
