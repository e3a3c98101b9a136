/**
 * The hardened container definition every Airlock task uses: read-only root filesystem, a
 * non-root user, all Linux capabilities dropped, an init process, writable scratch volumes,
 * secrets only by reference (`hardenedContainer` is pure: resolved values in, JSON out), and the
 * Fargate task definition that carries it.
 *
 * A scratch volume is a Fargate bind mount (Fargate has no tmpfs). It is root-owned with mode 0755
 * unless the image declares the path as a `VOLUME` and owns it as the agent user, which the
 * non-root agent needs to write there; see ./dockerfile.ts for the documented rule and the check
 * Airlock runs on the Dockerfiles it builds. An image given by digest cannot be read offline: it
 * must do the same, and only a deploy shows whether it does.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

/** The volume of the default scratch path `/tmp` (named `scratch` since the first release). */
export const SCRATCH_VOLUME = "scratch";
/** The default scratch path: `/tmp`. */
export const SCRATCH_PATH = "/tmp";
/** Scratch paths of a task when none are given: `/tmp`. */
export const DEFAULT_SCRATCH_PATHS: readonly string[] = [SCRATCH_PATH];

/** The task volume a scratch path is mounted from: `scratch` for /tmp, else `scratch-<path with - for />`. */
export function scratchVolumeName(path: string): string {
  return path === SCRATCH_PATH ? SCRATCH_VOLUME : `scratch-${path.slice(1).replace(/[^A-Za-z0-9]+/g, "-")}`.slice(0, 255);
}

const SCRATCH_PATH_SHAPE = /^(\/[A-Za-z0-9._-]+)+\/?$/;

/**
 * Checks and normalises scratch paths: absolute, no `.`/`..` segments, each once, none inside
 * another, each with its own volume name. Throws naming `field[i]`.
 */
export function validateScratchPaths(paths: readonly string[], field = "scratchPaths"): string[] {
  if (!Array.isArray(paths)) throw new Error(`\`${field}\`: give a list of absolute paths such as ["/tmp"]`);
  const out: string[] = [];
  paths.forEach((raw, i) => {
    const at = `\`${field}[${i}]\``;
    if (raw === "/") throw new Error(`${at}: "/" would hide the whole image; give a directory such as /tmp`);
    if (typeof raw !== "string" || !SCRATCH_PATH_SHAPE.test(raw) || raw.split("/").some((seg) => seg === "." || seg === "..")) {
      throw new Error(`${at}: ${JSON.stringify(raw)} is not an absolute path such as /tmp (letters, digits, \`.\`, \`_\`, \`-\` and \`/\` only)`);
    }
    const path = raw.replace(/\/+$/, "");
    if (out.includes(path)) throw new Error(`${at}: ${JSON.stringify(raw)} is ${path} again; list each path once`);
    const outer = out.find((p) => path.startsWith(`${p}/`) || p.startsWith(`${path}/`));
    if (outer !== undefined) {
      const [parent] = [outer, path].sort((a, b) => a.length - b.length);
      throw new Error(`${at}: ${JSON.stringify(raw)} ${parent === outer ? `is inside ${JSON.stringify(outer)}, which is already a scratch volume` : `contains ${JSON.stringify(outer)}, already a scratch volume`}; list only ${parent}`);
    }
    const clash = out.find((p) => scratchVolumeName(p) === scratchVolumeName(path));
    if (clash !== undefined) throw new Error(`${at}: ${JSON.stringify(raw)} and ${JSON.stringify(clash)} would share the volume name ${scratchVolumeName(path)}; rename one directory`);
    out.push(path);
  });
  return out;
}

/** What {@link hardenedContainer} needs: resolved values only. */
export interface ContainerSpec {
  /** The container's name in the task definition. */
  readonly name: string;
  /** The image reference (pinned by digest). */
  readonly image: string;
  /** The non-root user the container runs as (`uid:gid`). */
  readonly user: string;
  /** The command. @default - the image's */
  readonly command?: readonly string[];
  /** Plain, non-secret environment (written sorted by name). */
  readonly environment: Readonly<Record<string, string>>;
  /** Env var name → secret ARN. */
  readonly secrets: Readonly<Record<string, string>>;
  /** The log group the `awslogs` driver writes to. */
  readonly logGroupName: string;
  /** The log group's region. */
  readonly region: string;
  /** The `awslogs-stream-prefix` of the container's log streams. */
  readonly streamPrefix: string;
  /** Writable paths on the read-only root, each its own bind mount. @default DEFAULT_SCRATCH_PATHS (/tmp) */
  readonly scratchPaths?: readonly string[];
}

/**
 * The hardened container definition every Airlock task uses: read-only root filesystem, the
 * non-root `user`, all Linux capabilities dropped, an init process, writable scratch mounts, secrets
 * only by reference (`valueFrom`), non-blocking `awslogs` logging. Pure: resolved values in, JSON out.
 *
 * @param spec - the container's resolved settings
 * @returns one entry of a task definition's `containerDefinitions`
 */
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
    mountPoints: (spec.scratchPaths ?? DEFAULT_SCRATCH_PATHS).map((p) => ({ sourceVolume: scratchVolumeName(p), containerPath: p, readOnly: false })),
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

/** Arguments of {@link fargateTaskDefinition}. */
export interface FargateTaskArgs {
  /** The task definition family. */
  readonly family: string;
  /** JSON of the container definitions (see `hardenedContainer`). */
  readonly containerDefinitions: pulumi.Input<string>;
  /** CPU units of the task (a Fargate size). */
  readonly cpu: number;
  /** Memory of the task in MiB (a Fargate size for `cpu`). */
  readonly memory: number;
  /** The CPU architecture of the task. */
  readonly architecture: "X86_64" | "ARM64";
  /** The execution role (image pull, logs, secrets). */
  readonly executionRoleArn: pulumi.Input<string>;
  /** The task role (what the containers' code may do). */
  readonly taskRoleArn: pulumi.Input<string>;
  /** Tags on the task definition. */
  readonly tags: Record<string, string>;
  /** The container's scratch paths; a volume is declared for each. @default DEFAULT_SCRATCH_PATHS (/tmp) */
  readonly scratchPaths?: readonly string[];
}

/**
 * A Fargate task definition as every Airlock task has it: awsvpc networking, the scratch volumes
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
      volumes: (args.scratchPaths ?? DEFAULT_SCRATCH_PATHS).map((p) => ({ name: scratchVolumeName(p) })),
      skipDestroy: true,
      tags: args.tags,
    },
    opts,
  );
}
