/**
 * A scenario's timeline: what each party did, in order, from the records each keeps (the agent's
 * EMF lines, the model stand-in's requests, the gateway's audit rows, the Slack, SES, DynamoDB
 * and ECS stand-ins) and what the harness saw happen. `npm run demo` prints it; the test keeps it
 * for a failure's message.
 */

export type Actor = "harness" | "agent" | "model" | "gateway" | "slack" | "person" | "audit" | "ses" | "dynamodb" | "ecs" | "billing" | "github" | "posthog" | "cli";

export interface TimelineEvent {
  /** Epoch milliseconds. */
  readonly at: number;
  readonly actor: Actor;
  readonly text: string;
}

export class Timeline {
  readonly #events: TimelineEvent[] = [];
  readonly startedAt: number;

  constructor(startedAt = Date.now()) {
    this.startedAt = startedAt;
  }

  /** Records an event now (or at `at`). */
  add(actor: Actor, text: string, at = Date.now()): void {
    this.#events.push({ at, actor, text });
  }

  /** The events, in time order (stable for events at the same millisecond). */
  get events(): readonly TimelineEvent[] {
    return this.#events.map((e, i) => ({ e, i })).sort((a, b) => a.e.at - b.e.at || a.i - b.i).map((x) => x.e);
  }

  /** The timeline as text: `  +1.234 s  person    pressed Approve on …`. */
  format(): string {
    const width = Math.max(...this.#events.map((e) => e.actor.length), 5);
    return this.events
      .map((e) => {
        const t = `+${((e.at - this.startedAt) / 1000).toFixed(3)} s`.padStart(10);
        const [first, ...rest] = e.text.split("\n");
        return [`${t}  ${e.actor.padEnd(width)}  ${first}`, ...rest.map((l) => `${" ".repeat(10 + 2 + width + 2)}${l}`)].join("\n");
      })
      .join("\n");
  }
}

/** `text` cut to `max` characters on one line, for a timeline entry. */
export function short(text: string, max = 100): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}
