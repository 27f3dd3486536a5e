/** What every bench scenario gets from the runner. */
export interface BenchContext {
  /** A scratch directory, removed after the run. */
  tmpDir: string;
  /** Seconds per load measurement (`--duration`). */
  durationSec: number;
  /** Progress lines (stderr, so stdout stays the table). */
  log(line: string): void;
}

/** A printed table: header row, then rows of cells. */
export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
}

export interface ScenarioReport {
  tables: Table[];
  /** Machine-readable figures for bench/results/*.json. */
  data: unknown;
  /** Skips and caveats, printed under the tables. */
  notes: string[];
}

/**
 * One benchmark. Each file in bench/scenarios/ exports `scenario`; `npm run bench -- NAME`
 * runs only the named ones.
 */
export interface BenchScenario {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<ScenarioReport>;
}
