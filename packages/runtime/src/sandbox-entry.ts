/**
 * What the sandbox image runs: `runSandboxEntry` reads one run's input from the task's environment
 * (`SANDBOX_ENV.input`, set per task by the runner's RunTask `containerOverrides`), runs the tool's
 * handler module in a child process, writes the framed result to stdout (./sandbox-frame.ts) and
 * returns the exit code. It refuses to run anywhere but the sandbox task (`SANDBOX_ENV.sandbox`
 * must be `true`, which only the sandbox task definition sets).
 *
 * The sandbox image's main module is a few lines:
 *
 * ```ts
 * import { runSandboxEntry } from "@airlock/runtime";
 * runSandboxEntry({ handlers: { run_analysis: "/app/tools/run_analysis.js" } }).then((code) => process.exit(code));
 * ```
 *
 * A handler module exports `handler` (or a default function): `(args) => value | Promise<value>`,
 * the value JSON. It runs in a child process of its own, in its own process group, with the
 * task's environment less the run's input (no nonce), its stdout and stderr captured into the
 * result, never written to the container's stdout; the group is killed once the child ends.
 */
import { spawn } from "node:child_process";
import { SANDBOX_ENV, SANDBOX_FRAME, type SandboxInput } from "@airlock/core/contracts";
import { beginFrame, payloadFrames, SANDBOX_EXIT, type SandboxEndStatus, type SandboxPayload } from "./sandbox-frame.ts";

/** The default cap on a run's result (the JSON payload: value, stdout and stderr), in bytes. */
export const DEFAULT_SANDBOX_OUTPUT_BYTES = 256 * 1024;

export interface SandboxEntryOptions {
  /** The image's code-executing tools: tool name → path of its handler module (or a `file:` URL). */
  readonly handlers: Readonly<Record<string, string | URL>>;
  /**
   * The largest result, in bytes of its JSON; a larger one ends the run as `too-large` (exit 3).
   * @default DEFAULT_SANDBOX_OUTPUT_BYTES (256 KiB)
   */
  readonly maxOutputBytes?: number;
  /** @default - `process.env` */
  readonly env?: NodeJS.ProcessEnv;
  /** @default - `process.stdout` */
  readonly stdout?: { write(line: string, cb?: (err?: Error | null) => void): boolean };
  /** @default - `process.stderr` */
  readonly stderr?: { write(line: string): boolean };
  /**
   * Node's flags for the handler's process.
   * @default - this process's `execArgv`
   */
  readonly execArgv?: readonly string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const NONCE = /^[0-9a-f]{32,128}$/;

/** The input as the runner wrote it, or why it is not. */
export function parseSandboxInput(text: string | undefined): SandboxInput | string {
  if (text === undefined || text === "") return `\`${SANDBOX_ENV.input}\` is not set: the sandbox runner passes each run's input there`;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return `\`${SANDBOX_ENV.input}\` is not JSON`;
  }
  if (!isObject(v) || v.v !== SANDBOX_FRAME.version) return `\`${SANDBOX_ENV.input}\` is not version ${SANDBOX_FRAME.version} sandbox input (the agent's @airlock/runtime and the sandbox image's differ)`;
  if (typeof v.tool !== "string" || !isObject(v.arguments) || typeof v.nonce !== "string" || !NONCE.test(v.nonce)) {
    return `\`${SANDBOX_ENV.input}\` needs \`tool\` (a string), \`arguments\` (an object) and \`nonce\` (hex)`;
  }
  return { v: v.v, tool: v.tool, arguments: v.arguments, nonce: v.nonce };
}

/** The handler child: imports the module named by argv[1], takes the arguments by IPC, sends back the value or the error. */
const CHILD = `
const { pathToFileURL } = require("node:url");
process.once("message", async (args) => {
  const reply = (m, code) => process.send(m, () => process.exit(code));
  try {
    const m = await import(pathToFileURL(process.argv[1]).href);
    const fn = typeof m.handler === "function" ? m.handler : typeof m.default === "function" ? m.default : m.default && typeof m.default.handler === "function" ? m.default.handler : undefined;
    if (fn === undefined) throw new Error("the handler module exports no function \`handler\` (or default)");
    const value = await fn(args);
    reply({ ok: true, value: value === undefined ? null : value }, 0);
  } catch (e) {
    reply({ ok: false, error: e instanceof Error ? e.message : String(e) }, 1);
  }
});
`;

/** How long the entry waits for the handler's pipes to close after it exits. */
const PIPE_GRACE_MS = 2_000;

interface Captured {
  text: string;
  bytes: number;
  truncated: boolean;
}

function capture(cap: number): Captured & { add(b: Buffer): void } {
  const c = {
    text: "",
    bytes: 0,
    truncated: false,
    add(b: Buffer) {
      if (c.bytes >= cap) {
        c.truncated = true;
        return;
      }
      const room = cap - c.bytes;
      const part = b.length > room ? b.subarray(0, room) : b;
      if (part.length < b.length) c.truncated = true;
      c.bytes += part.length;
      c.text += part.toString("utf8");
    },
  };
  return c;
}

