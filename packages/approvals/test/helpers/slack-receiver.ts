/**
 * A local Slack Web API on 127.0.0.1: records every call the service makes and answers like
 * Slack (`{ ok: true, channel, ts }`), or fails on demand to play an outage.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { LogLevel, WebClient } from "@slack/web-api";

export interface SlackCall {
  readonly method: string;
  readonly token: string | undefined;
  readonly args: Record<string, unknown>;
}

export class SlackReceiver {
  readonly calls: SlackCall[] = [];
  /** When set, every call answers this HTTP status (an outage). */
  failWith: number | undefined;
  /** When set, calls answer `{ ok: false, error }` (a Slack API error). */
  apiError: string | undefined;
  /** Fixed answers by method (e.g. `apps.connections.open` → the Socket Mode URL). */
  readonly responses: Record<string, Record<string, unknown>> = {};
  #server: Server | undefined;
  #ts = 1_700_000_000;

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
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
        res.writeHead(200, { "content-type": "application/json" });
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
        const ts = method === "chat.update" ? args.ts : `${this.#ts++}.000100`;
        res.end(JSON.stringify({ ok: true, channel, ts }));
      });
    });
    await new Promise<void>((r) => this.#server!.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/api/`;
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
