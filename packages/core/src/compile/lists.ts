/** Small list helpers shared by the compile builders. */

/** The distinct strings of `xs`, sorted (code-unit order). */
export function uniqSorted(xs: Iterable<string>): string[] {
  return [...new Set(xs)].sort();
}
