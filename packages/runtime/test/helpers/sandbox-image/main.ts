/**
 * The sandbox image of the tests: what a real sandbox image's main module does (the few lines the
 * runtime's TSDoc shows), with the test tools' handlers. The ECS stand-in runs it as the task's
 * container. `SANDBOX_TEST_MAX_OUTPUT` (a test's own variable, set through the task definition's
 * environment in the stand-in) lowers the entry's output cap.
 */
import { fileURLToPath } from "node:url";
import { runSandboxEntry } from "../../../src/index.ts";

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const cap = process.env.SANDBOX_TEST_MAX_OUTPUT;
runSandboxEntry({
  handlers: { run_js: here("./run-js.mjs"), no_export: here("./no-export.mjs") },
  // The handlers are plain JavaScript: their process needs no TypeScript loader.
  execArgv: [],
  ...(cap === undefined ? {} : { maxOutputBytes: Number(cap) }),
}).then((code) => process.exit(code));
