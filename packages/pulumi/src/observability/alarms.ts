/**
 * The alarm definitions, as pure data built from the tracer's metric names, so tests (and
 * reviewers) read the exact thresholds and metric math.
 */
import { DIMENSIONS, EMF_NAMESPACE, METRICS } from "@airlock/trace/constants";
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
}

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
  const r = {
    errorRatePercent: s.errorRatePercent ?? d.errorRatePercent,
    minCallsForErrorRate: s.minCallsForErrorRate ?? d.minCallsForErrorRate,
    errorRatePeriodSeconds: s.errorRatePeriodSeconds ?? d.errorRatePeriodSeconds,
    errorRateEvaluationPeriods: s.errorRateEvaluationPeriods ?? d.errorRateEvaluationPeriods,
    maxCostPerHourUsd: s.maxCostPerHourUsd ?? d.maxCostPerHourUsd,
    costAnomalyBandWidth: s.costAnomalyBandWidth ?? d.costAnomalyBandWidth,
  };
  if (!(r.errorRatePercent > 0 && r.errorRatePercent <= 100)) throw new Error(`\`${field}.errorRatePercent\`: must be more than 0 and at most 100`);
  if (!Number.isInteger(r.minCallsForErrorRate) || r.minCallsForErrorRate < 1) throw new Error(`\`${field}.minCallsForErrorRate\`: must be a whole number, 1 or more`);
  if (![60, 300, 900, 3600].includes(r.errorRatePeriodSeconds)) throw new Error(`\`${field}.errorRatePeriodSeconds\`: use 60, 300, 900 or 3600`);
  if (!Number.isInteger(r.errorRateEvaluationPeriods) || r.errorRateEvaluationPeriods < 1 || r.errorRateEvaluationPeriods > 10) {
    throw new Error(`\`${field}.errorRateEvaluationPeriods\`: must be a whole number from 1 to 10`);
  }
  if (!(r.maxCostPerHourUsd > 0)) throw new Error(`\`${field}.maxCostPerHourUsd\`: must be more than 0 (USD per hour)`);
  if (!(r.costAnomalyBandWidth >= 1 && r.costAnomalyBandWidth <= 10)) throw new Error(`\`${field}.costAnomalyBandWidth\`: must be from 1 to 10 standard deviations`);
  return markResolved(r, KIND) as ResolvedAlarmSettings;
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
