/**
 * A local Slack Web API on 127.0.0.1: records every call the service makes and answers like
 * Slack (`{ ok: true, channel, ts }`), or fails on demand to play an outage. Messages it accepted
 * through `chat.postMessage` are served back by `conversations.history` (newest first, paged
 * with a cursor, metadata only when `include_all_metadata` is set), as Slack does.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { LogLevel, WebClient } from "@slack/web-api";

export interface SlackCall {
  readonly method: string;
  readonly token: string | undefined;
  readonly args: Record<string, unknown>;
}

/** A message the receiver accepted, as `conversations.history` returns it. */
export interface SlackMessage {
  readonly channel: string;
  readonly ts: string;
  readonly text: unknown;
  readonly metadata: unknown;
  /** The bot that posted it (this receiver's own bot unless a test adds another app's message). */
  readonly botId?: string;
}

/** The bot id `auth.test` reports, stamped on every message `chat.postMessage` accepts. */
export const RECEIVER_BOT_ID = "B0AIRLOCKBOT";

/** A Slack ts ("1772442000.000001") as a number of microseconds, for ordering. */
function tsMicros(ts: string): bigint {
  const [sec = "0", frac = ""] = ts.split(".");
  return BigInt(sec) * 1_000_000n + BigInt(frac.padEnd(6, "0").slice(0, 6));
}

export class SlackReceiver {
  readonly calls: SlackCall[] = [];
  /** When set, every call answers this HTTP status (an outage). */
  failWith: number | undefined;
  /**
   * When set, `chat.postMessage` accepts the message (it is in the channel, and in the history)
   * and then answers this HTTP status: Slack posted it but the caller hears a failure.
   */
  acceptThenFail: number | undefined;
  /** When set, `chat.postMessage` accepts the message and answers only after this many ms (later than a client's timeout). */
  acceptThenDelayMs: number | undefined;
  /** When set, `chat.postMessage` waits for this promise before accepting (a post still in flight). */
  holdPosts: Promise<void> | undefined;
  /** When set, calls answer `{ ok: false, error }` (a Slack API error). */
  apiError: string | undefined;
  /** Fixed answers by method (e.g. `apps.connections.open` → the Socket Mode URL). */
  readonly responses: Record<string, Record<string, unknown>> = {};
  /** Messages accepted by `chat.postMessage`, oldest first. */
  readonly messages: SlackMessage[] = [];
  /**
   * Clock of new message ts (Slack stamps a message with its own time).
   * @default - a counter from 1700000000 (November 2023)
   */
  clock: (() => Date) | undefined;
  /**
   * Largest `conversations.history` page, below the caller's `limit` (to test paging).
   * @default - the caller's `limit`
   */
  historyPageSize: number | undefined;
  #server: Server | undefined;
  #ts = 1_700_000_000;
  #seq = 0;

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", async () => {
        const method = (req.url ?? "").replace(/^\/api\//, "").replace(/\?.*$/, "");
        const raw = Buffer.concat(chunks).toString("utf8");
        const args: Record<string, unknown> = {};
        for (const [k, v] of new URLSearchParams(raw)) {
          try {
            args[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
          } catch {
            args[k] = v;
          }
        }
        this.calls.push({ method, token: req.headers.authorization?.replace(/^Bearer /, ""), args });
        if (this.failWith !== undefined) {
          res.writeHead(this.failWith, { "content-type": "text/plain" });
          res.end("upstream unavailable");
          return;
        }
        // Not yet sent: an accept-then-fail post still answers another status.
        res.statusCode = 200;
        res.setHeader("content-type", "application/json");
        if (this.apiError !== undefined) {
          res.end(JSON.stringify({ ok: false, error: this.apiError }));
          return;
        }
        const fixed = this.responses[method];
        if (fixed !== undefined) {
          res.end(JSON.stringify(fixed));
          return;
        }
        const channel = typeof args.channel === "string" ? args.channel : undefined;
        if (method === "conversations.history") {
          res.end(JSON.stringify(this.#history(args)));
          return;
        }
        if (method === "auth.test") {
          res.end(JSON.stringify({ ok: true, user_id: "U0AIRLOCKBOT", bot_id: RECEIVER_BOT_ID, team_id: "T0AIRLOCK" }));
          return;
        }
        const ts = method === "chat.update" ? args.ts : this.#nextTs();
        if (method === "chat.postMessage" && this.holdPosts !== undefined) await this.holdPosts;
        if (method === "chat.postMessage" && channel !== undefined && typeof ts === "string") {
          this.messages.push({ channel, ts, text: args.text, metadata: args.metadata, botId: RECEIVER_BOT_ID });
          if (this.acceptThenFail !== undefined) {
            res.writeHead(this.acceptThenFail, { "content-type": "text/plain" });
            res.end("upstream timed out after posting");
            return;
          }
          if (this.acceptThenDelayMs !== undefined) await new Promise((r) => setTimeout(r, this.acceptThenDelayMs));
        }
        if (!res.writableEnded && !res.destroyed) res.end(JSON.stringify({ ok: true, channel, ts }));
      });
    });
    await new Promise<void>((r) => this.#server!.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/api/`;
  }

  #nextTs(): string {
    if (this.clock === undefined) return `${this.#ts++}.000100`;
    this.#seq++;
    return `${Math.floor(this.clock().getTime() / 1000)}.${String(this.#seq).padStart(6, "0")}`;
  }

  /** Slack's answer to conversations.history: the channel's messages after `oldest`, newest first. */
  #history(args: Record<string, unknown>): Record<string, unknown> {
    const oldest = typeof args.oldest === "string" ? tsMicros(args.oldest) : 0n;
    const all = this.messages
      .filter((m) => m.channel === args.channel && tsMicros(m.ts) > oldest)
      .sort((a, b) => (tsMicros(b.ts) > tsMicros(a.ts) ? 1 : -1));
    const start = typeof args.cursor === "string" ? Number(Buffer.from(args.cursor, "base64").toString("utf8").replace(/^next_ts_offset:/, "")) : 0;
    const size = Math.min(Number(args.limit ?? 100), this.historyPageSize ?? Infinity);
    const page = all.slice(start, start + size);
    const more = start + size < all.length;
    const withMetadata = args.include_all_metadata === "true" || args.include_all_metadata === true;
    return {
      ok: true,
      messages: page.map((m) => ({ type: "message", ts: m.ts, text: m.text, ...(m.botId ? { bot_id: m.botId } : {}), ...(withMetadata && m.metadata !== undefined ? { metadata: m.metadata } : {}) })),
      has_more: more,
      response_metadata: { next_cursor: more ? Buffer.from(`next_ts_offset:${start + size}`).toString("base64") : "" },
    };
  }

  /** A WebClient pointed here, without retries (a failure shows at once). */
  client(url: string): WebClient {
    return new WebClient("xoxb-test-token-000000000000", { slackApiUrl: url, retryConfig: { retries: 0 }, timeout: 5_000, logLevel: LogLevel.ERROR });
  }

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.#server?.close(() => r()) ?? r());
  }
}
