/**
 * Classifying a failed package-tool step by its output: the first rule whose pattern matches
 * stdout+stderr gives the kind and the reason; a step cut off by a signal or a lost connection is
 * transient; anything else is permanent with the tool's last error line.
 */
import { type FailureKind, StepFailure, type StepRecord } from '../ports.js';

export type FailureRule = [pattern: RegExp, kind: FailureKind, reason: (m: RegExpExecArray) => string];

export const classifyByRules = (
  record: StepRecord,
  rules: readonly FailureRule[],
  errorLine: RegExp,
): StepFailure => {
  const all = `${record.stdout}\n${record.stderr}`;
  const fail = (kind: FailureKind, reason: string) =>
    new StepFailure(kind, `${record.step}: ${reason}`, record);
  for (const [pattern, kind, reason] of rules) {
    const m = pattern.exec(all);
    if (m) return fail(kind, reason(m));
  }
  if (record.exitCode === null)
    return fail('transient', 'the command was cut off (signal or connection lost)');
  const last = errorLine.exec(record.stderr)?.[1] ?? record.stderr.trim().split('\n').pop() ?? '';
  return fail('permanent', `exit ${record.exitCode}: ${last.slice(0, 300) || 'no error message'}`);
};
