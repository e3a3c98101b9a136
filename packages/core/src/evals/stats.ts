/**
 * The eval gate's statistics, exact and pure: pass@k and pass^k of one case from its runs, and the
 * one-sided exact sign test on paired cases (McNemar's exact test when every case ran once).
 *
 * - pass@k: the chance that at least one of k runs drawn without replacement from the case's n
 *   runs (c of them passing) passes, `1 - C(n-c, k) / C(n, k)` (the unbiased estimator of
 *   Chen et al., "Evaluating Large Language Models Trained on Code", 2021).
 * - pass^k: the chance that all k such runs pass, `C(c, k) / C(n, k)` (τ-bench's pass^k).
 * - The sign test: of the m paired cases whose pass rate changed, `worse` got worse. Under "no
 *   change" each is worse with probability 1/2, so the one-sided p-value is
 *   `P(X ≥ worse)` for `X ~ Binomial(m, 1/2)`, `Σ_{i=worse..m} C(m, i) / 2^m`, computed with
 *   BigInt binomials, so it is exact for any suite size (no underflow at 10,000 cases).
 */

/**
 * `1 - C(n-c, k) / C(n, k)`: the unbiased pass@k of a case that passed `c` of `n` runs, for
 * `1 ≤ k ≤ n`. Undefined when the case has fewer than k runs.
 */
export function passAtK(n: number, c: number, k: number): number | undefined {
  checkCounts(n, c, k);
  if (k > n) return undefined;
  if (n - c < k) return 1;
  // C(n-c, k) / C(n, k) = Π_{i=0..k-1} (n-c-i) / (n-i), as a product of ratios ≤ 1 (no overflow).
  let allFail = 1;
  for (let i = 0; i < k; i++) allFail *= (n - c - i) / (n - i);
  return 1 - allFail;
}

/** `C(c, k) / C(n, k)`: pass^k (every one of k runs passes) of a case that passed `c` of `n` runs. Undefined when k > n. */
export function passHatK(n: number, c: number, k: number): number | undefined {
  checkCounts(n, c, k);
  if (k > n) return undefined;
  if (c < k) return 0;
  let all = 1;
  for (let i = 0; i < k; i++) all *= (c - i) / (n - i);
  return all;
}

function checkCounts(n: number, c: number, k: number): void {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k) || n < 1 || c < 0 || c > n || k < 1) {
    throw new RangeError(`pass@k needs whole numbers with 0 ≤ c ≤ n, n ≥ 1 and k ≥ 1 (got n=${n}, c=${c}, k=${k})`);
  }
}

/**
 * The one-sided exact sign test: `P(X ≥ worse)` for `X ~ Binomial(worse + better, 1/2)`, the
 * chance of at least this many cases getting worse when the change made no difference. 1 when no
 * case changed.
 */
export function signTestPValue(worse: number, better: number): number {
  if (!Number.isInteger(worse) || !Number.isInteger(better) || worse < 0 || better < 0) {
    throw new RangeError(`the sign test counts cases: whole numbers of at least 0 (got worse=${worse}, better=${better})`);
  }
  const m = worse + better;
  if (m === 0 || worse === 0) return 1;
  // Σ_{i=worse..m} C(m, i), exactly; C(m, i+1) = C(m, i)·(m-i)/(i+1) divides exactly.
  let term = 1n;
  for (let i = 0; i < worse; i++) term = (term * BigInt(m - i)) / BigInt(i + 1);
  let tail = 0n;
  for (let i = worse; i <= m; i++) {
    tail += term;
    term = (term * BigInt(m - i)) / BigInt(i + 1);
  }
  return ratio(tail, 1n << BigInt(m));
}

/** a / b for BigInts (0 ≤ a ≤ b) as the nearest double: each cut to its top 64 bits, the scale put back after. */
function ratio(a: bigint, b: bigint): number {
  if (a === 0n) return 0;
  const sa = Math.max(0, a.toString(2).length - 64);
  const sb = Math.max(0, b.toString(2).length - 64);
  return (Number(a >> BigInt(sa)) / Number(b >> BigInt(sb))) * 2 ** (sa - sb);
}

/**
 * The fewest paired cases with which the sign test can reach `alpha` at all (every one of them
 * worse gives the smallest p-value, `(1/2)^m`): 5 for alpha 0.05, 7 for 0.01.
 */
export function minPairsForAlpha(alpha: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be between 0 and 1 (got ${alpha})`);
  let m = 1;
  while (signTestPValue(m, 0) > alpha) m++;
  return m;
}
