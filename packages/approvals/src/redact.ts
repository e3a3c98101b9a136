/**
 * Arguments as approvers and the audit log see them: credential-looking strings replaced by
 * `[REDACTED:<pattern>]` (the shared patterns of @airlock/core) and values under secret-sounding
 * keys replaced whole.
 */
import { redactSecrets } from "@airlock/core/secret-patterns";

const SECRET_KEY = /(pass(word|wd|phrase)?|secret|token|api[-_]?key|authori[sz]ation|cookie|private[-_]?key|credential|signing[-_]?key)/i;

/** A deep copy of `value` with secrets redacted. */
export function redactArguments(value: unknown): unknown {
  if (typeof value === "string") return redactSecrets(value);
  if (Array.isArray(value)) return value.map(redactArguments);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_KEY.test(k) && v !== null && v !== undefined && v !== "") out[k] = "[REDACTED:key]";
      else out[k] = redactArguments(v);
    }
    return out;
  }
  return value;
}

/** Whether a value still carries a redaction marker (an edit cannot reuse a redacted value). */
export function containsRedaction(value: unknown): boolean {
  return JSON.stringify(value ?? null).includes("[REDACTED:");
}
