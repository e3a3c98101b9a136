/**
 * The approver in Slack. They read the request the gateway posted to the channel (through the
 * Slack stand-in) and press one of its buttons: the click reaches the gateway's function URL as
 * Slack sends it, a form-encoded `block_actions` payload signed with the app's signing secret,
 * built from the button in the posted message (its `action_id`, `value` and `block_id`). Edit
 * presses the Edit button, which makes the gateway open the modal (`views.open`), then submits
 * the modal with the changed JSON, as Slack posts a `view_submission`.
 */
import { ACTION_APPROVE, ACTION_EDIT, ACTION_REJECT, EDIT_BLOCK, EDIT_CALLBACK, EDIT_INPUT } from "@airlock/approvals";
import { signed } from "../../../packages/approvals/test/helpers/slack-requests.ts";
import type { LambdaStandIn } from "../../../packages/runtime/test/helpers/lambda-standin.ts";

/** What the person saw in the channel. */
export interface PostedRequest {
  readonly requestId: string;
  readonly channel: string;
  readonly ts: string;
  /** The message's fallback text and its blocks, as posted. */
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
  /** The buttons offered, by action id (`airlock.approve`, `airlock.reject`, `airlock.edit`). */
  readonly buttons: Readonly<Record<string, Record<string, unknown>>>;
}

export type Click = "approve" | "reject";

const ACTIONS: Record<Click | "edit", string> = { approve: ACTION_APPROVE, reject: ACTION_REJECT, edit: ACTION_EDIT };

/** A function URL request (payload format 2.0) carrying a signed Slack interactivity request. */
function functionUrlEvent(payload: unknown) {
  const req = signed(payload);
  return { version: "2.0", rawPath: "/", headers: req.headers, body: req.body, isBase64Encoded: false, requestContext: { http: { method: "POST", path: "/" } } };
}

export class SlackPerson {
  constructor(
    readonly gateway: LambdaStandIn,
    /** The approver's Slack user id (one of the route's approvers). */
    readonly userId: string,
  ) {}

  /** The request message posted for `requestId`, as the channel shows it; throws when there is none. */
  posted(requestId: string): PostedRequest {
    for (const call of this.gateway.slack.callsTo("chat.postMessage")) {
      const blocks = (Array.isArray(call.args.blocks) ? call.args.blocks : []) as Record<string, unknown>[];
      const actions = blocks.find((b) => b.type === "actions" && b.block_id === `airlock:${requestId}`);
      if (actions === undefined) continue;
      const elements = (actions.elements ?? []) as Record<string, unknown>[];
      const ts = this.gateway.slack.messages.find((m) => m.channel === call.args.channel && JSON.stringify(m.text) === JSON.stringify(call.args.text))?.ts ?? "";
      return {
        requestId,
        channel: String(call.args.channel),
        ts,
        text: String(call.args.text),
        blocks,
        buttons: Object.fromEntries(elements.map((e) => [String(e.action_id), e])),
      };
    }
    throw new Error(`no Slack message offers a decision on request ${requestId}; the channel holds ${this.gateway.slack.callsTo("chat.postMessage").length} posts`);
  }

  /** Presses a button of the posted request; returns the gateway's HTTP answer to Slack. */
  async press(message: PostedRequest, which: Click | "edit"): Promise<{ statusCode: number; body: string }> {
    const button = message.buttons[ACTIONS[which]];
    if (button === undefined) throw new Error(`the message for request ${message.requestId} has no ${which} button (it offers ${Object.keys(message.buttons).join(", ")})`);
    const payload = {
      type: "block_actions",
      user: { id: this.userId, username: this.userId.toLowerCase() },
      trigger_id: `trigger-${message.requestId.slice(0, 8)}-${which}`,
      container: { type: "message", channel_id: message.channel, message_ts: message.ts },
      channel: { id: message.channel },
      actions: [{ action_id: button.action_id, block_id: `airlock:${message.requestId}`, value: button.value, type: "button" }],
    };
    return (await this.gateway.handler(functionUrlEvent(payload))) as { statusCode: number; body: string };
  }

  /**
   * Presses Edit, reads the modal the gateway opened (its JSON input holds the agent's
   * arguments), changes them with `change` and submits the modal.
   */
  async edit(message: PostedRequest, change: (args: Record<string, unknown>) => Record<string, unknown>): Promise<{ opened: Record<string, unknown>; submitted: Record<string, unknown>; statusCode: number }> {
    const before = this.gateway.slack.callsTo("views.open").length;
    const pressed = await this.press(message, "edit");
    const open = this.gateway.slack.callsTo("views.open").slice(before)[0];
    if (open === undefined) throw new Error(`pressing Edit on request ${message.requestId} opened no modal (the gateway answered ${pressed.statusCode} ${pressed.body})`);
    const view = open.args.view as { private_metadata?: string; blocks?: { block_id?: string; element?: { initial_value?: string } }[] };
    const input = view.blocks?.find((b) => b.block_id === EDIT_BLOCK)?.element?.initial_value ?? "{}";
    const opened = JSON.parse(input) as Record<string, unknown>;
    const submitted = change(structuredClone(opened));
    const payload = {
      type: "view_submission",
      user: { id: this.userId },
      view: {
        callback_id: EDIT_CALLBACK,
        private_metadata: view.private_metadata,
        state: { values: { [EDIT_BLOCK]: { [EDIT_INPUT]: { type: "plain_text_input", value: JSON.stringify(submitted, null, 2) } } } },
      },
    };
    const answer = (await this.gateway.handler(functionUrlEvent(payload))) as { statusCode: number };
    return { opened, submitted, statusCode: answer.statusCode };
  }
}
