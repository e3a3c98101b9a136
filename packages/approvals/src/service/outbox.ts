/**
 * The Slack outbox: posts a request's message, shows a decision's outcome on it, and retries
 * whatever Slack refused, with backoff, from the rows of the store. A retried post first looks in
 * the channel's history for the message an earlier attempt may have posted without recording it,
 * so a request reaches approvers once even across a crash between Slack and the store, a post
 * Slack accepted but answered 500 or too late (the client itself never retries, config.ts), and two
 * instances asked for one request at once (a post is made only by whoever holds the row's lease).
 */
import { redactSecrets } from "@airlock/core/secret-patterns";
import type { WebClient } from "@slack/web-api";
import { outcomeMessage, requestMessage, type SlackMessage } from "../slack/blocks.ts";
import type { ApprovalRequestRecord, DecisionRecord } from "../types.ts";
import { LEASE_MS, type RequestStore } from "./store.ts";

/**
 * The Slack calls the service makes (a `WebClient` satisfies it). The bot token needs
 * `chat:write` (post, update, private replies) and `channels:history` (`groups:history` for a
 * private channel): before the outbox posts a request again it reads the channel's recent history
 * for the message its earlier attempt may have posted, so a post Slack accepted but the store never
 * recorded (a crash between the two) is not posted twice. Without a history scope requests are
 * still delivered, with a warning, but such a request may reach approvers twice.
 */
export type SlackApi = Pick<WebClient, "chat" | "views"> & {
  readonly conversations: Pick<WebClient["conversations"], "history">;
  /** Who the bot is, so only its own messages count as earlier posts (another app could copy the metadata). */
  readonly auth: Pick<WebClient["auth"], "test">;
};

export interface OutboxResult {
  readonly posted: number;
  readonly updated: number;
  readonly failed: number;
}

/** Slack message metadata `event_type` of a request's message; its payload names the request and agent. */
export const REQUEST_EVENT_TYPE = "airlock_approval_request";
/** How far before a request's creation its message is looked for (clock skew between this host and Slack). */
const HISTORY_MARGIN_MS = 5 * 60_000;
/** Pages of channel history read before a retried post, newest first (a page is at most 200 messages). */
const HISTORY_PAGES = 5;
const HISTORY_PAGE_SIZE = 200;

export interface SlackOutboxOptions {
  readonly store: RequestStore;
  readonly slack: SlackApi;
  /** Channel id requests are posted to. */
  readonly channel: string;
  readonly now: () => Date;
  /** Delay before a retry: `baseMs * 2^(attempts-1)`, at most `maxMs`. */
  readonly retry: { readonly baseMs: number; readonly maxMs: number };
  readonly warn: (message: string) => void;
}

export class SlackOutbox {
  readonly #store: RequestStore;
  readonly #slack: SlackApi;
  readonly #channel: string;
  readonly #now: () => Date;
  readonly #retryBase: number;
  readonly #retryMax: number;
  readonly #warn: (message: string) => void;
  /** This bot's id (auth.test), once asked. */
  #botId: Promise<string> | undefined;
  /** Failures of the history lookup already warned about, by Slack error (each is reported once). */
  readonly #historyWarned = new Set<string>();
  #flushing: Promise<OutboxResult> | undefined;

  constructor(options: SlackOutboxOptions) {
    this.#store = options.store;
    this.#slack = options.slack;
    this.#channel = options.channel;
    this.#now = options.now;
    this.#retryBase = options.retry.baseMs;
    this.#retryMax = options.retry.maxMs;
    this.#warn = options.warn;
  }

  /**
   * Retries Slack deliveries that are due: requests never posted and outcomes never shown.
   * One flush at a time per instance; a second caller shares the running one.
   */
  flush(limit: number): Promise<OutboxResult> {
    this.#flushing ??= this.#flushOnce(limit).finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #flushOnce(limit: number): Promise<OutboxResult> {
    const claimed = await this.#store.claimDue(this.#now(), limit);
    let posted = 0;
    let updated = 0;
    let failed = 0;
    for (const req of claimed) {
      if (req.status === "pending") {
        // Every outbox post is a retry: the first attempt was requestApproval's.
        if (await this.post(req, { retry: true, claimed: true })) posted++;
        else failed++;
        continue;
      }
      const decision = await this.#store.getDecision(req.id);
      if (decision === undefined) continue;
      if (await this.deliverOutcome(req, decision)) updated++;
      else failed++;
    }
    return { posted, updated, failed };
  }

