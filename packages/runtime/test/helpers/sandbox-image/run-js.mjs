// A code-executing tool as a sandbox image would have one: runs the model's JavaScript (`code`,
// an async function body with `args` in scope) and returns what it returns.
export async function handler(args) {
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  return await new AsyncFunction("args", "require", args.code)(args, (await import("node:module")).createRequire(import.meta.url));
}
