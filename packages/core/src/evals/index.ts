/** Eval reports (promptfoo's results and the native format), their merge, and the eval gate with its statistics. */
export { EvalReportError, type EvalCase, type EvalReport, type EvalReportFormat } from "./report.ts";
export {
  FINGERPRINT_ENV,
  PROMPTFOO_FINGERPRINT_TAGS,
  PROMPTFOO_REDACTED,
  PROMPTFOO_REQUIRED_REPEATS_KEY,
  fingerprintEnvLines,
  promptfooTagValue,
  isPromptfooResults,
  parsePromptfooReport,
} from "./promptfoo.ts";
export { AIRLOCK_EVAL_FORMAT, isAirlockEvalReport, parseAirlockEvalReport, type AirlockEvalReportFile } from "./native.ts";
export { evalReportExists, loadEvalReport, parseEvalReport } from "./load.ts";
export { mergeEvalReports } from "./merge.ts";
export { minPairsForAlpha, passAtK, passHatK, signTestPValue } from "./stats.ts";
export { DEFAULT_ALPHA, DEFAULT_EVAL_POLICY, EVAL_PLAN_RULES, validateEvalPolicy, type EvalPolicy, type EvalQuarantine } from "./policy.ts";
export type { EvalCaseRow, EvalCaseVerdict, EvalComparison, EvalRuns, EvalSuiteStats } from "./compare.ts";
export {
  EvalGateError,
  assertEvalGate,
  checkEvalGate,
  formatP,
  type AssertEvalGateInput,
  type EvalGateFinding,
  type EvalGateInput,
  type EvalGateResult,
} from "./gate.ts";
export { renderEvalGateMarkdown, renderEvalGateText, type EvalGateView } from "./table.ts";
