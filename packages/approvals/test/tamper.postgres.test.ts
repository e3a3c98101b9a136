/**
 * Tampering with the audit log on a real PostgreSQL server: the service connects as a login role
 * with only the service role's rights, the attacks run as that role and as the superuser.
 */
import { openDatabase } from "../src/index.ts";
import { freshServerDatabase } from "./helpers/stores.ts";
import { tamperSuite } from "./helpers/tamper-scenarios.ts";

tamperSuite("real server", async () => {
  const sdb = await freshServerDatabase();
  const service = await openDatabase({ url: sdb.serviceUrl, maxConnections: 4 });
  const admin = await openDatabase({ url: sdb.adminUrl, maxConnections: 2 });
  return {
    service,
    admin,
    asServiceRole: (fn) => service.transaction(fn),
    async dispose() {
      await service.close();
      await admin.close();
      await sdb.dispose();
    },
  };
});
