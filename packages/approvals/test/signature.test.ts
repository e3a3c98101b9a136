import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { signSlackRequest, verifySlackSignature } from "../src/slack/signature.ts";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const NOW = new Date("2026-03-02T09:00:00.000Z");
const TS = String(NOW.getTime() / 1000);
const BODY = "payload=%7B%22type%22%3A%22block_actions%22%7D";

test("Slack's published example signs to Slack's published signature", () => {
  // From Slack's "Verifying requests from Slack" documentation.
  const body =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
  assert.equal(signSlackRequest(SECRET, "1531420618", body), "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503");
  assert.deepEqual(
    verifySlackSignature({ signingSecret: SECRET, timestamp: "1531420618", signature: "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", body, now: new Date(1531420618_000 + 60_000) }),
    { ok: true },
  );
});

test("a correct signature within five minutes passes, either side of now", () => {
  for (const skew of [-300, 0, 300]) {
    const ts = String(Number(TS) + skew);
    assert.deepEqual(verifySlackSignature({ signingSecret: SECRET, timestamp: ts, signature: signSlackRequest(SECRET, ts, BODY), body: BODY, now: NOW }), { ok: true });
  }
});

test("forged, altered, stale, future and malformed requests are refused with the reason", () => {
  const sig = signSlackRequest(SECRET, TS, BODY);
  const check = (over: Partial<Parameters<typeof verifySlackSignature>[0]>) =>
    verifySlackSignature({ signingSecret: SECRET, timestamp: TS, signature: sig, body: BODY, now: NOW, ...over });
  assert.deepEqual(check({ signature: signSlackRequest("another-secret", TS, BODY) }), { ok: false, reason: "signature does not match" });
  assert.deepEqual(check({ body: `${BODY}&x=1` }), { ok: false, reason: "signature does not match" });
  // A timestamp changed to look fresh no longer matches the signature
  assert.deepEqual(check({ timestamp: String(Number(TS) + 1) }), { ok: false, reason: "signature does not match" });
  const old = String(Number(TS) - 301);
  assert.deepEqual(check({ timestamp: old, signature: signSlackRequest(SECRET, old, BODY) }), {
    ok: false,
    reason: "request timestamp is 301 s old; at most 300 s is accepted",
  });
  const future = String(Number(TS) + 900);
  assert.deepEqual(check({ timestamp: future, signature: signSlackRequest(SECRET, future, BODY) }), {
    ok: false,
    reason: "request timestamp is 900 s in the future; at most 300 s is accepted",
  });
  assert.deepEqual(check({ timestamp: undefined }), { ok: false, reason: "missing or malformed X-Slack-Request-Timestamp" });
  assert.deepEqual(check({ timestamp: "1e9" }), { ok: false, reason: "missing or malformed X-Slack-Request-Timestamp" });
  assert.deepEqual(check({ signature: undefined }), { ok: false, reason: "missing or malformed X-Slack-Signature" });
  assert.deepEqual(check({ signature: sig.replace("v0=", "v1=") }), { ok: false, reason: "missing or malformed X-Slack-Signature" });
  assert.deepEqual(check({ signature: sig.slice(0, -1) }), { ok: false, reason: "missing or malformed X-Slack-Signature" });
  assert.deepEqual(check({ signingSecret: "" }), { ok: false, reason: "no signing secret is configured" });
});

test("property: any body verifies under its own signature and fails once any signature digit changes", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 400 }), fc.string({ minLength: 1, maxLength: 64 }), fc.nat({ max: 63 }), (body, secret, at) => {
      const sig = signSlackRequest(secret, TS, body);
      assert.deepEqual(verifySlackSignature({ signingSecret: secret, timestamp: TS, signature: sig, body, now: NOW }), { ok: true });
      const i = 3 + at;
      const flipped = sig.slice(0, i) + (sig[i] === "0" ? "1" : "0") + sig.slice(i + 1);
      assert.equal(verifySlackSignature({ signingSecret: secret, timestamp: TS, signature: flipped, body, now: NOW }).ok, false);
    }),
    { numRuns: 300 },
  );
});
