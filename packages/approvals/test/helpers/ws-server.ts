/**
 * A minimal WebSocket server (RFC 6455, text frames, ping/pong, close) on 127.0.0.1, playing
 * Slack's Socket Mode side: it says hello, pushes envelopes and collects the client's acks.
 */
import { createServer, type Server } from "node:http";
import type { Duplex } from "node:stream";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, len]) : len < 65536 ? Buffer.from([0x80 | opcode, 126, len >> 8, len & 255]) : Buffer.alloc(0);
  if (head.length === 0) throw new Error("frame too large for this test server");
  return Buffer.concat([head, payload]);
}

export class SocketModeServer {
  /** Messages the client sent (acks), parsed. */
  readonly received: Record<string, unknown>[] = [];
  #server: Server | undefined;
  #sockets = new Set<Duplex>();
  #waiters: (() => void)[] = [];

  async start(): Promise<string> {
    this.#server = createServer((_req, res) => {
      res.writeHead(426);
      res.end();
    });
    this.#server.on("upgrade", (req, socket: Duplex) => {
      const key = req.headers["sec-websocket-key"];
      if (typeof key !== "string") {
        socket.destroy();
        return;
      }
      const accept = createHash("sha1").update(key + GUID).digest("base64");
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
      socket.on("error", () => this.#sockets.delete(socket));
      let buf = Buffer.alloc(0);
      socket.on("data", (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        for (;;) {
          if (buf.length < 2) return;
          const opcode = buf[0]! & 0x0f;
          const masked = (buf[1]! & 0x80) !== 0;
          let len = buf[1]! & 0x7f;
          let off = 2;
          if (len === 126) {
            if (buf.length < 4) return;
            len = buf.readUInt16BE(2);
            off = 4;
          } else if (len === 127) {
            if (buf.length < 10) return;
            len = Number(buf.readBigUInt64BE(2));
            off = 10;
          }
          const maskOff = off;
          if (masked) off += 4;
          if (buf.length < off + len) return;
          const payload = Buffer.from(buf.subarray(off, off + len));
          if (masked) for (let i = 0; i < len; i++) payload[i] = payload[i]! ^ buf[maskOff + (i % 4)]!;
          buf = buf.subarray(off + len);
          if (opcode === 1) {
            this.received.push(JSON.parse(payload.toString("utf8")) as Record<string, unknown>);
            this.#waiters.splice(0).forEach((w) => w());
          } else if (opcode === 9) {
            socket.write(frame(0xa, payload));
          } else if (opcode === 8) {
            socket.end(frame(0x8, Buffer.alloc(0)));
          }
        }
      });
      socket.write(frame(1, Buffer.from(JSON.stringify({ type: "hello", num_connections: 1 }))));
    });
    await new Promise<void>((r) => this.#server!.listen(0, "127.0.0.1", r));
    return `ws://127.0.0.1:${(this.#server.address() as AddressInfo).port}/link`;
  }

  /** Pushes an envelope to every connected client. */
  push(envelope: Record<string, unknown>): void {
    for (const s of this.#sockets) s.write(frame(1, Buffer.from(JSON.stringify(envelope))));
  }

  get connections(): number {
    return this.#sockets.size;
  }

  /** Resolves once a message matching `pred` has arrived (or rejects after `ms`). */
  async waitFor(pred: (m: Record<string, unknown>) => boolean, ms = 5_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.received.find(pred);
      if (hit !== undefined) return hit;
      if (Date.now() > deadline) throw new Error(`no matching message within ${ms} ms; got ${JSON.stringify(this.received)}`);
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => this.#server?.close(() => r()) ?? r());
  }
}
