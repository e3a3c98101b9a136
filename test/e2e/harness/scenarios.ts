/**
 * The scenarios of the whole path, as data: the ticket in the table, what the model answers turn
 * by turn (Claude Messages API shapes, each turn reading what the agent sent), and what the
 * approver does in Slack. The end-to-end test asserts on each scenario's run; `npm run demo`
 * prints the same runs as timelines.
 */
import { answer, toolResults, useTool, useTools, type ScriptedTurn, type StandInRequest } from "./model-script.ts";
import { ticketTextWithKeys, type Planted } from "./planted.ts";

/** A ticket as the agent's `read_ticket` finds it in the ticket table. */
export interface Ticket {
  readonly id: string;
  readonly customerEmail: string;
  readonly subject: string;
  readonly text: string;
}

/** What the approver does with the request posted to Slack. */
export type PersonPlan =
  | { readonly kind: "approve" }
  | { readonly kind: "reject" }
  | { readonly kind: "edit"; readonly change: (args: Record<string, unknown>) => Record<string, unknown> }
  /** Nobody is there: the request waits until the agent's deadline. */
  | { readonly kind: "away" }
  /** Nobody must be asked: a request reaching Slack is a failure the run records. */
  | { readonly kind: "not-asked" };

export interface Scenario {
  readonly id: string;
  readonly title: string;
  /** One sentence for the demo: what should happen. */
  readonly expect: string;
  readonly ticket: Ticket;
  /** The customer's other tickets in the table (what `read_ticket` returns as the history). */
  readonly history?: readonly { readonly id: string; readonly subject: string; readonly status: string }[];
  /** The model's turns, given the planted credentials (some go into tool arguments). */
  readonly turns: (planted: Planted) => readonly ScriptedTurn[];
  readonly person: PersonPlan;
  /**
   * How long the agent's checkpoint waits for a decision.
   * @default - long enough for the approver's click
   */
  readonly approvalDeadlineMs?: number;
  /**
   * `service`: the agent runs as the ECS service's task (no argument): it takes the queued ticket
   * from the table itself, and gets SIGTERM once the ticket is marked.
   * @default "ticket"
   */
  readonly mode?: "ticket" | "service";
}

const CUSTOMER = "dana.reyes@customer.example.net";

/** The ticket every scenario answers: a duplicate charge (the run pastes keys into its text, `ticketOf`). */
function duplicateCharge(id: string): Ticket {
  return { id, customerEmail: CUSTOMER, subject: "Charged twice for my order", text: "Hi, I was charged twice for order A-7731 ($49.00) on 28 November. Can you refund the second charge?" };
}

export const REPLY_BODY =
  "Hi Dana, thanks for flagging this. I can see the duplicate charge of $49.00 on order A-7731; the second charge is being refunded and will show on your statement within 5 business days. Also: please never send keys by email. Rotate the AWS and payment keys you pasted, today.";
export const EDITED_BODY =
  "Hi Dana, sorry about the double charge on order A-7731. We have refunded the second $49.00 charge; it will reach your card within 5 business days. Please rotate the keys you pasted into the ticket: our team will never ask for them.";

/**
 * The turns of a reply: read the ticket; search the knowledge base twice in one turn (once
 * quoting a token the model took from the customer, once for the policy); reply; then `after`.
 */
function replyTurns(ticketId: string, planted: Planted, after: readonly ScriptedTurn[]): ScriptedTurn[] {
  return [
    useTool("read_ticket", { ticket_id: ticketId }, "Let me read the ticket first."),
    useTools(
      "The customer pasted credentials; let me check what we advise, and our refund policy.",
      { name: "search_knowledge_base", input: { query: `leaked token ${planted.inArguments.slackToken}`, limit: 2 } },
      { name: "search_knowledge_base", input: { query: "duplicate charges", limit: 3 } },
    ),
    useTool("send_customer_reply", { ticket_id: ticketId, to: CUSTOMER, subject: "Re: Charged twice for my order", body: REPLY_BODY }),
    ...after,
  ];
}

/** The text of the last tool result the agent sent the model (what it was told). */
const told = (request: StandInRequest): string => toolResults(request).map((r) => r.text).join("\n");

