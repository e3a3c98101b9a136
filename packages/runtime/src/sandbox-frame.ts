/**
 * How a sandbox run's output travels: the entry inside the sandbox writes one JSON frame per line
 * to its stdout (the awslogs driver puts each line in the task's log stream), and the runner reads
 * the stream back and decodes it. Every frame carries the run's nonce (chosen by the runner, given
 * in the input); the result is one JSON payload, base64 in `data` frames, and the `end` frame
 * states its size, its sha256, the status and the exit code the entry is about to exit with.
 *
 * The tool's code never writes a frame: its stdout and stderr are pipes into the entry, which puts
 * them inside the payload, so printed text (a forged end marker included) arrives as data. Code that
 * escapes to the container's own stdout (same user: `/proc/<pid>/fd/1`) and learns the nonce can
 * write frame lines, but not unnoticed: the stream must hold exactly one `begin` first and one
 * `end`, the data must hash to the `end`'s digest, and the exit code ECS reports for the container
 * must be the `end`'s (see `decodeSandboxStream`).
 */
import { createHash } from "node:crypto";
import { SANDBOX_FRAME } from "@airlock/core/contracts";

/** Bytes of the payload per `data` frame (8 KiB of base64 per log event, far below CloudWatch's event size). */
export const SANDBOX_DATA_CHUNK = 6 * 1024;

/** How the entry ended a run. `refused`: not run (unknown tool, bad input); `too-large`: output over the cap. */
export type SandboxEndStatus = "ok" | "error" | "refused" | "too-large";

/** The entry's exit codes, one per end status (ECS reports the container's exit code; the runner checks it against the `end` frame). */
export const SANDBOX_EXIT: Readonly<Record<SandboxEndStatus, number>> = { ok: 0, error: 1, refused: 2, "too-large": 3 };

/** The result payload (JSON in the `data` frames). */
export type SandboxPayload =
  | { readonly ok: true; readonly value: unknown; readonly stdout: string; readonly stderr: string; readonly truncated: boolean }
  | { readonly ok: false; readonly error: string; readonly stdout: string; readonly stderr: string; readonly truncated: boolean };

interface FrameBase {
  readonly frame: typeof SANDBOX_FRAME.marker;
  readonly v: number;
  readonly nonce: string;
  readonly seq: number;
}
export type SandboxFrame =
  | (FrameBase & { readonly kind: "begin" })
  | (FrameBase & { readonly kind: "data"; readonly data: string })
  | (FrameBase & { readonly kind: "end"; readonly status: SandboxEndStatus; readonly exitCode: number; readonly bytes: number; readonly sha256: string });

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

/** The lines (without newlines) the entry writes for one run: begin is written first, on its own, by `beginFrame`. */
export function beginFrame(nonce: string): string {
  return JSON.stringify({ frame: SANDBOX_FRAME.marker, v: SANDBOX_FRAME.version, nonce, seq: 0, kind: "begin" });
}

/** The data and end lines for `payload` (seq continues after begin). */
export function payloadFrames(nonce: string, payload: SandboxPayload, status: SandboxEndStatus): string[] {
  const bytes = Buffer.from(JSON.stringify(payload), "utf8");
  const base = { frame: SANDBOX_FRAME.marker, v: SANDBOX_FRAME.version, nonce };
  const lines: string[] = [];
  let seq = 1;
  for (let at = 0; at < bytes.length; at += SANDBOX_DATA_CHUNK) {
    lines.push(JSON.stringify({ ...base, seq: seq++, kind: "data", data: bytes.subarray(at, at + SANDBOX_DATA_CHUNK).toString("base64") }));
  }
  lines.push(JSON.stringify({ ...base, seq, kind: "end", status, exitCode: SANDBOX_EXIT[status], bytes: bytes.length, sha256: sha256(bytes) }));
  return lines;
}

