/**
 * The agent's side of the approval gateway: a synchronous Lambda Invoke of the agent's own alias
 * (IAM lets the task role invoke only that alias, and the gateway reads the agent from the alias),
 * with the payloads of `@airlock/core/contracts`, and the replies read back defensively.
 */
import { InvokeCommand, type InvokeCommandOutput } from "@aws-sdk/client-lambda";
import { GATEWAY_OPS, type GatewayAction, type GatewayConsumeReply, type GatewayInvocation } from "@airlock/core/contracts";

/** What the checkpoint needs of a `LambdaClient` (`@aws-sdk/client-lambda`): `send`. */
export interface LambdaInvoker {
  send(command: InvokeCommand): Promise<InvokeCommandOutput>;
}

/** The gateway failed or answered something unreadable (a transport error is the SDK's own). */
export class GatewayError extends Error {
  override readonly name = "GatewayError";
}

/** The `request` reply: `auto` (nobody is asked) or `pending` with the request id. */
export type RequestReply = { readonly status: "auto" } | { readonly status: "pending"; readonly id: string; readonly posted: boolean };

/** A decision as the gateway returns it (`decidedAt` an ISO time). */
export interface DecisionReply {
  readonly requestId: string;
  readonly decision: "approved" | "rejected" | "edited";
  readonly decidedBy: string;
  readonly editedArguments?: Readonly<Record<string, unknown>>;
  readonly decidedAt: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Lambda's alias ARN: `arn:<partition>:lambda:<region>:<account>:function:<name>:<alias>`. */
const ALIAS_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+:(?!\$LATEST$)(?!\d+$)[A-Za-z0-9_-]+$/;

/** Whether `arn` names a Lambda alias (not the function, `$LATEST` or a version). */
export function isAliasArn(arn: string): boolean {
  return ALIAS_ARN.test(arn);
}

export class GatewayClient {
  constructor(
    private readonly lambda: LambdaInvoker,
    /** The agent's alias of the gateway. */
    readonly functionArn: string,
  ) {}

  async #invoke(payload: GatewayInvocation): Promise<unknown> {
    const out = await this.lambda.send(new InvokeCommand({ FunctionName: this.functionArn, InvocationType: "RequestResponse", Payload: Buffer.from(JSON.stringify(payload), "utf8") }));
    const text = out.Payload === undefined ? "" : Buffer.from(out.Payload).toString("utf8");
    if (out.FunctionError !== undefined && out.FunctionError !== "") {
      let message = text;
      try {
        const e = JSON.parse(text) as { errorMessage?: unknown };
        if (typeof e.errorMessage === "string") message = e.errorMessage;
      } catch {
        // not JSON: keep the text
      }
      throw new GatewayError(`the approval gateway failed (${out.FunctionError}): ${message}`);
    }
    if (text === "") return null;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new GatewayError(`the approval gateway answered something that is not JSON: ${text.slice(0, 200)}`);
    }
  }

  async request(release: string, action: GatewayAction): Promise<RequestReply> {
    const r = await this.#invoke({ op: GATEWAY_OPS.request, release, action });
    if (isObject(r) && r.status === "auto") return { status: "auto" };
    if (isObject(r) && r.status === "pending" && typeof r.id === "string") return { status: "pending", id: r.id, posted: r.posted === true };
    throw new GatewayError(`the approval gateway's answer to \`request\` is not a request: ${JSON.stringify(r)?.slice(0, 200)}`);
  }

  /** The decision, or undefined while pending. */
  async decision(requestId: string): Promise<DecisionReply | undefined> {
    const r = await this.#invoke({ op: GATEWAY_OPS.decision, requestId });
    if (r === null) return undefined;
    if (
      isObject(r) &&
      r.requestId === requestId &&
      (r.decision === "approved" || r.decision === "rejected" || r.decision === "edited") &&
      typeof r.decidedBy === "string" &&
      typeof r.decidedAt === "string" &&
      (r.decision !== "edited" || isObject(r.editedArguments))
    ) {
      return {
        requestId,
        decision: r.decision,
        decidedBy: r.decidedBy,
        decidedAt: r.decidedAt,
        ...(r.decision === "edited" ? { editedArguments: r.editedArguments as Record<string, unknown> } : {}),
      };
    }
    throw new GatewayError(`the approval gateway's answer to \`decision\` is not a decision on ${requestId}: ${JSON.stringify(r)?.slice(0, 200)}`);
  }

  async consume(requestId: string, argumentsHash: string): Promise<GatewayConsumeReply> {
    const r = await this.#invoke({ op: GATEWAY_OPS.consume, requestId, argumentsHash });
    if (isObject(r) && r.requestId === requestId && ((r.outcome === "executed" && r.argumentsHash === argumentsHash) || (r.outcome === "refused" && typeof r.reason === "string" && typeof r.message === "string"))) {
      return r as unknown as GatewayConsumeReply;
    }
    throw new GatewayError(`the approval gateway's answer to \`consume\` is not an outcome for ${requestId}: ${JSON.stringify(r)?.slice(0, 200)}`);
  }
}
