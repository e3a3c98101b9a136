/**
 * The Slack messages: the request (Block Kit: action type, redacted arguments, agent, release,
 * trace link, Approve / Reject / Edit), the same message with its outcome once decided, and the
 * Edit modal. Pure functions of the stored rows. Everything the agent controls (the arguments and
 * their keys, the release, the trace id) is shown as inert text (inert.ts): no link, mention,
 * formatting or invisible character it writes reaches approvers, and no text exceeds Slack's limits.
 */
import type { ApprovalRequestRecord, DecisionRecord } from "../types.ts";
import { SLACK_USER_ID } from "./slack-ids.ts";
import { FIELD_TEXT_LIMIT, HEADER_TEXT_LIMIT, SECTION_TEXT_LIMIT, cutEscaped, escapeControl, inlineCode, plainText, visibleJson } from "./inert.ts";

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

export type Block = Record<string, unknown>;

export interface SlackMessage {
  readonly text: string;
  readonly blocks: Block[];
}

/** A mrkdwn text object; `verbatim` turns off Slack's own linking of URLs, channels and mentions (see inert.ts). */
const mrkdwn = (text: string): Block => ({ type: "mrkdwn", text, verbatim: true });

/** A trace id that can sit in a link as it is (anything else is shown as inert text, unlinked). */
const SAFE_TRACE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const SAFE_URL = /^https?:\/\/[^\s<>|`\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]+$/;

/** The arguments as approvers read them: JSON with invisible characters shown (visibleJson). */
export function argumentsText(args: unknown): string {
  return visibleJson(args);
}

/** A section with a title and the arguments as one code block, within Slack's 3000 characters. */
function argumentsSection(title: string, args: unknown): Block {
  const json = argumentsText(args);
  const head = `${title}\n\`\`\``;
  const tail = `\n… (truncated; ${json.length} characters in all)`;
  // The closing fence always stays: cut the escaped JSON, then close the block.
  const body = cutEscaped(escapeControl(json), SECTION_TEXT_LIMIT - head.length - 3 - tail.length, "");
  const cut = body.length < escapeControl(json).length;
  return { type: "section", text: mrkdwn(`${head}${body}\`\`\`${cut ? tail : ""}`) };
}

/** Whether the arguments fit the Edit modal's input (else Edit is not offered). */
export function editable(args: unknown): boolean {
  return argumentsText(args).length <= SECTION_TEXT_LIMIT - 100;
}

/** A section field: a label and inert agent text, within Slack's 2000 characters per field. */
const field = (label: string, value: string): Block => mrkdwn(cutEscaped(`*${label}*\n${value}`, FIELD_TEXT_LIMIT, "…"));

function traceText(req: ApprovalRequestRecord): string {
  if (req.traceId === undefined) return "no trace";
  if (req.traceUrl !== undefined && SAFE_TRACE_ID.test(req.traceId) && SAFE_URL.test(req.traceUrl) && req.traceUrl.length <= 1000) {
    return `<${escapeControl(req.traceUrl)}|trace ${req.traceId}>`;
  }
  return `trace ${inlineCode(req.traceId)}`;
}

function header(req: ApprovalRequestRecord): Block[] {
  const tier = req.tier === "always-approve" ? "always-approve (never automatic)" : "approve";
  return [
    { type: "header", text: { type: "plain_text", text: plainText(`Approval needed: ${req.actionType}`, HEADER_TEXT_LIMIT), emoji: false } },
    {
      type: "section",
      fields: [
        field("Action type", inlineCode(req.actionType)),
        field("Tool", inlineCode(req.tool)),
        // The agent's name is the manifest's (kebab-case, checked when compiled), not the agent's own text.
        field("Agent", escapeControl(plainText(req.agent, 200))),
        field("Release", inlineCode(req.release)),
        field("Tier", `${tier}${req.riskClass !== undefined ? ` · ${inlineCode(req.riskClass)}` : ""}`),
        field("Trace", traceText(req)),
      ],
    },
    argumentsSection("*Arguments* (secrets redacted)", req.arguments),
    { type: "context", elements: [mrkdwn(`request ${inlineCode(req.id)} · asked ${req.createdAt.toISOString()}`)] },
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
    text: escapeControl(plainText(`Approval needed: ${req.actionType} by ${req.agent} (${req.tool})`, 1000)),
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
  blocks[0] = { type: "header", text: { type: "plain_text", text: plainText(`${OUTCOME[decision.decision]}: ${req.actionType}`, HEADER_TEXT_LIMIT), emoji: false } };
  // The approver's id comes from Slack's signed payload; anything else is shown, not mentioned.
  const who = SLACK_USER_ID.test(decision.decidedBy) ? `<@${decision.decidedBy}>` : inlineCode(decision.decidedBy);
  blocks.push({ type: "section", text: mrkdwn(`*${OUTCOME[decision.decision]}* by ${who} at ${decision.decidedAt.toISOString()}`) });
  if (decision.editedArguments !== undefined) blocks.push(argumentsSection("*Edited arguments*", decision.editedArguments));
  return { text: escapeControl(plainText(`${OUTCOME[decision.decision]} by ${decision.decidedBy}: ${req.actionType} by ${req.agent}`, 1000)).replace(escapeControl(decision.decidedBy), who), blocks };
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
      { type: "section", text: mrkdwn(`${inlineCode(req.actionType)} by ${inlineCode(req.agent)} · request ${inlineCode(req.id)}`) },
      {
        type: "input",
        block_id: EDIT_BLOCK,
        label: { type: "plain_text", text: "Arguments (JSON)" },
        element: { type: "plain_text_input", action_id: EDIT_INPUT, multiline: true, initial_value: argumentsText(req.arguments) },
      },
    ],
  };
}
