import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

/** One event of a PostHog `/batch/` request, as posthog-node sends it. */
export interface ReceivedEvent {
  readonly event: string;
  readonly distinct_id?: string;
  readonly timestamp?: string;
  readonly uuid?: string;
  readonly properties: Record<string, unknown>;
}

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly contentEncoding: string | undefined;
  readonly body: { api_key?: string; batch?: ReceivedEvent[]; sent_at?: string };
}

export type ReceiverMode = "ok" | "500" | "hang";

/**
 * A real HTTP server on 127.0.0.1 standing in for PostHog's ingestion host: it decodes each
 * request body (gzip or plain JSON) and answers 200, 500, or never.
 */
export interface Receiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Requests the server has received but not answered (hang mode). */
  readonly pending: () => number;
  /** Every event of every `/batch/` request, in arrival order. */
  events(): ReceivedEvent[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export async function startReceiver(mode: ReceiverMode = "ok"): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const hanging = new Set<import("node:http").ServerResponse>();
  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const encoding = req.headers["content-encoding"];
    const text = (encoding === "gzip" ? gunzipSync(raw) : raw).toString("utf8");
    requests.push({
      method: req.method ?? "",
      path: (req.url ?? "").split("?")[0] ?? "",
      contentEncoding: typeof encoding === "string" ? encoding : undefined,
      body: text === "" ? {} : (JSON.parse(text) as ReceivedRequest["body"]),
    });
    if (mode === "hang") {
      hanging.add(res);
      res.on("close", () => hanging.delete(res));
      return;
    }
    res.writeHead(mode === "500" ? 500 : 200, { "content-type": "application/json" });
    res.end(mode === "500" ? '{"error":"boom"}' : '{"status":1}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    pending: () => hanging.size,
    events: () => requests.filter((r) => r.path === "/batch/").flatMap((r) => r.body.batch ?? []),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on 127.0.0.1 where nothing listens: a port that was just bound and released. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** EMF sink that keeps every line. */
export function lineCollector(): { readonly lines: string[]; write(chunk: string): boolean } {
  const lines: string[] = [];
  return {
    lines,
    write(chunk: string) {
      lines.push(chunk);
      return true;
    },
  };
}

/**
 * A clock for exact latencies: `now()` starts at `start` and each `monotonic()` read advances
 * by `stepMs`, so a call with nothing traced inside it takes exactly `stepMs`.
 */
export function steppingClock(start = Date.UTC(2026, 10, 25, 12, 0, 0), stepMs = 250) {
  let mono = 0;
  let reads = 0;
  return {
    now: () => start + reads * stepMs,
    monotonic: () => {
      reads++;
      mono += stepMs;
      return mono;
    },
  };
}
