/**
 * `@airlock/trace`: the runtime tracer an agent links in. `createTracer` wraps each model call and
 * tool call; for every call it writes one CloudWatch Embedded Metric Format line and queues a
 * PostHog LLM-analytics event, with arguments, outputs and error messages redacted by the secret
 * patterns of `@airlock/core`.
 *
 * @module @airlock/trace
 */
export * from "./constants.ts";
export * from "./prices.ts";
export * from "./redact.ts";
export * from "./emf.ts";
export * from "./usage.ts";
export * from "./posthog.ts";
export type * from "./record.ts";
export * from "./tracer.ts";
