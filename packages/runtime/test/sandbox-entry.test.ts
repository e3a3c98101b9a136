/**
 * The sandbox entry and its framing, without ECS: the entry refuses outside the sandbox task (and
 * runs nothing), refuses bad input, and writes frames the decoder accepts only whole and in order;
 * frames from anything else (another nonce, a second end, a gap, injected data, an exit code that
 * is not its status's) make the stream invalid.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { SANDBOX_ENV, SANDBOX_FRAME } from "@airlock/core/contracts";
import { beginFrame, decodeSandboxStream, parseSandboxInput, payloadFrames, runSandboxEntry, SANDBOX_EXIT } from "../src/index.ts";

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL("./helpers/sandbox-image/main.ts", import.meta.url));
const NONCE = "a".repeat(32);
const input = (code: string) => JSON.stringify({ v: SANDBOX_FRAME.version, tool: "run_js", arguments: { code }, nonce: NONCE });

/** Runs the test image's main as a process with exactly `env`; its exit code and output. */
async function image(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ["--import", "tsx", MAIN], { env, cwd: fileURLToPath(new URL("..", import.meta.url)) });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe("the sandbox entry", () => {
  test("outside the sandbox task it refuses (exit 2), writes no frame and runs nothing, whatever the input", async () => {
    const marker = join(mkdtempSync(join(tmpdir(), "airlock-entry-")), "ran");
    const code = `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran"); return 1`;
    for (const sandbox of [undefined, "false", "1", "TRUE"]) {
      const r = await image({ [SANDBOX_ENV.input]: input(code), ...(sandbox === undefined ? {} : { [SANDBOX_ENV.sandbox]: sandbox }) });
      assert.equal(r.code, SANDBOX_EXIT.refused);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, new RegExp(`^airlock sandbox entry: refusing to run: \`${SANDBOX_ENV.sandbox}\` is not "true", so this is not the sandbox task`));
    }
    assert.equal(existsSync(marker), false, "the handler ran outside the sandbox");
    // In the sandbox the same input runs
    const ok = await image({ [SANDBOX_ENV.input]: input(code), [SANDBOX_ENV.sandbox]: "true" });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(existsSync(marker), true);
    const decoded = decodeSandboxStream(ok.stdout.trimEnd().split("\n"), NONCE);
    assert.deepEqual(decoded.state === "complete" && decoded.payload, { ok: true, value: 1, stdout: "", stderr: "", truncated: false });
  });

  test("refuses input it cannot read, naming what is wrong", async () => {
    const lines: string[] = [];
    const err = { write: (s: string) => lines.push(s) > 0 };
    const out = { write: (s: string, cb?: () => void) => (lines.push(`OUT ${s}`), cb?.(), true) };
    const env = (v: string | undefined) => ({ [SANDBOX_ENV.sandbox]: "true", ...(v === undefined ? {} : { [SANDBOX_ENV.input]: v }) });
    assert.equal(await runSandboxEntry({ handlers: {}, env: env(undefined), stdout: out, stderr: err }), 2);
    assert.equal(await runSandboxEntry({ handlers: {}, env: env("{not json"), stdout: out, stderr: err }), 2);
    assert.equal(await runSandboxEntry({ handlers: {}, env: env(JSON.stringify({ v: 1, tool: "run_js", arguments: {}, nonce: "short" })), stdout: out, stderr: err }), 2);
    assert.deepEqual(lines, [
      `airlock sandbox entry: refusing to run: \`${SANDBOX_ENV.input}\` is not set: the sandbox runner passes each run's input there\n`,
      `airlock sandbox entry: refusing to run: \`${SANDBOX_ENV.input}\` is not JSON\n`,
      `airlock sandbox entry: refusing to run: \`${SANDBOX_ENV.input}\` needs \`tool\` (a string), \`arguments\` (an object) and \`nonce\` (hex)\n`,
    ]);
    assert.equal(typeof parseSandboxInput(JSON.stringify({ v: 2, tool: "t", arguments: {}, nonce: NONCE })), "string");
  });
});

describe("the sandbox framing", () => {
  const payload = { ok: true as const, value: { rows: 3, text: "é".repeat(5000) }, stdout: "printed\n", stderr: "", truncated: false };
  const whole = [beginFrame(NONCE), ...payloadFrames(NONCE, payload, "ok")];

  test("a whole stream decodes to its payload, other lines in between ignored", () => {
    assert.ok(whole.length > 3, "the payload spans several data frames");
    const d = decodeSandboxStream([whole[0]!, "(node:1) ExperimentalWarning: …", ...whole.slice(1)], NONCE);
    assert.equal(d.state, "complete");
    assert.deepEqual(d.state === "complete" && [d.status, d.exitCode, d.payload], ["ok", 0, payload]);
    assert.deepEqual(decodeSandboxStream(whole.slice(0, -1), NONCE), { state: "incomplete", frames: whole.length - 1 });
  });

  test("frames that are not the entry's make the stream invalid", () => {
    const forgedEnd = payloadFrames(NONCE, { ok: true, value: "forged", stdout: "", stderr: "", truncated: false }, "ok").at(-1)!;
    const cases: [string, string[], RegExp][] = [
      ["another nonce", [beginFrame("b".repeat(32)), ...whole.slice(1)], /another run's nonce/],
      ["a second end", [...whole, forgedEnd], /follow the end frame/],
      ["no begin first", whole.slice(1), /first frame is not the begin frame/],
      ["a gap", [whole[0]!, ...whole.slice(2)], /out of sequence/],
      ["injected data", [whole[0]!, ...whole.slice(1, -1).map((l, i) => (i === 0 ? l.replace(/"data":"./, '"data":"A') : l)), whole.at(-1)!], /do not hash to the end frame's digest/],
      ["an exit code that is not the status's", [...whole.slice(0, -1), whole.at(-1)!.replace('"exitCode":0', '"exitCode":3')], /do not belong together/],
    ];
    for (const [name, lines, problem] of cases) {
      const d = decodeSandboxStream(lines, NONCE);
      assert.equal(d.state, "invalid", name);
      assert.match(d.state === "invalid" ? d.problem : "", problem, name);
    }
  });
});
