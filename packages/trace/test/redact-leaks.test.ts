/**
 * Adversarial tests of the tracer's redaction (issue #15): every credential of the leak corpus
 * that `airlock scan` finds is redacted in every value shape a tool call can carry — nested,
 * as a key, in a Map or a Set, in an Error, as a boxed string, in a long string — PEM private
 * keys as whole blocks, and values under env-style names (`OPENAI_API_KEY`, `X-Service-Key`).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { scanText } from "@airlock/core";
import { errorInfo, redactValue } from "@airlock/trace";
import { VENDORS, positives, rng, type LeakDoc } from "../../core/test/leak-corpus.ts";

/** Every string in a redacted value (keys too). */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) (out.push(k), strings(x, out));
  return out;
}

/** The secret as written in the document (escaped, encoded or plain). */
const written = (d: LeakDoc) => d.text.slice(d.span![0], d.span![1]);
/** Whether any redacted string still holds the secret, or a 16-character piece of it. */
function leaks(out: unknown, d: LeakDoc): string | undefined {
  const w = written(d);
  const pieces = w.length <= 24 ? [w] : [w.slice(0, 16), w.slice(Math.floor(w.length / 2) - 8, Math.floor(w.length / 2) + 8), w.slice(-16)];
  for (const s of strings(out)) for (const p of pieces) if (s.includes(p)) return p;
  return undefined;
}

const docs = positives().filter((d) => scanText(d.text, d.file).length > 0);

describe("redactValue: everything the scanner finds, in every shape", () => {
  test("the corpus holds at least 200 positives the scanner finds", () => {
    assert.ok(docs.length >= 200, `${docs.length}`);
  });

  const shapes: [string, (text: string) => unknown][] = [
    ["a string", (t) => t],
    ["nested", (t) => ({ a: { b: [{ c: { text: t } }] } })],
    ["a key", (t) => ({ [t]: 1 })],
    ["a Map key and value", (t) => new Map([[t, t]])],
    ["a Set", (t) => new Set([t])],
    ["an Error", (t) => new Error(t)],
    ["a boxed string", (t) => new String(t)],
    ["a string cut just after it starts", (t) => `${"x ".repeat(4090)}${t}`],
    ["a long string", (t) => `${t}${" tail".repeat(4000)}`],
  ];
  for (const [shape, wrap] of shapes) {
    test(`given each corpus document as ${shape}, when redacted, then its secret is gone`, () => {
      const leaked: string[] = [];
      for (const d of docs) {
        const v = wrap(d.text);
        const out = v instanceof Error ? errorInfo(v) : redactValue(v);
        const piece = leaks(out, d);
        if (piece !== undefined) leaked.push(`${d.secret!.vendor}/${d.secret!.kind} in ${d.context}`);
      }
      assert.deepEqual(leaked, []);
    });
  }

  test("given each credential under its env-style name (OPENAI_API_KEY, X-Service-Key, …), when redacted, then the value is replaced whole", () => {
    const r = rng(3);
    for (const v of VENDORS) {
      const s = v.make(r);
      // A URL's password is found in the URL; alone under `DATABASE_URL` it is just a word.
      const out = redactValue(s.url !== undefined ? { [s.name]: s.url } : { [s.name]: s.value, headers: { [s.name]: s.value } }) as Record<string, unknown>;
      assert.ok(!JSON.stringify(out).includes(s.value), `${s.name} (${v.vendor}) leaked`);
    }
    assert.deepEqual(redactValue({ OPENAI_API_KEY: "anything at all", "X-Service-Key": "k-1", max_tokens: 1024 }), {
      OPENAI_API_KEY: "[REDACTED:SensitiveKey]",
      "X-Service-Key": "[REDACTED:SensitiveKey]",
      max_tokens: 1024,
    });
  });

  test("given a PEM private key, when redacted, then the whole block goes (header, body and footer), not only the header", () => {
    for (const kind of ["rsa", "pkcs8", "openssh", "ec"]) {
      const pem = VENDORS.find((v) => v.vendor === "Private key" && v.kind === kind)!.make(rng(5)).value;
      const out = redactValue({ log: `loaded key:\n${pem}\ndone` }) as { log: string };
      assert.equal(out.log, "loaded key:\n[REDACTED:PrivateKey]\ndone", kind);
      const escaped = redactValue({ log: JSON.stringify({ private_key: pem }) }) as { log: string };
      assert.equal(escaped.log, '{"private_key":"[REDACTED:PrivateKey]"}', kind);
    }
  });

  test("given a boxed string holding a key, when redacted, then it is one redacted string, not one character per property", () => {
    const gh = VENDORS.find((v) => v.vendor === "GitHub" && v.kind === "classic")!.make(rng(8)).value;
    assert.equal(redactValue(new String(`token ${gh}`)), "token [REDACTED:GitHubToken]");
  });
});
