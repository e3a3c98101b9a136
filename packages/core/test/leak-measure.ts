/**
 * Recall and precision of a detector on the leak corpus: a positive is found when some finding
 * overlaps its secret's span; a finding that overlaps no planted secret is a false positive (in a
 * lookalike document every finding is one). Several findings on one secret count once.
 */
import type { LeakDoc } from "./leak-corpus.ts";

/** Spans `[start, end)` a detector reports in one document. */
export type Detector = (doc: LeakDoc) => Promise<readonly (readonly [number, number])[]> | readonly (readonly [number, number])[];

export interface Measured {
  readonly positives: number;
  readonly found: number;
  readonly falsePositives: number;
  readonly recall: number;
  readonly precision: number;
  /** Per vendor: positives and found. */
  readonly byVendor: ReadonlyMap<string, { positives: number; found: number }>;
  /** Per context: positives and found. */
  readonly byContext: ReadonlyMap<string, { positives: number; found: number }>;
  /** The documents missed and the false positives, for a failing test to name. */
  readonly missed: readonly LeakDoc[];
  readonly flagged: readonly LeakDoc[];
}

const overlaps = (a: readonly [number, number], b: readonly [number, number]) => a[0] < b[1] && b[0] < a[1];

export async function measure(docs: readonly LeakDoc[], detect: Detector): Promise<Measured> {
  let found = 0;
  let positives = 0;
  let fps = 0;
  let tps = 0;
  const byVendor = new Map<string, { positives: number; found: number }>();
  const byContext = new Map<string, { positives: number; found: number }>();
  const missed: LeakDoc[] = [];
  const flagged: LeakDoc[] = [];
  for (const doc of docs) {
    const spans = await detect(doc);
    let hit = false;
    let wrong = 0;
    for (const s of spans) {
      if (doc.span !== undefined && overlaps(s, doc.span)) hit = true;
      else wrong++;
    }
    fps += wrong;
    if (wrong > 0) flagged.push(doc);
    if (doc.secret !== undefined) {
      positives++;
      if (hit) {
        found++;
        tps++;
      } else missed.push(doc);
      for (const [map, key] of [[byVendor, doc.secret.vendor], [byContext, doc.context]] as const) {
        const row = map.get(key) ?? { positives: 0, found: 0 };
        row.positives++;
        if (hit) row.found++;
        map.set(key, row);
      }
    }
  }
  return {
    positives,
    found,
    falsePositives: fps,
    recall: positives === 0 ? 1 : found / positives,
    precision: tps + fps === 0 ? 1 : tps / (tps + fps),
    byVendor,
    byContext,
    missed,
    flagged,
  };
}
