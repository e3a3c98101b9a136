/**
 * `issue_refund`: one refund through the billing API (`POST <billing>/v1/refunds`, JSON, the
 * `billing-api-token` secret as a bearer token), only ever with the arguments a person approved.
 * The request carries an `Idempotency-Key` derived from those arguments, so a retried request
 * cannot refund twice; a refusal by the API is the tool's error, which the model is told.
 */
import { createHash } from "node:crypto";

export interface BillingSettings {
  /** The API's base URL, e.g. https://api.billing.acme.example.com. */
  readonly baseUrl: string;
  readonly token: string;
  /** @default - the global fetch */
  readonly fetch?: typeof fetch;
}

export interface Refund {
  readonly refund_id: string;
  readonly status: string;
  readonly order_id: string;
  readonly amount_cents: number;
}

/** The idempotency key of a refund: the same for the same ticket, order, amount and reason. */
export function refundKey(args: Readonly<Record<string, unknown>>): string {
  const fields = [args.ticket_id, args.order_id, args.amount_cents, args.reason].map((v) => JSON.stringify(v ?? null));
  return createHash("sha256").update(fields.join("\u0000")).digest("hex").slice(0, 32);
}

export function refundTool(settings: BillingSettings) {
  const doFetch = settings.fetch ?? fetch;
  return async function issue_refund(args: Readonly<Record<string, unknown>>): Promise<Refund> {
    const res = await doFetch(`${settings.baseUrl}/v1/refunds`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${settings.token}`,
        "content-type": "application/json",
        accept: "application/json",
        "idempotency-key": refundKey(args),
      },
      body: JSON.stringify({ ticket_id: args.ticket_id, order_id: args.order_id, amount_cents: args.amount_cents, reason: args.reason }),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`the billing API refused the refund (HTTP ${res.status}): ${text.slice(0, 300)}`);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new Error(`the billing API answered HTTP ${res.status} with a body that is not JSON`);
    }
    if (typeof body.refund_id !== "string") throw new Error("the billing API's answer has no refund_id");
    return { refund_id: body.refund_id, status: String(body.status ?? "unknown"), order_id: String(args.order_id), amount_cents: Number(args.amount_cents) };
  };
}
