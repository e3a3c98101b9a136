/** `createTracer`'s options, checked once before a tracer exists: each error names the field and the fix. */
import { STACK_ENV } from "./constants.ts";
import { validatePrices } from "./prices.ts";
import type { TracerOptions } from "./types.ts";

/** What a trace id may look like (the ids PostHog and CloudWatch accept as they are). */
export const TRACE_ID = /^[A-Za-z0-9\-_~.@()!':|]{1,200}$/;

function requireName(value: unknown, field: string, hint: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new TypeError(`createTracer: \`${field}\` must be a non-empty string (${hint}), got ${JSON.stringify(value)}`);
  }
  return value;
}

export function validateOptions(options: TracerOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("createTracer: pass an options object with at least `agent` and `release`");
  }
  requireName(options.agent, "agent", "the agent's name from agent.yaml");
  requireName(options.release, "release", "the release id the agent is running");
  if (options.emf) {
    const ns = options.emf.namespace;
    if (ns !== undefined && (typeof ns !== "string" || ns.trim() === "" || ns.length > 255 || ns.startsWith("AWS/"))) {
      throw new TypeError(
        `createTracer: \`emf.namespace\` must be 1-255 characters and not start with "AWS/" (reserved), got ${JSON.stringify(ns)}`,
      );
    }
    if (options.emf.sink !== undefined && typeof options.emf.sink?.write !== "function") {
      throw new TypeError("createTracer: `emf.sink` must have a write(line) method, like process.stdout");
    }
  }
  if (options.posthog && !("client" in options.posthog)) {
    const ph = options.posthog;
    requireName(ph.apiKey, "posthog.apiKey", "the PostHog project API key, phc_…");
    if (ph.host !== undefined) {
      let ok = false;
      try {
        ok = ["http:", "https:"].includes(new URL(ph.host).protocol);
      } catch {
        ok = false;
      }
      if (!ok) throw new TypeError(`createTracer: \`posthog.host\` must be an http(s) URL such as https://eu.i.posthog.com, got ${JSON.stringify(ph.host)}`);
    }
    for (const field of ["flushAt", "flushIntervalMs", "requestTimeoutMs", "retryCount", "retryDelayMs", "maxQueueSize"] as const) {
      const v = ph[field];
      if (v !== undefined && (typeof v !== "number" || !Number.isInteger(v) || v < 0)) {
        throw new TypeError(`createTracer: \`posthog.${field}\` must be a whole number >= 0, got ${JSON.stringify(v)}`);
      }
    }
  }
  if (options.prices !== undefined) validatePrices(options.prices);
  // Checked last: the stack only matters once everything else is right.
  const stack = stackOf(options);
  if (options.emf !== false || stack !== undefined) {
    if (typeof stack !== "string" || stack.trim() === "" || stack.length > 1024) {
      throw new TypeError(
        `createTracer: \`stack\` must be a non-empty string (the Pulumi stack the agent runs in, the \`Stack\` dimension its alarms read); pass \`stack\` or set ${STACK_ENV} (AgentDeployment sets it in the task definition), got ${JSON.stringify(stack)}`,
      );
    }
  }
}

/** The stack from the options, else from the environment. */
export function stackOf(options: TracerOptions): string | undefined {
  return options.stack ?? process.env[STACK_ENV];
}