/** Runs the handler of `path` with `args` in a child process; resolves with its reply and captured output. */
function runHandler(path: string, args: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv, execArgv: readonly string[], cap: number) {
  return new Promise<{ reply: { ok: boolean; value?: unknown; error?: string } | undefined; code: number | null; signal: string | null; stdout: Captured; stderr: Captured }>((resolve) => {
    const childEnv = { ...env };
    delete childEnv[SANDBOX_ENV.input];
    const child = spawn(process.execPath, [...execArgv, "-e", CHILD, path], { env: childEnv, stdio: ["ignore", "pipe", "pipe", "ipc"], detached: true });
    const stdout = capture(cap);
    const stderr = capture(cap);
    type Reply = { ok: boolean; value?: unknown; error?: string };
    let reply: Reply | undefined;
    child.stdout!.on("data", (b: Buffer) => stdout.add(b));
    child.stderr!.on("data", (b: Buffer) => stderr.add(b));
    child.on("message", (m) => {
      if (reply === undefined && isObject(m) && typeof m.ok === "boolean") reply = m as Reply;
    });
    child.on("error", (e) => {
      stderr.add(Buffer.from(`cannot start the handler: ${e.message}\n`));
    });
    child.on("exit", (code, signal) => {
      // Whatever the handler left behind in its process group ends with it, before the end frame.
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // the group is gone already
      }
      // Its pipes close once nothing holds them; a process that left the group may: stop waiting.
      let finished = false;
      const done = () => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        child.stdout!.destroy();
        child.stderr!.destroy();
        resolve({ reply, code, signal, stdout, stderr });
      };
      const timer = setTimeout(done, PIPE_GRACE_MS);
      let open = 2;
      const closed = () => --open === 0 && done();
      if (child.stdout!.closed) closed();
      else child.stdout!.once("close", closed);
      if (child.stderr!.closed) closed();
      else child.stderr!.once("close", closed);
    });
    // ECS stops a task with SIGTERM (then SIGKILL): the handler's group goes with the entry.
    const onTerm = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // gone already
      }
      process.exit(128 + 15);
    };
    process.once("SIGTERM", onTerm);
    child.once("exit", () => process.removeListener("SIGTERM", onTerm));
    child.send(args);
  });
}

/**
 * Runs one sandbox run and returns the process's exit code (0 ok, 1 the tool's code failed,
 * 2 refused, 3 output over the cap; `SANDBOX_EXIT`). Outside the sandbox task it writes why to
 * stderr and returns 2 without reading the input or running anything.
 */
export async function runSandboxEntry(options: SandboxEntryOptions): Promise<number> {
  const env = options.env ?? process.env;
  const out = options.stdout ?? process.stdout;
  const err = options.stderr ?? process.stderr;
  const cap = options.maxOutputBytes ?? DEFAULT_SANDBOX_OUTPUT_BYTES;
  if (env[SANDBOX_ENV.sandbox] !== "true") {
    err.write(`airlock sandbox entry: refusing to run: \`${SANDBOX_ENV.sandbox}\` is not "true", so this is not the sandbox task (only the sandbox task definition sets it); code-executing tools run only there\n`);
    return SANDBOX_EXIT.refused;
  }
  const input = parseSandboxInput(env[SANDBOX_ENV.input]);
  if (typeof input === "string") {
    err.write(`airlock sandbox entry: refusing to run: ${input}\n`);
    return SANDBOX_EXIT.refused;
  }
  const write = (line: string) => new Promise<void>((resolve) => out.write(`${line}\n`, () => resolve()));
  await write(beginFrame(input.nonce));
  const finish = async (payload: SandboxPayload, status: SandboxEndStatus): Promise<number> => {
    let frames = payloadFrames(input.nonce, payload, status);
    if (status !== "refused" && Buffer.byteLength(JSON.stringify(payload)) > cap) {
      status = "too-large";
      const size = Buffer.byteLength(JSON.stringify(payload));
      frames = payloadFrames(input.nonce, { ok: false, error: `the result is ${size} bytes, over the sandbox's cap of ${cap} bytes`, stdout: "", stderr: "", truncated: true }, status);
    }
    for (const line of frames) await write(line);
    return SANDBOX_EXIT[status];
  };
  const handler = Object.hasOwn(options.handlers, input.tool) ? options.handlers[input.tool] : undefined;
  if (handler === undefined) {
    return finish({ ok: false, error: `the sandbox image has no handler for the tool "${input.tool}" (it has: ${Object.keys(options.handlers).sort().join(", ") || "none"})`, stdout: "", stderr: "", truncated: false }, "refused");
  }
  const path = handler instanceof URL ? decodeURIComponent(handler.pathname) : handler.startsWith("file:") ? decodeURIComponent(new URL(handler).pathname) : handler;
  const r = await runHandler(path, input.arguments, env, options.execArgv ?? process.execArgv, cap);
  const truncated = r.stdout.truncated || r.stderr.truncated;
  if (r.reply?.ok === true && r.code === 0) return finish({ ok: true, value: r.reply.value, stdout: r.stdout.text, stderr: r.stderr.text, truncated }, "ok");
  const why = r.reply?.ok === false ? (r.reply.error ?? "failed") : r.signal !== null ? `the handler's process was killed (${r.signal})` : `the handler's process exited with ${r.code} without a result`;
  return finish({ ok: false, error: why, stdout: r.stdout.text, stderr: r.stderr.text, truncated }, "error");
}
