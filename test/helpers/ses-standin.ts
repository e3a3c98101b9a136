/**
 * A loopback stand-in for Amazon SES API v2's `SendEmail` (`@aws-sdk/client-sesv2`:
 * `POST /v2/email/outbound-emails`, REST JSON, SigV4-signed for `ses`). It accepts simple
 * messages (subject and text or HTML body) and raw ones, answers a `MessageId` as SES does, and
 * keeps each accepted email: who it is from and to, the subject, the text, the configuration set.
 * A request without a sender, a recipient or content is refused with SES's `BadRequestException`.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface SentEmail {
  readonly messageId: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly subject: string;
  /** The text body (or the HTML body, or the raw message's data, decoded). */
  readonly text: string;
  readonly configurationSet?: string;
  readonly at: number;
}

const body = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });

const SIGNED = /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[a-z0-9-]+\/ses\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/;

export class SesStandIn {
  readonly sent: SentEmail[] = [];
  /** Requests it refused, with the reason. */
  readonly refused: { readonly reason: string; readonly input: unknown }[] = [];
  url = "";
  #server: Server | undefined;

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      void (async () => {
        const text = await body(req);
        const reply = (status: number, value: unknown, type?: string) =>
          res.writeHead(status, { "content-type": "application/json", ...(type === undefined ? {} : { "x-amzn-errortype": type }) }).end(JSON.stringify(value));
        if (!SIGNED.test(req.headers.authorization ?? "")) return reply(403, { message: "Missing Authentication Token" }, "MissingAuthenticationTokenException");
        if (req.method !== "POST" || (req.url ?? "").split("?")[0] !== "/v2/email/outbound-emails") {
          return reply(404, { message: `the SES stand-in serves SendEmail only, not ${req.method} ${req.url}` }, "NotFoundException");
        }
        const input = JSON.parse(text === "" ? "{}" : text) as Record<string, any>;
        const to: string[] = input.Destination?.ToAddresses ?? [];
        const simple = input.Content?.Simple;
        const raw = input.Content?.Raw?.Data as string | undefined;
        const content = simple?.Body?.Text?.Data ?? simple?.Body?.Html?.Data ?? (raw === undefined ? undefined : Buffer.from(raw, "base64").toString("utf8"));
        const problem =
          typeof input.FromEmailAddress !== "string" && raw === undefined
            ? "FromEmailAddress is required"
            : to.length === 0 && raw === undefined
              ? "Destination.ToAddresses lists no recipient"
              : typeof content !== "string"
                ? "Content has no Simple body and no Raw data"
                : undefined;
        if (problem !== undefined) {
          this.refused.push({ reason: problem, input });
          return reply(400, { message: problem }, "BadRequestException");
        }
        const email: SentEmail = {
          messageId: `0100018c-${randomUUID()}-000000`,
          from: String(input.FromEmailAddress ?? ""),
          to,
          cc: input.Destination?.CcAddresses ?? [],
          subject: String(simple?.Subject?.Data ?? ""),
          text: content!,
          ...(typeof input.ConfigurationSetName === "string" ? { configurationSet: input.ConfigurationSetName } : {}),
          at: Date.now(),
        };
        this.sent.push(email);
        reply(200, { MessageId: email.messageId });
      })();
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
