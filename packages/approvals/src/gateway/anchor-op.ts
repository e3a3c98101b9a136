/**
 * The gateway's `{ op: "anchor" }`: its schedule (an EventBridge rule with that constant input,
 * deployed by ApprovalGateway) signs the audit log's head and writes it to the anchor bucket
 * (`audit/anchor.ts`). Only the schedule may ask: the rule invokes the unqualified function, and an
 * invocation through an agent's alias is refused, so no agent can write anchors.
 */
import { AUDIT_ANCHOR, AUDIT_ANCHOR_ENV } from "@airlock/core/contracts";
import { anchorClients, writeAnchor, type AnchorLocation } from "../audit/anchor.ts";
import type { Database } from "../audit/db.ts";
import { ApprovalError } from "../errors.ts";

/** What the anchor operation answers. */
export interface AnchorReply {
  readonly anchored: { readonly sequence: number; readonly hash: string; readonly time: string; readonly key: string };
}

/** Signs and writes the head; refused through an alias or without an anchor configured. */
export async function runAnchorOp(db: Database, at: AnchorLocation | undefined, invokedFunctionArn: string | undefined): Promise<AnchorReply> {
  const parts = (invokedFunctionArn ?? "").split(":");
  if (parts.length === 8) {
    throw new ApprovalError(`the \`anchor\` operation is the gateway schedule's; it was invoked through "${parts[7]}", and agents may not write audit anchors`);
  }
  if (at === undefined) {
    throw new ApprovalError(`the gateway has no audit anchor: set \`${AUDIT_ANCHOR_ENV.bucket}\` and \`${AUDIT_ANCHOR_ENV.keyId}\` (the ApprovalGateway component sets them)`);
  }
  const { head, key } = await writeAnchor(db, at);
  return { anchored: { sequence: head.sequence, hash: head.hash, time: head.time.toISOString(), key } };
}

/** The anchor's location from the function's environment; undefined when no bucket is set. */
export function anchorFromEnv(env: NodeJS.ProcessEnv): AnchorLocation | undefined {
  const bucket = env[AUDIT_ANCHOR_ENV.bucket];
  if (bucket === undefined || bucket === "") return undefined;
  const keyId = env[AUDIT_ANCHOR_ENV.keyId];
  if (keyId === undefined || keyId === "") throw new ApprovalError(`\`${AUDIT_ANCHOR_ENV.keyId}\`: not set while \`${AUDIT_ANCHOR_ENV.bucket}\` is; give the anchor key's ARN`);
  return { ...anchorClients(), bucket, keyId, prefix: env[AUDIT_ANCHOR_ENV.prefix] || AUDIT_ANCHOR.prefix };
}
