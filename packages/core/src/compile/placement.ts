/**
 * Where an agent's resources are: one account, one partition and (for regional services) its
 * platform's Region. In the manifest (`checkGrantPlacement`, run by `compile`) every ARN must name
 * a partition AWS has, the agent's partition and its account (both from its image's ECR registry,
 * else from its first ARN); at deploy (`checkModelPlacement`, run by the deployment with the
 * platform's Region) every regional ARN must be in that Region and partition, since the agent
 * reaches AWS only through the platform's VPC endpoints.
 */
import { arnParts, isPartition, PARTITIONS, regionPartition } from "../aws/partitions.ts";
import type { ProblemList } from "../errors.ts";
import type { AgentModel } from "./model.ts";

/**
 * What the manifest check reads of a manifest: written out rather than `Manifest`, whose types are
 * zod's, so the package's main entry (which exports this module) declares nothing of zod.
 */
interface PlacedManifest {
  readonly agent: { readonly image: { readonly digest: string } | object };
  readonly tools: readonly { readonly aws: readonly { readonly resources: readonly string[] }[] }[];
}

/** `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/…`, as ECR names its registries. */
const ECR_IMAGE = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\//;

/** Secrets Airlock manages are named `airlock/<stack>/<owner>/<secret>` (pulumi `AgentSecrets`). */
const AIRLOCK_SECRET = /^secret:airlock\//;

interface Home {
  readonly partition?: string;
  readonly account?: string;
  /** Where the home was read from, for messages. */
  readonly from: string;
}

function homeOf(m: PlacedManifest): Home {
  const digest = "digest" in m.agent.image ? m.agent.image.digest : undefined;
  const ecr = digest === undefined ? null : ECR_IMAGE.exec(digest);
  if (ecr !== null) return { account: ecr[1]!, partition: regionPartition(ecr[2]!) ?? (ecr[3] ? "aws-cn" : "aws"), from: "its image's ECR registry" };
  for (const t of m.tools) {
    for (const g of t.aws) {
      for (const r of g.resources) {
        const p = arnParts(r);
        if (p === undefined || !isPartition(p.partition)) continue;
        return { partition: p.partition, ...(/^\d{12}$/.test(p.account) ? { account: p.account } : {}), from: `its first resource, ${r}` };
      }
    }
  }
  return { from: "" };
}

/** Adds a problem for every resource ARN outside the agent's partition or account, in a made-up partition, or another agent's secret. */
export function checkGrantPlacement(m: PlacedManifest, problems: ProblemList): void {
  let home = homeOf(m);
  m.tools.forEach((t, i) =>
    t.aws.forEach((g, j) =>
      g.resources.forEach((r, k) => {
        const at = `tools[${i}].aws[${j}].resources[${k}]`;
        const p = arnParts(r);
        if (p === undefined) return; // not an ARN: the grant's own check says so
        if (!isPartition(p.partition)) {
          problems.add(at, `"${r}" names partition "${p.partition}", which AWS does not have; write one of ${PARTITIONS.map((x) => x.id).join(", ")} (usually aws)`);
          return;
        }
        if (home.partition === undefined) home = { ...home, partition: p.partition };
        if (p.partition !== home.partition) {
          problems.add(at, `"${r}" is in partition ${p.partition}, but the agent is in ${home.partition} (${home.from}); a role cannot act in another partition: use the ${home.partition} ARN`);
          return;
        }
        if (/^\d{12}$/.test(p.account)) {
          if (home.account === undefined) home = { ...home, account: p.account };
          else if (p.account !== home.account) {
            problems.add(
              at,
              `"${r}" is in account ${p.account}, not the agent's account ${home.account} (${home.from}); the task role is granted only its own account's resources: use the ${resourceWord(p.resource)} of account ${home.account}, or deploy the agent in ${p.account}`,
            );
            return;
          }
        }
        if (p.service === "secretsmanager" && AIRLOCK_SECRET.test(p.resource)) {
          problems.add(at, `"${r}" is a secret Airlock manages for an agent; a tool reads only its own agent's secrets, declared under \`secrets\` and named in the tool's \`secrets\`: remove the grant`);
        }
      }),
    ),
  );
}

function resourceWord(resource: string): string {
  const type = /^([a-z-]+)[/:]/.exec(resource)?.[1];
  return type ?? "resource";
}

/**
 * Throws, naming the tool and the fix, when a grant of `model` is in another Region or partition
 * than `region`'s: the agent reaches AWS only through the platform's VPC endpoints, in its Region.
 */
export function checkModelPlacement(model: AgentModel, region: string): void {
  const partition = regionPartition(region);
  for (const p of model.permissions) {
    if (!p.system.startsWith("aws:")) continue;
    for (const r of p.resources) {
      const parts = arnParts(r);
      if (parts === undefined) continue;
      if (partition !== undefined && parts.partition !== partition) {
        throw new Error(
          `\`tools\`: tool \`${p.tool}\` of agent \`${model.name}\` is granted ${r}, in partition ${parts.partition}, but the platform deploys to ${region} (partition ${partition}); a role cannot act in another partition: grant the tool the ${partition} resource, or deploy the agent in ${parts.partition}`,
        );
      }
      if (parts.region !== "" && !parts.region.includes("*") && parts.region !== region) {
        throw new Error(
          `\`tools\`: tool \`${p.tool}\` of agent \`${model.name}\` is granted ${r}, in ${parts.region}, but the platform deploys to ${region}: the agent reaches AWS only through the platform's VPC endpoints, in ${region}; grant the tool that Region's resource, or deploy the agent to ${parts.region}`,
        );
      }
    }
  }
}
