/**
 * The agent's image: by digest, or built from the manifest's context (its Dockerfile checked for
 * the scratch paths before any resource) and pushed to a repository of its own, tagged by its
 * content, with a lifecycle policy that keeps what the releases pin; the sandbox's image when it is
 * a target of the same Dockerfile; the image each release runs and the repositories the execution
 * role may pull from.
 */
import { existsSync, readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ECR_IMAGES_PER_REPOSITORY, type AgentModel, type Finding } from "@airlock/core";
import { stackLabel, stackScopedName } from "../naming.ts";
import { recordPlanFinding } from "../registry.ts";
import { ecrRepositoryArn } from "../iam/index.ts";
import { buildContextHash, contextFileEntries, type BuildInputs } from "./build-context.ts";
import { DEFAULT_SCRATCH_PATHS, parseEcrImage } from "./container.ts";
import { scratchImageProblems } from "./dockerfile.ts";
import { releaseModelHash, type ReleaseSpec } from "./releases.ts";

/** The Dockerfile an image is built from: `image.build.dockerfile` (default `Dockerfile`) in the build context, which is relative to the manifest. */
export function dockerfileOf(model: AgentModel): { context: string; dockerfile: string } {
  if (model.image.kind !== "build") throw new Error("unreachable: dockerfileOf without a build context");
  const context = resolve(model.manifestDir ?? process.cwd(), model.image.context);
  return { context, dockerfile: resolve(context, model.image.dockerfile ?? "Dockerfile") };
}

/**
 * The image Airlock builds must prepare every scratch path for the agent user (see ./dockerfile.ts):
 * its Dockerfile's final stage owns each as `runtime.user` and declares it a VOLUME, or the plan
 * fails here, before any resource. A sandbox built from the same Dockerfile (`sandbox.image.build`)
 * needs its target stage to exist and to do the same for `/tmp`, its one scratch path.
 */
export function checkBuiltImage(model: AgentModel, scratchPaths: readonly string[]): void {
  const target = sandboxBuildTarget(model);
  if (scratchPaths.length === 0 && target === undefined) return;
  const { dockerfile } = dockerfileOf(model);
  const shown = relative(process.cwd(), dockerfile) || dockerfile;
  if (!existsSync(dockerfile)) {
    throw new Error(`\`agent.image.build.dockerfile\`: ${shown} does not exist; give the Dockerfile's path relative to the build context (\`agent.image.build.context\`)`);
  }
  const text = readFileSync(dockerfile, "utf8");
  const problems = scratchPaths.length === 0 ? [] : scratchImageProblems(text, { user: model.runtime.user, scratchPaths, file: shown });
  if (problems.length > 0) {
    throw new Error(
      `\`agent.image.build\`: the image's Dockerfile must make the scratch paths writable by the agent user: on Fargate a bind mount is owned by root (0755) unless the image declares the path a VOLUME it owns; ${problems.join("; ")} (or change \`scratchPaths\`)`,
    );
  }
  if (target !== undefined) {
    const sandbox = scratchImageProblems(text, { user: model.runtime.user, scratchPaths: DEFAULT_SCRATCH_PATHS, file: shown, target });
    if (sandbox.length > 0) throw new Error(`\`sandbox.image.build.target\`: the sandbox runs on a read-only root with /tmp as its scratch volume; ${sandbox.join("; ")}`);
  }
}

/** The stage of the agent's Dockerfile the sandbox image is built from, when the manifest says so (`sandbox.image.build.target`). */
export function sandboxBuildTarget(model: AgentModel): string | undefined {
  const image = model.sandbox?.image;
  return typeof image === "object" ? image.build.target : undefined;
}

/**
 * The ECR repository of an image Airlock builds: `airlock/<stack>/<agent>`, at most 256 characters,
 * with no two separators in a row (ECR's repository name pattern). The sandbox's is `<agent>-sandbox`.
 */
