/**
 * The system prompt the release was compiled with: read from its file (the example's
 * `prompts/system.md`, shipped in the image at the same place relative to the code) and checked
 * against the shipped model's `promptHash`, so a prompt edited after the release was compiled
 * (and evaluated) does not serve.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sha256 } from "@airlock/core/hash";
import { AGENT_ENV } from "./config.ts";
import { ConfigError } from "./config.ts";

/** Where the prompt is when `AGENT_PROMPT_FILE` is not set: ../../prompts/system.md from the code (src/ here, dist/ in the image). */
export function defaultPromptFile(): string {
  return fileURLToPath(new URL("../../prompts/system.md", import.meta.url));
}

export function readPrompt(file: string | undefined, promptHash: string | undefined): string {
  const path = file ?? defaultPromptFile();
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ConfigError([`cannot read the system prompt ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); ship prompts/system.md with the release or set \`${AGENT_ENV.promptFile}\``]);
  }
  if (promptHash !== undefined && sha256(bytes) !== promptHash) {
    throw new ConfigError([
      `the system prompt ${path} hashes to ${sha256(bytes).slice(0, 12)}…, not to the release's promptHash ${promptHash.slice(0, 12)}…; ship the prompt the release was compiled (and evaluated) with`,
    ]);
  }
  return bytes.toString("utf8");
}
