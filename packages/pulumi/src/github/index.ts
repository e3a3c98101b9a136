export * from "./eval-gate.ts";
export * from "./config.ts";
