/**
 * Adversarial tests of what approvers see (issue #15): the approvals' redaction uses the scanner's
 * engine, so every corpus credential the scanner finds is gone from the arguments an approver
 * reads, under env-style names, in boxed strings and as whole PEM blocks.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { scanText } from "@airlock/core";
import { containsRedaction, redactArguments } from "../src/redact.ts";
import { VENDORS, positives, rng } from "../../core/test/leak-corpus.ts";

describe("redactArguments: the scanner's engine", () => {
  test("given every corpus document the scanner flags, as a tool argument, then its secret is gone and the value is marked redacted", () => {
    const leaked: string[] = [];
    for (const d of positives().filter((x) => scanText(x.text, x.file).length > 0)) {
      const out = redactArguments({ body: d.text, nested: [{ note: d.text }] }) as { body: string; nested: { note: string }[] };
      const w = d.text.slice(d.span![0], d.span![1]);
      const piece = w.length <= 24 ? w : w.slice(Math.floor(w.length / 2) - 8, Math.floor(w.length / 2) + 8);
      if (out.body.includes(piece) || out.nested[0]!.note.includes(piece) || !containsRedaction(out)) leaked.push(`${d.secret!.vendor}/${d.secret!.kind} in ${d.context}`);
    }
    assert.deepEqual(leaked, []);
  });

  test("given values under env-style and header names, then they are replaced whole; settings that mention a secret are kept", () => {
    const r = rng(2);
    const openai = VENDORS.find((v) => v.vendor === "OpenAI")!.make(r).value;
    assert.deepEqual(redactArguments({ OPENAI_API_KEY: "anything", "X-Service-Key": "k-1", headers: { Authorization: "Bearer x" }, max_tokens: 100, secret_name: "prod/db", note: `use ${openai}` }), {
      OPENAI_API_KEY: "[REDACTED:key]",
      "X-Service-Key": "[REDACTED:key]",
      headers: { Authorization: "[REDACTED:key]" },
      max_tokens: 100,
      secret_name: "prod/db",
      note: "use [REDACTED:OpenAiApiKey]",
    });
  });

  test("given a boxed string and a PEM block, then the string is redacted as one and the block goes whole", () => {
    const gh = VENDORS.find((v) => v.vendor === "GitHub")!.make(rng(3)).value;
    assert.deepEqual(redactArguments({ t: new String(`token ${gh}`) }), { t: "token [REDACTED:GitHubToken]" });
    const pem = VENDORS.find((v) => v.vendor === "Private key")!.make(rng(4)).value;
    assert.deepEqual(redactArguments({ file: `key:\n${pem}\n` }), { file: "key:\n[REDACTED:PrivateKey]\n" });
  });
});
