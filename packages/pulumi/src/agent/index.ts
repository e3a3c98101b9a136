export * from "./agent-deployment.ts";
export * from "./container.ts";
