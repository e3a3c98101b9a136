/**
 * A loopback stand-in for the Anthropic Messages API, driven through the REAL clients: the
 * `@anthropic-ai/sdk` client (`baseURL` = the stand-in) and the Claude Code binary the Agent SDK
 * spawns (`ANTHROPIC_BASE_URL`). It answers `POST /v1/messages` with scripted assistant turns in
 * the Messages API's shapes (`id`, `type: "message"`, `content` blocks, `stop_reason`, `usage`),
 * as JSON or, when the request says `stream: true`, as the API's server-sent events
 * (`message_start`, `content_block_*` with `text_delta` / `input_json_delta`, `message_delta`,
 * `message_stop`). `POST /v1/messages/count_tokens` answers a count; anything else is a 404 in
 * the API's error shape. Every request is recorded (method, path, headers, parsed body).
 *
 * Scripting: `turns` are answered in order to the requests `scripted` picks (by default every
 * messages request); a request past the script, or one `scripted` does not pick, gets `fallback`
 * (a short `end_turn` text); `failNext` makes the next messages request an API error (as the API
 * answers an overload or a bad request). A turn may be a function of the request (to answer from what the
 * agent sent, e.g. the tool results). Reusable by the end-to-end test: `start()` gives the base
 * URL, `messages()` the recorded messages requests, `toolResults()` what the agent told the model.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A content block of an assistant turn, as the Messages API returns it. */
export type StandInBlock =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "tool_use"; readonly id: string; readonly name: string; readonly input: Record<string, unknown> };

/** One scripted assistant turn. */
export interface StandInTurn {
  readonly content: readonly StandInBlock[];
  /** @default - "tool_use" when the turn has a tool_use block, else "end_turn" */
  readonly stop_reason?: "end_turn" | "tool_use" | "max_tokens" | "stop_sequence" | "pause_turn" | "refusal";
  /** @default { input_tokens: 100, output_tokens: 20 } */
  readonly usage?: { readonly input_tokens: number; readonly output_tokens: number; readonly cache_read_input_tokens?: number; readonly cache_creation_input_tokens?: number };
  /** @default - the request's model */
  readonly model?: string;
}

/** A request the stand-in received. */
export interface StandInRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: Record<string, unknown>;
}

export type ScriptedTurn = StandInTurn | ((request: StandInRequest) => StandInTurn);

export interface StandInOptions {
  /** Which messages requests consume the script. @default - every one */
  readonly scripted?: (request: StandInRequest) => boolean;
  /** What the others (and requests past the script) get. @default - a short end_turn text */
  readonly fallback?: (request: StandInRequest) => StandInTurn;
  /** The API key the requests must carry (`x-api-key`, or `authorization: Bearer`). @default - any non-empty key */
  readonly apiKey?: string;
}

/** A tool-use block with a fresh id. */
export function toolUse(name: string, input: Record<string, unknown>, id = `toolu_${Math.random().toString(36).slice(2, 14)}`): StandInBlock {
  return { type: "tool_use", id, name, input };
}

const text = (t: string): StandInBlock => ({ type: "text", text: t });

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });

export class AnthropicStandIn {
  readonly requests: StandInRequest[] = [];
  url = "";
  #turns: ScriptedTurn[] = [];
  #served = 0;
  #fail: { status: number; type: string; message: string } | undefined;
  #server: Server | undefined;
  readonly #options: StandInOptions;

  constructor(turns: readonly ScriptedTurn[] = [], options: StandInOptions = {}) {
    this.#turns = [...turns];
    this.#options = options;
  }

  /** Replaces the script (and forgets the requests). */
  script(turns: readonly ScriptedTurn[]): this {
    this.#turns = [...turns];
    this.#served = 0;
    this.requests.length = 0;
    return this;
  }

  /** The next messages request is answered with this API error (e.g. 529 overloaded_error). */
  failNext(status: number, type: string, message: string): this {
    this.#fail = { status, type, message };
    return this;
  }

