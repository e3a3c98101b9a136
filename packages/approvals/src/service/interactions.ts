/**
 * Slack interactions: reading what an approver's click or modal submission asks for, and the
 * Slack side of answering it (the Edit modal, a private reply when nothing was recorded). Whether
 * the clicking user may decide is the service's policy, asked through `InteractionContext`.
 */
import { decisionButton, editModal, ACTION_APPROVE, ACTION_EDIT, EDIT_BLOCK, EDIT_CALLBACK, EDIT_INPUT } from "../slack/blocks.ts";
import { nestsDeeperThan } from "@airlock/core/hash";
import { containsRedaction } from "../redact.ts";
import type { ApprovalRequestRecord, DecideInput, DecideResult, DecisionKind, DecisionRecord, DecisionVia } from "../types.ts";
import { describeError, type SlackApi } from "./outbox.ts";

/** What the Slack endpoint answers: a status and an optional JSON body (modal errors). */
export interface InteractionResponse {
  readonly status: number;
  readonly body?: Readonly<Record<string, unknown>>;
}

/** What an interaction payload asks for. */
export type Interaction =
  /** Nothing to decide: answer Slack with this (a malformed payload, another app's action, a bad edit). */
  | { readonly kind: "answer"; readonly response: InteractionResponse }
  /** Approve or Reject clicked. */
  | { readonly kind: "decide"; readonly user: string; readonly requestId: string; readonly decision: DecisionKind; readonly channel: string | undefined }
  /** Edit clicked: open the modal. */
  | { readonly kind: "open-edit"; readonly user: string; readonly requestId: string; readonly channel: string | undefined; readonly triggerId: string | undefined }
  /** The Edit modal submitted with arguments that parse as an object free of redactions. */
  | { readonly kind: "edited"; readonly user: string; readonly requestId: string; readonly editedArguments: Record<string, unknown> };

/** The parts of Slack's interaction payloads the service reads. */
interface SlackPayload {
  type?: string;
  user?: { id?: string };
  trigger_id?: string;
  container?: { channel_id?: string; message_ts?: string };
  channel?: { id?: string };
  actions?: { action_id?: string; value?: string }[];
  view?: {
    callback_id?: string;
    private_metadata?: string;
    state?: { values?: Record<string, Record<string, { value?: string | null }>> };
  };
}

const OK: Interaction = { kind: "answer", response: { status: 200 } };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const badRequest = (error: string): Interaction => ({ kind: "answer", response: { status: 400, body: { error } } });

/**
 * What is wrong with the shape of a payload's fields, if anything: a payload Slack signed can still
 * carry fields of the wrong type (a bug, a replayed or hand-made request), which is the sender's
 * error (400), never a crash while reading it (500, which Slack retries).
 */
function shapeProblem(p: Record<string, unknown>): string | undefined {
  if (p.type !== undefined && typeof p.type !== "string") return "`type`: must be a string such as \"block_actions\"";
  if (p.type === "block_actions" && p.actions !== undefined && !Array.isArray(p.actions)) return "`actions`: must be a list of actions";
  if (p.type !== "view_submission") return undefined;
  if (!isObject(p.view)) return "`view`: must be an object";
  if (p.view.callback_id !== EDIT_CALLBACK) return undefined;
  if (typeof p.view.private_metadata !== "string") return "`view.private_metadata`: must be the request id string the modal was opened with";
  const state = p.view.state;
  if (state !== undefined && !isObject(state)) return "`view.state`: must be an object";
  const values = state?.values;
  if (values !== undefined && !isObject(values)) return "`view.state.values`: must be an object of blocks";
  const input = (values?.[EDIT_BLOCK] as Record<string, unknown> | undefined)?.[EDIT_INPUT] as { value?: unknown } | undefined;
  if (input !== undefined && (!isObject(input) || (input.value !== undefined && input.value !== null && typeof input.value !== "string"))) {
    return `\`view.state.values.${EDIT_BLOCK}.${EDIT_INPUT}.value\`: must be the text of the arguments`;
  }
  return undefined;
}

/** How deep edited arguments may nest (deeper JSON is refused in the modal, not walked). */
const MAX_EDIT_DEPTH = 64;

