/** Test helpers: record a program under mocks and look resources up by type and name. */
import { strict as assert } from "node:assert";
import { compile, loadManifest, toolsNeedingApproval, type AgentModel, type PlannedResource } from "@airlock/core";
import { recordProgram, type Recording } from "../src/plan/record.ts";
import { AgentPlatform, privateRoutesVia, type AgentPlatformArgs } from "../src/platform/index.ts";
import { AgentDeployment, type AgentDeploymentArgs } from "../src/agent/agent-deployment.ts";

export const EXAMPLE_MANIFEST = new URL("../../../examples/support-agent/agent.yaml", import.meta.url).pathname;

export function exampleModel(): Promise<AgentModel> {
  return loadManifest(EXAMPLE_MANIFEST);
}

export async function modelOf(manifest: unknown): Promise<AgentModel> {
  return compile(manifest);
}

/** These tests are about wiring; the eval gate has its own tests (eval-gate-deployment.test.ts). */
export const WIRING_ONLY = { disabled: "component wiring test; the eval gate is tested on its own" } as const;

/** Slack ids for tests (the shape of real ids; no workspace behind them). */
export const TEST_APPROVALS = { slack: { channelId: "C0APPROVALS", approverIds: ["U0APPROVER1", "U0APPROVER2"] } } as const;

/** A transit gateway id of the right shape, for the routes to private egress ranges. */
export const TEST_TRANSIT_GATEWAY = "tgw-0123456789abcdef0";

export function needsApprovals(model: AgentModel): boolean {
  return toolsNeedingApproval(model).length > 0;
}

export interface DeployOptions {
  readonly platform?: Partial<AgentPlatformArgs>;
  readonly deployment?: Partial<Omit<AgentDeploymentArgs, "platform" | "model">>;
  readonly config?: Record<string, string>;
}

/** Records one platform and one deployment of `model`. */
export function recordDeployment(model: AgentModel, options: DeployOptions = {}): Promise<Recording> {
  return recordProgram({
    project: "airlock-test",
    stack: "test",
    config: { "aws:region": "us-east-1", ...options.config },
    program: () => {
      const platform = new AgentPlatform("platform", {
        agents: [model],
        ...(needsApprovals(model) ? { approvals: { agents: { [model.name]: TEST_APPROVALS } } } : {}),
        // The example's internal billing API is reached over a transit gateway.
        privateRoutes: privateRoutesVia([model], { transitGatewayId: TEST_TRANSIT_GATEWAY }),
        ...options.platform,
      });
      new AgentDeployment(model.name, { platform, model, evalGate: WIRING_ONLY, ...options.deployment });
    },
  });
}

export function find(rec: Recording, type: string, name: string): PlannedResource {
  const r = rec.resources.find((x) => x.type === type && x.name === name);
  assert.ok(r, `no ${type} named ${name}; have: ${rec.resources.filter((x) => x.type === type).map((x) => x.name).join(", ")}`);
  return r;
}

export function all(rec: Recording, type: string): PlannedResource[] {
  return rec.resources.filter((x) => x.type === type);
}

/** The resource's input `key`, parsed when it is a JSON string. */
export function json(r: PlannedResource, key: string): any {
  const v = r.inputs[key];
  assert.equal(typeof v, "string", `${r.name}.${key} should be a JSON string`);
  return JSON.parse(v as string);
}
