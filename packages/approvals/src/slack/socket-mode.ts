/**
 * Socket Mode, for teams without a public endpoint: Slack pushes interactions over a WebSocket the
 * service opens with an app-level token. The connection itself is authenticated, so there is no
 * request signature to check; the decision path is the same `handleInteraction` as over HTTP.
 */
import { SocketModeClient, type LogLevel } from "@slack/socket-mode";
import type { InteractionHandler } from "./http.ts";

/** What `attachSocketMode` needs of a client (a `SocketModeClient` satisfies it). */
export interface SocketModeEvents {
  on(event: "interactive", listener: (event: { ack: (response?: Record<string, unknown>) => Promise<void>; body: unknown }) => void): unknown;
}

/**
 * Routes the client's `interactive` events to the service (or an `ApprovalRouter`). Each event is acknowledged once the
 * decision is stored, with the modal's errors when an edit is invalid.
 */
export function attachSocketMode(client: SocketModeEvents, service: InteractionHandler, onError: (e: unknown) => void = (e) => console.error("airlock approvals (socket mode):", e)): void {
  client.on("interactive", ({ ack, body }) => {
    void (async () => {
      try {
        const out = await service.handleInteraction(body, "socket-mode");
        await ack(out.body === undefined ? undefined : { ...out.body });
      } catch (e) {
        // Not acknowledged: Slack shows the user an error and the click can be repeated.
        onError(e);
      }
    })();
  });
}

export interface SocketModeSettings {
  /** App-level token (`xapp-…`) with the `connections:write` scope. */
  readonly appToken: string;
  /**
   * Slack API base URL (tests point it at a local receiver).
   * @default "https://slack.com/api/"
   */
  readonly slackApiUrl?: string;
  /**
   * The client's log level.
   * @default LogLevel.INFO
   */
  readonly logLevel?: LogLevel;
}

/** A Socket Mode client routed to the service; call `start()` on it to connect. */
export function createSocketMode(service: InteractionHandler, settings: SocketModeSettings): SocketModeClient {
  const client = new SocketModeClient({
    appToken: settings.appToken,
    ...(settings.logLevel === undefined ? {} : { logLevel: settings.logLevel }),
    ...(settings.slackApiUrl === undefined ? {} : { clientOptions: { slackApiUrl: settings.slackApiUrl } }),
  });
  attachSocketMode(client as unknown as SocketModeEvents, service);
  return client;
}