/** Reads an (already authenticated) interaction payload; pure. */
export function parseInteraction(payload: unknown): Interaction {
  if (!isObject(payload)) return badRequest("payload is not a JSON object");
  const p = payload as SlackPayload;
  const user = p.user?.id;
  if (typeof user !== "string") return badRequest(isObject(p.user) && p.user.id !== undefined ? "`user.id`: must be the Slack user id string" : "payload has no user.id");
  const problem = shapeProblem(payload);
  if (problem !== undefined) return badRequest(problem);
  if (p.type === "block_actions") {
    const action = decisionButton(p.actions);
    if (action === undefined || typeof action.value !== "string") return OK;
    const channel = p.container?.channel_id ?? p.channel?.id;
    if (action.action_id === ACTION_EDIT) return { kind: "open-edit", user, requestId: action.value, channel, triggerId: p.trigger_id };
    return { kind: "decide", user, requestId: action.value, decision: action.action_id === ACTION_APPROVE ? "approved" : "rejected", channel };
  }
  if (p.type === "view_submission" && p.view?.callback_id === EDIT_CALLBACK) {
    const requestId = p.view.private_metadata ?? "";
    const text = p.view.state?.values?.[EDIT_BLOCK]?.[EDIT_INPUT]?.value ?? "";
    let edited: unknown;
    try {
      edited = JSON.parse(text);
    } catch (e) {
      return editError(`not valid JSON (${(e as Error).message}); fix it and submit again`);
    }
    if (edited === null || typeof edited !== "object" || Array.isArray(edited)) return editError("must be a JSON object of named arguments");
    if (nestsDeeperThan(edited, MAX_EDIT_DEPTH)) return editError(`nests deeper than ${MAX_EDIT_DEPTH} levels; flatten the arguments and submit again`);
    if (containsRedaction(edited)) return editError("still contains a [REDACTED:…] value; replace it with the real value or reject the request instead");
    return { kind: "edited", user, requestId, editedArguments: edited as Record<string, unknown> };
  }
  return OK;
}

/** What answering an interaction needs of the service. */
export interface InteractionContext {
  readonly slack: SlackApi;
  readonly warn: (message: string) => void;
  decide(input: DecideInput): Promise<DecideResult>;
  getRequest(id: string): Promise<ApprovalRequestRecord | undefined>;
  getDecision(requestId: string): Promise<DecisionRecord | undefined>;
  /** The refusal (audited) when `user` may not decide `req`; undefined when they may. */
  refusal(req: ApprovalRequestRecord, user: string, attempted: DecisionKind, via: DecisionVia): Promise<DecideResult | undefined>;
}

/**
 * The decision path shared by the HTTP endpoint and Socket Mode. Approve and Reject decide; Edit
 * opens a modal whose submission decides `edited`.
 */
export async function handleInteraction(ctx: InteractionContext, payload: unknown, via: Exclude<DecisionVia, "api">): Promise<InteractionResponse> {
  const i = parseInteraction(payload);
  switch (i.kind) {
    case "answer":
      return i.response;
    case "open-edit":
      await openEdit(ctx, i, via);
      return { status: 200 };
    case "decide": {
      const result = await ctx.decide({ requestId: i.requestId, decision: i.decision, actor: i.user, via });
      await tellUser(ctx, result, i.user, i.channel);
      return { status: 200 };
    }
    case "edited": {
      const result = await ctx.decide({ requestId: i.requestId, decision: "edited", actor: i.user, editedArguments: i.editedArguments, via });
      if (result.outcome === "recorded") return { status: 200 };
      if (result.outcome === "already-decided") return editError(`already ${result.decision.decision} by <@${result.decision.decidedBy}>; nothing was changed`).response;
      return editError(result.reason).response;
    }
  }
}

async function openEdit(ctx: InteractionContext, i: Extract<Interaction, { kind: "open-edit" }>, via: Exclude<DecisionVia, "api">): Promise<void> {
  const req = await ctx.getRequest(i.requestId);
  if (req === undefined) return;
  const refused = await ctx.refusal(req, i.user, "edited", via);
  if (refused !== undefined) {
    await tellUser(ctx, refused, i.user, i.channel);
    return;
  }
  const decision = await ctx.getDecision(req.id);
  if (decision !== undefined) {
    await tellUser(ctx, { outcome: "already-decided", decision }, i.user, i.channel);
    return;
  }
  if (i.triggerId === undefined) return;
  try {
    await ctx.slack.views.open({ trigger_id: i.triggerId, view: editModal(req) as never });
  } catch (e) {
    ctx.warn(`airlock approvals: could not open the edit modal for request ${req.id}: ${describeError(e)}`);
  }
}

/** Tells the clicking user, privately, why nothing happened (best effort). */
async function tellUser(ctx: InteractionContext, result: DecideResult, user: string, channel: string | undefined): Promise<void> {
  if (channel === undefined || result.outcome === "recorded") return;
  const text =
    result.outcome === "already-decided"
      ? `Already ${result.decision.decision} by <@${result.decision.decidedBy}> at ${result.decision.decidedAt.toISOString()}; your click changed nothing.`
      : `Not recorded: ${result.reason}.`;
  try {
    await ctx.slack.chat.postEphemeral({ channel, user, text });
  } catch (e) {
    ctx.warn(`airlock approvals: could not tell ${user}: ${describeError(e)}`);
  }
}

function editError(message: string): { readonly kind: "answer"; readonly response: InteractionResponse } {
  return { kind: "answer", response: { status: 200, body: { response_action: "errors", errors: { [EDIT_BLOCK]: message } } } };
}
