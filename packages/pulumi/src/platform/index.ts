export * from "./agent-platform.ts";
