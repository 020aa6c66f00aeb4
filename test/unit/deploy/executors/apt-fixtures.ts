/** The recorded apt/dpkg runs in test/fixtures/deploy/apt as StepRecords. */
import { readFileSync } from 'node:fs';
import type { StepRecord } from '../../../../daemon/deploy/ports.js';

export const aptFixture = (name: string, part: 'stdout' | 'stderr' | 'exit'): string =>
  readFileSync(new URL(`../../../fixtures/deploy/apt/${name}.${part}`, import.meta.url), 'utf8');

export const aptRecord = (name: string, step = 'install'): StepRecord => ({
  step,
  command: 'apt-get ...',
  stdout: aptFixture(name, 'stdout'),
  stderr: aptFixture(name, 'stderr'),
  exitCode: Number(aptFixture(name, 'exit').trim()),
  startedAt: '2026-11-23T10:00:00.000Z',
  finishedAt: '2026-11-23T10:00:01.000Z',
  truncated: false,
});
