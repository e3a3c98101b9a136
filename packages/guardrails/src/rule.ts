/**
 * What a guardrail rule is. Resource rules are pure functions over one resource's type and
 * properties (the same shape the Pulumi policy engine passes and `airlock plan --json` records);
 * stack rules see every resource at once, for guarantees that span resources (a secret and its
 * rotation, a log group and its data protection policy). The pack (`pack.ts`) gives each rule its
 * id, severity and explanation.
 */
import type { IamStatement, PermissionEntry, ToolSummary } from "@airlock/core";

export type RuleResult =
  | { readonly status: "compliant" }
  | { readonly status: "non-compliant"; readonly messages: readonly string[] }
  | { readonly status: "not-applicable" };

export const COMPLIANT: RuleResult = { status: "compliant" };
export const NOT_APPLICABLE: RuleResult = { status: "not-applicable" };

/** Non-compliant with these messages, or compliant when there are none. */
export function verdict(messages: readonly string[]): RuleResult {
  return messages.length === 0 ? COMPLIANT : { status: "non-compliant", messages };
}

export type Props = Readonly<Record<string, unknown>>;

/** A rule's settings, as a JSON schema (the shape `@pulumi/policy` takes as a policy's `configSchema`). */
export interface RuleConfigSchema {
  readonly properties: Readonly<Record<string, { readonly type: "integer" | "number" | "string" | "boolean"; readonly default?: unknown; readonly minimum?: number; readonly maximum?: number; readonly description?: string }>>;
}

/** A rule's settings with the schema's defaults applied. */
export type RuleConfig = Readonly<Record<string, unknown>>;

/** What a resource rule may read besides the resource itself. */
export interface ResourceContext {
  /** The resource being checked, as the stack holds it. */
  readonly self?: StackResource;
  /** The whole stack (only for rules with `readsStack`). */
  readonly stack?: StackInput;
  /** The rule's settings (only for rules with a `configSchema`), defaults applied. */
  readonly config?: RuleConfig;
}

export interface ResourceRule {
  readonly kind: "resource";
  /** File name of the rule, e.g. `IamNoWildcardActions`. */
  readonly name: string;
  /** Resource type tokens the rule reads; anything else is not applicable. */
  readonly resourceTypes: readonly string[];
  /**
   * The rule reads `context.stack` (an opt-out recorded on another resource); the Pulumi engine then
   * runs it as a stack policy, since a resource policy sees one resource only. @default false
   */
  readonly readsStack?: boolean;
  /** Settings an organisation may change in its policy config. @default - none */
  readonly configSchema?: RuleConfigSchema;
  check(type: string, props: Props, context?: ResourceContext): RuleResult | Promise<RuleResult>;
}

/** One resource as a stack rule sees it. */
export interface StackResource {
  readonly urn: string;
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** Inputs (plan) or properties (Pulumi policy engine). */
  readonly props: Props;
  /** URNs of the resources it waits for (plan `dependsOn`, the engine's `dependencies`). @default - none known */
  readonly dependencies?: readonly string[];
}

/** What stack rules read of an agent: a compiled `AgentModel` satisfies it. */
export interface AgentView {
  readonly name: string;
  readonly tools: readonly Pick<ToolSummary, "name" | "outward" | "tier" | "actionType">[];
  /** The task role's statements as compiled (a plan's models have them; the Pulumi engine does not). */
  readonly taskRoleStatements?: readonly Pick<IamStatement, "Sid" | "Effect" | "Action" | "Resource">[];
  /** The compiled permission rows, with `wildcardReason` where the manifest allowed a wildcard. */
  readonly permissions?: readonly Pick<PermissionEntry, "tool" | "actions" | "resources" | "wildcardReason">[];
}

export interface StackInput {
  readonly resources: readonly StackResource[];
  /** The agents, when known: the plan has their compiled models; the Pulumi engine reads them from task definitions. */
  readonly agents?: readonly AgentView[];
  /** The rule's settings (only for rules with a `configSchema`), defaults applied. */
  readonly config?: RuleConfig;
}

export interface StackViolation {
  /** URN of the resource at fault, or a plan path such as `agents[support-agent].tools[send_customer_reply]`. */
  readonly subject: string;
  readonly message: string;
}

export interface StackRule {
  readonly kind: "stack";
  readonly name: string;
  /** Settings an organisation may change in its policy config. @default - none */
  readonly configSchema?: RuleConfigSchema;
  check(input: StackInput): readonly StackViolation[];
}

export type Rule = ResourceRule | StackRule;
