/**
 * Structured logging: one JSON object per line on stdout (journald keeps it), or a short human
 * line when stdout is a terminal. Loggers are injected and namespaced with `child()`; there is no
 * global logger.
 */

import { type Clock, dateOf, systemClock } from './lifecycle.js';
import { terminalText } from './terminal-text.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(name: string, fields?: Record<string, unknown>): Logger;
}

export interface LogSink {
  write(line: string): void;
}

export interface LoggerOptions {
  level: LogLevel;
  format: 'json' | 'pretty';
  sink?: LogSink;
  clock?: Clock;
}

const serialise = (value: unknown, depth = 0): unknown => {
  if (!(value instanceof Error)) return value;
  const out: Record<string, unknown> = { name: value.name, message: value.message };
  if ('code' in value) out.code = value.code;
  if (value.stack) out.stack = value.stack;
  if (depth < 3 && value.cause) out.cause = serialise(value.cause, depth + 1);
  if (depth < 3 && value instanceof AggregateError)
    out.errors = value.errors.map((e) => serialise(e, depth + 1));
  return out;
};

/** An error as one line, "message: cause message", for the human format; other values pass through. */
const briefError = (value: unknown): unknown => {
  if (!(value instanceof Error)) return value;
  const parts: string[] = [];
  for (let e: unknown = value; e instanceof Error && parts.length < 4; e = e.cause) {
    if (!parts.some((p) => p.includes(e instanceof Error ? e.message : ''))) parts.push(e.message);
  }
  return parts.join(': ');
};

/** JSON that never throws: BigInt as a string, cycles as "[circular]". */
const safeJson = (value: unknown): string => {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Error) return serialise(v);
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    return v;
  });
};

/** The keys every JSON line starts with. */
const RESERVED = new Set(['time', 'level', 'name', 'msg']);

export const createLogger = (
  opts: LoggerOptions,
  name = 'depot',
  base: Record<string, unknown> = {},
): Logger => {
  const sink = opts.sink ?? process.stdout;
  const clock = opts.clock ?? systemClock;
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (rank[level] < rank[opts.level]) return;
    const all: Record<string, unknown> = { ...base };
    // A terminal reader wants what went wrong; the stack is for the journal and for --debug.
    const human = opts.format === 'pretty' && opts.level !== 'debug';
    for (const [k, v] of Object.entries(fields ?? {})) all[k] = human ? briefError(v) : serialise(v);
    if (opts.format === 'json') {
      // A field named like the line's own keys ({ name: file }) keeps them: it is written as
      // `name_`, so the logger's name (what a journal is searched by) is never replaced.
      const line: Record<string, unknown> = { time: dateOf(clock).toISOString(), level, name, msg };
      for (const [k, v] of Object.entries(all)) line[RESERVED.has(k) ? `${k}_` : k] = v;
      sink.write(`${safeJson(line)}\n`);
      return;
    }
    const extra = Object.entries(all)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : safeJson(v)}`)
      .join(' ');
    const time = dateOf(clock).toISOString().slice(11, 19);
    // The human format goes to a terminal: fields may carry what a host sent.
    const line = `${time} ${level.toUpperCase().padEnd(5)} [${name}] ${msg}${extra ? ` ${extra}` : ''}`;
    sink.write(`${terminalText(line)}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (child, fields) => createLogger(opts, `${name}.${child}`, { ...base, ...fields }),
  };
};
