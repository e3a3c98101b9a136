/**
 * The agent's image: by digest, or built from the manifest's context (its Dockerfile checked for
 * the scratch paths before any resource) and pushed to a repository of its own; the image each
 * release runs and the repositories the execution role may pull from.
 */
import { existsSync, readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { AgentModel } from "@airlock/core";
import { stackLabel, stackScopedName } from "../naming.ts";
import { ecrRepositoryArn } from "../iam/index.ts";
import { parseEcrImage } from "./container.ts";
import { scratchImageProblems } from "./dockerfile.ts";
import type { ReleaseSpec } from "./releases.ts";

/** The Dockerfile an image is built from: `image.build.dockerfile` (default `Dockerfile`) in the build context, which is relative to the manifest. */
export function dockerfileOf(model: AgentModel): { context: string; dockerfile: string } {
  if (model.image.kind !== "build") throw new Error("unreachable: dockerfileOf without a build context");
  const context = resolve(model.manifestDir ?? process.cwd(), model.image.context);
  return { context, dockerfile: resolve(context, model.image.dockerfile ?? "Dockerfile") };
}

/**
 * The image Airlock builds must prepare every scratch path for the agent user (see ./dockerfile.ts):
 * its Dockerfile's final stage owns each as `runtime.user` and declares it a VOLUME, or the plan
 * fails here, before any resource.
 */
export function checkBuiltImage(model: AgentModel, scratchPaths: readonly string[]): void {
  if (scratchPaths.length === 0) return;
  const { dockerfile } = dockerfileOf(model);
  const shown = relative(process.cwd(), dockerfile) || dockerfile;
  if (!existsSync(dockerfile)) {
    throw new Error(`\`agent.image.build.dockerfile\`: ${shown} does not exist; give the Dockerfile's path relative to the build context (\`agent.image.build.context\`)`);
  }
  const problems = scratchImageProblems(readFileSync(dockerfile, "utf8"), { user: model.runtime.user, scratchPaths, file: shown });
  if (problems.length > 0) {
    throw new Error(
      `\`agent.image.build\`: the image's Dockerfile must make the scratch paths writable by the agent user: on Fargate a bind mount is owned by root (0755) unless the image declares the path a VOLUME it owns; ${problems.join("; ")} (or change \`scratchPaths\`)`,
    );
  }
}

/**
 * The ECR repository of an image Airlock builds: `airlock/<stack>/<agent>`, at most 256 characters,
 * with no two separators in a row (ECR's repository name pattern).
 */
export function ecrRepositoryName(agent: string, stack: string = stackLabel()): string {
  return stackScopedName(["airlock", agent], 256, "/", stack.replace(/-{2,}/g, "-"));
}

/** An image Airlock built and pushed: its digest reference and its repository. */
export interface BuiltImage {
  readonly image: pulumi.Output<string>;
  readonly repositoryArn: pulumi.Output<string>;
}

/** Builds the manifest's image and pushes it to an immutable, scanned, KMS-encrypted repository of its own (children of `parent`). */
export function buildImage(name: string, model: AgentModel, tags: Record<string, string>, parent: pulumi.Resource): BuiltImage {
  if (model.image.kind !== "build") throw new Error("unreachable: buildImage without a build context");
  const { context, dockerfile } = dockerfileOf(model);
  const repo = new aws.ecr.Repository(
    `${name}-image`,
    { name: ecrRepositoryName(model.name), imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true }, encryptionConfigurations: [{ encryptionType: "KMS" }], tags },
    { parent },
  );
  const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: repo.registryId }, { parent });
  const image = new docker.Image(
    `${name}-image`,
    {
      imageName: pulumi.interpolate`${repo.repositoryUrl}:${model.hash.slice(0, 12)}`,
      build: {
        // Relative to the manifest, written relative to where Pulumi runs (the project directory);
        // the provider reads a relative `dockerfile` from there too, not from the context. It is
        // the file the plan checked.
        context: relative(process.cwd(), context) || ".",
        dockerfile: relative(process.cwd(), dockerfile),
        platform: model.image.platform ?? (model.runtime.architecture === "ARM64" ? "linux/arm64" : "linux/amd64"),
      },
      registry: { server: repo.repositoryUrl, username: auth.userName, password: pulumi.secret(auth.password) },
    },
    { parent },
  );
  return { image: image.repoDigest, repositoryArn: repo.arn };
}

/**
 * What each release runs and where it is pulled from: a release's own image, else the manifest's
 * digest, else the image built here; one repository ARN per release (in release order).
 */
export function releaseImages(
  model: AgentModel,
  releases: Readonly<Record<string, ReleaseSpec>>,
  built: BuiltImage | undefined,
  partition: pulumi.Input<string>,
): { imageOf: (id: string) => pulumi.Output<string>; repositoryArns: pulumi.Output<string>[] } {
  const imageOf = (id: string): pulumi.Output<string> => {
    const explicit = releases[id]!.image;
    if (explicit !== undefined) return pulumi.output(explicit);
    if (model.image.kind === "digest") return pulumi.output(model.image.ref);
    return built!.image;
  };
  const repositoryArns = Object.keys(releases).map((id) => {
    const explicit = releases[id]!.image ?? (model.image.kind === "digest" ? model.image.ref : undefined);
    if (explicit !== undefined) return ecrRepositoryArn(partition, parseEcrImage(explicit)!);
    return built!.repositoryArn;
  });
  return { imageOf, repositoryArns };
}
