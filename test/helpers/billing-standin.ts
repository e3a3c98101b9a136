/**
 * A loopback stand-in for the billing API the support agent's `issue_refund` calls:
 * `POST /v1/refunds` with a bearer token and a JSON body, answered `201 { refund_id, status }`.
 * A request with another token gets 401; one without an `idempotency-key`, or with a body that
 * is not a refund, 400; the same key again returns the first refund (no second refund is made).
 * Every request and every refund made is recorded.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface BillingRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly idempotencyKey: string | undefined;
  readonly body: unknown;
}

export interface MadeRefund {
  readonly refund_id: string;
  readonly ticket_id: string;
  readonly order_id: string;
  readonly amount_cents: number;
  readonly reason: string;
}

export class BillingStandIn {
  readonly requests: BillingRequest[] = [];
  readonly refunds: MadeRefund[] = [];
  readonly #byKey = new Map<string, MadeRefund>();
  url = "";
  #server: Server | undefined;

  constructor(readonly token: string) {}

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown;
        try {
          body = text === "" ? undefined : JSON.parse(text);
        } catch {
          body = text;
        }
        const key = req.headers["idempotency-key"];
        const idempotencyKey = typeof key === "string" ? key : undefined;
        this.requests.push({ method: req.method ?? "", path: req.url ?? "", authorization: req.headers.authorization, idempotencyKey, body });
        const reply = (status: number, value: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
        if (req.method !== "POST" || req.url !== "/v1/refunds") return reply(404, { error: `the billing stand-in serves POST /v1/refunds only, not ${req.method} ${req.url}` });
        if (req.headers.authorization !== `Bearer ${this.token}`) return reply(401, { error: "invalid token" });
        if (idempotencyKey === undefined || idempotencyKey === "") return reply(400, { error: "an Idempotency-Key header is required" });
        const b = body as Record<string, unknown> | undefined;
        if (typeof b?.order_id !== "string" || !Number.isSafeInteger(b.amount_cents) || (b.amount_cents as number) < 1 || typeof b.ticket_id !== "string" || typeof b.reason !== "string") {
          return reply(400, { error: "a refund needs ticket_id, order_id, amount_cents (whole cents, at least 1) and reason" });
        }
        const seen = this.#byKey.get(idempotencyKey);
        if (seen !== undefined) return reply(200, { refund_id: seen.refund_id, status: "succeeded" });
        const refund: MadeRefund = { refund_id: `re_${this.refunds.length + 1}`, ticket_id: b.ticket_id, order_id: b.order_id, amount_cents: b.amount_cents as number, reason: b.reason };
        this.refunds.push(refund);
        this.#byKey.set(idempotencyKey, refund);
        reply(201, { refund_id: refund.refund_id, status: "succeeded" });
      });
    });
    await new Promise<void>((r) => this.#server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => {
      this.#server?.closeAllConnections();
      this.#server?.close(() => r()) ?? r();
    });
  }
}
