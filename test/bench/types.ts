/** What each benchmark module returns to `test/bench/run.ts`. */
export interface BenchmarkResult {
  title: string;
  /** Body of the benchmark page: method, table of results, verdict on the target. */
  markdown: string;
  /** Plain-text lines for the terminal. */
  summary: string;
  targetMet: boolean;
}

export interface BenchmarkModule {
  run(): Promise<BenchmarkResult>;
}