export function ecrRepositoryName(agent: string, stack: string = stackLabel()): string {
  return stackScopedName(["airlock", agent], 256, "/", stack.replace(/-{2,}/g, "-"));
}

/**
 * The tag of a built image: `<model hash, 12>-<build context hash, 12>`, unique to what is built
 * (the shipped model and every file the build sends, the Dockerfile, platform and target; see
 * ./build-context.ts), so a code-only change gets a new tag and the IMMUTABLE repository accepts
 * the push. It starts with the model's hash, which the lifecycle policy keeps by prefix.
 */
export function builtImageTag(model: AgentModel, inputs: BuildInputs, files?: readonly string[]): string {
  return `${model.hash.slice(0, TAG_PREFIX)}-${buildContextHash(inputs, files).slice(0, 12)}`;
}

/** Characters of the model hash that start a built image's tag (and the lifecycle policy's prefixes). */
const TAG_PREFIX = 12;
/**
 * The newest images of a built repository the last rule keeps. ECR counts every image in it,
 * those a higher-priority rule already keeps (a pinned model's) included, so these take places among them.
 */
export const KEEP_BUILT_IMAGES = 30;
/** The count that keeps every image of a pinned model: more than a repository could hold. */
const KEEP_ALL = ECR_IMAGES_PER_REPOSITORY;

/**
 * The lifecycle policy of a repository Airlock builds into: one rule per model a declared release
 * pins an image of (its tags start with that model's hash; a rule that never reaches its count
 * keeps them, and no lower-priority rule may expire an image a higher one selects), then the
 * newest {@link KEEP_BUILT_IMAGES} images of any tag, counted over every image in the repository
 * (ECR's lower-priority rule still counts the images a higher one kept, so images of pinned models
 * take places among those 30); the rest expire (ECR_LIFECYCLE_FACTS).
 */
export function builtImageLifecyclePolicy(pinned: Readonly<Record<string, readonly string[]>>): { rules: Record<string, unknown>[] } {
  const models = Object.keys(pinned).sort();
  const rules: Record<string, unknown>[] = models.map((hash, i) => ({
    rulePriority: i + 1,
    description: `keeps every image of model ${hash.slice(0, TAG_PREFIX)}, which release ${pinned[hash]!.join(", ")} pins`.slice(0, 256),
    selection: { tagStatus: "tagged", tagPrefixList: [hash.slice(0, TAG_PREFIX)], countType: "imageCountMoreThan", countNumber: KEEP_ALL },
    action: { type: "expire" },
  }));
  rules.push({
    rulePriority: models.length + 1,
    description: `keeps the ${KEEP_BUILT_IMAGES} newest images${models.length > 0 ? ", counting those kept above" : ""}; older ones expire`,
    selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: KEEP_BUILT_IMAGES },
    action: { type: "expire" },
  });
  return { rules };
}

/** An image Airlock built and pushed: its digest reference and its repository. */
export interface BuiltImage {
  readonly image: pulumi.Output<string>;
  readonly repositoryArn: pulumi.Output<string>;
  /** The sandbox's image, built from the agent's Dockerfile's target (`sandbox.image.build`), in a repository of its own. */
  readonly sandbox?: { readonly image: pulumi.Output<string>; readonly repositoryArn: pulumi.Output<string> };
}

/**
 * Builds the manifest's image and pushes it to an immutable, scanned, KMS-encrypted repository of
 * its own with a lifecycle policy that keeps every image a declared release pins there; and the
 * sandbox's, when it is a target of the same Dockerfile. Children of `parent`.
 */
