/** Eval reports (promptfoo's results and the native format) and the eval gate. */
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
export {
  DEFAULT_EVAL_POLICY,
  EvalGateError,
  assertEvalGate,
  checkEvalGate,
  validateEvalPolicy,
  type AssertEvalGateInput,
  type EvalGateInput,
  type EvalGateResult,
  type EvalPolicy,
} from "./gate.ts";
