// The policy pack's entry point: Pulumi's policy runtime loads this directory (its package.json
// `main`) with the directory as the working directory, and the PolicyPack reads its version from
// ./package.json (kept equal to @airlock/guardrails's by scripts/version.ts). Constructing the pack
// starts the analyzer's gRPC server, which is why the library's own entry never does it.
require("../dist/policypack.js");
