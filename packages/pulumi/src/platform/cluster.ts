/** The ECS cluster the agents run on: a new one (Fargate, Container Insights), or an existing `cluster`. */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../aws-context.ts";
import { arnSpec, arnTail, checkedArn, CLUSTER_ARN, requirement } from "../interop.ts";
import type { ResolvedCluster } from "./resolve.ts";

/** The cluster's ARN and name. */
export interface PlatformCluster {
  readonly clusterArn: pulumi.Output<string>;
  readonly clusterName: pulumi.Output<string>;
}

/** The new cluster and its capacity providers, or the existing cluster's checked ARN and its requirement (AIR-I102); children of `parent`. */
export function platformCluster(name: string, cluster: ResolvedCluster, ctx: AwsContext, tags: Readonly<Record<string, string>>, parent: pulumi.Resource): PlatformCluster {
  if (cluster.kind === "existing") {
    // Yours: Airlock runs Fargate services on it and makes no cluster or capacity providers.
    const clusterArn = checkedArn(cluster.clusterArn, arnSpec(CLUSTER_ARN, "cluster.clusterArn"), ctx);
    const clusterName = arnTail(clusterArn, /^cluster\//);
    requirement(
      `${name}-cluster-required`,
      {
        rule: "AIR-I102",
        subject: `platform ${name}: cluster`,
        message: "the ECS cluster is yours; Airlock runs Fargate services on it; keep Container Insights on (the agents' task-restarts alarms read ECS/ContainerInsights) and do not delete it before the agents",
      },
      { clusterArn },
      parent,
    );
    return { clusterArn, clusterName };
  }
  const created = new aws.ecs.Cluster(`${name}-cluster`, { settings: [{ name: "containerInsights", value: cluster.containerInsights ? "enabled" : "disabled" }], tags }, { parent });
  new aws.ecs.ClusterCapacityProviders(
    `${name}-cluster`,
    { clusterName: created.name, capacityProviders: ["FARGATE"], defaultCapacityProviderStrategies: [{ capacityProvider: "FARGATE", weight: 1, base: 0 }] },
    { parent },
  );
  return { clusterArn: created.arn, clusterName: created.name };
}
