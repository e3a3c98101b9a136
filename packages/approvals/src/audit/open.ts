/**
 * Picking and opening an existing audit store for read-only tools (`airlock audit verify`,
 * `airlock autonomy report`): a connection string, or the embedded store's data directory.
 * Unlike the service, these never create a store or run migrations.
 */
import { existsSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import { DATABASE_URL_ENV, DEFAULT_DATA_DIR, openDatabase, redactUrl, type Database } from "./db.ts";
import { ApprovalError } from "../errors.ts";

export type StoreChoice =
  | { readonly kind: "postgres"; readonly url: string; readonly label: string }
  | { readonly kind: "pglite"; readonly dataDir: string; readonly label: string };

/**
 * `databaseUrl`, else `dataDir`, else the `AIRLOCK_APPROVALS_DATABASE_URL` variable, else the
 * default data directory under `cwd`. Throws when both are given.
 */
export function chooseStore(input: {
  readonly databaseUrl?: string;
  readonly dataDir?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}): StoreChoice {
  if (input.databaseUrl !== undefined && input.dataDir !== undefined) {
    throw new ApprovalError("give `--database-url` or `--data-dir`, not both");
  }
  const url = input.databaseUrl ?? (input.dataDir === undefined ? input.env[DATABASE_URL_ENV] : undefined);
  if (url !== undefined && url !== "") {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new ApprovalError(`\`${input.databaseUrl !== undefined ? "--database-url" : DATABASE_URL_ENV}\`: "${redactUrl(url)}" is not a postgres:// connection string; use postgres://user:password@host:5432/database`);
    }
    return { kind: "postgres", url, label: redactUrl(url) };
  }
  const dataDir = resolve(input.cwd, input.dataDir ?? DEFAULT_DATA_DIR);
  return { kind: "pglite", dataDir, label: dataDir };
}

/** Opens the chosen store; throws `ApprovalError` when it does not exist or holds no audit log. */
export async function openExistingStore(choice: StoreChoice): Promise<Database> {
  if (choice.kind === "pglite") {
    if (!existsSync(choice.dataDir) || readdirSync(choice.dataDir).length === 0) {
      throw new ApprovalError(
        `no audit store at ${choice.dataDir}; pass \`--data-dir\` with the approval service's data directory, or \`--database-url\` (or set ${DATABASE_URL_ENV}) for a server`,
      );
    }
  }
  const db = choice.kind === "pglite" ? await openDatabase({ dataDir: choice.dataDir }) : await openDatabase({ url: choice.url, maxConnections: 2, reconnectTimeoutMs: 5_000 });
  try {
    const { rows } = await db.query<{ t: string | null }>("SELECT to_regclass('airlock.audit_log')::text AS t");
    if (rows[0]?.t == null) {
      throw new ApprovalError(`${choice.label} has no audit log (no airlock.audit_log table); the approval service has not run against it`);
    }
  } catch (e) {
    await db.close().catch(() => undefined);
    if (e instanceof ApprovalError) throw e;
    throw new ApprovalError(`could not read ${choice.label}: ${(e as Error).message}`);
  }
  return db;
}
