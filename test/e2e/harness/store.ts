/**
 * The approval service's store for one scenario: the embedded PGlite store by default (a migrated
 * copy in a data directory of its own), or a new database on a real PostgreSQL server when
 * `AIRLOCK_TEST_DATABASE_URL` names one (as the approvals' server tests read it), where the
 * gateway connects as a login role with only the service role's rights.
 *
 * The read-only commands (`airlock audit verify`, `airlock autonomy report`) open the store as an
 * operator would: `--data-dir` once the gateway has closed the embedded store (PGlite is one
 * process's at a time), `--database-url` on a server.
 */
import { rmSync } from "node:fs";
import { openDatabase, type Database } from "@airlock/approvals";
import { freshPglite, freshServerDatabase } from "../../../packages/approvals/test/helpers/stores.ts";

/** The variable the approvals' server tests read (set in CI, or by `eval "$(bash .ci/postgres.sh)"`). */
export const TEST_DATABASE_URL_ENV = "AIRLOCK_TEST_DATABASE_URL";

export interface ScenarioStore {
  readonly kind: "pglite" | "postgres";
  /** The gateway's connection (the service role on a server). */
  readonly db: Database;
  /** How the CLI names the store: `--data-dir <dir>` or `--database-url <url>`. */
  readonly cliArgs: readonly string[];
  /** What to print for people (a server's URL without its password). */
  readonly label: string;
  /** Closes the gateway's connection; the data stays for the CLI. */
  close(): Promise<void>;
  /** Deletes the data (the directory, or the server's database). */
  remove(): Promise<void>;
}

/** A migrated store for one scenario, on the server named by `AIRLOCK_TEST_DATABASE_URL` or embedded. */
export async function scenarioStore(env: NodeJS.ProcessEnv = process.env): Promise<ScenarioStore> {
  const url = env[TEST_DATABASE_URL_ENV];
  if (url !== undefined && url !== "") {
    const server = await freshServerDatabase(url);
    const db = await openDatabase({ url: server.serviceUrl, maxConnections: 4, reconnectTimeoutMs: 5_000 });
    let open = true;
    const close = async () => {
      if (open) await db.close();
      open = false;
    };
    return {
      kind: "postgres",
      db,
      cliArgs: ["--database-url", server.serviceUrl],
      label: `PostgreSQL database ${server.name}`,
      close,
      async remove() {
        await close();
        await server.dispose();
      },
    };
  }
  const embedded = await freshPglite();
  let open = true;
  const close = async () => {
    if (open) await embedded.db.close();
    open = false;
  };
  return {
    kind: "pglite",
    db: embedded.db,
    cliArgs: ["--data-dir", embedded.dir],
    label: `embedded PGlite store ${embedded.dir}`,
    close,
    async remove() {
      await close();
      rmSync(embedded.dir, { recursive: true, force: true });
    },
  };
}
