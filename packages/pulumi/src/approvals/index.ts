export * from "./approval-gateway.ts";
