/**
 * Where an AWS fact comes from: the page it is written on, the sentence or table row quoted from
 * it, and the day it was read. Every fact Airlock checks a plan against carries one, so a reviewer
 * can tell a documented limit from a guess, and so a rule's message can point to its source.
 */
export interface FactSource {
  /** The page the fact is quoted from (AWS documentation, the provider's source). */
  readonly url: string;
  /** The quoted sentence, limit or table row, as written there. */
  readonly quote: string;
  /** The day the quote was read (ISO date). */
  readonly checked: string;
  /** False when the value could not be read on a primary source; say so instead of guessing. @default true */
  readonly verified?: boolean;
}

/** The day these tables were read. */
export const FACTS_CHECKED = "2026-12-02";
