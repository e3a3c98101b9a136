/**
 * The agent's CloudWatch dashboard: calls, errors and refusals, latency, cost and the release that
 * is running, in one stack. Refusals (policy refusals, denials, approval timeouts, the model's own
 * code failing) are drawn beside the errors but are not in the error rate the alarms use.
 */
import { DIMENSIONS, EMF_NAMESPACE, METRICS } from "@airlock/trace/constants";

export interface DashboardInputs {
  /** The stack label: every series is the agent's in this stack (`{Stack, Agent}`). */
  readonly stack: string;
  readonly agent: string;
  readonly region: string;
  readonly logGroupName: string;
  readonly clusterName: string;
  readonly serviceName: string;
  readonly alarmArns: readonly string[];
}

export function dashboardBody(d: DashboardInputs): string {
  const series = [DIMENSIONS.stack, d.stack, DIMENSIONS.agent, d.agent];
  const m = (name: string, stat: string, label?: string) => [EMF_NAMESPACE, name, ...series, { stat, ...(label ? { label } : {}) }];
  const widget = (x: number, y: number, w: number, h: number, properties: Record<string, unknown>, type = "metric") => ({ type, x, y, width: w, height: h, properties });
  const widgets = [
    widget(0, 0, 12, 6, {
      title: "Calls, errors and refusals",
      region: d.region,
      view: "timeSeries",
      stat: "Sum",
      period: 300,
      metrics: [m(METRICS.calls, "Sum", "Calls"), m(METRICS.errors, "Sum", "Errors"), m(METRICS.refusals, "Sum", "Refusals (expected: not in the error rate)")],
    }),
    widget(12, 0, 12, 6, {
      title: "Error rate (%)",
      region: d.region,
      view: "timeSeries",
      period: 300,
      metrics: [
        [{ expression: "IF(calls > 0, 100 * errors / calls, 0)", label: "Error rate (%)", id: "rate" }],
        [EMF_NAMESPACE, METRICS.errors, ...series, { stat: "Sum", id: "errors", visible: false }],
        [EMF_NAMESPACE, METRICS.calls, ...series, { stat: "Sum", id: "calls", visible: false }],
      ],
    }),
    widget(0, 6, 12, 6, { title: "Latency (ms)", region: d.region, view: "timeSeries", period: 300, metrics: [m(METRICS.latencyMs, "p50", "p50"), m(METRICS.latencyMs, "p90", "p90"), m(METRICS.latencyMs, "p99", "p99")] }),
    widget(12, 6, 12, 6, { title: "Cost (USD per hour)", region: d.region, view: "timeSeries", period: 3600, metrics: [m(METRICS.costUsd, "Sum", "Cost")] }),
    widget(0, 12, 12, 6, { title: "Tokens", region: d.region, view: "timeSeries", period: 300, metrics: [m(METRICS.inputTokens, "Sum", "Input"), m(METRICS.outputTokens, "Sum", "Output")] }),
    widget(12, 12, 12, 6, {
      title: "Running tasks",
      region: d.region,
      view: "timeSeries",
      period: 60,
      metrics: [
        ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", d.clusterName, "ServiceName", d.serviceName, { stat: "Average", label: "Running" }],
        ["ECS/ContainerInsights", "DesiredTaskCount", "ClusterName", d.clusterName, "ServiceName", d.serviceName, { stat: "Average", label: "Desired" }],
      ],
    }),
    // The running release comes from the trace lines themselves, so switching releases changes nothing here.
    widget(
      0,
      18,
      12,
      6,
      {
        title: "Running release (calls per release, last hour)",
        region: d.region,
        view: "table",
        query: `SOURCE '${d.logGroupName}' | filter ispresent(Release) | stats count(*) as calls, sum(${METRICS.errors}) as errors, sum(${METRICS.refusals}) as refusals by Release | sort calls desc`,
      },
      "log",
    ),
    widget(12, 18, 12, 6, { title: "Alarms", alarms: [...d.alarmArns] }, "alarm"),
  ];
  return JSON.stringify({ widgets });
}