export function buildImage(name: string, model: AgentModel, releases: Readonly<Record<string, ReleaseSpec>>, tags: Record<string, string>, parent: pulumi.Resource): BuiltImage {
  if (model.image.kind !== "build") throw new Error("unreachable: buildImage without a build context");
  const { context, dockerfile } = dockerfileOf(model);
  const platform = model.image.platform ?? (model.runtime.architecture === "ARM64" ? "linux/arm64" : "linux/amd64");
  const repositoryName = ecrRepositoryName(model.name);
  // The releases that pin an image of this repository, by the model each ships.
  const pinned: Record<string, string[]> = {};
  for (const [id, r] of Object.entries(releases)) {
    if (r.image !== undefined && parseEcrImage(r.image)?.repository === repositoryName) (pinned[releaseModelHash(model, r)] ??= []).push(id);
  }
  // The context's files are read once for both images' tags.
  const files = contextFileEntries(context);
  const agent = pushImage(`${name}-image`, { model, repositoryName, context, files, dockerfile, platform, pinned }, tags, parent);
  const target = sandboxBuildTarget(model);
  if (target === undefined) return agent;
  // The sandbox task definition runs only the image built now: no release pins a sandbox image.
  const sandbox = pushImage(`${name}-sandbox-image`, { model, repositoryName: ecrRepositoryName(`${model.name}-sandbox`), context, files, dockerfile, platform, target, pinned: {} }, tags, parent);
  return { ...agent, sandbox };
}

/** AIR-I111: what the lifecycle policy of a built repository keeps, for reviewers reading the plan. */
function lifecycleFinding(a: PushArgs): Finding {
  const models = Object.entries(a.pinned).sort(([x], [y]) => x.localeCompare(y));
  const kept = models.map(([hash, ids]) => `every image of model ${hash.slice(0, TAG_PREFIX)} (release ${ids.join(", ")})`);
  return {
    rule: "AIR-I111",
    severity: "info",
    subject: `${a.model.name}: ${a.repositoryName}`,
    message:
      `the repository's lifecycle policy keeps ${[...kept, `the ${KEEP_BUILT_IMAGES} newest images`].join(" and ")}; older images expire` +
      (kept.length > 0 ? ` (ECR counts the images of pinned models among those ${KEEP_BUILT_IMAGES} newest, so fewer other builds stay)` : "") +
      ". " +
      (a.target !== undefined
        ? "The sandbox task definition runs the image built now; no release pins another"
        : "An image of it that another stack pins by digest (a promotion) is not known here and may expire: declare it as a release of this stack too, or copy it to that stack's repository"),
  };
}

interface PushArgs {
  readonly model: AgentModel;
  readonly repositoryName: string;
  readonly context: string;
  /** The context's files (contextFileEntries), read once for every image built from it. */
  readonly files: readonly string[];
  readonly dockerfile: string;
  readonly platform: string;
  readonly target?: string;
  readonly pinned: Readonly<Record<string, readonly string[]>>;
}

/** One repository, its lifecycle policy and one image built into it (resources named `name`). */
function pushImage(name: string, a: PushArgs, tags: Record<string, string>, parent: pulumi.Resource): { image: pulumi.Output<string>; repositoryArn: pulumi.Output<string> } {
  const repo = new aws.ecr.Repository(
    name,
    { name: a.repositoryName, imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true }, encryptionConfigurations: [{ encryptionType: "KMS" }], tags },
    { parent },
  );
  new aws.ecr.LifecyclePolicy(name, { repository: repo.name, policy: JSON.stringify(builtImageLifecyclePolicy(a.pinned)) }, { parent });
  recordPlanFinding(lifecycleFinding(a));
  const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: repo.registryId }, { parent });
  const tag = builtImageTag(a.model, { context: a.context, dockerfile: a.dockerfile, platform: a.platform, ...(a.target !== undefined ? { target: a.target } : {}) }, a.files);
  const image = new docker.Image(
    name,
    {
      imageName: pulumi.interpolate`${repo.repositoryUrl}:${tag}`,
      build: {
        // Relative to the manifest, written relative to where Pulumi runs (the project directory);
        // the provider reads a relative `dockerfile` from there too, not from the context. It is
        // the file the plan checked.
        context: relative(process.cwd(), a.context) || ".",
        dockerfile: relative(process.cwd(), a.dockerfile),
        platform: a.platform,
        ...(a.target !== undefined ? { target: a.target } : {}),
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
