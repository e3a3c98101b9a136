/**
 * The AWS SDK clients the CLI makes follow AWS's own environment. The SDK reads most of it itself;
 * static keys are passed from the command's environment (`Io.env`), which may not be the
 * process's (tests and embedding callers give their own).
 */
import type { Io } from "./io.ts";

/** `{ credentials }` from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`) when both keys are set; else `{}`, the SDK's own chain. */
export function credentialsFromEnv(env: Io["env"]): { credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } } {
  if (env.AWS_ACCESS_KEY_ID === undefined || env.AWS_SECRET_ACCESS_KEY === undefined) return {};
  return { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN === undefined ? {} : { sessionToken: env.AWS_SESSION_TOKEN }) } };
}
