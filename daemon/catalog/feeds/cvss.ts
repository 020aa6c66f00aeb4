/**
 * CVSS v3.0/v3.1 base score from a vector string (FIRST specification, section 7), so OSV records
 * that only carry a vector still get a severity. Returns undefined for vectors it cannot read.
 */
import type { Severity } from '../model.js';

const W = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  CIA: { H: 0.56, L: 0.22, N: 0 },
} as const;

/** CVSS "round up to one decimal", done in integers to avoid float artefacts (spec appendix A). */
const roundUp = (x: number): number => {
  const i = Math.round(x * 100000);
  return i % 10000 === 0 ? i / 100000 : (Math.floor(i / 10000) + 1) / 10;
};

export const cvss3BaseScore = (vector: string): number | undefined => {
  if (!/^CVSS:3\.[01]\//.test(vector)) return undefined;
  const m = new Map(
    vector
      .split('/')
      .slice(1)
      .map((p) => p.split(':') as [string, string]),
  );
  const av = W.AV[m.get('AV') as keyof typeof W.AV];
  const ac = W.AC[m.get('AC') as keyof typeof W.AC];
  const ui = W.UI[m.get('UI') as keyof typeof W.UI];
  const s = m.get('S');
  const pr = m.get('PR');
  const [c, i, a] = ['C', 'I', 'A'].map((k) => W.CIA[m.get(k) as keyof typeof W.CIA]);
  if (
    av === undefined ||
    ac === undefined ||
    ui === undefined ||
    c === undefined ||
    i === undefined ||
    a === undefined
  )
    return undefined;
  if (s !== 'U' && s !== 'C') return undefined;
  const changed = s === 'C';
  const prW =
    pr === 'N'
      ? 0.85
      : pr === 'L'
        ? changed
          ? 0.68
          : 0.62
        : pr === 'H'
          ? changed
            ? 0.5
            : 0.27
          : undefined;
  if (prW === undefined) return undefined;
  const iss = 1 - (1 - c) * (1 - i) * (1 - a);
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 : 6.42 * iss;
  if (impact <= 0) return 0;
  const exploitability = 8.22 * av * ac * prW * ui;
  return changed
    ? roundUp(Math.min(1.08 * (impact + exploitability), 10))
    : roundUp(Math.min(impact + exploitability, 10));
};

export const scoreToSeverity = (score: number): Severity =>
  score >= 9 ? 'critical' : score >= 7 ? 'high' : score >= 4 ? 'medium' : score > 0 ? 'low' : 'negligible';
