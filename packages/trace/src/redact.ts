import { isSecretName, redactSecrets, setOwn } from "@airlock/core";

/**
 * Deep redaction of anything a tool or model call takes or returns, before it leaves the process
 * (EMF line on stdout, PostHog event), with the one detection engine of @airlock/core (what
 * `airlock scan` finds is redacted here, in every shape): every string (values and keys, in
 * objects, arrays, Maps, Sets, Errors and boxed strings) goes through it, judged as the value of
 * the key it sits under (as the scanner judges `"key": "value"`); values under secret names
 * (`password`, `apiKey`, `OPENAI_API_KEY`, `X-Service-Key`, `authorization`, …) are replaced whole,
 * whatever they look like; PEM private keys go as whole blocks; the result is plain JSON.
 */

export interface RedactLimits {
  /** Strings longer than this are cut (after redaction, so a secret is never half-kept). @default 8192 */
  readonly maxStringLength?: number;
  /** Objects nested deeper than this become "[Truncated]". @default 12 */
  readonly maxDepth?: number;
  /** Arrays and objects keep at most this many entries. @default 200 */
  readonly maxEntries?: number;
}

export const REDACTED_KEY_VALUE = "[REDACTED:SensitiveKey]";

/** Whether a key's value is replaced whole (`password`, `x-api-key`, `OPENAI_API_KEY`, `X-Service-Key`; not `max_tokens`). */
export function isSensitiveKey(key: string): boolean {
  return isSecretName(key);
}

interface Resolved {
  maxStringLength: number;
  maxDepth: number;
  maxEntries: number;
}

export function resolveLimits(limits: RedactLimits | undefined): Resolved {
  return {
    maxStringLength: limits?.maxStringLength ?? 8192,
    maxDepth: limits?.maxDepth ?? 12,
    maxEntries: limits?.maxEntries ?? 200,
  };
}

/** Room past the cut that is still scanned, so a secret starting before the cut is matched whole. */
const SCAN_MARGIN = 4096;

function redactString(value: string, limits: Resolved, key?: string): string {
  // A 5 MB tool result is not scanned to the end only to be cut at 8 KB.
  const scanned = value.length > limits.maxStringLength + SCAN_MARGIN ? value.slice(0, limits.maxStringLength + SCAN_MARGIN) : value;
  const clean = redactSecrets(scanned, key === undefined ? {} : { key });
  const dropped = value.length - scanned.length;
  return clean.length > limits.maxStringLength || dropped > 0
    ? `${clean.slice(0, limits.maxStringLength)}…[${Math.max(0, clean.length - limits.maxStringLength) + dropped} more chars]`
    : clean;
}

/** JSON-safe, secret-free copy of `value`. Never throws. */
export function redactValue(value: unknown, limits?: RedactLimits): unknown {
  const resolved = resolveLimits(limits);
  try {
    return walk(value, resolved, 0, new WeakSet());
  } catch {
    return "[Unserializable]";
  }
}

function walk(value: unknown, limits: Resolved, depth: number, seen: WeakSet<object>, key?: string): unknown {
  switch (typeof value) {
    case "string":
      return redactString(value, limits, key);
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "boolean":
      return value;
    case "bigint":
      return value.toString();
    case "undefined":
      return null;
    case "symbol":
      return redactString(value.toString(), limits);
    case "function":
      return `[Function ${value.name || "anonymous"}]`;
  }
  if (value === null) return null;
  const obj = value as object;
  if (seen.has(obj)) return "[Circular]";
  if (depth >= limits.maxDepth) return "[Truncated]";
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? null : obj.toISOString();
  if (obj instanceof Error) return errorInfo(obj);
  // Boxed primitives: `new String(key)` would otherwise go out one character per property.
  if (obj instanceof String || obj instanceof Number || obj instanceof Boolean) return walk(obj.valueOf(), limits, depth, seen, key);
  if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) return `[Binary ${obj.byteLength} bytes]`;
  seen.add(obj);
  try {
    if (Array.isArray(obj) || obj instanceof Set) {
      const items = Array.isArray(obj) ? obj : [...obj];
      const out = items.slice(0, limits.maxEntries).map((item) => walk(item, limits, depth + 1, seen, key));
      if (items.length > limits.maxEntries) out.push(`[${items.length - limits.maxEntries} more items]`);
      return out;
    }
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function" && !(obj instanceof Map)) {
      return walk(toJSON.call(obj), limits, depth, seen, key);
    }
    const entries: [unknown, unknown][] = obj instanceof Map ? [...obj.entries()] : Object.entries(obj);
    const out: Record<string, unknown> = {};
    let kept = 0;
    for (const [rawKey, item] of entries) {
      if (kept === limits.maxEntries) {
        out["[more]"] = `${entries.length - limits.maxEntries} more keys`;
        break;
      }
      const key = typeof rawKey === "string" ? rawKey : String(rawKey);
      // setOwn: `out[k] = v` would drop a `__proto__` key (its setter) and re-prototype `out`.
      setOwn(
        out,
        redactString(key, limits),
        isSensitiveKey(key) && item !== null && item !== undefined && item !== "" ? REDACTED_KEY_VALUE : walk(item, limits, depth + 1, seen, key),
      );
      kept++;
    }
    return out;
  } finally {
    seen.delete(obj);
  }
}

export interface ErrorInfo {
  /** `error.name` (e.g. `RateLimitError`), else the constructor's name, else `typeof`. */
  readonly class: string;
  /** The message with every credential-looking substring redacted. */
  readonly message: string;
}

/** Class and redacted message of anything thrown. */
export function errorInfo(error: unknown, limits?: RedactLimits): ErrorInfo {
  const resolved = resolveLimits(limits);
  if (error instanceof Error) {
    const ctorName = (error as { constructor?: { name?: unknown } }).constructor?.name;
    const name = typeof error.name === "string" && error.name !== "Error" ? error.name : typeof ctorName === "string" && ctorName !== "" ? ctorName : "Error";
    return { class: redactString(name, resolved), message: redactString(String(error.message), resolved) };
  }
  if (typeof error === "string") return { class: "string", message: redactString(error, resolved) };
  let message: string;
  try {
    message = JSON.stringify(redactValue(error, limits)) ?? String(error);
  } catch {
    message = String(error);
  }
  return { class: error === null ? "null" : typeof error, message: redactString(message, resolved) };
}

/** HTTP status carried by an SDK error (`status`, `statusCode`, `response.status`), if any. */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { status?: unknown; statusCode?: unknown; response?: { status?: unknown } };
  for (const candidate of [e.status, e.statusCode, e.response?.status]) {
    if (typeof candidate === "number" && Number.isInteger(candidate) && candidate >= 100 && candidate <= 599) return candidate;
  }
  return undefined;
}
