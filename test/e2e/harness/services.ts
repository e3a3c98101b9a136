/**
 * The APIs the agent's own code calls, on loopback: the Claude Messages API stand-in (scripted
 * turns) and the example agent's services as its own tests start them (`startAgentServices`:
 * DynamoDB, SES v2, GitHub, billing), plus ECS + CloudWatch Logs for the sandbox. The agent
 * reaches them through the variables its SDKs read: `AWS_ENDPOINT_URL_<SERVICE>` for the AWS SDK
 * ("AWS_ENDPOINT_URL_<SERVICE> … where <SERVICE> is the AWS service identifier",
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html; the SDK upper-cases
 * the client's serviceId word by word: Lambda, ECS, DynamoDB, SESv2, CloudWatch Logs),
 * `ANTHROPIC_BASE_URL` for the Anthropic SDK, and the example's `GITHUB_API_URL` and
 * `BILLING_API_URL`.
 */
import { join } from "node:path";
import { SANDBOX_ENV } from "@airlock/core/contracts";
import { AnthropicStandIn, type ScriptedTurn } from "../../../packages/runtime/test/helpers/anthropic-standin.ts";
import { EcsStandIn } from "../../../packages/runtime/test/helpers/ecs-standin.ts";
import { EXAMPLE_AGENT_DIR, startAgentServices, type AgentServices } from "../../helpers/example-agent.ts";
import { REPO_ROOT, TSX_LOADER } from "./agent-process.ts";

/** What the example's sandbox image runs (its Dockerfile's `sandbox` target), from the sources. */
export const SANDBOX_ENTRY = join(EXAMPLE_AGENT_DIR, "agent/src/sandbox/entry.ts");

export interface Services extends AgentServices {
  readonly model: AnthropicStandIn;
  /** ECS RunTask and CloudWatch Logs: runs the sandbox image as a process per task. */
  readonly ecs: EcsStandIn;
  /** The sandbox's variables of the agent's task (cluster, task definition, subnets, security group, log group). */
  readonly sandboxEnv: Readonly<Record<string, string>>;
}

export async function startServices(turns: readonly ScriptedTurn[]): Promise<Services> {
  const model = new AnthropicStandIn(turns);
  // The sandbox task definition's container: the image's entry, and only the environment the
  // task definition gives it (the stand-in passes nothing else), with tsx's tsconfig so the
  // sources resolve as the image's bundle does.
  const ecs = new EcsStandIn({
    image: { command: [process.execPath, "--import", TSX_LOADER, SANDBOX_ENTRY], cwd: REPO_ROOT },
    environment: { [SANDBOX_ENV.sandbox]: "true", [SANDBOX_ENV.agent]: "support-agent", TSX_TSCONFIG_PATH: join(REPO_ROOT, "tsconfig.json"), PATH: process.env.PATH ?? "/usr/bin:/bin" },
  });
  const [agent] = await Promise.all([startAgentServices(), model.start(), ecs.start()]);
  return {
    ...agent,
    model,
    ecs,
    sandboxEnv: ecs.taskEnv(),
    endpoints: { ...agent.endpoints, ANTHROPIC_BASE_URL: model.url, AWS_ENDPOINT_URL_ECS: ecs.url, AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: ecs.url },
    async stop() {
      await Promise.all([agent.stop(), model.stop(), ecs.stop()]);
    },
  };
}
