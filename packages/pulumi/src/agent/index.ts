export * from "./agent-deployment.ts";
export * from "./container.ts";
export { Sandbox, SANDBOX_CONTAINER, type SandboxArgs, type SandboxRefs } from "./sandbox.ts";