/** What the runner read from a stream. */
export type DecodedStream =
  /** No `end` frame (yet): the entry has not finished, its logs are not delivered, or it never started. */
  | { readonly state: "incomplete"; readonly frames: number }
  | { readonly state: "invalid"; readonly problem: string }
  | { readonly state: "complete"; readonly status: SandboxEndStatus; readonly exitCode: number; readonly payload: SandboxPayload; readonly bytes: number };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A line as a frame of the protocol (any nonce), or undefined when it is not one (other output, a warning). */
function asFrame(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith("{") || !line.includes(SANDBOX_FRAME.marker)) return undefined;
  try {
    const v: unknown = JSON.parse(line);
    return isObject(v) && v.frame === SANDBOX_FRAME.marker ? v : undefined;
  } catch {
    return undefined;
  }
}

const STATUSES: readonly string[] = Object.keys(SANDBOX_EXIT);

/**
 * Decodes a run's log lines (in order). Lines that are not frames are ignored. Any frame that does
 * not fit the run (another nonce, a second `begin` or `end`, a frame before `begin` or after `end`,
 * a sequence gap, data that does not match the `end`'s size and digest, an end status whose exit
 * code is not its own) makes the stream `invalid`: something other than the entry wrote frames.
 */
export function decodeSandboxStream(lines: Iterable<string>, nonce: string): DecodedStream {
  let begun = false;
  let seq = 0;
  let frames = 0;
  const chunks: Buffer[] = [];
  let end: Record<string, unknown> | undefined;
  for (const line of lines) {
    const f = asFrame(line);
    if (f === undefined) continue;
    frames++;
    if (f.nonce !== nonce) return { state: "invalid", problem: "a frame line carries another run's nonce (written by something other than the sandbox entry)" };
    if (end !== undefined) return { state: "invalid", problem: "frame lines follow the end frame (a second end, or output after it)" };
    if (f.v !== SANDBOX_FRAME.version) return { state: "invalid", problem: `a frame of version ${JSON.stringify(f.v)}, not ${SANDBOX_FRAME.version} (the sandbox image's @airlock/runtime differs from the agent's)` };
    if (!begun) {
      if (f.kind !== "begin" || f.seq !== 0) return { state: "invalid", problem: "the first frame is not the begin frame" };
      begun = true;
      continue;
    }
    if (f.seq !== ++seq) return { state: "invalid", problem: `frame ${JSON.stringify(f.seq)} out of sequence (expected ${seq})` };
    if (f.kind === "data" && typeof f.data === "string") chunks.push(Buffer.from(f.data, "base64"));
    else if (f.kind === "end") end = f;
    else return { state: "invalid", problem: `an unexpected ${JSON.stringify(f.kind)} frame` };
  }
  if (end === undefined) return { state: "incomplete", frames };
  const data = Buffer.concat(chunks);
  const status = end.status;
  if (typeof status !== "string" || !STATUSES.includes(status) || end.exitCode !== SANDBOX_EXIT[status as SandboxEndStatus]) {
    return { state: "invalid", problem: `the end frame's status ${JSON.stringify(status)} and exit code ${JSON.stringify(end.exitCode)} do not belong together` };
  }
  if (end.bytes !== data.length || end.sha256 !== sha256(data)) return { state: "invalid", problem: "the data frames do not hash to the end frame's digest (frames lost or injected)" };
  let payload: unknown;
  try {
    payload = JSON.parse(data.toString("utf8"));
  } catch {
    return { state: "invalid", problem: "the payload is not JSON" };
  }
  if (!isObject(payload) || typeof payload.ok !== "boolean" || typeof payload.stdout !== "string" || typeof payload.stderr !== "string" || (payload.ok === false && typeof payload.error !== "string")) {
    return { state: "invalid", problem: "the payload is not a sandbox result" };
  }
  return { state: "complete", status: status as SandboxEndStatus, exitCode: end.exitCode as number, payload: payload as unknown as SandboxPayload, bytes: data.length };
}
