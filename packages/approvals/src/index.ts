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
export * from "./audit/db.ts";
export * from "./audit/migrate.ts";
export * from "./audit/log.ts";
export * from "./audit/anchor.ts";
export * from "./redact.ts";
export * from "./slack/blocks.ts";
export * from "./slack/signature.ts";
export * from "./service/index.ts";
export * from "./slack/http.ts";
export * from "./gateway/router.ts";
export * from "./slack/socket-mode.ts";
export * from "./audit/autonomy.ts";
export * from "./config.ts";
export * from "./audit/open.ts";
