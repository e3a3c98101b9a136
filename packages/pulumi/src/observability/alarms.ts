/**
 * The alarm definitions, as pure data built from the tracer's metric names, so tests (and
 * reviewers) read the exact thresholds and metric math.
 */
import { DIMENSIONS, EMF_NAMESPACE, METRICS } from "@airlock/trace/constants";
import { METRIC_MATH_ALARM_LIMITS } from "@airlock/core";
import { isResolved, markResolved } from "./resolved.ts";

/** Thresholds of an agent's alarms (AgentDeploymentArgs `alarms`). */
export interface AlarmSettings {
  /** Error rate (percent of calls) that alarms and, as a deployment alarm, rolls a release back. @default 10 */
  readonly errorRatePercent?: number;
  /** Calls needed in a period before the error rate counts (quiet periods never alarm). @default 5 */
  readonly minCallsForErrorRate?: number;
  /** Period of the error-rate alarm in seconds. @default 300 */
  readonly errorRatePeriodSeconds?: number;
  /** Periods in a row above the threshold before the error-rate alarm fires. @default 2 */
  readonly errorRateEvaluationPeriods?: number;
  /** Spend in USD per hour that alarms. @default 20 */
  readonly maxCostPerHourUsd?: number;
  /** Width of the cost anomaly band in standard deviations. @default 3 */
  readonly costAnomalyBandWidth?: number;
  /**
   * Error rate (percent of one tool's calls) that alarms on that tool: one alarm per tool of the
   * manifest, on the tracer's `[Stack, Agent, Tool]` series, over the error-rate period.
   * @default - `errorRatePercent`
   */
  readonly toolErrorRatePercent?: number;
  /** Calls of a tool needed in a period before its error rate counts. @default - `minCallsForErrorRate` */
  readonly minCallsForToolErrorRate?: number;
  /**
   * Calls of any one tool in an hour that alarm on that tool (a tool called in a loop: what a tool
   * costs is its calls, since the tracer prices model calls only and writes `CostUsd` 0 on tool
   * lines). One alarm per tool when set.
   * @default - no per-tool call alarms
   */
  readonly maxCallsPerToolPerHour?: number;
  /**
   * Which alarms are the service's deployment alarms: ECS fails a release that trips one while it
   * deploys or bakes, and rolls it back to the last completed deployment.
   * @default - the error rate and each tool's error rate roll back; calls and cost only notify
   */
  readonly rollback?: AlarmRollback;
}

/**
 * Which of an agent's alarms roll a release back (AlarmSettings `rollback`). ECS derives the bake
 * time from the deployment alarms' configuration (ECS_DEPLOYMENT_ALARM_FACTS.bakeTime), which is
 * one reason the hourly cost alarms are opt-in.
 */
export interface AlarmRollback {
  /** The agent's error rate over all its tool and model calls. @default true */
  readonly errorRate?: boolean;
  /** Each tool's error rate. @default true */
  readonly toolErrorRate?: boolean;
  /** Each tool's calls per hour (needs `maxCallsPerToolPerHour`). @default false */
  readonly toolCalls?: boolean;
  /** Model spend per hour above `maxCostPerHourUsd`. @default false */
  readonly costPerHour?: boolean;
  /** Hourly spend above the band CloudWatch learned. @default false */
  readonly costAnomaly?: boolean;
}

/** Each {@link AlarmRollback} field's default. */
export const DEFAULT_ALARM_ROLLBACK = Object.freeze({ errorRate: true, toolErrorRate: true, toolCalls: false, costPerHour: false, costAnomaly: false } as const);

/** The alarms that may be deployment alarms: the keys of {@link AlarmRollback}. */
export type RollbackSignal = keyof typeof DEFAULT_ALARM_ROLLBACK;

/** Each {@link AlarmSettings} field's default: written here only. */
export const DEFAULT_ALARM_SETTINGS = Object.freeze({
  errorRatePercent: 10,
  minCallsForErrorRate: 5,
  errorRatePeriodSeconds: 300,
  errorRateEvaluationPeriods: 2,
  maxCostPerHourUsd: 20,
  costAnomalyBandWidth: 3,
} as const);

declare const resolvedAlarms: unique symbol;

/**
 * {@link AlarmSettings} checked, with every default applied (see there for each field's meaning and
 * default): what {@link resolveAlarmSettings} returns and AgentObservability takes as it is.
 */
export interface ResolvedAlarmSettings {
  readonly errorRatePercent: number;
  readonly minCallsForErrorRate: number;
  readonly errorRatePeriodSeconds: number;
  readonly errorRateEvaluationPeriods: number;
  readonly maxCostPerHourUsd: number;
  readonly costAnomalyBandWidth: number;
  readonly toolErrorRatePercent: number;
  readonly minCallsForToolErrorRate: number;
  /** Undefined: no per-tool call alarms. */
  readonly maxCallsPerToolPerHour: number | undefined;
  /** Every {@link AlarmRollback} field, defaults filled. */
  readonly rollback: Readonly<Record<RollbackSignal, boolean>>;
  /** @internal */
  readonly [resolvedAlarms]: true;
}

