/**
 * Slack request signing, v0: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` keyed with the
 * app's signing secret, compared in constant time. Requests more than five minutes from now
 * (either way) are refused, which bounds how long a captured request can be replayed; within that
 * window a replay cannot change anything because a decision is recorded once.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_VERSION = "v0";
/** Slack's recommended bound on request age. */
export const MAX_REQUEST_AGE_SECONDS = 5 * 60;

export interface SignatureInput {
  readonly signingSecret: string;
  /** `X-Slack-Request-Timestamp`: unix seconds. */
  readonly timestamp: string | undefined;
  /** `X-Slack-Signature`: `v0=<hex>`. */
  readonly signature: string | undefined;
  /** The raw request body, exactly as received. */
  readonly body: string;
  /** @default - the current time */
  readonly now?: Date;
}

export type SignatureCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** The signature Slack would send for `body` at `timestamp` (also used by tests and the benchmark). */
export function signSlackRequest(signingSecret: string, timestamp: string, body: string): string {
  return `${SIGNATURE_VERSION}=${createHmac("sha256", signingSecret).update(`${SIGNATURE_VERSION}:${timestamp}:${body}`).digest("hex")}`;
}

export function verifySlackSignature(input: SignatureInput): SignatureCheck {
  if (input.signingSecret === "") return { ok: false, reason: "no signing secret is configured" };
  if (input.timestamp === undefined || !/^\d{1,12}$/.test(input.timestamp)) {
    return { ok: false, reason: "missing or malformed X-Slack-Request-Timestamp" };
  }
  if (input.signature === undefined || !/^v0=[0-9a-f]{64}$/.test(input.signature)) {
    return { ok: false, reason: "missing or malformed X-Slack-Signature" };
  }
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const age = nowSeconds - Number(input.timestamp);
  if (Math.abs(age) > MAX_REQUEST_AGE_SECONDS) {
    return { ok: false, reason: `request timestamp is ${Math.abs(age)} s ${age > 0 ? "old" : "in the future"}; at most ${MAX_REQUEST_AGE_SECONDS} s is accepted` };
  }
  const expected = Buffer.from(signSlackRequest(input.signingSecret, input.timestamp, input.body), "utf8");
  const given = Buffer.from(input.signature, "utf8");
  // Equal lengths are guaranteed by the format check above; timingSafeEqual compares the content.
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: "signature does not match" };
  }
  return { ok: true };
}
