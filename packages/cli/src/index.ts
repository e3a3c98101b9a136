/**
 * `@airlock/cli`: the programmatic API of the `airlock` command. `main` runs a command line against
 * an `Io`; `planTarget` plans a Pulumi project or a bare `agent.yaml` offline, and `renderPlan`
 * prints the result.
 *
 * @module @airlock/cli
 */
export { main } from "./main.ts";
export { bufferIo, processIo, UsageError, type Io } from "./io.ts";
export { planTarget, type PlanOptions } from "./plan/plan.ts";
export { renderPlan } from "./plan/render.ts";
export { readPulumiProject } from "./plan/project.ts";