const KIND = "alarm settings";

/**
 * Applies the defaults of {@link AlarmSettings} ({@link DEFAULT_ALARM_SETTINGS}) and checks the
 * values: the one check of an agent's alarm settings. Given settings it returned before, it
 * returns them as they are (see observability/resolved.ts).
 *
 * @param s - the caller's settings, or resolved ones
 * @param field - the argument's name, for the messages
 * @returns every setting, defaults filled in (frozen)
 * @throws Error naming the field (`alarms.<field>`) when a value is out of range
 */
export function resolveAlarmSettings(s: AlarmSettings | ResolvedAlarmSettings = {}, field = "alarms"): ResolvedAlarmSettings {
  if (isResolved<ResolvedAlarmSettings>(s, KIND)) return s;
  const d = DEFAULT_ALARM_SETTINGS;
  // Each field is read once (a per-tool default is the agent-wide value just read).
  const errorRatePercent = s.errorRatePercent ?? d.errorRatePercent;
  const minCallsForErrorRate = s.minCallsForErrorRate ?? d.minCallsForErrorRate;
  const r = {
    errorRatePercent,
    minCallsForErrorRate,
    errorRatePeriodSeconds: s.errorRatePeriodSeconds ?? d.errorRatePeriodSeconds,
    errorRateEvaluationPeriods: s.errorRateEvaluationPeriods ?? d.errorRateEvaluationPeriods,
    maxCostPerHourUsd: s.maxCostPerHourUsd ?? d.maxCostPerHourUsd,
    costAnomalyBandWidth: s.costAnomalyBandWidth ?? d.costAnomalyBandWidth,
    toolErrorRatePercent: s.toolErrorRatePercent ?? errorRatePercent,
    minCallsForToolErrorRate: s.minCallsForToolErrorRate ?? minCallsForErrorRate,
    maxCallsPerToolPerHour: s.maxCallsPerToolPerHour,
    rollback: resolveRollback(s.rollback, field),
  };
  if (!(r.errorRatePercent > 0 && r.errorRatePercent <= 100)) throw new Error(`\`${field}.errorRatePercent\`: must be more than 0 and at most 100`);
  if (!Number.isInteger(r.minCallsForErrorRate) || r.minCallsForErrorRate < 1) throw new Error(`\`${field}.minCallsForErrorRate\`: must be a whole number, 1 or more`);
  if (![60, 300, 900, 3600].includes(r.errorRatePeriodSeconds)) throw new Error(`\`${field}.errorRatePeriodSeconds\`: use 60, 300, 900 or 3600`);
  if (!Number.isInteger(r.errorRateEvaluationPeriods) || r.errorRateEvaluationPeriods < 1 || r.errorRateEvaluationPeriods > 10) {
    throw new Error(`\`${field}.errorRateEvaluationPeriods\`: must be a whole number from 1 to 10`);
  }
  if (!(r.maxCostPerHourUsd > 0)) throw new Error(`\`${field}.maxCostPerHourUsd\`: must be more than 0 (USD per hour)`);
  if (!(r.costAnomalyBandWidth >= 1 && r.costAnomalyBandWidth <= 10)) throw new Error(`\`${field}.costAnomalyBandWidth\`: must be from 1 to 10 standard deviations`);
  if (!(r.toolErrorRatePercent > 0 && r.toolErrorRatePercent <= 100)) throw new Error(`\`${field}.toolErrorRatePercent\`: must be more than 0 and at most 100`);
  if (!Number.isInteger(r.minCallsForToolErrorRate) || r.minCallsForToolErrorRate < 1) throw new Error(`\`${field}.minCallsForToolErrorRate\`: must be a whole number, 1 or more`);
  if (r.maxCallsPerToolPerHour !== undefined && !(Number.isInteger(r.maxCallsPerToolPerHour) && r.maxCallsPerToolPerHour >= 1)) {
    throw new Error(`\`${field}.maxCallsPerToolPerHour\`: must be a whole number of calls, 1 or more (or leave it out for no per-tool call alarms)`);
  }
  if (r.rollback.toolCalls && r.maxCallsPerToolPerHour === undefined) {
    throw new Error(`\`${field}.rollback.toolCalls\`: there are no per-tool call alarms to roll back on; set \`${field}.maxCallsPerToolPerHour\` too, or drop \`toolCalls\``);
  }
  return markResolved(r, KIND) as ResolvedAlarmSettings;
}

function resolveRollback(given: AlarmRollback | undefined, field: string): Readonly<Record<RollbackSignal, boolean>> {
  const known = Object.keys(DEFAULT_ALARM_ROLLBACK) as RollbackSignal[];
  if (given === undefined) return Object.freeze({ ...DEFAULT_ALARM_ROLLBACK });
  if (given === null || typeof given !== "object" || Array.isArray(given)) {
    throw new Error(`\`${field}.rollback\`: give a map of alarm → true/false (${known.join(", ")})`);
  }
  for (const [k, v] of Object.entries(given)) {
    if (!known.includes(k as RollbackSignal)) throw new Error(`\`${field}.rollback.${k}\`: no such alarm; the alarms that can roll a release back are ${known.join(", ")}`);
    if (v !== undefined && typeof v !== "boolean") throw new Error(`\`${field}.rollback.${k}\`: must be true or false`);
  }
  return Object.freeze(Object.fromEntries(known.map((k) => [k, given[k] ?? DEFAULT_ALARM_ROLLBACK[k]])) as Record<RollbackSignal, boolean>);
}

