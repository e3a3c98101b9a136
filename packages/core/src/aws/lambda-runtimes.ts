/**
 * Lambda runtimes and the dates AWS deprecates them, blocks creating functions on them and blocks
 * updating functions on them. A function whose runtime is past its block-create date cannot be
 * created (`pulumi up` fails on a new stack); past its block-update date it cannot be changed.
 *
 * No maintained npm dataset carries these dates (`lambda-runtimes` lists identifiers only), so this
 * is a dated hand table. It holds the Node.js runtimes, the ones Airlock's components use; any other
 * runtime is `unknown` to it and the guardrail warns rather than guessing.
 */
import { FACTS_CHECKED, type FactSource } from "./source.ts";

export interface LambdaRuntimeFact {
  /** Runtime identifier, e.g. `nodejs22.x`. */
  readonly id: string;
  /** Language family: runtimes of one family replace each other. */
  readonly family: "nodejs";
  readonly name: string;
  /** ISO dates; each phase starts on that day. */
  readonly deprecation: string;
  readonly blockCreate: string;
  readonly blockUpdate: string;
  readonly source: FactSource;
}

const NODEJS_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html";
const RUNTIMES_PAGE = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html";
const HEADER = "| Name | Identifier | Operating system | Deprecation date | Block function create | Block function update |";

export const LAMBDA_RUNTIMES: readonly LambdaRuntimeFact[] = [
  {
    id: "nodejs24.x",
    family: "nodejs",
    name: "Node.js 24",
    deprecation: "2028-04-30",
    blockCreate: "2028-06-01",
    blockUpdate: "2028-07-01",
    source: { url: NODEJS_PAGE, quote: `${HEADER} Node.js 24 | nodejs24.x | Amazon Linux 2023 | Apr 30, 2028 | Jun 1, 2028 | Jul 1, 2028 |`, checked: FACTS_CHECKED },
  },
  {
    id: "nodejs22.x",
    family: "nodejs",
    name: "Node.js 22",
    deprecation: "2027-04-30",
    blockCreate: "2027-06-01",
    blockUpdate: "2027-07-01",
    source: { url: NODEJS_PAGE, quote: `${HEADER} Node.js 22 | nodejs22.x | Amazon Linux 2023 | Apr 30, 2027 | Jun 1, 2027 | Jul 1, 2027 |`, checked: FACTS_CHECKED },
  },
  {
    id: "nodejs20.x",
    family: "nodejs",
    name: "Node.js 20",
    deprecation: "2026-04-30",
    blockCreate: "2026-08-31",
    blockUpdate: "2026-09-30",
    source: { url: NODEJS_PAGE, quote: `${HEADER} Node.js 20 | nodejs20.x | Amazon Linux 2023 | Apr 30, 2026 | Aug 31, 2026 | Sep 30, 2026 |`, checked: FACTS_CHECKED },
  },
  {
    id: "nodejs18.x",
    family: "nodejs",
    name: "Node.js 18",
    deprecation: "2025-09-01",
    blockCreate: "2025-10-01",
    blockUpdate: "2026-03-09",
    source: {
      url: RUNTIMES_PAGE,
      quote: "Deprecated runtimes: Node.js 18 | nodejs18.x | Amazon Linux 2 (deprecated Sep 1, 2025; AWS's notice: \"Starting October 1, 2025, you will no longer be able to create new Lambda functions using the Node.js 18 runtime\"; block update moved to Mar 9, 2026)",
      checked: FACTS_CHECKED,
      verified: false,
    },
  },
  {
    id: "nodejs16.x",
    family: "nodejs",
    name: "Node.js 16",
    deprecation: "2024-06-12",
    blockCreate: "2025-10-01",
    blockUpdate: "2026-03-09",
    source: {
      url: RUNTIMES_PAGE,
      quote: "Deprecated runtimes: Node.js 16 | nodejs16.x | Amazon Linux 2 (deprecated Jun 12, 2024; creation and update blocked with Node.js 18's dates)",
      checked: FACTS_CHECKED,
      verified: false,
    },
  },
];

export type LambdaRuntimePhase = "supported" | "deprecated" | "create-blocked" | "update-blocked" | "unknown";

export interface LambdaRuntimeStatus {
  readonly runtime: string;
  /** `deprecated`: no more patches, still creatable; `create-blocked`: new functions fail; `update-blocked`: changes fail too. */
  readonly phase: LambdaRuntimePhase;
  readonly fact?: LambdaRuntimeFact;
  /** The newest runtime of the same family that is supported on that date, if any. */
  readonly replacement?: string;
}

/** `YYYY-MM-DD` of a date (UTC) or of an ISO string. */
export function isoDay(date: Date | string): string {
  return typeof date === "string" ? date.slice(0, 10) : date.toISOString().slice(0, 10);
}

/** Where a runtime stands on a date (default: today). */
export function lambdaRuntimeStatus(runtime: string, date: Date | string = new Date()): LambdaRuntimeStatus {
  const day = isoDay(date);
  const fact = LAMBDA_RUNTIMES.find((r) => r.id === runtime);
  if (fact === undefined) return { runtime, phase: "unknown" };
  const phase: LambdaRuntimePhase =
    day >= fact.blockUpdate ? "update-blocked" : day >= fact.blockCreate ? "create-blocked" : day >= fact.deprecation ? "deprecated" : "supported";
  const replacement = phase === "supported" ? undefined : newestSupported(fact.family, day);
  return { runtime, phase, fact, ...(replacement !== undefined ? { replacement } : {}) };
}

/** The newest runtime of a family that is supported (not yet deprecated) on a date. */
export function newestSupported(family: LambdaRuntimeFact["family"], date: Date | string = new Date()): string | undefined {
  const day = isoDay(date);
  return LAMBDA_RUNTIMES.filter((r) => r.family === family && day < r.deprecation).sort((a, b) => b.deprecation.localeCompare(a.deprecation))[0]?.id;
}