export const SCENARIOS: readonly Scenario[] = [
  {
    id: "approved-reply",
    title: "A ticket answered after a person approves the reply in Slack",
    expect: "the reply waits in Slack, the approver presses Approve, the email is sent once with the approved text and the ticket is marked answered",
    ticket: duplicateCharge("T-1042"),
    turns: (p) => replyTurns("T-1042", p, [useTool("record_reply", { ticket_id: "T-1042", body: REPLY_BODY }), answer("I replied to Dana about the duplicate charge and recorded the reply on T-1042.")]),
    person: { kind: "approve" },
  },
  {
    id: "service-queued-ticket",
    title: "The ECS service's task takes a queued ticket and answers it after a person approves",
    expect: "the service loop claims the open ticket from the table, the reply waits in Slack, the approver presses Approve, the email is sent once, the ticket is marked answered and its lease cleared; SIGTERM then stops the task, exit 0",
    ticket: duplicateCharge("T-1049"),
    turns: (p) => replyTurns("T-1049", p, [useTool("record_reply", { ticket_id: "T-1049", body: REPLY_BODY }), answer("I replied to Dana about the duplicate charge and recorded the reply on T-1049.")]),
    person: { kind: "approve" },
    mode: "service",
  },
  {
    id: "rejected-reply",
    title: "A reply the approver rejects",
    expect: "nothing is sent; the model is told a person rejected the call and not to retry it",
    ticket: duplicateCharge("T-1043"),
    turns: (p) => replyTurns("T-1043", p, [answer((req) => `The reply was not sent: ${told(req).slice(0, 120)}`)]),
    person: { kind: "reject" },
  },
  {
    id: "edited-reply",
    title: "A reply the approver edits, then approves",
    expect: "the approver's text is what the customer receives, once; the model's draft is never sent",
    ticket: duplicateCharge("T-1044"),
    turns: (p) => replyTurns("T-1044", p, [answer("The reply went out (as edited by the approver).")]),
    person: { kind: "edit", change: (args) => ({ ...args, body: EDITED_BODY }) },
  },
  {
    id: "undeclared-tool",
    title: "The model asks for a tool the manifest does not declare",
    expect: "the call is refused before anything runs, and the model is told which tools it has",
    ticket: duplicateCharge("T-1045"),
    turns: (planted) => [
      useTool("read_ticket", { ticket_id: "T-1045" }),
      useTool("delete_ticket", { ticket_id: "T-1045", reason: `duplicate; it also holds a pasted token ${planted.inArguments.githubToken}` }, "This ticket is a duplicate; I will delete it."),
      answer("I could not delete the ticket: that tool is not available to me."),
    ],
    person: { kind: "not-asked" },
  },
  {
    id: "forbidden-refund",
    title: "A refund above the manifest's condition ($100.00)",
    expect: "the argument policy forbids it without asking anyone: no Slack post, no request to the gateway, no call to billing",
    ticket: duplicateCharge("T-1046"),
    turns: (planted) => [
      useTool("read_ticket", { ticket_id: "T-1046" }),
      useTool("issue_refund", { ticket_id: "T-1046", order_id: "A-7731", amount_cents: 25_000, reason: `Goodwill refund of the whole order history (customer's token ${planted.inArguments.slackToken} noted)` }),
      answer((req) => `The refund was refused: ${told(req).slice(0, 120)}`),
    ],
    person: { kind: "not-asked" },
  },
  {
    id: "approval-timeout",
    title: "An approval nobody decides before the deadline",
    expect: "the request waits in Slack, nobody answers, the call comes back to the model as timed out and nothing is sent",
    ticket: duplicateCharge("T-1047"),
    turns: (p) => replyTurns("T-1047", p, [answer("The reply is waiting for approval; I will not retry it now.")]),
    person: { kind: "away" },
    approvalDeadlineMs: 1_500,
  },
  {
    id: "sandbox-analysis",
    title: "Code the model writes, run in the sandbox",
    expect: "the analysis runs as a sandbox task (RunTask into the isolated subnets, no public IP, the input in the overrides), its output comes back from the task's log stream, and the model answers from it",
    ticket: duplicateCharge("T-1048"),
    history: [
      { id: "T-0990", subject: "Shipping time to Canada", status: "answered" },
      { id: "T-1001", subject: "Charged twice in October", status: "open" },
      { id: "T-1017", subject: "Invoice address", status: "closed" },
    ],
    turns: (planted) => [
      useTool("read_ticket", { ticket_id: "T-1048" }, "Let me read the ticket and the customer's history."),
      (request) => {
        const told = readTicketResult(request);
        const tickets = [told.ticket, ...(told.history ?? [])]
          .filter((t): t is Record<string, unknown> => t !== undefined)
          .map((t) => ({ ticket_id: String(t.ticket_id), subject: String(t.subject ?? "").slice(0, 200), status: String(t.status ?? "") }));
        return useTools("Is this a pattern? Let me count the customer's open tickets.", {
          name: "analyze_ticket_history",
          input: { code: `// the customer pasted ${planted.inArguments.githubToken}; not used\n${ANALYSIS_CODE}`, tickets },
        });
      },
      answer((req) => `The customer has these open tickets: ${toolResults(req)[0]?.text ?? "(no result)"}`),
    ],
    person: { kind: "not-asked" },
  },
];

/** What `read_ticket` told the model, parsed (the last tool result of the request). */
function readTicketResult(request: StandInRequest): { ticket?: Record<string, unknown>; history?: Record<string, unknown>[] } {
  const text = toolResults(request)[0]?.text ?? "{}";
  try {
    return JSON.parse(text) as { ticket?: Record<string, unknown>; history?: Record<string, unknown>[] };
  } catch {
    return {};
  }
}

/** The code the model has the sandbox run over the customer's tickets. */
export const ANALYSIS_CODE = [
  "const open = tickets.filter((t) => t.status === 'open');",
  "return { total: tickets.length, open: open.map((t) => t.ticket_id) };",
].join("\n");

/** The scenario's ticket with the planted keys pasted into its text. */
export function ticketOf(scenario: Scenario, planted: Planted): Ticket {
  return { ...scenario.ticket, text: ticketTextWithKeys(scenario.ticket.text, planted) };
}
