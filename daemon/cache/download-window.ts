/**
 * Download windows ("22:00-06:00"): when background downloads (prefetch) may use the WAN. Times
 * are the appliance's local time; a window may wrap past midnight. No windows means always open.
 */
import { DepotError } from '../errors.js';

export interface Window {
  start: number; // minutes after midnight
  end: number;
  text: string;
}

const WINDOW_RE = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)$/;

export const parseWindow = (text: string): Window => {
  const m = WINDOW_RE.exec(text.trim());
  if (!m)
    throw new DepotError(
      'CONFIG_INVALID',
      `download window "${text}": expected HH:MM-HH:MM, e.g. 22:00-06:00`,
    );
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  if (start === end) throw new DepotError('CONFIG_INVALID', `download window "${text}" is empty`);
  return { start, end, text };
};

const minuteOfDay = (d: Date): number => d.getHours() * 60 + d.getMinutes();

export const inWindow = (w: Window, at: Date): boolean => {
  const m = minuteOfDay(at);
  return w.start < w.end ? m >= w.start && m < w.end : m >= w.start || m < w.end;
};

export class DownloadWindows {
  windows: Window[] = [];
  constructor(texts: string[]) {
    this.replace(texts);
  }

  /** The settings page changed cache.windows. */
  replace(texts: string[]): void {
    this.windows = texts.map(parseWindow);
  }

  isOpen(at: Date): boolean {
    return this.windows.length === 0 || this.windows.some((w) => inWindow(w, at));
  }

  /** Milliseconds until a window opens (0 when open now). */
  msUntilOpen(at: Date): number {
    if (this.isOpen(at)) return 0;
    const m = minuteOfDay(at);
    const waits = this.windows.map((w) => (w.start - m + 1440) % 1440);
    return (Math.min(...waits) * 60 - at.getSeconds()) * 1000 - at.getMilliseconds();
  }

  describe(): string {
    return this.windows.length ? this.windows.map((w) => w.text).join(', ') : 'always';
  }
}
