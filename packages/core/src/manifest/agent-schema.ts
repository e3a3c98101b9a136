/**
 * The schema of `agent`: its name, owner, image (a digest or a build), model, prompt and Fargate
 * runtime, with their defaults. `schema.ts` gives it its description where it
 * places it under `agent`.
 */
import { z } from "zod";
import { ENV_NAME, IMAGE_DIGEST, NAME } from "./formats.ts";

export const AgentSchema = z
  .strictObject({
    name: z
      .string()
      .regex(NAME, { message: "must be kebab-case: lowercase letters, digits and `-`, 2 to 32 characters" })
      .describe("The agent's name, in every resource name and the `airlock:agent` tag: kebab-case (a lowercase letter, then lowercase letters, digits or `-`, not ending in `-`), 2 to 32 characters, e.g. `support-agent`."),
    owner: z
      .string()
      .trim()
      .min(1, { message: "name the team or person accountable for the agent" })
      .describe("The team or person accountable for the agent, e.g. `support-platform@example.com`; the `airlock:owner` tag and the runbook show it. Must not be blank."),
    description: z.string().optional().describe("What the agent does, in a sentence; the runbook shows it."),
    image: z
      .union(
        [
          z
            .strictObject({
              /** `registry/repo@sha256:<digest>`; tags are not accepted because they move. */
              digest: z
                .string()
                .regex(IMAGE_DIGEST, { message: "must be `registry/repository@sha256:<64 hex>`; tags move, digests do not" })
                .describe("`registry/repository@sha256:<64 hex digits>`; tags are not accepted because they move. E.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com/support-agent@sha256:4c1a…`."),
            })
            .describe("A pushed image, by digest."),
          z
            .strictObject({
              /** Build context directory, relative to the manifest. */
              build: z
                .strictObject({
                  context: z.string().min(1).describe("The build context directory, relative to the manifest, e.g. `.`."),
                  dockerfile: z
                    .string()
                    .optional()
                    .describe("The Dockerfile, relative to the build context. Default: `Dockerfile`. It must create each scratch path owned by `runtime.user` and declare it a `VOLUME`."),
                  platform: z
                    .enum(["linux/amd64", "linux/arm64"])
                    .optional()
                    .describe("The platform to build for: `linux/amd64` or `linux/arm64`. Default: the one `runtime.architecture` runs (`ARM64` → `linux/arm64`)."),
                })
                .describe("The image to build and push to the agent's ECR repository when Pulumi deploys."),
            })
            .describe("An image Airlock builds from a directory."),
        ],
        { message: "give `image.digest` (a pushed image by digest) or `image.build.context` (a directory to build)" },
      )
      .describe("The agent's container image: `digest` (a pushed image by digest) or `build` (a directory Airlock builds)."),
    model: z
      .strictObject({
        provider: z
          .enum(["anthropic", "bedrock"])
          .describe("`anthropic` (the Anthropic API with an API key, named by `secret`) or `bedrock` (Amazon Bedrock, authenticated with the task role)."),
        id: z
          .string()
          .min(1)
          .describe("The model id. For `anthropic`, e.g. `claude-sonnet-4-5`; for `bedrock`, a model id (`anthropic.claude-sonnet-4-5-20250929-v1:0`, resolved to the region's geographic inference profile) or an inference profile id (`us.anthropic.…`)."),
        /** Name of the entry in `secrets` holding the provider key (Anthropic). */
        secret: z
          .string()
          .optional()
          .describe("The name of the entry in `secrets` that holds the API key: required for `anthropic`, refused for `bedrock`."),
      })
      .describe("The model the agent calls."),
    /** Path of the system prompt, relative to the manifest; hashed into each release. */
    prompt: z.string().optional().describe("The system prompt's file, relative to the manifest, e.g. `prompts/system.md`; its content is hashed into each release."),
    runtime: z
      .strictObject({
        cpu: z
          .union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)])
          .default(512)
          .describe("CPU units of the agent's Fargate task (1024 = 1 vCPU): 256, 512, 1024, 2048 or 4096. Default: 512. With `memory`, it must be a Fargate task size."),
        memory: z
          .number()
          .int()
          .min(512)
          .max(30720)
          .default(1024)
          .describe("Memory of the agent's task in MiB, one Fargate runs with `cpu`: for cpu 256, 512, 1024 or 2048; 512: 1024 to 4096; 1024: 2048 to 8192; 2048: 4096 to 16384; 4096: 8192 to 30720, in steps of 1024. Default: 1024."),
        architecture: z.enum(["X86_64", "ARM64"]).default("ARM64").describe("The CPU architecture the task runs on: `ARM64` or `X86_64`. Default: `ARM64`."),
        /** uid:gid the container runs as; never root. */
        user: z
          .string()
          .regex(/^[1-9][0-9]{2,}:[1-9][0-9]{2,}$/, { message: "must be a non-root `uid:gid` such as `10001:10001`" })
          .default("10001:10001")
          .describe("`uid:gid` the container runs as, never root (each at least 100), e.g. `10001:10001`. Default: `10001:10001`."),
        command: z
          .array(z.string().describe("One argument of the command."))
          .optional()
          .describe("The container's command, replacing the image's, as a list, e.g. `[node, main.js]`. Default: the image's."),
        /** Plain, non-secret environment; credential-looking values are rejected. */
        environment: z
          .record(
            z.string().regex(ENV_NAME, { message: "must be SCREAMING_SNAKE_CASE" }).describe("The variable's name, SCREAMING_SNAKE_CASE, e.g. `TICKETS_TABLE`."),
            z.string().describe("The variable's value, a string (quote numbers and booleans)."),
          )
          .default({})
          .describe("Plain, non-secret environment variables of the agent's container. A value that looks like a credential is refused: declare it under `secrets`. Default: none."),
        desiredCount: z
          .number()
          .int()
          .min(0)
          .max(100)
          .default(1)
          .describe("How many agent tasks the service runs, 0 to 100. Default: 1. 0 creates everything but starts no task (the first deploy, before out-of-band secrets have values)."),
      })
      .default({ cpu: 512, memory: 1024, architecture: "ARM64", user: "10001:10001", environment: {}, desiredCount: 1 })
      .describe("The agent's Fargate task. Default: 512 CPU units, 1024 MiB, `ARM64`, user `10001:10001`, no environment, 1 task."),
  });
