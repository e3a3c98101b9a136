/**
 * The task sizes Fargate runs: each `cpu` value allows a fixed set of `memory` values (MiB). A task
 * definition with any other pair is rejected at registration ("No Fargate configuration exists for
 * given values").
 */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

export interface FargateCpuOption {
  /** CPU units (1024 = 1 vCPU). */
  readonly cpu: number;
  /** Valid task memory in MiB. */
  readonly memory: readonly number[];
  /** Operating systems that run this size on Fargate. */
  readonly os: readonly ("LINUX" | "WINDOWS")[];
  readonly source: FactSource;
}

const URL = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html";
const range = (from: number, to: number, step: number): number[] => Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
const src = (quote: string): FactSource => ({ url: URL, quote, checked: FACTS_CHECKED });

export const FARGATE_TASK_SIZES: readonly FargateCpuOption[] = [
  { cpu: 256, memory: [512, 1024, 2048], os: ["LINUX"], source: src("512 (0.5 GB), 1024 (1 GB), 2048 (2 GB) - Available cpu values: 256 (.25 vCPU)") },
  { cpu: 512, memory: range(1024, 4096, 1024), os: ["LINUX"], source: src("1024 (1 GB), 2048 (2 GB), 3072 (3 GB), 4096 (4 GB) - Available cpu values: 512 (.5 vCPU)") },
  { cpu: 1024, memory: range(2048, 8192, 1024), os: ["LINUX", "WINDOWS"], source: src("2048 (2 GB), 3072 (3 GB), 4096 (4 GB), 5120 (5 GB), 6144 (6 GB), 7168 (7 GB), 8192 (8 GB) - Available cpu values: 1024 (1 vCPU)") },
  { cpu: 2048, memory: range(4096, 16384, 1024), os: ["LINUX", "WINDOWS"], source: src("Between 4096 (4 GB) and 16384 (16 GB) in increments of 1024 (1 GB) - Available cpu values: 2048 (2 vCPU)") },
  { cpu: 4096, memory: range(8192, 30720, 1024), os: ["LINUX", "WINDOWS"], source: src("Between 8192 (8 GB) and 30720 (30 GB) in increments of 1024 (1 GB) - Available cpu values: 4096 (4 vCPU)") },
  { cpu: 8192, memory: range(16384, 61440, 4096), os: ["LINUX"], source: src("Between 16 GB and 60 GB in 4 GB increments - Available cpu values: 8192 (8 vCPU)This option requires Linux platform 1.4.0 or later.") },
  { cpu: 16384, memory: range(32768, 122880, 8192), os: ["LINUX"], source: src("Between 32GB and 120 GB in 8 GB increments - Available cpu values: 16384 (16 vCPU)This option requires Linux platform 1.4.0 or later.") },
];

export const FARGATE_CPU_VALUES: readonly number[] = FARGATE_TASK_SIZES.map((o) => o.cpu);

/** Whether Fargate runs a task of this size (on Linux unless `os` says Windows). */
export function isFargateTaskSize(cpu: number, memory: number, os: "LINUX" | "WINDOWS" = "LINUX"): boolean {
  const o = FARGATE_TASK_SIZES.find((x) => x.cpu === cpu);
  return o !== undefined && o.os.includes(os) && o.memory.includes(memory);
}

/** The valid pairs closest to a requested size: same cpu with the nearest memory, and the cpu values that allow this memory. */
export function nearestFargateSizes(cpu: number, memory: number): { readonly memoryForCpu: readonly number[]; readonly cpuForMemory: readonly number[] } {
  const option = FARGATE_TASK_SIZES.find((x) => x.cpu === cpu);
  let memoryForCpu: number[] = [];
  if (option !== undefined) {
    const lower = [...option.memory].reverse().find((m) => m <= memory);
    const upper = option.memory.find((m) => m >= memory);
    memoryForCpu = [...new Set([lower, upper].filter((m): m is number => m !== undefined))];
  }
  const cpuForMemory = FARGATE_TASK_SIZES.filter((x) => x.memory.includes(memory)).map((x) => x.cpu);
  return { memoryForCpu, cpuForMemory };
}

/** Why a cpu/memory pair is not a Fargate size, with the nearest valid choices; undefined when valid. */
export function fargateSizeProblem(cpu: number, memory: number, os: "LINUX" | "WINDOWS" = "LINUX"): string | undefined {
  if (isFargateTaskSize(cpu, memory, os)) return undefined;
  const option = FARGATE_TASK_SIZES.find((x) => x.cpu === cpu);
  if (option === undefined) return `cpu ${cpu} is not a Fargate cpu value; use one of ${FARGATE_CPU_VALUES.join(", ")}`;
  if (!option.os.includes(os)) return `cpu ${cpu} does not run ${os} tasks on Fargate; use cpu ${FARGATE_TASK_SIZES.filter((x) => x.os.includes(os)).map((x) => x.cpu).join(", ")}`;
  const near = nearestFargateSizes(cpu, memory);
  const alt = near.cpuForMemory.length > 0 ? `, or keep memory ${memory} with cpu ${near.cpuForMemory.join(" or ")}` : "";
  return `cpu ${cpu} with memory ${memory} is not a Fargate task size; with cpu ${cpu} use memory ${near.memoryForCpu.join(" or ")} (valid: ${describe(option)})${alt}`;
}

function describe(o: FargateCpuOption): string {
  const m = o.memory;
  if (m.length <= 4) return m.join(", ");
  return `${m[0]} to ${m[m.length - 1]} in steps of ${m[1]! - m[0]!}`;
}
