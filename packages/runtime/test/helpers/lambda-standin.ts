/**
 * A loopback stand-in for AWS Lambda's Invoke API, running the REAL approval gateway handler
 * (`createGatewayHandler` of @airlock/approvals) on the embedded PGlite store with the local Slack
 * API receiver the approval tests use. `POST /2015-03-31/functions/{FunctionName}/invocations`
 * (FunctionName an alias ARN, or a name or ARN with `?Qualifier=`) runs the handler with the
 * invoked ARN as Lambda's context gives it, and answers as Lambda does: the handler's value as the
 * payload, or `X-Amz-Function-Error: Unhandled` with `{ errorType, errorMessage }`. Requests must
 * be SigV4-signed for the `lambda` service (the SDK's own signing with test credentials).
 *
 * A test plays the person through the gateway's own Slack path: signed block actions and edit
 * submissions, as Slack posts them to the function URL.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { GATEWAY_CONFIG, GATEWAY_OPS } from "@airlock/core/contracts";
import { createGatewayHandler, type GatewayConfig, type GatewayHandler } from "../../../approvals/src/gateway/lambda.ts";
import type { Database } from "../../../approvals/src/audit/db.ts";
import { SlackReceiver } from "../../../approvals/test/helpers/slack-receiver.ts";
import { APPROVER, CHANNEL, SIGNING_SECRET, blockAction, editSubmission, signed } from "../../../approvals/test/helpers/slack-requests.ts";
import { freshPglite } from "../../../approvals/test/helpers/stores.ts";

export const REGION = "eu-west-1";
export const FUNCTION = `arn:aws:lambda:${REGION}:123456789012:function:airlock-approvals`;
export const aliasArn = (agent: string) => `${FUNCTION}:${agent}`;

/** One invocation the stand-in served. */
export interface Invocation {
  readonly invokedFunctionArn: string;
  readonly event: Record<string, unknown>;
  readonly reply: unknown;
  readonly error?: string;
  readonly authorization: string | undefined;
}

const body = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });

export class LambdaStandIn {
  readonly invocations: Invocation[] = [];
  readonly slack = new SlackReceiver();
  /** Added to the gateway's clock (to age an approval past its lifetime). */
  clockOffsetMs = 0;
  /** When set, every invocation answers this HTTP status (the Lambda API failing). */
  failWith: number | undefined;
  db!: Database;
  handler!: GatewayHandler;
  url = "";
  #server: Server | undefined;
  #dispose: (() => Promise<void>) | undefined;
  #waiters: ((id: string) => void)[] = [];
  #pending: string[] = [];

  /**
   * Starts the Slack receiver, the store and the HTTP server for `models` (each agent's compiled
   * model). `given` replaces the fresh embedded store (a server's database, or a data directory a
   * test reads after `stop`); its `dispose` runs on `stop`.
   */
  async start(models: readonly { readonly name: string }[], given?: { readonly db: Database; dispose(): Promise<void> }): Promise<string> {
    const slackUrl = await this.slack.start();
    const store = given ?? (await freshPglite());
    this.db = store.db;
    this.#dispose = () => store.dispose();
    const config = JSON.parse(
      JSON.stringify({ version: GATEWAY_CONFIG.version, agents: Object.fromEntries(models.map((m) => [m.name, { model: m, slack: { channelId: CHANNEL, approverIds: [APPROVER] } }])) }),
    ) as GatewayConfig;
    this.handler = createGatewayHandler({
      config,
      db: store.db,
      slackClient: this.slack.client(slackUrl),
      signingSecret: SIGNING_SECRET,
      stack: "test",
      log: () => {},
      onWarning: () => {},
      onError: () => {},
      now: () => new Date(Date.now() + this.clockOffsetMs),
    });
    this.#server = createServer((req, res) => {
      void (async () => {
        const text = await body(req);
        const url = new URL(req.url ?? "/", "http://localhost");
        const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
        const authorization = req.headers.authorization;
        if (req.method !== "POST" || m === null) {
          res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ Type: "User", message: `no route ${req.method} ${url.pathname}` }));
          return;
        }
        if (authorization === undefined || !/^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[a-z0-9-]+\/lambda\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/.test(authorization)) {
          res.writeHead(403, { "content-type": "application/json", "x-amzn-errortype": "MissingAuthenticationTokenException" }).end(JSON.stringify({ message: "Missing Authentication Token" }));
          return;
        }
        if (this.failWith !== undefined) {
          res.writeHead(this.failWith, { "content-type": "application/json", "x-amzn-errortype": "ServiceException" }).end(JSON.stringify({ message: "Lambda is unavailable" }));
          return;
        }
        const name = decodeURIComponent(m[1]!);
        const qualifier = url.searchParams.get("Qualifier");
        const base = name.startsWith("arn:") ? name : `arn:aws:lambda:${REGION}:123456789012:function:${name}`;
        const invokedFunctionArn = qualifier === null ? base : `${base}:${qualifier}`;
        const event = JSON.parse(text === "" ? "{}" : text) as Record<string, unknown>;
        try {
          const reply = await this.handler(event, { invokedFunctionArn });
          this.invocations.push({ invokedFunctionArn, event, reply, authorization });
          if (event.op === GATEWAY_OPS.request && typeof reply === "object" && reply !== null && (reply as { status?: unknown }).status === "pending") this.#announce((reply as { id: string }).id);
          res.writeHead(200, { "content-type": "application/json", "x-amz-executed-version": "1" }).end(JSON.stringify(reply ?? null));
        } catch (e) {
          const err = e as Error;
          this.invocations.push({ invokedFunctionArn, event, reply: undefined, error: err.message, authorization });
          res
            .writeHead(200, { "content-type": "application/json", "x-amz-function-error": "Unhandled", "x-amz-executed-version": "1" })
            .end(JSON.stringify({ errorType: err.name, errorMessage: err.message, trace: [] }));
        }
      })();
    });
    await new Promise<void>((r) => this.#server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  #announce(id: string): void {
    if (this.#pending.includes(id)) return;
    const w = this.#waiters.shift();
    if (w !== undefined) w(id);
    else this.#pending.push(id);
  }

  /** The id of the next request that becomes pending (asked by the agent). */
  nextRequest(): Promise<string> {
    const id = this.#pending.shift();
    if (id !== undefined) return Promise.resolve(id);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** A `LambdaClient` pointed here, with test credentials and no retries. */
  client(): LambdaClient {
    return new LambdaClient({ endpoint: this.url, region: REGION, credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" }, maxAttempts: 1 });
  }

  /** An approver's click in Slack, through the gateway's function URL. */
  async click(requestId: string, action: "airlock.approve" | "airlock.reject", user = APPROVER): Promise<unknown> {
    return this.handler(this.#urlEvent(blockAction(requestId, action, user)));
  }

  /** An approver's Edit modal submitted with `args`. */
  async edit(requestId: string, args: Record<string, unknown>, user = APPROVER): Promise<unknown> {
    return this.handler(this.#urlEvent(editSubmission(requestId, user, JSON.stringify(args))));
  }

  /** Invocations of one operation. */
  ops(op: string): Invocation[] {
    return this.invocations.filter((i) => i.event.op === op);
  }

  #urlEvent(payload: unknown) {
    const req = signed(payload);
    return { version: "2.0", rawPath: "/", headers: req.headers, body: req.body, isBase64Encoded: false, requestContext: { http: { method: "POST", path: "/" } } };
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.#server?.close(() => r()) ?? r());
    await this.slack.stop();
    await this.#dispose?.();
  }
}
