/**
 * The hardened container definition every Airlock task uses: read-only root filesystem, a
 * non-root user, all Linux capabilities dropped, an init process, one writable scratch volume,
 * secrets only by reference (`hardenedContainer` is pure: resolved values in, JSON out), and the
 * Fargate task definition that carries it.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

export const SCRATCH_VOLUME = "scratch";
export const SCRATCH_PATH = "/tmp";

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly user: string;
  readonly command?: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  /** Env var name → secret ARN. */
  readonly secrets: Readonly<Record<string, string>>;
  readonly logGroupName: string;
  readonly region: string;
  readonly streamPrefix: string;
}

export function hardenedContainer(spec: ContainerSpec): Record<string, unknown> {
  const env = Object.entries(spec.environment).sort(([a], [b]) => a.localeCompare(b));
  const secrets = Object.entries(spec.secrets).sort(([a], [b]) => a.localeCompare(b));
  return {
    name: spec.name,
    image: spec.image,
    essential: true,
    user: spec.user,
    readonlyRootFilesystem: true,
    privileged: false,
    linuxParameters: { capabilities: { add: [], drop: ["ALL"] }, initProcessEnabled: true },
    mountPoints: [{ sourceVolume: SCRATCH_VOLUME, containerPath: SCRATCH_PATH, readOnly: false }],
    ...(spec.command ? { command: [...spec.command] } : {}),
    environment: env.map(([name, value]) => ({ name, value })),
    secrets: secrets.map(([name, valueFrom]) => ({ name, valueFrom })),
    ulimits: [{ name: "nofile", softLimit: 4096, hardLimit: 8192 }],
    stopTimeout: 30,
    logConfiguration: {
      logDriver: "awslogs",
      options: {
        "awslogs-group": spec.logGroupName,
        "awslogs-region": spec.region,
        "awslogs-stream-prefix": spec.streamPrefix,
        mode: "non-blocking",
        "max-buffer-size": "4m",
      },
    },
  };
}

/** `123456789012.dkr.ecr.us-east-1.amazonaws.com/name@sha256:…` → its parts, or undefined. */
export function parseEcrImage(ref: string): { account: string; region: string; repository: string; digest: string } | undefined {
  const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9._/-]+)@(sha256:[a-f0-9]{64})$/.exec(ref);
  return m ? { account: m[1]!, region: m[2]!, repository: m[3]!, digest: m[4]! } : undefined;
}

export interface FargateTaskArgs {
  readonly family: string;
  /** JSON of the container definitions (see `hardenedContainer`). */
  readonly containerDefinitions: pulumi.Input<string>;
  readonly cpu: number;
  readonly memory: number;
  readonly architecture: "X86_64" | "ARM64";
  readonly executionRoleArn: pulumi.Input<string>;
  readonly taskRoleArn: pulumi.Input<string>;
  readonly tags: Record<string, string>;
}

/**
 * A Fargate task definition as every Airlock task has it: awsvpc networking, the scratch volume
 * the read-only containers write to, and retained when replaced (`skipDestroy`), so a release's
 * revision stays runnable for a rollback.
 */
export function fargateTaskDefinition(name: string, args: FargateTaskArgs, opts: pulumi.CustomResourceOptions): aws.ecs.TaskDefinition {
  return new aws.ecs.TaskDefinition(
    name,
    {
      family: args.family,
      containerDefinitions: args.containerDefinitions,
      cpu: String(args.cpu),
      memory: String(args.memory),
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: args.architecture },
      executionRoleArn: args.executionRoleArn,
      taskRoleArn: args.taskRoleArn,
      volumes: [{ name: SCRATCH_VOLUME }],
      skipDestroy: true,
      tags: args.tags,
    },
    opts,
  );
}
