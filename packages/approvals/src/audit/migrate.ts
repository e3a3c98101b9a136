/**
 * Versioned migrations: `migrations/NNNN_name.sql`, applied in order, each once, recorded in
 * `airlock.schema_migrations` with a checksum. Safe to run from several processes at once (an
 * advisory lock serialises them) and on every start (applied versions are skipped).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sha256 } from "@airlock/core/hash";
import type { Database } from "./db.ts";
import PACKAGE_ROOT from "../package-root.cts";

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export interface MigrationResult {
  /** Versions applied by this call, in order. */
  readonly applied: readonly number[];
  /** Highest version in the database afterwards. */
  readonly version: number;
}

const MIGRATIONS_DIR = join(PACKAGE_ROOT, "migrations");
/** Key of the advisory lock migrations hold (any constant distinct from the audit lock). */
const MIGRATION_LOCK = 7_231_001;

/** The migrations shipped with the package, in version order. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith(".sql")).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (m === null) throw new Error(`migration file \`${file}\` must be named NNNN_name.sql (four digits, snake_case name)`);
    const version = Number(m[1]);
    if (out.some((x) => x.version === version)) throw new Error(`migration version ${m[1]} appears twice; give \`${file}\` the next free number`);
    const sql = readFileSync(join(dir, file), "utf8");
    out.push({ version, name: m[2]!, sql, checksum: sha256(sql) });
  }
  return out;
}

/** Applies every migration not yet recorded; throws when an applied migration's file changed. */
export async function migrate(db: Database, migrations: readonly Migration[] = loadMigrations()): Promise<MigrationResult> {
  await db.exec(`
    CREATE SCHEMA IF NOT EXISTS airlock;
    CREATE TABLE IF NOT EXISTS airlock.schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      checksum   text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    );`);
  const applied: number[] = [];
  for (const m of migrations) {
    const done = await db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      const { rows } = await tx.query<{ checksum: string }>("SELECT checksum FROM airlock.schema_migrations WHERE version = $1", [m.version]);
      if (rows[0] !== undefined) {
        if (rows[0].checksum !== m.checksum) {
          throw new Error(
            `migration ${String(m.version).padStart(4, "0")}_${m.name} was changed after it was applied (checksum ${rows[0].checksum.slice(0, 12)} in the database, ${m.checksum.slice(0, 12)} on disk); restore the file and add a new migration instead`,
          );
        }
        return false;
      }
      await tx.exec(m.sql);
      await tx.query("INSERT INTO airlock.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [m.version, m.name, m.checksum]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  const { rows } = await db.query<{ v: number | null }>("SELECT max(version) AS v FROM airlock.schema_migrations");
  return { applied, version: Number(rows[0]?.v ?? 0) };
}
