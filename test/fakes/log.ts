/** A logger for tests that keeps every line in memory, so tests can assert on what was logged. */
import { createLogger, type Logger } from '../../daemon/log.js';

export interface MemoryLogger extends Logger {
  lines: Array<Record<string, unknown>>;
}

export const memoryLogger = (): MemoryLogger => {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({
    level: 'debug',
    format: 'json',
    sink: { write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return Object.assign(log, { lines });
};
