/** What each benchmark section hands back to the runner. */
import type { Cell } from "../stats.js";

export interface SectionResult {
  id: string;
  title: string;
  headers: string[];
  rows: Cell[][];
  /** Machine-readable figures (medians in ms, rates in 1/s, sizes in bytes). */
  figures: Record<string, unknown>;
  notes?: string[];
}

export interface RunContext {
  quick: boolean;
  /** Prints progress to stderr (the table goes to stdout). */
  progress(message: string): void;
}
