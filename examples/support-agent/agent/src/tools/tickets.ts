/**
 * The ticket table (DynamoDB, `@aws-sdk/client-dynamodb`): `read_ticket` reads one ticket
 * (GetItem) and the customer's other tickets through the `by-customer` index (Query), the two
 * actions the manifest grants it; `record_reply` marks the ticket answered and stores the reply
 * as sent (UpdateItem, only on a ticket that exists). Items are read and written as plain values.
 */
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, QueryCommand, UpdateItemCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";

/** The table's key and its customer index (the manifest grants `table/support-tickets/index/by-customer`). */
export const TICKET_TABLE = { key: "ticket_id", customerIndex: "by-customer", customerKey: "customer_email" } as const;

/** How many of the customer's other tickets `read_ticket` returns. */
export const HISTORY_LIMIT = 10;

/** A DynamoDB attribute value as a plain value (strings, numbers, booleans, null, lists, maps, sets). */
export function plain(a: AttributeValue): unknown {
  if (a.S !== undefined) return a.S;
  if (a.N !== undefined) return Number(a.N);
  if (a.BOOL !== undefined) return a.BOOL;
  if (a.NULL !== undefined) return null;
  if (a.L !== undefined) return a.L.map(plain);
  if (a.M !== undefined) return plainItem(a.M);
  if (a.SS !== undefined) return [...a.SS];
  if (a.NS !== undefined) return a.NS.map(Number);
  return undefined;
}

export function plainItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) Object.defineProperty(out, k, { value: plain(v), enumerable: true, writable: true, configurable: true });
  return out;
}

/** A ticket of the customer's history, as the model is given it. */
export interface HistoryEntry {
  readonly ticket_id: string;
  readonly subject: string;
  readonly status: string;
}

export type ReadTicketResult =
  | { readonly found: true; readonly ticket: Record<string, unknown>; readonly history: readonly HistoryEntry[] }
  | { readonly found: false; readonly ticket_id: string; readonly message: string };

export interface TicketTools {
  read_ticket(args: Readonly<Record<string, unknown>>): Promise<ReadTicketResult>;
  record_reply(args: Readonly<Record<string, unknown>>): Promise<{ readonly ticket_id: string; readonly status: "answered"; readonly answered_at: string }>;
}

export function ticketTools(client: Pick<DynamoDBClient, "send">, table: string, now: () => Date = () => new Date()): TicketTools {
  return {
    async read_ticket(args) {
      const id = String(args.ticket_id);
      const got = await client.send(new GetItemCommand({ TableName: table, Key: { [TICKET_TABLE.key]: { S: id } }, ConsistentRead: true }));
      if (got.Item === undefined) return { found: false, ticket_id: id, message: `There is no ticket ${id} in the ticket table.` };
      const ticket = plainItem(got.Item);
      const customer = ticket[TICKET_TABLE.customerKey];
      let history: HistoryEntry[] = [];
      if (typeof customer === "string" && customer !== "") {
        const q = await client.send(
          new QueryCommand({
            TableName: table,
            IndexName: TICKET_TABLE.customerIndex,
            KeyConditionExpression: "#c = :c",
            ExpressionAttributeNames: { "#c": TICKET_TABLE.customerKey },
            ExpressionAttributeValues: { ":c": { S: customer } },
            Limit: HISTORY_LIMIT + 1,
          }),
        );
        history = (q.Items ?? [])
          .map(plainItem)
          .filter((t) => t[TICKET_TABLE.key] !== id)
          .slice(0, HISTORY_LIMIT)
          .map((t) => ({ ticket_id: String(t[TICKET_TABLE.key] ?? ""), subject: String(t.subject ?? ""), status: String(t.status ?? "") }));
      }
      return { found: true, ticket, history };
    },

    async record_reply(args) {
      const id = String(args.ticket_id);
      const at = now().toISOString();
      try {
        await client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { [TICKET_TABLE.key]: { S: id } },
            UpdateExpression: "SET #status = :answered, #reply = :reply, #answered_at = :at",
            ConditionExpression: "attribute_exists(#id)",
            ExpressionAttributeNames: { "#status": "status", "#reply": "reply", "#answered_at": "answered_at", "#id": TICKET_TABLE.key },
            ExpressionAttributeValues: { ":answered": { S: "answered" }, ":reply": { S: String(args.body) }, ":at": { S: at } },
          }),
        );
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) throw new Error(`there is no ticket ${id} to record the reply on`);
        throw e;
      }
      return { ticket_id: id, status: "answered", answered_at: at };
    },
  };
}
