/** What one measured run of bench/assess reports (assessment.ts prints it, run.ts reads it). */

/** One fleet size: its hosts read from their records, then assessed. */
export interface FleetRun {
  hosts: number;
  readMs: number;
  assessMs: number;
  assessCpuMs: number;
  usPerHost: number;
  missingFixes: number;
  compliant: number;
  memoEntries: number;
  peakRssMB: number;
}

export interface AssessmentRun {
  trackerCves: number;
  fixes: number;
  parseMs: number;
  parseCpuMs: number;
  indexMs: number;
  saveMs: number;
  loadMs: number;
  loadCpuMs: number;
  rssStartMB: number;
  rssAfterParseMB: number;
  runs: FleetRun[];
  peakRssMB: number;
  /** Heap held by the largest fleet's results and their memo. */
  heldHeapMB: number | undefined;
  naivePerHostMs: number;
  /** One Map lookup by name per installed package of a host read as JSON: the floor (assessment.ts). */
  floorPerHostUs: number;
}
