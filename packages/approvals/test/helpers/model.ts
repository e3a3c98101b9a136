/** The example support agent, plus an announcement tool (mass communication) and an outward auto tool. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compile, parseYaml, type AgentModel } from "@airlock/core";
import { REPO_ROOT } from "./stores.ts";

const EXAMPLE_DIR = join(REPO_ROOT, "examples/support-agent");

let cached: Promise<AgentModel> | undefined;

export function testModel(): Promise<AgentModel> {
  cached ??= (async () => {
    const raw = parseYaml(readFileSync(join(EXAMPLE_DIR, "agent.yaml"), "utf8"), "agent.yaml") as {
      tools: Record<string, unknown>[];
      riskLines: Record<string, unknown>;
    };
    raw.tools.push(
      {
        name: "post_status_update",
        description: "Posts a status update to every customer subscribed to the status page.",
        access: "write",
        outward: true,
        actionType: "status.broadcast",
        hosts: ["api.billing.acme.example.com"],
      },
      {
        name: "add_ticket_label",
        description: "Adds a label to the customer's ticket in the ticketing system.",
        access: "write",
        outward: true,
        actionType: "ticket.label",
        hosts: ["api.billing.acme.example.com"],
      },
    );
    raw.riskLines["status.broadcast"] = { tier: "approve", class: "mass-communication", description: "Every subscriber reads it." };
    raw.riskLines["ticket.label"] = "auto";
    return compile(raw, { baseDir: EXAMPLE_DIR, source: "test manifest" });
  })();
  return cached;
}

let cachedSecond: Promise<AgentModel> | undefined;

/**
 * A second, smaller agent for the multi-agent gateway: `billing-agent`, built from the same
 * manifest with only the ticket read and the refund tool (a tool name both agents have).
 */
export function secondModel(): Promise<AgentModel> {
  cachedSecond ??= (async () => {
    const raw = parseYaml(readFileSync(join(EXAMPLE_DIR, "agent.yaml"), "utf8"), "agent.yaml") as {
      agent: Record<string, unknown>;
      tools: Record<string, unknown>[];
      riskLines: Record<string, unknown>;
    };
    raw.agent.name = "billing-agent";
    raw.tools = raw.tools.filter((t) => t.name === "read_ticket" || t.name === "issue_refund");
    raw.riskLines = { "billing.refund": raw.riskLines["billing.refund"] };
    return compile(raw, { baseDir: EXAMPLE_DIR, source: "test manifest (billing)" });
  })();
  return cachedSecond;
}
