/**
 * One small database interface over two drivers: a PostgreSQL server through `pg` (production:
 * Supabase or RDS, from a connection string) and embedded PostgreSQL through PGlite (the default
 * store, a data directory on disk). The approvals code runs the same SQL on both.
 */
import { mkdirSync } from "node:fs";
import pg from "pg";
import { PGlite } from "@electric-sql/pglite";
import { APPROVALS_ENV } from "@airlock/core/contracts";

/** Environment variable holding the production connection string (ECS fills it from Secrets Manager). */
export const DATABASE_URL_ENV = APPROVALS_ENV.databaseUrl;
/** Where the embedded store lives when no connection string is given. */
export const DEFAULT_DATA_DIR = ".airlock/approvals";

export interface QueryResult<T> {
  readonly rows: T[];
  readonly rowCount: number;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
}

/** A connection inside a transaction. */
export interface Transaction extends Queryable {
  /** Runs a script of several statements without parameters. */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: "postgres" | "pglite";
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` in a transaction. On a lost connection (server restart, network drop) the whole
   * transaction is retried on a new connection until `reconnectTimeoutMs` passes, so `fn` must be
   * idempotent: the approvals code only uses conditional inserts there.
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** A `postgres://` connection string; when set, `dataDir` is ignored. */
  readonly url?: string;
  /**
   * Data directory of the embedded store, created when missing.
   * @default - `.airlock/approvals` under the working directory
   */
  readonly dataDir?: string;
  /**
   * Connections in the pool (server only).
   * @default 10
   */
  readonly maxConnections?: number;
  /**
   * How long a query or transaction keeps retrying after the server went away.
   * @default 30000
   */
  readonly reconnectTimeoutMs?: number;
  /**
   * Server only, set on every session at connect (startup parameters, so no statement can run
   * without them): no writer can stall the others. A session idle inside its transaction (an
   * instance frozen, paused or cut off while holding the audit chain's lock) is ended by the server
   * after `idleInTransactionTimeoutMs`; a wait for a lock gives up after `lockTimeoutMs` (longer, so
   * a waiter outlives a frozen holder's cut-off); a statement is cancelled after `statementTimeoutMs`.
   * @default - { statementTimeoutMs: 30000, lockTimeoutMs: 10000, idleInTransactionTimeoutMs: 5000 }
   */
  readonly statementTimeoutMs?: number;
  /** See `statementTimeoutMs`. @default 10000 */
  readonly lockTimeoutMs?: number;
  /** See `statementTimeoutMs`. @default 5000 */
  readonly idleInTransactionTimeoutMs?: number;
}

/** The session timeouts of a server pool (see `OpenDatabaseOptions.statementTimeoutMs`). */
export const SESSION_TIMEOUTS_MS = { statement: 30_000, lock: 10_000, idleInTransaction: 5_000 } as const;

/** Opens the store: a server when `url` is given, else the embedded store in `dataDir`. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  if (options.url !== undefined && options.url !== "") {
    if (!/^postgres(ql)?:\/\//.test(options.url)) {
      throw new Error(`\`${DATABASE_URL_ENV}\`: "${redactUrl(options.url)}" is not a postgres:// connection string; use postgres://user:password@host:5432/database`);
    }
    return new PostgresDatabase(options.url, options.maxConnections ?? 10, options.reconnectTimeoutMs ?? 30_000, {
      statement_timeout: options.statementTimeoutMs ?? SESSION_TIMEOUTS_MS.statement,
      lock_timeout: options.lockTimeoutMs ?? SESSION_TIMEOUTS_MS.lock,
      idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? SESSION_TIMEOUTS_MS.idleInTransaction,
    });
  }
  const dir = options.dataDir ?? DEFAULT_DATA_DIR;
  mkdirSync(dir, { recursive: true });
  return new PgliteDatabase(await PGlite.create({ dataDir: dir }));
}

/** The connection string with its password replaced, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, "$1****@");
}

const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up or shutting down)
  "25P03", // idle_in_transaction_session_timeout: the server ended a session left idle in its transaction
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
]);

/** Whether an error means the connection was lost (worth retrying on a new one), not a bad query. */
export function isConnectionError(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown } | undefined;
  if (typeof err?.code === "string" && CONNECTION_ERROR_CODES.has(err.code)) return true;
  const msg = typeof err?.message === "string" ? err.message : "";
  return /Connection terminated|connection error and is not queryable|Client was closed|terminating connection/i.test(msg);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class PostgresDatabase implements Database {
  readonly kind = "postgres" as const;
  readonly #pool: pg.Pool;
  readonly #reconnectTimeoutMs: number;

  constructor(url: string, max: number, reconnectTimeoutMs: number, timeouts: Pick<pg.PoolConfig, "statement_timeout" | "lock_timeout" | "idle_in_transaction_session_timeout">) {
    this.#pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000, ...timeouts });
    // An idle client whose server went away emits here; without a listener the process would crash.
    this.#pool.on("error", () => {});
    this.#reconnectTimeoutMs = reconnectTimeoutMs;
  }

  async #retrying<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.#reconnectTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        // A lock wait cut off by lock_timeout (55P03) rolled back whole: retried like a lost connection.
        if (!(isConnectionError(e) || (e as { code?: unknown } | undefined)?.code === "55P03") || Date.now() >= deadline) throw e;
        await sleep(Math.min(2_000, 50 * 2 ** attempt));
      }
    }
  }

  query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    return this.#retrying(async () => {
      const r = await this.#pool.query(sql, params as unknown[]);
      return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
    });
  }

  async exec(sql: string): Promise<void> {
    await this.#retrying(() => this.#pool.query(sql));
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.#retrying(async () => {
      const client = await this.#pool.connect();
      let broken: Error | undefined;
      // The server can end the connection between two statements of the transaction (a restart);
      // pg then emits "error" on the checked-out client, which would crash the process unheard.
      const onError = (e: Error) => {
        broken = e;
      };
      client.on("error", onError);
      try {
        await client.query("BEGIN");
        const tx: Transaction = {
          query: async <R>(sql: string, params: readonly unknown[] = []) => {
            const r = await client.query(sql, params as unknown[]);
            return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
          },
          exec: async (sql: string) => {
            await client.query(sql);
          },
        };
        const out = await fn(tx);
        await client.query("COMMIT");
        return out;
      } catch (e) {
        if (isConnectionError(e)) {
          broken = e as Error;
        } else {
          await client.query("ROLLBACK").catch((r: unknown) => {
            broken = r as Error;
          });
        }
        throw e;
      } finally {
        client.off("error", onError);
        // A client whose connection broke is destroyed rather than returned to the pool.
        client.release(broken ?? false);
      }
    });
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

class PgliteDatabase implements Database {
  readonly kind = "pglite" as const;
  readonly #db: PGlite;

  constructor(db: PGlite) {
    this.#db = db;
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    const r = await this.#db.query<T>(sql, params as unknown[]);
    return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
  }

  async exec(sql: string): Promise<void> {
    await this.#db.exec(sql);
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.#db.transaction(async (t) =>
      fn({
        query: async <R>(sql: string, params: readonly unknown[] = []) => {
          const r = await t.query<R>(sql, params as unknown[]);
          return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
        },
        exec: async (sql: string) => {
          await t.exec(sql);
        },
      }),
    );
  }

  async close(): Promise<void> {
    await this.#db.close();
  }
}
