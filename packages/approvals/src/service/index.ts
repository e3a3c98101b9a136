// The approval service: the policy (approval-service.ts), its rows (store.ts), the Slack outbox
// (outbox.ts), interaction parsing (interactions.ts) and a receipt's single use (execution.ts).
// Only the service's public surface is exported; the store, outbox and parser are the service's
// own. (A line comment, not a doc comment: typedoc would give a doc comment here to ApprovalService.)
export { ApprovalService, type ApprovalServiceOptions } from "./approval-service.ts";
export { type InteractionResponse } from "./interactions.ts";
export { REQUEST_EVENT_TYPE, type OutboxResult, type SlackApi } from "./outbox.ts";
export { isRequestId } from "./store.ts";
export { type ConsumeInput } from "./execution.ts";
