/**
 * Another process spending a receipt: `node --import tsx replay.ts <endpoint> <aliasArn> <receipt JSON>`
 * makes its own LambdaClient and checkpoint, tries to execute the receipt, prints `RAN` if its
 * function ran and the outcome as the last line (JSON).
 */
import { LambdaClient } from "@aws-sdk/client-lambda";
import { createCheckpoint, type Receipt } from "../../src/index.ts";

const [endpoint, functionArn, receipt] = process.argv.slice(2);
const lambda = new LambdaClient({ endpoint, region: "eu-west-1", credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "replay-process-secret" }, maxAttempts: 1 });
const checkpoint = createCheckpoint({ lambda, functionArn, release: "rel-42" });
const out = await checkpoint.execute(JSON.parse(receipt!) as Receipt, () => {
  console.log("RAN");
  return 1;
});
console.log(JSON.stringify(out));
