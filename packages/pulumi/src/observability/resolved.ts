/**
 * Settings resolved once. Each concern (alarm thresholds, log retention, alert targets, an agent's
 * approval route) has one `resolve…` function that fills its defaults and checks it, with messages
 * naming the field. The outermost component that takes a setting resolves it (AgentDeployment in
 * `validateDeploymentArgs`, AgentPlatform in `resolvePlatformArgs`) and hands the resolved value
 * to the inner components it builds (AgentObservability, AlertChannel, ApprovalGateway).
 *
 * The inner components are public too, and a user who builds one directly passes raw settings.
 * So each inner component calls the concern's `resolve…` on what it is given, and `resolve…`
 * returns a value it resolved before as it is, without checking it again: a setting is checked
 * once whichever way it arrived, with the same message.
 *
 * A resolved value is frozen and remembered here by identity, not marked by a property: it cannot
 * be forged, and a copy (`{ ...resolved, errorRatePercent: 0 }`) is raw again, so it is checked.
 * Each `Resolved…` type also carries a brand (a property keyed by a symbol that exists only for the
 * type checker), so TypeScript keeps raw and resolved values apart as well.
 */

const resolved = new WeakMap<object, string>();

/**
 * Freezes `value` and remembers it as resolved for `kind` (the concern): what a `resolve…` function
 * returns. Nested objects are the caller's to freeze (each `resolve…` builds its value from copies).
 */
export function markResolved<T extends object>(value: T, kind: string): T {
  Object.freeze(value);
  resolved.set(value, kind);
  return value;
}

/** Whether `value` is one a `resolve…` function of `kind` returned (not a copy of one): then it is a `T`. */
export function isResolved<T extends object>(value: unknown, kind: string): value is T {
  return typeof value === "object" && value !== null && resolved.get(value) === kind;
}
