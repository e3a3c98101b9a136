/**
 * `@airlock/approvals`: Airlock's human checkpoints. `ApprovalService` and `ApprovalRouter` post an
 * outward action to Slack and take the signature-checked decision; `openDatabase` and `migrate` set
 * up the PostgreSQL store (embedded PGlite by default, `pg` for a server); the audit log keeps a
 * hash chain (`appendAudit`, `readAudit`, `verifyAuditLog`).
 *
 * @module @airlock/approvals
 */
export * from "./types.ts";
export * from "./errors.ts";
export * from "./db.ts";
export * from "./migrate.ts";
export * from "./audit.ts";
export * from "./redact.ts";
export * from "./blocks.ts";
export * from "./signature.ts";
export * from "./service/index.ts";
export * from "./http.ts";
export * from "./router.ts";
export * from "./socket-mode.ts";
export * from "./autonomy.ts";
export * from "./config.ts";
export * from "./store.ts";
