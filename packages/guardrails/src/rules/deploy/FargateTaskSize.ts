/**
 * A Fargate task definition's `cpu` and `memory` are one of the combinations Fargate runs
 * (`FARGATE_TASK_SIZES` in `@airlock/core`); any other pair fails at registration.
 */
import { fargateSizeProblem } from "@airlock/core";
import { NOT_APPLICABLE, verdict, type Props, type ResourceRule } from "../../rule.ts";
import { isRecord, stringList } from "../../support.ts";
import { ECS_TASK_DEFINITION as TASK_DEFINITION } from "../../types.ts";

/** CPU units from `512`, `"512"`, `"0.5 vCPU"`; undefined when unreadable. */
export function cpuUnits(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v !== "string") return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(vcpu)?\s*$/i.exec(v);
  if (m === null) return undefined;
  return m[2] !== undefined ? Math.round(Number(m[1]) * 1024) : Number(m[1]);
}

/** MiB from `1024`, `"1024"`, `"1GB"`, `"1 GB"`; undefined when unreadable. */
export function memoryMiB(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v !== "string") return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(gb)?\s*$/i.exec(v);
  if (m === null) return undefined;
  return m[2] !== undefined ? Math.round(Number(m[1]) * 1024) : Number(m[1]);
}

export const FargateTaskSize: ResourceRule = {
  kind: "resource",
  name: "FargateTaskSize",
  resourceTypes: [TASK_DEFINITION],
  check(type: string, props: Props) {
    if (type !== TASK_DEFINITION || !stringList(props.requiresCompatibilities).includes("FARGATE")) return NOT_APPLICABLE;
    const family = typeof props.family === "string" ? `task definition \`${props.family}\`` : "task definition";
    if (props.cpu === undefined || props.memory === undefined) {
      return verdict([`${family}: Fargate needs task-level \`cpu\` and \`memory\`; set both (e.g. cpu 512 with memory 1024)`]);
    }
    const cpu = cpuUnits(props.cpu);
    const memory = memoryMiB(props.memory);
    if (cpu === undefined || memory === undefined) return verdict([]); // unknown at plan time
    const platform = isRecord(props.runtimePlatform) ? props.runtimePlatform.operatingSystemFamily : undefined;
    const os = typeof platform === "string" && platform.startsWith("WINDOWS") ? "WINDOWS" : "LINUX";
    const problem = fargateSizeProblem(cpu, memory, os);
    return verdict(problem === undefined ? [] : [`${family}: \`cpu\`/\`memory\`: ${problem}`]);
  },
};
