export * from "./eval-gate.ts";
