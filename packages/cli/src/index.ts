export { main } from "./main.ts";
export { bufferIo, processIo, UsageError, type Io } from "./io.ts";
export { planTarget, type PlanOptions } from "./plan/plan.ts";
export { renderPlan } from "./plan/render.ts";
export { readPulumiProject } from "./plan/project.ts";