  /** Scripted turns not yet served. */
  get remaining(): number {
    return this.#turns.length - this.#served;
  }

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      void this.#serve(req, res).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ type: "error", error: { type: "api_error", message: (e as Error).message } }));
      });
    });
    await new Promise<void>((r) => this.#server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((r) => this.#server?.close(() => r()) ?? r());
  }

  /** The messages requests (`POST /v1/messages`). */
  messages(): StandInRequest[] {
    return this.requests.filter((r) => r.path === "/v1/messages");
  }

  /** The scripted requests (those `scripted` picks). */
  scriptedRequests(): StandInRequest[] {
    const pick = this.#options.scripted ?? (() => true);
    return this.messages().filter(pick);
  }

  /** Every tool_result block the agent sent, in order (from the last scripted request, which carries the whole conversation). */
  toolResults(): { tool_use_id: string; is_error?: boolean; content: unknown }[] {
    const last = this.scriptedRequests().at(-1);
    const messages = (last?.body.messages ?? []) as { role: string; content: unknown }[];
    return messages.flatMap((m) => (Array.isArray(m.content) ? (m.content as { type: string }[]).filter((b) => b.type === "tool_result") : [])) as never;
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    let body: Record<string, unknown> = {};
    try {
      body = raw === "" ? {} : (JSON.parse(raw) as Record<string, unknown>);
    } catch {
      return this.#error(res, 400, "invalid_request_error", "the body is not JSON");
    }
    const request: StandInRequest = { method: req.method ?? "", path, headers: req.headers, body };
    this.requests.push(request);
    const key = req.headers["x-api-key"] ?? /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (typeof key !== "string" || key === "" || (this.#options.apiKey !== undefined && key !== this.#options.apiKey)) {
      return this.#error(res, 401, "authentication_error", "invalid x-api-key");
    }
    if (req.method === "POST" && path === "/v1/messages/count_tokens") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ input_tokens: 100 }));
      return;
    }
    if (req.method !== "POST" || path !== "/v1/messages") return this.#error(res, 404, "not_found_error", `no route ${req.method} ${path}`);
    if (typeof body.model !== "string" || !Array.isArray(body.messages)) return this.#error(res, 400, "invalid_request_error", "`model` and `messages` are required");
    const fail = this.#fail;
    if (fail !== undefined) {
      this.#fail = undefined;
      return this.#error(res, fail.status, fail.type, fail.message);
    }
    const pick = this.#options.scripted ?? (() => true);
    let turn: StandInTurn;
    if (pick(request) && this.#served < this.#turns.length) {
      const t = this.#turns[this.#served++]!;
      turn = typeof t === "function" ? t(request) : t;
    } else {
      turn = this.#options.fallback?.(request) ?? { content: [text("Done.")] };
    }
    const message = {
      id: `msg_standin_${this.requests.length}`,
      type: "message",
      role: "assistant",
      model: turn.model ?? body.model,
      content: turn.content,
      stop_reason: turn.stop_reason ?? (turn.content.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn"),
      stop_sequence: null,
      usage: { input_tokens: 100, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, ...turn.usage },
    };
    if (body.stream === true) return this.#stream(res, message);
    res.writeHead(200, { "content-type": "application/json", "request-id": message.id }).end(JSON.stringify(message));
  }

  #stream(res: ServerResponse, message: { content: readonly StandInBlock[]; stop_reason: string; usage: { output_tokens: number } & Record<string, unknown> } & Record<string, unknown>): void {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "request-id": String(message.id) });
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send("message_start", { type: "message_start", message: { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } } });
    message.content.forEach((block, index) => {
      if (block.type === "text") {
        send("content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } });
        send("content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text: block.text } });
      } else {
        send("content_block_start", { type: "content_block_start", index, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } });
        send("content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) } });
      }
      send("content_block_stop", { type: "content_block_stop", index });
    });
    send("message_delta", { type: "message_delta", delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: { output_tokens: message.usage.output_tokens } });
    send("message_stop", { type: "message_stop" });
    res.end();
  }

  #error(res: ServerResponse, status: number, type: string, message: string): void {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ type: "error", error: { type, message } }));
  }
}
