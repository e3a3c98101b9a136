/** Slack interactivity requests as Slack signs them. */
import { signSlackRequest } from "../../src/slack/signature.ts";

export const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
export const APPROVER = "U0APPROVER1";
export const APPROVER_2 = "U0APPROVER2";
export const STRANGER = "U0STRANGER9";
export const CHANNEL = "C0APPROVALS";

export function blockAction(requestId: string, actionId: "airlock.approve" | "airlock.reject" | "airlock.edit", user: string): Record<string, unknown> {
  return {
    type: "block_actions",
    user: { id: user, username: user.toLowerCase() },
    trigger_id: `trigger-${requestId.slice(0, 8)}`,
    container: { type: "message", channel_id: CHANNEL, message_ts: "1700000000.000100" },
    channel: { id: CHANNEL },
    actions: [{ action_id: actionId, block_id: `airlock:${requestId}`, value: requestId, type: "button" }],
  };
}

export function editSubmission(requestId: string, user: string, argumentsText: string): Record<string, unknown> {
  return {
    type: "view_submission",
    user: { id: user },
    view: {
      callback_id: "airlock.edit",
      private_metadata: requestId,
      state: { values: { "airlock.edit.arguments": { arguments: { type: "plain_text_input", value: argumentsText } } } },
    },
  };
}

export interface SignedRequest {
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The form body and headers Slack would send for `payload` at `at` (unix seconds). */
export function signed(payload: unknown, options: { readonly at?: number; readonly secret?: string } = {}): SignedRequest {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const ts = String(options.at ?? Math.floor(Date.now() / 1000));
  return {
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": ts,
      "x-slack-signature": signSlackRequest(options.secret ?? SIGNING_SECRET, ts, body),
    },
    body,
  };
}

/** POSTs a signed request to a running endpoint. */
export async function post(url: string, req: SignedRequest): Promise<{ status: number; body: string }> {
  const r = await fetch(url, { method: "POST", headers: req.headers, body: req.body });
  return { status: r.status, body: await r.text() };
}
