/**
 * Everything the agent talks to, on loopback, for one scenario:
 * - the approval gateway: a Lambda Invoke stand-in running the REAL gateway handler
 *   (`createGatewayHandler`) on the scenario's store, which posts to the Slack Web API stand-in;
 * - the approver, who clicks in that Slack;
 * - PostHog's ingestion endpoint (posthog-node inside the agent sends its batches there);
 * - the model and the AWS and SaaS APIs the agent's tools call (`services.ts`).
 * `startWorld` starts them; `stop` ends them and closes the store, whose data stays for the CLI.
 */
import { APPROVER } from "../../../packages/approvals/test/helpers/slack-requests.ts";
import { aliasArn, LambdaStandIn } from "../../../packages/runtime/test/helpers/lambda-standin.ts";
import { startReceiver, type Receiver } from "../../../packages/trace/test/helpers/receiver.ts";
import type { AgentModel } from "@airlock/core";
import { SlackPerson } from "./person.ts";
import { scenarioStore, type ScenarioStore } from "./store.ts";
import { Timeline } from "./timeline.ts";

/** The PostHog project key the agent is given (public by design, not a secret). */
export const POSTHOG_PROJECT_KEY = "phc_e2eloopbackproject";

export interface World {
  readonly model: AgentModel;
  readonly store: ScenarioStore;
  readonly gateway: LambdaStandIn;
  /** The agent's alias of the gateway (what `AIRLOCK_APPROVAL_FUNCTION` names). */
  readonly approvalAlias: string;
  readonly person: SlackPerson;
  readonly posthog: Receiver;
  readonly timeline: Timeline;
  /** Stops every server and closes the store (its data stays until `store.remove()`). */
  stop(): Promise<void>;
}

export async function startWorld(model: AgentModel, timeline = new Timeline()): Promise<World> {
  const store = await scenarioStore();
  const gateway = new LambdaStandIn();
  await gateway.start([model], { db: store.db, dispose: () => store.close() });
  const posthog = await startReceiver("ok");
  timeline.add("harness", `loopback world up: Lambda Invoke ${gateway.url} (real gateway handler), Slack API stand-in, PostHog ${posthog.url}, ${store.label}`);
  let stopped = false;
  return {
    model,
    store,
    gateway,
    approvalAlias: aliasArn(model.name),
    person: new SlackPerson(gateway, APPROVER),
    posthog,
    timeline,
    async stop() {
      if (stopped) return;
      stopped = true;
      await posthog.close();
      await gateway.stop();
    },
  };
}
