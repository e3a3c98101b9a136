/**
 * Credential-shaped strings planted where an agent meets them: a customer pasting keys into a
 * ticket and the model putting one into a tool's arguments (each run makes new random ones in the
 * vendors' formats, so none can sit in a fixture, an allow-list or a placeholder list), and the
 * agent's own secrets (ECS injects them into its environment; the example's test world's values).
 * None may appear in the trace: the EMF lines, the PostHog events, the agent's stderr, or the
 * Slack messages.
 */
import { randomInt } from "node:crypto";
import { SECRETS } from "../../helpers/example-agent.ts";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function random(n: number, alphabet = ALNUM): string {
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

export interface Planted {
  /** The agent's secrets, by the manifest's secret name (what the example's test world injects). */
  readonly secrets: Readonly<Record<string, string>>;
  /** Pasted by the customer into the ticket's text. */
  readonly inTicket: Readonly<Record<string, string>>;
  /** Put by the model into a tool's arguments. */
  readonly inArguments: Readonly<Record<string, string>>;
  /** Every planted value, by a name that says where it was planted. */
  readonly all: Readonly<Record<string, string>>;
}

export function plantCredentials(): Planted {
  const secrets = { "anthropic-api-key": SECRETS.anthropic, "github-token": SECRETS.github, "billing-api-token": SECRETS.billing };
  const inTicket = {
    awsAccessKeyId: `AKIA${random(16, UPPER)}`,
    awsSecretAccessKey: `${random(30)}/${random(9)}`,
    stripeKey: `sk_live_${random(40)}`,
  };
  const inArguments = {
    slackToken: `xoxb-${randomInt(1e9, 9e9)}-${randomInt(1e12, 9e12)}-${random(24)}`,
    githubToken: `ghp_${random(36)}`,
  };
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(secrets)) all[`secret:${k}`] = v;
  for (const [k, v] of Object.entries(inTicket)) all[`ticket:${k}`] = v;
  for (const [k, v] of Object.entries(inArguments)) all[`arguments:${k}`] = v;
  return { secrets, inTicket, inArguments, all };
}

/** The customer's ticket text with the pasted keys in it. */
export function ticketTextWithKeys(text: string, p: Planted): string {
  return `${text}\n\nIn case it helps, here is my config: AWS_ACCESS_KEY_ID=${p.inTicket.awsAccessKeyId} AWS_SECRET_ACCESS_KEY=${p.inTicket.awsSecretAccessKey} and our payment key ${p.inTicket.stripeKey}`;
}
