/**
 * Arguments as approvers and the audit log see them, with the one detection engine of
 * @airlock/core (what `airlock scan` finds, approvers never see): credential-looking strings
 * replaced by `[REDACTED:<pattern>]`, each string judged as the value of the key it sits under,
 * values under secret names (`password`, `OPENAI_API_KEY`, `X-Service-Key`, `authorization`) replaced
 * whole, boxed strings unboxed, PEM private keys replaced as whole blocks.
 */
import { setOwn } from "@airlock/core/hash";
import { isSecretName, redactSecrets } from "@airlock/core/secret-patterns";

/** A deep copy of `value` with secrets redacted. */
export function redactArguments(value: unknown, key?: string): unknown {
  if (typeof value === "string") return redactSecrets(value, key === undefined ? {} : { key });
  if (value instanceof String) return redactArguments(value.valueOf(), key);
  if (Array.isArray(value)) return value.map((v) => redactArguments(v, key));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    // setOwn: every key is kept as JSON.parse made it (`out[k] = v` drops a `__proto__` key).
    for (const [k, v] of Object.entries(value)) setOwn(out, k, isSecretName(k) && v !== null && v !== undefined && v !== "" ? "[REDACTED:key]" : redactArguments(v, k));
    return out;
  }
  return value;
}

/** Whether a value still carries a redaction marker (an edit cannot reuse a redacted value). */
export function containsRedaction(value: unknown): boolean {
  return JSON.stringify(value ?? null).includes("[REDACTED:");
}
