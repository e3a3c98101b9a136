/**
 * The Slack interactivity endpoint. `handleSlackHttpRequest` is transport-free (headers and raw
 * body in, status and body out); `createInteractivityHandler` wraps it for `node:http` (a server
 * or a container), `createLambdaHandler` for a Lambda function URL. Each takes an
 * `InteractionHandler`: one agent's `ApprovalService`, or an `ApprovalRouter` for several agents
 * behind one Slack app.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { verifySlackSignature } from "./signature.ts";
import type { InteractionResponse } from "../service/index.ts";
import type { DecisionVia } from "../types.ts";

/** What the endpoint dispatches an authenticated payload to (`ApprovalService` and `ApprovalRouter` are ones). */
export interface InteractionHandler {
  handleInteraction(payload: unknown, via: Exclude<DecisionVia, "api">): Promise<InteractionResponse>;
}

export interface InteractivityOptions {
  /** The Slack app's signing secret. */
  readonly signingSecret: string;
  /** @default - the system clock */
  readonly now?: () => Date;
  /**
   * Largest body accepted.
   * @default 1048576 (1 MiB)
   */
  readonly maxBodyBytes?: number;
  /**
   * Where unexpected errors are reported (the caller gets a 500 and Slack lets the user retry).
   * @default - `console.error`
   */
  readonly onError?: (error: unknown) => void;
}

export interface RawRequest {
  readonly method?: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: string;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

function header(headers: RawRequest["headers"], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === wanted) return Array.isArray(v) ? v[0] : (v as string | undefined);
  }
  return undefined;
}

const text = (status: number, body: string): RawResponse => ({ status, headers: { "content-type": "text/plain; charset=utf-8" }, body });

/** Verifies, parses and dispatches one Slack interactivity request. */
export async function handleSlackHttpRequest(service: InteractionHandler, options: InteractivityOptions, req: RawRequest): Promise<RawResponse> {
  if (req.method !== undefined && req.method !== "POST") return text(405, "POST only");
  const check = verifySlackSignature({
    signingSecret: options.signingSecret,
    timestamp: header(req.headers, "x-slack-request-timestamp"),
    signature: header(req.headers, "x-slack-signature"),
    body: req.body,
    ...(options.now === undefined ? {} : { now: options.now() }),
  });
  if (!check.ok) return text(401, `unauthorised: ${check.reason}`);
  const form = new URLSearchParams(req.body);
  if (form.get("ssl_check") === "1") return text(200, "");
  const raw = form.get("payload");
  if (raw === null) return text(400, "no `payload` form field; this endpoint takes Slack interactivity requests");
  let payload: unknown;
  try {
    payload = JSON.parse(raw);
  } catch {
    return text(400, "`payload` is not JSON");
  }
  try {
    const out = await service.handleInteraction(payload, "http");
    if (out.body === undefined) return text(out.status, "");
    return { status: out.status, headers: { "content-type": "application/json" }, body: JSON.stringify(out.body) };
  } catch (e) {
    (options.onError ?? ((err) => console.error("airlock approvals: interaction failed:", err)))(e);
    return text(500, "the decision could not be recorded; try again");
  }
}

/** A `node:http` request listener for the interactivity endpoint. */
export function createInteractivityHandler(service: InteractionHandler, options: InteractivityOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const limit = options.maxBodyBytes ?? 1024 * 1024;
  return (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        tooLarge = true;
        return;
      }
      chunks.push(c);
    });
    req.on("error", () => {
      res.destroy();
    });
    req.on("end", () => {
      const send = (r: RawResponse) => {
        res.writeHead(r.status, r.headers);
        res.end(r.body);
      };
      if (tooLarge) {
        send(text(413, `body larger than ${limit} bytes`));
        return;
      }
      handleSlackHttpRequest(service, options, { method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") }).then(send, (e: unknown) => {
        (options.onError ?? console.error)(e);
        send(text(500, "internal error"));
      });
    });
  };
}

/** The parts of a Lambda function URL event the handler reads. */
export interface FunctionUrlEvent {
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly requestContext?: { readonly http?: { readonly method?: string } };
}

/** A Lambda (function URL) handler for the interactivity endpoint. */
export function createLambdaHandler(
  service: InteractionHandler,
  options: InteractivityOptions,
): (event: FunctionUrlEvent) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }> {
  return async (event) => {
    if (event.body !== undefined && typeof event.body !== "string") return { statusCode: 400, headers: { "content-type": "text/plain; charset=utf-8" }, body: "`body`: must be the request body as a string" };
    const body = event.body === undefined ? "" : event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
    const method = event.requestContext?.http?.method;
    const r = await handleSlackHttpRequest(service, options, { ...(method === undefined ? {} : { method }), headers: event.headers ?? {}, body });
    return { statusCode: r.status, headers: { ...r.headers }, body: r.body };
  };
}
