/**
 * Tampering with the audit log on the embedded store (PGlite): the superuser is the store's own
 * connection, and the service role is the same role a server has, taken with SET ROLE (PGlite
 * enforces its grants like a server does).
 */
import { freshPglite } from "./helpers/stores.ts";
import { tamperSuite } from "./helpers/tamper-scenarios.ts";

tamperSuite("embedded store", async () => {
  const store = await freshPglite();
  return {
    service: store.db,
    admin: store.db,
    asServiceRole: (fn) =>
      store.db.transaction(async (tx) => {
        await tx.query("SET LOCAL ROLE airlock_approvals_service");
        return fn(tx);
      }),
    dispose: () => store.dispose(),
  };
});
