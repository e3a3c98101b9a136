/**
 * Redaction keeps every JSON key, `__proto__`, `constructor` and `prototype` included, and still
 * redacts what sits under them: a copy built by assignment calls the `__proto__` setter, so the
 * key vanished from the trace (and the copy's prototype became the agent's object).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { REDACTED_KEY_VALUE, redactValue } from "@airlock/trace";

const GITHUB = `ghp_${"aB1cD2eF3g".repeat(3)}H4iJ5k`;

describe("redactValue and JSON's special keys", () => {
  test("given `__proto__`, `constructor` and `prototype` at every depth, when redacted, then each key stays an own key with its value redacted", () => {
    const input = JSON.parse(
      `{"__proto__":{"password":"hunter2-hunter2","note":"token ${GITHUB}"},"constructor":{"prototype":{"api_key":"k-1"}},"list":[{"__proto__":"plain"}],"prototype":"p"}`,
    ) as unknown;
    const out = redactValue(input) as Record<string, unknown>;
    assert.deepEqual(Object.keys(out), ["__proto__", "constructor", "list", "prototype"]);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    const text = JSON.stringify(out);
    assert.ok(!text.includes("hunter2") && !text.includes(GITHUB), text);
    const back = JSON.parse(text) as { __proto__: { note: string } };
    const note = back.__proto__.note;
    assert.match(note, /^token \[REDACTED/);
    assert.deepEqual(
      back,
      JSON.parse(`{"__proto__":{"password":"${REDACTED_KEY_VALUE}","note":${JSON.stringify(note)}},"constructor":{"prototype":{"api_key":"${REDACTED_KEY_VALUE}"}},"list":[{"__proto__":"plain"}],"prototype":"p"}`),
    );
  });

  test("given a Map with a `__proto__` key, when redacted, then the key is kept", () => {
    const out = redactValue(new Map([["__proto__", { x: 1 }]]));
    assert.equal(JSON.stringify(out), '{"__proto__":{"x":1}}');
  });
});
