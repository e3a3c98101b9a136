/**
 * The ticket queue (DynamoDB, `@aws-sdk/client-dynamodb`): the service loop's own tool,
 * `ticket_queue`, which the manifest declares (so its access is in the task role, the plan and the
 * permission map, and every call goes through the runtime's guard and tracer) and which is never
 * offered to the model (`LOOP_TOOLS`).
 *
 * A ticket's queue state is in its item: `status` `open` (nobody holds it), `in-progress` (a task
 * holds it: `lease_owner`, `lease_until` in epoch ms), `answered` or `failed`. The open and the
 * held tickets are found through the `by-status` global secondary index (partition key `status`),
 * which reads eventually consistent only: what a Query returns is a candidate, and the claim, a
 * conditional UpdateItem, is the truth. Two tasks that see the same ticket both try; DynamoDB
 * applies one write and answers the other `ConditionalCheckFailedException`
 * (packages/core/src/aws/dynamodb-queue.ts has the quotes). A held ticket whose lease ran out (its
 * task died) is taken again the same way.
 */
import { ConditionalCheckFailedException, QueryCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { TICKET_TABLE } from "./tickets.ts";

/** The queue's index, its statuses and the lease's attributes. */
export const QUEUE = {
  tool: "ticket_queue",
  index: "by-status",
  status: "status",
  open: "open",
  inProgress: "in-progress",
  answered: "answered",
  failed: "failed",
  leaseOwner: "lease_owner",
  leaseUntil: "lease_until",
} as const;

/** How many items one Query page of the queue reads (DynamoDB counts `Limit` before the filter). */
export const CANDIDATES_PER_LOOK = 10;

/** The most pages one look reads for held tickets whose lease ran out (they are behind the live ones). */
export const MAX_HELD_PAGES = 10;

export type QueueAction = "take" | "renew" | "release" | "finish";

/** What the `ticket_queue` tool returns. */
export type QueueResult =
  | { readonly action: "take"; readonly ticket_id: string | null; readonly contended: number }
  | { readonly action: "renew" | "release" | "finish"; readonly ticket_id: string; readonly held: boolean };

export interface QueueOptions {
  /** How long a claim or a renewal holds the ticket. */
  readonly leaseMs: number;
  /** @default Date.now */
  readonly now?: () => number;
}

const NAMES = { "#s": QUEUE.status, "#o": QUEUE.leaseOwner, "#u": QUEUE.leaseUntil } as const;

/** The `ticket_queue` tool's implementation on one table. */
export function queueTool(client: Pick<DynamoDBClient, "send">, table: string, options: QueueOptions) {
  const now = options.now ?? Date.now;
  const key = (id: string): Record<string, AttributeValue> => ({ [TICKET_TABLE.key]: { S: id } });
  /** Runs a conditional UpdateItem; false when the condition did not hold. */
  const conditional = async (input: ConstructorParameters<typeof UpdateItemCommand>[0]): Promise<boolean> => {
    try {
      await client.send(new UpdateItemCommand(input));
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  };
  /**
   * Candidates of one status: the open tickets (one page), or the held ones whose lease ran out
   * (a filter on `lease_until`, which DynamoDB applies after `Limit`: so page on, up to
   * {@link MAX_HELD_PAGES}, until one is found, past the live leases of the other tasks).
   */
  const ids = async (status: string, filterExpired: boolean, at: number): Promise<string[]> => {
    let start: Record<string, AttributeValue> | undefined;
    for (let page = 0; page < (filterExpired ? MAX_HELD_PAGES : 1); page++) {
      const out = await client.send(
        new QueryCommand({
          TableName: table,
          IndexName: QUEUE.index,
          KeyConditionExpression: "#s = :s",
          ...(filterExpired ? { FilterExpression: "#u < :now", ExpressionAttributeNames: { "#s": QUEUE.status, "#u": QUEUE.leaseUntil }, ExpressionAttributeValues: { ":s": { S: status }, ":now": { N: String(at) } } } : { ExpressionAttributeNames: { "#s": QUEUE.status }, ExpressionAttributeValues: { ":s": { S: status } } }),
          Limit: CANDIDATES_PER_LOOK,
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      );
      const found = (out.Items ?? []).map((i) => i[TICKET_TABLE.key]?.S).filter((id): id is string => typeof id === "string");
      if (found.length > 0 || out.LastEvaluatedKey === undefined) return found;
      start = out.LastEvaluatedKey;
    }
    return [];
  };

  return async (args: Readonly<Record<string, unknown>>): Promise<QueueResult> => {
    const action = args.action as QueueAction;
    const worker = String(args.worker);
    const at = now();
    if (action === "take") {
      let contended = 0;
      // Open tickets first, then held ones whose lease ran out (their task is gone).
      for (const [status, expired] of [[QUEUE.open, false], [QUEUE.inProgress, true]] as const) {
        for (const id of await ids(status, expired, at)) {
          const won = await conditional({
            TableName: table,
            Key: key(id),
            UpdateExpression: "SET #s = :held, #o = :me, #u = :until",
            ConditionExpression: "#s = :open OR (#s = :held AND #u < :now)",
            ExpressionAttributeNames: NAMES,
            ExpressionAttributeValues: { ":held": { S: QUEUE.inProgress }, ":open": { S: QUEUE.open }, ":me": { S: worker }, ":until": { N: String(at + options.leaseMs) }, ":now": { N: String(at) } },
          });
          if (won) return { action, ticket_id: id, contended };
          contended++;
        }
      }
      return { action, ticket_id: null, contended };
    }
    const id = String(args.ticket_id);
    const mine = { ":me": { S: worker } };
    if (action === "renew") {
      const held = await conditional({
        TableName: table,
        Key: key(id),
        UpdateExpression: "SET #u = :until",
        ConditionExpression: "#o = :me",
        ExpressionAttributeNames: { "#o": QUEUE.leaseOwner, "#u": QUEUE.leaseUntil },
        ExpressionAttributeValues: { ...mine, ":until": { N: String(at + options.leaseMs) } },
      });
      return { action, ticket_id: id, held };
    }
    if (action === "release") {
      const held = await conditional({
        TableName: table,
        Key: key(id),
        UpdateExpression: "SET #s = :open REMOVE #o, #u",
        ConditionExpression: "#o = :me",
        ExpressionAttributeNames: NAMES,
        ExpressionAttributeValues: { ...mine, ":open": { S: QUEUE.open } },
      });
      return { action, ticket_id: id, held };
    }
    const status = args.status === QUEUE.answered ? QUEUE.answered : QUEUE.failed;
    const held = await conditional({
      TableName: table,
      Key: key(id),
      UpdateExpression: "SET #s = :status, #outcome = :outcome, #by = :me, #at = :at REMOVE #o, #u",
      ConditionExpression: "#o = :me",
      ExpressionAttributeNames: { ...NAMES, "#outcome": "outcome", "#by": "handled_by", "#at": "handled_at" },
      ExpressionAttributeValues: { ...mine, ":status": { S: status }, ":outcome": { S: String(args.outcome ?? status) }, ":at": { S: new Date(at).toISOString() } },
    });
    return { action, ticket_id: id, held };
  };
}
