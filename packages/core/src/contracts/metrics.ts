/**
 * CloudWatch metrics that cross a process boundary: written as EMF lines by the tracer (inside the
 * agent), the approval gateway and the secret age monitor (Lambdas), and read by the alarms and
 * the dashboard the Pulumi components declare. A rename silently empties every deployed alarm's
 * series. Add, never rename.
 */

/** Dimension names shared by every Airlock metric. */
export const DIMENSIONS = {
  /**
   * The Pulumi stack (`AIRLOCK_STACK`): two stacks of one program in one account (dev and prod)
   * write to the same namespace, and only this keeps their series apart.
   */
  stack: "Stack",
  /** The agent's name from its manifest. */
  agent: "Agent",
  /** The tool name, on tool-call lines only. */
  tool: "Tool",
  /** The model id as passed by the caller, on model-call lines only. */
  model: "Model",
  /** A secret's name, on the secret age monitor's per-secret lines. */
  secret: "Secret",
} as const;

/** The tracer's metrics: one EMF line per tool or model call. */
export const AGENT_METRICS = {
  /** Default namespace. */
  namespace: "Airlock/Agents",
  /** Metric names: each is a top-level member of every line. */
  names: {
    /** 1 per call. Sum = number of calls. */
    calls: "Calls",
    /**
     * 1 when the call failed (outcome `error`: the tool threw, the model API or the infrastructure
     * failed), else 0. Sum / Calls = error rate, which the deployment alarms roll a release back on.
     * An expected outcome (`refused`) is not an error.
     */
    errors: "Errors",
    /**
     * 1 when the call was refused (outcome `refused`: a policy refusal, a person's denial or an
     * approval timeout, the model's own code failing in the sandbox), else 0. Never alarmed for rollback.
     */
    refusals: "Refusals",
    /** Wall-clock latency of the wrapped function, in milliseconds. */
    latencyMs: "LatencyMs",
    /** Input tokens billed (uncached input; cache reads and writes are in the PostHog event). 0 for tools. */
    inputTokens: "InputTokens",
    /** Output tokens billed. 0 for tools. */
    outputTokens: "OutputTokens",
    /** Cost of the call in USD from the price table (0 for tools and for models without a price). */
    costUsd: "CostUsd",
  },
  /** CloudWatch unit of each metric, as written in the EMF MetricDefinition. */
  units: {
    Calls: "Count",
    Errors: "Count",
    Refusals: "Count",
    LatencyMs: "Milliseconds",
    InputTokens: "Count",
    OutputTokens: "Count",
    CostUsd: "None",
  },
  /**
   * Dimension sets per kind of call. Every set starts with `Stack`, so no series of one stack
   * counts another's calls. Both kinds share `[Stack, Agent]`, so `Calls`, `Errors` and `CostUsd`
   * summed over `[Stack, Agent]` cover every call an agent makes in one stack (the series the
   * error-rate and cost alarms use); `[Stack, Agent, Tool]` and `[Stack, Agent, Model]` break
   * them down for the dashboard. The release id is deliberately not a dimension: an alarm keyed on
   * it would change with every release. It is a plain member (`Release`) of every line.
   */
  dimensionSets: {
    tool: [
      [DIMENSIONS.stack, DIMENSIONS.agent],
      [DIMENSIONS.stack, DIMENSIONS.agent, DIMENSIONS.tool],
    ],
    model: [
      [DIMENSIONS.stack, DIMENSIONS.agent],
      [DIMENSIONS.stack, DIMENSIONS.agent, DIMENSIONS.model],
    ],
  },
} as const;

/**
 * How a traced call ended (the `Outcome` member of its EMF line). `error` is a failure of the tool,
 * the model API or the infrastructure, counted in `Errors`; `refused` is an expected outcome the
 * agent handles (the model is told, the loop goes on), counted in `Refusals`.
 */
export const CALL_OUTCOMES = {
  ok: "ok",
  error: "error",
  refused: "refused",
} as const;

export type CallOutcome = (typeof CALL_OUTCOMES)[keyof typeof CALL_OUTCOMES];

/**
 * The property a thrown value carries to tell the tracer how the call ended: a value whose
 * `airlockOutcome` is `CALL_OUTCOMES.refused` is traced as `refused`, anything else thrown as
 * `error`. The runtime's `ToolRefusedError` sets it; the tracer reads it.
 */
export const OUTCOME_PROPERTY = "airlockOutcome";

export type AgentMetricName = (typeof AGENT_METRICS.names)[keyof typeof AGENT_METRICS.names];

/** The approval gateway's metric line per agent (dimensions `[Stack, Agent]`), read by the pending-approvals alarm. */
export const APPROVAL_METRICS = {
  namespace: "Airlock/Approvals",
  names: {
    /** Age of the oldest request still waiting for a decision, in seconds (0 when none waits). */
    oldestPendingSeconds: "OldestPendingSeconds",
    /** Requests waiting for a decision. */
    pending: "PendingApprovals",
  },
  dimensions: [DIMENSIONS.stack, DIMENSIONS.agent],
} as const;

/** The secret age monitor's metrics, read by each agent's secret-age alarm. */
export const SECRET_AGE_METRICS = {
  namespace: "Airlock/Secrets",
  names: {
    /** A hand-rotated secret's age in days (dimensions `[Stack, Agent, Secret]`). */
    ageDays: "SecretAgeDays",
    /** The oldest of an agent's hand-rotated secrets as a percentage of its limit (dimensions `[Stack, Agent]`). */
    percentOfLimit: "SecretAgePercentOfLimit",
  },
  dimensions: {
    perSecret: [DIMENSIONS.stack, DIMENSIONS.agent, DIMENSIONS.secret],
    perAgent: [DIMENSIONS.stack, DIMENSIONS.agent],
  },
} as const;
