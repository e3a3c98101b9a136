/** Names whose values are secrets by name, for redactors that replace such values whole. */
import { nameStrength } from "./engine.ts";

/**
 * Whether a name says its value is a secret (`password`, `OPENAI_API_KEY`, `X-Service-Key`,
 * `clientSecret`, `Authorization`, `Cookie`), as opposed to settings and references that merely
 * mention one (`max_tokens`, `secretArn`, `password_hash`, `keyId`, `public_key`).
 */
export function isSecretName(name: string): boolean {
  return nameStrength(name) === "strong";
}
