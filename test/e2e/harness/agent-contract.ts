/**
 * How the example agent's entry is started (examples/support-agent/agent/README.md has its
 * contract): `node main.js <ticketId>` for one ticket, and the example's own variables besides the
 * task definition's.
 */
import { AGENT_ENTRY } from "../../helpers/example-agent.ts";

export interface AgentContract {
  /** The entry (TypeScript source, run as the image runs its build). */
  readonly entry: string;
  /** The command line that handles one ticket. */
  argv(ticketId: string): string[];
  /** The example's own variables (not the task definition's): PostHog, the approval deadline. */
  env(o: { readonly posthogHost: string; readonly posthogKey: string; readonly approvalDeadlineMs?: number }): Record<string, string>;
}

export const AGENT: AgentContract = {
  entry: AGENT_ENTRY,
  argv: (ticketId) => [ticketId],
  env: (o) => ({
    POSTHOG_HOST: o.posthogHost,
    POSTHOG_API_KEY: o.posthogKey,
    ...(o.approvalDeadlineMs === undefined ? {} : { APPROVAL_DEADLINE_MS: String(o.approvalDeadlineMs) }),
  }),
};
