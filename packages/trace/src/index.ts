export * from "./constants.ts";
export * from "./prices.ts";
export * from "./redact.ts";
export * from "./emf.ts";
export * from "./usage.ts";
export * from "./posthog.ts";
export type * from "./record.ts";
export * from "./tracer.ts";
