/**
 * The agent's tools, by the manifest's tool names, each an implementation the runtime calls
 * only after its guard (and, when the call needs one, a person) allowed it. The clients are the
 * official ones, each reaching its service's standard endpoint unless the environment overrides
 * it (`AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL_SESV2` read by the AWS SDK,
 * `GITHUB_API_URL`, `BILLING_API_URL`). The code-executing tool, `analyze_ticket_history`, has no
 * implementation here: the runtime runs it in the sandbox task (its handler is
 * ../sandbox/analyze-ticket-history.ts, in the sandbox image).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import type { ToolImplementation } from "@airlock/runtime";
import type { AgentConfig } from "../config.ts";
import { knowledgeBaseTool, octokitFor } from "./knowledge-base.ts";
import { QUEUE, queueTool } from "./queue.ts";
import { refundTool } from "./refund.ts";
import { replyTool } from "./reply.ts";
import { ticketTools } from "./tickets.ts";

export type Tools = Readonly<Record<string, ToolImplementation<unknown>>>;

/** Clients a test may replace. */
export interface ToolClients {
  readonly dynamodb?: DynamoDBClient;
  readonly ses?: SESv2Client;
  readonly fetch?: typeof fetch;
}

/**
 * The tools the service loop calls itself, through the runtime, and never offers to the model
 * (evals/tools.mjs leaves the same names out of what promptfoo offers).
 */
export const LOOP_TOOLS: readonly string[] = [QUEUE.tool];

/** The tools offered to the model: all but {@link LOOP_TOOLS}. */
export function modelTools(tools: Tools): Tools {
  return Object.fromEntries(Object.entries(tools).filter(([name]) => !LOOP_TOOLS.includes(name)));
}

export function buildTools(config: AgentConfig, clients: ToolClients = {}): Tools {
  const dynamodb = clients.dynamodb ?? new DynamoDBClient({ region: config.region });
  const ses = clients.ses ?? new SESv2Client({ region: config.region });
  const tickets = ticketTools(dynamodb, config.ticketsTable);
  return {
    read_ticket: tickets.read_ticket,
    record_reply: tickets.record_reply,
    search_knowledge_base: knowledgeBaseTool(octokitFor(config.githubToken, config.githubApiUrl), config.kb),
    send_customer_reply: replyTool(ses, { from: config.replyFrom, configurationSet: config.replyConfigurationSet }),
    ticket_queue: queueTool(dynamodb, config.ticketsTable, { leaseMs: config.service.leaseMs }) as ToolImplementation<unknown>,
    issue_refund: refundTool({ baseUrl: config.billingApiUrl, token: config.billingToken, ...(clients.fetch === undefined ? {} : { fetch: clients.fetch }) }),
  };
}
