/**
 * The log of one job: the last lines it wrote, capped (a chatty handler cannot fill the SD card),
 * kept as `<id>.log` beside the job's record. Lines collect in memory and the file is rewritten
 * atomically at most once per debounce period, and once more when the job ends.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../lifecycle.js';
import type { Logger } from '../log.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { assertRecordId } from '../store/record-dir.js';

export interface JobLogLimits {
  maxLines: number;
  maxBytes: number;
  debounceMs: number;
}

export const DEFAULT_LOG_LIMITS: JobLogLimits = { maxLines: 2000, maxBytes: 256 * 1024, debounceMs: 1000 };
const MAX_LINE = 4096;

export const jobLogPath = (dir: string, id: string): string => join(dir, `${assertRecordId(id)}.log`);

export const readJobLog = async (dir: string, id: string): Promise<string[]> => {
  try {
    const text = await readFile(jobLogPath(dir, id), 'utf8');
    return text === '' ? [] : text.replace(/\n$/, '').split('\n');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
};

export const removeJobLog = (dir: string, id: string): Promise<void> =>
  rm(jobLogPath(dir, id), { force: true });

export class JobLog {
  private lines: string[] = [];
  private bytes = 0;
  private dropped = 0;
  private timer: AbortController | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    readonly id: string,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly limits: JobLogLimits = DEFAULT_LOG_LIMITS,
  ) {}

  /** Continue a log an earlier attempt (or the recovery step) already wrote. */
  async load(): Promise<void> {
    for (const line of await readJobLog(this.dir, this.id)) this.push(line);
  }

  get text(): string[] {
    return this.dropped ? [this.droppedNote(), ...this.lines] : [...this.lines];
  }

  append(line: string): void {
    const stamped = `${new Date(this.clock.now()).toISOString()} ${line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line}`;
    this.push(stamped);
    this.schedule();
  }

  private push(line: string): void {
    if (line.startsWith('… ') && line.includes('earlier lines dropped')) {
      this.dropped += Number(/\u2026 (\d+)/.exec(line)?.[1] ?? 0);
      return;
    }
    this.lines.push(line);
    this.bytes += Buffer.byteLength(line) + 1;
    while (this.lines.length > this.limits.maxLines || this.bytes > this.limits.maxBytes) {
      this.bytes -= Buffer.byteLength(this.lines.shift()!) + 1;
      this.dropped++;
    }
  }

  private droppedNote(): string {
    return `… ${this.dropped} earlier lines dropped (a job log keeps the last ${this.limits.maxLines} lines)`;
  }

  private schedule(): void {
    if (this.timer) return;
    const timer = new AbortController();
    this.timer = timer;
    this.clock.sleep(this.limits.debounceMs, timer.signal).then(
      () => {
        if (this.timer === timer) this.timer = undefined;
        void this.write();
      },
      () => {},
    );
  }

  private write(): Promise<void> {
    const body = `${this.text.join('\n')}\n`;
    this.writing = this.writing
      .then(() => writeFileAtomic(jobLogPath(this.dir, this.id), body, { mode: 0o640 }))
      .catch((err: unknown) => this.log.error('job log write failed', { jobId: this.id, err }));
    return this.writing;
  }

  /** Write what is pending now and stop the debounce timer. */
  flush(): Promise<void> {
    this.timer?.abort();
    this.timer = undefined;
    return this.write();
  }
}

/** A Logger that writes to the daemon log (with the job id) and copies each line into the job log. */
export const teeLogger = (base: Logger, line: (text: string) => void): Logger => {
  const show = (v: unknown): string => {
    if (v instanceof Error) return v.message;
    if (typeof v === 'string') return v;
    try {
      return JSON.stringify(v) ?? String(v);
    } catch {
      return String(v);
    }
  };
  const format = (level: string, msg: string, fields?: Record<string, unknown>): string => {
    const extra = Object.entries(fields ?? {})
      .map(([k, v]) => `${k}=${show(v)}`)
      .join(' ');
    return `${level === 'info' ? '' : `${level.toUpperCase()} `}${msg}${extra ? ` ${extra}` : ''}`;
  };
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (msg: string, fields?: Record<string, unknown>): void => {
      base[level](msg, fields);
      if (level !== 'debug') line(format(level, msg, fields));
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (name, fields) => teeLogger(base.child(name, fields), line),
  };
};
