import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { REDACTED_KEY_VALUE, errorInfo, httpStatusOf, redactValue } from "@airlock/trace";

// Real-format fake credentials: right prefixes and lengths, random bodies.
const ANTHROPIC = `sk-ant-api03-${"Ab3_dE-9".repeat(11)}XyZ12`; // 13 + 93 characters
const GITHUB = `ghp_${"aB1cD2eF3g".repeat(3)}H4iJ5k`; // 4 + 36
const SLACK = "xoxb-1234567890-9876543210-AbCdEfGhIjKlMnOpQrStUvWx";
const AWS_KEY_ID = "AKIAIOSFODNN7EXAMPLE";
const POSTHOG_PERSONAL = `phx_${"k3Yp".repeat(10)}`;

describe("redactValue", () => {
  test("the fake keys have their real formats", () => {
    assert.equal(ANTHROPIC.length, 13 + 93);
    assert.equal(GITHUB.length, 4 + 36);
  });

  test("given nested JSON with keys in values, arrays and key names, when redacted, then no key survives and the shape does", () => {
    const args = {
      repo: "acme/app",
      headers: { "x-request-id": "r-1", note: `using ${ANTHROPIC} today` },
      steps: [{ run: `gh auth login --with-token ${GITHUB}` }, [`SLACK=${SLACK}`, 3, true, null]],
      [`${AWS_KEY_ID}`]: "key used as a property name",
      deeper: { a: { b: { c: { d: POSTHOG_PERSONAL } } } },
    };

    const out = redactValue(args);

    assert.deepEqual(out, {
      repo: "acme/app",
      headers: { "x-request-id": "r-1", note: "using [REDACTED:AnthropicApiKey] today" },
      steps: [{ run: "gh auth login --with-token [REDACTED:GitHubToken]" }, ["SLACK=[REDACTED:SlackToken]", 3, true, null]],
      "[REDACTED:AwsAccessKeyId]": "key used as a property name",
      deeper: { a: { b: { c: { d: "[REDACTED:PostHogPersonalApiKey]" } } } },
    });
    assert.deepEqual(args.headers.note, `using ${ANTHROPIC} today`, "the caller's object is not modified");
  });

  test("given credential-named keys, when redacted, then their values go whatever they look like, and look-alike keys stay", () => {
    const out = redactValue({
      password: "hunter2",
      Authorization: "Bearer abc",
      api_key: "short",
      "X-Api-Key": "k",
      client_secret: { nested: "x" },
      max_tokens: 1024,
      token_count: 12,
      tokens: ["a"],
      token: "",
    });
    assert.deepEqual(out, {
      password: REDACTED_KEY_VALUE,
      Authorization: REDACTED_KEY_VALUE,
      api_key: REDACTED_KEY_VALUE,
      "X-Api-Key": REDACTED_KEY_VALUE,
      client_secret: REDACTED_KEY_VALUE,
      max_tokens: 1024,
      token_count: 12,
      tokens: ["a"],
      token: "",
    });
  });

  test("given values JSON cannot hold, when redacted, then the result is plain JSON", () => {
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    const out = redactValue({
      cyclic,
      when: new Date(Date.UTC(2026, 0, 2)),
      big: 12345678901234567890n,
      nan: Number.NaN,
      missing: undefined,
      fn: function lookup() {},
      bytes: new Uint8Array(16),
      map: new Map([["k", ANTHROPIC]]),
      set: new Set([1, 2]),
      err: new RangeError(`bad ${GITHUB}`),
    });
    assert.deepEqual(out, {
      cyclic: { name: "loop", self: "[Circular]" },
      when: "2026-01-02T00:00:00.000Z",
      big: "12345678901234567890",
      nan: "NaN",
      missing: null,
      fn: "[Function lookup]",
      bytes: "[Binary 16 bytes]",
      map: { k: "[REDACTED:AnthropicApiKey]" },
      set: [1, 2],
      err: { class: "RangeError", message: "bad [REDACTED:GitHubToken]" },
    });
  });

  test("given a long string with a key at its end, when cut to the limit, then the key is redacted before the cut", () => {
    const text = `${"x".repeat(20)}${ANTHROPIC}`;
    assert.equal(redactValue(text, { maxStringLength: 30 }), `${"x".repeat(20)}[REDACTED:…[16 more chars]`);
    // 5 MB: only the first 8192 + 4096 characters are scanned, and the key inside them is caught whole.
    const huge = `${"y".repeat(8180)}${ANTHROPIC} ${"z".repeat(5_000_000)}`;
    const cut = redactValue(huge) as string;
    assert.equal(cut, `${"y".repeat(8180)}[REDACTED:An…[${26 - 12 + 1 + 5_000_000} more chars]`);
    assert.ok(!cut.includes("sk-ant"));
    // Redaction shortened the scanned part below the limit: what was never scanned is still counted.
    const shrunk = redactValue(`${ANTHROPIC} ${"z".repeat(12_300)}`, { maxStringLength: 100 }) as string;
    assert.equal(shrunk, `[REDACTED:AnthropicApiKey] ${"z".repeat(73)}…[${12_300 - 73} more chars]`);
    assert.deepEqual(redactValue([1, 2, 3, 4], { maxEntries: 2 }), [1, 2, "[2 more items]"]);
    assert.deepEqual(redactValue({ a: { b: { c: 1 } } }, { maxDepth: 2 }), { a: { b: "[Truncated]" } });
  });

  test("no Anthropic key survives anywhere in arbitrary JSON", () => {
    const withKey = fc.string().map((s) => `${s}${ANTHROPIC}${s}`);
    fc.assert(
      fc.property(fc.jsonValue(), withKey, fc.string({ minLength: 1 }), (value, secret, key) => {
        const out = JSON.stringify(redactValue({ [key]: [value, { inner: secret }], [secret]: value }));
        return !out.includes(ANTHROPIC) && !out.includes(ANTHROPIC.slice(0, 40));
      }),
    );
  });
});

describe("errorInfo and httpStatusOf", () => {
  test("given errors of every kind, when described, then the class is specific and the message redacted", () => {
    class RateLimitError extends Error {
      status = 429;
    }
    class NamedError extends Error {
      override name = "APIConnectionError";
    }
    assert.deepEqual(errorInfo(new RateLimitError(`limited for ${ANTHROPIC}`)), { class: "RateLimitError", message: "limited for [REDACTED:AnthropicApiKey]" });
    assert.deepEqual(errorInfo(new NamedError("down")), { class: "APIConnectionError", message: "down" });
    assert.deepEqual(errorInfo(new Error("plain")), { class: "Error", message: "plain" });
    assert.deepEqual(errorInfo(`thrown string ${SLACK}`), { class: "string", message: "thrown string [REDACTED:SlackToken]" });
    assert.deepEqual(errorInfo({ code: "E1", token: "t" }), { class: "object", message: `{"code":"E1","token":"${REDACTED_KEY_VALUE}"}` });
    assert.deepEqual(errorInfo(null), { class: "null", message: "null" });
    assert.equal(httpStatusOf(new RateLimitError("x")), 429);
    assert.equal(httpStatusOf({ response: { status: 503 } }), 503);
    assert.equal(httpStatusOf({ statusCode: 42 }), undefined);
    assert.equal(httpStatusOf(new Error("no status")), undefined);
  });
});