  /** Settles when the running flush (if any) has ended, however it ended. */
  async idle(): Promise<void> {
    await this.#flushing?.catch(() => undefined);
  }

  /**
   * Posts a request and records its message. A `retry` first looks for the message an earlier
   * attempt may have posted without recording it, and records that one instead of posting again.
   */
  async post(req: ApprovalRequestRecord, options: { readonly retry: boolean; readonly claimed?: boolean }): Promise<boolean> {
    let call = "chat.postMessage";
    try {
      // A retry not already holding the row (the outbox's claim) claims it first: another
      // instance's post may be in flight, or waiting out its backoff. Without the row, only look.
      if (options.retry && options.claimed !== true && !(await this.#claim(req))) {
        const seen = await this.#findPosted(req);
        if (seen === undefined) return false;
        call = `recording message ${seen} found in the channel history`;
        await this.#store.recordPosted(req.id, this.#channel, seen);
        return true;
      }
      const found = options.retry ? await this.#findPosted(req) : undefined;
      if (found !== undefined) {
        call = `recording message ${found} found in the channel history`;
        await this.#store.recordPosted(req.id, this.#channel, found);
        return true;
      }
      const message = requestMessage(req);
      const r = await this.#postMarked(req, message);
      if (typeof r.ts !== "string") throw new Error("chat.postMessage returned no ts");
      await this.#store.recordPosted(req.id, typeof r.channel === "string" ? r.channel : this.#channel, r.ts);
      return true;
    } catch (e) {
      await this.#failed(req, call, e);
      return false;
    }
  }

  /**
   * Posts `message` to the channel carrying the request's metadata, the marker #findPosted looks
   * for: a post Slack took but answered 500 or too late is found, not posted again.
   */
  #postMarked(req: ApprovalRequestRecord, message: SlackMessage) {
    return this.#slack.chat.postMessage({
      channel: this.#channel,
      text: message.text,
      blocks: message.blocks as never,
      metadata: { event_type: REQUEST_EVENT_TYPE, event_payload: { request_id: req.id, agent: req.agent } },
      unfurl_links: false,
      unfurl_media: false,
    });
  }

  /** Shows a decision on the request's message (or, if it never reached Slack, in a message of its own). */
  async deliverOutcome(req: ApprovalRequestRecord, decision: DecisionRecord): Promise<boolean> {
    if (req.slack.ts === undefined || req.slack.channel === undefined) {
      if (req.slack.state !== "unposted") return true;
      // The request's message may be in Slack with its ts unrecorded (its buttons may be what was
      // clicked): record it and update it in place rather than post the outcome beside it.
      const found = await this.#findPosted(req);
      if (found !== undefined) {
        try {
          await this.#store.recordPosted(req.id, this.#channel, found);
        } catch (e) {
          await this.#failed(req, `recording message ${found} found in the channel history`, e);
          return false;
        }
        return this.deliverOutcome({ ...req, slack: { ...req.slack, state: "update-pending", channel: this.#channel, ts: found, attempts: req.slack.attempts + 1 } }, decision);
      }
      // Decided before the request ever reached Slack: post the outcome instead.
      const message = outcomeMessage(req, decision);
      try {
        // With the request's metadata: a retry after Slack took this post but answered 500 or too
        // late finds it (above) and updates it in place instead of posting the outcome again.
        const r = await this.#postMarked(req, message);
        await this.#store.recordOutcomePosted(req.id, typeof r.channel === "string" ? r.channel : this.#channel, r.ts ?? null);
        return true;
      } catch (e) {
        await this.#failed(req, "chat.postMessage", e);
        return false;
      }
    }
    const message = outcomeMessage(req, decision);
    try {
      await this.#slack.chat.update({ channel: req.slack.channel, ts: req.slack.ts, text: message.text, blocks: message.blocks as never });
      await this.#store.recordOutcomeShown(req.id);
      return true;
    } catch (e) {
      await this.#failed(req, "chat.update", e);
      return false;
    }
  }

  /**
   * Takes an unposted request's row for one post (the lease the outbox's claim and the request's
   * insert take), unless another attempt holds it: false then. The row is the claim, so two
   * instances asked for one request at once post it once.
   */
  async #claim(req: ApprovalRequestRecord): Promise<boolean> {
    const now = this.#now();
    const { rowCount } = await this.#store.db.query(
      `UPDATE airlock.approval_requests SET slack_next_attempt_at = $3
        WHERE id = $1 AND agent = $2 AND slack_state = 'unposted' AND (slack_next_attempt_at IS NULL OR slack_next_attempt_at <= $4)
        RETURNING id`,
      [req.id, req.agent, new Date(now.getTime() + LEASE_MS).toISOString(), now.toISOString()],
    );
    return rowCount !== 0;
  }

  /**
   * The ts of the request's message if the channel already holds it (matched by its metadata),
   * reading at most HISTORY_PAGES pages back to shortly before the request was created. A failed
   * lookup (no history scope, Slack down) is warned about once and answers undefined: delivery
   * goes on, at the risk of a duplicate, rather than waiting on a scope.
   */
  async #findPosted(req: ApprovalRequestRecord): Promise<string | undefined> {
    const oldest = ((req.createdAt.getTime() - HISTORY_MARGIN_MS) / 1000).toFixed(6);
    let cursor: string | undefined;
    try {
      this.#botId ??= this.#slack.auth.test().then((a) => {
        if (typeof a.bot_id !== "string") throw new Error("auth.test returned no bot_id: the service needs a bot token (xoxb-)");
        return a.bot_id;
      });
      const botId = await this.#botId.catch((e: unknown) => {
        this.#botId = undefined; // ask again next time
        throw e;
      });
      for (let page = 0; page < HISTORY_PAGES; page++) {
        const r = await this.#slack.conversations.history({
          channel: this.#channel,
          oldest,
          include_all_metadata: true,
          limit: HISTORY_PAGE_SIZE,
          ...(cursor === undefined ? {} : { cursor }),
        });
        const hit = r.messages?.find(
          (m) =>
            m.bot_id === botId &&
            m.metadata?.event_type === REQUEST_EVENT_TYPE &&
            (m.metadata.event_payload as { request_id?: unknown } | undefined)?.request_id === req.id,
        );
        if (typeof hit?.ts === "string") return hit.ts;
        cursor = r.response_metadata?.next_cursor;
        if (cursor === undefined || cursor === "") return undefined;
      }
    } catch (e) {
      this.#warnHistoryFailure(e);
    }
    return undefined;
  }

  #warnHistoryFailure(e: unknown): void {
    const data = (e as { data?: { error?: unknown; needed?: unknown } } | null)?.data;
    const error = typeof data?.error === "string" ? data.error : "other";
    if (this.#historyWarned.has(error)) return;
    this.#historyWarned.add(error);
    const scopes = "channels:history (groups:history for a private channel)";
    if (error === "missing_scope") {
      const needed = typeof data?.needed === "string" && data.needed !== "" ? data.needed : scopes;
      this.#warn(
        `airlock approvals: the Slack app lacks the ${needed} scope (conversations.history answered missing_scope), so the outbox cannot see whether a request it retries was already posted; ` +
          `until ${needed} is granted, approvers may see a request twice. Requests are still posted.`,
      );
      return;
    }
    this.#warn(
      `airlock approvals: could not read the history of channel ${this.#channel} before retrying a post (conversations.history: ${redactSecrets(describeError(e)).slice(0, 300)}); ` +
        `requests are still posted, but approvers may see one twice. The Slack app needs ${scopes}.`,
    );
  }

  async #failed(req: ApprovalRequestRecord, call: string, e: unknown): Promise<void> {
    const attempts = req.slack.attempts + 1;
    const delay = Math.min(this.#retryMax, this.#retryBase * 2 ** Math.min(20, attempts - 1));
    const message = redactSecrets(`${call}: ${describeError(e)}`).slice(0, 500);
    this.#warn(`airlock approvals: request ${req.id}: ${message}; retrying in ${Math.round(delay / 1000)} s`);
    try {
      await this.#store.recordFailure(req.id, message, new Date(this.#now().getTime() + delay));
    } catch (dbError) {
      // The row keeps its lease time, so the outbox still retries it; nothing is lost.
      this.#warn(`airlock approvals: request ${req.id}: could not record the Slack failure: ${describeError(dbError)}`);
    }
  }
}

/** A Slack or store error as one line: its message and, for a Slack API error, the error code. */
export function describeError(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown; data?: { error?: unknown } };
  const slackError = typeof err?.data?.error === "string" ? ` (${err.data.error})` : "";
  return `${typeof err?.message === "string" ? err.message : String(e)}${slackError}`;
}
