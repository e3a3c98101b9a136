/**
 * Type-level: what a Pulumi user already has fits the arguments. This file must type-check
 * (`npm run typecheck`); each assignment below fails to compile if an argument loses its Input type.
 * The values are never deployed.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import type { AgentPlatformArgs, ExistingCluster, ExistingKmsKey, ExistingNetwork } from "../src/platform/index.ts";
import type { AgentDeploymentArgs, ExistingLogGroup, ExistingSecret } from "../src/agent/agent-deployment.ts";
import { outputElements } from "../src/interop.ts";

/** The shapes `awsx.ec2.Vpc` and `aws.*` resources give (awsx is not a dependency of Airlock). */
declare const awsxVpc: { readonly vpcId: pulumi.Output<string>; readonly privateSubnetIds: pulumi.Output<string[]>; readonly isolatedSubnetIds: pulumi.Output<string[]> };
declare const routeTableIds: pulumi.Output<string[]>;
declare const clusterArn: pulumi.Output<string>;
declare const keyArn: pulumi.Output<string>;
declare const logGroupArn: pulumi.Output<string>;
declare const secretArn: pulumi.Output<string>;

// Type positions only: these functions are never called.
export function typeChecks(): unknown[] {
  const network: ExistingNetwork = {
    vpcId: awsxVpc.vpcId,
    vpcCidr: "10.0.0.0/16",
    privateSubnetIds: awsxVpc.privateSubnetIds,
    isolatedSubnetIds: awsxVpc.isolatedSubnetIds,
    isolatedRouteTableIds: routeTableIds,
    // A plain list (it decides the routes); each entry may be an Output.
    privateRouteTableIds: outputElements(routeTableIds, 2, "network.privateRouteTableIds"),
  };
  const listOfOutputs: ExistingNetwork["privateSubnetIds"] = [awsxVpc.vpcId, "subnet-0123"];
  const cluster: ExistingCluster = { clusterArn };
  const kmsKey: ExistingKmsKey = { keyArn };
  const platform: Pick<AgentPlatformArgs, "network" | "cluster" | "kmsKey" | "deployerArn"> = { network, cluster, kmsKey, deployerArn: secretArn };
  const logGroup: ExistingLogGroup = { logGroupArn };
  const existing: ExistingSecret = { secretArn, kmsKeyArn: keyArn };
  const deployment: Pick<AgentDeploymentArgs, "logGroup" | "existingSecrets"> = { logGroup, existingSecrets: { "anthropic-api-key": existing } };
  // @ts-expect-error the route tables decide which routes exist: an Output<string[]> is refused
  const routes: ExistingNetwork["privateRouteTableIds"] = routeTableIds;
  return [network, listOfOutputs, platform, deployment, routes];
}

describe("argument types", () => {
  it("accept other resources' outputs (checked by the compiler; see typeChecks)", () => {
    assert.equal(typeof typeChecks, "function");
  });
});
