/**
 * The Slack messages: the request (Block Kit: action type, redacted arguments, agent, release,
 * trace link, Approve / Reject / Edit), the same message with its outcome once decided, and the
 * Edit modal. Pure functions of the stored rows.
 */
import type { ApprovalRequestRecord, DecisionRecord } from "../types.ts";

export const ACTION_APPROVE = "airlock.approve";
export const ACTION_REJECT = "airlock.reject";
export const ACTION_EDIT = "airlock.edit";
export const EDIT_CALLBACK = "airlock.edit";

/** The Approve, Reject or Edit button among a `block_actions` payload's actions, if it has one. */
export function decisionButton<A extends { readonly action_id?: unknown }>(actions: readonly A[] | undefined): A | undefined {
  return actions?.find((a) => a !== null && typeof a === "object" && (a.action_id === ACTION_APPROVE || a.action_id === ACTION_REJECT || a.action_id === ACTION_EDIT));
}
export const EDIT_BLOCK = "airlock.edit.arguments";
export const EDIT_INPUT = "arguments";

/** Slack's limit for a section's text is 3000 characters; an input's initial value likewise. */
const TEXT_LIMIT = 2900;

export type Block = Record<string, unknown>;

export interface SlackMessage {
  readonly text: string;
  readonly blocks: Block[];
}

function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Pretty JSON of the (already redacted) arguments, cut to fit a section. */
export function argumentsText(args: unknown): string {
  const json = JSON.stringify(args, null, 2);
  if (json.length <= TEXT_LIMIT) return json;
  return `${json.slice(0, TEXT_LIMIT - 40)}\n… (truncated; ${json.length} characters in all)`;
}

/** Whether the arguments fit the Edit modal's input (else Edit is not offered). */
export function editable(args: unknown): boolean {
  return JSON.stringify(args, null, 2).length <= TEXT_LIMIT;
}

function header(req: ApprovalRequestRecord): Block[] {
  const trace = req.traceUrl !== undefined ? `<${req.traceUrl}|trace ${escapeMrkdwn(req.traceId ?? "")}>` : req.traceId !== undefined ? `trace ${escapeMrkdwn(req.traceId)}` : "no trace";
  const tier = req.tier === "always-approve" ? "always-approve (never automatic)" : "approve";
  return [
    { type: "header", text: { type: "plain_text", text: `Approval needed: ${req.actionType}`.slice(0, 150), emoji: false } },
    {
      type: "section",
      fields: [
        { type: "mrkdwn", text: `*Action type*\n\`${escapeMrkdwn(req.actionType)}\`` },
        { type: "mrkdwn", text: `*Tool*\n\`${escapeMrkdwn(req.tool)}\`` },
        { type: "mrkdwn", text: `*Agent*\n${escapeMrkdwn(req.agent)}` },
        { type: "mrkdwn", text: `*Release*\n\`${escapeMrkdwn(req.release)}\`` },
        { type: "mrkdwn", text: `*Tier*\n${tier}${req.riskClass !== undefined ? ` · ${req.riskClass}` : ""}` },
        { type: "mrkdwn", text: `*Trace*\n${trace}` },
      ],
    },
    { type: "section", text: { type: "mrkdwn", text: `*Arguments* (secrets redacted)\n\`\`\`${escapeMrkdwn(argumentsText(req.arguments))}\`\`\`` } },
    { type: "context", elements: [{ type: "mrkdwn", text: `request \`${req.id}\` · asked ${req.createdAt.toISOString()}` }] },
  ];
}

/** The request as first posted, with its buttons. */
export function requestMessage(req: ApprovalRequestRecord): SlackMessage {
  const buttons: Block[] = [
    { type: "button", action_id: ACTION_APPROVE, style: "primary", value: req.id, text: { type: "plain_text", text: "Approve" } },
    {
      type: "button",
      action_id: ACTION_REJECT,
      style: "danger",
      value: req.id,
      text: { type: "plain_text", text: "Reject" },
    },
  ];
  if (editable(req.arguments)) {
    buttons.push({ type: "button", action_id: ACTION_EDIT, value: req.id, text: { type: "plain_text", text: "Edit" } });
  }
  return {
    text: `Approval needed: ${req.actionType} by ${req.agent} (${req.tool})`,
    blocks: [...header(req), { type: "actions", block_id: `airlock:${req.id}`, elements: buttons }],
  };
}

const OUTCOME: Record<DecisionRecord["decision"], string> = {
  approved: "Approved",
  rejected: "Rejected",
  edited: "Approved with edits",
};

/** The request after its decision: the buttons replaced by who decided what, and when. */
export function outcomeMessage(req: ApprovalRequestRecord, decision: DecisionRecord): SlackMessage {
  const blocks = header(req);
  blocks[0] = { type: "header", text: { type: "plain_text", text: `${OUTCOME[decision.decision]}: ${req.actionType}`.slice(0, 150), emoji: false } };
  blocks.push({
    type: "section",
    text: { type: "mrkdwn", text: `*${OUTCOME[decision.decision]}* by <@${decision.decidedBy}> at ${decision.decidedAt.toISOString()}` },
  });
  if (decision.editedArguments !== undefined) {
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: `*Edited arguments*\n\`\`\`${escapeMrkdwn(argumentsText(decision.editedArguments))}\`\`\`` },
    });
  }
  return { text: `${OUTCOME[decision.decision]} by <@${decision.decidedBy}>: ${req.actionType} by ${req.agent}`, blocks };
}

/** The Edit modal: the arguments as JSON, to change and submit (submitting approves the edit). */
export function editModal(req: ApprovalRequestRecord): Block {
  return {
    type: "modal",
    callback_id: EDIT_CALLBACK,
    private_metadata: req.id,
    title: { type: "plain_text", text: "Edit and approve" },
    submit: { type: "plain_text", text: "Approve edit" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `\`${escapeMrkdwn(req.actionType)}\` by ${escapeMrkdwn(req.agent)} · request \`${req.id}\`` } },
      {
        type: "input",
        block_id: EDIT_BLOCK,
        label: { type: "plain_text", text: "Arguments (JSON)" },
        element: { type: "plain_text_input", action_id: EDIT_INPUT, multiline: true, initial_value: JSON.stringify(req.arguments, null, 2) },
      },
    ],
  };
}