/**
 * The explicit opt-out `disableAlarmRollback` (no deployment alarms at all) against a `rollback`
 * entry set to true: the two contradict each other, so the caller is asked to drop one.
 *
 * @throws Error naming both fields
 */
export function checkAlarmRollbackOptOut(given: AlarmSettings | undefined, disableAlarmRollback: boolean | undefined): void {
  if (disableAlarmRollback !== true) return;
  const on = Object.entries(given?.rollback ?? {}).filter(([, v]) => v === true).map(([k]) => k);
  if (on.length > 0) {
    throw new Error(`\`disableAlarmRollback\`: turns every deployment alarm off, but \`alarms.rollback.${on[0]}\` is true; drop one of the two`);
  }
}

/** One metric query of a CloudWatch metric-math alarm (the shape of `aws.cloudwatch.MetricAlarm`'s `metricQueries`). */
export interface MetricQuery {
  readonly id: string;
  readonly expression?: string;
  readonly label?: string;
  readonly returnData: boolean;
  readonly metric?: {
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions: Record<string, string>;
    readonly period: number;
    readonly stat: string;
  };
}

/**
 * Whose calls a series counts: one agent in one stack. The tracer writes every line under
 * `{Stack, Agent}` (see DIMENSION_SETS), so two stacks of one program never share a series.
 */
export interface AgentSeries {
  /** The stack label (`stackLabel()`), which AgentDeployment also gives the tracer as AIRLOCK_STACK. */
  readonly stack: string;
  readonly agent: string;
}

/** The dimensions of an agent's all-calls series: `{Stack, Agent}`. */
export function agentDimensions(series: AgentSeries): Record<string, string> {
  return { [DIMENSIONS.stack]: series.stack, [DIMENSIONS.agent]: series.agent };
}

function agentMetric(series: AgentSeries, id: string, metricName: string, period: number): MetricQuery {
  return { id, returnData: false, metric: { namespace: EMF_NAMESPACE, metricName, dimensions: agentDimensions(series), period, stat: "Sum" } };
}

/** Error rate in percent over all of the agent's calls in its stack, counted only when there were enough calls. */
export function errorRateQueries(series: AgentSeries, s: ResolvedAlarmSettings): MetricQuery[] {
  return [
    agentMetric(series, "errors", METRICS.errors, s.errorRatePeriodSeconds),
    agentMetric(series, "calls", METRICS.calls, s.errorRatePeriodSeconds),
    { id: "error_rate", expression: `IF(calls >= ${s.minCallsForErrorRate}, 100 * errors / calls, 0)`, label: "Error rate (%)", returnData: true },
  ];
}

/** Cost per hour against an anomaly-detection band. */
export function costAnomalyQueries(series: AgentSeries, s: ResolvedAlarmSettings): MetricQuery[] {
  return [
    { ...agentMetric(series, "cost", METRICS.costUsd, 3600), returnData: true },
    { id: "cost_band", expression: `ANOMALY_DETECTION_BAND(cost, ${s.costAnomalyBandWidth})`, label: "Expected cost", returnData: true },
  ];
}

/** The dimensions of one tool's series: `{Stack, Agent, Tool}` (the tracer's tool lines). */
export function toolDimensions(series: AgentSeries, tool: string): Record<string, string> {
  return { ...agentDimensions(series), [DIMENSIONS.tool]: tool };
}

/**
 * One tool's error rate in percent, counted only when the tool had enough calls: two metrics and
 * an expression, well inside a metric-math alarm's 10 metrics (METRIC_MATH_ALARM_LIMITS), so each
 * tool has an alarm of its own, named after it, rather than one alarm over several tools.
 */
export function toolErrorRateQueries(series: AgentSeries, tool: string, s: ResolvedAlarmSettings): MetricQuery[] {
  const metric = (id: string, metricName: string): MetricQuery => ({
    id,
    returnData: false,
    metric: { namespace: EMF_NAMESPACE, metricName, dimensions: toolDimensions(series, tool), period: s.errorRatePeriodSeconds, stat: "Sum" },
  });
  const queries = [
    metric("errors", METRICS.errors),
    metric("calls", METRICS.calls),
    { id: "tool_error_rate", expression: `IF(calls >= ${s.minCallsForToolErrorRate}, 100 * errors / calls, 0)`, label: `${tool} error rate (%)`, returnData: true },
  ];
  if (queries.filter((q) => "metric" in q).length > METRIC_MATH_ALARM_LIMITS.maxMetrics.max) throw new Error(`toolErrorRateQueries: more than ${METRIC_MATH_ALARM_LIMITS.maxMetrics.max} metrics in one alarm`);
  return queries;
}
