import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted at every level, so equal values always serialise the same. Every
 * key JSON can carry is kept, `__proto__` included (`JSON.parse` makes it an own property; a copy
 * made by assignment would call its setter and drop it from the hash).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) setOwn(out, k, sortKeys(v));
    }
    return out;
  }
  return value;
}

/**
 * Sets `key` as an own enumerable property, as `JSON.parse` does, whatever the key (`out[key] = v`
 * with `key` "__proto__" calls the prototype setter instead of adding a key). For copies of JSON.
 */
export function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The SHA-256 digest of `text`, as 64 lowercase hex characters. */
export function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Whether `value` nests objects or arrays deeper than `max` levels (checked without recursion, so
 * a hostile depth cannot overflow the stack here as it would in `canonicalJson`).
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (d >= max) return true;
    for (const x of Object.values(v)) stack.push([x, d + 1]);
  }
  return false;
}
